//! One call on the wire: attempts, per-attempt timeout, total deadline, retries, the token
//! refresh, and the tracing span. Not generic, so it is compiled once for all endpoints.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{AUTHORIZATION, HeaderValue};
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use tokio::time::Instant;
use tracing::Instrument;
use tracing::field::Empty;

use crate::Client;
use crate::error::Error;
use crate::error::Failure;
use crate::refresh::{self, RefreshError, RefreshHook};
use crate::retry::{self, RetryPolicy};

/// A built request and how to send it.
pub(crate) struct Exchange {
    pub(crate) request: reqwest::Request,
    pub(crate) settings: Settings,
}

/// How to send a request.
pub(crate) struct Settings {
    /// The path template, for the span.
    pub(crate) path: Cow<'static, str>,
    pub(crate) idempotent: bool,
    /// The user's access token the request carries, if it does (the one a refresh replaces).
    pub(crate) token: Option<Arc<str>>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) deadline: Option<Duration>,
    /// Whether a successful answer's body is left unread, to be streamed.
    pub(crate) stream: bool,
}

/// The final answer of a call.
pub(crate) enum Answer {
    /// Status, headers and the whole body.
    Buffered(http::Response<Bytes>),
    /// A successful answer whose body is still to be read.
    Streaming(reqwest::Response),
}

impl Answer {
    fn status(&self) -> StatusCode {
        match self {
            Answer::Buffered(response) => response.status(),
            Answer::Streaming(response) => response.status(),
        }
    }

    /// The answer with its whole body.
    pub(crate) async fn buffered(self) -> Result<http::Response<Bytes>, Failure> {
        match self {
            Answer::Buffered(response) => Ok(response),
            Answer::Streaming(response) => read_body(response).await.map_err(Error::Transport),
        }
    }
}

/// Reads the whole body.
async fn read_body(
    mut response: reqwest::Response,
) -> Result<http::Response<Bytes>, reqwest::Error> {
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let body = read_all(&mut response).await?;
    let mut answer = http::Response::new(body);
    *answer.status_mut() = status;
    *answer.headers_mut() = headers;
    Ok(answer)
}

/// The most memory reserved ahead from a `Content-Length` (the server may lie).
const MAX_RESERVE: u64 = 64 << 20;

/// The whole body, holding it once: a body in one chunk is that chunk, a longer one is
/// copied chunk by chunk into one buffer sized from `Content-Length`.
async fn read_all(response: &mut reqwest::Response) -> Result<Bytes, reqwest::Error> {
    let Some(first) = response.chunk().await? else {
        return Ok(Bytes::new());
    };
    let Some(second) = response.chunk().await? else {
        return Ok(first);
    };
    let announced = response.content_length().unwrap_or(0).min(MAX_RESERVE);
    let capacity = usize::try_from(announced)
        .unwrap_or(0)
        .max(first.len() + second.len());
    let mut body = BytesMut::with_capacity(capacity);
    body.extend_from_slice(&first);
    body.extend_from_slice(&second);
    drop((first, second));
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// What to do after an attempt.
enum Step<'a> {
    Done,
    Retry {
        wait: Duration,
        reason: &'static str,
    },
    Refresh(&'a RefreshHook),
}

/// The members of a Matrix error body that decide a retry.
#[derive(Deserialize)]
struct ErrorBody<'a> {
    #[serde(borrow, default)]
    errcode: Option<Cow<'a, str>>,
    #[serde(default)]
    retry_after_ms: Option<u64>,
    #[serde(default)]
    soft_logout: bool,
}

impl Client {
    /// Sends `exchange`, retrying as its settings allow, inside a `matrix_request` span
    /// (method, path template, status, attempts, duration in milliseconds).
    pub(crate) async fn exchange(&self, exchange: Exchange) -> Result<Answer, Failure> {
        let span = tracing::info_span!(
            "matrix_request",
            method = %exchange.request.method(),
            path = %exchange.settings.path,
            status = Empty,
            attempts = Empty,
            duration_ms = Empty,
            error = Empty,
        );
        let started = Instant::now();
        let (result, attempts) = self
            .attempts(exchange.request, exchange.settings, started)
            .instrument(span.clone())
            .await;
        match &result {
            Ok(answer) => span.record("status", answer.status().as_u16()),
            Err(error) => span.record("error", tracing::field::display(error)),
        };
        span.record("attempts", attempts);
        span.record(
            "duration_ms",
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        );
        result
    }

    /// Sends `exchange` and reads the whole answer.
    pub(crate) async fn exchange_buffered(
        &self,
        exchange: Exchange,
    ) -> Result<http::Response<Bytes>, Failure> {
        self.exchange(exchange).await?.buffered().await
    }

