//! [`Metadata`]: what the spec says about an endpoint, including every path it has had.

use crate::MatrixVersion;

/// Facts about an endpoint, from the spec.
#[derive(Debug, Clone)]
pub struct Metadata {
    /// The spec's `operationId`.
    pub operation_id: &'static str,
    /// HTTP method.
    pub method: http::Method,
    /// The path template of the release the code was generated from, with `{name}`
    /// parameters, e.g. `/_matrix/client/v3/rooms/{roomId}/join`.
    pub path: &'static str,
    /// Every path the endpoint has had, oldest first: each with the first release that
    /// spells it so. The last entry's path is [`Metadata::path`].
    pub history: &'static [(MatrixVersion, &'static str)],
    /// Authentication.
    pub auth: Auth,
    /// Whether the server may answer 429.
    pub rate_limited: bool,
    /// Whether the spec deprecates the endpoint.
    pub deprecated: bool,
    /// The Matrix version that added it, when the spec says.
    pub added_in: Option<&'static str>,
}

impl Metadata {
    /// Every distinct path template, oldest first (the current one last).
    pub fn paths(&self) -> impl Iterator<Item = &'static str> + '_ {
        let history = self.history;
        history
            .iter()
            .enumerate()
            .filter(move |(i, (_, path))| !history[..*i].iter().any(|(_, p)| p == path))
            .map(|(_, (_, path))| *path)
            .chain((!history.iter().any(|(_, p)| *p == self.path)).then_some(self.path))
    }

    /// The path to use with a server that advertises `supported` releases (from
    /// `/versions`): the path of the newest supported release that has the endpoint. When
    /// the server advertises none of those (it may serve the endpoint before it advertises
    /// the release that added it, or advertise nothing), the current path.
    pub fn path_for(&self, supported: &[MatrixVersion]) -> &'static str {
        let Some(&(first, _)) = self.history.first() else {
            return self.path;
        };
        let newest = supported.iter().copied().filter(|v| *v >= first).max();
        match newest {
            Some(version) => self
                .history
                .iter()
                .rev()
                .find(|(since, _)| *since <= version)
                .map_or(self.path, |(_, path)| path),
            None => self.path,
        }
    }

    /// The path parameters if `path` (without query) matches one of this endpoint's
    /// templates, current or historical.
    pub fn match_path(&self, path: &str) -> Option<Vec<String>> {
        self.paths()
            .find_map(|template| crate::path::match_template(template, path))
    }

    /// Whether sending the request twice has the effect of sending it once: every method
    /// but `POST` and `PATCH`, and any request whose path carries a transaction ID.
    pub fn is_idempotent(&self) -> bool {
        !matches!(self.method, http::Method::POST | http::Method::PATCH)
            || self.path.contains("{txnId}")
    }
}

/// How an endpoint authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Not at all.
    None,
    /// Optionally.
    Optional(AuthScheme),
    /// Always.
    Required(AuthScheme),
}

impl Auth {
    /// The scheme, whether required or optional.
    pub fn scheme(self) -> Option<AuthScheme> {
        match self {
            Auth::None => None,
            Auth::Optional(scheme) | Auth::Required(scheme) => Some(scheme),
        }
    }
}

/// A way to authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthScheme {
    /// A user's access token, `Authorization: Bearer`.
    AccessToken,
    /// An application service's `as_token`, `Authorization: Bearer`.
    AppserviceToken,
    /// The homeserver's `hs_token`, sent to an application service.
    HomeserverToken,
    /// A federation request signed with `Authorization: X-Matrix` (the caller signs the
    /// built request).
    XMatrix,
}

impl AuthScheme {
    /// Whether the credential is a bearer token.
    pub fn is_bearer(self) -> bool {
        !matches!(self, AuthScheme::XMatrix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JOIN: Metadata = Metadata {
        operation_id: "joinRoom",
        method: http::Method::POST,
        path: "/_matrix/client/v3/join/{roomIdOrAlias}",
        history: &[
            (
                MatrixVersion::new(0, 4, 0),
                "/_matrix/client/r0/join/{roomIdOrAlias}",
            ),
            (
                MatrixVersion::new(1, 1, 0),
                "/_matrix/client/v3/join/{roomIdOrAlias}",
            ),
        ],
        auth: Auth::Required(AuthScheme::AccessToken),
        rate_limited: true,
        deprecated: false,
        added_in: None,
    };

    fn v(s: &str) -> MatrixVersion {
        s.parse().unwrap()
    }

    #[test]
    fn picks_the_path_of_the_newest_supported_release() {
        assert_eq!(
            JOIN.path_for(&[v("r0.5.0"), v("r0.6.1")]),
            JOIN.history[0].1
        );
        assert_eq!(JOIN.path_for(&[v("r0.6.1"), v("v1.12")]), JOIN.path);
        assert_eq!(JOIN.path_for(&[]), JOIN.path);
        assert_eq!(JOIN.path_for(&[v("r0.0.1")]), JOIN.path);
    }

    #[test]
    fn matches_every_path_it_had() {
        assert_eq!(
            JOIN.match_path("/_matrix/client/r0/join/%23a%3Ab"),
            Some(vec!["#a:b".to_owned()])
        );
        assert!(JOIN.match_path("/_matrix/client/v3/join/x").is_some());
        assert!(JOIN.match_path("/_matrix/client/v2/join/x").is_none());
        assert_eq!(JOIN.paths().count(), 2);
        assert!(!JOIN.is_idempotent());
    }
}
