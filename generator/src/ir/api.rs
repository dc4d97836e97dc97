//! The five Matrix APIs.

use std::fmt;
use std::str::FromStr;

/// One of the five Matrix APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Api {
    /// The client-server API.
    ClientServer,
    /// The server-server (federation) API.
    ServerServer,
    /// The application-service API.
    ApplicationService,
    /// The identity-service API.
    Identity,
    /// The push-gateway API.
    PushGateway,
}

impl Api {
    /// All five, in the spec's order.
    pub const ALL: [Api; 5] = [
        Api::ClientServer,
        Api::ServerServer,
        Api::ApplicationService,
        Api::Identity,
        Api::PushGateway,
    ];

    /// The folder name under `api/` (`client-server`).
    pub fn dir_name(self) -> &'static str {
        match self {
            Api::ClientServer => "client-server",
            Api::ServerServer => "server-server",
            Api::ApplicationService => "application-service",
            Api::Identity => "identity",
            Api::PushGateway => "push-gateway",
        }
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.dir_name())
    }
}

/// An API name that is not one of the five.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown API `{0}` (expected one of client-server, server-server, application-service, identity, push-gateway)"
)]
pub struct UnknownApi(pub String);

impl FromStr for Api {
    type Err = UnknownApi;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Api::ALL
            .into_iter()
            .find(|api| api.dir_name() == s)
            .ok_or_else(|| UnknownApi(s.to_owned()))
    }
}
