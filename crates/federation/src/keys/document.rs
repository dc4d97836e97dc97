//! Checking a server's key document (`GET /_matrix/key/v2/server`) before its keys are used.

use matrix_api_core::ServerName;
use matrix_event_format::keys::{ED25519, KeyError, parse_key_id};
use matrix_event_format::{JsonObject, KeySet, VerifyError, VerifyKey, verify_json};
use matrix_server_server_api::types::ServerKeys;

use super::cache::ServerKeySet;

/// Why a key document is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyResponseError {
    /// The answer is not JSON, or not the shape of a key document.
    #[error("not a key document: {0}")]
    Malformed(String),
    /// The document names another server.
    #[error("the document is for {found}, not {expected}")]
    WrongServer { expected: String, found: String },
    /// A key ID or key cannot be read.
    #[error("key {key_id}: {source}")]
    InvalidKey {
        key_id: String,
        #[source]
        source: KeyError,
    },
    /// The document lists no ed25519 key.
    #[error("the document lists no ed25519 key")]
    NoKeys,
    /// The document is not signed by the keys it lists.
    #[error("the document's self-signature does not verify: {0}")]
    Signature(#[from] VerifyError),
    /// `valid_until_ts` is not a positive timestamp.
    #[error("valid_until_ts {0} is not a timestamp")]
    Validity(i64),
}

/// Checks the key document `raw` (as received) of `server`, read by the generated code as
/// `typed`: it names `server`, lists ed25519 keys that are valid points, and is signed by
/// them (at least one signature, and every signature by a listed key verifies). The keys are
/// valid until the document's `valid_until_ts`, capped at `fetched_at + max_validity`; old
/// keys until their `expired_ts`.
pub(crate) fn verify_document(
    server: &ServerName,
    raw: &JsonObject,
    typed: &ServerKeys,
    fetched_at: u64,
    max_validity: u64,
) -> Result<ServerKeySet, KeyResponseError> {
    if typed.server_name != server.as_str() {
        return Err(KeyResponseError::WrongServer {
            expected: server.to_string(),
            found: typed.server_name.clone(),
        });
    }
    let valid_until_ts = u64::try_from(typed.valid_until_ts)
        .ok()
        .filter(|&ts| ts > 0)
        .ok_or(KeyResponseError::Validity(typed.valid_until_ts))?
        .min(fetched_at.saturating_add(max_validity));
    let mut current = KeySet::new();
    for (key_id, key) in &typed.verify_keys {
        if let Some(key) = read_key(key_id, &key.key)? {
            current.insert(key_id.clone(), key.with_valid_until_ts(valid_until_ts));
        }
    }
    if current.is_empty() {
        return Err(KeyResponseError::NoKeys);
    }
    verify_json(raw, server.as_str(), &current)?;
    let mut keys = current;
    for (key_id, old) in &typed.old_verify_keys {
        if keys.contains_key(key_id) {
            continue;
        }
        if let Some(key) = read_key(key_id, &old.key)? {
            let expired = u64::try_from(old.expired_ts).unwrap_or(0);
            keys.insert(key_id.clone(), key.with_valid_until_ts(expired));
        }
    }
    Ok(ServerKeySet {
        keys,
        valid_until_ts,
        fetched_at,
    })
}

/// The key of an `ed25519:` key ID; `None` for other algorithms, which are ignored.
fn read_key(key_id: &str, key: &str) -> Result<Option<VerifyKey>, KeyResponseError> {
    if key_id.split_once(':').map(|(algorithm, _)| algorithm) != Some(ED25519) {
        return Ok(None);
    }
    let invalid = |source| KeyResponseError::InvalidKey {
        key_id: key_id.to_owned(),
        source,
    };
    parse_key_id(key_id).map_err(invalid)?;
    VerifyKey::from_base64(key).map(Some).map_err(invalid)
}
