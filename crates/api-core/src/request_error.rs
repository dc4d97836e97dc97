//! [`RequestError`]: a request a server cannot accept, and the Matrix error to answer.

use http::{HeaderValue, StatusCode, header};

use crate::{ErrorCode, MatrixError};

/// Why a server rejects a request, as a Matrix error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestErrorKind {
    /// The body is not JSON (`M_NOT_JSON`).
    NotJson,
    /// The body is JSON of the wrong shape (`M_BAD_JSON`).
    BadJson,
    /// A required parameter is missing (`M_MISSING_PARAM`).
    MissingParam,
    /// A parameter's value is invalid (`M_INVALID_PARAM`).
    InvalidParam,
    /// The path or method is not this endpoint's (`M_UNRECOGNIZED`).
    Unrecognized,
}

/// A request a server cannot accept, with the Matrix error to answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", self.errcode())]
pub struct RequestError {
    /// Which error.
    pub kind: RequestErrorKind,
    /// What exactly is wrong.
    pub message: String,
}

impl RequestError {
    /// A request error.
    pub fn new(kind: RequestErrorKind, message: impl Into<String>) -> Self {
        RequestError {
            kind,
            message: message.into(),
        }
    }

    /// The Matrix error code.
    pub fn errcode(&self) -> ErrorCode {
        match self.kind {
            RequestErrorKind::NotJson => ErrorCode::NotJson,
            RequestErrorKind::BadJson => ErrorCode::BadJson,
            RequestErrorKind::MissingParam => ErrorCode::MissingParam,
            RequestErrorKind::InvalidParam => ErrorCode::InvalidParam,
            RequestErrorKind::Unrecognized => ErrorCode::Unrecognized,
        }
    }

    /// The HTTP status to answer with.
    pub fn status(&self) -> StatusCode {
        match self.kind {
            RequestErrorKind::Unrecognized => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The Matrix error body.
    pub fn to_matrix_error(&self) -> MatrixError {
        MatrixError::new(self.errcode(), self.message.clone())
    }

    /// The whole HTTP response.
    pub fn to_http_response(&self) -> http::Response<Vec<u8>> {
        let body = serde_json::to_vec(&self.to_matrix_error()).unwrap_or_default();
        let mut response = http::Response::new(body);
        *response.status_mut() = self.status();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}
