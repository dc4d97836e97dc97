//! The client against local servers (127.0.0.1 only) that misbehave on purpose.

mod credentials;
mod endpoints;
mod errors;
mod federation;
mod media;
mod retries;
mod server;
mod versions;

use std::time::Duration;

use matrix_api_core::MatrixVersion;
use matrix_client::{Client, ClientBuilder, RetryPolicy, SupportedVersions};
use serde_json::json;

use server::{Reply, Server};

/// The access token the clients use.
pub const TOKEN: &str = "syt_secret_access_token";

/// Retries that wait milliseconds, not seconds.
pub fn fast_retry(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(5),
    }
}

/// A client of `server` with the access token and fast retries, that knows the server's
/// versions (so that the scripted answers are those of the requests under test).
pub fn builder(server: &Server) -> ClientBuilder {
    fetching_builder(server).supported_versions(current())
}

/// A server of the current release.
pub fn current() -> SupportedVersions {
    SupportedVersions::new([MatrixVersion::new(1, 19, 0)])
}

/// Like [`builder`], fetching `/versions` when a request needs it.
pub fn fetching_builder(server: &Server) -> ClientBuilder {
    Client::builder(&server.base)
        .access_token(TOKEN)
        .retry(fast_retry(3))
}

pub fn client(server: &Server) -> Client {
    builder(server).build().unwrap()
}

/// A successful answer of the test endpoints.
pub fn ok(value: &str) -> Reply {
    Reply::json(200, json!({"value": value}))
}

/// A Matrix error answer.
pub fn matrix_error(status: u16, errcode: &str) -> Reply {
    Reply::json(status, json!({"errcode": errcode, "error": "on purpose"}))
}
