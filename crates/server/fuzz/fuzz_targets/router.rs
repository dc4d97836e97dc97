//! Arbitrary method, path, query, headers and body through a router: every answer is a
//! deliberate one (never `500`, which a caught panic or a failure to build a response would
//! give), and every error answer (but to `HEAD`) carries a Matrix error code.
//!
//! The router serves endpoints registered by hand for now; it will take the generated routers
//! of all five APIs.
#![no_main]

use std::sync::OnceLock;

use http_body_util::BodyExt;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use matrix_client_server_api as cs;
use matrix_server::{Routes, ServerConfig, axum, unrecognized};
use matrix_server_server_api as ss;
use tower::ServiceExt;

/// Templates to aim at, so that inputs get past routing; their `{…}` segments take the
/// input's raw parameters.
const TEMPLATES: &[&str] = &[
    "/_matrix/client/versions",
    "/_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}",
    "/_matrix/client/v3/join/{roomIdOrAlias}",
    "/_matrix/federation/v1/send/{txnId}",
    "/_matrix/key/v2/server",
];

const METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE", "OPTIONS", "PATCH", "HEAD"];

const HEADERS: &[&str] = &[
    "authorization",
    "content-type",
    "content-length",
    "expect",
    "transfer-encoding",
    "origin",
];

#[derive(Arbitrary, Debug)]
struct Input {
    method: u8,
    template: u8,
    params: Vec<String>,
    path: String,
    query: Option<String>,
    headers: Vec<(u8, Vec<u8>)>,
    body: Vec<u8>,
}

fn router() -> &'static axum::Router {
    static ROUTER: OnceLock<axum::Router> = OnceLock::new();
    ROUTER.get_or_init(|| {
        Routes::new(())
            .endpoint::<cs::admin::get_versions::Request, _, _>(|_, _, _| async {
                Err(unrecognized())
            })
            .endpoint::<cs::room_events::send_message::Request, _, _>(|_, _, _| async {
                Err(unrecognized())
            })
            .endpoint::<cs::membership::join_room::Request, _, _>(|_, _, _| async {
                Err(unrecognized())
            })
            .endpoint::<ss::transactions::send_transaction::Request, _, _>(|_, _, _| async {
                Err(unrecognized())
            })
            .endpoint::<ss::keys::get_server_key::Request, _, _>(|_, _, _| async {
                Err(unrecognized())
            })
            .into_router(
                ServerConfig::accept_anything("127.0.0.1:8448".parse().unwrap())
                    .body_limit(64 * 1024),
            )
    })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    })
}

/// The path: a template with the input's parameters, or the input's own path.
fn path(input: &Input) -> String {
    let Some(template) = TEMPLATES.get(usize::from(input.template)) else {
        return input.path.clone();
    };
    let mut params = input.params.iter();
    template
        .split('/')
        .map(|segment| match segment.starts_with('{') {
            true => params.next().map_or("", String::as_str),
            false => segment,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fuzz_target!(|input: Input| {
    let method = METHODS[usize::from(input.method) % METHODS.len()];
    let mut uri = path(&input);
    if let Some(query) = &input.query {
        uri.push('?');
        uri.push_str(query);
    }
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (name, value) in &input.headers {
        let name = HEADERS[usize::from(*name) % HEADERS.len()];
        if let Ok(value) = http::HeaderValue::from_bytes(value) {
            builder = builder.header(name, value);
        }
    }
    let Ok(request) = builder.body(axum::body::Body::from(input.body.clone())) else {
        return;
    };
    runtime().block_on(async {
        let response = router().clone().oneshot(request).await.unwrap();
        let status = response.status();
        assert_ne!(status, http::StatusCode::INTERNAL_SERVER_ERROR);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        // Answers to `HEAD` have no body.
        if status.is_client_error() && method != "HEAD" {
            let error: serde_json::Value = serde_json::from_slice(&body).expect("a JSON error");
            assert!(error["errcode"].is_string(), "{error}");
        }
    });
});
