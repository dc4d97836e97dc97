//! Requests per second over loopback: a `Routes` router serving the generated `get_versions`
//! and `send_message`, against a hand-written axum router doing the same work per request
//! (body limit, bearer token through the same authenticator, the generated parsing and
//! response building, CORS headers). Criterion measures the time per request; then a bounded
//! load run prints requests/s of each and their ratio (the goal: within 10 %).
//!
//! `cargo bench -p matrix-server --bench throughput`; under `cargo test` it runs a few hundred
//! requests only.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use criterion::Criterion;
use http::StatusCode;
use matrix_api_core::{IncomingResponse, OutgoingResponse};
use matrix_client_server_api::admin::get_versions;
use matrix_client_server_api::room_events::send_message;
use matrix_server::{Caller, Routes, ServerConfig};
use matrix_test_support::http_load::{
    Workload, compare, hand_written_router, load, message_10k, spawn,
};
use tokio::runtime::Runtime;
use tower::ServiceExt;

const SERVER_NAME: &str = "127.0.0.1:8448";

fn versions_response() -> get_versions::Response {
    let body = br#"{"versions":["v1.18","v1.19"]}"#.to_vec();
    get_versions::Response::try_from_http_response(http::Response::new(body)).unwrap()
}

fn send_response(request: &send_message::Request, caller: &Caller) -> send_message::Response {
    let user = caller.user_id().map_or("", |u| u.localpart());
    let body = format!(r#"{{"event_id":"${}_{}"}}"#, request.txn_id, user);
    send_message::Response::try_from_http_response(http::Response::new(body.into_bytes())).unwrap()
}

/// The router under test.
fn runtime_router() -> axum::Router {
    Routes::new(())
        .endpoint::<get_versions::Request, _, _>(|_, _, _| async { Ok(versions_response()) })
        .endpoint::<send_message::Request, _, _>(|_, request, caller| async move {
            Ok(send_response(&request, &caller))
        })
        .into_router(ServerConfig::accept_anything(SERVER_NAME.parse().unwrap()))
}

/// The same work written by hand for these two routes.
fn hand_written_handlers() -> axum::Router {
    hand_written_router(
        SERVER_NAME.parse().unwrap(),
        |_, _| async {
            versions_response()
                .try_into_http_response::<Body>()
                .unwrap()
        },
        |request, caller| async move {
            send_response(&request, &caller)
                .try_into_http_response::<Body>()
                .unwrap()
        },
    )
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (ours, hand) = runtime.block_on(async {
        (
            spawn(runtime_router()).await,
            spawn(hand_written_handlers()).await,
        )
    });
    let mut criterion = Criterion::default().configure_from_args();
    // The server side alone: one request through each router, without sockets.
    let mut group = criterion.benchmark_group("in_process");
    let body = message_10k();
    for workload in Workload::ALL {
        for (name, router) in [
            ("routes", runtime_router()),
            ("hand_written", hand_written_handlers()),
        ] {
            group.bench_function(format!("{workload:?}/{name}"), |b| {
                b.iter(|| {
                    let request = workload.request(ours, &body).map(Body::new);
                    let response = runtime.block_on(router.clone().oneshot(request)).unwrap();
                    assert_eq!(response.status(), StatusCode::OK);
                })
            });
        }
    }
    group.finish();
    let mut group = criterion.benchmark_group("loopback");
    for workload in Workload::ALL {
        for (name, address) in [("routes", ours), ("hand_written", hand)] {
            group.bench_function(format!("{workload:?}/{name}"), |b| {
                b.iter_custom(|iters| {
                    runtime
                        .block_on(load(address, workload, iters, Duration::MAX))
                        .1
                })
            });
        }
    }
    group.finish();
    criterion.final_summary();
    report(&runtime, ours, hand);
}

/// Requests/s of both servers (medians of rounds that alternate which goes first).
fn report(runtime: &Runtime, ours: SocketAddr, hand: SocketAddr) {
    let full = std::env::args().any(|a| a == "--bench");
    let plan = if full {
        (20_000, Duration::from_secs(10), 9)
    } else {
        (200, Duration::from_secs(5), 1)
    };
    for workload in Workload::ALL {
        let (ours_rps, hand_rps) = runtime.block_on(compare(ours, hand, workload, plan));
        println!(
            "{workload:?}: routes {ours_rps:.0} req/s, hand-written {hand_rps:.0} req/s, ratio {:.3}",
            ours_rps / hand_rps
        );
    }
}
