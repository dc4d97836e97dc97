//! Signing and verifying JSON objects and events.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::base64;
use crate::canonical_json::{self, CanonicalJsonRules};
use crate::event::{EventError, required_object, required_str};
use crate::hashes::{SignedBytes, add_content_hash, check_content_hash, claimed_content_hash};
use crate::identifiers::server_name_of;
use crate::json::JsonObject;
use crate::keys::{ED25519, SigningKey, VerifyKey};
use crate::room_version::RoomVersion;

/// Verification keys of one entity (server), by key ID (`ed25519:<version>`).
pub type KeySet = BTreeMap<String, VerifyKey>;

/// Verification keys by entity (server name), then by key ID.
pub type PublicKeyMap = BTreeMap<String, KeySet>;

/// Why a signature check failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum VerifyError {
    #[error("no signatures from {0}")]
    NoSignatures(String),
    #[error("no ed25519 signature from {0}")]
    NoSupportedSignature(String),
    #[error("none of the keys that {0} signed with is known")]
    NoKnownKey(String),
    #[error("signature of {entity} with {key_id} is not valid base64 of 64 bytes")]
    SignatureEncoding { entity: String, key_id: String },
    #[error("signature of {entity} with {key_id} does not verify")]
    BadSignature { entity: String, key_id: String },
    #[error("`sender` has no valid server name")]
    InvalidSender,
    #[error(transparent)]
    Event(#[from] EventError),
}

/// The outcome of [`verify_event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verified {
    /// Signatures and content hash match.
    All,
    /// Signatures match but the content hash does not: the event was redacted on the way and
    /// must be stored in its redacted form.
    SignaturesOnly,
}

/// Signs `object` as `entity`: the signature covers its canonical JSON without `signatures` and
/// `unsigned`, and is added under `signatures.<entity>.<key id>` (other signatures are kept).
pub fn sign_json(
    object: &mut JsonObject,
    entity: &str,
    key: &SigningKey,
) -> Result<(), EventError> {
    let mut message = Vec::with_capacity(512);
    canonical_json::object_without(
        &mut message,
        object,
        &["signatures", "unsigned"],
        CanonicalJsonRules::Standard,
    )?;
    insert_signature(object, entity, key, &message)
}

/// Checks the signatures of `entity` on `object` with the appendix's algorithm: every
/// ed25519 signature made with a key in `keys` must verify, and there must be at least one.
pub fn verify_json(object: &JsonObject, entity: &str, keys: &KeySet) -> Result<(), VerifyError> {
    let mut message = Vec::with_capacity(512);
    canonical_json::object_without(
        &mut message,
        object,
        &["signatures", "unsigned"],
        CanonicalJsonRules::Standard,
    )
    .map_err(EventError::from)?;
    verify_signatures(signatures_of(object)?, entity, keys, &message, None)
}

/// Adds the content hash (`hashes.sha256`) and the signature of `server_name` to `pdu`. The
/// signature covers the redacted event, so it survives redaction.
pub fn sign_event(
    pdu: &mut JsonObject,
    version: &RoomVersion,
    server_name: &str,
    key: &SigningKey,
) -> Result<(), EventError> {
    add_content_hash(pdu, version)?;
    let message = SignedBytes::of(pdu, version)?;
    insert_signature(pdu, server_name, key, message.as_bytes())
}

/// The base64 signature `key` makes over `pdu` (which must already carry its content hash),
/// without changing the event.
pub fn event_signature(
    pdu: &JsonObject,
    version: &RoomVersion,
    key: &SigningKey,
) -> Result<String, EventError> {
    Ok(base64::encode(
        key.sign(SignedBytes::of(pdu, version)?.as_bytes()),
    ))
}

/// Checks an event received over federation: every server in [`required_signing_servers`]
/// must have signed its redacted form with known, valid keys, then the content hash is checked.
///
/// In versions that enforce key validity, keys whose `valid_until_ts` lies before the event's
/// `origin_server_ts` are treated as unknown.
pub fn verify_event(
    pdu: &JsonObject,
    version: &RoomVersion,
    keys: &PublicKeyMap,
) -> Result<Verified, VerifyError> {
    verify_signed_event(pdu, version, keys, &SignedBytes::of(pdu, version)?, None)
}

/// [`verify_event`] with the event's [`SignedBytes`] already encoded (as for its event ID), and
/// its content hash if already computed
/// ([`signed_bytes_and_content_hash`](crate::hashes::signed_bytes_and_content_hash)).
pub fn verify_signed_event(
    pdu: &JsonObject,
    version: &RoomVersion,
    keys: &PublicKeyMap,
    signed: &SignedBytes,
    content_hash: Option<&[u8; 32]>,
) -> Result<Verified, VerifyError> {
    let servers = signing_servers(pdu, version)?;
    let signatures = signatures_of(pdu)?;
    let event_ts = match pdu.get("origin_server_ts") {
        Some(ts) if version.enforce_key_validity => {
            Some(ts.as_u64().ok_or(EventError::InvalidField {
                field: "origin_server_ts",
                expected: "a non-negative integer",
            })?)
        }
        _ => None,
    };
    let no_keys = KeySet::new();
    for server in servers {
        let server_keys = keys.get(server).unwrap_or(&no_keys);
        verify_signatures(signatures, server, server_keys, signed.as_bytes(), event_ts)?;
    }
    let hash_matches = match content_hash {
        Some(hash) => claimed_content_hash(pdu)? == hash,
        None => check_content_hash(pdu, version)?,
    };
    if hash_matches {
        Ok(Verified::All)
    } else {
        Ok(Verified::SignaturesOnly)
    }
}

