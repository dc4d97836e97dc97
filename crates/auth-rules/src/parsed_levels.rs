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
    Entries(Entries),
}

impl Section {
    fn of(content: &JsonObject, name: &str) -> Section {
        match content.get(name) {
            None => Section::Absent,
            Some(Value::Object(map)) => Section::Entries(Entries::of(map)),
            Some(_) => Section::NotAnObject,
        }
    }

    /// The entries (none if absent); an error if the section is not an object.
    pub fn entries(&self, name: &str) -> Result<&Entries, MalformedPowerLevels> {
        static NONE: Entries = Entries {
            keys: String::new(),
            items: Vec::new(),
            readable: true,
        };
        match self {
            Section::Absent => Ok(&NONE),
            Section::NotAnObject => Err(MalformedPowerLevels::NotAnObject(name.to_owned())),
            Section::Entries(entries) => Ok(entries),
        }
    }

    /// The entry for `key`, if present.
    pub fn get(&self, name: &str, key: &str) -> Result<Option<Entry>, MalformedPowerLevels> {
        Ok(self.entries(name)?.get(key))
    }
}

/// A section's entries sorted by key, the keys' bytes in one buffer: a lookup (a binary search)
/// and the walk over two sections that a power levels change needs compare keys that sit side by
/// side, instead of following a pointer per key to wherever the map put it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entries {
    keys: String,
    items: Vec<Item>,
    /// Whether every level reads as an integer.
    readable: bool,
}

/// An entry: its key's first eight bytes as an integer (see [`prefix`]), where its key starts
/// and ends in `keys`, and its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Item {
    prefix: u64,
    start: u32,
    end: u32,
    entry: Entry,
}

impl Entries {
    fn of(map: &JsonObject) -> Entries {
        let mut sorted: Vec<(&String, &Value)> = map.iter().collect();
        // Usually sorted already (a map sorted by key), which this sort detects.
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let mut entries = Entries {
            keys: String::with_capacity(sorted.iter().map(|(key, _)| key.len()).sum()),
            items: Vec::with_capacity(sorted.len()),
            readable: true,
        };
        for (key, value) in sorted {
            let start = entries.keys.len() as u32;
            entries.keys.push_str(key);
            let end = entries.keys.len() as u32;
            let entry = Entry::of(value);
            entries.readable &= matches!(entry.level, Level::Int(_));
            entries.items.push(Item {
                prefix: prefix(key.as_bytes()),
                start,
                end,
                entry,
            });
        }
        entries
    }

    /// Whether every level reads as an integer.
    pub fn readable(&self) -> bool {
        self.readable
    }

    /// The entry at `index` in key order.
    pub fn at(&self, index: usize) -> Option<(&str, Entry)> {
        let item = self.items.get(index)?;
        Some((self.key(item), item.entry))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, Entry)> {
        (0..self.items.len()).filter_map(|index| self.at(index))
    }

    fn key(&self, item: &Item) -> &str {
        self.keys
            .get(item.start as usize..item.end as usize)
            .unwrap_or_default()
    }

    /// The entry for `key`, if present: found by the keys' first eight bytes, compared as
    /// integers, and only where those are equal by the whole keys.
    pub fn get(&self, key: &str) -> Option<Entry> {
        let key_prefix = prefix(key.as_bytes());
        let index = self
            .items
            .binary_search_by(|item| {
                item.prefix
                    .cmp(&key_prefix)
                    .then_with(|| compare(self.key(item).as_bytes(), key.as_bytes()))
            })
            .ok()?;
        self.items.get(index).map(|item| item.entry)
    }
}

/// The first eight bytes of `key` (zero-padded) as a big-endian integer: ordered as the keys
/// are, up to ties that only the whole keys decide.
fn prefix(key: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    let head = &key[..key.len().min(8)];
    bytes[..head.len()].copy_from_slice(head);
    u64::from_be_bytes(bytes)
}

