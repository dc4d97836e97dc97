//! Which credential a request carries, from its endpoint's `METADATA.auth`.

use std::sync::Arc;

use matrix_api_core::{Auth, AuthScheme, UserId};

use crate::Client;
use crate::error::Error;
use crate::error::Failure;

/// An application service's identity towards its homeserver.
#[derive(Clone)]
pub(crate) struct Appservice {
    pub(crate) token: Arc<str>,
    /// The user asserted with `user_id` when none is given per call.
    pub(crate) user_id: Option<UserId>,
}

/// What one request carries.
#[derive(Default)]
pub(crate) struct Credential {
    /// The bearer token for `Authorization`.
    pub(crate) bearer: Option<Arc<str>>,
    /// Whether `bearer` is the user's access token (the one a refresh replaces).
    pub(crate) refreshable: bool,
    /// The `user_id` query parameter of an application service's request.
    pub(crate) assert_user: Option<UserId>,
    /// Whether the request is signed with `X-Matrix`.
    #[cfg(feature = "federation")]
    pub(crate) sign: bool,
}

impl Client {
    /// The credential for an endpoint with `auth`; `user_id` overrides an application
    /// service's asserted user for this call.
    pub(crate) fn credential(
        &self,
        auth: Auth,
        user_id: Option<UserId>,
    ) -> Result<Credential, Failure> {
        let Some(scheme) = auth.scheme() else {
            return Ok(Credential::default());
        };
        let inner = &self.inner;
        let appservice = |appservice: &Appservice| Credential {
            bearer: Some(appservice.token.clone()),
            assert_user: user_id.clone().or_else(|| appservice.user_id.clone()),
            ..Credential::default()
        };
        let found = match scheme {
            AuthScheme::AccessToken => match self.current_token() {
                Some(token) => Some(Credential {
                    bearer: Some(token),
                    refreshable: true,
                    ..Credential::default()
                }),
                None => inner.appservice.as_ref().map(appservice),
            },
            AuthScheme::AppserviceToken => inner.appservice.as_ref().map(appservice),
            AuthScheme::HomeserverToken => inner.hs_token.as_ref().map(|token| Credential {
                bearer: Some(token.clone()),
                ..Credential::default()
            }),
            AuthScheme::XMatrix => self.signing_credential(),
        };
        match (found, auth) {
            (Some(credential), _) => Ok(credential),
            (None, Auth::Required(_)) => Err(Error::MissingCredentials(scheme)),
            (None, _) => Ok(Credential::default()),
        }
    }

    #[cfg(feature = "federation")]
    fn signing_credential(&self) -> Option<Credential> {
        self.inner.federation.as_ref().map(|_| Credential {
            sign: true,
            ..Credential::default()
        })
    }

    /// Without the `federation` feature, requests cannot be signed.
    #[cfg(not(feature = "federation"))]
    fn signing_credential(&self) -> Option<Credential> {
        None
    }
}
