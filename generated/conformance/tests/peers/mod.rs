//! Shared by the tests that talk to the reference implementations in `../shared/peers`
//! (Synapse from PyPI, on 127.0.0.1 only).

#![allow(dead_code)] // Each test file uses a part.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use matrix_api_core::{FromHttpResponseError, IncomingResponse, OutgoingRequest};

/// A free port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn peers_dir() -> PathBuf {
    match std::env::var_os("MATRIX_PEERS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/peers"),
    }
}

/// The python of the Synapse venv: `$SYNAPSE_PYTHON`, else installed now.
pub fn synapse_python() -> String {
    if let Ok(python) = std::env::var("SYNAPSE_PYTHON") {
        return python;
    }
    let out = Command::new(peers_dir().join("install-synapse.sh"))
        .output()
        .expect("install-synapse.sh runs");
    assert!(
        out.status.success(),
        "installing Synapse failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A Synapse on a free loopback port, stopped when dropped.
pub struct Synapse {
    /// Its data folder.
    pub data_dir: PathBuf,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Synapse {
    /// Starts one; `extra_config` is YAML appended to its configuration.
    pub fn start(extra_config: Option<&str>) -> Self {
        Self::start_on(free_port(), None, extra_config)
    }

    /// Starts one named `127.0.0.1:PORT` after its own port (so that nothing it does
    /// looks a name up).
    pub fn start_loopback_named(extra_config: Option<&str>) -> Self {
        let port = free_port();
        Self::start_on(port, Some(&format!("127.0.0.1:{port}")), extra_config)
    }

    fn start_on(port: u16, server_name: Option<&str>, extra_config: Option<&str>) -> Self {
        let data_dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("synapse-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&data_dir).unwrap();
        let mut command = Command::new(peers_dir().join("start-synapse.sh"));
        command
            .arg(&data_dir)
            .arg(port.to_string())
            .env("SYNAPSE_PY", synapse_python());
        if let Some(name) = server_name {
            command.arg(name);
        }
        if let Some(extra) = extra_config {
            let file = data_dir.join("extra.yaml");
            std::fs::write(&file, extra).unwrap();
            command.env("SYNAPSE_EXTRA_CONFIG", &file);
        }
        let out = command.output().expect("start-synapse.sh runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("READY"),
            "Synapse did not start: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Synapse {
            data_dir,
            base: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Synapse {
    fn drop(&mut self) {
        let _ = Command::new(peers_dir().join("stop-synapse.sh"))
            .arg(&self.data_dir)
            .status();
    }
}

/// Sends a generated request and reads the response with the generated code.
pub fn call<R: OutgoingRequest>(
    agent: &ureq::Agent,
    base: &str,
    request: R,
    token: Option<&str>,
) -> Result<
    R::IncomingResponse,
    FromHttpResponseError<<R::IncomingResponse as IncomingResponse>::Error>,
> {
    let http = request
        .try_into_http_request::<Vec<u8>>(base, token)
        .expect("request builds");
    let response = agent.run(http).expect("Synapse answers");
    let (parts, mut body) = response.into_parts();
    let bytes = body.read_to_vec().expect("body reads");
    R::IncomingResponse::try_from_http_response(http::Response::from_parts(parts, bytes))
}
