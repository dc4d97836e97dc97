//! Arbitrary method, path, query, headers and body through the router of all five APIs
//! (every operation, on the generated mock of `matrix-mock-server`): every answer is a
//! deliberate one (never `500`, which a caught panic or a failure to build a response would
//! give), and every error answer (but to `HEAD`) carries a Matrix error code.
#![no_main]

use std::sync::OnceLock;

use http_body_util::BodyExt;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use matrix_server::axum;
use tower::ServiceExt;

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
    /// Below `METHODS.len()`: that method; above: the aimed endpoint's own.
    method: u8,
    /// Which endpoint path to aim at (every path each operation has had); past the end, the
    /// input's own `path`.
    template: u16,
    params: Vec<String>,
    path: String,
    query: Option<String>,
    headers: Vec<(u8, Vec<u8>)>,
    body: Vec<u8>,
}

/// The mock of all five APIs, and the endpoints to aim at: each path template an operation
/// has had, with its method; their `{…}` segments take the input's raw parameters.
struct Target {
    router: axum::Router,
    templates: Vec<(&'static str, &'static str)>,
}

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let routes = matrix_mock_server::routes();
        let templates = routes
            .operations()
            .flat_map(|metadata| {
                let method = static_method(metadata.method.as_str());
                metadata.paths().map(move |path| (method, path))
            })
            .collect();
        let config =
            matrix_mock_server::config("127.0.0.1:8448".parse().unwrap()).body_limit(64 * 1024);
        Target {
            router: routes.into_router(config),
            templates,
        }
    })
}

/// The name in [`METHODS`] of an endpoint's method (every Matrix endpoint's is there).
fn static_method(method: &str) -> &'static str {
    METHODS
        .iter()
        .find(|m| **m == method)
        .copied()
        .unwrap_or("GET")
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    })
}

/// The method and path: an endpoint's template with the input's parameters, or the input's
/// own path.
fn method_and_path(input: &Input) -> (&'static str, String) {
    let own_method = METHODS.get(usize::from(input.method)).copied();
    let Some(&(method, template)) = target().templates.get(usize::from(input.template)) else {
        return (own_method.unwrap_or("GET"), input.path.clone());
    };
    let mut params = input.params.iter();
    let path = template
        .split('/')
        .map(|segment| match segment.starts_with('{') {
            true => params.next().map_or("", String::as_str),
            false => segment,
        })
        .collect::<Vec<_>>()
        .join("/");
    (own_method.unwrap_or(method), path)
}

fuzz_target!(|input: Input| {
    let (method, mut uri) = method_and_path(&input);
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
        let response = target().router.clone().oneshot(request).await.unwrap();
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
