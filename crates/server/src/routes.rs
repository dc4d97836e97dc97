//! [`Routes`]: the endpoints a server serves, each a typed method of the API implementation.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use axum::body::Body;
use bytes::Bytes;
use futures_util::future::BoxFuture;
use matrix_api_core::{IncomingRequest, Metadata, OutgoingResponse};

use crate::caller::Caller;
use crate::config::ServerConfig;
use crate::dispatch::Server;
use crate::rejection::Rejection;

/// Reads the request, runs the method and writes its answer; one per endpoint, with the
/// request and response types erased.
pub(crate) type Handler<T> = Box<
    dyn Fn(Arc<T>, http::Request<Bytes>, Caller) -> BoxFuture<'static, http::Response<Body>>
        + Send
        + Sync,
>;

/// One endpoint: its spec facts and its handler.
pub(crate) struct Endpoint<T> {
    pub(crate) metadata: Metadata,
    pub(crate) handler: Handler<T>,
}

/// The endpoints of one or more APIs, served by one implementation `T`. The generated
/// `add_routes` functions add an API's endpoints; [`into_router`](Self::into_router) makes the
/// server.
pub struct Routes<T> {
    api: Arc<T>,
    endpoints: Vec<Endpoint<T>>,
}

impl<T: Send + Sync + 'static> Routes<T> {
    /// No endpoints yet, served by `api`.
    pub fn new(api: T) -> Self {
        Routes {
            api: Arc::new(api),
            endpoints: Vec::new(),
        }
    }

    /// Serves the endpoint of `R` on every path it has had (`R::METADATA.paths()`) with
    /// `handler`, which gets the implementation, the typed request and the verified caller.
    /// When two endpoints have the same path shape and method, the first added keeps it.
    pub fn endpoint<R, F, Fut>(mut self, handler: F) -> Self
    where
        R: IncomingRequest + Send + 'static,
        F: Fn(Arc<T>, R, Caller) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R::OutgoingResponse, R::Error>> + Send + 'static,
    {
        let handler: Handler<T> =
            Box::new(
                move |api, request, caller| match R::try_from_http_request(request) {
                    Ok(request) => {
                        let answer = handler(api, request, caller);
                        Box::pin(async move { response::<R>(answer.await) })
                    }
                    Err(error) => {
                        Box::pin(std::future::ready(Rejection::from(error).into_response()))
                    }
                },
            );
        self.endpoints.push(Endpoint {
            metadata: R::METADATA,
            handler,
        });
        self
    }

    /// The server: an axum router that routes every request itself (unknown paths get
    /// `404 M_UNRECOGNIZED`, known paths with another method `405 M_UNRECOGNIZED`), checks
    /// credentials and limits as `config` says, and answers panics of a method with
    /// `500 M_UNKNOWN`.
    pub fn into_router(self, config: ServerConfig) -> axum::Router {
        let server = Arc::new(Server::new(self.api, self.endpoints, config));
        axum::Router::new()
            .fallback(crate::dispatch::serve::<T>)
            .with_state(server)
    }
}

impl<T> fmt::Debug for Routes<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let operations: Vec<&str> = self
            .endpoints
            .iter()
            .map(|e| e.metadata.operation_id)
            .collect();
        f.debug_struct("Routes")
            .field("operations", &operations)
            .finish_non_exhaustive()
    }
}

/// The method's answer as HTTP.
fn response<R: IncomingRequest>(
    answer: Result<R::OutgoingResponse, R::Error>,
) -> http::Response<Body> {
    let converted = match answer {
        Ok(response) => response.try_into_http_response::<Body>(),
        Err(error) => error.try_into_http_response::<Body>(),
    };
    converted.unwrap_or_else(|error| {
        tracing::error!(operation = R::METADATA.operation_id, %error, "cannot build the response");
        Rejection::internal("cannot build the response").into_response()
    })
}
