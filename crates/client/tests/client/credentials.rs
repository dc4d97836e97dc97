//! Which credential each endpoint gets, and the refresh of an expired access token.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use matrix_api_core::UserId;
use matrix_client::{Client, Error, RefreshError};
use serde_json::json;

use crate::endpoints::{
    AppserviceThing, GetThing, HomeserverThing, OptionalThing, PostThing, PublicThing, ThingError,
    call,
};
use crate::server::{Hit, Reply, Server};
use crate::{TOKEN, builder, client, current, fast_retry, matrix_error, ok};

fn user(id: &str) -> UserId {
    id.parse().unwrap()
}

#[tokio::test]
async fn each_scheme_gets_its_credential() {
    let server = Server::start(|_, _| ok("x"));
    let client = client(&server);
    client.send(call::<GetThing>(&["a"])).await.unwrap();
    client.send(call::<PublicThing>(&[])).await.unwrap();
    client.send(call::<OptionalThing>(&[])).await.unwrap();
    let anonymous = Client::builder(&server.base)
        .supported_versions(current())
        .build()
        .unwrap();
    anonymous.send(call::<OptionalThing>(&[])).await.unwrap();
    let bearer = format!("Bearer {TOKEN}");
    let auth: Vec<Option<String>> = server
        .hits()
        .iter()
        .map(|hit| hit.header("authorization").map(str::to_owned))
        .collect();
    assert_eq!(auth, [Some(bearer.clone()), None, Some(bearer), None]);
}

#[tokio::test]
async fn application_services_assert_a_user() {
    let server = Server::start(|_, _| ok("x"));
    let client = Client::builder(&server.base)
        .supported_versions(current())
        .appservice("as_secret_token", Some(user("@bot:example.org")))
        .build()
        .unwrap();
    client.send(call::<GetThing>(&["a"])).await.unwrap();
    client
        .request(call::<GetThing>(&["b"]).query("limit=1"))
        .user_id(user("@alice:example.org"))
        .await
        .unwrap();
    client
        .send(call::<AppserviceThing>(&["my_as"]).body(json!({})))
        .await
        .unwrap();
    let hits = server.hits();
    for hit in &hits {
        assert_eq!(hit.header("authorization"), Some("Bearer as_secret_token"));
    }
    assert_eq!(hits[0].query(), Some("user_id=%40bot%3Aexample.org"));
    assert_eq!(
        hits[1].query(),
        Some("limit=1&user_id=%40alice%3Aexample.org")
    );
    assert_eq!(hits[2].path(), "/_matrix/client/v1/appservice/my_as/ping");
}

#[tokio::test]
async fn a_users_own_token_wins_over_the_application_service() {
    let server = Server::start(|_, _| ok("x"));
    let client = builder(&server)
        .appservice("as_secret_token", None)
        .build()
        .unwrap();
    client.send(call::<GetThing>(&["a"])).await.unwrap();
    client
        .send(call::<AppserviceThing>(&["my_as"]).body(json!({})))
        .await
        .unwrap();
    let hits = server.hits();
    assert_eq!(
        hits[0].header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
    assert_eq!(hits[0].query(), None);
    assert_eq!(
        hits[1].header("authorization"),
        Some("Bearer as_secret_token")
    );
}

#[tokio::test]
async fn homeservers_call_application_services_with_the_hs_token() {
    let server = Server::start(|_, _| ok("x"));
    let client = Client::builder(&server.base)
        .supported_versions(current())
        .homeserver_token("hs_secret_token")
        .build()
        .unwrap();
    client
        .send(call::<HomeserverThing>(&["t1"]).body(json!({"events": []})))
        .await
        .unwrap();
    let hit = &server.hits()[0];
    assert_eq!(hit.header("authorization"), Some("Bearer hs_secret_token"));
    assert_eq!(hit.uri, "/_matrix/app/v1/transactions/t1");
}

/// A server where only `Bearer new-token` is valid; `old` answers as an expired token
/// (`soft_logout` as given).
fn expiring_server(soft_logout: bool) -> Server {
    Server::start(move |hit: &Hit, _| match hit.header("authorization") {
        Some("Bearer new-token") => ok("fresh"),
        _ => Reply::json(
            401,
            json!({"errcode": "M_UNKNOWN_TOKEN", "error": "expired", "soft_logout": soft_logout}),
        ),
    })
}

/// A client with the old token and a hook that counts its calls and returns `new-token`.
fn refreshing_client(server: &Server, calls: Arc<AtomicUsize>) -> Client {
    Client::builder(&server.base)
        .supported_versions(current())
        .access_token("old-token")
        .retry(fast_retry(3))
        .refresh_token_with(move |_client| {
            let calls = calls.clone();
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok("new-token".to_owned())
            }
        })
        .build()
        .unwrap()
}