    /// The attempts of one call; returns the last result and the number of attempts.
    async fn attempts(
        &self,
        mut request: reqwest::Request,
        mut exchange: Settings,
        started: Instant,
    ) -> (Result<Answer, Failure>, u32) {
        let deadline_at = exchange
            .deadline
            .and_then(|deadline| started.checked_add(deadline));
        let may_repeat =
            exchange.retry.is_some() || (exchange.token.is_some() && self.inner.refresh.is_some());
        let (mut attempts, mut retries, mut refreshed) = (0, 0, false);
        loop {
            attempts += 1;
            let spare = if may_repeat {
                request.try_clone()
            } else {
                None
            };
            let result = self.attempt(request, &exchange, deadline_at).await;
            let Some(mut spare) = spare else {
                return (result, attempts);
            };
            match self.next_step(&result, &exchange, retries, refreshed) {
                Step::Done => return (result, attempts),
                Step::Refresh(hook) => {
                    let stale = exchange.token.take();
                    match self.refreshed_token(hook, stale.as_ref()).await {
                        Ok((token, value)) => {
                            spare.headers_mut().insert(AUTHORIZATION, value);
                            exchange.token = Some(token);
                            refreshed = true;
                            tracing::debug!("access token refreshed; sending again");
                        }
                        Err(error) => return (Err(Error::TokenRefresh(error)), attempts),
                    }
                }
                Step::Retry { wait, reason } => {
                    let after_wait = Instant::now().checked_add(wait);
                    if deadline_at.is_some_and(|at| after_wait.is_none_or(|then| then >= at)) {
                        return (result, attempts);
                    }
                    retries += 1;
                    tracing::debug!(
                        retry = retries,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        reason,
                        "retrying"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
            request = spare;
        }
    }

    /// One attempt, cut off at the per-request timeout or the deadline, whichever is first.
    async fn attempt(
        &self,
        request: reqwest::Request,
        exchange: &Settings,
        deadline_at: Option<Instant>,
    ) -> Result<Answer, Failure> {
        let now = Instant::now();
        let by_timeout = exchange
            .timeout
            .and_then(|timeout| now.checked_add(timeout));
        let cut_off = match (by_timeout, deadline_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let send = self.send_once(request, exchange.stream);
        let Some(cut_off) = cut_off else {
            return send.await.map_err(Error::Transport);
        };
        match tokio::time::timeout_at(cut_off, send).await {
            Ok(result) => result.map_err(Error::Transport),
            Err(_) => Err(match (deadline_at, exchange.deadline) {
                (Some(at), Some(deadline)) if at <= cut_off => Error::Deadline(deadline),
                _ => Error::Timeout(exchange.timeout.unwrap_or_default()),
            }),
        }
    }

    async fn send_once(
        &self,
        request: reqwest::Request,
        stream: bool,
    ) -> Result<Answer, reqwest::Error> {
        let response = self.inner.http.execute(request).await?;
        if stream && response.status().is_success() {
            return Ok(Answer::Streaming(response));
        }
        read_body(response).await.map(Answer::Buffered)
    }

    fn next_step(
        &self,
        result: &Result<Answer, Failure>,
        exchange: &Settings,
        retries: u32,
        refreshed: bool,
    ) -> Step<'_> {
        let policy = exchange.retry.filter(|policy| retries < policy.max_retries);
        let backoff = |reason| match policy {
            Some(policy) => Step::Retry {
                wait: policy.backoff(retries + 1),
                reason,
            },
            None => Step::Done,
        };
        match result {
            Ok(Answer::Buffered(response)) => {
                let status = response.status();
                if status == StatusCode::TOO_MANY_REQUESTS {
                    let Some(policy) = policy else {
                        return Step::Done;
                    };
                    let body = error_body(response.body());
                    let asked =
                        retry::retry_after(response.headers(), body.and_then(|b| b.retry_after_ms));
                    let wait = asked.unwrap_or_else(|| policy.backoff(retries + 1));
                    if wait > policy.max_retry_after {
                        return Step::Done;
                    }
                    Step::Retry {
                        wait,
                        reason: "rate limited",
                    }
                } else if status == StatusCode::UNAUTHORIZED {
                    let expired = error_body(response.body()).is_some_and(|body| {
                        body.errcode.as_deref() == Some("M_UNKNOWN_TOKEN") && body.soft_logout
                    });
                    match &self.inner.refresh {
                        Some(hook)
                            if expired
                                && exchange.token.is_some()
                                && !refreshed
                                && !refresh::in_hook() =>
                        {
                            Step::Refresh(hook)
                        }
                        _ => Step::Done,
                    }
                } else if retry::is_transient(status) && exchange.idempotent {
                    backoff("server error")
                } else {
                    Step::Done
                }
            }
            Ok(Answer::Streaming(_)) => Step::Done,
            Err(Error::Transport(error)) if error.is_connect() => backoff("cannot connect"),
            Err(Error::Transport(_)) if exchange.idempotent => backoff("transport error"),
            Err(Error::Timeout(_)) if exchange.idempotent => backoff("timeout"),
            Err(_) => Step::Done,
        }
    }

    /// A fresh access token: the one another request already got since `stale` was sent,
    /// or a new one from the hook.
    async fn refreshed_token(
        &self,
        hook: &RefreshHook,
        stale: Option<&Arc<str>>,
    ) -> Result<(Arc<str>, HeaderValue), RefreshError> {
        let _one_at_a_time = self.inner.refresh_lock.lock().await;
        let current = self.current_token();
        let token = match current {
            Some(current) if Some(&current) != stale => current,
            _ => {
                let token: Arc<str> = hook.call(self.clone()).await?.into();
                self.set_access_token(Some(token.to_string()));
                token
            }
        };
        let value = bearer(&token).ok_or(RefreshError::InvalidToken)?;
        Ok((token, value))
    }
}

/// `Bearer <token>`, marked sensitive.
pub(crate) fn bearer(token: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::try_from(format!("Bearer {token}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

fn error_body(body: &[u8]) -> Option<ErrorBody<'_>> {
    serde_json::from_slice(body).ok()
}

/// Marks the `Authorization` header sensitive (kept out of `Debug` output and HPACK tables).
pub(crate) fn hide_authorization(headers: &mut HeaderMap) {
    if let Some(value) = headers.get_mut(AUTHORIZATION) {
        value.set_sensitive(true);
    }
}
