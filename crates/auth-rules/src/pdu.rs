//! [`PduEvent`]: the ready [`Event`] implementation over a PDU in its JSON form.

use matrix_event_format::room_version::RoomIdFormat;
use matrix_event_format::{EventError, JsonObject, RoomVersion, event_id};
use serde_json::Value;

use crate::auth_types::POWER_LEVELS;
use crate::event::{Event, membership_of};
use crate::parsed_levels::ParsedPowerLevels;

/// Why a JSON object is not a usable PDU.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PduError {
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    #[error("field `{field}` is not {expected}")]
    InvalidField {
        field: &'static str,
        expected: &'static str,
    },
    #[error("a room version 12 create event must not have a `room_id`")]
    CreateWithRoomId,
    #[error("cannot compute the event ID: {0}")]
    EventId(#[from] EventError),
}

/// A PDU with its fields checked and its event ID computed once (the reference hash for room
/// versions 3 and up). Keeps the JSON object; [`to_pdu`](Self::to_pdu) and
/// [`into_pdu`](Self::into_pdu) give it back.
#[derive(Clone, Debug, PartialEq)]
pub struct PduEvent {
    /// The PDU without `content`, which is kept apart for direct access.
    pdu: JsonObject,
    content: JsonObject,
    version: &'static RoomVersion,
    event_id: String,
    room_id: Option<String>,
    event_type: String,
    state_key: Option<String>,
    sender: String,
    prev_events: Vec<String>,
    auth_events: Vec<String>,
    origin_server_ts: i64,
    depth: i64,
    redacts: Option<String>,
    rejected: bool,
    /// For `m.room.power_levels` (state key `""`): the content, parsed once.
    power_levels: Option<Box<ParsedPowerLevels>>,
    /// `content.membership` if it is a string, read once (the rules and state resolution ask
    /// for it many times).
    membership: Option<String>,
}

impl PduEvent {
    /// Checks the fields of `pdu` and computes its event ID under `version`.
    pub fn new(pdu: JsonObject, version: &'static RoomVersion) -> Result<Self, PduError> {
        let id = event_id(&pdu, version)?;
        Self::with_event_id(pdu, version, id)
    }

    /// Like [`new`](Self::new), with an event ID the caller already knows (from its storage);
    /// it is not recomputed.
    pub fn with_event_id(
        mut pdu: JsonObject,
        version: &'static RoomVersion,
        event_id: String,
    ) -> Result<Self, PduError> {
        let event_type = string(&pdu, "type")?.to_owned();
        let sender = string(&pdu, "sender")?.to_owned();
        match pdu.get("content") {
            Some(Value::Object(_)) => {}
            Some(_) => return Err(invalid("content", "an object")),
            None => return Err(PduError::MissingField("content")),
        }
        let state_key = match pdu.get("state_key") {
            None => None,
            Some(Value::String(key)) => Some(key.clone()),
            Some(_) => return Err(invalid("state_key", "a string")),
        };
        let is_create = event_type == "m.room.create" && state_key.as_deref() == Some("");
        let room_id = match (pdu.get("room_id"), version.room_id_format) {
            (Some(_), RoomIdFormat::CreateEventHash) if is_create => {
                return Err(PduError::CreateWithRoomId);
            }
            (None, RoomIdFormat::CreateEventHash) if is_create => None,
            (Some(Value::String(room)), _) => Some(room.clone()),
            (Some(_), _) => return Err(invalid("room_id", "a string")),
            (None, _) => return Err(PduError::MissingField("room_id")),
        };
        let prev_events = references(&pdu, "prev_events")?;
        let auth_events = references(&pdu, "auth_events")?;
        let origin_server_ts = integer(&pdu, "origin_server_ts")?;
        let depth = integer(&pdu, "depth")?;
        let redacts_field = if version.redacts_in_content {
            pdu.get("content")
                .and_then(|content| content.get("redacts"))
        } else {
            pdu.get("redacts")
        };
        let redacts = redacts_field.and_then(Value::as_str).map(str::to_owned);
        let content = match pdu.remove("content") {
            Some(Value::Object(content)) => content,
            _ => JsonObject::new(),
        };
        let power_levels = (event_type == POWER_LEVELS && state_key.as_deref() == Some(""))
            .then(|| Box::new(ParsedPowerLevels::parse(&content)));
        let membership = membership_of(&content).map(str::to_owned);
        Ok(PduEvent {
            power_levels,
            membership,
            pdu,
            content,
            version,
            event_id,
            room_id,
            event_type,
            state_key,
            sender,
            prev_events,
            auth_events,
            origin_server_ts,
            depth,
            redacts,
            rejected: false,
        })
    }

