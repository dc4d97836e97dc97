//! [`Authenticator`]: the pluggable check of bearer tokens (and of federation origins),
//! [`HomeserverToken`] for an application service, and [`AcceptAnything`] for mock servers
//! and tests.

use std::future::Future;

use futures_util::future::BoxFuture;
use http::StatusCode;
use matrix_api_core::{Appservice, ErrorCode, MatrixError, ServerName, User, UserId};

/// Checks credentials. The runtime finds the credential in the request (refusing missing,
/// doubled or malformed ones itself) and asks the authenticator what it is worth; methods not
/// overridden refuse every credential.
pub trait Authenticator: Send + Sync + 'static {
    /// Who holds the access token `token`: a user, or an application service (by its
    /// `as_token`) acting as the asserted user, or as its `sender_localpart` user when the
    /// request asserts none.
    fn access_token(
        &self,
        token: &str,
        assertion: &Assertion,
    ) -> impl Future<Output = Result<TokenOwner, AuthError>> + Send {
        let _ = (token, assertion);
        async { Err(AuthError::UnknownToken { soft_logout: false }) }
    }

    /// The application service whose `as_token` is `token`, on endpoints only application
    /// services may call.
    fn appservice_token(
        &self,
        token: &str,
        assertion: &Assertion,
    ) -> impl Future<Output = Result<Appservice, AuthError>> + Send {
        let _ = (token, assertion);
        async { Err(AuthError::UnknownToken { soft_logout: false }) }
    }

    /// Whether `token` is the homeserver's `hs_token` (on an application service); the spec
    /// answers a wrong one with [`AuthError::Forbidden`].
    fn homeserver_token(&self, token: &str) -> impl Future<Output = Result<(), AuthError>> + Send {
        let _ = token;
        async { Err(AuthError::Forbidden("unknown homeserver token".into())) }
    }

    /// Whether `origin`, whose `X-Matrix` signature verified, may call this server (a deny
    /// list, say); every server may by default.
    fn server(&self, origin: &ServerName) -> impl Future<Output = Result<(), AuthError>> + Send {
        let _ = origin;
        async { Ok(()) }
    }
}

/// The user (and device) an application service asks to act as: the `user_id` and
/// `device_id` query parameters of its request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Assertion {
    /// The asserted user.
    pub user_id: Option<UserId>,
    /// The asserted device.
    pub device_id: Option<String>,
}

/// Who holds an access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOwner {
    /// A user's access token.
    User(User),
    /// An application service's `as_token`.
    Appservice(Appservice),
}

/// Why an authenticator refuses a credential; the request gets the matching Matrix error and
/// never reaches the method.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The token is unknown, logged out or expired: `401 M_UNKNOWN_TOKEN`. With
    /// `soft_logout`, the client may log in again and keep its data.
    #[error("unknown token (soft logout: {soft_logout})")]
    UnknownToken {
        /// Whether the client may log in again and keep its data.
        soft_logout: bool,
    },
    /// The credential is valid but not allowed here: `403 M_FORBIDDEN` (a wrong `hs_token`,
    /// an application service asserting a user outside its namespaces, a denied server).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Any other Matrix error (`401 M_USER_LOCKED`, `400 M_UNKNOWN_DEVICE`, …).
    #[error("{status}: {error}")]
    Matrix {
        /// The HTTP status.
        status: StatusCode,
        /// The error body.
        error: MatrixError,
    },
}

impl AuthError {
    /// The status and error body to answer with.
    pub fn to_matrix_error(&self) -> (StatusCode, MatrixError) {
        match self {
            AuthError::UnknownToken { soft_logout } => {
                let mut error = MatrixError::new(ErrorCode::UnknownToken, "Unknown access token");
                if *soft_logout {
                    error.extra.insert("soft_logout".into(), true.into());
                }
                (StatusCode::UNAUTHORIZED, error)
            }
            AuthError::Forbidden(message) => (
                StatusCode::FORBIDDEN,
                MatrixError::new(ErrorCode::Forbidden, message.clone()),
            ),
            AuthError::Matrix { status, error } => (*status, error.clone()),
        }
    }
}

/// [`Authenticator`] behind a pointer: its futures boxed, so that the configuration is one
/// type whatever the authenticator.
pub(crate) trait DynAuthenticator: Send + Sync {
    fn access_token<'a>(
        &'a self,
        token: &'a str,
        assertion: &'a Assertion,
    ) -> BoxFuture<'a, Result<TokenOwner, AuthError>>;
    fn appservice_token<'a>(
        &'a self,
        token: &'a str,
        assertion: &'a Assertion,
    ) -> BoxFuture<'a, Result<Appservice, AuthError>>;
    fn homeserver_token<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<(), AuthError>>;
    fn server<'a>(&'a self, origin: &'a ServerName) -> BoxFuture<'a, Result<(), AuthError>>;
}

