//! A throw-away Synapse named `127.0.0.1:PORT` that federates with the peer, and its users
//! through the generated client-server API.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use matrix_client::Client;
use matrix_client_server_api as cs;
use matrix_test_support::{peers_dir, synapse_python};

/// A Synapse on a free loopback port, stopped when dropped.
pub struct Synapse {
    data_dir: PathBuf,
    pub port: u16,
}

impl Synapse {
    /// Starts one that accepts the federation peer `peer` (self-signed TLS).
    pub fn start(peer: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let name = format!("127.0.0.1:{port}");
        let data_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("federation-synapse-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&data_dir).unwrap();
        let extra = data_dir.join("federation.yaml");
        std::fs::write(
            &extra,
            format!(
                "ip_range_whitelist: [\"127.0.0.1\"]\n\
                 federation_domain_whitelist: [\"{name}\", \"{peer}\"]\n\
                 federation_verify_certificates: false\n\
                 federation_ip_range_blacklist: []\n"
            ),
        )
        .unwrap();
        let out = Command::new(peers_dir().join("start-synapse.sh"))
            .arg(&data_dir)
            .arg(port.to_string())
            .arg(&name)
            .env("SYNAPSE_PY", synapse_python())
            .env("SYNAPSE_EXTRA_CONFIG", &extra)
            .output()
            .expect("start-synapse.sh runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("READY"),
            "Synapse did not start: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Synapse { data_dir, port }
    }

    pub fn name(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A new user with open registration, logged in.
    pub async fn user(&self, name: &str) -> Client {
        let client = Client::builder(self.base())
            .http_client(matrix_client::http_client_builder().build().unwrap())
            .request_timeout(Some(Duration::from_secs(30)))
            .build()
            .unwrap();
        let request = |auth| {
            let mut request = cs::account::register::Request::new();
            request.auth = auth;
            request.username = Some(name.to_owned());
            request.password = Some("pw-for-tests-only".into());
            request
        };
        let session = match client.send(request(None)).await {
            Err(matrix_client::Error::Api(cs::account::register::Error::Unauthorized(uiaa))) => {
                uiaa.session
            }
            other => panic!("expected 401 with a session, got {other:?}"),
        };
        let auth = cs::types::AuthData::dummy(session);
        let token = client
            .send(request(Some(auth)))
            .await
            .unwrap()
            .access_token
            .unwrap();
        client.set_access_token(Some(token));
        client
    }
}

impl Drop for Synapse {
    fn drop(&mut self) {
        let _ = Command::new(peers_dir().join("stop-synapse.sh"))
            .arg(&self.data_dir)
            .status();
    }
}
