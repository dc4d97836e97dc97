//! The server runtime of the generated Matrix APIs, on axum.
//!
//! Each generated API crate (behind its `server` feature) has a trait with one async method
//! per operation, every method answering `404 M_UNRECOGNIZED` until implemented, and an
//! `add_routes` function that registers the operations on any [`EndpointRegistry`], such as
//! [`Routes`]. The generated crates do not depend on this one, so they build side by side
//! with axum. This crate does the rest of serving them:
//!
//! - routing: every path an operation has had goes to its method; unknown paths get
//!   `404 M_UNRECOGNIZED`, known paths with another method `405 M_UNRECOGNIZED`;
//! - authentication before the method runs, from the operation's security scheme: access
//!   tokens and application service tokens (header, or the `access_token` query parameter),
//!   the homeserver token of the application service API, and `X-Matrix` signatures
//!   verified with the origin's keys from a [`KeyStore`]; the method gets the [`Caller`];
//! - limits: body size (`413 M_TOO_LARGE`), JSON nesting depth and duplicate keys
//!   (`400 M_BAD_JSON`), strict percent-encoding (`400 M_INVALID_PARAM`); malformed requests
//!   get the generated parser's `M_NOT_JSON`, `M_BAD_JSON`, `M_MISSING_PARAM`,
//!   `M_INVALID_PARAM`;
//! - CORS headers and `OPTIONS` for browser clients;
//! - a panicking method answers `500 M_UNKNOWN`, and the server goes on.
//!
//! ```no_run
//! # async fn example(api: impl Send + Sync + 'static) -> std::io::Result<()> {
//! use matrix_server::{Routes, ServerConfig};
//!
//! let config = ServerConfig::accept_anything("example.org".parse().unwrap());
//! let router = Routes::new(api) /* .with(client_server::server::add_routes) */
//!     .into_router(config);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8008").await?;
//! axum::serve(listener, router).await
//! # }
//! ```

mod authenticator;
mod body;
mod config;
mod cors;
mod credentials;
mod dispatch;
mod endpoint;
mod federation;
mod json_limits;
mod key_store;
mod percent;
mod rejection;
mod route_table;
mod routes;

pub use authenticator::{
    AcceptAnything, Assertion, AuthError, Authenticator, HomeserverToken, TokenOwner,
};
pub use config::{
    DEFAULT_BODY_LIMIT, DEFAULT_JSON_DEPTH_LIMIT, DEFAULT_MEDIA_BODY_LIMIT, ServerConfig,
};
pub use key_store::{InMemoryKeyStore, KeyStore, KeyStoreError};
pub use matrix_api_core::{Appservice, Caller, EndpointRegistry, User, unrecognized};
pub use matrix_event_format::{KeySet, VerifyKey};
pub use routes::Routes;

/// Re-exported for serving.
pub use axum;
