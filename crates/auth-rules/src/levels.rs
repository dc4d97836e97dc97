//! Reading power levels from `m.room.power_levels` content and the create event, with the
//! reference implementation's defaults and its Python `int()` conversion of values.

use std::borrow::Cow;

use matrix_event_format::room_version::{CreatorRule, RoomVersion};
use serde_json::Value;

use crate::event::Event;
use crate::parsed_levels::{Entry, Level, ParsedPowerLevels};
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
    is_additional_creator(create.content().get("additional_creators"), user)
}

/// Whether `user` is among a v12 create event's `additional_creators` (the field's value).
fn is_additional_creator(additional: Option<&Value>, user: &str) -> Result<bool, Rejection> {
    // The reference implementation builds a Python set from the value.
    match additional {
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

/// The power levels in force for one check: the create event and the current power levels
/// (parsed, or borrowed from an event that keeps them parsed).
#[derive(Clone, Debug)]
pub(crate) struct Levels<'a, E: Event + ?Sized> {
    pub version: &'a RoomVersion,
    pub create: &'a E,
    pub power_levels: Option<Parsed<'a>>,
    /// v12: the create event's `additional_creators`, looked up once per check.
    additional_creators: Option<&'a Value>,
}

/// Parsed power levels, borrowed from the event or parsed for this check. Boxed when parsed: a
/// `Levels` is built for every check, and moving the parsed content inline copied it each time.
#[derive(Clone, Debug)]
pub(crate) enum Parsed<'a> {
    Kept(&'a ParsedPowerLevels),
    Parsed(Box<ParsedPowerLevels>),
}

impl std::ops::Deref for Parsed<'_> {
    type Target = ParsedPowerLevels;
    fn deref(&self) -> &ParsedPowerLevels {
        match self {
            Parsed::Kept(levels) => levels,
            Parsed::Parsed(levels) => levels,
        }
    }
}

impl<'a> From<Cow<'a, ParsedPowerLevels>> for Parsed<'a> {
    fn from(levels: Cow<'a, ParsedPowerLevels>) -> Self {
        match levels {
            Cow::Borrowed(levels) => Parsed::Kept(levels),
            Cow::Owned(levels) => Parsed::Parsed(Box::new(levels)),
        }
    }
}

/// The parsed content of a power levels event.
pub(crate) fn parsed_of<E: Event + ?Sized>(event: &E) -> Cow<'_, ParsedPowerLevels> {
    ParsedPowerLevels::of(event)
}

fn read(entry: Entry, field: impl FnOnce() -> String) -> Result<i128, Rejection> {
    match entry.level {
        Level::Int(level) => Ok(level),
        Level::Null | Level::Invalid => Err(MalformedPowerLevels::NotAnInteger(field()).into()),
    }
}

impl<'a, E: Event + ?Sized> Levels<'a, E> {
    pub fn new<P: Event + ?Sized>(
        version: &'a RoomVersion,
        create: &'a E,
        power_levels: Option<&'a P>,
    ) -> Self {
        let additional_creators = match version.creator {
            CreatorRule::SenderAndAdditionalCreators => create.content().get("additional_creators"),
            CreatorRule::ContentCreator | CreatorRule::Sender => None,
        };
        Levels {
            version,
            create,
            power_levels: power_levels.map(|event| parsed_of(event).into()),
            additional_creators,
        }
    }

    /// A user's power level: creators' in v12, `users`, `users_default`; without a power levels
    /// event, 100 for the creator and 0 for everyone else.
    pub fn user(&self, user: &str) -> Result<i128, Rejection> {
        if self.version.creator == CreatorRule::SenderAndAdditionalCreators
            && (self.create.sender() == user
                || is_additional_creator(self.additional_creators, user)?)
        {
            return Ok(CREATOR_POWER_LEVEL);
        }
        let Some(levels) = &self.power_levels else {
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
        match levels.users.get("users", user)? {
            Some(entry) if entry.level != Level::Null => read(entry, || format!("users.{user}")),
            _ => match levels.named("users_default") {
                None => Ok(0),
                Some(entry) if entry.level == Level::Null => Ok(0),
                Some(entry) => read(entry, || "users_default".to_owned()),
            },
        }
    }

    /// Whether [`user`](Self::user) (for any user) and the `invite` and `ban` levels read
    /// without a rejection. Conservative: `false` whenever the create event lists
    /// `additional_creators` or the `users` fail the `lenient` check for any reason.
    pub fn membership_levels_readable(&self) -> bool {
        if self.additional_creators.is_some() {
            return false;
        }
        match &self.power_levels {
            Some(levels) => levels.membership_readable,
            None => {
                self.version.creator != CreatorRule::ContentCreator
                    || self.create.content().contains_key("creator")
            }
        }
    }

    /// A named level (`invite`, `ban`, `kick`, `redact`, …) or its default.
    pub fn named(&self, name: &str, default: i128) -> Result<i128, Rejection> {
        match self
            .power_levels
            .as_ref()
            .and_then(|levels| levels.named(name))
        {
            None => Ok(default),
            Some(entry) if entry.level == Level::Null => Ok(default),
            Some(entry) => read(entry, || name.to_owned()),
        }
    }

    /// The level required to send an event of this type: `events`, else `state_default` (50)
    /// or `events_default` (0).
    pub fn send(&self, event_type: &str, is_state: bool) -> Result<i128, Rejection> {
        let Some(levels) = &self.power_levels else {
            return Ok(if is_state { 50 } else { 0 });
        };
        if let Some(entry) = levels.events.get("events", event_type)? {
            if entry.level != Level::Null {
                return read(entry, || format!("events.{event_type}"));
            }
        }
        let (name, default) = if is_state {
            ("state_default", 50)
        } else {
            ("events_default", 0)
        };
        match levels.named(name) {
            None => Ok(default),
            // Present but `null`: the reference implementation fails on `int(None)`.
            Some(entry) => read(entry, || name.to_owned()),
        }
    }
}
