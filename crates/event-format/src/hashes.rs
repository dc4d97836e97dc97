//! Content hashes (of the whole event) and reference hashes (of the redacted event).

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::base64;
use crate::canonical_json;
use crate::event::EventError;
use crate::json::JsonObject;
use crate::redaction::write_redacted;
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
    let mut out = Vec::with_capacity(BUFFER_CAPACITY);
    write_redacted(&mut out, pdu, version, &["signatures", "unsigned"])?;
    Ok(Sha256::digest(&out).into())
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
    let hashes = crate::event::required_object(pdu, "hashes")?;
    let claimed = match hashes.get("sha256") {
        Some(Value::String(text)) => {
            base64::decode(text).map_err(|_| EventError::InvalidField {
                field: "hashes",
                expected: "an object with a base64 `sha256`",
            })?
        }
        Some(_) => {
            return Err(EventError::InvalidField {
                field: "hashes",
                expected: "an object with a string `sha256`",
            });
        }
        None => return Err(EventError::MissingField("hashes.sha256")),
    };
    Ok(claimed == content_hash(pdu, version)?)
}
