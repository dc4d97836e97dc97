//! Both directions of the HTTP conversion: what a client builds, a server reads back as the
//! same request; what a server answers, a client reads back as the same response or error;
//! malformed requests get the matching Matrix error.

use std::collections::BTreeMap;

use matrix_api_core::RequestErrorKind;
use matrix_api_core::{
    ErrorCode, FromHttpResponseError, IncomingRequest, IncomingResponse, MatrixError,
    OutgoingRequest, OutgoingResponse, RoomOrAliasId,
};
use matrix_client_server_api as cs;

const BASE: &str = "https://matrix.example.org";

/// Client → HTTP → server.
fn through_http<R: OutgoingRequest + IncomingRequest>(
    request: R,
    token: Option<&str>,
) -> (http::Request<Vec<u8>>, R) {
    let http = request
        .try_into_http_request::<Vec<u8>>(BASE, token)
        .unwrap();
    let back = R::try_from_http_request(http.clone()).unwrap();
    (http, back)
}

fn server_error<B: AsRef<[u8]>>(request: http::Request<B>) -> (RequestErrorKind, ErrorCode) {
    let error =
        cs::room_events::get_room_events::Request::try_from_http_request(request).unwrap_err();
    (error.kind, error.errcode())
}

fn request(method: &str, uri: &str, body: &str) -> http::Request<Vec<u8>> {
    http::Request::builder()
        .method(method)
        .uri(uri)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

#[test]
fn sigils_are_percent_encoded_and_arrays_repeat() {
    let mut original = cs::membership::join_room::Request::new(
        "#room:example.org".parse::<RoomOrAliasId>().unwrap(),
    );
    original.via = vec![
        "a.example.org".parse().unwrap(),
        "b.example.org".parse().unwrap(),
    ];
    original.reason = Some("hello".into());
    let (http, back) = through_http(original.clone(), Some("syt_token"));
    assert_eq!(http.method(), "POST");
    assert_eq!(
        http.uri().to_string(),
        "https://matrix.example.org/_matrix/client/v3/join/%23room%3Aexample.org?via=a.example.org&via=b.example.org"
    );
    assert_eq!(http.headers()["authorization"], "Bearer syt_token");
    assert_eq!(http.headers()["content-type"], "application/json");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(http.body()).unwrap(),
        serde_json::json!({"reason": "hello"})
    );
    assert_eq!(back, original);
}

#[test]
fn required_tokens_are_required() {
    let request = cs::membership::get_joined_rooms::Request::new();
    let error = request
        .try_into_http_request::<Vec<u8>>(BASE, None)
        .unwrap_err();
    assert!(matches!(
        error,
        matrix_api_core::IntoHttpError::MissingToken
    ));
}

#[test]
fn an_empty_state_key_keeps_its_slash() {
    let original = cs::room_events::get_room_state_with_key::Request::new(
        "!r:example.org".parse().unwrap(),
        "m.room.name".into(),
        String::new(),
    );
    let (http, back) = through_http(original.clone(), Some("t"));
    assert!(
        http.uri()
            .path()
            .ends_with("/rooms/%21r%3Aexample.org/state/m.room.name/"),
        "{}",
        http.uri()
    );
    assert_eq!(back, original);
}

#[test]
fn exploded_query_maps() {
    let mut original = cs::thirdparty::query_user_by_protocol::Request::new("irc".into());
    original.fields = BTreeMap::from([
        ("network".to_owned(), "libera".to_owned()),
        ("nickname".to_owned(), "bob".to_owned()),
    ]);
    let (http, back) = through_http(original.clone(), Some("t"));
    assert_eq!(http.uri().query(), Some("network=libera&nickname=bob"));
    assert_eq!(back, original);
}

