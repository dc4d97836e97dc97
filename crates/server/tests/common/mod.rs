//! Test support: a test API with hand-written endpoints and a few generated ones, a server on
//! 127.0.0.1, and a raw HTTP/1.1 client that can send what no client library would.

#![allow(dead_code)] // Each test binary uses part of this module.

pub mod endpoints;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use matrix_api_core::IncomingResponse;
use matrix_client_server_api as cs;
use matrix_server::{Caller, Routes, ServerConfig, axum};
use matrix_server_server_api as ss;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const SERVER_NAME: &str = "127.0.0.1:8448";

/// The implementation behind the test server: counts the calls that reach a method and
/// echoes what the method got.
#[derive(Debug, Default)]
pub struct TestApi {
    pub calls: Arc<AtomicUsize>,
}

impl TestApi {
    fn called(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

/// A generated response, read from its JSON as a client would (so that tests do not depend on
/// how the generated structs are built).
pub fn generated<R: IncomingResponse>(body: Value) -> R
where
    R::Error: std::fmt::Debug,
{
    let response = http::Response::new(serde_json::to_vec(&body).unwrap());
    R::try_from_http_response(response).expect("a valid generated response")
}

/// What the echo endpoints answer: the caller and what the parsed request held.
pub fn echo(caller: &Caller, request: Value) -> Value {
    json!({
        "caller": format!("{caller:?}"),
        "user_id": caller.user_id().map(|u| u.as_str().to_owned()),
        "device_id": caller.device_id(),
        "appservice_id": caller.appservice_id(),
        "origin": caller.origin().map(|o| o.as_str().to_owned()),
        "request": request,
    })
}

/// Every test endpoint, hand-written and generated; `calls` counts the calls that reach a
/// method.
pub fn routes(calls: Arc<AtomicUsize>) -> Routes<TestApi> {
    Routes::new(TestApi { calls })
        .endpoint::<endpoints::History, _, _>(|api, request, caller| async move {
            api.called();
            Ok(endpoints::Reply(echo(
                &caller,
                json!({"params": request.params}),
            )))
        })
        .endpoint::<endpoints::State, _, _>(|api, request, caller| async move {
            api.called();
            Ok(endpoints::Reply(echo(
                &caller,
                json!({"params": request.params}),
            )))
        })
        .endpoint::<endpoints::Upload, _, _>(|api, request, caller| async move {
            api.called();
            Ok(endpoints::Reply(echo(
                &caller,
                json!({"bytes": request.body.len()}),
            )))
        })
        .endpoint::<endpoints::AppservicePing, _, _>(|api, request, caller| async move {
            api.called();
            Ok(endpoints::Reply(echo(
                &caller,
                json!({"params": request.params}),
            )))
        })
        .endpoint::<endpoints::AppserviceTransaction, _, _>(|api, request, caller| async move {
            api.called();
            Ok(endpoints::Reply(echo(
                &caller,
                json!({"params": request.params}),
            )))
        })
        .endpoint::<endpoints::Panic, _, _>(|api, request, _caller| async move {
            api.called();
            if request.params[0] == "now" {
                panic!("a method panicked");
            }
            Ok(endpoints::Reply(json!({"params": request.params})))
        })
        .endpoint::<endpoints::FederationEcho, _, _>(|api, request, caller| async move {
            api.called();
            let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            Ok(endpoints::Reply(echo(
                &caller,
                json!({"params": request.params, "body": body}),
            )))
        })
        .endpoint::<endpoints::FederationEchoPost, _, _>(|api, request, caller| async move {
            api.called();
            Ok(endpoints::Reply(echo(
                &caller,
                json!({"params": request.params}),
            )))
        })
        .endpoint::<cs::admin::get_versions::Request, _, _>(|api, _request, caller| async move {
            api.called();
            let anonymous = matches!(caller, Caller::Anonymous);
            Ok(generated(json!({
                "versions": ["v1.19"],
                "unstable_features": {"org.example.anonymous": anonymous}
            })))
        })
        .endpoint::<cs::room_events::send_message::Request, _, _>(
            |api, request, caller| async move {
                api.called();
                let event_id = format!(
                    "${}_{}_{}_{}",
                    request.txn_id,
                    request.body.len(),
                    request.event_type,
                    caller.user_id().map_or("", |u| u.localpart())
                );
                Ok(generated(json!({ "event_id": event_id })))
            },
        )
        .endpoint::<cs::membership::join_room::Request, _, _>(|api, request, _caller| async move {
            api.called();
            let room = request.room_id_or_alias.as_str().to_owned();
            match room.starts_with('!') {
                true => Ok(generated(json!({ "room_id": room }))),
                false => Err(matrix_server::unrecognized()),
            }
        })
        .endpoint::<ss::transactions::send_transaction::Request, _, _>(
            |api, request, caller| async move {
                api.called();
                assert_eq!(
                    caller.origin().map(|o| o.as_str()),
                    Some(request.origin.as_str())
                );
                Ok(generated(json!({ "pdus": {} })))
            },
        )
        .endpoint::<ss::keys::get_server_key::Request, _, _>(|api, _request, _caller| async move {
            api.called();
            Err(matrix_server::unrecognized())
        })
}

/// A server on a free loopback port; it runs until the test's runtime ends.
pub async fn spawn(router: axum::Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    address
}

/// The test API served with `config`, and its count of calls that reached a method.
pub async fn serve(config: ServerConfig) -> (SocketAddr, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let address = spawn(routes(calls.clone()).into_router(config)).await;
    (address, calls)
}

/// The number of calls that reached a method so far.
pub fn count(calls: &AtomicUsize) -> usize {
    calls.load(Ordering::SeqCst)
}

/// A request written byte for byte.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    pub fn new(method: &str, target: &str) -> Self {
        RawRequest {
            method: method.into(),
            target: target.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers.push((name.into(), value.as_ref().to_vec()));
        self
    }

    pub fn token(self, token: &str) -> Self {
        self.header("Authorization", format!("Bearer {token}"))
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    pub fn json(self, body: &Value) -> Self {
        self.header("Content-Type", "application/json")
            .body(serde_json::to_vec(body).unwrap())
    }
}

/// A response as read off the wire.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn errcode(&self) -> Option<String> {
        self.json()["errcode"].as_str().map(str::to_owned)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request on a new connection (`Connection: close`) and reads the whole answer.
/// With `Expect: 100-continue` among the headers, the body is sent only if the server asks.
pub async fn send(address: SocketAddr, request: &RawRequest) -> RawResponse {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.target).into_bytes();
    head.extend_from_slice(format!("Host: {address}\r\nConnection: close\r\n").as_bytes());
    let has_length = request
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-length"));
    if !has_length {
        head.extend_from_slice(format!("Content-Length: {}\r\n", request.body.len()).as_bytes());
    }
    let expect_continue = request
        .headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("expect") && v == b"100-continue");
    for (name, value) in &request.headers {
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    stream.write_all(&head).await.unwrap();
    let mut received = Vec::new();
    if expect_continue {
        // Either `100 Continue` (then the body goes) or the final answer.
        let mut buffer = [0u8; 4096];
        let n = stream.read(&mut buffer).await.unwrap();
        received.extend_from_slice(&buffer[..n]);
        if received.starts_with(b"HTTP/1.1 100") {
            received.clear();
            stream.write_all(&request.body).await.unwrap();
        }
    } else {
        stream.write_all(&request.body).await.unwrap();
    }
    stream.read_to_end(&mut received).await.unwrap();
    parse_response(&received)
}

fn parse_response(bytes: &[u8]) -> RawResponse {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&bytes[..split]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let raw_body = &bytes[split + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(raw_body)
    } else {
        raw_body.to_vec()
    };
    RawResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut bytes: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = bytes.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&bytes[..line_end]).unwrap(), 16).unwrap();
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&bytes[line_end + 2..line_end + 2 + size]);
        bytes = &bytes[line_end + 2 + size + 2..];
    }
}

