//! [`PduEvent`]: the ready [`Event`] implementation over a PDU in its JSON form.

use matrix_event_format::room_version::RoomIdFormat;
use matrix_event_format::{EventError, JsonObject, RoomVersion, event_id};
use serde_json::Value;

use crate::event::{Event, join_authoriser_of, membership_of};
use crate::identifiers::domain_of;
use crate::names::POWER_LEVELS;
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
///
/// The fields are in a fixed order (`repr(C)`), those state resolution reads for most events
/// first: the room version, the strings, the timestamp, the rejection and the parsed power
/// levels. Read together, they share cache lines (with the key, where a map holds the event by
/// ID); in the order the compiler chose, the timestamp and the rejection sat a line away.
#[derive(Clone, Debug, PartialEq)]
#[repr(C)]
pub struct PduEvent {
    version: &'static RoomVersion,
    /// The strings the rules and state resolution read, side by side in one buffer.
    strings: Strings,
    origin_server_ts: i64,
    rejected: bool,
    /// For `m.room.power_levels` (state key `""`): the content, parsed once.
    power_levels: Option<Box<ParsedPowerLevels>>,
    depth: i64,
    /// The PDU without `content`, which is kept apart for direct access.
    pdu: JsonObject,
    content: JsonObject,
}

/// The parts of [`Strings`] before the references.
const EVENT_ID: usize = 0;
const ROOM_ID: usize = 1;
const EVENT_TYPE: usize = 2;
const STATE_KEY: usize = 3;
const SENDER: usize = 4;
/// `content.membership` if it is a string (the rules and state resolution ask for it often).
const MEMBERSHIP: usize = 5;
const REDACTS: usize = 6;
/// `content.join_authorised_via_users_server` if it is a string (read for every join).
const JOIN_AUTHORISER: usize = 7;
const REFERENCES: usize = 8;

/// Strings in one buffer: the parts above (absent ones marked in `present`), then the
/// `auth_events` and `prev_events`, each written as its length (one `char`, see [`length`])
/// and the ID. Walking an auth DAG reads an event's type, state key and auth events together:
/// in one allocation they cost one or two cache misses instead of one each. The previous
/// events come last, as the walk never reads them.
#[derive(Clone, Debug, PartialEq)]
struct Strings {
    text: Box<str>,
    /// Part `i` is `text[bounds[i]..bounds[i + 1]]`; the references start at `bounds[REFERENCES]`.
    bounds: [u32; REFERENCES + 1],
    /// Bit `i`: whether optional part `i` is present.
    present: u8,
    auth_count: u32,
    /// Where the sender's domain starts in `text`; `NO_DOMAIN` if the sender has no `:`.
    sender_domain: u32,
}

const NO_DOMAIN: u32 = u32::MAX;

impl Strings {
    fn new(fixed: [Option<&str>; REFERENCES], prev: &[&str], auth: &[&str]) -> Self {
        let fixed_len: usize = fixed.iter().flatten().map(|part| part.len()).sum();
        let references_len: usize = prev
            .iter()
            .chain(auth)
            .map(|id| length::encode(id.len()).len_utf8() + id.len())
            .sum();
        // Exactly the final length, so that `into_boxed_str` does not reallocate.
        let mut text = String::with_capacity(fixed_len + references_len);
        let mut bounds = [0u32; REFERENCES + 1];
        for (i, part) in fixed.iter().enumerate() {
            text.push_str(part.unwrap_or_default());
            bounds[i + 1] = text.len() as u32;
        }
        for id in auth.iter().chain(prev) {
            text.push(length::encode(id.len()));
            text.push_str(id);
        }
        let present = fixed.iter().enumerate().fold(0u8, |bits, (i, part)| {
            bits | (u8::from(part.is_some()) << i)
        });
        let sender_end = bounds[SENDER + 1];
        let sender_domain = fixed[SENDER]
            .and_then(domain_of)
            .map_or(NO_DOMAIN, |domain| sender_end - domain.len() as u32);
        Strings {
            text: text.into_boxed_str(),
            bounds,
            present,
            auth_count: auth.len() as u32,
            sender_domain,
        }
    }

    #[inline]
    fn part(&self, index: usize) -> &str {
        let (start, end) = (self.bounds[index] as usize, self.bounds[index + 1] as usize);
        self.text.get(start..end).unwrap_or_default()
    }

