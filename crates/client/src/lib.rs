//! An async client for the generated Matrix API crates, on `reqwest` with rustls.
//!
//! One [`Client`] sends any generated request (`OutgoingRequest`) and reads its typed
//! response or typed error:
//!
//! ```no_run
//! # async fn run<R: matrix_api_core::OutgoingRequest + Send>(request: R) -> Result<(), Box<dyn std::error::Error>>
//! # where matrix_client::ErrorOf<R>: 'static {
//! let client = matrix_client::Client::builder("https://matrix.example.org")
//!     .access_token("syt_…")
//!     .build()?;
//! let response = client.request(request).timeout(std::time::Duration::from_secs(5)).await?;
//! # Ok(()) }
//! ```
//!
//! Per call, from the endpoint's `METADATA`: the credential (access token, application
//! service token with the asserted `user_id`, homeserver token, or an `X-Matrix` signature
//! with the `federation` feature), the path (the one for the server's advertised
//! `/versions`, or a forced one), and whether a retry is safe. Rate limits, server errors,
//! connection failures and timeouts are retried (see [`RetryPolicy`]); an expired access
//! token is refreshed through a hook and the request sent once more. Each call runs in a
//! `matrix_request` tracing span (method, path template, status, attempts, duration); no
//! credential is ever logged.

mod auth;
mod builder;
mod client;
mod error;
mod json_path;
mod media;
mod pending;
mod read;
mod refresh;
mod retry;
mod transport;
mod versions;
#[cfg(feature = "federation")]
mod x_matrix;

pub use builder::{BuildError, ClientBuilder, http_client_builder};
pub use client::Client;
pub use error::{Error, ErrorOf, InvalidResponse, ResponseOf, UnexpectedResponse};
pub use media::Download;
pub use pending::{Pending, ResponseFuture};
pub use refresh::{BoxError, RefreshError};
pub use retry::RetryPolicy;
pub use versions::{SupportedVersions, VersionsError};
#[cfg(feature = "federation")]
pub use x_matrix::SigningError;
