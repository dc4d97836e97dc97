//! Server-server requests signed with `X-Matrix`, checked with the verifier of
//! `matrix-event-format`.

use std::sync::Arc;

use matrix_api_core::AuthScheme;
use matrix_client::{Client, Error};
use matrix_event_format::signing::KeySet;
use matrix_event_format::{SigningKey, XMatrix, XMatrixError, verify_request, x_matrix};
use serde_json::json;

use crate::endpoints::{FederationQuery, FederationThing, call};
use crate::server::{Hit, Server};
use crate::{fast_retry, ok};

fn key() -> SigningKey {
    SigningKey::from_seed(&[7; 32], "k1").unwrap()
}

fn keys(key: &SigningKey) -> KeySet {
    KeySet::from([(key.key_id().to_owned(), key.verify_key().clone())])
}

/// A client of `server` for the server named `destination.example` (delegated: the URL's
/// host is 127.0.0.1).
fn federation_client(server: &Server) -> Client {
    Client::builder(&server.base)
        .federation("origin.example", key(), "destination.example")
        .retry(fast_retry(1))
        .build()
        .unwrap()
}

/// Checks the hit's `X-Matrix` header as `own_name` would.
fn verify(hit: &Hit, own_name: &str) -> Result<XMatrix, XMatrixError> {
    let header = XMatrix::parse(
        hit.header("authorization")
            .expect("an Authorization header"),
    )?;
    let content: Option<serde_json::Value> =
        (!hit.body.is_empty()).then(|| serde_json::from_slice(&hit.body).unwrap());
    let request = x_matrix::Request {
        method: hit.method.as_str(),
        uri: &hit.uri,
        content: content.as_ref(),
    };
    verify_request(&header, own_name, &keys(&key()), request)?;
    Ok(header)
}

#[tokio::test]
async fn requests_are_signed_for_the_destination_server_name() {
    let server = Server::start(|_, _| ok("signed"));
    let client = federation_client(&server);
    let body =
        json!({"origin": "origin.example", "pdus": [{"content": {"body": "é"}}], "edus": []});
    client
        .send(call::<FederationThing>(&["txn:1/€"]).body(body))
        .await
        .unwrap();
    client
        .send(call::<FederationQuery>(&["profile"]).query("user_id=%40a%3Ab&field=displayname"))
        .await
        .unwrap();
    let hits = server.hits();
    assert_eq!(
        hits[0].uri,
        "/_matrix/federation/v1/send/txn%3A1%2F%E2%82%AC"
    );
    assert_eq!(hits[1].query(), Some("user_id=%40a%3Ab&field=displayname"));
    for hit in &hits {
        let header = verify(hit, "destination.example").unwrap();
        assert_eq!(header.origin, "origin.example");
        assert_eq!(header.destination.as_deref(), Some("destination.example"));
        assert_eq!(header.key, "ed25519:k1");
        // The signature covers the destination: another server rejects it.
        assert!(verify(hit, "127.0.0.1").is_err());
    }
}

#[tokio::test]
async fn a_retried_request_is_signed_the_same() {
    let server = Server::start(|_, n| match n {
        0 => crate::matrix_error(502, "M_UNKNOWN"),
        _ => ok("signed"),
    });
    let client = federation_client(&server);
    client
        .send(call::<FederationThing>(&["t2"]).body(json!({"pdus": []})))
        .await
        .unwrap();
    let hits = server.hits();
    assert_eq!(hits.len(), 2);
    for hit in &hits {
        verify(hit, "destination.example").unwrap();
    }
}

#[tokio::test]
async fn a_shared_key_signs_for_several_destinations() {
    let server = Server::start(|_, _| ok("signed"));
    let key = Arc::new(key());
    for destination in ["one.example", "two.example:8448"] {
        let client = Client::builder(&server.base)
            .federation("origin.example", key.clone(), destination)
            .build()
            .unwrap();
        client
            .send(call::<FederationThing>(&["t"]).body(json!({})))
            .await
            .unwrap();
    }
    let hits = server.hits();
    verify(&hits[0], "one.example").unwrap();
    verify(&hits[1], "two.example:8448").unwrap();
}

#[tokio::test]
async fn without_an_identity_nothing_is_sent() {
    let server = Server::start(|_, _| ok("unsigned"));
    let client = Client::builder(&server.base).build().unwrap();
    let error = client
        .send(call::<FederationThing>(&["t"]).body(json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::MissingCredentials(AuthScheme::XMatrix)),
        "{error:?}"
    );
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn a_streamed_body_cannot_be_signed() {
    let server = Server::start(|_, _| ok("unsigned"));
    let chunks = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(
        bytes::Bytes::from_static(b"{}"),
    )]);
    let error = federation_client(&server)
        .request(call::<FederationThing>(&["t"]))
        .body_stream(chunks, Some(2))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Signing(matrix_client::SigningError::StreamedBody)
        ),
        "{error:?}"
    );
    assert_eq!(server.count(), 0);
}
