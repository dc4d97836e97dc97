//! Rate limits, server errors, connection failures, timeouts and the deadline.

use std::time::{Duration, Instant};

use matrix_client::{Error, RetryPolicy};
use serde_json::json;

use crate::endpoints::{GetThing, PostThing, PostTxnThing, PutThing, ThingError, call};
use crate::server::{Reply, Server, closed_port};
use crate::{builder, client, fast_retry, matrix_error, ok};

/// Backoff too long for a test to wait: a retry that happens fast used the server's wait.
fn slow_backoff() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_secs(30),
        max_backoff: Duration::from_secs(30),
        ..fast_retry(3)
    }
}

#[tokio::test]
async fn rate_limit_waits_retry_after_ms() {
    let server = Server::start(|_, n| match n {
        0 | 1 => Reply::json(
            429,
            json!({"errcode": "M_LIMIT_EXCEEDED", "error": "slow down", "retry_after_ms": 150}),
        ),
        _ => ok("done"),
    });
    let client = builder(&server).retry(slow_backoff()).build().unwrap();
    let started = Instant::now();
    let thing = client.send(call::<GetThing>(&["a"])).await.unwrap();
    assert_eq!(thing.value, "done");
    assert_eq!(server.count(), 3);
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[tokio::test]
async fn rate_limit_without_a_wait_backs_off() {
    let server = Server::start(|_, n| match n {
        0 => matrix_error(429, "M_LIMIT_EXCEEDED"),
        1 => Reply::raw(429, "text/plain", "Too Many Requests"),
        _ => ok("done"),
    });
    let policy = RetryPolicy {
        initial_backoff: Duration::from_millis(200),
        max_backoff: Duration::from_millis(200),
        ..fast_retry(3)
    };
    let client = builder(&server).retry(policy).build().unwrap();
    let started = Instant::now();
    client.send(call::<GetThing>(&["a"])).await.unwrap();
    assert_eq!(server.count(), 3);
    // Each wait is in the upper half of the backoff.
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn retry_after_header_wins_over_the_body() {
    let server = Server::start(|_, n| match n {
        0 => Reply::json(
            429,
            json!({"errcode": "M_LIMIT_EXCEEDED", "retry_after_ms": 1}),
        )
        .header("retry-after", "1"),
        _ => ok("done"),
    });
    let client = builder(&server).retry(slow_backoff()).build().unwrap();
    let started = Instant::now();
    client.send(call::<GetThing>(&["a"])).await.unwrap();
    assert_eq!(server.count(), 2);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(10),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_wait_longer_than_allowed_is_returned_to_the_caller() {
    let server = Server::start(|_, _| {
        Reply::json(
            429,
            json!({"errcode": "M_LIMIT_EXCEEDED", "retry_after_ms": 3_600_000}),
        )
    });
    let client = client(&server);
    let error = client.send(call::<GetThing>(&["a"])).await.unwrap_err();
    match error {
        Error::Api(ThingError::TooManyRequests(e)) => assert_eq!(e.retry_after_ms, Some(3_600_000)),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn bad_gateway_then_success() {
    let server = Server::start(|_, n| match n {
        0 => Reply::raw(
            502,
            "text/html",
            "<html><body>502 Bad Gateway</body></html>",
        ),
        _ => ok("done"),
    });
    let thing = client(&server)
        .send(call::<GetThing>(&["a"]))
        .await
        .unwrap();
    assert_eq!(thing.value, "done");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn server_errors_until_the_retries_run_out() {
    let server = Server::start(|_, _| matrix_error(503, "M_UNKNOWN"));
    let client = builder(&server).retry(fast_retry(2)).build().unwrap();
    let error = client.send(call::<GetThing>(&["a"])).await.unwrap_err();
    assert!(
        matches!(error, Error::Api(ThingError::Other { status: 503, .. })),
        "{error:?}"
    );
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn not_implemented_is_not_retried() {
    let server = Server::start(|_, _| matrix_error(501, "M_UNRECOGNIZED"));
    let error = client(&server)
        .send(call::<GetThing>(&["a"]))
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(501));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn post_without_transaction_id_is_not_retried_after_a_server_error() {
    let server = Server::start(|_, n| match n {
        0 => Reply::raw(502, "text/html", "<html>502</html>"),
        _ => ok("twice"),
    });
    let request = call::<PostThing>(&[]).body(json!({"name": "x"}));
    let error = client(&server).send(request).await.unwrap_err();
    match error {
        Error::Unexpected(answer) => assert_eq!(answer.status.as_u16(), 502),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn post_without_transaction_id_is_not_retried_after_a_timeout() {
    let server = Server::start(|_, _| ok("late").after(Duration::from_millis(800)));
    let request = call::<PostThing>(&[]).body(json!({"name": "x"}));
    let error = client(&server)
        .request(request)
        .timeout(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Timeout(_)), "{error:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn post_without_transaction_id_is_retried_after_a_rate_limit() {
    // A 429 says that the server did nothing, so sending again cannot do it twice.
    let server = Server::start(|_, n| match n {
        0 => matrix_error(429, "M_LIMIT_EXCEEDED"),
        _ => ok("once"),
    });
    let request = call::<PostThing>(&[]).body(json!({"name": "x"}));
    client(&server).send(request).await.unwrap();
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn put_with_transaction_id_is_retried_with_the_same_request() {
    let server = Server::start(|_, n| match n {
        0 => matrix_error(500, "M_UNKNOWN"),
        1 => Reply::truncated(200, 100, b"{\"value\""),
        _ => ok("sent"),
    });
    let request = call::<PutThing>(&["txn1"]).body(json!({"body": "hello"}));
    client(&server).send(request).await.unwrap();
    let hits = server.hits();
    assert_eq!(hits.len(), 3);
    for hit in &hits {
        assert_eq!(hit.uri, "/_matrix/client/v3/things/txn1");
        assert_eq!(hit.body, hits[0].body);
    }
}

#[tokio::test]
async fn post_with_transaction_id_is_retried() {
    let server = Server::start(|_, n| match n {
        0 => Reply::raw(504, "text/plain", "gateway timeout"),
        _ => ok("sent"),
    });
    let request = call::<PostTxnThing>(&["txn2"]).body(json!({}));
    client(&server).send(request).await.unwrap();
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn no_retry_sends_once() {
    let server = Server::start(|_, _| matrix_error(503, "M_UNKNOWN"));
    let error = client(&server)
        .request(call::<GetThing>(&["a"]))
        .no_retry()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.count(), 1);

    let server = Server::start(|_, _| matrix_error(429, "M_LIMIT_EXCEEDED"));
    let client = builder(&server).no_retry().build().unwrap();
    client.send(call::<GetThing>(&["a"])).await.unwrap_err();
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn connection_refused_is_retried_until_the_server_is_up() {
    let addr = closed_port();
    let policy = RetryPolicy {
        initial_backoff: Duration::from_millis(400),
        max_backoff: Duration::from_millis(400),
        ..fast_retry(5)
    };
    let client = matrix_client::Client::builder(format!("http://{addr}"))
        .access_token(crate::TOKEN)
        .retry(policy)
        .build()
        .unwrap();
    let late = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Server::start_on(addr, |_, _| ok("up"))
    });
    // A POST without transaction ID too: nothing reached the server.
    let request = call::<PostThing>(&[]).body(json!({}));
    let thing = client.send(request).await.unwrap();
    assert_eq!(thing.value, "up");
    assert_eq!(late.await.unwrap().count(), 1);
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    let client = matrix_client::Client::builder(format!("http://{}", closed_port()))
        .supported_versions(crate::current())
        .access_token(crate::TOKEN)
        .retry(fast_retry(2))
        .build()
        .unwrap();
    match client.send(call::<GetThing>(&["a"])).await.unwrap_err() {
        Error::Transport(error) => assert!(error.is_connect(), "{error:?}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn slow_answer_times_out_and_the_retry_succeeds() {
    let server = Server::start(|_, n| match n {
        0 => ok("late").after(Duration::from_secs(3)),
        _ => ok("fast"),
    });
    let thing = client(&server)
        .request(call::<GetThing>(&["a"]))
        .timeout(Duration::from_millis(300))
        .await
        .unwrap();
    assert_eq!(thing.value, "fast");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn slow_answers_run_into_the_deadline() {
    let server = Server::start(|_, _| ok("late").after(Duration::from_secs(2)));
    let client = builder(&server)
        .request_timeout(Some(Duration::from_millis(300)))
        .deadline(Some(Duration::from_millis(800)))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.send(call::<GetThing>(&["a"])).await.unwrap_err();
    assert!(
        matches!(error, Error::Deadline(d) if d == Duration::from_millis(800)),
        "{error:?}"
    );
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(790), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
    assert!(server.count() >= 2);
}

#[tokio::test]
async fn a_wait_past_the_deadline_returns_the_last_answer() {
    let server = Server::start(|_, _| {
        Reply::json(
            429,
            json!({"errcode": "M_LIMIT_EXCEEDED", "retry_after_ms": 2000}),
        )
    });
    let started = Instant::now();
    let error = client(&server)
        .request(call::<GetThing>(&["a"]))
        .deadline(Duration::from_millis(500))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Api(ThingError::TooManyRequests(_))),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn truncated_bodies_are_retried_then_reported() {
    let server = Server::start(|_, _| Reply::truncated(200, 1000, b"{\"value\": \"trunc"));
    let client = builder(&server).retry(fast_retry(1)).build().unwrap();
    let error = client.send(call::<GetThing>(&["a"])).await.unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn huge_waits_and_limits_do_not_overflow() {
    let server = Server::start(|_, n| match n {
        0 => ok("first").after(Duration::from_millis(10)),
        _ => Reply::json(429, json!({"errcode": "M_LIMIT_EXCEEDED"}))
            .header("retry-after", &u64::MAX.to_string()),
    });
    let unlimited = RetryPolicy {
        max_retry_after: Duration::MAX,
        max_backoff: Duration::MAX,
        ..fast_retry(3)
    };
    let client = builder(&server).retry(unlimited).build().unwrap();
    let request = client
        .request(call::<GetThing>(&["a"]))
        .timeout(Duration::MAX)
        .deadline(Duration::MAX);
    assert_eq!(request.await.unwrap().value, "first");
    // A wait past any deadline returns the answer at once.
    let error = client
        .request(call::<GetThing>(&["b"]))
        .deadline(Duration::from_secs(3600))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Api(ThingError::TooManyRequests(_))),
        "{error:?}"
    );
}
