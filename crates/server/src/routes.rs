//! [`Routes`]: the endpoints a server serves, each a typed method of the API implementation.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use axum::body::Body;
use matrix_api_core::{EndpointRegistry, IncomingRequest, Metadata, OutgoingResponse};

use crate::config::ServerConfig;
use crate::dispatch::Server;
use crate::endpoint::{Endpoint, Handler};
use crate::rejection::Rejection;
use matrix_api_core::Caller;

/// The endpoints of one or more APIs. Those added with [`endpoint`](Self::endpoint) are
/// served by the implementation `T`; each generated `add_routes` function adds an API's
/// endpoints ([`with`](Self::with)); [`merge`](Self::merge) adds the endpoints of other
/// implementations, so that one server serves several APIs.
/// [`into_router`](Self::into_router) makes the server.
pub struct Routes<T> {
    api: Arc<T>,
    endpoints: Vec<Endpoint>,
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
    /// Endpoints with the same path shape, method and authentication (the spec's two
    /// `POST /rooms/{roomId}/invite`) are tried in turn, deprecated ones last, then in the
    /// order added: the first whose parser reads the request serves it; when none does, the
    /// first one's refusal is the answer.
    /// With another authentication, the first added keeps the path.
    pub fn endpoint<R, F, Fut>(mut self, handler: F) -> Self
    where
        R: IncomingRequest + Send + 'static,
        F: Fn(Arc<T>, R, Caller) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R::OutgoingResponse, R::Error>> + Send + 'static,
    {
        let api = Arc::clone(&self.api);
        let handler: Handler = Box::new(move |request, caller| {
            let request = R::try_from_http_request(request).map_err(Rejection::from)?;
            let answer = handler(Arc::clone(&api), request, caller);
            Ok(Box::pin(async move { response::<R>(answer.await) }))
        });
        self.endpoints.push(Endpoint {
            metadata: R::METADATA,
            handler,
        });
        self
    }

    /// Adds the endpoints of an API with its generated `add_routes` function:
    /// `Routes::new(api).with(client_server::server::add_routes).into_router(config)`.
    pub fn with(self, add_routes: impl FnOnce(Self) -> Self) -> Self {
        add_routes(self)
    }

    /// Adds the endpoints of `other`, served by its own implementation, after those already
    /// here: one server for several APIs, with one routing table (so one `404`/`405`
    /// answer for all of them), one configuration and one set of CORS headers. Where both
    /// serve the same path shape and method, the endpoint of `self` comes first (see
    /// [`endpoint`](Self::endpoint)).
    ///
    /// ```no_run
    /// # struct ClientApi; struct FederationApi;
    /// use matrix_server::{Routes, ServerConfig};
    ///
    /// let client = Routes::new(ClientApi) /* .endpoint::<…>(…) */;
    /// let federation = Routes::new(FederationApi) /* .endpoint::<…>(…) */;
    /// let router = client
    ///     .merge(federation)
    ///     .into_router(ServerConfig::accept_anything("example.org".parse().unwrap()));
    /// ```
    pub fn merge<U>(mut self, other: Routes<U>) -> Self {
        self.endpoints.extend(other.endpoints);
        self
    }

    /// The operations served, in the order they were added (the spec facts of each:
    /// `operation_id`, method, paths, auth).
    pub fn operations(&self) -> impl ExactSizeIterator<Item = &Metadata> {
        self.endpoints.iter().map(|endpoint| &endpoint.metadata)
    }

    /// The server: an axum router that routes every request itself (unknown paths get
    /// `404 M_UNRECOGNIZED`, known paths with another method `405 M_UNRECOGNIZED`), checks
    /// credentials and limits as `config` says, and answers panics of a method with
    /// `500 M_UNKNOWN`.
    pub fn into_router(self, config: ServerConfig) -> axum::Router {
        let server = Arc::new(Server::new(self.endpoints, config));
        axum::Router::new()
            .fallback(crate::dispatch::serve)
            .with_state(server)
    }
}

impl<T: Send + Sync + 'static> EndpointRegistry<T> for Routes<T> {
    fn endpoint<R, F, Fut>(self, handler: F) -> Self
    where
        R: IncomingRequest + Send + 'static,
        F: Fn(Arc<T>, R, Caller) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R::OutgoingResponse, R::Error>> + Send + 'static,
    {
        Routes::endpoint(self, handler)
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