/// The servers whose signatures an event needs: the sender's server (except for invites made
/// from a third-party invite, which another server may send); in v1–v2 also the server in the
/// `event_id`; and for joins via a restricted join rule, the server of the authorising user.
pub fn required_signing_servers(
    pdu: &JsonObject,
    version: &RoomVersion,
) -> Result<BTreeSet<String>, VerifyError> {
    Ok(signing_servers(pdu, version)?
        .into_iter()
        .map(str::to_owned)
        .collect())
}

/// [`required_signing_servers`], borrowed from the event: sorted, without duplicates.
fn signing_servers<'p>(
    pdu: &'p JsonObject,
    version: &RoomVersion,
) -> Result<Vec<&'p str>, VerifyError> {
    let sender = required_str(pdu, "sender")?;
    let sender_server = server_name_of(sender).ok_or(VerifyError::InvalidSender)?;
    let is_member = pdu.get("type").and_then(Value::as_str) == Some("m.room.member");
    let content = pdu.get("content").and_then(Value::as_object);
    let membership = content
        .and_then(|c| c.get("membership"))
        .and_then(Value::as_str);
    let mut servers = Vec::with_capacity(3);
    let third_party_invite = is_member
        && membership == Some("invite")
        && content.is_some_and(|c| c.contains_key("third_party_invite"));
    if !third_party_invite {
        servers.push(sender_server);
    }
    if version.event_id_server_signs {
        let event_id = required_str(pdu, "event_id")?;
        let server = server_name_of(event_id).ok_or(EventError::InvalidField {
            field: "event_id",
            expected: "an event ID `$opaque_id:server_name`",
        })?;
        servers.push(server);
    }
    if version.restricted_join_rule && is_member && membership == Some("join") {
        let authoriser = content
            .and_then(|c| c.get("join_authorised_via_users_server"))
            .and_then(Value::as_str);
        if let Some(user) = authoriser {
            let server = server_name_of(user).ok_or(EventError::InvalidField {
                field: "content",
                expected: "an object whose `join_authorised_via_users_server` is a user ID",
            })?;
            servers.push(server);
        }
    }
    servers.sort_unstable();
    servers.dedup();
    Ok(servers)
}

fn insert_signature(
    object: &mut JsonObject,
    entity: &str,
    key: &SigningKey,
    message: &[u8],
) -> Result<(), EventError> {
    let signature = Value::String(base64::encode(key.sign(message)));
    let invalid = EventError::InvalidField {
        field: "signatures",
        expected: "an object of objects",
    };
    let signatures = object
        .entry("signatures")
        .or_insert_with(|| Value::Object(JsonObject::new()))
        .as_object_mut()
        .ok_or(invalid.clone())?;
    signatures
        .entry(entity)
        .or_insert_with(|| Value::Object(JsonObject::new()))
        .as_object_mut()
        .ok_or(invalid)?
        .insert(key.key_id().to_owned(), signature);
    Ok(())
}

fn signatures_of(object: &JsonObject) -> Result<&JsonObject, EventError> {
    required_object(object, "signatures")
}

/// The appendix's "checking for a signature" for one entity over `message`.
fn verify_signatures(
    signatures: &JsonObject,
    entity: &str,
    keys: &KeySet,
    message: &[u8],
    event_ts: Option<u64>,
) -> Result<(), VerifyError> {
    let Some(Value::Object(entity_signatures)) = signatures.get(entity) else {
        return Err(VerifyError::NoSignatures(entity.to_owned()));
    };
    let mut supported = false;
    let mut checked = false;
    for (key_id, signature) in entity_signatures {
        if key_id.split_once(':').map(|(algorithm, _)| algorithm) != Some(ED25519) {
            continue;
        }
        supported = true;
        let Some(key) = keys.get(key_id) else {
            continue;
        };
        let expired =
            matches!((event_ts, key.valid_until_ts()), (Some(ts), Some(until)) if until < ts);
        if expired {
            continue;
        }
        let signature = signature
            .as_str()
            .and_then(|text| base64::decode_array::<64>(text).ok())
            .ok_or_else(|| VerifyError::SignatureEncoding {
                entity: entity.to_owned(),
                key_id: key_id.clone(),
            })?;
        key.verify(message, &signature)
            .map_err(|_| VerifyError::BadSignature {
                entity: entity.to_owned(),
                key_id: key_id.clone(),
            })?;
        checked = true;
    }
    match (supported, checked) {
        (_, true) => Ok(()),
        (false, false) => Err(VerifyError::NoSupportedSignature(entity.to_owned())),
        (true, false) => Err(VerifyError::NoKnownKey(entity.to_owned())),
    }
}
