//! `X-Matrix` request authentication: the destination is this server, the origin's key is
//! known and valid now, and its signature covers this exact method, URI and body.

use std::time::{SystemTime, UNIX_EPOCH};

use http::StatusCode;
use http::request::Parts;
use matrix_api_core::{ErrorCode, ServerName};
use matrix_event_format::json::{self, ParseError};
use matrix_event_format::{Request, XMatrix, XMatrixError, verify_request};

use crate::key_store::{DynKeyStore, KeyStoreError};
use crate::rejection::Rejection;

/// Why a signed request is refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SignatureError {
    #[error("request is for {0}, not for this server")]
    WrongDestination(String),
    #[error("destination {0:?} is not a server name")]
    InvalidDestination(String),
    #[error("origin {0:?} is not a server name")]
    InvalidOrigin(String),
    #[error("this server verifies no X-Matrix signatures")]
    NoKeyStore,
    #[error(transparent)]
    Keys(#[from] KeyStoreError),
    #[error("the origin has no key {0}")]
    UnknownKey(String),
    #[error("key {key_id} expired at {valid_until_ts}")]
    ExpiredKey { key_id: String, valid_until_ts: u64 },
    #[error(transparent)]
    Signature(XMatrixError),
    /// The body is not JSON that can be signed.
    #[error("the signed body is not acceptable JSON: {0}")]
    Body(#[from] ParseError),
}

impl From<SignatureError> for Rejection {
    fn from(error: SignatureError) -> Self {
        let (status, errcode) = match &error {
            SignatureError::Body(ParseError::Syntax(_)) => {
                (StatusCode::BAD_REQUEST, ErrorCode::NotJson)
            }
            // No canonical form (a float, an integer beyond 2**53): the request is malformed.
            SignatureError::Body(_) | SignatureError::Signature(XMatrixError::Event(_)) => {
                (StatusCode::BAD_REQUEST, ErrorCode::BadJson)
            }
            _ => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
        };
        Rejection::new(status, errcode, error.to_string())
    }
}

/// The origin of a request whose header names this server `own` (or no destination; any
/// destination when `own` is `None`), checked before the body is read.
pub(crate) fn origin(
    header: &XMatrix,
    own: Option<&ServerName>,
) -> Result<ServerName, SignatureError> {
    if let Some(destination) = &header.destination {
        match own {
            Some(own) if destination != own.as_str() => {
                return Err(SignatureError::WrongDestination(destination.clone()));
            }
            None if ServerName::parse(destination.as_str()).is_err() => {
                return Err(SignatureError::InvalidDestination(destination.clone()));
            }
            _ => {}
        }
    }
    ServerName::parse(header.origin.as_str())
        .map_err(|_| SignatureError::InvalidOrigin(header.origin.clone()))
}

/// Checks the header's signature over the request (`parts` and `body`, exactly as received)
/// with the origin's key from `store`.
pub(crate) async fn verify(
    store: Option<&dyn DynKeyStore>,
    header: &XMatrix,
    origin: &ServerName,
    own: &ServerName,
    parts: &Parts,
    body: &[u8],
) -> Result<(), SignatureError> {
    let content = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(json::from_slice(body)?)
    };
    let store = store.ok_or(SignatureError::NoKeyStore)?;
    let keys = store.verify_keys(origin, &[header.key.as_str()]).await?;
    let key = keys
        .get(&header.key)
        .ok_or_else(|| SignatureError::UnknownKey(header.key.clone()))?;
    if let Some(valid_until_ts) = key.valid_until_ts() {
        if valid_until_ts < now_ms() {
            return Err(SignatureError::ExpiredKey {
                key_id: header.key.clone(),
                valid_until_ts,
            });
        }
    }
    let request = Request {
        method: parts.method.as_str(),
        uri: parts.uri.path_and_query().map_or("/", |p| p.as_str()),
        content: content.as_ref(),
    };
    verify_request(header, own.as_str(), &keys, request).map_err(SignatureError::Signature)
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
