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

use std::time::Duration;

use matrix_api_core::{OutgoingResponse, ServerName};
use matrix_client_server_api::server::ClientServerApi;
use matrix_mock_server::{ClientServerMock, MockServer};
use matrix_server::axum;
use matrix_server::axum::body::Body;
use matrix_test_support::http_load::{Workload, compare, error, hand_written_router, spawn};

/// The same work as the mock for these two routes, written by hand on axum.
fn hand_written_mock(server_name: ServerName) -> axum::Router {
    hand_written_router(
        server_name,
        |request, caller| async move { answer(ClientServerMock.get_versions(request, caller).await) },
        |request, caller| async move { answer(ClientServerMock.send_message(request, caller).await) },
    )
}

fn answer<R: OutgoingResponse, E: OutgoingResponse>(answer: Result<R, E>) -> http::Response<Body> {
    let written = match answer {
        Ok(response) => response.try_into_http_response::<Body>(),
        Err(error) => error.try_into_http_response::<Body>(),
    };
    written.unwrap_or_else(|_| error(http::StatusCode::INTERNAL_SERVER_ERROR))
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let plan = if full {
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
        let hand = spawn(hand_written_mock(mock.server_name().clone())).await;
        println!("| request | mock req/s | hand-written req/s | ratio |");
        println!("| --- | --- | --- | --- |");
        for workload in Workload::ALL {
            let (mock_rps, hand_rps) = compare(mock.address(), hand, workload, plan).await;
            println!(
                "| {} | {mock_rps:.0} | {hand_rps:.0} | {:.3} |",
                workload.name(),
                mock_rps / hand_rps
            );
        }
    });
}
