//! One typed error per call, whatever the server sends.

use matrix_api_core::{AuthScheme, DeserializationError, ErrorCode};
use matrix_client::{Client, Error};
use serde_json::json;

use crate::endpoints::{GetThing, ThingError, call};
use crate::server::{Reply, Server};
use crate::{client, matrix_error};

#[tokio::test]
async fn documented_errors_are_typed() {
    let server = Server::start(|_, _| matrix_error(403, "M_FORBIDDEN"));
    let error = client(&server)
        .send(call::<GetThing>(&["a"]))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Api(ThingError::Forbidden(_))),
        "{error:?}"
    );
    assert_eq!(error.errcode(), Some(&ErrorCode::Forbidden));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(error.to_string(), "HTTP 403: M_FORBIDDEN: on purpose");
}

#[tokio::test]
async fn undocumented_status_with_a_matrix_error_is_other() {
    let server = Server::start(|_, _| matrix_error(418, "ORG_EXAMPLE_TEAPOT"));
    let error = client(&server)
        .send(call::<GetThing>(&["a"]))
        .await
        .unwrap_err();
    match error {
        Error::Api(ThingError::Other { status: 418, body }) => {
            assert_eq!(body.errcode, ErrorCode::Other("ORG_EXAMPLE_TEAPOT".into()))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn html_instead_of_json_is_an_unexpected_answer() {
    let page = "<!DOCTYPE html><html><body>Welcome to nginx!</body></html>";
    let server = Server::start(move |_, _| Reply::raw(200, "text/html", page));
    let error = client(&server)
        .send(call::<GetThing>(&["a"]))
        .await
        .unwrap_err();
    match &error {
        Error::Unexpected(answer) => {
            assert_eq!(answer.status.as_u16(), 200);
            assert_eq!(answer.content_type.as_deref(), Some("text/html"));
            assert_eq!(answer.excerpt, page);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        format!("undocumented answer: HTTP 200 (text/html): {page}")
    );
}

#[tokio::test]
async fn html_error_page_on_a_documented_status_is_an_unexpected_answer() {
    let server = Server::start(|_, _| Reply::raw(403, "text/html", "<h1>Forbidden</h1>"));
    let error = client(&server)
        .send(call::<GetThing>(&["a"]))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Unexpected(a) if a.status.as_u16() == 403),
        "{error:?}"
    );
}

#[tokio::test]
async fn json_with_a_wrong_content_type_is_read() {
    let server = Server::start(|_, _| Reply::raw(200, "text/plain", r#"{"value": "plain"}"#));
    let thing = client(&server)
        .send(call::<GetThing>(&["a"]))
        .await
        .unwrap();
    assert_eq!(thing.value, "plain");
}

#[tokio::test]
async fn json_of_the_wrong_shape_names_the_path_that_failed() {
    let server = Server::start(|_, _| {
        Reply::json(
            200,
            json!({"value": "x", "items": [{"id": 1}, {"id": "two"}]}),
        )
    });
    let error = client(&server)
        .send(call::<GetThing>(&["a"]))
        .await
        .unwrap_err();
    match &error {
        Error::Deserialization(invalid) => {
            assert_eq!(invalid.status.as_u16(), 200);
            assert_eq!(invalid.path.as_deref(), Some("items[1].id"));
            assert!(matches!(invalid.source, DeserializationError::Json(_)));
        }
        other => panic!("{other:?}"),
    }
    let text = error.to_string();
    assert!(
        text.starts_with(
            "invalid answer (HTTP 200) at `items[1].id`: invalid JSON body: invalid type"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn a_missing_member_is_located_at_its_object() {
    let server = Server::start(|_, _| Reply::json(200, json!({"items": [{"id": 1}]})));
    let error = client(&server)
        .send(call::<GetThing>(&["a"]))
        .await
        .unwrap_err();
    match &error {
        Error::Deserialization(invalid) => assert_eq!(invalid.path.as_deref(), Some(".")),
        other => panic!("{other:?}"),
    }
    assert!(
        error.to_string().contains("missing field `value`"),
        "{error}"
    );
}

#[tokio::test]
async fn a_body_cut_short_with_a_matching_length_names_where_it_ends() {
    let server = Server::start(|_, _| {
        Reply::raw(
            200,
            "application/json",
            r#"{"value": "x", "items": [{"id": 1}, {"id""#,
        )
    });
    let error = client(&server)
        .send(call::<GetThing>(&["a"]))
        .await
        .unwrap_err();
    match &error {
        Error::Deserialization(invalid) => assert_eq!(invalid.path.as_deref(), Some("items[1].id")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_empty_body_is_an_unexpected_answer() {
    let server = Server::start(|_, _| Reply::raw(200, "application/json", ""));
    let error = client(&server)
        .send(call::<GetThing>(&["a"]))
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .ends_with("HTTP 200 (application/json) with an empty body"),
        "{error}"
    );
}

#[tokio::test]
async fn nothing_a_server_sends_makes_a_panic() {
    let deep = "[".repeat(100_000);
    let bodies: Vec<Vec<u8>> = vec![
        vec![0xff, 0xfe, 0x00, 0x80],
        b"{\"value\": \"\\ud800\"}".to_vec(),
        b"{\"value\": 1e999999}".to_vec(),
        b"{\"value\": \"x\", \"items\": [{\"id\": 99999999999999999999}]}".to_vec(),
        deep.into_bytes(),
        b"{\"errcode\": 5}".to_vec(),
        b"{\"errcode\": \"M_UNKNOWN_TOKEN\", \"soft_logout\": \"yes\"}".to_vec(),
        b"{\"errcode\": \"M_LIMIT_EXCEEDED\", \"retry_after_ms\": -1}".to_vec(),
        b"null".to_vec(),
        "é".repeat(10_000).into_bytes(),
    ];
    let statuses = [200, 201, 204, 299, 400, 401, 404, 429, 500, 599];
    let cases: Vec<(u16, Vec<u8>)> = statuses
        .iter()
        .flat_map(|status| bodies.iter().map(move |body| (*status, body.clone())))
        .collect();
    let count = cases.len();
    let server = Server::start(move |_, n| {
        let (status, body) = cases[n % count].clone();
        Reply::raw(status, "application/json", body)
    });
    let client = Client::builder(&server.base)
        .supported_versions(crate::current())
        .access_token(crate::TOKEN)
        .no_retry()
        .build()
        .unwrap();
    for _ in 0..count {
        let result = client.send(call::<GetThing>(&["a"])).await;
        let error = result.expect_err("none of these bodies is a valid answer");
        assert!(!error.to_string().is_empty());
    }
}

#[tokio::test]
async fn missing_credentials_are_reported_before_sending() {
    let server = Server::start(|_, _| crate::ok("no"));
    let client = Client::builder(&server.base)
        .supported_versions(crate::current())
        .build()
        .unwrap();
    let error = client.send(call::<GetThing>(&["a"])).await.unwrap_err();
    assert!(
        matches!(error, Error::MissingCredentials(AuthScheme::AccessToken)),
        "{error:?}"
    );
    assert_eq!(server.count(), 0);
}

#[test]
fn bad_base_urls_are_refused() {
    for base in [
        "",
        "matrix.org",
        "ftp://example.org",
        "http://",
        "unix:/tmp/x",
        "http://example.org/?a=b",
        "http://example.org/#top",
    ] {
        assert!(Client::builder(base).build().is_err(), "{base}");
    }
    let client = Client::builder("http://127.0.0.1:8008/").build().unwrap();
    assert_eq!(client.base_url(), "http://127.0.0.1:8008");
}

#[tokio::test]
async fn a_base_url_with_a_path_keeps_it() {
    let server = Server::start(|_, _| crate::ok("behind a proxy"));
    let client = Client::builder(format!("{}/matrix/", server.base))
        .access_token(crate::TOKEN)
        .supported_versions(crate::current())
        .build()
        .unwrap();
    client
        .send(call::<GetThing>(&["a/b"]).query("x=%20y"))
        .await
        .unwrap();
    assert_eq!(
        server.hits()[0].uri,
        "/matrix/_matrix/client/v3/things/a%2Fb?x=%20y"
    );
}

#[test]
fn clients_and_their_futures_move_between_threads() {
    fn shared<T: Send + Sync + Clone + 'static>(_: &T) {}
    fn sendable<T: Send>(_: &T) {}
    let client = Client::builder("http://127.0.0.1:1").build().unwrap();
    shared(&client);
    let future = std::future::IntoFuture::into_future(client.request(call::<GetThing>(&["a"])));
    sendable(&future);
    sendable(&client.request(call::<GetThing>(&["a"])).stream());
}
