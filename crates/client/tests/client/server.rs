//! A local HTTP server on 127.0.0.1 that answers what a test script says: rate limits,
//! gateway errors, truncated or malformed bodies, slow answers, streams. It runs on its own
//! thread and runtime, records every request, and stops when dropped.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Hit {
    pub method: Method,
    /// Path and query, as sent.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Hit {
    pub fn path(&self) -> &str {
        self.uri.split('?').next().unwrap_or_default()
    }

    pub fn query(&self) -> Option<&str> {
        self.uri.split_once('?').map(|(_, query)| query)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What the server answers.
#[derive(Debug)]
pub struct Reply {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Body,
    delay: Duration,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, value: serde_json::Value) -> Self {
        Reply::raw(status, "application/json", value.to_string())
    }

    /// Any body with any content type.
    pub fn raw(status: u16, content_type: &str, body: impl Into<Bytes>) -> Self {
        Reply::body(status, Body::from(body.into())).header("content-type", content_type)
    }

    /// Any body, without headers.
    pub fn body(status: u16, body: Body) -> Self {
        Reply {
            status: StatusCode::from_u16(status).unwrap(),
            headers: Vec::new(),
            body,
            delay: Duration::ZERO,
        }
    }

    /// A body that announces `declared` bytes, sends `sent`, and breaks the connection.
    pub fn truncated(status: u16, declared: usize, sent: &'static [u8]) -> Self {
        let chunks: [Result<Bytes, std::io::Error>; 2] = [
            Ok(Bytes::from_static(sent)),
            Err(std::io::Error::other("cut off on purpose")),
        ];
        Reply::body(
            status,
            Body::from_stream(futures_util::stream::iter(chunks)),
        )
        .header("content-type", "application/json")
        .header("content-length", &declared.to_string())
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((
            HeaderName::try_from(name).unwrap(),
            HeaderValue::try_from(value).unwrap(),
        ));
        self
    }

    /// Answers only after `delay`.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Script = dyn Fn(&Hit, usize) -> Reply + Send + Sync;

#[derive(Clone)]
struct Shared {
    script: Arc<Script>,
    hits: Arc<Mutex<Vec<Hit>>>,
}

/// A running server; stops when dropped.
#[derive(Debug)]
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pub addr: SocketAddr,
    hits: Arc<Mutex<Vec<Hit>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    /// Serves `script`, called with each request and how many came before it.
    pub fn start(script: impl Fn(&Hit, usize) -> Reply + Send + Sync + 'static) -> Server {
        Server::start_on("127.0.0.1:0".parse().unwrap(), script)
    }

    /// Like [`Server::start`], on a given loopback address.
    pub fn start_on(
        addr: SocketAddr,
        script: impl Fn(&Hit, usize) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let shared = Shared {
            script: Arc::new(script),
            hits: Arc::default(),
        };
        let hits = shared.hits.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (bound, address) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
                bound.send(listener.local_addr().unwrap()).unwrap();
                let app = axum::Router::new().fallback(answer).with_state(shared);
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        let addr = address.recv().unwrap();
        Server {
            base: format!("http://{addr}"),
            addr,
            hits,
            stop: Some(stop),
        }
    }

    /// The requests received so far.
    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.hits.lock().unwrap().len()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn answer(State(shared): State<Shared>, request: Request) -> Result<Response, Infallible> {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let hit = Hit {
        method: parts.method,
        uri: parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        headers: parts.headers,
        body,
    };
    let index = {
        let mut hits = shared.hits.lock().unwrap();
        hits.push(hit.clone());
        hits.len() - 1
    };
    let reply = (shared.script)(&hit, index);
    // (A zero sleep would still wait for the timer's next tick, about a millisecond.)
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = Response::new(reply.body);
    *response.status_mut() = reply.status;
    for (name, value) in reply.headers {
        response.headers_mut().insert(name, value);
    }
    Ok(response)
}

/// A loopback port with nothing listening on it.
pub fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}
