//! A mock Matrix homeserver generated from the spec: every operation of the five APIs
//! (client-server, server-server, application service, identity, push gateway) on one port,
//! each answered with the spec's own example response (its first documented success status,
//! with the spec's JSON example, `{}` where the spec gives none, no bytes for media).
//!
//! Requests are read, and so validated, by the generated types first: a malformed request
//! gets the Matrix error a real server built on the generated stubs would give
//! (`M_NOT_JSON`, `M_BAD_JSON`, `M_MISSING_PARAM`, `M_INVALID_PARAM`, `M_UNRECOGNIZED`,
//! `M_TOO_LARGE`). The mock has no users or keys of its own: it accepts any access token,
//! application service token or homeserver token that is present, and any well-formed
//! `X-Matrix` header (whatever its destination, without checking the signature), and refuses
//! missing or malformed credentials as a real server would
//! ([`ServerConfig::accept_anything_for_any_destination`]).
//!
//! In a test:
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! let mock = matrix_mock_server::MockServer::start().await?;
//! let base_url = mock.base_url(); // http://127.0.0.1:PORT
//! // … point a client at it …
//! # Ok(()) }
//! ```
//!
//! As a program: `cargo run --release -p matrix-mock-server --example mock-server -- --listen
//! 127.0.0.1:8008`.

use std::fmt;
use std::io;
use std::net::SocketAddr;

use matrix_api_core::ServerName;
use matrix_server::{Routes, ServerConfig, axum};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use matrix_application_service_api::mock::Mock as ApplicationServiceMock;
pub use matrix_client_server_api::mock::Mock as ClientServerMock;
pub use matrix_identity_api::mock::Mock as IdentityMock;
pub use matrix_push_gateway_api::mock::Mock as PushGatewayMock;
pub use matrix_server_server_api::mock::Mock as ServerServerMock;

/// The endpoints of all five APIs, each served by its API's generated mock, in one
/// [`Routes`] (client-server first, then server-server, application service, identity and
/// push gateway; no two of them share a path).
pub fn routes() -> Routes<ClientServerMock> {
    Routes::new(ClientServerMock)
        .with(matrix_client_server_api::server::add_routes)
        .merge(Routes::new(ServerServerMock).with(matrix_server_server_api::server::add_routes))
        .merge(
            Routes::new(ApplicationServiceMock)
                .with(matrix_application_service_api::server::add_routes),
        )
        .merge(Routes::new(IdentityMock).with(matrix_identity_api::server::add_routes))
        .merge(Routes::new(PushGatewayMock).with(matrix_push_gateway_api::server::add_routes))
}

/// The mock's configuration: any present credential and any well-formed `X-Matrix` header is
/// accepted; access tokens name users on `server_name` (`alice` is `@alice:<server_name>`);
/// the default limits of [`ServerConfig`].
pub fn config(server_name: ServerName) -> ServerConfig {
    ServerConfig::accept_anything_for_any_destination(server_name)
}

/// The mock homeserver as an axum router, its users on `server_name`.
pub fn router(server_name: ServerName) -> axum::Router {
    routes().into_router(config(server_name))
}

/// Serves the mock on `listener` until the listener fails; users are named after the
/// listener's address (`@alice:127.0.0.1:8008`).
pub async fn serve(listener: TcpListener) -> io::Result<()> {
    let server_name = server_name_of(listener.local_addr()?)?;
    axum::serve(listener, router(server_name)).await
}

/// The server name of an address (`127.0.0.1:8008`, `[::1]:8008`).
pub fn server_name_of(address: SocketAddr) -> io::Result<ServerName> {
    ServerName::parse(address.to_string())
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))
}

/// A mock homeserver running on the current tokio runtime, on a free loopback port; it stops
/// when dropped.
pub struct MockServer {
    address: SocketAddr,
    server_name: ServerName,
    task: JoinHandle<io::Result<()>>,
}

impl MockServer {
    /// Starts the mock on `127.0.0.1` on a port the system picks.
    pub async fn start() -> io::Result<Self> {
        Self::start_on(TcpListener::bind("127.0.0.1:0").await?)
    }

    /// Starts the mock on `listener`.
    pub fn start_on(listener: TcpListener) -> io::Result<Self> {
        let address = listener.local_addr()?;
        let server_name = server_name_of(address)?;
        let task = tokio::spawn(axum::serve(listener, router(server_name.clone())).into_future());
        Ok(MockServer {
            address,
            server_name,
            task,
        })
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://ADDRESS`, the base URL for clients.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Its server name: the address (`127.0.0.1:PORT`).
    pub fn server_name(&self) -> &ServerName {
        &self.server_name
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}
