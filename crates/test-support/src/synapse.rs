//! The Synapse peer: where it is, and running the Python side of a cross-check with it.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// `$MATRIX_PEERS_DIR`, default `../shared/peers` beside the workspace.
pub fn peers_dir() -> PathBuf {
    std::env::var_os("MATRIX_PEERS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/peers"))
}

/// `$SYNAPSE_PYTHON`, else what `install-synapse.sh` prints; panics (the test fails, never
/// skips) if Synapse cannot be had.
pub fn synapse_python() -> PathBuf {
    if let Some(python) = std::env::var_os("SYNAPSE_PYTHON").filter(|p| !p.is_empty()) {
        return PathBuf::from(python);
    }
    let install = peers_dir().join("install-synapse.sh");
    let output = Command::new(&install)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", install.display()));
    assert!(
        output.status.success(),
        "{} failed: {}",
        install.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let python = String::from_utf8(output.stdout).expect("install script prints a path");
    PathBuf::from(python.trim())
}

/// Runs `script` with Synapse's python (then `args`), writes `input` to its standard input and
/// returns the JSON lines it prints; panics if it cannot run or fails.
pub fn run_script<A: AsRef<OsStr>>(script: &Path, args: &[A], input: Vec<u8>) -> Vec<Value> {
    let python = synapse_python();
    let mut child = Command::new(&python)
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("the script runs");
    writer
        .join()
        .expect("writer thread")
        .expect("write the input to the script");
    assert!(output.status.success(), "{} failed", script.display());
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("the script prints JSON lines"))
        .collect()
}
