//! Routing: every path an endpoint has had reaches the same method; unknown paths get
//! `404 M_UNRECOGNIZED`, known paths with another method `405 M_UNRECOGNIZED`; CORS and
//! `OPTIONS` for browser clients; unimplemented methods answer `404 M_UNRECOGNIZED`.

mod common;

use common::{RawRequest, SERVER_NAME, case, count, run_table, send, serve};
use matrix_server::ServerConfig;

fn config() -> ServerConfig {
    ServerConfig::accept_anything(SERVER_NAME.parse().unwrap())
}

#[tokio::test]
async fn every_historical_path_reaches_the_same_method() {
    let (address, calls) = serve(config()).await;
    let mut answers = Vec::new();
    for path in [
        "/_matrix/client/r0/rooms/%21room%3Aexample.org/history",
        "/_matrix/client/v3/rooms/%21room%3Aexample.org/history",
        "/_matrix/client/v4/rooms/%21room%3Aexample.org/history",
    ] {
        let response = send(address, &RawRequest::new("GET", path).token("alice")).await;
        assert_eq!(response.status, 200, "{path}: {:?}", response.json());
        answers.push(response.json());
    }
    assert_eq!(count(&calls), 3);
    assert!(answers.iter().all(|a| *a == answers[0]));
    assert_eq!(answers[0]["request"]["params"][0], "!room:example.org");
    assert_eq!(answers[0]["user_id"], "@alice:127.0.0.1:8448");
}

#[tokio::test]
async fn generated_endpoints_of_two_apis_on_one_server() {
    let (address, calls) = serve(config()).await;
    let versions = send(address, &RawRequest::new("GET", "/_matrix/client/versions")).await;
    assert_eq!(versions.status, 200);
    assert_eq!(versions.json()["versions"][0], "v1.19");
    assert_eq!(versions.header("content-type"), Some("application/json"));
    // A method that is not implemented answers as MSC3743 says.
    let keys = send(address, &RawRequest::new("GET", "/_matrix/key/v2/server")).await;
    assert_eq!(
        (keys.status, keys.errcode()),
        (404, Some("M_UNRECOGNIZED".into()))
    );
    assert_eq!(count(&calls), 2);
}

#[tokio::test]
async fn a_final_parameter_may_be_empty_with_or_without_its_slash() {
    let (address, _) = serve(config()).await;
    for (path, state_key) in [
        (
            "/_matrix/client/v3/rooms/%21r%3Aa/state/m.room.name/key",
            "key",
        ),
        ("/_matrix/client/v3/rooms/%21r%3Aa/state/m.room.name/", ""),
        ("/_matrix/client/v3/rooms/%21r%3Aa/state/m.room.name", ""),
    ] {
        let request = RawRequest::new("PUT", path).token("a").body("{}");
        let response = send(address, &request).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.json()["request"]["params"][2], state_key, "{path}");
    }
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods() {
    let (address, calls) = serve(config()).await;
    let unknown = |path: &str| {
        case(
            "unknown path",
            RawRequest::new("GET", path),
            404,
            "M_UNRECOGNIZED",
        )
    };
    let wrong_method = |method: &str, path: &str| {
        case(
            "wrong method",
            RawRequest::new(method, path),
            405,
            "M_UNRECOGNIZED",
        )
    };
    let cases = [
        unknown("/"),
        unknown("/_matrix"),
        unknown("/_matrix/client/v3/unknown"),
        unknown("/_matrix/client/versions/"),
        unknown("/_matrix/client/v2/rooms/%21r%3Aa/history"),
        unknown("/_matrix/client/v3/rooms/%21r%3Aa/history/extra"),
        unknown(&"/a".repeat(2000)),
        wrong_method("POST", "/_matrix/client/versions"),
        wrong_method("DELETE", "/_matrix/client/v3/rooms/%21r%3Aa/history"),
        wrong_method("GET", "/_matrix/client/v3/join/%21r%3Aa"),
        wrong_method("PATCH", "/_matrix/federation/v1/send/txn"),
        wrong_method("BREW", "/_matrix/client/versions"),
    ];
    assert_eq!(run_table(address, &calls, &cases, None).await, 0);
    let wrong = send(
        address,
        &RawRequest::new("GET", "/_matrix/client/v3/join/x"),
    )
    .await;
    assert_eq!(wrong.header("allow"), Some("POST"));
}

#[tokio::test]
async fn cors_headers_and_options() {
    let (address, calls) = serve(config()).await;
    let preflight = RawRequest::new("OPTIONS", "/_matrix/client/v3/join/%23a%3Ab")
        .header("Origin", "https://app.example")
        .header("Access-Control-Request-Method", "POST");
    let response = send(address, &preflight).await;
    assert_eq!(response.status, 204);
    assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    let methods = response.header("access-control-allow-methods").unwrap();
    for method in ["GET", "POST", "PUT", "DELETE", "OPTIONS"] {
        assert!(methods.contains(method), "{methods}");
    }
    assert_eq!(
        response.header("access-control-allow-headers"),
        Some("X-Requested-With, Content-Type, Authorization")
    );
    assert_eq!(count(&calls), 0, "OPTIONS runs no method");
    // On every answer, errors included.
    for request in [
        RawRequest::new("GET", "/_matrix/client/versions"),
        RawRequest::new("GET", "/nowhere"),
        RawRequest::new("POST", "/_matrix/client/v3/join/%21r%3Aa"),
    ] {
        let response = send(address, &request).await;
        assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    }
    let options_unknown = send(address, &RawRequest::new("OPTIONS", "/nowhere")).await;
    assert_eq!(options_unknown.status, 404);

    let (plain, _) = serve(config().cors(false)).await;
    let response = send(plain, &RawRequest::new("GET", "/_matrix/client/versions")).await;
    assert_eq!(response.header("access-control-allow-origin"), None);
    let options = send(
        plain,
        &RawRequest::new("OPTIONS", "/_matrix/client/versions"),
    )
    .await;
    assert_eq!(
        (options.status, options.errcode()),
        (405, Some("M_UNRECOGNIZED".into()))
    );
}

