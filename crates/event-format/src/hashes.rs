//! Content hashes (of the whole event) and reference hashes (of the redacted event).

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::base64;
use crate::canonical_json;
use crate::event::EventError;
use crate::json::JsonObject;
use crate::redaction::{EncodedPdu, encode_signed_and_hashed, write_redacted};
use crate::room_version::RoomVersion;

/// Typical PDUs encode to under 2 KiB; one allocation of this size usually suffices.
const BUFFER_CAPACITY: usize = 2048;

/// SHA-256 of the canonical JSON of `pdu` without `unsigned`, `signatures` and `hashes`.
pub fn content_hash(pdu: &JsonObject, version: &RoomVersion) -> Result<[u8; 32], EventError> {
    let mut out = Vec::with_capacity(BUFFER_CAPACITY);
    canonical_json::object_without(
        &mut out,
        pdu,
        &["unsigned", "signatures", "hashes"],
        version.canonical_json,
    )?;
    Ok(Sha256::digest(&out).into())
}

/// SHA-256 of the canonical JSON of the redacted `pdu` without `signatures` and `unsigned`.
pub fn reference_hash(pdu: &JsonObject, version: &RoomVersion) -> Result<[u8; 32], EventError> {
    Ok(SignedBytes::of(pdu, version)?.reference_hash())
}

/// What an event's signatures cover: the canonical JSON of the redacted event without
/// `signatures` and `unsigned`. Its SHA-256 is the reference hash, so one encoding serves both
/// the event ID and the signature checks of a received event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedBytes(Vec<u8>);

impl SignedBytes {
    /// Encodes the redacted `pdu` under the rules of `version`.
    pub fn of(pdu: &JsonObject, version: &RoomVersion) -> Result<Self, EventError> {
        let mut out = Vec::with_capacity(BUFFER_CAPACITY);
        write_redacted(&mut out, pdu, version, &["signatures", "unsigned"])?;
        Ok(SignedBytes(out))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The reference hash of the event.
    pub fn reference_hash(&self) -> [u8; 32] {
        Sha256::digest(&self.0).into()
    }
}

/// An event's [`SignedBytes`] and its content hash, encoded in one pass (the members both cover
/// are encoded once); the content hash is `None` if members only it covers have no canonical
/// JSON (then [`check_content_hash`] fails).
pub fn signed_bytes_and_content_hash(
    pdu: &JsonObject,
    version: &RoomVersion,
) -> Result<(SignedBytes, Option<[u8; 32]>), EventError> {
    Ok(hash_encoded(encode_signed_and_hashed(pdu, version)?))
}

/// The signed bytes and the content hash of an event's encodings.
pub(crate) fn hash_encoded((signed, hashed): EncodedPdu) -> (SignedBytes, Option<[u8; 32]>) {
    let content_hash = hashed.map(|bytes| Sha256::digest(&bytes).into());
    (SignedBytes(signed), content_hash)
}

/// Computes the content hash and stores it as `hashes.sha256` (other hashes are kept).
pub fn add_content_hash(pdu: &mut JsonObject, version: &RoomVersion) -> Result<(), EventError> {
    let hash = base64::encode(content_hash(pdu, version)?);
    match pdu
        .entry("hashes")
        .or_insert_with(|| Value::Object(JsonObject::new()))
    {
        Value::Object(hashes) => {
            hashes.insert("sha256".to_owned(), Value::String(hash));
            Ok(())
        }
        _ => Err(EventError::InvalidField {
            field: "hashes",
            expected: "an object",
        }),
    }
}

/// Whether `hashes.sha256` matches the content hash; `false` means the event was redacted
/// (or tampered with) since it was hashed.
pub fn check_content_hash(pdu: &JsonObject, version: &RoomVersion) -> Result<bool, EventError> {
    Ok(claimed_content_hash(pdu)? == content_hash(pdu, version)?)
}

/// `hashes.sha256`, decoded.
pub(crate) fn claimed_content_hash(pdu: &JsonObject) -> Result<Vec<u8>, EventError> {
    let hashes = crate::event::required_object(pdu, "hashes")?;
    match hashes.get("sha256") {
        Some(Value::String(text)) => base64::decode(text).map_err(|_| EventError::InvalidField {
            field: "hashes",
            expected: "an object with a base64 `sha256`",
        }),
        Some(_) => Err(EventError::InvalidField {
            field: "hashes",
            expected: "an object with a string `sha256`",
        }),
        None => Err(EventError::MissingField("hashes.sha256")),
    }
}
