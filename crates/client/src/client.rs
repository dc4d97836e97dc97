//! [`Client`]: the connection pool, credentials and settings that every request shares.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use matrix_api_core::{OutgoingRequest, RequestSender};

use crate::auth::Appservice;
use crate::error::ResponseOf;
use crate::pending::Pending;
use crate::refresh::RefreshHook;
use crate::retry::RetryPolicy;
use crate::versions;
use crate::{ClientBuilder, SupportedVersions};

/// An async Matrix client: send any generated request with [`Client::send`] or
/// [`Client::request`]. Cheap to clone; clones share connections, credentials and the
/// cached `/versions`.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

/// Retry, timeout and deadline settings of a call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestConfig {
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) deadline: Option<Duration>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    /// Without a trailing slash.
    pub(crate) base_url: Box<str>,
    /// `base_url` parsed, so that each request's URL is built from it, not parsed again.
    pub(crate) base: reqwest::Url,
    pub(crate) access_token: RwLock<Option<Arc<str>>>,
    pub(crate) appservice: Option<Appservice>,
    pub(crate) hs_token: Option<Arc<str>>,
    #[cfg(feature = "federation")]
    pub(crate) federation: Option<crate::x_matrix::Federation>,
    pub(crate) config: RequestConfig,
    pub(crate) refresh: Option<RefreshHook>,
    /// Held while the refresh hook runs, so that concurrent expiries refresh once.
    pub(crate) refresh_lock: tokio::sync::Mutex<()>,
    pub(crate) versions: versions::Cached,
    /// Held while `/versions` is fetched, so that concurrent requests fetch it once.
    pub(crate) versions_lock: tokio::sync::Mutex<()>,
}

/// The generated API handles (`client.client_server()`, with each crate's `client` feature)
/// build their requests on a `Client`.
impl RequestSender for Client {
    type Pending<'c, R>
        = Pending<'c, R>
    where
        R: OutgoingRequest + 'c;

    #[inline]
    fn request<'c, R: OutgoingRequest + 'c>(&'c self, request: R) -> Pending<'c, R> {
        Client::request(self, request)
    }
}

impl Client {
    /// A builder for a client of the server at `base_url` (`https://matrix.example.org`).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(base_url)
    }

    /// A request to send: set options on it, then `.await` it.
    #[inline]
    pub fn request<R: OutgoingRequest>(&self, request: R) -> Pending<'_, R> {
        Pending::new(self, request)
    }

    /// Sends a request with the client's settings: the same as `self.request(request).await`.
    #[inline]
    pub fn send<'c, R>(&'c self, request: R) -> impl Future<Output = ResponseOf<R>> + Send + 'c
    where
        R: OutgoingRequest + Send + 'c,
    {
        std::future::IntoFuture::into_future(self.request(request))
    }

    /// The server's base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The current access token.
    pub fn access_token(&self) -> Option<String> {
        self.current_token().map(|token| token.to_string())
    }

    /// Replaces the access token (after a login, or to log out with `None`).
    pub fn set_access_token(&self, token: Option<String>) {
        *self
            .inner
            .access_token
            .write()
            .unwrap_or_else(PoisonError::into_inner) = token.map(Arc::from);
    }

    pub(crate) fn current_token(&self) -> Option<Arc<str>> {
        self.inner
            .access_token
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Seeds or replaces the cached `/versions` (for example with what was stored from an
    /// earlier session).
    pub fn set_supported_versions(&self, versions: SupportedVersions) {
        self.set_supported_versions_arc(Arc::new(versions));
    }

    pub(crate) fn set_supported_versions_arc(&self, versions: Arc<SupportedVersions>) {
        *self
            .inner
            .versions
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(versions);
    }

    /// The cached `/versions`, if it was fetched or seeded.
    pub fn cached_versions(&self) -> Option<Arc<SupportedVersions>> {
        self.inner
            .versions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let mut debug = f.debug_struct("Client");
        debug
            .field("base_url", &inner.base_url)
            .field("access_token", &self.current_token().map(|_| "…"))
            .field("appservice", &inner.appservice.as_ref().map(|_| "…"))
            .field("homeserver_token", &inner.hs_token.as_ref().map(|_| "…"));
        #[cfg(feature = "federation")]
        debug.field("federation", &inner.federation);
        debug
            .field("config", &inner.config)
            .field("refresh", &inner.refresh)
            .finish_non_exhaustive()
    }
}
