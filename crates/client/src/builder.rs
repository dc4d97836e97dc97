//! [`ClientBuilder`]: the server, credentials and settings of a [`Client`].

use std::fmt;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use matrix_api_core::UserId;

use crate::auth::Appservice;
use crate::client::{Inner, RequestConfig};
use crate::refresh::{BoxError, RefreshHook};
use crate::retry::RetryPolicy;
use crate::{Client, SupportedVersions};

/// Builds a [`Client`]. Defaults: no credentials, [`RetryPolicy::default`], a 60 s timeout
/// per attempt, a 5 min deadline per call, a new `reqwest` client (rustls).
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    access_token: Option<String>,
    appservice: Option<Appservice>,
    hs_token: Option<String>,
    #[cfg(feature = "federation")]
    federation: Option<crate::x_matrix::Federation>,
    config: RequestConfig,
    refresh: Option<RefreshHook>,
    http: Option<reqwest::Client>,
    versions: Option<SupportedVersions>,
}

/// Why a client cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The base URL is not an absolute `http` or `https` URL without query or fragment.
    #[error("`{0}` is not an http(s) base URL")]
    BaseUrl(String),
    /// The HTTP client could not be created.
    #[error("cannot create the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}

impl ClientBuilder {
    /// A builder for the server at `base_url`.
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientBuilder {
            base_url: base_url.into(),
            access_token: None,
            appservice: None,
            hs_token: None,
            #[cfg(feature = "federation")]
            federation: None,
            config: RequestConfig {
                retry: Some(RetryPolicy::default()),
                timeout: Some(Duration::from_secs(60)),
                deadline: Some(Duration::from_secs(300)),
            },
            refresh: None,
            http: None,
            versions: None,
        }
    }

    /// The user's access token, sent with `Authorization: Bearer`.
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.access_token = Some(token.into());
        self
    }

    /// Acts as an application service: its `as_token` is sent to the endpoints for
    /// application services, and to user endpoints when no access token is set, asserting
    /// `user_id` (the `user_id` query parameter; without it, the service's own user).
    pub fn appservice(mut self, as_token: impl Into<String>, user_id: Option<UserId>) -> Self {
        self.appservice = Some(Appservice {
            token: Arc::from(as_token.into()),
            user_id,
        });
        self
    }

    /// Calls an application service as its homeserver, with the `hs_token`.
    pub fn homeserver_token(mut self, hs_token: impl Into<String>) -> Self {
        self.hs_token = Some(hs_token.into());
        self
    }

    /// Signs server-server requests as `origin` with `key`, for the server named
    /// `destination` (its server name, which delegation may make differ from the base
    /// URL's host).
    #[cfg(feature = "federation")]
    pub fn federation(
        mut self,
        origin: impl Into<String>,
        key: impl Into<Arc<matrix_event_format::SigningKey>>,
        destination: impl Into<String>,
    ) -> Self {
        self.federation = Some(crate::x_matrix::Federation {
            origin: origin.into(),
            key: key.into(),
            destination: destination.into(),
        });
        self
    }

    /// How failed attempts are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.config.retry = Some(policy);
        self
    }

    /// Sends every request once.
    pub fn no_retry(mut self) -> Self {
        self.config.retry = None;
        self
    }

    /// The longest wait for each attempt's answer; `None` waits for ever.
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.config.timeout = timeout;
        self
    }

    /// The longest time for a whole call, retries and waits included; `None` has no limit.
    pub fn deadline(mut self, deadline: Option<Duration>) -> Self {
        self.config.deadline = deadline;
        self
    }

    /// Called for a new access token when the server answers `M_UNKNOWN_TOKEN` with
    /// `soft_logout: true` to a request that carried the access token; the request is then
    /// sent once more with the new token. Concurrent expiries call the hook once. Requests
    /// the hook sends (`POST /refresh`) do not call it again.
    pub fn refresh_token_with<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Client) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, BoxError>> + Send + 'static,
    {
        self.refresh = Some(RefreshHook::new(hook));
        self
    }

    /// Sends through `client` (to share its connections, or for its TLS, proxy and
    /// redirect settings); [`http_client_builder`] starts one with this crate's settings.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Seeds the cached `/versions`, so that it is not fetched.
    pub fn supported_versions(mut self, versions: SupportedVersions) -> Self {
        self.versions = Some(versions);
        self
    }

    /// The client.
    pub fn build(self) -> Result<Client, BuildError> {
        let base_url = self.base_url.trim_end_matches('/');
        let parsed = reqwest::Url::parse(base_url)
            .map_err(|_| BuildError::BaseUrl(self.base_url.clone()))?;
        let plain = parsed.query().is_none() && parsed.fragment().is_none();
        if !matches!(parsed.scheme(), "http" | "https") || !parsed.has_host() || !plain {
            return Err(BuildError::BaseUrl(self.base_url));
        }
        let http = match self.http {
            Some(http) => http,
            None => http_client_builder().build().map_err(BuildError::Http)?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url: base_url.into(),
                base: parsed,
                access_token: RwLock::new(self.access_token.map(Arc::from)),
                appservice: self.appservice,
                hs_token: self.hs_token.map(Arc::from),
                #[cfg(feature = "federation")]
                federation: self.federation,
                config: self.config,
                refresh: self.refresh,
                refresh_lock: tokio::sync::Mutex::new(()),
                versions: RwLock::new(self.versions.map(Arc::new)),
                versions_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("ClientBuilder");
        debug
            .field("base_url", &self.base_url)
            .field("access_token", &self.access_token.as_ref().map(|_| "…"))
            .field("appservice", &self.appservice.as_ref().map(|_| "…"))
            .field("homeserver_token", &self.hs_token.as_ref().map(|_| "…"));
        #[cfg(feature = "federation")]
        debug.field("federation", &self.federation);
        debug
            .field("config", &self.config)
            .field("refresh", &self.refresh)
            .field("versions", &self.versions)
            .finish_non_exhaustive()
    }
}

/// A `reqwest` client builder with this crate's settings: rustls with the ring crypto
/// provider (installed as the process default unless one is installed already) and the
/// crate's user agent. Customise it (proxy, root certificates, redirects) and pass the
/// client to [`ClientBuilder::http_client`].
pub fn http_client_builder() -> reqwest::ClientBuilder {
    // An error only says that a provider is installed already, which is all that is needed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().user_agent(concat!("matrix-client/", env!("CARGO_PKG_VERSION")))
}
