//! [`Caller`]: who sent a request, as the runtime verified it before the method runs.

use crate::identifiers::{ServerName, UserId};

/// Who is calling. The runtime checks the endpoint's credential (access token, application
/// service token, homeserver token or `X-Matrix` signature) before the method runs and hands
/// the method the result.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Caller {
    /// No credential: the endpoint needs none, or it is optional and was not given.
    Anonymous,
    /// A user, by an access token.
    User(User),
    /// An application service, by its `as_token`, acting as one of its users.
    Appservice(Appservice),
    /// The homeserver, by the `hs_token` of this application service's registration.
    Homeserver,
    /// Another homeserver, by a verified `X-Matrix` signature: the authenticated origin.
    Server(ServerName),
}

impl Caller {
    /// The user the request acts as: the token's user, or the user an application service
    /// acts as.
    pub fn user_id(&self) -> Option<&UserId> {
        match self {
            Caller::User(user) => Some(&user.user_id),
            Caller::Appservice(appservice) => Some(&appservice.user_id),
            _ => None,
        }
    }

    /// The device the request acts from, when there is one.
    pub fn device_id(&self) -> Option<&str> {
        match self {
            Caller::User(user) => user.device_id.as_deref(),
            Caller::Appservice(appservice) => appservice.device_id.as_deref(),
            _ => None,
        }
    }

    /// The application service's registration ID, for an application service.
    pub fn appservice_id(&self) -> Option<&str> {
        match self {
            Caller::Appservice(appservice) => Some(&appservice.id),
            _ => None,
        }
    }

    /// The authenticated origin server, for a federation request.
    pub fn origin(&self) -> Option<&ServerName> {
        match self {
            Caller::Server(origin) => Some(origin),
            _ => None,
        }
    }
}

/// A user authenticated by an access token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct User {
    /// The token's user.
    pub user_id: UserId,
    /// The token's device; tokens of some kinds (e.g. guests) may have none.
    pub device_id: Option<String>,
}

impl User {
    /// A user and the device the token belongs to.
    pub fn new(user_id: UserId, device_id: Option<String>) -> Self {
        User { user_id, device_id }
    }
}

/// An application service authenticated by its `as_token`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Appservice {
    /// The registration's `id`.
    pub id: String,
    /// The user it acts as: the asserted `user_id`, or its `sender_localpart` user.
    pub user_id: UserId,
    /// The device it acts from (the asserted `device_id`), if any.
    pub device_id: Option<String>,
}

impl Appservice {
    /// An application service acting as `user_id` (from `device_id`).
    pub fn new(id: impl Into<String>, user_id: UserId, device_id: Option<String>) -> Self {
        Appservice {
            id: id.into(),
            user_id,
            device_id,
        }
    }
}