    /// Marks the event as rejected (or not).
    pub fn set_rejected(&mut self, rejected: bool) {
        self.rejected = rejected;
    }

    /// The event, marked as rejected (or not).
    pub fn with_rejected(mut self, rejected: bool) -> Self {
        self.rejected = rejected;
        self
    }

    /// The PDU as given (a copy).
    pub fn to_pdu(&self) -> JsonObject {
        let mut pdu = self.pdu.clone();
        pdu.insert("content".into(), Value::Object(self.content.clone()));
        pdu
    }

    /// The PDU as given, consuming the event.
    pub fn into_pdu(mut self) -> JsonObject {
        self.pdu
            .insert("content".into(), Value::Object(self.content));
        self.pdu
    }

    /// The room version the event was read under.
    pub fn room_version(&self) -> &'static RoomVersion {
        self.version
    }
}

impl Event for PduEvent {
    fn event_id(&self) -> &str {
        &self.event_id
    }
    fn room_id(&self) -> Option<&str> {
        self.room_id.as_deref()
    }
    fn event_type(&self) -> &str {
        &self.event_type
    }
    fn state_key(&self) -> Option<&str> {
        self.state_key.as_deref()
    }
    fn sender(&self) -> &str {
        &self.sender
    }
    fn content(&self) -> &JsonObject {
        &self.content
    }
    fn prev_event_ids(&self) -> impl Iterator<Item = &str> {
        self.prev_events.iter().map(String::as_str)
    }
    fn auth_event_ids(&self) -> impl Iterator<Item = &str> {
        self.auth_events.iter().map(String::as_str)
    }
    fn origin_server_ts(&self) -> i64 {
        self.origin_server_ts
    }
    fn depth(&self) -> i64 {
        self.depth
    }
    fn redacts(&self) -> Option<&str> {
        self.redacts.as_deref()
    }
    fn rejected(&self) -> bool {
        self.rejected
    }
    fn membership(&self) -> Option<&str> {
        self.membership.as_deref()
    }
    fn parsed_power_levels(&self) -> Option<&ParsedPowerLevels> {
        self.power_levels.as_deref()
    }
}

fn invalid(field: &'static str, expected: &'static str) -> PduError {
    PduError::InvalidField { field, expected }
}

fn string<'a>(pdu: &'a JsonObject, field: &'static str) -> Result<&'a str, PduError> {
    match pdu.get(field) {
        Some(Value::String(value)) => Ok(value),
        Some(_) => Err(invalid(field, "a string")),
        None => Err(PduError::MissingField(field)),
    }
}

fn integer(pdu: &JsonObject, field: &'static str) -> Result<i64, PduError> {
    match pdu.get(field) {
        Some(value) => value.as_i64().ok_or(invalid(field, "a 64-bit integer")),
        None => Err(PduError::MissingField(field)),
    }
}

/// `prev_events` / `auth_events`: event IDs, or `[event_id, {hashes}]` pairs (room versions 1
/// and 2).
fn references(pdu: &JsonObject, field: &'static str) -> Result<Vec<String>, PduError> {
    let Some(Value::Array(items)) = pdu.get(field) else {
        return match pdu.get(field) {
            None => Err(PduError::MissingField(field)),
            Some(_) => Err(invalid(field, "an array")),
        };
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(id) => Ok(id.clone()),
            Value::Array(pair) => match pair.first() {
                Some(Value::String(id)) => Ok(id.clone()),
                _ => Err(invalid(
                    field,
                    "an array of event IDs or [event ID, hashes] pairs",
                )),
            },
            _ => Err(invalid(
                field,
                "an array of event IDs or [event ID, hashes] pairs",
            )),
        })
        .collect()
}
