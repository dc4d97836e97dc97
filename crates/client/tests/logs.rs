//! The tracing span of each request, and no credential in any log line (the client's, or
//! reqwest's and hyper's at the most verbose level). A test binary of its own: a scoped
//! subscriber is not reliable while other tests run in the same process.

// Shared with the `client` tests, which use more of them.
#[allow(dead_code)]
#[path = "client/endpoints.rs"]
mod endpoints;
#[allow(dead_code)]
#[path = "client/server.rs"]
mod server;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use matrix_client::{Client, RetryPolicy, SupportedVersions};
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

use endpoints::{AppserviceThing, GetThing, HomeserverThing, PostThing, call};
use server::{Hit, Reply, Server};

/// Everything logged, as text.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[test]
fn spans_name_method_path_and_status_and_no_credential_is_logged() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .finish();
    // The server runs on its own thread, outside the subscriber: only the client logs here.
    let server = Server::start(|hit: &Hit, n| match (hit.header("authorization"), n) {
        (_, 0) => Reply::json(
            429,
            json!({"errcode": "M_LIMIT_EXCEEDED", "retry_after_ms": 5}),
        ),
        (Some("Bearer syt_old_secret"), _) => Reply::json(
            401,
            json!({"errcode": "M_UNKNOWN_TOKEN", "soft_logout": true}),
        ),
        _ => Reply::json(200, json!({"value": "x"})),
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let client = Client::builder(&server.base)
                .access_token("syt_old_secret")
                .appservice("as_secret", Some("@bot:example.org".parse().unwrap()))
                .homeserver_token("hs_secret")
                .retry(RetryPolicy {
                    initial_backoff: Duration::from_millis(10),
                    ..RetryPolicy::default()
                })
                .refresh_token_with(|_| async { Ok("syt_new_secret".to_owned()) })
                .supported_versions(SupportedVersions::new(["v1.19".parse().unwrap()]))
                .build()
                .unwrap();
            client.send(call::<GetThing>(&["a"])).await.unwrap();
            client
                .send(call::<PostThing>(&[]).body(json!({})))
                .await
                .unwrap();
            client
                .send(call::<AppserviceThing>(&["as"]).body(json!({})))
                .await
                .unwrap();
            client
                .send(call::<HomeserverThing>(&["t"]).body(json!({})))
                .await
                .unwrap();
        });
    });
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for secret in ["syt_old_secret", "syt_new_secret", "as_secret", "hs_secret"] {
        assert!(!logs.contains(secret), "{secret} logged:\n{logs}");
    }
    let closes: Vec<&str> = logs
        .lines()
        .filter(|line| line.contains("matrix_request{") && line.contains("close"))
        .collect();
    let get = closes
        .iter()
        .find(|line| line.contains("path=/_matrix/client/v3/things/{id}"))
        .unwrap_or_else(|| panic!("no span for the GET:\n{logs}"));
    // Rate limited, then expired, then refreshed.
    for field in ["method=GET", "status=200", "attempts=3", "duration_ms="] {
        assert!(get.contains(field), "{field} missing: {get}");
    }
    assert!(
        closes.iter().any(|line| line.contains("method=POST")
            && line.contains("path=/_matrix/client/v3/things ")
            && line.contains("status=200")
            && line.contains("attempts=1")),
        "no span for the POST:\n{logs}"
    );
    assert!(logs.contains("retrying"), "{logs}");
    assert!(logs.contains("access token refreshed"), "{logs}");
    // reqwest and hyper logged too, so the check above covered them.
    assert!(logs.contains("hyper") || logs.contains("reqwest"), "{logs}");
}
