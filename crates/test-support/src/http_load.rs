//! The requests/s benchmarks of matrix-server and matrix-mock-server: the two workloads, a
//! keep-alive load generator over loopback, the pieces of the hand-written axum handlers they
//! compare with, and alternating rounds.

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http::{HeaderValue, Request, StatusCode, header, request::Parts};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use matrix_api_core::{IncomingRequest, ServerName};
use matrix_client_server_api::admin::get_versions;
use matrix_client_server_api::room_events::send_message;
use matrix_server::axum::routing::{get, put};
use matrix_server::axum::{self, body::Body, body::Bytes};
use matrix_server::{
    AcceptAnything, Assertion, Authenticator, Caller, DEFAULT_BODY_LIMIT, TokenOwner,
};
use tokio::net::{TcpListener, TcpStream};

/// The send path the `Send10k` workload requests.
pub const SEND: &str = "/_matrix/client/v3/rooms/%21room%3Aexample.org/send/m.room.message/txn1";
/// Concurrent keep-alive connections of the load generator.
pub const CONNECTIONS: usize = 4;

/// The two requests measured.
#[derive(Clone, Copy, Debug)]
pub enum Workload {
    /// `GET /_matrix/client/versions`.
    Versions,
    /// A 10 KB `PUT /rooms/{roomId}/send/{eventType}/{txnId}` with a bearer token.
    Send10k,
}

impl Workload {
    /// Both, in the order the tables print them.
    pub const ALL: [Workload; 2] = [Workload::Versions, Workload::Send10k];

    /// The name in the tables.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Versions => "GET /versions",
            Workload::Send10k => "PUT /send, 10 KB",
        }
    }

    /// The request, to `address`, with `body` for the send.
    pub fn request(self, address: SocketAddr, body: &Bytes) -> Request<Full<Bytes>> {
        let builder = Request::builder().header(header::HOST, address.to_string());
        let request = match self {
            Workload::Versions => builder
                .method("GET")
                .uri("/_matrix/client/versions")
                .body(Full::new(Bytes::new())),
            Workload::Send10k => builder
                .method("PUT")
                .uri(SEND)
                .header(header::AUTHORIZATION, "Bearer alice")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Full::new(body.clone())),
        };
        request.expect("a valid request")
    }
}

/// A message event of about 10 KB.
pub fn message_10k() -> Bytes {
    let text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(175);
    let body = serde_json::json!({"msgtype": "m.text", "body": text, "format": "plain"});
    Bytes::from(serde_json::to_vec(&body).expect("JSON"))
}

/// Serves `router` on a free loopback port.
pub async fn spawn(router: axum::Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("its address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    address
}

/// Sends up to `count` requests over [`CONNECTIONS`] keep-alive connections, stopping early at
/// `deadline`; returns the requests answered `200` and the time taken.
pub async fn load(
    address: SocketAddr,
    workload: Workload,
    count: u64,
    deadline: Duration,
) -> (u64, Duration) {
    let body = message_10k();
    let start = Instant::now();
    let per_connection = count.div_ceil(CONNECTIONS as u64);
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            let stream = TcpStream::connect(address).await.expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .expect("handshake");
            tokio::spawn(connection);
            let mut done = 0;
            while done < per_connection && start.elapsed() < deadline {
                sender.ready().await.expect("connection ready");
                let response = sender
                    .send_request(workload.request(address, &body))
                    .await
                    .expect("an answer");
                assert_eq!(response.status(), StatusCode::OK, "{}", workload.name());
                response.into_body().collect().await.expect("the body");
                done += 1;
            }
            done
        }));
    }
    let mut done = 0;
    for task in tasks {
        done += task.await.expect("a load task");
    }
    (done, start.elapsed())
}

