//! Hostile and malformed requests: each gets its Matrix error, and the server answers the next
//! valid request. Limits (body size, media uploads, JSON depth) and panicking methods.

mod common;

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use common::{RawRequest, SERVER_NAME, case, count, routes, run_table, send, serve};
use matrix_server::{ServerConfig, axum};
use serde_json::json;
use tower::ServiceExt;

const SEND: &str = "/_matrix/client/v3/rooms/%21room%3Aexample.org/send/m.room.message/t1";
const JOIN: &str = "/_matrix/client/v3/join/%21room%3Aexample.org";
const LIMIT: usize = 256 * 1024;

fn config() -> ServerConfig {
    ServerConfig::accept_anything(SERVER_NAME.parse().unwrap()).body_limit(LIMIT)
}

fn send_message(body: impl Into<Vec<u8>>) -> RawRequest {
    RawRequest::new("PUT", SEND).token("alice").body(body)
}

fn join(body: impl Into<Vec<u8>>) -> RawRequest {
    RawRequest::new("POST", JOIN).token("alice").body(body)
}

fn nested(levels: usize) -> String {
    format!("{{\"a\":{}1{}}}", "[".repeat(levels), "]".repeat(levels))
}

#[tokio::test]
async fn hostile_requests_get_their_matrix_error_and_the_server_goes_on() {
    let (address, calls) = serve(config()).await;
    let transaction = |body: &str| {
        RawRequest::new("PUT", "/_matrix/federation/v1/send/t")
            .header(
                "Authorization",
                "X-Matrix origin=\"remote.test\",key=\"ed25519:1\",sig=\"x\"",
            )
            .body(body.as_bytes().to_vec())
    };
    let cases = [
        case(
            "body over the limit (Content-Length)",
            send_message(vec![b' '; LIMIT + 1]).header("Expect", "100-continue"),
            413,
            "M_TOO_LARGE",
        ),
        case(
            "nesting of 100,000 levels",
            send_message(nested(100_000)),
            400,
            "M_BAD_JSON",
        ),
        case(
            "nesting of 101 levels",
            send_message(nested(100)),
            400,
            "M_BAD_JSON",
        ),
        case(
            "invalid UTF-8 in a JSON string",
            send_message(&b"{\"body\":\"\xff\xfe\"}"[..]),
            400,
            "M_NOT_JSON",
        ),
        case(
            "a lone surrogate escape",
            send_message(r#"{"body":"\ud800"}"#),
            400,
            "M_NOT_JSON",
        ),
        case("not JSON", send_message("{\"body\":"), 400, "M_NOT_JSON"),
        case("not JSON at all", send_message("hello"), 400, "M_NOT_JSON"),
        case(
            "invalid UTF-8 in a path parameter",
            RawRequest::new(
                "PUT",
                "/_matrix/client/v3/rooms/%21%FF%3Aa/send/m.room.message/t",
            )
            .token("a")
            .body("{}"),
            400,
            "M_INVALID_PARAM",
        ),
        case(
            "invalid percent-encoding in the path",
            RawRequest::new(
                "PUT",
                "/_matrix/client/v3/rooms/%ZZroom/send/m.room.message/t",
            )
            .token("a")
            .body("{}"),
            400,
            "M_INVALID_PARAM",
        ),
        case(
            "truncated percent-encoding in the path",
            RawRequest::new(
                "PUT",
                "/_matrix/client/v3/rooms/%21r%3Aa/send/m.room.message/t%2",
            )
            .token("a")
            .body("{}"),
            400,
            "M_INVALID_PARAM",
        ),
        case(
            "invalid UTF-8 in the query",
            RawRequest::new("POST", &format!("{JOIN}?via=%C0%AF"))
                .token("a")
                .body("{}"),
            400,
            "M_INVALID_PARAM",
        ),
        case(
            "invalid percent-encoding in the query",
            RawRequest::new("POST", &format!("{JOIN}?via=%G1"))
                .token("a")
                .body("{}"),
            400,
            "M_INVALID_PARAM",
        ),
        case(
            "duplicate keys in event content",
            send_message(r#"{"body":"a","body":"b"}"#),
            400,
            "M_BAD_JSON",
        ),
        case(
            "duplicate keys, one escaped",
            send_message(r#"{"msgtype":"m.text","x":{"k":1,"\u006b":2}}"#),
            400,
            "M_BAD_JSON",
        ),
        case(
            "duplicate named member",
            join(r#"{"reason":"a","reason":"b"}"#),
            400,
            "M_BAD_JSON",
        ),
        case(
            "a member of the wrong type",
            join(r#"{"reason":5}"#),
            400,
            "M_BAD_JSON",
        ),
        case("an array body", join("[]"), 400, "M_BAD_JSON"),
        case("a string body", send_message("\"text\""), 400, "M_BAD_JSON"),
        case(
            "an integer beyond i64",
            transaction(
                r#"{"origin":"remote.test","origin_server_ts":18446744073709551616,"pdus":[]}"#,
            ),
            400,
            "M_BAD_JSON",
        ),
        case(
            "a string where an integer is due",
            transaction(r#"{"origin":"remote.test","origin_server_ts":"1","pdus":[]}"#),
            400,
            "M_BAD_JSON",
        ),
        case(
            "a missing required member",
            transaction(r#"{"origin":"remote.test","pdus":[]}"#),
            400,
            "M_BAD_JSON",
        ),
        case(
            "room ID with the alias sigil",
            RawRequest::new(
                "PUT",
                "/_matrix/client/v3/rooms/%23alias%3Aa/send/m.room.message/t",
            )
            .token("a")
            .body("{}"),
            400,
            "M_INVALID_PARAM",
        ),
        case(
            "room ID or alias with the user sigil",
            RawRequest::new("POST", "/_matrix/client/v3/join/%40user%3Aa")
                .token("a")
                .body("{}"),
            400,
            "M_INVALID_PARAM",
        ),
        case(
            "an empty path parameter",
            RawRequest::new("PUT", "/_matrix/client/v3/rooms//send/m.room.message/t")
                .token("a")
                .body("{}"),
            400,
            "M_INVALID_PARAM",
        ),
        case(
            "missing auth",
            RawRequest::new("PUT", SEND).body("{}"),
            401,
            "M_MISSING_TOKEN",
        ),
        case(
            "doubled auth",
            send_message("{}").token("alice"),
            401,
            "M_MISSING_TOKEN",
        ),
        case(
            "doubled X-Matrix auth",
            transaction("{}").header(
                "Authorization",
                "X-Matrix origin=\"a.test\",key=\"ed25519:1\",sig=\"x\"",
            ),
            401,
            "M_UNAUTHORIZED",
        ),
    ];
    // After each, the server answers a valid request.
    let next = |index: usize| {
        let path = format!("/_matrix/client/v3/rooms/%21r%3Aa/send/m.room.message/after{index}");
        RawRequest::new("PUT", &path).token("alice").body("{}")
    };
    assert_eq!(run_table(address, &calls, &cases, Some(&next)).await, 0);
}

#[tokio::test]
async fn bodies_just_within_the_limits_are_served() {
    let (address, _) = serve(config()).await;
    let content = format!("{{\"body\":\"{}\"}}", "x".repeat(LIMIT - 11));
    assert_eq!(content.len(), LIMIT);
    let response = send(address, &send_message(content)).await;
    assert_eq!(response.status, 200, "{:?}", response.json());
    assert!(
        response.json()["event_id"]
            .as_str()
            .unwrap()
            .starts_with("$t1_1_")
    );
    let response = send(address, &send_message(nested(99))).await;
    assert_eq!(response.status, 200, "{:?}", response.json());
}

#[tokio::test]
async fn a_streamed_body_over_the_limit_is_cut_off() {
    let router = routes(Arc::new(AtomicUsize::new(0))).into_router(config());
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..40).map(|_| Ok(vec![b' '; 8 * 1024])).collect();
    let body = axum::body::Body::from_stream(futures_util::stream::iter(chunks));
    let request = http::Request::builder()
        .method("PUT")
        .uri(SEND)
        .header("Authorization", "Bearer alice")
        .body(body)
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn media_uploads_have_their_own_limit_and_no_json_checks() {
    let config = config()
        .media_body_limit(256 * 1024)
        .operation_body_limit("setState", 16);
    let (address, calls) = serve(config).await;
    let upload = |body: Vec<u8>| {
        RawRequest::new("POST", "/_matrix/media/v3/upload")
            .token("a")
            .body(body)
    };
    // Bytes that would be refused as JSON, over the JSON limit but within the media limit.
    let mut bytes = br#"{"a":1,"a":2}"#.to_vec();
    bytes.extend(std::iter::repeat_n(0xffu8, 200 * 1024));
    let response = send(address, &upload(bytes)).await;
    assert_eq!(response.status, 200, "{:?}", response.json());
    assert_eq!(response.json()["request"]["bytes"], 200 * 1024 + 13);
    let too_large = upload(vec![0; 256 * 1024 + 1]).header("Expect", "100-continue");
    let response = send(address, &too_large).await;
    assert_eq!(
        (response.status, response.errcode()),
        (413, Some("M_TOO_LARGE".into()))
    );
    // An operation's own limit.
    let state = "/_matrix/client/v3/rooms/%21r%3Aa/state/m.room.name/";
    let response = send(
        address,
        &RawRequest::new("PUT", state)
            .token("a")
            .body(r#"{"name":"a long name"}"#),
    )
    .await;
    assert_eq!(
        (response.status, response.errcode()),
        (413, Some("M_TOO_LARGE".into()))
    );
    assert_eq!(count(&calls), 1);
}

#[tokio::test]
async fn a_panicking_method_answers_500_and_the_server_goes_on() {
    let (address, calls) = serve(config()).await;
    for _ in 0..3 {
        let response = send(
            address,
            &RawRequest::new("GET", "/_matrix/client/v3/panic/now"),
        )
        .await;
        assert_eq!(
            (response.status, response.errcode()),
            (500, Some("M_UNKNOWN".into()))
        );
        let response = send(
            address,
            &RawRequest::new("GET", "/_matrix/client/v3/panic/not"),
        )
        .await;
        assert_eq!(response.status, 200);
        assert_eq!(response.json()["params"][0], "not");
    }
    let response = send(address, &send_message(json!({"body": "hi"}).to_string())).await;
    assert_eq!(response.status, 200);
    assert_eq!(count(&calls), 7);
}
