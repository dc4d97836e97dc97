//! Reading power levels from `m.room.power_levels` content and the create event, with the
//! reference implementation's defaults and its Python `int()` conversion of values.

use matrix_event_format::JsonObject;
use matrix_event_format::room_version::{CreatorRule, RoomVersion};
use serde_json::Value;

use crate::event::Event;
use crate::python_int::python_int;
use crate::rejection::{MalformedPowerLevels, Rejection};

/// The power level of a room creator in room version 12 ("infinitely high"): 2**53, above any
/// integer canonical JSON allows, as in the reference implementation.
pub const CREATOR_POWER_LEVEL: i128 = 1 << 53;

/// A JSON value as a power level (Python's `int()`: integers, booleans, floats truncated, and
/// integer strings with whitespace, sign and `_`); `None` if it is not one.
pub fn int_value(value: &Value) -> Option<i128> {
    python_int(value).ok()
}

fn int_field(value: &Value, field: impl FnOnce() -> String) -> Result<i128, Rejection> {
    python_int(value).map_err(|_| MalformedPowerLevels::NotAnInteger(field()).into())
}

/// Whether `user` is a creator of the room: the create event's sender and, in room version 12,
/// `content.additional_creators`.
pub fn is_creator<E: Event + ?Sized>(
    version: &RoomVersion,
    create: &E,
    user: &str,
) -> Result<bool, Rejection> {
    if create.sender() == user {
        return Ok(true);
    }
    if version.creator != CreatorRule::SenderAndAdditionalCreators {
        return Ok(false);
    }
    // The reference implementation builds a Python set from the value.
    match create.content().get("additional_creators") {
        None => Ok(false),
        Some(Value::Array(items)) => {
            if items.iter().any(|item| item.is_array() || item.is_object()) {
                return Err(Rejection::MalformedCreateContent("additional_creators"));
            }
            Ok(items.iter().any(|item| item.as_str() == Some(user)))
        }
        Some(Value::Object(map)) => Ok(map.contains_key(user)),
        Some(Value::String(text)) => Ok(user.chars().count() == 1 && text.contains(user)),
        Some(_) => Err(Rejection::MalformedCreateContent("additional_creators")),
    }
}

/// The nested object `content[field]`, or `None` if absent; an error if present and not an
/// object.
fn nested<'a>(content: &'a JsonObject, field: &str) -> Result<Option<&'a JsonObject>, Rejection> {
    match content.get(field) {
        None => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(_) => Err(MalformedPowerLevels::NotAnObject(field.to_owned()).into()),
    }
}

/// The power levels in force for one check: the create event and the current power levels
/// content (if any).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Levels<'a, E: Event + ?Sized> {
    pub version: &'a RoomVersion,
    pub create: &'a E,
    pub power_levels: Option<&'a JsonObject>,
    /// `users` of the power levels (looked up once); `Err` if it is not an object.
    users: Result<Option<&'a JsonObject>, ()>,
}

impl<'a, E: Event + ?Sized> Levels<'a, E> {
    pub fn new(
        version: &'a RoomVersion,
        create: &'a E,
        power_levels: Option<&'a JsonObject>,
    ) -> Self {
        let users = match power_levels.and_then(|content| content.get("users")) {
            None => Ok(None),
            Some(Value::Object(users)) => Ok(Some(users)),
            Some(_) => Err(()),
        };
        Levels {
            version,
            create,
            power_levels,
            users,
        }
    }

    /// A user's power level: creators' in v12, `users`, `users_default`; without a power levels
    /// event, 100 for the creator and 0 for everyone else.
    pub fn user(&self, user: &str) -> Result<i128, Rejection> {
        if self.version.creator == CreatorRule::SenderAndAdditionalCreators
            && is_creator(self.version, self.create, user)?
        {
            return Ok(CREATOR_POWER_LEVEL);
        }
        let Some(content) = self.power_levels else {
            let creator = match self.version.creator {
                CreatorRule::ContentCreator => self
                    .create
                    .content()
                    .get("creator")
                    .ok_or(Rejection::MalformedCreateContent("no creator"))?
                    .as_str(),
                CreatorRule::Sender | CreatorRule::SenderAndAdditionalCreators => {
                    Some(self.create.sender())
                }
            };
            return Ok(if creator == Some(user) { 100 } else { 0 });
        };
        let listed = match self.users {
            Ok(users) => users.and_then(|users| users.get(user)),
            Err(()) => return Err(MalformedPowerLevels::NotAnObject("users".into()).into()),
        };
        let level = match listed {
            Some(value) if !value.is_null() => value,
            _ => match content.get("users_default") {
                None | Some(Value::Null) => return Ok(0),
                Some(value) => value,
            },
        };
        int_field(level, || format!("users.{user}"))
    }

    /// A named level (`invite`, `ban`, `kick`, `redact`, …) or its default.
    pub fn named(&self, name: &str, default: i128) -> Result<i128, Rejection> {
        match self.power_levels.and_then(|content| content.get(name)) {
            None | Some(Value::Null) => Ok(default),
            Some(value) => int_field(value, || name.to_owned()),
        }
    }

    /// The level required to send an event of this type: `events`, else `state_default` (50)
    /// or `events_default` (0).
    pub fn send(&self, event_type: &str, is_state: bool) -> Result<i128, Rejection> {
        let Some(content) = self.power_levels else {
            return Ok(if is_state { 50 } else { 0 });
        };
        if let Some(value) = nested(content, "events")?.and_then(|events| events.get(event_type)) {
            if !value.is_null() {
                return int_field(value, || format!("events.{event_type}"));
            }
        }
        let (name, default) = if is_state {
            ("state_default", 50)
        } else {
            ("events_default", 0)
        };
        match content.get(name) {
            None => Ok(default),
            Some(value) => int_field(value, || name.to_owned()),
        }
    }
}
