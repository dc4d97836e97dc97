//! [`Endpoint`]: one served operation, its spec facts and its type-erased handler.

use axum::body::Body;
use bytes::Bytes;
use futures_util::future::BoxFuture;
use matrix_api_core::Metadata;

use crate::rejection::Rejection;
use matrix_api_core::Caller;

/// Reads the request and starts the method of the implementation it holds, whose future
/// writes the answer; the parser's refusal when the request does not read. One per endpoint,
/// with the implementation, request and response types erased.
pub(crate) type Handler = Box<
    dyn Fn(
            http::Request<Bytes>,
            Caller,
        ) -> Result<BoxFuture<'static, http::Response<Body>>, Rejection>
        + Send
        + Sync,
>;

/// One endpoint: its spec facts and its handler.
pub(crate) struct Endpoint {
    pub(crate) metadata: Metadata,
    pub(crate) handler: Handler,
}
