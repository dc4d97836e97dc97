//! The surface the generator emits per API (behind the generated crate's `server` feature),
//! written out here for two operations: a trait whose methods answer `404 M_UNRECOGNIZED`
//! until implemented, and `add_routes` for any `EndpointRegistry`. An implementation
//! overrides what it serves.

mod common;

use std::future::Future;

use common::{RawRequest, SERVER_NAME, generated, send, spawn};
use matrix_client_server_api::admin::get_versions;
use matrix_client_server_api::membership::join_room;
use matrix_server::{Caller, EndpointRegistry, Routes, ServerConfig};
use serde_json::json;

/// As generated: one method per operation.
trait ClientServerApi: Send + Sync + 'static {
    fn get_versions(
        &self,
        request: get_versions::Request,
        caller: Caller,
    ) -> impl Future<Output = Result<get_versions::Response, get_versions::Error>> + Send {
        let _ = (request, caller);
        async { Err(matrix_server::unrecognized()) }
    }

    fn join_room(
        &self,
        request: join_room::Request,
        caller: Caller,
    ) -> impl Future<Output = Result<join_room::Response, join_room::Error>> + Send {
        let _ = (request, caller);
        async { Err(matrix_server::unrecognized()) }
    }
}

/// As generated: adds this API's endpoints to `routes`.
fn add_routes<T: ClientServerApi, R: EndpointRegistry<T>>(routes: R) -> R {
    routes
        .endpoint::<get_versions::Request, _, _>(|api, request, caller| async move {
            api.get_versions(request, caller).await
        })
        .endpoint::<join_room::Request, _, _>(|api, request, caller| async move {
            api.join_room(request, caller).await
        })
}

/// Serves `/versions` only.
struct VersionsOnly;

impl ClientServerApi for VersionsOnly {
    async fn get_versions(
        &self,
        _request: get_versions::Request,
        _caller: Caller,
    ) -> Result<get_versions::Response, get_versions::Error> {
        Ok(generated(json!({"versions": ["v1.19"]})))
    }
}

#[tokio::test]
async fn methods_not_overridden_answer_unrecognized() {
    let config = ServerConfig::accept_anything(SERVER_NAME.parse().unwrap());
    let address = spawn(
        Routes::new(VersionsOnly)
            .with(add_routes)
            .into_router(config),
    )
    .await;
    let versions = send(address, &RawRequest::new("GET", "/_matrix/client/versions")).await;
    assert_eq!(versions.status, 200);
    assert_eq!(versions.json()["versions"], json!(["v1.19"]));
    let join = RawRequest::new("POST", "/_matrix/client/v3/join/%21r%3Aa")
        .token("a")
        .body("{}");
    let join = send(address, &join).await;
    assert_eq!(
        (join.status, join.errcode()),
        (404, Some("M_UNRECOGNIZED".into()))
    );
}
