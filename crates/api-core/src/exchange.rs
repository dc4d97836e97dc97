//! The two directions of an HTTP exchange for a generated endpoint, and their errors.
//!
//! The conversions are generic over the body type, so that they are compiled only for the
//! endpoints a program uses (with the body type it uses), not for all of them.
//!
//! A client turns a request into an `http::Request` ([`OutgoingRequest`]) and the
//! `http::Response` into the response or the endpoint's typed error
//! ([`IncomingResponse`]); a server turns an `http::Request` into the request
//! ([`IncomingRequest`]) and its response or error into an `http::Response`
//! ([`OutgoingResponse`]).

use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::request_error::{RequestError, RequestErrorKind};
use crate::{Auth, AuthScheme, ErrorCode, MatrixError, Metadata};

/// A request a client sends.
pub trait OutgoingRequest: Sized {
    /// Facts about the endpoint.
    const METADATA: Metadata;
    /// What comes back.
    type IncomingResponse: IncomingResponse;

    /// Builds the HTTP request on `path_template`, one of the endpoint's paths
    /// ([`Metadata::paths`]; [`Metadata::path_for`] picks one for a server's versions).
    /// `base_url` is the server's base (`https://example.org`); a bearer `token` is sent
    /// when given (X-Matrix signing is up to the caller).
    fn try_into_http_request_with_path<B: From<Vec<u8>>>(
        self,
        base_url: &str,
        token: Option<&str>,
        path_template: &str,
    ) -> Result<http::Request<B>, IntoHttpError>;

    /// Builds the HTTP request on the current path.
    fn try_into_http_request<B: From<Vec<u8>>>(
        self,
        base_url: &str,
        token: Option<&str>,
    ) -> Result<http::Request<B>, IntoHttpError> {
        self.try_into_http_request_with_path(base_url, token, Self::METADATA.path)
    }
}

/// A response a client receives.
pub trait IncomingResponse: Sized {
    /// The endpoint's typed error.
    type Error: EndpointError;

    /// Reads a response: the typed success value, or the typed error for an error status.
    fn try_from_http_response<B: AsRef<[u8]>>(
        response: http::Response<B>,
    ) -> Result<Self, FromHttpResponseError<Self::Error>>;
}

/// A request a server receives.
pub trait IncomingRequest: Sized {
    /// Facts about the endpoint.
    const METADATA: Metadata;
    /// What the server sends back on success.
    type OutgoingResponse: OutgoingResponse;
    /// What the server sends back on failure: the endpoint's typed error.
    type Error: EndpointError;

    /// Reads a request; the error says which Matrix error to answer with.
    fn try_from_http_request<B: AsRef<[u8]>>(
        request: http::Request<B>,
    ) -> Result<Self, RequestError>;
}

/// A response (or error) a server sends.
pub trait OutgoingResponse {
    /// Builds the HTTP response.
    fn try_into_http_response<B: From<Vec<u8>>>(self) -> Result<http::Response<B>, IntoHttpError>;
}

/// The typed error of an endpoint: one variant per error status the spec documents for it,
/// and `Other` for any other status with a Matrix error body.
pub trait EndpointError:
    std::error::Error + OutgoingResponse + Send + Sync + Sized + 'static
{
    /// The HTTP status.
    fn status(&self) -> StatusCode;

    /// The Matrix error body, when the variant carries one.
    fn matrix_error(&self) -> Option<&MatrixError>;

    /// The error code, when the body has one.
    fn errcode(&self) -> Option<&ErrorCode> {
        self.matrix_error().map(|e| &e.errcode)
    }

    /// The error for `status` with a Matrix error body: the documented variant for that
    /// status when its body is a Matrix error, else `Other`.
    fn from_matrix_error(status: StatusCode, error: MatrixError) -> Self;
}

