//! A recording proxy on 127.0.0.1 between the generated client and a peer: it forwards
//! every request as it came (no redirect followed, no body changed) and keeps the last
//! answer, so that the report can give each operation's HTTP status, and the raw body of an
//! answer the generated code could not parse.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use matrix_server::axum;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use http::header;

/// One request and the peer's answer.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Its number, counting from 1.
    pub seq: u64,
    pub method: String,
    /// Path and query.
    pub uri: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Bytes,
}

impl Exchange {
    /// The start of the body as text.
    pub fn excerpt(&self, limit: usize) -> String {
        excerpt(&self.body, limit)
    }
}

/// The start of `body` as text (invalid UTF-8 replaced), `…` when cut.
pub fn excerpt(body: &[u8], limit: usize) -> String {
    let text = String::from_utf8_lossy(body);
    match text.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.into_owned(),
    }
}

struct Shared {
    upstream: String,
    http: reqwest::Client,
    seq: AtomicU64,
    last: Mutex<Option<Exchange>>,
}

/// The proxy: `base` is the URL to give the client instead of the peer's.
#[derive(Clone)]
pub struct Recorder {
    pub base: String,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("base", &self.base)
            .field("upstream", &self.shared.upstream)
            .finish()
    }
}

impl Recorder {
    /// Starts a proxy to `upstream` (`http://127.0.0.1:PORT`) on a free loopback port, on the
    /// current tokio runtime.
    pub async fn start(upstream: &str) -> Recorder {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: no_redirect_client(),
            seq: AtomicU64::new(0),
            last: Mutex::new(None),
        });
        let router = axum::Router::new()
            .fallback(forward)
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Recorder {
            base: format!("http://127.0.0.1:{port}"),
            shared,
        }
    }

    /// How many exchanges have been recorded.
    pub fn count(&self) -> u64 {
        self.shared.seq.load(Ordering::SeqCst)
    }

    /// The last exchange, if it came after the first `after`.
    pub fn last_after(&self, after: u64) -> Option<Exchange> {
        let last = self.shared.last.lock().unwrap().clone()?;
        (last.seq > after).then_some(last)
    }
}

/// An HTTP client that follows no redirect (the client runtime's settings otherwise).
pub fn no_redirect_client() -> reqwest::Client {
    matrix_client::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let uri = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let mut headers = parts.headers;
    for name in [
        header::HOST,
        header::CONNECTION,
        header::TRANSFER_ENCODING,
        header::CONTENT_LENGTH,
    ] {
        headers.remove(name);
    }
    let sent = shared
        .http
        .request(parts.method.clone(), format!("{}{uri}", shared.upstream))
        .headers(headers)
        .body(body)
        .send()
        .await;
    let (status, mut headers, body) = match sent {
        Ok(answer) => {
            let status = answer.status();
            let headers = answer.headers().clone();
            let body = answer.bytes().await.unwrap_or_default();
            (status, headers, body)
        }
        Err(error) => (
            http::StatusCode::BAD_GATEWAY,
            http::HeaderMap::new(),
            Bytes::from(format!("recording proxy: the peer did not answer: {error}")),
        ),
    };
    for name in [
        header::CONNECTION,
        header::TRANSFER_ENCODING,
        header::CONTENT_LENGTH,
    ] {
        headers.remove(name);
    }
    let seq = shared.seq.fetch_add(1, Ordering::SeqCst) + 1;
    *shared.last.lock().unwrap() = Some(Exchange {
        seq,
        method: parts.method.to_string(),
        uri,
        status: status.as_u16(),
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: body.clone(),
    });
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}
