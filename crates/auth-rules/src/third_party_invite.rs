//! Rule for invites with `content.third_party_invite`: the `signed` block must be signed with a
//! public key of the matching `m.room.third_party_invite` event.

use matrix_event_format::canonical_json::{self, CanonicalJsonRules};
use matrix_event_format::keys::VerifyKey;
use matrix_event_format::{JsonObject, base64};
use serde_json::Value;

use crate::auth_types::AuthKey;
use crate::event::Event;
use crate::rejection::Rejection;
use crate::state::AuthState;

/// Whether the invite `event` is authorised by a third-party invite in `state`. `Ok(false)` for
/// every failed condition; an error for public keys that are not base64 of 32 bytes.
pub(crate) fn verify<E: Event + ?Sized, S: AuthState + ?Sized>(
    event: &E,
    state: &S,
) -> Result<bool, Rejection> {
    let Some(Value::Object(invite)) = event.content().get("third_party_invite") else {
        return Ok(false);
    };
    let Some(Value::Object(signed)) = invite.get("signed") else {
        return Ok(false);
    };
    if !["mxid", "token", "signatures"]
        .iter()
        .all(|key| signed.contains_key(*key))
    {
        return Ok(false);
    }
    let Some(token) = signed.get("token").and_then(Value::as_str) else {
        return Ok(false);
    };
    let Some(invite_event) = state.get_key(AuthKey::ThirdPartyInvite(token)) else {
        return Ok(false);
    };
    if invite_event.sender() != event.sender() {
        return Ok(false);
    }
    if signed.get("mxid").and_then(Value::as_str) != event.state_key() {
        return Ok(false);
    }
    let public_keys = public_keys(invite_event.content())?;
    let Some(Value::Object(signatures)) = signed.get("signatures") else {
        return Err(Rejection::InvalidThirdPartyInvite);
    };
    // Each public key is tried with the first (server, ed25519 key) in sorted order.
    let mut candidates = Vec::new();
    for (server, block) in signatures {
        let Value::Object(block) = block else {
            return Err(Rejection::InvalidThirdPartyInvite);
        };
        for key_id in block.keys() {
            if key_id.starts_with("ed25519:") {
                candidates.push((server.as_str(), key_id.as_str()));
            }
        }
    }
    candidates.sort_unstable();
    let Some(&(server, key_id)) = candidates.first() else {
        return Ok(false);
    };
    let message = signed_message(signed)?;
    for public_key in public_keys {
        let key_bytes = public_key
            .as_str()
            .and_then(decode_base64)
            .ok_or(Rejection::InvalidThirdPartyInvite)?;
        let key_bytes: [u8; 32] = key_bytes
            .try_into()
            .map_err(|_| Rejection::InvalidThirdPartyInvite)?;
        let Ok(key) = VerifyKey::from_bytes(&key_bytes) else {
            continue;
        };
        let signature = signatures
            .get(server)
            .and_then(|block| block.get(key_id))
            .and_then(Value::as_str)
            .and_then(decode_base64)
            .and_then(|bytes| <[u8; 64]>::try_from(bytes).ok());
        if let Some(signature) = signature {
            if key.verify(&message, &signature).is_ok() {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// The canonical JSON of `signed` without `signatures` and `unsigned`.
fn signed_message(signed: &JsonObject) -> Result<Vec<u8>, Rejection> {
    let mut copy = signed.clone();
    copy.remove("signatures");
    copy.remove("unsigned");
    canonical_json::to_vec(&Value::Object(copy), CanonicalJsonRules::Standard)
        .map_err(|_| Rejection::InvalidThirdPartyInvite)
}

/// `content.public_key`, then each `public_key` of `content.public_keys` (values unchecked).
fn public_keys(content: &JsonObject) -> Result<Vec<&Value>, Rejection> {
    let mut keys = Vec::new();
    if let Some(key) = content.get("public_key") {
        keys.push(key);
    }
    match content.get("public_keys") {
        None => {}
        Some(Value::Array(items)) => {
            for item in items {
                let key = item
                    .get("public_key")
                    .filter(|_| item.is_object())
                    .ok_or(Rejection::InvalidThirdPartyInvite)?;
                keys.push(key);
            }
        }
        Some(_) => return Err(Rejection::InvalidThirdPartyInvite),
    }
    Ok(keys)
}

/// Unpadded (or padded) standard or URL-safe base64.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let trimmed = text.trim_end_matches('=');
    base64::decode(trimmed)
        .or_else(|_| base64::decode_url_safe(trimmed))
        .ok()
}