/// Sends a request that ends with the typed 401.
async fn expect_unauthorized(client: &Client) {
    let error = client.send(call::<GetThing>(&["a"])).await.unwrap_err();
    assert!(
        matches!(error, Error::Api(ThingError::Unauthorized(_))),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_expired_token_is_refreshed_and_the_request_sent_once_more() {
    let server = expiring_server(true);
    let calls = Arc::new(AtomicUsize::new(0));
    let client = refreshing_client(&server, calls.clone());
    // A POST without transaction ID too: the server did nothing with the expired token.
    let thing = client
        .send(call::<PostThing>(&[]).body(json!({})))
        .await
        .unwrap();
    assert_eq!(thing.value, "fresh");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(client.access_token().as_deref(), Some("new-token"));
    assert_eq!(server.count(), 2);
    // Later requests carry the new token.
    client.send(call::<GetThing>(&["a"])).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn concurrent_expiries_refresh_once() {
    let server = expiring_server(true);
    let calls = Arc::new(AtomicUsize::new(0));
    let client = refreshing_client(&server, calls.clone());
    let requests = (0..6).map(|i| {
        let client = client.clone();
        tokio::spawn(async move { client.send(call::<GetThing>(&[&i.to_string()])).await })
    });
    for request in requests {
        assert_eq!(request.await.unwrap().unwrap().value, "fresh");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_hard_logout_is_not_refreshed() {
    let server = expiring_server(false);
    let calls = Arc::new(AtomicUsize::new(0));
    let client = refreshing_client(&server, calls.clone());
    expect_unauthorized(&client).await;
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn the_refresh_is_tried_once() {
    let server = Server::start(|_, _| {
        Reply::json(
            401,
            json!({"errcode": "M_UNKNOWN_TOKEN", "soft_logout": true}),
        )
    });
    let calls = Arc::new(AtomicUsize::new(0));
    let client = refreshing_client(&server, calls.clone());
    expect_unauthorized(&client).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn a_failed_refresh_is_reported() {
    let server = expiring_server(true);
    let client = Client::builder(&server.base)
        .supported_versions(current())
        .access_token("old-token")
        .refresh_token_with(|_client| async { Err("refresh token revoked".into()) })
        .build()
        .unwrap();
    let error = client.send(call::<GetThing>(&["a"])).await.unwrap_err();
    match &error {
        Error::TokenRefresh(RefreshError::Hook(source)) => {
            assert_eq!(source.to_string(), "refresh token revoked")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "token refresh failed: refresh token revoked"
    );
}

#[tokio::test]
async fn requests_of_the_hook_do_not_wait_for_the_hook() {
    let server = expiring_server(true);
    let client = Client::builder(&server.base)
        .supported_versions(current())
        .access_token("old-token")
        .refresh_token_with(|client: Client| async move {
            // Sent with the expired token: answered 401, without a second refresh.
            let inner = client.send(call::<GetThing>(&["inner"])).await;
            assert!(matches!(
                inner,
                Err(Error::Api(ThingError::Unauthorized(_)))
            ));
            Ok("new-token".to_owned())
        })
        .build()
        .unwrap();
    let sent = tokio::time::timeout(
        Duration::from_secs(10),
        client.send(call::<GetThing>(&["a"])),
    );
    assert_eq!(sent.await.expect("no deadlock").unwrap().value, "fresh");
}

#[tokio::test]
async fn tokens_without_refresh_hook_are_not_refreshed() {
    let server = expiring_server(true);
    expect_unauthorized(&client(&server)).await;
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn set_access_token_replaces_the_token() {
    let server = Server::start(|_, _| matrix_error(403, "M_FORBIDDEN"));
    let client = client(&server);
    client.set_access_token(Some("another".into()));
    client.send(call::<GetThing>(&["a"])).await.unwrap_err();
    assert_eq!(
        server.hits()[0].header("authorization"),
        Some("Bearer another")
    );
    client.set_access_token(None);
    assert!(matches!(
        client.send(call::<GetThing>(&["a"])).await,
        Err(Error::MissingCredentials(_))
    ));
}

#[test]
fn debug_output_shows_no_credentials() {
    let client = Client::builder("http://127.0.0.1:1")
        .access_token("syt_debug_secret")
        .appservice("as_debug_secret", None)
        .homeserver_token("hs_debug_secret")
        .build()
        .unwrap();
    let debug = format!("{client:?}");
    assert!(debug.contains("127.0.0.1:1"), "{debug}");
    for secret in ["syt_debug_secret", "as_debug_secret", "hs_debug_secret"] {
        assert!(!debug.contains(secret), "{debug}");
    }
    let builder = Client::builder("http://127.0.0.1:1").access_token("syt_debug_secret");
    assert!(!format!("{builder:?}").contains("syt_debug_secret"));
}
