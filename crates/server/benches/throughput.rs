//! Requests per second over loopback: a `Routes` router serving the generated `get_versions`
//! and `send_message`, against a hand-written axum router doing the same work per request
//! (body limit, bearer token through the same authenticator, the generated parsing and
//! response building, CORS headers). Criterion measures the time per request; then a bounded
//! load run prints requests/s of each and their ratio (the goal: within 10 %).
//!
//! `cargo bench -p matrix-server --bench throughput`; under `cargo test` it runs a few hundred
//! requests only.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::routing::{get, put};
use criterion::Criterion;
use http::{HeaderValue, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use matrix_api_core::{IncomingRequest, IncomingResponse, OutgoingResponse};
use matrix_client_server_api::admin::get_versions;
use matrix_client_server_api::room_events::send_message;
use matrix_server::{
    AcceptAnything, Assertion, Authenticator, Caller, DEFAULT_BODY_LIMIT, Routes, ServerConfig,
    TokenOwner,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tower::ServiceExt;

const SERVER_NAME: &str = "127.0.0.1:8448";
const SEND: &str = "/_matrix/client/v3/rooms/%21room%3Aexample.org/send/m.room.message/txn1";
/// Concurrent keep-alive connections of the load generator.
const CONNECTIONS: usize = 4;

fn versions_response() -> get_versions::Response {
    let body = br#"{"versions":["v1.18","v1.19"]}"#.to_vec();
    get_versions::Response::try_from_http_response(http::Response::new(body)).unwrap()
}

fn send_response(request: &send_message::Request, caller: &Caller) -> send_message::Response {
    let user = caller.user_id().map_or("", |u| u.localpart());
    let body = format!(r#"{{"event_id":"${}_{}"}}"#, request.txn_id, user);
    send_message::Response::try_from_http_response(http::Response::new(body.into_bytes())).unwrap()
}

/// The router under test.
fn runtime_router() -> axum::Router {
    Routes::new(())
        .endpoint::<get_versions::Request, _, _>(|_, _, _| async { Ok(versions_response()) })
        .endpoint::<send_message::Request, _, _>(|_, request, caller| async move {
            Ok(send_response(&request, &caller))
        })
        .into_router(ServerConfig::accept_anything(SERVER_NAME.parse().unwrap()))
}

/// The same work written by hand for these two routes.
fn hand_written_router() -> axum::Router {
    async fn versions(request: Request<Body>) -> http::Response<Body> {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, DEFAULT_BODY_LIMIT).await else {
            return error(StatusCode::PAYLOAD_TOO_LARGE);
        };
        let response =
            match get_versions::Request::try_from_http_request(Request::from_parts(parts, bytes)) {
                Ok(_) => versions_response()
                    .try_into_http_response::<Body>()
                    .unwrap(),
                Err(e) => e.to_http_response().map(Body::from),
            };
        with_cors(response)
    }
    async fn send(request: Request<Body>) -> http::Response<Body> {
        let authenticator = AcceptAnything::new(SERVER_NAME.parse().unwrap());
        let (parts, body) = request.into_parts();
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let Some(token) = token else {
            return error(StatusCode::UNAUTHORIZED);
        };
        let caller = match authenticator
            .access_token(token, &Assertion::default())
            .await
        {
            Ok(TokenOwner::User(user)) => Caller::User(user),
            _ => return error(StatusCode::UNAUTHORIZED),
        };
        let Ok(bytes) = axum::body::to_bytes(body, DEFAULT_BODY_LIMIT).await else {
            return error(StatusCode::PAYLOAD_TOO_LARGE);
        };
        let response =
            match send_message::Request::try_from_http_request(Request::from_parts(parts, bytes)) {
                Ok(request) => send_response(&request, &caller)
                    .try_into_http_response::<Body>()
                    .unwrap(),
                Err(e) => e.to_http_response().map(Body::from),
            };
        with_cors(response)
    }
    fn error(status: StatusCode) -> http::Response<Body> {
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
    axum::Router::new()
        .route("/_matrix/client/versions", get(versions))
        .route(
            "/_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}",
            put(send),
        )
}

async fn spawn(router: axum::Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    address
}

/// The two requests measured.
#[derive(Clone, Copy, Debug)]
enum Workload {
    Versions,
    Send10k,
}

impl Workload {
    fn request(self, address: SocketAddr, body: &Bytes) -> Request<Full<Bytes>> {
        let builder = Request::builder().header(header::HOST, address.to_string());
        match self {
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
        }
        .unwrap()
    }
}

/// A message event of about 10 KB.
fn message_10k() -> Bytes {
    let text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(175);
    let body = serde_json::json!({"msgtype": "m.text", "body": text, "format": "plain"});
    Bytes::from(serde_json::to_vec(&body).unwrap())
}

/// Sends `count` requests over `CONNECTIONS` keep-alive connections, stopping early at
/// `deadline`; returns the requests done and the time taken.
async fn load(
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
            let stream = TcpStream::connect(address).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .unwrap();
            tokio::spawn(connection);
            let mut done = 0;
            while done < per_connection && start.elapsed() < deadline {
                sender.ready().await.unwrap();
                let response = sender
                    .send_request(workload.request(address, &body))
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                response.into_body().collect().await.unwrap();
                done += 1;
            }
            done
        }));
    }
    let mut done = 0;
    for task in tasks {
        done += task.await.unwrap();
    }
    (done, start.elapsed())
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (ours, hand) = runtime.block_on(async {
        (
            spawn(runtime_router()).await,
            spawn(hand_written_router()).await,
        )
    });
    let mut criterion = Criterion::default().configure_from_args();
    // The server side alone: one request through each router, without sockets.
    let mut group = criterion.benchmark_group("in_process");
    let body = message_10k();
    for workload in [Workload::Versions, Workload::Send10k] {
        for (name, router) in [
            ("routes", runtime_router()),
            ("hand_written", hand_written_router()),
        ] {
            group.bench_function(format!("{workload:?}/{name}"), |b| {
                b.iter(|| {
                    let request = workload.request(ours, &body).map(Body::new);
                    let response = runtime.block_on(router.clone().oneshot(request)).unwrap();
                    assert_eq!(response.status(), StatusCode::OK);
                })
            });
        }
    }
    group.finish();
    let mut group = criterion.benchmark_group("loopback");
    for workload in [Workload::Versions, Workload::Send10k] {
        for (name, address) in [("routes", ours), ("hand_written", hand)] {
            group.bench_function(format!("{workload:?}/{name}"), |b| {
                b.iter_custom(|iters| {
                    runtime
                        .block_on(load(address, workload, iters, Duration::MAX))
                        .1
                })
            });
        }
    }
    group.finish();
    criterion.final_summary();
    report(&runtime, ours, hand);
}

