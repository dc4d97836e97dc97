//! Event IDs and room IDs as each room version defines them.

use crate::base64;
use crate::event::{EventError, required_str};
use crate::hashes::{SignedBytes, reference_hash};
use crate::identifiers::server_name_of;
use crate::json::JsonObject;
use crate::room_version::{EventIdFormat, RoomIdFormat, RoomVersion};

/// Longest event or room ID, in bytes.
pub const MAX_ID_LENGTH: usize = 255;

/// The ID of `pdu`: its `event_id` field in v1–v2 (checked to be `$opaque:server`), otherwise
/// `$` and its reference hash in the version's base64 alphabet.
pub fn event_id(pdu: &JsonObject, version: &RoomVersion) -> Result<String, EventError> {
    event_id_with(pdu, version, || reference_hash(pdu, version))
}

/// [`event_id`] with the event's [`SignedBytes`] already encoded (their hash is the reference
/// hash).
pub fn event_id_of_signed(
    pdu: &JsonObject,
    version: &RoomVersion,
    signed: &SignedBytes,
) -> Result<String, EventError> {
    event_id_with(pdu, version, || Ok(signed.reference_hash()))
}

fn event_id_with(
    pdu: &JsonObject,
    version: &RoomVersion,
    reference_hash: impl FnOnce() -> Result<[u8; 32], EventError>,
) -> Result<String, EventError> {
    let encode = match version.event_id_format {
        EventIdFormat::ServerAssigned => {
            let id = required_str(pdu, "event_id")?;
            let valid =
                id.len() <= MAX_ID_LENGTH && id.starts_with('$') && server_name_of(id).is_some();
            return if valid {
                Ok(id.to_owned())
            } else {
                Err(EventError::InvalidField {
                    field: "event_id",
                    expected: "an event ID `$opaque_id:server_name`",
                })
            };
        }
        EventIdFormat::ReferenceHashStandard => base64::append,
        EventIdFormat::ReferenceHashUrlSafe => base64::append_url_safe,
    };
    let hash = reference_hash()?;
    // `$` and 43 characters of unpadded base64, in one allocation.
    let mut id = String::with_capacity(44);
    id.push('$');
    encode(&mut id, &hash);
    Ok(id)
}

/// The room ID that an `m.room.create` event defines: in v12 its event ID with the sigil `!`
/// (the event must have no `room_id`), in earlier versions its `room_id` field.
pub fn room_id_from_create_event(
    create: &JsonObject,
    version: &RoomVersion,
) -> Result<String, EventError> {
    if required_str(create, "type")? != "m.room.create" {
        return Err(EventError::NotACreateEvent);
    }
    match version.room_id_format {
        RoomIdFormat::ServerAssigned => Ok(required_str(create, "room_id")?.to_owned()),
        RoomIdFormat::CreateEventHash => {
            if create.contains_key("room_id") {
                return Err(EventError::InvalidField {
                    field: "room_id",
                    expected: "absent from a v12 create event",
                });
            }
            let hash = reference_hash(create, version)?;
            Ok(format!("!{}", base64::encode_url_safe(hash)))
        }
    }
}

/// The room of any event: its `room_id`, or for a v12 create event the room ID it defines.
pub fn room_id(pdu: &JsonObject, version: &RoomVersion) -> Result<String, EventError> {
    let is_create = required_str(pdu, "type")? == "m.room.create";
    if is_create && version.room_id_format == RoomIdFormat::CreateEventHash {
        room_id_from_create_event(pdu, version)
    } else {
        Ok(required_str(pdu, "room_id")?.to_owned())
    }
}