/// Building an HTTP message failed.
#[derive(Debug, thiserror::Error)]
pub enum IntoHttpError {
    /// A body could not be serialised.
    #[error("cannot serialise JSON body: {0}")]
    Json(#[from] serde_json::Error),
    /// The request or response could not be built.
    #[error("cannot build HTTP message: {0}")]
    Http(#[from] http::Error),
    /// A header value is not valid.
    #[error("invalid value for header `{0}`")]
    Header(&'static str),
    /// The endpoint requires a token and none was given.
    #[error("this endpoint requires an access token")]
    MissingToken,
}

/// A response that is not what the spec says.
#[derive(Debug, thiserror::Error)]
pub enum DeserializationError {
    /// The body is not the expected JSON.
    #[error("invalid JSON body: {0}")]
    Json(#[from] serde_json::Error),
    /// A header is missing or invalid.
    #[error("header `{0}` missing or invalid")]
    Header(&'static str),
    /// The status is not one the spec documents, and the body is not a Matrix error.
    #[error("unexpected status {0}")]
    UnexpectedStatus(StatusCode),
}

/// Reading a response failed: the server answered with an error, or the answer is malformed.
#[derive(Debug, thiserror::Error)]
pub enum FromHttpResponseError<E> {
    /// The server answered with an error status.
    #[error("server error: {0}")]
    Server(E),
    /// The answer does not match the spec.
    #[error(transparent)]
    Deserialization(#[from] DeserializationError),
}

/// Reads a JSON request body; an empty body reads as `{}`.
pub fn request_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, RequestError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| {
        let kind = match e.classify() {
            serde_json::error::Category::Data => RequestErrorKind::BadJson,
            _ => RequestErrorKind::NotJson,
        };
        RequestError::new(kind, e.to_string())
    })
}

/// Reads a JSON response body.
pub fn response_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, DeserializationError> {
    Ok(serde_json::from_slice(body)?)
}

/// A JSON response with `status`.
pub fn json_response<T: Serialize, B: From<Vec<u8>>>(
    status: StatusCode,
    body: &T,
) -> Result<http::Response<B>, IntoHttpError> {
    let body = serde_json::to_vec(body)?;
    Ok(http::Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(B::from(body))?)
}

/// Starts a request: method, URL (base + path + query) and the bearer token if given.
pub fn request_builder(
    metadata: &Metadata,
    base_url: &str,
    path_and_query: &str,
    token: Option<&str>,
) -> Result<http::request::Builder, IntoHttpError> {
    let mut builder = http::Request::builder()
        .method(metadata.method.clone())
        .uri(format!(
            "{}{path_and_query}",
            base_url.trim_end_matches('/')
        ));
    let bearer = metadata.auth.scheme().is_some_and(AuthScheme::is_bearer);
    match token {
        Some(token) if bearer => {
            let value = HeaderValue::try_from(format!("Bearer {token}"))
                .map_err(|_| IntoHttpError::Header("Authorization"))?;
            builder = builder.header(header::AUTHORIZATION, value);
        }
        None if bearer && matches!(metadata.auth, Auth::Required(_)) => {
            return Err(IntoHttpError::MissingToken);
        }
        _ => {}
    }
    Ok(builder)
}

/// Adds a request header if there is a value.
pub fn request_header_opt(
    builder: http::request::Builder,
    name: &'static str,
    value: Option<&str>,
) -> http::request::Builder {
    match value {
        Some(value) => builder.header(name, value),
        None => builder,
    }
}

/// Adds a response header if there is a value.
pub fn response_header_opt(
    builder: http::response::Builder,
    name: &'static str,
    value: Option<&str>,
) -> http::response::Builder {
    match value {
        Some(value) => builder.header(name, value),
        None => builder,
    }
}

/// Checks that a request's method and path are this endpoint's; returns the path
/// parameters.
pub fn check_request(
    metadata: &Metadata,
    method: &http::Method,
    path: &str,
) -> Result<Vec<String>, RequestError> {
    if *method != metadata.method {
        return Err(RequestError::new(
            RequestErrorKind::Unrecognized,
            format!(
                "method {method} is not {} for {}",
                metadata.method, metadata.path
            ),
        ));
    }
    metadata.match_path(path).ok_or_else(|| {
        RequestError::new(
            RequestErrorKind::Unrecognized,
            format!("path {path} does not match {}", metadata.path),
        )
    })
}

/// Parses a path parameter.
pub fn path_param<T: crate::query::QueryValue>(name: &str, value: &str) -> Result<T, RequestError> {
    T::from_query(value).map_err(|e| {
        RequestError::new(
            RequestErrorKind::InvalidParam,
            format!("path parameter `{name}`: {e}"),
        )
    })
}

/// A request header's value as text, if present.
pub fn header_str<'r>(
    headers: &'r http::HeaderMap,
    name: &'static str,
) -> Result<Option<&'r str>, RequestError> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => value.to_str().map(Some).map_err(|_| {
            RequestError::new(
                RequestErrorKind::InvalidParam,
                format!("header `{name}` is not text"),
            )
        }),
    }
}

/// A response header's value as text.
pub fn response_header(
    headers: &http::HeaderMap,
    name: &'static str,
) -> Result<Option<String>, DeserializationError> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .map(|s| Some(s.to_owned()))
            .map_err(|_| DeserializationError::Header(name)),
    }
}

/// The `Content-Type` header, if any.
pub fn content_type(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_errors_map_to_matrix_codes() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Body {
            a: u32,
        }
        assert_eq!(
            request_json::<Body>(b"{").unwrap_err().errcode(),
            ErrorCode::NotJson
        );
        assert_eq!(
            request_json::<Body>(b"not json").unwrap_err().errcode(),
            ErrorCode::NotJson
        );
        assert_eq!(
            request_json::<Body>(b"{\"a\": \"x\"}")
                .unwrap_err()
                .errcode(),
            ErrorCode::BadJson
        );
        assert_eq!(
            request_json::<Body>(b"").unwrap_err().errcode(),
            ErrorCode::BadJson
        );
        assert_eq!(request_json::<Body>(b"{\"a\": 1}").unwrap().a, 1);
    }

    #[test]
    fn request_errors_render_as_matrix_errors() {
        let error = RequestError::new(
            RequestErrorKind::MissingParam,
            "query parameter `room_id` is required",
        );
        let response = error.to_http_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(body["errcode"], "M_MISSING_PARAM");
    }
}