/// Byte-wise order of two short strings, a word at a time and inline (a call into the C
/// library's `memcmp` per comparison cost more than the search around it).
pub(crate) fn compare(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let word = |chunk: &[u8]| <[u8; 8]>::try_from(chunk).map(u64::from_be_bytes).ok();
    let common = a.len().min(b.len()) / 8 * 8;
    for (x, y) in a[..common].chunks_exact(8).zip(b[..common].chunks_exact(8)) {
        let (x, y) = (word(x), word(y));
        if x != y {
            return x.cmp(&y);
        }
    }
    a[common..].iter().cmp(b[common..].iter())
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
    /// Whether every user's level and the `invite` and `ban` levels read without failing: the
    /// `users` pass `lenient`, and `users_default`, `invite` and `ban` are absent, `null` or
    /// readable.
    pub(crate) membership_readable: bool,
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
                    Err(MalformedPowerLevels::InvalidUserId(user.to_owned()))
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
        let mut parsed = ParsedPowerLevels {
            named,
            users,
            events,
            notifications,
            lenient,
            strict,
            membership_readable: false,
        };
        parsed.membership_readable = parsed.lenient.is_ok()
            && ["users_default", "invite", "ban"]
                .iter()
                .all(|name| parsed.named(name).map(|entry| entry.level) != Some(Level::Invalid));
        parsed
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_orders_like_str() {
        let keys = [
            "",
            "@",
            "@a",
            "@a:x",
            "@alice:example.org",
            "@alice:example.orh",
            "@alice:exampl",
            "@alice:example.org2",
            "@bob:example.org",
            "@\u{e9}:x",
            "@\u{10ffff}:x",
            "12345678",
            "123456789",
            "12345677",
            "1234567",
        ];
        for a in keys {
            for b in keys {
                assert_eq!(
                    compare(a.as_bytes(), b.as_bytes()),
                    a.cmp(b),
                    "{a:?} vs {b:?}"
                );
            }
        }
    }

    #[test]
    fn entries_are_found_by_key_in_any_input_order() {
        let content = serde_json::json!({"users": {"@z:x": 1, "@a:x": 50, "@m:x": null}});
        let levels = ParsedPowerLevels::parse(content.as_object().unwrap());
        let users = levels.users.entries("users").unwrap();
        let keys: Vec<&str> = users.iter().map(|(key, _)| key).collect();
        assert_eq!(keys, ["@a:x", "@m:x", "@z:x"]);
        assert_eq!(users.get("@a:x").map(|e| e.level), Some(Level::Int(50)));
        assert_eq!(users.get("@m:x").map(|e| e.level), Some(Level::Null));
        assert_eq!(users.get("@b:x"), None);
        assert_eq!(levels.listed_user_level("@z:x"), Some(1));
    }

    #[test]
    fn keys_sharing_their_first_eight_bytes_are_told_apart() {
        let keys = [
            "@alice:example.org",
            "@alice:example.org2",
            "@alice:e",
            "@alice:",
            "@alice:\u{0}",
            "@alice:\u{0}\u{0}",
            "@alice:example.orh",
            "@a",
        ];
        let users: serde_json::Map<String, Value> = keys
            .iter()
            .enumerate()
            .map(|(level, key)| (key.to_string(), Value::from(level)))
            .collect();
        let levels =
            ParsedPowerLevels::parse(serde_json::json!({"users": users}).as_object().unwrap());
        let entries = levels.users.entries("users").unwrap();
        for (level, key) in keys.iter().enumerate() {
            let found = entries.get(key).map(|entry| entry.level);
            assert_eq!(found, Some(Level::Int(level as i128)), "{key:?}");
        }
        for absent in [
            "@alice:example.or",
            "@alice:example.org3",
            "@alice",
            "@alicf",
            "",
        ] {
            assert_eq!(entries.get(absent), None, "{absent:?}");
        }
    }
}
