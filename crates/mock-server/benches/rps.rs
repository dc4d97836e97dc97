//! Requests per second of the mock homeserver over loopback, against a hand-written axum
//! handler doing the same work per request: read the body within the same limit, check the
//! bearer token through the same authenticator, the generated parsing, the generated mock's
//! answer (the spec's example) and response writing, CORS headers. Two workloads: `GET
//! /_matrix/client/versions` and a 10 KB `PUT /rooms/{roomId}/send/{eventType}/{txnId}`.
//!
//! The hand-written side routes with axum's router (two routes) and does only the above. The
//! mock does more, as every `matrix-server` does: its own route table over every operation of
//! the five APIs, the strict percent-encoding check of path and query, the bearer token looked
//! for in the query as well (refusing doubled or conflicting ones), the `Content-Length`
//! check before reading, the JSON nesting-depth and duplicate-key scan of the body, panics
//! caught.
//!
//! `cargo bench -p matrix-mock-server --bench rps` prints a table (medians of alternating
//! rounds, each bounded in requests and time); under `cargo test` it runs a few hundred
//! requests only.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http::{HeaderValue, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use matrix_api_core::{IncomingRequest, OutgoingResponse, ServerName};
use matrix_client_server_api::admin::get_versions;
use matrix_client_server_api::room_events::send_message;
use matrix_client_server_api::server::ClientServerApi;
use matrix_mock_server::{ClientServerMock, MockServer};
use matrix_server::axum::body::{Body, Bytes};
use matrix_server::axum::routing::{get, put};
use matrix_server::{
    AcceptAnything, Assertion, Authenticator, Caller, DEFAULT_BODY_LIMIT, TokenOwner, axum,
};
use tokio::net::{TcpListener, TcpStream};

const SEND: &str = "/_matrix/client/v3/rooms/%21room%3Aexample.org/send/m.room.message/txn1";
/// Concurrent keep-alive connections of the load generator.
const CONNECTIONS: usize = 4;

/// The two requests measured.
#[derive(Clone, Copy, Debug)]
enum Workload {
    Versions,
    Send10k,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::Versions => "GET /versions",
            Workload::Send10k => "PUT /send, 10 KB",
        }
    }

    fn request(self, address: SocketAddr, body: &Bytes) -> Request<Full<Bytes>> {
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
fn message_10k() -> Bytes {
    let text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(175);
    let body = serde_json::json!({"msgtype": "m.text", "body": text, "format": "plain"});
    Bytes::from(serde_json::to_vec(&body).expect("JSON"))
}

/// The same work as the mock for these two routes, written by hand on axum.
fn hand_written_router(server_name: ServerName) -> axum::Router {
    async fn versions(request: Request<Body>) -> http::Response<Body> {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, DEFAULT_BODY_LIMIT).await else {
            return error(StatusCode::PAYLOAD_TOO_LARGE);
        };
        let request = Request::from_parts(parts, bytes);
        let response = match get_versions::Request::try_from_http_request(request) {
            Ok(request) => answer(
                ClientServerMock
                    .get_versions(request, Caller::Anonymous)
                    .await,
            ),
            Err(e) => e.to_http_response().map(Body::from),
        };
        with_cors(response)
    }
    async fn send(server_name: ServerName, request: Request<Body>) -> http::Response<Body> {
        let authenticator = AcceptAnything::new(server_name);
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
        let request = Request::from_parts(parts, bytes);
        let response = match send_message::Request::try_from_http_request(request) {
            Ok(request) => answer(ClientServerMock.send_message(request, caller).await),
            Err(e) => e.to_http_response().map(Body::from),
        };
        with_cors(response)
    }
    fn answer<R: OutgoingResponse, E: OutgoingResponse>(
        answer: Result<R, E>,
    ) -> http::Response<Body> {
        let written = match answer {
            Ok(response) => response.try_into_http_response::<Body>(),
            Err(error) => error.try_into_http_response::<Body>(),
        };
        written.unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR))
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
            put(move |request| send(server_name.clone(), request)),
        )
}

/// Sends up to `count` requests over `CONNECTIONS` keep-alive connections, stopping early at
/// `deadline`; returns the requests answered `200` and the time taken.
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

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (count, deadline, rounds) = if full {
        (10_000, Duration::from_secs(10), 5)
    } else {
        (200, Duration::from_secs(5), 1)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let mock = MockServer::start().await.expect("the mock starts");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let hand = listener.local_addr().expect("its address");
        let router = hand_written_router(mock.server_name().clone());
        tokio::spawn(async move { axum::serve(listener, router).await });

        println!("| request | mock req/s | hand-written req/s | ratio |");
        println!("| --- | --- | --- | --- |");
        for workload in [Workload::Versions, Workload::Send10k] {
            let (mut mock_rates, mut hand_rates) = (Vec::new(), Vec::new());
            for round in 0..rounds {
                let mut order = [(mock.address(), &mut mock_rates), (hand, &mut hand_rates)];
                if round % 2 == 1 {
                    order.reverse();
                }
                for (address, rates) in order {
                    let (done, elapsed) = load(address, workload, count, deadline).await;
                    rates.push(done as f64 / elapsed.as_secs_f64());
                }
            }
            let (mock_rps, hand_rps) = (median(mock_rates), median(hand_rates));
            println!(
                "| {} | {mock_rps:.0} | {hand_rps:.0} | {:.3} |",
                workload.name(),
                mock_rps / hand_rps
            );
        }
    });
}

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates.get(rates.len() / 2).copied().unwrap_or_default()
}
