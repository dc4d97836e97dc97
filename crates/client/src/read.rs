//! Reading an answer: the typed response, the endpoint's typed error, or what is wrong with
//! the answer.

use bytes::Bytes;
use http::StatusCode;
use http::header::{CONTENT_TYPE, HeaderValue};
use matrix_api_core::{
    DeserializationError, FromHttpResponseError, IncomingResponse, OutgoingRequest,
};

use crate::error::Failure;
use crate::error::ResponseOf;
use crate::error::{Error, InvalidResponse, UnexpectedResponse};
use crate::json_path;

/// The typed response or error of `R` for `answer`.
pub(crate) fn response<R: OutgoingRequest>(answer: http::Response<Bytes>) -> ResponseOf<R> {
    let status = answer.status();
    let content_type = answer.headers().get(CONTENT_TYPE).cloned();
    let body = answer.body().clone();
    match R::IncomingResponse::try_from_http_response(answer) {
        Ok(response) => Ok(response),
        Err(FromHttpResponseError::Server(error)) => Err(Error::Api(error)),
        Err(FromHttpResponseError::Deserialization(error)) => {
            Err(bad_answer(status, content_type.as_ref(), &body, error).widen())
        }
    }
}

/// The error for an answer the typed parse rejected with `error`.
pub(crate) fn invalid(response: &http::Response<Bytes>, error: DeserializationError) -> Failure {
    let content_type = response.headers().get(CONTENT_TYPE);
    bad_answer(response.status(), content_type, response.body(), error)
}

/// The error for an answer the endpoint does not document.
pub(crate) fn unexpected(response: &http::Response<Bytes>) -> Failure {
    let content_type = response.headers().get(CONTENT_TYPE);
    Error::Unexpected(Box::new(UnexpectedResponse::new(
        response.status(),
        content_type.and_then(|v| v.to_str().ok()),
        response.body(),
    )))
}

/// A body that is not JSON at all, or a status the endpoint does not document, is an
/// unexpected answer; JSON of the wrong shape or a bad header is an invalid one (with the
/// JSON path that failed).
fn bad_answer(
    status: StatusCode,
    content_type: Option<&HeaderValue>,
    body: &[u8],
    error: DeserializationError,
) -> Failure {
    let unexpected = || {
        Error::Unexpected(Box::new(UnexpectedResponse::new(
            status,
            content_type.and_then(|v| v.to_str().ok()),
            body,
        )))
    };
    let path = match &error {
        DeserializationError::UnexpectedStatus(_) => return unexpected(),
        DeserializationError::Json(_) if !looks_like_json(body) => return unexpected(),
        DeserializationError::Json(json) => Some(json_path::locate(body, json)),
        _ => None,
    };
    Error::Deserialization(Box::new(InvalidResponse {
        status,
        path,
        source: error,
    }))
}

/// Whether the body starts like a JSON object or array.
fn looks_like_json(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| matches!(b, b'{' | b'['))
}