    #[inline]
    fn optional(&self, index: usize) -> Option<&str> {
        (self.present & (1 << index) != 0).then(|| self.part(index))
    }

    /// All references: the `auth_events`, then the `prev_events`.
    #[inline]
    fn references(&self) -> References<'_> {
        References {
            rest: self
                .text
                .get(self.bounds[REFERENCES] as usize..)
                .unwrap_or_default(),
        }
    }

    #[inline]
    fn prev(&self) -> impl Iterator<Item = &str> {
        self.references().skip(self.auth_count as usize)
    }

    #[inline]
    fn auth(&self) -> impl Iterator<Item = &str> {
        self.references().take(self.auth_count as usize)
    }
}

/// Reads length-prefixed IDs one after the other.
struct References<'s> {
    rest: &'s str,
}

impl<'s> Iterator for References<'s> {
    type Item = &'s str;

    #[inline]
    fn next(&mut self) -> Option<&'s str> {
        let prefix = self.rest.chars().next()?;
        let rest = &self.rest[prefix.len_utf8()..];
        let length = length::decode(prefix);
        let id = rest.get(..length)?;
        self.rest = rest.get(length..).unwrap_or_default();
        Some(id)
    }
}

/// A length as one `char`: the code point itself, skipping the surrogates (which are not
/// `char`s). PDUs are limited to 65,536 bytes, far below the 1,112,063 lengths this can hold.
mod length {
    const SURROGATES: u32 = 0x800;
    /// The longest length a `char` holds.
    pub const MAX: usize = 0x10_F7FF;

    pub fn encode(length: usize) -> char {
        let length = u32::try_from(length).unwrap_or(u32::MAX);
        let point = if length < 0xD800 {
            length
        } else {
            length.saturating_add(SURROGATES)
        };
        char::from_u32(point).unwrap_or(char::MAX)
    }

    pub fn decode(prefix: char) -> usize {
        let point = u32::from(prefix);
        (if point < 0xD800 {
            point
        } else {
            point - SURROGATES
        }) as usize
    }