/// Requests/s of both servers (medians of rounds that alternate which goes first, so that
/// drift of the host hits both alike).
fn report(runtime: &Runtime, ours: SocketAddr, hand: SocketAddr) {
    let full = std::env::args().any(|a| a == "--bench");
    let (count, deadline, rounds) = if full {
        (20_000, Duration::from_secs(10), 9)
    } else {
        (200, Duration::from_secs(5), 1)
    };
    for workload in [Workload::Versions, Workload::Send10k] {
        let (mut ours_rate, mut hand_rate) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            let mut order = [(ours, &mut ours_rate), (hand, &mut hand_rate)];
            if round % 2 == 1 {
                order.reverse();
            }
            for (address, rates) in order {
                let (done, elapsed) = runtime.block_on(load(address, workload, count, deadline));
                rates.push(done as f64 / elapsed.as_secs_f64());
            }
        }
        let median = |rates: &mut Vec<f64>| {
            rates.sort_by(f64::total_cmp);
            rates[rates.len() / 2]
        };
        let (ours_rps, hand_rps) = (median(&mut ours_rate), median(&mut hand_rate));
        println!(
            "{workload:?}: routes {ours_rps:.0} req/s, hand-written {hand_rps:.0} req/s, ratio {:.3}",
            ours_rps / hand_rps
        );
    }
}
