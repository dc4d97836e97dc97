//! Shared by the cross-checks: finding Synapse and running the oracle batch driver.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use matrix_auth_rules::Rejection;
use matrix_state_res::StateMap;
use matrix_state_res::room_file::parse_state;
use serde_json::Value;

pub mod generator;

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

/// Runs rooms through tests/oracle_batch.py (`mode`: "resolve" or "walk"); one result per room.
pub fn run_oracle(mode: &str, rooms: &[Value]) -> Vec<Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle_batch.py");
    let mut child = Command::new(synapse_python())
        .arg(&script)
        .arg(peers_dir().join("oracle"))
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the Synapse oracle");
    let input = serde_json::to_vec(rooms).expect("rooms serialise");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("oracle runs");
    writer
        .join()
        .expect("writer")
        .expect("write rooms to the oracle");
    assert!(output.status.success(), "oracle failed");
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("oracle prints JSON lines"))
        .collect();
    assert_eq!(lines.len(), rooms.len(), "one oracle line per room");
    lines
}

/// A state the oracle printed (nested form).
pub fn oracle_state(value: &Value) -> StateMap {
    parse_state(value).expect("oracle states are well-formed")
}

/// Rejections for inputs on which Synapse raises an error rather than rejecting the event.
pub fn synapse_raises_instead(rejection: &Rejection) -> bool {
    matches!(
        rejection,
        Rejection::MissingAuthEvent(_)
            | Rejection::CreateEventListed(_)
            | Rejection::MalformedPowerLevels(_)
            | Rejection::MalformedCreateContent(_)
            | Rejection::IdWithoutDomain(_)
            | Rejection::InvalidThirdPartyInvite
    )
}

/// Whether our verdict matches Synapse's ("allow", "reject", or "error" for the inputs where it
/// raises instead of rejecting).
pub fn same_verdict(ours: &Result<(), Rejection>, synapse: &str) -> bool {
    match (ours, synapse) {
        (Ok(()), "allow") => true,
        (Err(_), "reject") => true,
        (Err(rejection), "error") => synapse_raises_instead(rejection),
        _ => false,
    }
}