    #[cfg(test)]
    #[test]
    fn lengths_round_trip() {
        for length in [0, 44, 127, 128, 0xD7FF, 0xD800, 0xFFFF, 70_000, MAX] {
            assert_eq!(decode(encode(length)), length);
        }
    }
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
        let members = Members::of(&pdu);
        let event_type = string(members.event_type, "type")?;
        let sender = string(members.sender, "sender")?;
        let content = match members.content {
            Some(Value::Object(content)) => content,
            Some(_) => return Err(invalid("content", "an object")),
            None => return Err(PduError::MissingField("content")),
        };
        let state_key = match members.state_key {
            None => None,
            Some(Value::String(key)) => Some(key.as_str()),
            Some(_) => return Err(invalid("state_key", "a string")),
        };
        let is_create = event_type == "m.room.create" && state_key == Some("");
        let room_id = match (members.room_id, version.room_id_format) {
            (Some(_), RoomIdFormat::CreateEventHash) if is_create => {
                return Err(PduError::CreateWithRoomId);
            }
            (None, RoomIdFormat::CreateEventHash) if is_create => None,
            (Some(Value::String(room)), _) => Some(room.as_str()),
            (Some(_), _) => return Err(invalid("room_id", "a string")),
            (None, _) => return Err(PduError::MissingField("room_id")),
        };
        let prev_events = references(members.prev_events, "prev_events")?;
        let auth_events = references(members.auth_events, "auth_events")?;
        for (field, ids) in [("prev_events", &prev_events), ("auth_events", &auth_events)] {
            if ids.iter().any(|id| id.len() > length::MAX) {
                return Err(invalid(field, "event IDs of at most 1,112,063 bytes"));
            }
        }
        let origin_server_ts = integer(members.origin_server_ts, "origin_server_ts")?;
        let depth = integer(members.depth, "depth")?;
        let redacts_field = if version.redacts_in_content {
            content.get("redacts")
        } else {
            members.redacts
        };
        let redacts = redacts_field.and_then(Value::as_str);
        let power_levels = (event_type == POWER_LEVELS && state_key == Some(""))
            .then(|| Box::new(ParsedPowerLevels::parse(content)));
        let strings = Strings::new(
            [
                Some(&event_id),
                room_id,
                Some(event_type),
                state_key,
                Some(sender),
                membership_of(content),
                redacts,
                join_authoriser_of(content),
            ],
            &prev_events,
            &auth_events,
        );
        let content = match pdu.remove("content") {
            Some(Value::Object(content)) => content,
            _ => JsonObject::new(),
        };
        Ok(PduEvent {
            power_levels,
            pdu,
            content,
            version,
            strings,
            origin_server_ts,
            depth,
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
    #[inline]
    fn event_id(&self) -> &str {
        self.strings.part(EVENT_ID)
    }
    #[inline]
    fn room_id(&self) -> Option<&str> {
        self.strings.optional(ROOM_ID)
    }
    #[inline]
    fn event_type(&self) -> &str {
        self.strings.part(EVENT_TYPE)
    }
    #[inline]
    fn state_key(&self) -> Option<&str> {
        self.strings.optional(STATE_KEY)
    }
    #[inline]
    fn sender(&self) -> &str {
        self.strings.part(SENDER)
    }
    #[inline]
    fn sender_domain(&self) -> Option<&str> {
        let start = self.strings.sender_domain;
        let end = self.strings.bounds[SENDER + 1];
        (start != NO_DOMAIN)
            .then(|| self.strings.text.get(start as usize..end as usize))
            .flatten()
    }
    #[inline]
    fn content(&self) -> &JsonObject {
        &self.content
    }
    #[inline]
    fn prev_event_ids(&self) -> impl Iterator<Item = &str> {
        self.strings.prev()
    }
    #[inline]
    fn auth_event_ids(&self) -> impl Iterator<Item = &str> {
        self.strings.auth()
    }
    /// The strings up to the fourth auth reference (few events have more): what walking the auth
    /// DAG and the auth events selection read.
    #[inline]
    fn prefetch(&self) {
        // Four references of room versions 3 and up: a one-byte length and a 44-byte ID.
        const AUTH_REFERENCES: usize = 4 * (1 + 44);
        let text = self.strings.text.as_bytes();
        let end = text
            .len()
            .min(self.strings.bounds[REFERENCES] as usize + AUTH_REFERENCES);
        for offset in (0..end).step_by(64) {
            crate::prefetch::line(text.as_ptr().wrapping_add(offset));
        }
    }
    #[inline]
    fn origin_server_ts(&self) -> i64 {
        self.origin_server_ts
    }
    #[inline]
    fn depth(&self) -> i64 {
        self.depth
    }
    #[inline]
    fn redacts(&self) -> Option<&str> {
        self.strings.optional(REDACTS)
    }
    #[inline]
    fn rejected(&self) -> bool {
        self.rejected
    }
    #[inline]
    fn membership(&self) -> Option<&str> {
        self.strings.optional(MEMBERSHIP)
    }
    #[inline]
    fn join_authorised_via_users_server(&self) -> Option<&str> {
        self.strings.optional(JOIN_AUTHORISER)
    }
    #[inline]
    fn parsed_power_levels(&self) -> Option<&ParsedPowerLevels> {
        self.power_levels.as_deref()
    }
}

fn invalid(field: &'static str, expected: &'static str) -> PduError {
    PduError::InvalidField { field, expected }
}

/// The members [`PduEvent::with_event_id`] reads, found in one pass rather than a lookup each.
#[derive(Default)]
struct Members<'a> {
    event_type: Option<&'a Value>,
    sender: Option<&'a Value>,
    content: Option<&'a Value>,
    state_key: Option<&'a Value>,
    room_id: Option<&'a Value>,
    prev_events: Option<&'a Value>,
    auth_events: Option<&'a Value>,
    origin_server_ts: Option<&'a Value>,
    depth: Option<&'a Value>,
    redacts: Option<&'a Value>,
}

impl<'a> Members<'a> {
    fn of(pdu: &'a JsonObject) -> Self {
        let mut members = Members::default();
        for (key, value) in pdu {
            let slot = match key.as_str() {
                "type" => &mut members.event_type,
                "sender" => &mut members.sender,
                "content" => &mut members.content,
                "state_key" => &mut members.state_key,
                "room_id" => &mut members.room_id,
                "prev_events" => &mut members.prev_events,
                "auth_events" => &mut members.auth_events,
                "origin_server_ts" => &mut members.origin_server_ts,
                "depth" => &mut members.depth,
                "redacts" => &mut members.redacts,
                _ => continue,
            };
            *slot = Some(value);
        }
        members
    }
}

fn string<'a>(value: Option<&'a Value>, field: &'static str) -> Result<&'a str, PduError> {
    match value {
        Some(Value::String(value)) => Ok(value),
        Some(_) => Err(invalid(field, "a string")),
        None => Err(PduError::MissingField(field)),
    }
}

fn integer(value: Option<&Value>, field: &'static str) -> Result<i64, PduError> {
    match value {
        Some(value) => value.as_i64().ok_or(invalid(field, "a 64-bit integer")),
        None => Err(PduError::MissingField(field)),
    }
}

/// `prev_events` / `auth_events`: event IDs, or `[event_id, {hashes}]` pairs (room versions 1
/// and 2).
fn references<'p>(value: Option<&'p Value>, field: &'static str) -> Result<Vec<&'p str>, PduError> {
    let Some(Value::Array(items)) = value else {
        return match value {
            None => Err(PduError::MissingField(field)),
            Some(_) => Err(invalid(field, "an array")),
        };
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(id) => Ok(id.as_str()),
            Value::Array(pair) => match pair.first() {
                Some(Value::String(id)) => Ok(id.as_str()),
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn packed_strings_give_back_every_field() {
        let pdu = json!({
            "type": "m.room.member", "state_key": "@b:x.org", "sender": "@a:x.org",
            "room_id": "!r:x.org",
            "content": {"membership": "ban", "join_authorised_via_users_server": "@c:y.org"},
            "prev_events": [["$p:1:2", {}], "$é:ü"], "auth_events": ["", "$12:34", "$ok:x"],
            "depth": 3, "origin_server_ts": 4, "redacts": "$gone:x.org",
        });
        let Value::Object(pdu) = pdu else {
            unreachable!()
        };
        let event =
            PduEvent::with_event_id(pdu, RoomVersion::V2, "$e:x.org".into()).expect("a valid PDU");
        assert_eq!(event.event_id(), "$e:x.org");
        assert_eq!(event.room_id(), Some("!r:x.org"));
        assert_eq!(event.event_type(), "m.room.member");
        assert_eq!(event.state_key(), Some("@b:x.org"));
        assert_eq!(event.sender(), "@a:x.org");
        assert_eq!(event.membership(), Some("ban"));
        assert_eq!(event.redacts(), Some("$gone:x.org"));
        assert_eq!(event.join_authorised_via_users_server(), Some("@c:y.org"));
        let prev: Vec<&str> = event.prev_event_ids().collect();
        assert_eq!(prev, ["$p:1:2", "$é:ü"]);
        let auth: Vec<&str> = event.auth_event_ids().collect();
        assert_eq!(auth, ["", "$12:34", "$ok:x"]);
    }

    #[test]
    fn absent_fields_stay_absent() {
        let pdu = json!({
            "type": "m.room.message", "sender": "@a:x.org", "room_id": "!r:x.org",
            "content": {"membership": 5}, "prev_events": [], "auth_events": [],
            "depth": 1, "origin_server_ts": 1,
        });
        let Value::Object(pdu) = pdu else {
            unreachable!()
        };
        let event = PduEvent::with_event_id(pdu, RoomVersion::V10, "$m".into()).expect("valid");
        assert_eq!(event.state_key(), None);
        assert_eq!(event.membership(), None);
        assert_eq!(event.redacts(), None);
        assert_eq!(event.join_authorised_via_users_server(), None);
        assert_eq!(event.prev_event_ids().count(), 0);
        assert_eq!(event.auth_event_ids().count(), 0);
    }

    #[test]
    fn the_kept_sender_domain_is_what_the_sender_gives() {
        for sender in [
            "@a:x.org",
            "@a:x.org:8448",
            "@a:",
            "@a",
            "",
            "@é:ü",
            "@a:b:c",
        ] {
            let Value::Object(pdu) = json!({
                "type": "m.room.message", "sender": sender, "room_id": "!r:x.org",
                "content": {}, "prev_events": [], "auth_events": [],
                "depth": 1, "origin_server_ts": 1,
            }) else {
                unreachable!()
            };
            let event = PduEvent::with_event_id(pdu, RoomVersion::V10, "$m".into()).expect("valid");
            assert_eq!(event.sender_domain(), domain_of(sender), "{sender:?}");
        }
    }
}
