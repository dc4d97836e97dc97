//! The server's advertised versions (`GET /_matrix/client/versions`) and the path each
//! endpoint is called on.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use http::StatusCode;
use matrix_api_core::{
    EndpointError, IntoHttpError, MatrixError, MatrixVersion, Metadata, OutgoingResponse,
};
use serde::Deserialize;

use crate::Client;
use crate::error::Error;
use crate::error::Failure;
use crate::read;
use crate::transport::{self, Exchange, Settings};

/// What a homeserver advertises at `GET /_matrix/client/versions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SupportedVersions {
    /// The spec releases it supports (entries that name no release are left out).
    pub versions: Vec<MatrixVersion>,
    /// Unstable features it enables or disables.
    pub unstable_features: BTreeMap<String, bool>,
}

impl SupportedVersions {
    /// Versions without unstable features.
    pub fn new(versions: impl IntoIterator<Item = MatrixVersion>) -> Self {
        SupportedVersions {
            versions: versions.into_iter().collect(),
            unstable_features: BTreeMap::new(),
        }
    }

    /// Whether the server advertises `version`.
    pub fn supports(&self, version: MatrixVersion) -> bool {
        self.versions.contains(&version)
    }

    /// Whether the server enables the unstable feature `name`.
    pub fn feature(&self, name: &str) -> bool {
        self.unstable_features.get(name).copied().unwrap_or(false)
    }

    /// Reads the body of `/versions`.
    pub(crate) fn from_json(body: &[u8]) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        struct Wire<'a> {
            #[serde(borrow)]
            versions: Vec<Cow<'a, str>>,
            #[serde(default)]
            unstable_features: BTreeMap<String, bool>,
        }
        let wire: Wire<'_> = serde_json::from_slice(body)?;
        Ok(SupportedVersions {
            versions: wire
                .versions
                .iter()
                .filter_map(|v| v.parse().ok())
                .collect(),
            unstable_features: wire.unstable_features,
        })
    }
}

/// An error answer of `/versions`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("HTTP {}: {error}", status.as_u16())]
pub struct VersionsError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The Matrix error body.
    pub error: MatrixError,
}

impl OutgoingResponse for VersionsError {
    fn try_into_http_response<B: From<Vec<u8>>>(self) -> Result<http::Response<B>, IntoHttpError> {
        matrix_api_core::exchange::json_response(self.status, &self.error)
    }
}

impl EndpointError for VersionsError {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn matrix_error(&self) -> Option<&MatrixError> {
        Some(&self.error)
    }

    fn from_matrix_error(status: StatusCode, error: MatrixError) -> Self {
        VersionsError { status, error }
    }
}

/// The path of `/versions`.
pub(crate) const VERSIONS_PATH: &str = "/_matrix/client/versions";

/// Whether the choice of path for `metadata` depends on the server's versions: a
/// client-server endpoint (only that API advertises versions) that has had more than one
/// path.
pub(crate) fn depends_on_versions(metadata: &Metadata) -> bool {
    let client_server = metadata.path.starts_with("/_matrix/client/")
        || metadata.path.starts_with("/_matrix/media/");
    client_server && metadata.paths().nth(1).is_some()
}

/// The cache, shared by clones of a client.
pub(crate) type Cached = std::sync::RwLock<Option<Arc<SupportedVersions>>>;

impl Client {
    /// The server's `/versions`: fetched on first use (sending the access token, if any, as
    /// the spec allows) and cached.
    pub async fn supported_versions(&self) -> Result<Arc<SupportedVersions>, Error<VersionsError>> {
        if let Some(versions) = self.cached_versions() {
            return Ok(versions);
        }
        let _one_fetch = self.inner.versions_lock.lock().await;
        if let Some(versions) = self.cached_versions() {
            return Ok(versions);
        }
        self.fetch_versions().await
    }

    /// Fetches `/versions` again and caches it.
    pub async fn refresh_supported_versions(
        &self,
    ) -> Result<Arc<SupportedVersions>, Error<VersionsError>> {
        let _one_fetch = self.inner.versions_lock.lock().await;
        self.fetch_versions().await
    }

    async fn fetch_versions(&self) -> Result<Arc<SupportedVersions>, Error<VersionsError>> {
        let url = format!("{}{VERSIONS_PATH}", self.base_url());
        let mut request = self.inner.http.get(url).build().map_err(Error::Transport)?;
        let token = self.current_token();
        if let Some(value) = token.as_deref().and_then(transport::bearer) {
            request
                .headers_mut()
                .insert(http::header::AUTHORIZATION, value);
        }
        let config = self.inner.config;
        let exchange = Exchange {
            request,
            settings: Settings {
                path: Cow::Borrowed(VERSIONS_PATH),
                idempotent: true,
                token,
                retry: config.retry,
                timeout: config.timeout,
                deadline: config.deadline,
                stream: false,
            },
        };
        let response = self
            .exchange_buffered(exchange)
            .await
            .map_err(Failure::widen)?;
        let status = response.status();
        let versions = if status.is_success() {
            SupportedVersions::from_json(response.body()).map_err(|error| {
                read::invalid(
                    &response,
                    matrix_api_core::DeserializationError::Json(error),
                )
                .widen()
            })?
        } else {
            return Err(
                match serde_json::from_slice::<MatrixError>(response.body()) {
                    Ok(error) => Error::Api(VersionsError { status, error }),
                    Err(_) => read::unexpected(&response).widen(),
                },
            );
        };
        let versions = Arc::new(versions);
        self.set_supported_versions_arc(versions.clone());
        Ok(versions)
    }

    /// The path to call `metadata`'s endpoint on: `forced` if given, else the one for the
    /// server's versions (fetched if needed); the current path when the server's versions
    /// cannot be read or do not matter.
    pub(crate) async fn path_for(
        &self,
        metadata: &Metadata,
        forced: Option<Cow<'static, str>>,
    ) -> Cow<'static, str> {
        if let Some(path) = forced {
            return path;
        }
        if !depends_on_versions(metadata) {
            return Cow::Borrowed(metadata.path);
        }
        let versions = match self.cached_versions() {
            Some(versions) => Ok(versions),
            // Boxed: a whole exchange, which would otherwise make every call's future larger.
            None => Box::pin(self.supported_versions()).await,
        };
        match versions {
            Ok(versions) => Cow::Borrowed(metadata.path_for(&versions.versions)),
            Err(error) => {
                tracing::warn!(%error, "cannot read the server's versions; using the current path");
                Cow::Borrowed(metadata.path)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_versions_and_skips_unknown_ones() {
        let versions = SupportedVersions::from_json(
            br#"{"versions": ["r0.6.1", "v1.1", "v1.19", "v2", "1.x"],
                 "unstable_features": {"org.matrix.msc3575": true, "org.example.off": false}}"#,
        )
        .unwrap();
        let v = |s: &str| s.parse::<MatrixVersion>().unwrap();
        assert_eq!(versions.versions, [v("r0.6.1"), v("v1.1"), v("v1.19")]);
        assert!(versions.supports(v("v1.1")));
        assert!(!versions.supports(v("v1.2")));
        assert!(versions.feature("org.matrix.msc3575"));
        assert!(!versions.feature("org.example.off"));
        assert!(!versions.feature("org.example.absent"));
        assert!(SupportedVersions::from_json(b"{}").is_err());
        assert!(SupportedVersions::from_json(br#"{"versions": []}"#).is_ok());
    }
}
