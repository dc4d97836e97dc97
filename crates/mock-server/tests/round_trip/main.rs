//! Round trip of every operation of the five APIs through the mock homeserver: each
//! operation's example request, built from the spec and read as the generated `Request`, is
//! sent by `matrix_client::Client` to the mock over loopback; the typed response, written
//! back out by the generated code, must be the spec's example response (its first documented
//! success status, equal as JSON).
//!
//! Prints `round trip: N of M operations` and each failure with its cause; fails unless all
//! pass.

mod example_request;
mod expected;
mod send;

use std::time::Duration;

use matrix_client::Client;
use matrix_codegen::SpecSource;
use matrix_codegen::ir::Spec;
use matrix_event_format::SigningKey;
use matrix_mock_server::MockServer;

use send::Failure;

/// The spec the generated crates were built from (the same variables as their build).
fn spec() -> Spec {
    let source = SpecSource::from_env().expect("a spec to read");
    let spec = matrix_codegen::load(&source).expect("the spec loads");
    assert_eq!(
        spec.version,
        matrix_client_server_api::examples::SPEC_VERSION,
        "the crates were built from another spec"
    );
    spec
}

/// A client with every kind of credential, so that it can call every operation; no retries
/// and no redirects followed (an example `Location` may name a host elsewhere).
fn client(mock: &MockServer) -> Client {
    let http = matrix_client::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("an HTTP client");
    let key = SigningKey::from_seed(&[7; 32], "1").expect("a signing key");
    Client::builder(mock.base_url())
        .http_client(http)
        .access_token("alice")
        .appservice("as_token", None)
        .homeserver_token("hs_token")
        .federation("origin.example", key, mock.server_name().as_str())
        .no_retry()
        .request_timeout(Some(Duration::from_secs(30)))
        .build()
        .expect("a client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_round_trips_through_the_mock() {
    let spec = spec();
    let mock = MockServer::start().await.expect("the mock starts");
    let client = client(&mock);
    let total = spec.operations.len();
    let (mut passed, mut failures, mut synthesised) = (0, Vec::new(), Vec::new());
    let mut unreadable_examples = Vec::new();
    for op in &spec.operations {
        let name = format!("{} {} ({} {})", op.api, op.operation_id, op.method, op.path);
        let outcome = async {
            let expected = expected::of(&spec, op).ok_or("no success response documented")?;
            let request = example_request::build(&spec, op, &mock.base_url())?;
            if !request.synthesised.is_empty() {
                synthesised.push(format!("{name}: {}", request.synthesised.join(", ")));
            }
            let visitor = send::Send {
                http: request.http,
                client: client.clone(),
            };
            let pending = send::with_operation(op.api, &op.operation_id, visitor)
                .ok_or("no generated Request for this operationId")?;
            let answer = match pending.await {
                Ok(answer) => answer,
                Err(failure @ Failure::ErrorAnswer { .. })
                    if failure
                        .to_string()
                        .contains("does not read as the response") =>
                {
                    unreadable_examples.push(format!("{name}: {failure}"));
                    return Err(failure.to_string());
                }
                Err(failure) => return Err(failure.to_string()),
            };
            expected::compare(&expected, answer.status, &answer.body)
        }
        .await;
        match outcome {
            Ok(()) => passed += 1,
            Err(problem) => failures.push(format!("{name}: {problem}")),
        }
    }
    for line in &synthesised {
        println!("made up (no example in the spec): {line}");
    }
    for line in &unreadable_examples {
        println!("example response does not read as its type: {line}");
    }
    for failure in &failures {
        println!("FAILED {failure}");
    }
    println!("{passed} passed, {} failed", failures.len());
    println!("round trip: {passed} of {total} operations");
    assert_eq!(passed, total, "{} operations failed", failures.len());
}
