//! Rule 10 (rule 9 before v12): changes to `m.room.power_levels`.

use std::collections::BTreeSet;

use matrix_event_format::{JsonObject, RoomVersion};
use serde_json::Value;

use crate::event::Event;
use crate::identifiers::looks_like_user_id;
use crate::levels::Levels;
use crate::python_int::python_int;
use crate::rejection::{MalformedPowerLevels, Rejection};

const NAMED_LEVELS: [&str; 7] = [
    "users_default",
    "events_default",
    "state_default",
    "ban",
    "redact",
    "kick",
    "invite",
];

/// Checks a power levels event against the current power levels (`levels.power_levels`).
pub(crate) fn check_power_levels<E: Event + ?Sized, C: Event + ?Sized>(
    version: &RoomVersion,
    event: &E,
    levels: &Levels<'_, C>,
) -> Result<(), Rejection> {
    let content = event.content();
    let users = match content.get("users") {
        None => None,
        Some(Value::Object(users)) => Some(users),
        Some(_) => return Err(MalformedPowerLevels::NotAnObject("users".into()).into()),
    };
    for (user, level) in users.into_iter().flatten() {
        if !looks_like_user_id(user) {
            return Err(MalformedPowerLevels::InvalidUserId(user.clone()).into());
        }
        if python_int(level).is_err() {
            return Err(MalformedPowerLevels::NotAnInteger(format!("users.{user}")).into());
        }
    }

    if version.creator
        == matrix_event_format::room_version::CreatorRule::SenderAndAdditionalCreators
    {
        for user in users.into_iter().flat_map(|users| users.keys()) {
            if crate::levels::is_creator(version, levels.create, user)? {
                return Err(MalformedPowerLevels::CreatorListed(user.clone()).into());
            }
        }
    }

    if version.integer_only_power_levels {
        for (key, value) in content {
            if NAMED_LEVELS.contains(&key.as_str()) {
                if !is_json_integer(value) {
                    return Err(MalformedPowerLevels::NotAnInteger(key.clone()).into());
                }
            } else if matches!(key.as_str(), "events" | "notifications" | "users") {
                let all_integers = value
                    .as_object()
                    .is_some_and(|map| map.values().all(is_json_integer));
                if !all_integers {
                    return Err(MalformedPowerLevels::NotAnInteger(key.clone()).into());
                }
            }
        }
    }

    let Some(old) = levels.power_levels else {
        return Ok(());
    };
    let sender = event.sender();
    let user_level = levels.user(sender)?;

    let mut checks: Vec<(&str, Option<&str>)> = NAMED_LEVELS.iter().map(|k| (*k, None)).collect();
    let nested_keys = |section: &'static str| -> Result<BTreeSet<String>, Rejection> {
        let mut keys = BTreeSet::new();
        for map in [old, content] {
            if let Some(value) = map.get(section) {
                let Value::Object(entries) = value else {
                    return Err(MalformedPowerLevels::NotAnObject(section.into()).into());
                };
                keys.extend(entries.keys().cloned());
            }
        }
        Ok(keys)
    };
    let user_keys = nested_keys("users")?;
    let event_keys = nested_keys("events")?;
    let notification_keys = if version.limit_notifications_power_levels {
        nested_keys("notifications")?
    } else {
        BTreeSet::new()
    };
    checks.extend(user_keys.iter().map(|k| (k.as_str(), Some("users"))));
    checks.extend(event_keys.iter().map(|k| (k.as_str(), Some("events"))));
    checks.extend(
        notification_keys
            .iter()
            .map(|k| (k.as_str(), Some("notifications"))),
    );

    for (key, section) in checks {
        let old_level = level_at(old, section, key)?;
        let new_level = level_at(content, section, key)?;
        if old_level.is_some() && old_level == new_level {
            continue;
        }
        let path = || match section {
            Some(section) => format!("{section}.{key}"),
            None => key.to_owned(),
        };
        if section == Some("users") && key != sender && old_level == Some(user_level) {
            return Err(Rejection::PowerLevelEqualToOwn { key: path() });
        }
        if old_level.is_some_and(|l| l > user_level) || new_level.is_some_and(|l| l > user_level) {
            return Err(Rejection::PowerLevelAboveOwn { key: path() });
        }
    }
    Ok(())
}

/// `content[key]` or `content[section][key]` as a level; `None` if absent.
fn level_at(
    content: &JsonObject,
    section: Option<&str>,
    key: &str,
) -> Result<Option<i128>, Rejection> {
    let map = match section {
        None => content,
        Some(section) => match content.get(section) {
            Some(Value::Object(map)) => map,
            _ => return Ok(None),
        },
    };
    match map.get(key) {
        None => Ok(None),
        Some(value) => python_int(value).map(Some).map_err(|_| {
            let path = match section {
                Some(section) => format!("{section}.{key}"),
                None => key.to_owned(),
            };
            MalformedPowerLevels::NotAnInteger(path).into()
        }),
    }
}

/// A JSON integer (not a float, string or boolean).
fn is_json_integer(value: &Value) -> bool {
    value.as_i64().is_some() || value.as_u64().is_some()
}