impl<A: Authenticator> DynAuthenticator for A {
    fn access_token<'a>(
        &'a self,
        token: &'a str,
        assertion: &'a Assertion,
    ) -> BoxFuture<'a, Result<TokenOwner, AuthError>> {
        Box::pin(Authenticator::access_token(self, token, assertion))
    }
    fn appservice_token<'a>(
        &'a self,
        token: &'a str,
        assertion: &'a Assertion,
    ) -> BoxFuture<'a, Result<Appservice, AuthError>> {
        Box::pin(Authenticator::appservice_token(self, token, assertion))
    }
    fn homeserver_token<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(Authenticator::homeserver_token(self, token))
    }
    fn server<'a>(&'a self, origin: &'a ServerName) -> BoxFuture<'a, Result<(), AuthError>> {
        Box::pin(Authenticator::server(self, origin))
    }
}

/// For an application service: accepts the homeserver's `hs_token` of its registration, and
/// refuses every other credential (a wrong `hs_token` with `403 M_FORBIDDEN`, as the spec
/// says).
#[derive(Clone)]
pub struct HomeserverToken {
    hs_token: String,
}

impl HomeserverToken {
    /// Accepts `hs_token`.
    pub fn new(hs_token: impl Into<String>) -> Self {
        HomeserverToken {
            hs_token: hs_token.into(),
        }
    }
}

impl std::fmt::Debug for HomeserverToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HomeserverToken(<redacted>)")
    }
}

impl Authenticator for HomeserverToken {
    async fn homeserver_token(&self, token: &str) -> Result<(), AuthError> {
        match constant_time_eq(token.as_bytes(), self.hs_token.as_bytes()) {
            true => Ok(()),
            false => Err(AuthError::Forbidden("unknown homeserver token".into())),
        }
    }
}

/// Whether `a` and `b` are equal, in a time that depends on their lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// For mock servers and tests: accepts every credential that is present and well formed, and
/// refuses missing or malformed ones as a real server does (the runtime does that part).
///
/// An access token `alice` is the user `@alice:<server name>` (a token that is no valid
/// localpart is `@user:<server name>`), or an application service acting as the asserted
/// `user_id` when the request asserts one. Every `hs_token` is the homeserver's.
/// ([`ServerConfig::accept_anything`](crate::ServerConfig::accept_anything) also accepts
/// well-formed `X-Matrix` headers without checking their signatures.)
#[derive(Debug, Clone)]
pub struct AcceptAnything {
    server_name: ServerName,
}

impl AcceptAnything {
    /// Names users after tokens on `server_name`.
    pub fn new(server_name: ServerName) -> Self {
        AcceptAnything { server_name }
    }

    /// `@token:server`, or `@user:server` when the token is no valid localpart.
    fn user_of(&self, token: &str) -> Result<UserId, AuthError> {
        let server = self.server_name.as_str();
        UserId::parse(format!("@{token}:{server}"))
            .or_else(|_| UserId::parse(format!("@user:{server}")))
            .map_err(|_| AuthError::UnknownToken { soft_logout: false })
    }
}

impl Authenticator for AcceptAnything {
    async fn access_token(
        &self,
        token: &str,
        assertion: &Assertion,
    ) -> Result<TokenOwner, AuthError> {
        Ok(match &assertion.user_id {
            Some(user_id) => TokenOwner::Appservice(Appservice::new(
                token,
                user_id.clone(),
                assertion.device_id.clone(),
            )),
            None => TokenOwner::User(User::new(self.user_of(token)?, None)),
        })
    }

    async fn appservice_token(
        &self,
        token: &str,
        assertion: &Assertion,
    ) -> Result<Appservice, AuthError> {
        let user_id = match &assertion.user_id {
            Some(user_id) => user_id.clone(),
            None => self.user_of(token)?,
        };
        Ok(Appservice::new(token, user_id, assertion.device_id.clone()))
    }

    async fn homeserver_token(&self, _token: &str) -> Result<(), AuthError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;

    use super::*;

    #[test]
    fn homeserver_token_accepts_its_token_only() {
        let auth = HomeserverToken::new("hs_secret");
        let check = |token: &str| {
            Authenticator::homeserver_token(&auth, token)
                .now_or_never()
                .unwrap()
        };
        assert_eq!(check("hs_secret"), Ok(()));
        for wrong in ["hs_secreT", "hs_secret2", "", "hs_secre"] {
            assert!(
                matches!(check(wrong), Err(AuthError::Forbidden(_))),
                "{wrong}"
            );
        }
        let assertion = Assertion::default();
        let access = Authenticator::access_token(&auth, "hs_secret", &assertion);
        assert!(access.now_or_never().unwrap().is_err());
        assert_eq!(format!("{auth:?}"), "HomeserverToken(<redacted>)");
    }
}
