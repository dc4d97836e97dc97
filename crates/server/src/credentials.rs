//! Finding the credential in a request: a bearer token (header, or the `access_token` query
//! parameter where accepted) with the application service's assertion, or one `X-Matrix`
//! header. Missing, doubled and malformed credentials are refused here, before any lookup.

use std::borrow::Cow;

use http::{HeaderMap, StatusCode, header};
use matrix_api_core::{ErrorCode, UserId};
use matrix_event_format::{XMatrix, XMatrixError};

use crate::authenticator::Assertion;
use crate::rejection::Rejection;

/// A bearer credential that is missing or unusable (`401 M_MISSING_TOKEN`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TokenError {
    #[error("no access token given")]
    Missing,
    #[error("more than one Authorization header")]
    DoubledHeader,
    #[error("`access_token` given more than once")]
    DoubledQuery,
    #[error("the Authorization header and the `access_token` parameter differ")]
    Conflicting,
    #[error("the Authorization header is not `Bearer <token>`")]
    Malformed,
}

impl From<TokenError> for Rejection {
    fn from(error: TokenError) -> Self {
        Rejection::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::MissingToken,
            error.to_string(),
        )
    }
}

/// An assertion query parameter that is invalid (`400 M_INVALID_PARAM`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AssertionError {
    #[error("query parameter `{0}` given more than once")]
    Doubled(&'static str),
    #[error("query parameter `user_id` is not a user ID: {0}")]
    InvalidUserId(#[source] matrix_api_core::IdParseError),
}

impl From<AssertionError> for Rejection {
    fn from(error: AssertionError) -> Self {
        Rejection::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidParam,
            error.to_string(),
        )
    }
}

/// The `access_token`, `user_id` and `device_id` query parameters, decoded.
#[derive(Debug, Default)]
pub(crate) struct QueryCredentials<'q> {
    access_token: Vec<Cow<'q, str>>,
    user_id: Option<Cow<'q, str>>,
    device_id: Option<Cow<'q, str>>,
    doubled: Option<&'static str>,
}

impl<'q> QueryCredentials<'q> {
    /// Reads them from a query string (checked to be well-formed percent-encoding first).
    pub(crate) fn parse(query: Option<&'q str>) -> Self {
        let mut found = QueryCredentials::default();
        let Some(query) = query else {
            return found;
        };
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*name {
                "access_token" => {
                    found.access_token.push(value);
                    continue;
                }
                "user_id" => (&mut found.user_id, "user_id"),
                "device_id" => (&mut found.device_id, "device_id"),
                _ => continue,
            };
            if slot.0.replace(value).is_some() {
                found.doubled = Some(slot.1);
            }
        }
        found
    }

    /// The application service's assertion.
    pub(crate) fn assertion(&self) -> Result<Assertion, AssertionError> {
        if let Some(name) = self.doubled {
            return Err(AssertionError::Doubled(name));
        }
        let user_id = self
            .user_id
            .as_deref()
            .map(UserId::parse)
            .transpose()
            .map_err(AssertionError::InvalidUserId)?;
        Ok(Assertion {
            user_id,
            device_id: self.device_id.as_deref().map(str::to_owned),
        })
    }
}

/// The bearer token of a request, if it has one: from the one `Authorization` header, or from
/// the `access_token` query parameter when `query_allowed`. Both may be given if they agree.
pub(crate) fn bearer_token<'r>(
    headers: &'r HeaderMap,
    query: &'r QueryCredentials<'_>,
    query_allowed: bool,
) -> Result<Option<&'r str>, TokenError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let from_header = match (values.next(), values.next()) {
        (None, _) => None,
        (Some(_), Some(_)) => return Err(TokenError::DoubledHeader),
        (Some(value), None) => {
            let value = value.to_str().map_err(|_| TokenError::Malformed)?;
            Some(parse_bearer(value).ok_or(TokenError::Malformed)?)
        }
    };
    let from_query = match query.access_token.as_slice() {
        _ if !query_allowed => None,
        [] => None,
        [token] => Some(&**token),
        _ => return Err(TokenError::DoubledQuery),
    };
    match (from_header, from_query) {
        (Some(header), Some(query)) if header != query => Err(TokenError::Conflicting),
        (Some(token), _) | (None, Some(token)) if token.is_empty() => Err(TokenError::Malformed),
        (Some(token), _) | (None, Some(token)) => Ok(Some(token)),
        (None, None) => Ok(None),
    }
}

