//! [`Rejection`]: a request answered by the runtime itself with a Matrix error.

use axum::body::Body;
use http::{HeaderValue, StatusCode, header};
use matrix_api_core::{ErrorCode, MatrixError, RequestError};

use crate::authenticator::AuthError;

/// A status and a Matrix error body, sent without reaching the method.
#[derive(Debug, Clone)]
pub(crate) struct Rejection {
    pub(crate) status: StatusCode,
    pub(crate) error: MatrixError,
}

impl Rejection {
    pub(crate) fn new(status: StatusCode, errcode: ErrorCode, message: impl Into<String>) -> Self {
        Rejection {
            status,
            error: MatrixError::new(errcode, message),
        }
    }

    /// `500 M_UNKNOWN`.
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Rejection::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Unknown,
            message,
        )
    }

    pub(crate) fn into_response(self) -> http::Response<Body> {
        tracing::debug!(status = %self.status, error = %self.error, "request rejected");
        let body = serde_json::to_vec(&self.error).unwrap_or_default();
        let mut response = http::Response::new(Body::from(body));
        *response.status_mut() = self.status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

impl From<RequestError> for Rejection {
    fn from(error: RequestError) -> Self {
        Rejection {
            status: error.status(),
            error: error.to_matrix_error(),
        }
    }
}

impl From<AuthError> for Rejection {
    fn from(error: AuthError) -> Self {
        let (status, error) = error.to_matrix_error();
        Rejection { status, error }
    }
}