#[tokio::test]
async fn merged_routes_of_two_implementations_share_one_table() {
    use common::{generated, spawn};
    use matrix_client_server_api as cs;
    use matrix_server::Routes;
    use serde_json::json;

    // Two implementations of different types; both serve `/versions`, the first keeps it.
    struct First(&'static str);
    struct Second(u32);
    let first = Routes::new(First("first")).endpoint::<cs::admin::get_versions::Request, _, _>(
        |api, _, _| async move { Ok(generated(json!({"versions": [api.0]}))) },
    );
    let second = Routes::new(Second(2))
        .endpoint::<cs::admin::get_versions::Request, _, _>(|_, _, _| async {
            Ok(generated(json!({"versions": ["second"]})))
        })
        .endpoint::<cs::room_events::send_message::Request, _, _>(|api, request, _| async move {
            let event_id = format!("${}_{}", request.txn_id, api.0);
            Ok(generated(json!({ "event_id": event_id })))
        });
    let merged = first.merge(second);
    let operations: Vec<&str> = merged.operations().map(|m| m.operation_id).collect();
    assert_eq!(operations, ["getVersions", "getVersions", "sendMessage"]);
    let address = spawn(merged.into_router(config())).await;

    let versions = send(address, &RawRequest::new("GET", "/_matrix/client/versions")).await;
    assert_eq!(versions.json()["versions"][0], "first");
    let sent = send(
        address,
        &RawRequest::new(
            "PUT",
            "/_matrix/client/v3/rooms/%21r%3Aa/send/m.room.message/t1",
        )
        .token("a")
        .body("{}"),
    )
    .await;
    assert_eq!(
        (sent.status, sent.json()["event_id"].clone()),
        (200, json!("$t1_2"))
    );
    // One 404/405 for both.
    let unknown = send(
        address,
        &RawRequest::new("GET", "/_matrix/client/v3/unknown"),
    )
    .await;
    assert_eq!(
        (unknown.status, unknown.errcode()),
        (404, Some("M_UNRECOGNIZED".into()))
    );
    let wrong = send(
        address,
        &RawRequest::new(
            "POST",
            "/_matrix/client/v3/rooms/%21r%3Aa/send/m.room.message/t1",
        ),
    )
    .await;
    assert_eq!(
        (wrong.status, wrong.errcode(), wrong.header("allow")),
        (405, Some("M_UNRECOGNIZED".into()), Some("PUT"))
    );
    let missing_token = send(
        address,
        &RawRequest::new(
            "PUT",
            "/_matrix/client/v3/rooms/%21r%3Aa/send/m.room.message/t1",
        )
        .body("{}"),
    )
    .await;
    assert_eq!(
        (missing_token.status, missing_token.errcode()),
        (401, Some("M_MISSING_TOKEN".into()))
    );
}

#[tokio::test]
async fn operations_sharing_a_path_each_get_their_requests() {
    use common::{generated, spawn};
    use matrix_api_core::{EndpointError, ErrorCode, MatrixError};
    use matrix_client_server_api::membership::{invite_by_3pid, invite_user};
    use matrix_server::Routes;
    use serde_json::json;

    // The spec's two `POST /rooms/{roomId}/invite`: the body decides which one serves.
    let routes = Routes::new(())
        .endpoint::<invite_user::Request, _, _>(|_, _, _| async { Ok(generated(json!({}))) })
        .endpoint::<invite_by_3pid::Request, _, _>(|_, _, _| async {
            Err(invite_by_3pid::Error::from_matrix_error(
                http::StatusCode::FORBIDDEN,
                MatrixError::new(ErrorCode::Forbidden, "3pid"),
            ))
        });
    let address = spawn(routes.into_router(config())).await;
    let invite = |body: serde_json::Value| {
        RawRequest::new("POST", "/_matrix/client/v3/rooms/%21r%3Aa/invite")
            .token("a")
            .json(&body)
    };

    let by_user = send(address, &invite(json!({"user_id": "@bob:example.org"}))).await;
    assert_eq!(by_user.status, 200);
    let by_3pid = invite(json!({
        "id_server": "id.example.org",
        "id_access_token": "t",
        "medium": "email",
        "address": "bob@example.org"
    }));
    let by_3pid = send(address, &by_3pid).await;
    assert_eq!(
        (by_3pid.status, by_3pid.errcode()),
        (403, Some("M_FORBIDDEN".into()))
    );
    // Neither reads it: the first one's refusal.
    let neither = send(address, &invite(json!({"medium": "email"}))).await;
    assert_eq!(neither.status, 400);
    assert_eq!(neither.errcode(), Some("M_BAD_JSON".into()));
}
