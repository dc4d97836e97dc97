//! The path of each call, from the server's `/versions`, and forced paths.

use matrix_api_core::MatrixVersion;
use matrix_client::{Error, SupportedVersions};
use matrix_client_server_api as cs;
use serde_json::json;

use crate::endpoints::{GetThing, HomeserverThing, PostThing, call};
use crate::server::{Hit, Reply, Server};
use crate::{fetching_builder, ok};

/// A server that advertises `versions` and answers everything else.
fn advertising(versions: &'static [&'static str]) -> Server {
    Server::start(move |hit: &Hit, _| {
        if hit.path() == "/_matrix/client/versions" {
            Reply::json(
                200,
                json!({"versions": versions, "unstable_features": {"org.example.feature": true}}),
            )
        } else {
            ok(hit.path())
        }
    })
}

fn paths(server: &Server) -> Vec<String> {
    server
        .hits()
        .iter()
        .map(|hit| hit.path().to_owned())
        .collect()
}

#[tokio::test]
async fn an_old_server_gets_the_old_path_and_versions_are_fetched_once() {
    let server = advertising(&["r0.5.0", "r0.6.1"]);
    let client = fetching_builder(&server).build().unwrap();
    client.send(call::<GetThing>(&["a"])).await.unwrap();
    client.send(call::<GetThing>(&["b"])).await.unwrap();
    assert_eq!(
        paths(&server),
        [
            "/_matrix/client/versions",
            "/_matrix/client/r0/things/a",
            "/_matrix/client/r0/things/b",
        ]
    );
    // `/versions` may be sent with the access token.
    assert!(server.hits()[0].header("authorization").is_some());
    let versions = client.cached_versions().unwrap();
    assert!(versions.feature("org.example.feature"));
}

#[tokio::test]
async fn a_current_server_gets_the_current_path() {
    let server = advertising(&["r0.6.1", "v1.1", "v1.19", "v9.99"]);
    let client = fetching_builder(&server).build().unwrap();
    client.send(call::<GetThing>(&["a"])).await.unwrap();
    assert_eq!(
        paths(&server),
        ["/_matrix/client/versions", "/_matrix/client/v3/things/a"]
    );
    let versions = client.supported_versions().await.unwrap();
    assert!(versions.supports(MatrixVersion::new(1, 1, 0)));
    assert!(versions.supports("v9.99".parse().unwrap()));
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn concurrent_requests_fetch_versions_once() {
    let server = advertising(&["v1.1"]);
    let client = fetching_builder(&server).build().unwrap();
    let (a, b, c) = tokio::join!(
        client.send(call::<GetThing>(&["a"])),
        client.send(call::<GetThing>(&["b"])),
        client.send(call::<GetThing>(&["c"])),
    );
    a.unwrap();
    b.unwrap();
    c.unwrap();
    let fetches = paths(&server)
        .iter()
        .filter(|p| *p == "/_matrix/client/versions")
        .count();
    assert_eq!(fetches, 1);
}

#[tokio::test]
async fn a_forced_path_is_used_as_given() {
    let server = advertising(&["v1.1"]);
    let client = fetching_builder(&server).build().unwrap();
    client
        .request(call::<GetThing>(&["a b"]))
        .path("/_matrix/client/unstable/org.example/things/{id}")
        .await
        .unwrap();
    assert_eq!(
        paths(&server),
        ["/_matrix/client/unstable/org.example/things/a%20b"]
    );
}

#[tokio::test]
async fn without_versions_the_current_path_is_used() {
    let server = Server::start(|hit: &Hit, _| {
        if hit.path() == "/_matrix/client/versions" {
            Reply::raw(404, "text/html", "<h1>Not Found</h1>")
        } else {
            ok("x")
        }
    });
    let client = fetching_builder(&server).build().unwrap();
    client.send(call::<GetThing>(&["a"])).await.unwrap();
    assert_eq!(
        paths(&server),
        ["/_matrix/client/versions", "/_matrix/client/v3/things/a"]
    );
    let error = client.supported_versions().await.unwrap_err();
    assert!(
        matches!(&error, Error::Unexpected(a) if a.status.as_u16() == 404),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_matrix_error_from_versions_is_typed() {
    let server = Server::start(|_, _| crate::matrix_error(403, "M_FORBIDDEN"));
    let error = fetching_builder(&server)
        .build()
        .unwrap()
        .supported_versions()
        .await
        .unwrap_err();
    assert_eq!(
        error.errcode(),
        Some(&matrix_api_core::ErrorCode::Forbidden),
        "{error:?}"
    );
    assert_eq!(error.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(error.to_string(), "HTTP 403: M_FORBIDDEN: on purpose");
}

#[tokio::test]
async fn versions_of_the_wrong_shape_name_the_path() {
    let server = Server::start(|_, _| Reply::json(200, json!({"versions": ["v1.1", 2]})));
    match fetching_builder(&server)
        .build()
        .unwrap()
        .supported_versions()
        .await
        .unwrap_err()
    {
        Error::Deserialization(invalid) => assert_eq!(invalid.path.as_deref(), Some("versions[1]")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn endpoints_with_one_path_and_other_apis_do_not_fetch_versions() {
    let server = advertising(&["r0.6.1"]);
    let client = fetching_builder(&server)
        .homeserver_token("hs_token")
        .build()
        .unwrap();
    client
        .send(call::<PostThing>(&[]).body(json!({})))
        .await
        .unwrap();
    client
        .send(call::<HomeserverThing>(&["t"]).body(json!({})))
        .await
        .unwrap();
    assert_eq!(
        paths(&server),
        [
            "/_matrix/client/v3/things",
            "/_matrix/app/v1/transactions/t"
        ]
    );
}

#[tokio::test]
async fn seeded_versions_are_not_fetched_and_can_be_refreshed() {
    let server = advertising(&["v1.1"]);
    let client = fetching_builder(&server)
        .supported_versions(SupportedVersions::new(["r0.6.1".parse().unwrap()]))
        .build()
        .unwrap();
    client.send(call::<GetThing>(&["a"])).await.unwrap();
    let fresh = client.refresh_supported_versions().await.unwrap();
    assert_eq!(fresh.versions, [MatrixVersion::new(1, 1, 0)]);
    client.send(call::<GetThing>(&["b"])).await.unwrap();
    assert_eq!(
        paths(&server),
        [
            "/_matrix/client/r0/things/a",
            "/_matrix/client/versions",
            "/_matrix/client/v3/things/b",
        ]
    );
}

#[tokio::test]
async fn the_generated_get_versions_request() {
    let server = advertising(&["r0.6.1", "v1.19"]);
    let response = fetching_builder(&server)
        .build()
        .unwrap()
        .send(cs::admin::get_versions::Request::new())
        .await
        .unwrap();
    assert_eq!(response.versions, ["r0.6.1", "v1.19"]);
    assert_eq!(
        response.unstable_features.get("org.example.feature"),
        Some(&true)
    );
}
