//! [`ServerConfig`]: the server's name, how it authenticates, and its request limits.

use std::fmt;
use std::sync::Arc;

use matrix_api_core::ServerName;

use crate::authenticator::{AcceptAnything, Authenticator, DynAuthenticator};
use crate::key_store::{DynKeyStore, KeyStore};

/// Default limit of JSON request bodies: 8 MiB. The largest request the spec bounds is a
/// federation transaction of 50 PDUs of at most 64 KiB each (3.2 MiB), plus up to 100 EDUs;
/// bodies are held in memory while they are parsed, so the limit also bounds memory per
/// request.
pub const DEFAULT_BODY_LIMIT: usize = 8 << 20;
/// Default limit of uploaded media: 50 MiB, Synapse's default `max_upload_size`.
pub const DEFAULT_MEDIA_BODY_LIMIT: usize = 50 << 20;
/// Default bound on the nesting of JSON bodies: 100 levels, the bound of
/// `matrix_event_format`'s strict parser, so that every body accepted can also be
/// canonicalised and verified (and below `serde_json`'s own recursion limit of 128).
pub const DEFAULT_JSON_DEPTH_LIMIT: usize = 100;

/// How a server built with [`Routes::into_router`](crate::Routes::into_router) authenticates
/// and limits requests.
#[derive(Clone)]
pub struct ServerConfig {
    pub(crate) server_name: ServerName,
    pub(crate) authenticator: Arc<dyn DynAuthenticator>,
    pub(crate) federation: FederationAuth,
    pub(crate) body_limit: usize,
    pub(crate) media_body_limit: usize,
    pub(crate) operation_body_limits: Vec<(String, usize)>,
    pub(crate) json_depth_limit: usize,
    pub(crate) cors: bool,
    pub(crate) query_access_token: bool,
}

/// How `X-Matrix` signatures are checked.
#[derive(Clone)]
pub(crate) enum FederationAuth {
    /// Against the origin's keys from this store (none: every signed request is refused).
    Verify(Option<Arc<dyn DynKeyStore>>),
    /// Not at all: a well-formed header for this server is enough (mock servers only); with
    /// `any_destination`, a well-formed header for any server.
    TrustWellFormed { any_destination: bool },
}

impl ServerConfig {
    /// A server named `server_name` (the destination `X-Matrix` requests must name) whose
    /// tokens `authenticator` checks. Federation requests are refused until a key store is
    /// given ([`key_store`](Self::key_store)).
    pub fn new(server_name: ServerName, authenticator: impl Authenticator) -> Self {
        ServerConfig {
            server_name,
            authenticator: Arc::new(authenticator),
            federation: FederationAuth::Verify(None),
            body_limit: DEFAULT_BODY_LIMIT,
            media_body_limit: DEFAULT_MEDIA_BODY_LIMIT,
            operation_body_limits: Vec::new(),
            json_depth_limit: DEFAULT_JSON_DEPTH_LIMIT,
            cors: true,
            query_access_token: true,
        }
    }

    /// For mock servers and tests: [`AcceptAnything`] for tokens, and any well-formed
    /// `X-Matrix` header naming this server (or no destination) is taken as its origin's,
    /// without checking the signature. Missing or malformed credentials are refused as
    /// usual.
    pub fn accept_anything(server_name: ServerName) -> Self {
        let mut config = Self::new(server_name.clone(), AcceptAnything::new(server_name));
        config.federation = FederationAuth::TrustWellFormed {
            any_destination: false,
        };
        config
    }

    /// For mock servers: like [`accept_anything`](Self::accept_anything), and `X-Matrix`
    /// headers are accepted whatever destination they name, so that any well-formed header
    /// is taken as its origin's. `server_name` still names the users of access tokens
    /// (`alice` is `@alice:<server name>`).
    pub fn accept_anything_for_any_destination(server_name: ServerName) -> Self {
        let mut config = Self::accept_anything(server_name);
        config.federation = FederationAuth::TrustWellFormed {
            any_destination: true,
        };
        config
    }

    /// Verifies `X-Matrix` signatures with the keys of `store`.
    pub fn key_store(mut self, store: impl KeyStore) -> Self {
        self.federation = FederationAuth::Verify(Some(Arc::new(store)));
        self
    }

    /// The largest JSON request body, in bytes ([`DEFAULT_BODY_LIMIT`]); larger ones get
    /// `413 M_TOO_LARGE`.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The largest media upload, in bytes ([`DEFAULT_MEDIA_BODY_LIMIT`]).
    pub fn media_body_limit(mut self, bytes: usize) -> Self {
        self.media_body_limit = bytes;
        self
    }

    /// The largest request body of the operation `operation_id` (the spec's `operationId`,
    /// as in its `METADATA`), instead of the general limit.
    pub fn operation_body_limit(mut self, operation_id: impl Into<String>, bytes: usize) -> Self {
        self.operation_body_limits
            .push((operation_id.into(), bytes));
        self
    }

    /// The deepest nesting of arrays and objects accepted in JSON bodies
    /// ([`DEFAULT_JSON_DEPTH_LIMIT`]); deeper ones get `400 M_BAD_JSON`.
    pub fn json_depth_limit(mut self, levels: usize) -> Self {
        self.json_depth_limit = levels;
        self
    }

    /// Whether every response carries the CORS headers the client-server API recommends and
    /// `OPTIONS` is answered on every known path (on by default).
    pub fn cors(mut self, enabled: bool) -> Self {
        self.cors = enabled;
        self
    }

    /// Whether tokens are also accepted in the deprecated `access_token` query parameter (on
    /// by default: the spec says homeservers must support both ways).
    pub fn query_access_token(mut self, accepted: bool) -> Self {
        self.query_access_token = accepted;
        self
    }

    /// This server's name.
    pub fn server_name(&self) -> &ServerName {
        &self.server_name
    }

    /// The body limit of the operation `operation_id`, whose body is uploaded media or JSON.
    pub(crate) fn body_limit_of(&self, operation_id: &str, media: bool) -> usize {
        self.operation_body_limits
            .iter()
            .rev()
            .find(|(id, _)| id == operation_id)
            .map_or(
                if media {
                    self.media_body_limit
                } else {
                    self.body_limit
                },
                |(_, bytes)| *bytes,
            )
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let federation = match &self.federation {
            FederationAuth::Verify(Some(_)) => "verify with key store",
            FederationAuth::Verify(None) => "refuse (no key store)",
            FederationAuth::TrustWellFormed {
                any_destination: false,
            } => "trust well-formed headers for this server",
            FederationAuth::TrustWellFormed {
                any_destination: true,
            } => "trust well-formed headers for any server",
        };
        f.debug_struct("ServerConfig")
            .field("server_name", &self.server_name)
            .field("federation", &federation)
            .field("body_limit", &self.body_limit)
            .field("media_body_limit", &self.media_body_limit)
            .field("operation_body_limits", &self.operation_body_limits)
            .field("json_depth_limit", &self.json_depth_limit)
            .field("cors", &self.cors)
            .field("query_access_token", &self.query_access_token)
            .finish_non_exhaustive()
    }
}
