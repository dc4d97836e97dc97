//! Reading request bodies within their limit.

use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use matrix_api_core::ErrorCode;

use crate::rejection::Rejection;

/// Operations whose request body is uploaded media rather than JSON: they get the media limit
/// and no JSON checks. (`Metadata` does not say what a body is; the spec has these two.)
const MEDIA_UPLOADS: &[&str] = &["uploadContent", "uploadContentToMXC"];

/// Whether the operation's request body is uploaded media.
pub(crate) fn is_media_upload(operation_id: &str) -> bool {
    MEDIA_UPLOADS.contains(&operation_id)
}

/// A body that cannot be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    #[error("request body larger than {0} bytes")]
    TooLarge(usize),
    #[error("cannot read the request body: {0}")]
    Read(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<BodyError> for Rejection {
    fn from(error: BodyError) -> Self {
        let (status, errcode) = match error {
            BodyError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooLarge),
            BodyError::Read(_) => (StatusCode::BAD_REQUEST, ErrorCode::Unknown),
        };
        Rejection::new(status, errcode, error.to_string())
    }
}

/// Reads the whole body, refusing one over `limit` bytes as soon as its `Content-Length` or
/// its data says so.
pub(crate) async fn read(
    body: Body,
    headers: &HeaderMap,
    limit: usize,
) -> Result<Bytes, BodyError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(BodyError::TooLarge(limit));
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => Err(BodyError::TooLarge(limit)),
        Err(error) => Err(BodyError::Read(error)),
    }
}
