//! Rule 10 (rule 9 before v12): changes to `m.room.power_levels`.

use std::cmp::Ordering;

use matrix_event_format::RoomVersion;
use matrix_event_format::room_version::CreatorRule;
use serde_json::Value;

use crate::event::Event;
use crate::levels::{Levels, parsed_of};
use crate::parsed_levels::{Entry, Level, NAMED_LEVELS, ParsedPowerLevels, compare};
use crate::rejection::{MalformedPowerLevels, Rejection};

/// Checks a power levels event against the current power levels (`levels.power_levels`).
pub(crate) fn check_power_levels<E: Event + ?Sized, C: Event + ?Sized>(
    version: &RoomVersion,
    event: &E,
    levels: &Levels<'_, C>,
) -> Result<(), Rejection> {
    let new = parsed_of(event);
    new.lenient.clone()?;

    if version.creator == CreatorRule::SenderAndAdditionalCreators {
        check_creators_unlisted(levels.create, &new)?;
    }

    if version.integer_only_power_levels {
        new.strict.clone()?;
    }

    let Some(old) = &levels.power_levels else {
        return Ok(());
    };
    let sender = event.sender();
    let user_level = levels.user(sender)?;

    for (index, name) in NAMED_LEVELS.iter().enumerate() {
        let (old_entry, new_entry) = (old.named[index], new.named[index]);
        if !unchanged(old_entry, new_entry) {
            check_change(name, None, old_entry, new_entry, sender, user_level)?;
        }
    }
    let notifications = version.limit_notifications_power_levels.then_some((
        "notifications",
        &old.notifications,
        &new.notifications,
    ));
    let sections = [
        ("users", &old.users, &new.users),
        ("events", &old.events, &new.events),
    ];
    for (section, old_section, new_section) in sections.into_iter().chain(notifications) {
        let old_entries = old_section.entries(section)?;
        let new_entries = new_section.entries(section)?;
        // The same readable levels before and after: nothing to check.
        if new_entries.readable() && old_entries == new_entries {
            continue;
        }
        // Walk both sorted lists at once: every key added, changed, removed or kept.
        let (mut i, mut j) = (0, 0);
        loop {
            let (key, old_entry, new_entry) = match (old_entries.at(i), new_entries.at(j)) {
                (Some((a, va)), Some((b, vb))) => match compare(a.as_bytes(), b.as_bytes()) {
                    Ordering::Equal => {
                        i += 1;
                        j += 1;
                        (a, Some(va), Some(vb))
                    }
                    Ordering::Less => {
                        i += 1;
                        (a, Some(va), None)
                    }
                    Ordering::Greater => {
                        j += 1;
                        (b, None, Some(vb))
                    }
                },
                (Some((a, va)), None) => {
                    i += 1;
                    (a, Some(va), None)
                }
                (None, Some((b, vb))) => {
                    j += 1;
                    (b, None, Some(vb))
                }
                (None, None) => break,
            };
            if !unchanged(old_entry, new_entry) {
                check_change(key, Some(section), old_entry, new_entry, sender, user_level)?;
            }
        }
    }
    Ok(())
}

/// Room version 12: no room creator may be listed in `users`.
fn check_creators_unlisted<C: Event + ?Sized>(
    create: &C,
    new: &ParsedPowerLevels,
) -> Result<(), Rejection> {
    let listed =
        |user: &str| -> Result<bool, Rejection> { Ok(new.users.get("users", user)?.is_some()) };
    if listed(create.sender())? {
        return Err(MalformedPowerLevels::CreatorListed(create.sender().to_owned()).into());
    }
    // The reference implementation intersects `set(additional_creators)` with the users when
    // `additional_creators` is truthy.
    let creators: Vec<&str> = match create.content().get("additional_creators") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => Vec::new(),
        Some(Value::Array(items)) => {
            if items.iter().any(|item| item.is_array() || item.is_object()) {
                return Err(Rejection::MalformedCreateContent("additional_creators"));
            }
            items.iter().filter_map(Value::as_str).collect()
        }
        Some(Value::Object(map)) => map.keys().map(String::as_str).collect(),
        Some(Value::String(text)) => text
            .char_indices()
            .map(|(i, c)| &text[i..i + c.len_utf8()])
            .collect(),
        Some(Value::Number(number)) if number.as_f64() == Some(0.0) => Vec::new(),
        Some(_) => return Err(Rejection::MalformedCreateContent("additional_creators")),
    };
    for user in creators {
        if listed(user)? {
            return Err(MalformedPowerLevels::CreatorListed(user.to_owned()).into());
        }
    }
    Ok(())
}

/// The same readable level before and after: no change (the fast path before [`check_change`]).
fn unchanged(old_entry: Option<Entry>, new_entry: Option<Entry>) -> bool {
    matches!(
        (old_entry, new_entry),
        (Some(Entry { level: Level::Int(a), .. }), Some(Entry { level: Level::Int(b), .. })) if a == b
    )
}

/// The rules for one level that may change from `old_entry` to `new_entry`.
fn check_change(
    key: &str,
    section: Option<&str>,
    old_entry: Option<Entry>,
    new_entry: Option<Entry>,
    sender: &str,
    user_level: i128,
) -> Result<(), Rejection> {
    let path = || match section {
        Some(section) => format!("{section}.{key}"),
        None => key.to_owned(),
    };
    let level = |entry: Option<Entry>| -> Result<Option<i128>, Rejection> {
        match entry.map(|e| e.level) {
            None => Ok(None),
            Some(Level::Int(level)) => Ok(Some(level)),
            Some(Level::Null | Level::Invalid) => {
                Err(MalformedPowerLevels::NotAnInteger(path()).into())
            }
        }
    };
    let old_level = level(old_entry)?;
    let new_level = level(new_entry)?;
    if old_level.is_some() && old_level == new_level {
        return Ok(());
    }
    if section == Some("users") && key != sender && old_level == Some(user_level) {
        return Err(Rejection::PowerLevelEqualToOwn { key: path() });
    }
    if old_level.is_some_and(|l| l > user_level) || new_level.is_some_and(|l| l > user_level) {
        return Err(Rejection::PowerLevelAboveOwn { key: path() });
    }
    Ok(())
}
