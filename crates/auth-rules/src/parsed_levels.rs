//! [`ParsedPowerLevels`]: an `m.room.power_levels` content read once into the form the rules
//! use, keeping every distinction they make (absent, `null`, a value Python's `int()` reads, a
//! value it cannot read, a JSON integer).

use matrix_event_format::JsonObject;
use serde_json::Value;

use crate::identifiers::looks_like_user_id;
use crate::python_int::python_int;
use crate::rejection::MalformedPowerLevels;

/// The top-level levels, in the order the rules check them.
pub(crate) const NAMED_LEVELS: [&str; 7] = [
    "users_default",
    "events_default",
    "state_default",
    "ban",
    "redact",
    "kick",
    "invite",
];

/// One level value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    /// JSON `null`.
    Null,
    /// A value Python's `int()` reads.
    Int(i128),
    /// Anything else (`"abc"`, `[]`, `{}`).
    Invalid,
}

/// A present value: how `int()` reads it, and whether it is a JSON integer (what room versions
/// 10 and up require).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub level: Level,
    pub json_integer: bool,
}

impl Entry {
    fn of(value: &Value) -> Entry {
        let level = match value {
            Value::Null => Level::Null,
            other => python_int(other).map_or(Level::Invalid, Level::Int),
        };
        let json_integer = value.as_i64().is_some() || value.as_u64().is_some();
        Entry {
            level,
            json_integer,
        }
    }
}

/// `users`, `events` or `notifications`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    Absent,
    NotAnObject,
    /// Sorted by key.
    Entries(Vec<(String, Entry)>),
}

impl Section {
    fn of(content: &JsonObject, name: &str) -> Section {
        match content.get(name) {
            None => Section::Absent,
            Some(Value::Object(map)) => {
                let mut entries: Vec<(String, Entry)> =
                    map.iter().map(|(k, v)| (k.clone(), Entry::of(v))).collect();
                // Usually sorted already (a map sorted by key), which this sort detects.
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Section::Entries(entries)
            }
            Some(_) => Section::NotAnObject,
        }
    }

    /// The entries (none if absent); an error if the section is not an object.
    pub fn entries(&self, name: &str) -> Result<&[(String, Entry)], MalformedPowerLevels> {
        match self {
            Section::Absent => Ok(&[]),
            Section::NotAnObject => Err(MalformedPowerLevels::NotAnObject(name.to_owned())),
            Section::Entries(entries) => Ok(entries),
        }
    }

    /// The entry for `key`, if present.
    pub fn get(&self, name: &str, key: &str) -> Result<Option<Entry>, MalformedPowerLevels> {
        let entries = self.entries(name)?;
        Ok(entries
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|index| entries[index].1))
    }
}

/// An `m.room.power_levels` content as the authorization rules read it. [`PduEvent`] keeps one
/// for power levels events; for other [`Event`] implementations the rules parse `content` on
/// each use (implement [`Event::parsed_power_levels`] to cache it).
///
/// [`PduEvent`]: crate::PduEvent
/// [`Event`]: crate::Event
/// [`Event::parsed_power_levels`]: crate::Event::parsed_power_levels
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedPowerLevels {
    pub(crate) named: [Option<Entry>; 7],
    pub(crate) users: Section,
    pub(crate) events: Section,
    pub(crate) notifications: Section,
    /// The check of every room version: `users` keys look like user IDs and its values are
    /// integers (or integer strings, floats…).
    pub(crate) lenient: Result<(), MalformedPowerLevels>,
    /// The additional check of room versions 10 and up: JSON integers only.
    pub(crate) strict: Result<(), MalformedPowerLevels>,
}

impl ParsedPowerLevels {
    /// The parsed content of a power levels event: the event's own if it keeps one, else
    /// parsed now.
    pub fn of<E: crate::Event + ?Sized>(event: &E) -> std::borrow::Cow<'_, ParsedPowerLevels> {
        match event.parsed_power_levels() {
            Some(parsed) => std::borrow::Cow::Borrowed(parsed),
            None => std::borrow::Cow::Owned(ParsedPowerLevels::parse(event.content())),
        }
    }

    /// Reads a power levels content.
    pub fn parse(content: &JsonObject) -> Self {
        let named = NAMED_LEVELS.map(|name| content.get(name).map(Entry::of));
        let users = Section::of(content, "users");
        let events = Section::of(content, "events");
        let notifications = Section::of(content, "notifications");
        let lenient = match &users {
            Section::Absent => Ok(()),
            Section::NotAnObject => Err(MalformedPowerLevels::NotAnObject("users".into())),
            Section::Entries(entries) => entries.iter().try_for_each(|(user, entry)| {
                if !looks_like_user_id(user) {
                    Err(MalformedPowerLevels::InvalidUserId(user.clone()))
                } else if !matches!(entry.level, Level::Int(_)) {
                    Err(MalformedPowerLevels::NotAnInteger(format!("users.{user}")))
                } else {
                    Ok(())
                }
            }),
        };
        let mut strict = Ok(());
        for (name, entry) in NAMED_LEVELS.iter().zip(&named) {
            if entry.is_some_and(|e| !e.json_integer) {
                strict = Err(MalformedPowerLevels::NotAnInteger((*name).to_owned()));
                break;
            }
        }
        if strict.is_ok() {
            for (name, section) in [
                ("events", &events),
                ("notifications", &notifications),
                ("users", &users),
            ] {
                let all_integers = match section {
                    Section::Absent => true,
                    Section::NotAnObject => false,
                    Section::Entries(entries) => entries.iter().all(|(_, e)| e.json_integer),
                };
                if !all_integers {
                    strict = Err(MalformedPowerLevels::NotAnInteger(name.to_owned()));
                    break;
                }
            }
        }
        ParsedPowerLevels {
            named,
            users,
            events,
            notifications,
            lenient,
            strict,
        }
    }

    /// The entry of a top-level level (`ban`, `users_default`, …); `None` if absent or not one
    /// of the named levels.
    pub(crate) fn named(&self, name: &str) -> Option<Entry> {
        let index = NAMED_LEVELS.iter().position(|n| *n == name)?;
        self.named[index]
    }

    /// A user's level as listed: `users[user]`, else `users_default`, else 0 (no room
    /// creators involved); `None` if the value cannot be read.
    pub fn listed_user_level(&self, user: &str) -> Option<i128> {
        match self.users.get("users", user).ok()? {
            Some(Entry {
                level: Level::Int(level),
                ..
            }) => Some(level),
            Some(Entry {
                level: Level::Invalid,
                ..
            }) => None,
            Some(Entry {
                level: Level::Null, ..
            })
            | None => match self.named("users_default").map(|e| e.level) {
                None | Some(Level::Null) => Some(0),
                Some(Level::Int(level)) => Some(level),
                Some(Level::Invalid) => None,
            },
        }
    }
}
