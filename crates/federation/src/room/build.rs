//! New events of this server: prev events, depth and the auth events the rules select.

use matrix_auth_rules::{CREATE, Event, PduError, PduEvent, auth_types_for_event};
use matrix_event_format::JsonObject;
use matrix_event_format::canonical_json::MAX_SAFE_INTEGER;
use matrix_event_format::room_version::{EventIdFormat, RoomIdFormat};
use serde_json::{Value, json};

use super::Room;

/// The most prev events a new event lists (as Synapse does).
const MAX_PREV_EVENTS: usize = 10;

/// Why a new event cannot be built.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The room has no history to continue (no forward extremity).
    #[error("the room has no forward extremity to follow")]
    NoExtremities,
    /// Room versions 1 and 2 need an event ID chosen by the server, which this does not make.
    #[error("events of room versions with server-assigned event IDs are not built here")]
    ServerAssignedEventIds,
    /// The fields given do not make an event.
    #[error("not an event: {0}")]
    Event(#[from] PduError),
}

impl Room {
    /// An unsigned event of `sender` that continues the room's history: the forward
    /// extremities as prev events (the deepest ten), a depth one more than theirs, and as auth
    /// events the current state's events for the auth events selection of the rules (in room
    /// version 12 without the create event, which the room ID implies). Rejected and
    /// soft-failed events are never among them. Sign it with
    /// [`ServerIdentity::sign_event`](crate::ServerIdentity::sign_event), then
    /// [`receive`](Self::receive) it like any other event.
    pub fn new_event(
        &self,
        sender: &str,
        event_type: &str,
        state_key: Option<&str>,
        content: JsonObject,
        origin_server_ts: u64,
    ) -> Result<JsonObject, BuildError> {
        if self.version.event_id_format == EventIdFormat::ServerAssigned {
            return Err(BuildError::ServerAssignedEventIds);
        }
        let mut prevs: Vec<(&str, i64)> = self
            .extremities
            .iter()
            .filter_map(|id| Some((id.as_str(), self.events.get(id)?.event.depth())))
            .collect();
        if prevs.is_empty() {
            return Err(BuildError::NoExtremities);
        }
        prevs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        prevs.truncate(MAX_PREV_EVENTS);
        let depth = prevs
            .iter()
            .map(|(_, depth)| *depth)
            .max()
            .unwrap_or(0)
            .saturating_add(1)
            .min(MAX_SAFE_INTEGER);
        let mut draft = json!({
            "room_id": self.room_id,
            "sender": sender,
            "type": event_type,
            "content": content,
            "origin_server_ts": origin_server_ts,
            "depth": depth,
            "prev_events": prevs.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            "auth_events": [],
        });
        if let (Some(state_key), Value::Object(fields)) = (state_key, &mut draft) {
            fields.insert("state_key".into(), Value::String(state_key.to_owned()));
        }
        let Value::Object(mut pdu) = draft else {
            return Ok(JsonObject::new());
        };
        let probe = PduEvent::with_event_id(pdu.clone(), self.version, "$draft".into())?;
        let implied_create = self.version.room_id_format == RoomIdFormat::CreateEventHash;
        let auth_events: Vec<Value> = auth_types_for_event(self.version, &probe)
            .iter()
            .filter(|(event_type, _)| !(implied_create && *event_type == CREATE))
            .filter_map(|(event_type, state_key)| {
                self.current
                    .get(&(event_type.to_owned(), state_key.to_owned()))
                    .cloned()
                    .map(Value::String)
            })
            .collect();
        pdu.insert("auth_events".into(), Value::Array(auth_events));
        Ok(pdu)
    }
}