/// Requests/s of the servers at `ours` and `theirs` (medians of `rounds` that alternate which
/// goes first, so that drift of the host hits both alike), `count` requests or `deadline` each.
pub async fn compare(
    ours: SocketAddr,
    theirs: SocketAddr,
    workload: Workload,
    (count, deadline, rounds): (u64, Duration, usize),
) -> (f64, f64) {
    let (mut ours_rates, mut their_rates) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let mut order = [(ours, &mut ours_rates), (theirs, &mut their_rates)];
        if round % 2 == 1 {
            order.reverse();
        }
        for (address, rates) in order {
            let (done, elapsed) = load(address, workload, count, deadline).await;
            rates.push(done as f64 / elapsed.as_secs_f64());
        }
    }
    (crate::median(&ours_rates), crate::median(&their_rates))
}

/// The hand-written side of both benchmarks: axum's router with the two routes of [`Workload`],
/// each doing [`hand_written`]'s work around the generated request's parsing and `versions` /
/// `send` (the send's bearer token checked by `AcceptAnything` for `server_name`).
pub fn hand_written_router<V, VF, S, SF>(
    server_name: ServerName,
    versions: V,
    send: S,
) -> axum::Router
where
    V: FnOnce(get_versions::Request, Caller) -> VF + Clone + Send + Sync + 'static,
    VF: Future<Output = http::Response<Body>> + Send,
    S: FnOnce(send_message::Request, Caller) -> SF + Clone + Send + Sync + 'static,
    SF: Future<Output = http::Response<Body>> + Send,
{
    let authenticator = AcceptAnything::new(server_name);
    axum::Router::new()
        .route(
            "/_matrix/client/versions",
            get(move |request| {
                hand_written(request, None, |request, caller| async move {
                    match get_versions::Request::try_from_http_request(request) {
                        Ok(request) => versions(request, caller).await,
                        Err(e) => e.to_http_response().map(Body::from),
                    }
                })
            }),
        )
        .route(
            "/_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}",
            put(move |request| async move {
                hand_written(
                    request,
                    Some(&authenticator),
                    |request, caller| async move {
                        match send_message::Request::try_from_http_request(request) {
                            Ok(request) => send(request, caller).await,
                            Err(e) => e.to_http_response().map(Body::from),
                        }
                    },
                )
                .await
            }),
        )
}

/// What a hand-written handler does around its endpoint: the body read within the same limit,
/// the caller from the bearer token through `AcceptAnything` (when `authenticated`), and CORS
/// headers on the answer `handle` gives.
pub async fn hand_written<F, Fut>(
    request: Request<Body>,
    authenticator: Option<&AcceptAnything>,
    handle: F,
) -> http::Response<Body>
where
    F: FnOnce(Request<Bytes>, Caller) -> Fut,
    Fut: Future<Output = http::Response<Body>>,
{
    let (parts, body) = request.into_parts();
    let caller = match authenticator {
        Some(authenticator) => match bearer_caller(&parts, authenticator).await {
            Some(caller) => caller,
            None => return error(StatusCode::UNAUTHORIZED),
        },
        None => Caller::Anonymous,
    };
    let Ok(bytes) = axum::body::to_bytes(body, DEFAULT_BODY_LIMIT).await else {
        return error(StatusCode::PAYLOAD_TOO_LARGE);
    };
    with_cors(handle(Request::from_parts(parts, bytes), caller).await)
}

async fn bearer_caller(parts: &Parts, authenticator: &AcceptAnything) -> Option<Caller> {
    let token = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))?;
    match authenticator
        .access_token(token, &Assertion::default())
        .await
    {
        Ok(TokenOwner::User(user)) => Some(Caller::User(user)),
        _ => None,
    }
}

/// A bare error answer.
pub fn error(status: StatusCode) -> http::Response<Body> {
    let mut response = http::Response::new(Body::from(r#"{"errcode":"M_UNKNOWN"}"#));
    *response.status_mut() = status;
    response
}

fn with_cors(mut response: http::Response<Body>) -> http::Response<Body> {
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("X-Requested-With, Content-Type, Authorization"),
    );
    response
}
