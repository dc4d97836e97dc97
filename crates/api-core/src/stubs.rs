//! The seams between the generated client and server stubs and the runtimes that carry them
//! (`matrix-client`, `matrix-server`): the generated crates name only these traits, so they
//! build without an HTTP client or server, side by side with them.

use std::future::Future;
use std::sync::Arc;

use http::StatusCode;

use crate::caller::Caller;
use crate::error::{ErrorCode, MatrixError};
use crate::exchange::{EndpointError, IncomingRequest, OutgoingRequest};

/// A client the generated API handles build requests for: each method of a handle
/// (`client.client_server().login(…)`) makes the operation's `Request` from its required
/// members and returns [`request`](Self::request) of it.
pub trait RequestSender {
    /// A request ready to send: for `matrix_client::Client`, a `Pending` to set options on
    /// and `.await`.
    type Pending<'c, R>
    where
        Self: 'c,
        R: OutgoingRequest + 'c;

    /// `request`, ready to send with this client.
    fn request<'c, R: OutgoingRequest + 'c>(&'c self, request: R) -> Self::Pending<'c, R>;
}

/// Where the generated `add_routes` functions register an API's operations, each served by
/// a method of the implementation `T`: implemented by a server runtime
/// (`matrix_server::Routes`).
pub trait EndpointRegistry<T>: Sized {
    /// Serves the endpoint of `R` on every path it has had with `handler`, which gets the
    /// implementation, the typed request and the verified caller.
    fn endpoint<R, F, Fut>(self, handler: F) -> Self
    where
        R: IncomingRequest + Send + 'static,
        F: Fn(Arc<T>, R, Caller) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R::OutgoingResponse, R::Error>> + Send + 'static;
}

/// The typed error of an endpoint for `404 M_UNRECOGNIZED`: what a method that is not
/// implemented answers (MSC3743).
pub fn unrecognized<E: EndpointError>() -> E {
    E::from_matrix_error(
        StatusCode::NOT_FOUND,
        MatrixError::new(ErrorCode::Unrecognized, "Unrecognized request"),
    )
}