/// A refused request: what it is, and the status and error code it must get.
#[derive(Debug)]
pub struct Case {
    pub name: &'static str,
    pub request: RawRequest,
    pub status: u16,
    pub errcode: &'static str,
}

pub fn case(name: &'static str, request: RawRequest, status: u16, errcode: &'static str) -> Case {
    Case {
        name,
        request,
        status,
        errcode,
    }
}

/// Sends each case and checks its answer and that it reached no method; with `next`, also that
/// the request `next(index)` made after it is served (`200`). Prints `N passed, M failed` and
/// returns the failures.
pub async fn run_table(
    address: SocketAddr,
    calls: &AtomicUsize,
    cases: &[Case],
    next: Option<&dyn Fn(usize) -> RawRequest>,
) -> usize {
    let (mut passed, mut failed) = (0, 0);
    for (index, case) in cases.iter().enumerate() {
        let before = count(calls);
        let response = send(address, &case.request).await;
        let refused =
            response.status == case.status && response.errcode().as_deref() == Some(case.errcode);
        let unreached = count(calls) == before;
        let next_status = match next {
            Some(next) => send(address, &next(index)).await.status,
            None => 200,
        };
        if refused && unreached && next_status == 200 {
            passed += 1;
        } else {
            failed += 1;
            eprintln!(
                "{}: got {} {:?}, method reached: {}, next request: {next_status}",
                case.name,
                response.status,
                response.json(),
                !unreached
            );
        }
    }
    println!("{passed} passed, {failed} failed");
    failed
}