#[test]
fn uploads_are_raw_bytes_with_their_content_type() {
    let mut original = cs::media::upload_content::Request::new(vec![0x89, b'P', b'N', b'G']);
    original.content_type = Some("image/png".into());
    original.filename = Some("a cat.png".into());
    let (http, back) = through_http(original.clone(), Some("t"));
    assert_eq!(http.headers()["content-type"], "image/png");
    assert_eq!(http.uri().query(), Some("filename=a+cat.png"));
    assert_eq!(http.body(), &original.body);
    assert_eq!(back, original);
}

#[test]
fn responses_and_errors_round_trip() {
    let response = cs::membership::join_room::Response::new("!joined:example.org".parse().unwrap());
    let http = response
        .clone()
        .try_into_http_response::<Vec<u8>>()
        .unwrap();
    assert_eq!(http.status(), 200);
    assert_eq!(
        cs::membership::join_room::Response::try_from_http_response(http).unwrap(),
        response
    );

    let error = cs::membership::join_room::Error::Forbidden(MatrixError::new(
        ErrorCode::Forbidden,
        "You are not invited",
    ));
    let http = error.clone().try_into_http_response::<Vec<u8>>().unwrap();
    assert_eq!(http.status(), 403);
    match cs::membership::join_room::Response::try_from_http_response(http) {
        Err(FromHttpResponseError::Server(back)) => assert_eq!(back, error),
        other => panic!("expected the typed error, got {other:?}"),
    }

    let mut limited = MatrixError::new(ErrorCode::LimitExceeded, "slow down");
    limited.retry_after_ms = Some(500);
    let http = cs::membership::join_room::Error::TooManyRequests(limited)
        .try_into_http_response::<Vec<u8>>()
        .unwrap();
    match cs::membership::join_room::Response::try_from_http_response(http) {
        Err(FromHttpResponseError::Server(cs::membership::join_room::Error::TooManyRequests(
            e,
        ))) => {
            assert_eq!(e.retry_after_ms, Some(500))
        }
        other => panic!("expected 429, got {other:?}"),
    }

    // A status the spec does not list for the endpoint, with a Matrix error body.
    let http = http::Response::builder()
        .status(418)
        .body(br#"{"errcode": "M_UNKNOWN", "error": "teapot"}"#.to_vec())
        .unwrap();
    match cs::membership::join_room::Response::try_from_http_response(http) {
        Err(FromHttpResponseError::Server(cs::membership::join_room::Error::Other {
            status: 418,
            body,
        })) => {
            assert_eq!(body.errcode, ErrorCode::Unknown)
        }
        other => panic!("expected Other, got {other:?}"),
    }
}

#[test]
fn redirects_are_responses() {
    let mut redirect = cs::media::get_content_authed::ResponseTemporaryRedirect::new();
    redirect.location = Some("https://cdn.example.org/media/abc".into());
    let response = cs::media::get_content_authed::Response::TemporaryRedirect(redirect);
    let http = response
        .clone()
        .try_into_http_response::<Vec<u8>>()
        .unwrap();
    assert_eq!(http.status(), 307);
    assert_eq!(
        http.headers()["location"],
        "https://cdn.example.org/media/abc"
    );
    assert_eq!(
        cs::media::get_content_authed::Response::try_from_http_response(http).unwrap(),
        response
    );
}

#[test]
fn several_success_statuses_are_an_enum() {
    let http = http::Response::builder()
        .status(201)
        .body(b"{}".to_vec())
        .unwrap();
    let response = cs::device::update_device::Response::try_from_http_response(http).unwrap();
    assert!(matches!(
        response,
        cs::device::update_device::Response::Created(_)
    ));
}

#[test]
fn one_malformed_event_does_not_fail_a_sync_response() {
    let body = serde_json::json!({
        "next_batch": "s1",
        "rooms": {"join": {"!r:example.org": {"timeline": {"events": [
            {"type": "m.room.message", "event_id": "$a", "sender": "@a:example.org",
             "origin_server_ts": 1, "content": {"msgtype": "m.text", "body": "hi"}},
            {"type": "m.room.message", "event_id": 7}
        ]}}}}
    });
    let http = http::Response::builder()
        .status(200)
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap();
    let sync = cs::room_events::sync::Response::try_from_http_response(http).unwrap();
    assert!(sync.presence.is_empty() && !sync.rooms.is_empty());
    let room: matrix_api_core::RoomId = "!r:example.org".parse().unwrap();
    let events = &sync.rooms.join[&room].timeline.as_ref().unwrap().events;
    assert!(events[0].deserialize().is_ok());
    assert!(events[1].deserialize().is_err());
    assert_eq!(events[1].event_type().as_deref(), Some("m.room.message"));
}

#[test]
fn event_content_by_type() {
    let raw = serde_json::value::to_raw_value(
        &serde_json::json!({"membership": "join", "displayname": null}),
    )
    .unwrap();
    let content = cs::events::AnyEventContent::parse("m.room.member", raw.get()).unwrap();
    assert_eq!(content.event_type(), "m.room.member");
    assert_eq!(
        serde_json::to_value(&content).unwrap(),
        serde_json::json!({"membership": "join", "displayname": null})
    );
    let unknown = cs::events::AnyEventContent::parse("org.example.custom", "{\"a\": 1}").unwrap();
    assert_eq!(unknown.event_type(), "org.example.custom");
}

#[test]
fn malformed_requests_get_matching_matrix_errors() {
    use RequestErrorKind::*;
    let path = "/_matrix/client/v3/rooms/%21r%3Aexample.org/messages";
    assert_eq!(
        server_error(request("GET", path, "")),
        (MissingParam, ErrorCode::MissingParam)
    );
    assert_eq!(
        server_error(request("GET", &format!("{path}?dir=b&limit=many"), "")),
        (InvalidParam, ErrorCode::InvalidParam)
    );
    assert_eq!(
        server_error(request(
            "GET",
            "/_matrix/client/v3/rooms/%21r%3Aexample.org/nonsense",
            ""
        )),
        (Unrecognized, ErrorCode::Unrecognized)
    );
    assert_eq!(
        server_error(request("PUT", &format!("{path}?dir=b"), "")),
        (Unrecognized, ErrorCode::Unrecognized)
    );
    assert_eq!(
        server_error(request(
            "GET",
            "/_matrix/client/v3/rooms/not-a-room-id/messages?dir=b",
            ""
        )),
        (InvalidParam, ErrorCode::InvalidParam)
    );
    let join = |body: &str| {
        cs::membership::join_room_by_id::Request::try_from_http_request(request(
            "POST",
            "/_matrix/client/v3/rooms/%21r%3Aexample.org/join",
            body,
        ))
        .unwrap_err()
        .errcode()
    };
    assert_eq!(join("{"), ErrorCode::NotJson);
    assert_eq!(join("<html>"), ErrorCode::NotJson);
    assert_eq!(join(r#"{"reason": 5}"#), ErrorCode::BadJson);
    let response = cs::membership::join_room_by_id::Request::try_from_http_request(request(
        "POST",
        "/_matrix/client/v3/rooms/%21r%3Aexample.org/join",
        "{",
    ))
    .unwrap_err()
    .to_http_response();
    assert_eq!(response.status(), 400);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(response.body()).unwrap()["errcode"],
        "M_NOT_JSON"
    );
}

#[test]
fn federation_tuples_are_positional() {
    use matrix_server_server_api as ss;
    let body = serde_json::json!([200, {"event": {
        "type": "m.room.member", "state_key": "@joe:elsewhere.example", "sender": "@bob:example.org",
        "origin": "example.org", "origin_server_ts": 1_549_041_175_876_i64, "room_id": "!r:example.org",
        "content": {"membership": "invite"}, "signatures": {"example.org": {"ed25519:key": "c2ln"}}
    }}]);
    let http = http::Response::builder()
        .status(200)
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap();
    let response = ss::membership::send_invite_v1::Response::try_from_http_response(http).unwrap();
    assert_eq!(response.body.0, 200);
    let back = response.try_into_http_response::<Vec<u8>>().unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(back.body()).unwrap(),
        body
    );
}
