//! [`ServerIdentity`]: this server's name and signing key, the key document it publishes and
//! the signatures it puts on its events.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use matrix_api_core::ServerName;
use matrix_event_format::keys::KeyError;
use matrix_event_format::{
    EventError, JsonObject, KeySet, RoomVersion, SigningKey, event_id, sign_event, sign_json,
};
use matrix_server_server_api::types::{ServerKeys, VerifyKey as PublishedKey};
use serde_json::Value;

use crate::time::now_ms;

/// How long the keys this server publishes are valid by default: one day.
const DEFAULT_KEY_VALIDITY: Duration = Duration::from_secs(24 * 60 * 60);

/// Why an identity or its key document cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The operating system gave no random bytes for a new key.
    #[error("no randomness for a new signing key: {0}")]
    Random(getrandom::Error),
    /// The key version is not `[a-zA-Z0-9_]+`.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The key document or event cannot be signed.
    #[error(transparent)]
    Signing(#[from] EventError),
    /// The key document does not serialise.
    #[error("the key document does not serialise: {0}")]
    Json(#[from] serde_json::Error),
}

/// This server: its name and ed25519 signing key. It signs the key document that
/// `GET /_matrix/key/v2/server` answers with, and its events.
#[derive(Clone)]
pub struct ServerIdentity {
    server_name: ServerName,
    key: Arc<SigningKey>,
    key_validity: Duration,
}

impl ServerIdentity {
    /// The server `server_name` signing with `key`.
    pub fn new(server_name: ServerName, key: SigningKey) -> Self {
        ServerIdentity {
            server_name,
            key: Arc::new(key),
            key_validity: DEFAULT_KEY_VALIDITY,
        }
    }

    /// The server `server_name` with a fresh key `ed25519:<key_version>`.
    pub fn generate(server_name: ServerName, key_version: &str) -> Result<Self, IdentityError> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(IdentityError::Random)?;
        Ok(Self::new(
            server_name,
            SigningKey::from_seed(&seed, key_version)?,
        ))
    }

    /// How long the published keys are valid from the time they are served (one day by
    /// default); other servers cache them that long.
    pub fn with_key_validity(mut self, validity: Duration) -> Self {
        self.key_validity = validity;
        self
    }

    pub fn server_name(&self) -> &ServerName {
        &self.server_name
    }

    pub fn signing_key(&self) -> &Arc<SigningKey> {
        &self.key
    }

    /// This server's own verification key, by key ID, without expiry: what a key store is
    /// given for it instead of fetching it.
    pub fn key_set(&self) -> KeySet {
        KeySet::from([(self.key.key_id().to_owned(), self.key.verify_key().clone())])
    }

    /// The signed answer of `GET /_matrix/key/v2/server` now.
    pub fn server_keys(&self) -> Result<ServerKeys, IdentityError> {
        let validity = u64::try_from(self.key_validity.as_millis()).unwrap_or(u64::MAX);
        self.server_keys_until(now_ms().saturating_add(validity))
    }

    /// The signed key document with the given `valid_until_ts` (milliseconds). The signature
    /// covers exactly the JSON the typed document serialises to.
    pub fn server_keys_until(&self, valid_until_ts: u64) -> Result<ServerKeys, IdentityError> {
        let valid_until_ts = i64::try_from(valid_until_ts).unwrap_or(i64::MAX);
        let verify_keys = [(
            self.key.key_id().to_owned(),
            PublishedKey::new(self.key.verify_key().to_base64()),
        )]
        .into();
        let mut keys = ServerKeys::new(
            self.server_name.to_string(),
            verify_keys,
            Default::default(),
            valid_until_ts,
        );
        let Value::Object(mut object) = serde_json::to_value(&keys)? else {
            return Err(EventError::InvalidField {
                field: "server_keys",
                expected: "an object",
            }
            .into());
        };
        object.remove("signatures");
        sign_json(&mut object, self.server_name.as_str(), &self.key)?;
        let signature = object
            .get("signatures")
            .and_then(|s| s.get(self.server_name.as_str()))
            .and_then(|s| s.get(self.key.key_id()))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        keys.signatures = [(
            self.server_name.to_string(),
            [(self.key.key_id().to_owned(), signature)].into(),
        )]
        .into();
        Ok(keys)
    }

    /// Adds the content hash and this server's signature to `pdu` and returns its event ID
    /// (room versions 3 and up: the reference hash; 1–2: the `event_id` field it must have).
    pub fn sign_event(
        &self,
        pdu: &mut JsonObject,
        version: &RoomVersion,
    ) -> Result<String, IdentityError> {
        sign_event(pdu, version, self.server_name.as_str(), &self.key)?;
        Ok(event_id(pdu, version)?)
    }
}

impl fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerIdentity")
            .field("server_name", &self.server_name)
            .field("key", &self.key)
            .field("key_validity", &self.key_validity)
            .finish()
    }
}
