//! [`Connector`]: how this server reaches other servers.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use matrix_api_core::ServerName;
use matrix_client::{BuildError, Client, RetryPolicy};

use crate::identity::ServerIdentity;

/// The port of federation when a server name has none.
const DEFAULT_PORT: u16 = 8448;

type Resolver = dyn Fn(&ServerName) -> String + Send + Sync;

/// How this server reaches other servers: one HTTP client (its connections and TLS settings
/// shared by every request), the base URL of a server name, and [`Client`]s that sign each
/// request as this server with the destination's server name (not the URL's host).
#[derive(Clone)]
pub struct Connector {
    http: reqwest::Client,
    identity: Option<Arc<ServerIdentity>>,
    resolve: Arc<Resolver>,
    timeout: Duration,
}

impl Connector {
    /// Requests through `http` (build it with `matrix_client::http_client_builder` to set the
    /// trusted certificates), to the base URL [`default_base_url`] gives; unsigned until
    /// [`signing_as`](Self::signing_as).
    pub fn new(http: reqwest::Client) -> Self {
        Connector {
            http,
            identity: None,
            resolve: Arc::new(default_base_url),
            timeout: Duration::from_secs(20),
        }
    }

    /// Signs requests (`X-Matrix`) as `identity`.
    pub fn signing_as(mut self, identity: Arc<ServerIdentity>) -> Self {
        self.identity = Some(identity);
        self
    }

    /// Finds the base URL of a server name with `resolve` instead.
    pub fn with_resolver(
        mut self,
        resolve: impl Fn(&ServerName) -> String + Send + Sync + 'static,
    ) -> Self {
        self.resolve = Arc::new(resolve);
        self
    }

    /// The longest wait for an answer to one request (20 s by default).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The identity requests are signed as, if any.
    pub fn identity(&self) -> Option<&Arc<ServerIdentity>> {
        self.identity.as_ref()
    }

    /// The base URL of `server`.
    pub fn base_url(&self, server: &ServerName) -> String {
        (self.resolve)(server)
    }

    /// A client for `destination`, signing every `X-Matrix` request as this server (when an
    /// identity is set). Retries once, after half a second, what failed without effect.
    pub fn client(&self, destination: &ServerName) -> Result<Client, BuildError> {
        let mut builder = Client::builder(self.base_url(destination))
            .http_client(self.http.clone())
            .retry(RetryPolicy {
                max_retries: 1,
                ..RetryPolicy::default()
            })
            .request_timeout(Some(self.timeout))
            .deadline(Some(self.timeout * 3));
        if let Some(identity) = &self.identity {
            builder = builder.federation(
                identity.server_name().as_str(),
                Arc::clone(identity.signing_key()),
                destination.as_str(),
            );
        }
        builder.build()
    }

    /// A client for `destination` that never retries (for key fetches, which must not wait
    /// on a server that is down).
    pub fn client_once(&self, destination: &ServerName) -> Result<Client, BuildError> {
        Client::builder(self.base_url(destination))
            .http_client(self.http.clone())
            .no_retry()
            .request_timeout(Some(self.timeout))
            .deadline(Some(self.timeout))
            .build()
    }
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector")
            .field("identity", &self.identity.as_ref().map(|i| i.server_name()))
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The base URL of a server name, by the first two steps of server discovery: an IP literal,
/// or a name with an explicit port, is reached there over HTTPS (port 8448 when none is
/// given). Names without a port are also sent to port 8448: `.well-known` delegation and SRV
/// records are not looked up.
pub fn default_base_url(server: &ServerName) -> String {
    let name = server.as_str();
    let has_port = match name.rfind(']') {
        Some(end) => name[end..].contains(':'),
        None => name.contains(':'),
    };
    if has_port {
        format!("https://{name}")
    } else {
        format!("https://{name}:{DEFAULT_PORT}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        for (name, url) in [
            ("127.0.0.1:8449", "https://127.0.0.1:8449"),
            ("127.0.0.1", "https://127.0.0.1:8448"),
            ("[::1]", "https://[::1]:8448"),
            ("[::1]:80", "https://[::1]:80"),
            ("example.org", "https://example.org:8448"),
            ("example.org:443", "https://example.org:443"),
        ] {
            assert_eq!(default_base_url(&name.parse().unwrap()), url);
        }
    }
}
