//! When to try a request again, and how long to wait first.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode, header};

/// How failed attempts are retried: rate limits (HTTP 429, `M_LIMIT_EXCEEDED`) after the wait
/// the server asks for, and server errors (5xx), connection failures and timeouts after a
/// capped exponential backoff with jitter.
///
/// A request that may have had an effect is retried only if sending it twice is harmless
/// ([`Metadata::is_idempotent`](matrix_api_core::Metadata::is_idempotent): not `POST` or
/// `PATCH`, or a transaction ID in the path). Answers that say the server did nothing (429,
/// a refused connection) are retried for any request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The wait before the first retry; it doubles with each retry.
    pub initial_backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
    /// The longest wait a rate-limited answer may ask for; a longer one is returned to the
    /// caller as the error it is.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// Five retries, waiting 0.5 s, 1 s, 2 s, … up to 30 s; a server may ask for up to 60 s.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 for the first): the exponential delay capped
    /// at `max_backoff`, then a random point in its upper half.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(31);
        let full = self
            .initial_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff);
        let half = full / 2;
        let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let jitter = match nanos {
            0 => 0,
            n => RandomState::new().hash_one(retry) % n,
        };
        half + Duration::from_nanos(jitter)
    }
}

/// Whether a status is a server failure that may pass: every 5xx but those that say the
/// request will never work (501 Not Implemented, 505 HTTP Version Not Supported).
pub(crate) fn is_transient(status: StatusCode) -> bool {
    status.is_server_error()
        && status != StatusCode::NOT_IMPLEMENTED
        && status != StatusCode::HTTP_VERSION_NOT_SUPPORTED
}

/// The wait a rate-limited answer asks for: the `Retry-After` header (seconds or an HTTP
/// date), else the body's `retry_after_ms`.
pub(crate) fn retry_after(headers: &HeaderMap, retry_after_ms: Option<u64>) -> Option<Duration> {
    let header = headers
        .get(header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| parse_retry_after(value.trim(), SystemTime::now()));
    header.or_else(|| retry_after_ms.map(Duration::from_millis))
}

fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let policy = RetryPolicy {
            max_retries: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(1),
        };
        for (retry, full) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (40, 1000),
        ] {
            let full = Duration::from_millis(full);
            for _ in 0..20 {
                let wait = policy.backoff(retry);
                assert!(wait >= full / 2 && wait <= full, "{retry}: {wait:?}");
            }
        }
        let zero = RetryPolicy {
            initial_backoff: Duration::ZERO,
            ..policy
        };
        assert_eq!(zero.backoff(3), Duration::ZERO);
    }

    #[test]
    fn retry_after_header_wins_over_the_body() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers, None), None);
        assert_eq!(
            retry_after(&headers, Some(1500)),
            Some(Duration::from_millis(1500))
        );
        headers.insert(header::RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(
            retry_after(&headers, Some(1500)),
            Some(Duration::from_secs(3))
        );
        headers.insert(header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(
            retry_after(&headers, Some(20)),
            Some(Duration::from_millis(20))
        );
    }

    #[test]
    fn retry_after_dates() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn transient_statuses() {
        assert!(is_transient(StatusCode::BAD_GATEWAY));
        assert!(is_transient(StatusCode::SERVICE_UNAVAILABLE));
        assert!(is_transient(StatusCode::INTERNAL_SERVER_ERROR));
        assert!(!is_transient(StatusCode::NOT_IMPLEMENTED));
        assert!(!is_transient(StatusCode::TOO_MANY_REQUESTS));
        assert!(!is_transient(StatusCode::NOT_FOUND));
    }
}
