//! [`Error`]: everything a call can end with, other than its response.

use std::convert::Infallible;
use std::fmt;
use std::time::Duration;

use http::StatusCode;
use matrix_api_core::{
    AuthScheme, DeserializationError, EndpointError, ErrorCode, IncomingResponse, MatrixError,
    OutgoingRequest,
};

/// Why a call failed. `E` is the endpoint's typed error (`join_room::Error`, …).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E> {
    /// The server answered with one of the endpoint's errors (documented or `Other`).
    #[error("{0}")]
    Api(E),
    /// The answer does not have the shape the spec gives it.
    #[error(transparent)]
    Deserialization(Box<InvalidResponse>),
    /// The server answered with something the spec does not document for this endpoint: an
    /// undocumented status without a Matrix error body, or a body that is not JSON at all.
    #[error(transparent)]
    Unexpected(Box<UnexpectedResponse>),
    /// No connection, or it broke before the answer was complete.
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),
    /// An attempt took longer than the per-request timeout (and no retry was left).
    #[error("no complete answer within {0:?}")]
    Timeout(Duration),
    /// The total deadline of the call, retries included, passed.
    #[error("deadline of {0:?} passed")]
    Deadline(Duration),
    /// The request could not be built from the typed value.
    #[error("cannot build the request: {0}")]
    Build(#[source] matrix_api_core::IntoHttpError),
    /// The endpoint needs a credential the client was not given.
    #[error("the endpoint needs credentials the client does not have ({0:?})")]
    MissingCredentials(AuthScheme),
    /// The federation request could not be signed.
    #[cfg(feature = "federation")]
    #[error("cannot sign the request: {0}")]
    Signing(#[source] crate::x_matrix::SigningError),
    /// The access token expired and the refresh hook failed.
    #[error("token refresh failed: {0}")]
    TokenRefresh(#[source] crate::refresh::RefreshError),
}

impl<E> Error<E> {
    /// The HTTP status of the answer, if there was one.
    pub fn status(&self) -> Option<StatusCode>
    where
        E: EndpointError,
    {
        match self {
            Error::Api(e) => Some(e.status()),
            Error::Deserialization(e) => Some(e.status),
            Error::Unexpected(e) => Some(e.status),
            _ => None,
        }
    }

    /// The Matrix error body, if the server sent one.
    pub fn matrix_error(&self) -> Option<&MatrixError>
    where
        E: EndpointError,
    {
        match self {
            Error::Api(e) => e.matrix_error(),
            _ => None,
        }
    }

    /// The Matrix error code, if the server sent one.
    pub fn errcode(&self) -> Option<&ErrorCode>
    where
        E: EndpointError,
    {
        self.matrix_error().map(|e| &e.errcode)
    }
}

/// A body or header that does not match the spec's description of the answer.
#[derive(Debug, thiserror::Error)]
pub struct InvalidResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// Where in the JSON body the parse failed (`chunk[3].content`; `.` for the whole
    /// body), or `None` when a header is at fault.
    pub path: Option<String>,
    /// What is wrong.
    #[source]
    pub source: DeserializationError,
}

impl fmt::Display for InvalidResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid answer (HTTP {})", self.status.as_u16())?;
        if let Some(path) = &self.path {
            write!(f, " at `{path}`")?;
        }
        write!(f, ": {}", self.source)
    }
}

/// An answer the spec does not document for the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnexpectedResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The start of the body, as text (invalid UTF-8 replaced).
    pub excerpt: String,
}

/// How much of an unexpected body is kept.
const EXCERPT_BYTES: usize = 512;

impl UnexpectedResponse {
    pub(crate) fn new(status: StatusCode, content_type: Option<&str>, body: &[u8]) -> Self {
        let cut = &body[..body.len().min(EXCERPT_BYTES)];
        let mut excerpt = String::from_utf8_lossy(cut).into_owned();
        if body.len() > EXCERPT_BYTES {
            excerpt.push('…');
        }
        UnexpectedResponse {
            status,
            content_type: content_type.map(str::to_owned),
            excerpt,
        }
    }
}

impl fmt::Display for UnexpectedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "undocumented answer: HTTP {}", self.status.as_u16())?;
        if let Some(content_type) = &self.content_type {
            write!(f, " ({content_type})")?;
        }
        if self.excerpt.is_empty() {
            f.write_str(" with an empty body")
        } else {
            write!(f, ": {}", self.excerpt.trim())
        }
    }
}

/// The typed error of the endpoint of `R`.
pub type ErrorOf<R> = <<R as OutgoingRequest>::IncomingResponse as IncomingResponse>::Error;

/// What sending `R` gives.
pub type ResponseOf<R> = Result<<R as OutgoingRequest>::IncomingResponse, Error<ErrorOf<R>>>;

/// The errors of the parts of a call that do not depend on the endpoint.
pub(crate) type Failure = Error<Infallible>;

impl Failure {
    /// The same error for an endpoint with the typed error `E`.
    pub(crate) fn widen<E>(self) -> Error<E> {
        match self {
            Error::Api(never) => match never {},
            Error::Deserialization(e) => Error::Deserialization(e),
            Error::Unexpected(e) => Error::Unexpected(e),
            Error::Transport(e) => Error::Transport(e),
            Error::Timeout(d) => Error::Timeout(d),
            Error::Deadline(d) => Error::Deadline(d),
            Error::Build(e) => Error::Build(e),
            Error::MissingCredentials(s) => Error::MissingCredentials(s),
            #[cfg(feature = "federation")]
            Error::Signing(e) => Error::Signing(e),
            Error::TokenRefresh(e) => Error::TokenRefresh(e),
        }
    }
}