/// `Bearer <token>`: the scheme in any case, one or more spaces, a token without spaces.
fn parse_bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim_start_matches(' ');
    let valid = scheme.eq_ignore_ascii_case("Bearer")
        && !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_graphic());
    valid.then_some(token)
}

/// An `X-Matrix` credential that is missing or unusable (`401 M_UNAUTHORIZED`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum SignatureHeaderError {
    #[error("no X-Matrix Authorization header")]
    Missing,
    #[error("more than one Authorization header")]
    Doubled,
    #[error("the Authorization header is not text")]
    NotText,
    #[error(transparent)]
    Invalid(#[from] XMatrixError),
}

impl From<SignatureHeaderError> for Rejection {
    fn from(error: SignatureHeaderError) -> Self {
        Rejection::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            error.to_string(),
        )
    }
}

/// The request's `X-Matrix` header, if it has an `Authorization` header at all.
pub(crate) fn x_matrix(headers: &HeaderMap) -> Result<Option<XMatrix>, SignatureHeaderError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(_), Some(_)) => Err(SignatureHeaderError::Doubled),
        (Some(value), None) => {
            let value = value.to_str().map_err(|_| SignatureHeaderError::NotText)?;
            Ok(Some(XMatrix::parse(value)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn token(header: &[&str], query: Option<&str>) -> Result<Option<String>, TokenError> {
        let query = QueryCredentials::parse(query);
        bearer_token(&headers(header), &query, true).map(|t| t.map(str::to_owned))
    }

    #[test]
    fn bearer_tokens_from_header_or_query() {
        assert_eq!(token(&["Bearer abc"], None), Ok(Some("abc".into())));
        assert_eq!(token(&["bearer  abc"], None), Ok(Some("abc".into())));
        assert_eq!(
            token(&[], Some("access_token=a%2Fb")),
            Ok(Some("a/b".into()))
        );
        assert_eq!(
            token(&["Bearer abc"], Some("access_token=abc")),
            Ok(Some("abc".into()))
        );
        assert_eq!(token(&[], None), Ok(None));
        assert_eq!(token(&[], Some("from=x")), Ok(None));
    }

    #[test]
    fn doubled_conflicting_and_malformed_tokens() {
        assert_eq!(
            token(&["Bearer a", "Bearer a"], None),
            Err(TokenError::DoubledHeader)
        );
        assert_eq!(
            token(&[], Some("access_token=a&access_token=a")),
            Err(TokenError::DoubledQuery)
        );
        assert_eq!(
            token(&["Bearer a"], Some("access_token=b")),
            Err(TokenError::Conflicting)
        );
        for bad in ["Bearer", "Bearer ", "Basic abc", "Bearer a b", "abc"] {
            assert_eq!(token(&[bad], None), Err(TokenError::Malformed), "{bad}");
        }
        assert_eq!(
            token(&[], Some("access_token=")),
            Err(TokenError::Malformed)
        );
        // The query is ignored where it is not accepted.
        let query = QueryCredentials::parse(Some("access_token=a"));
        assert_eq!(bearer_token(&headers(&[]), &query, false), Ok(None));
    }

    #[test]
    fn assertions() {
        let query = QueryCredentials::parse(Some("user_id=%40a%3Ab&device_id=D"));
        let assertion = query.assertion().unwrap();
        assert_eq!(assertion.user_id.unwrap().as_str(), "@a:b");
        assert_eq!(assertion.device_id.as_deref(), Some("D"));
        assert!(matches!(
            QueryCredentials::parse(Some("user_id=a")).assertion(),
            Err(AssertionError::InvalidUserId(_))
        ));
        assert_eq!(
            QueryCredentials::parse(Some("device_id=a&device_id=b"))
                .assertion()
                .unwrap_err(),
            AssertionError::Doubled("device_id")
        );
    }
}
