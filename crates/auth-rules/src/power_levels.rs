//! Rule 10 (rule 9 before v12): changes to `m.room.power_levels`.

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
    let integers_only = version.integer_only_power_levels;
    for (user, level) in users.into_iter().flatten() {
        if !looks_like_user_id(user) {
            return Err(MalformedPowerLevels::InvalidUserId(user.clone()).into());
        }
        // From v10 the values must be JSON integers (checked here rather than below).
        let valid = if integers_only {
            is_json_integer(level)
        } else {
            python_int(level).is_ok()
        };
        if !valid {
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
            } else if matches!(key.as_str(), "events" | "notifications") {
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

    for name in NAMED_LEVELS {
        check_change(name, None, old.get(name), content.get(name), sender, user_level)?;
    }
    let mut sections = vec!["users", "events"];
    if version.limit_notifications_power_levels {
        sections.push("notifications");
    }
    for section in sections {
        let old_entries = sorted_entries(old, section)?;
        let new_entries = sorted_entries(content, section)?;
        // Walk both sorted lists at once: every key added, changed, removed or kept.
        let (mut i, mut j) = (0, 0);
        while i < old_entries.len() || j < new_entries.len() {
            let (key, old_value, new_value) = match (old_entries.get(i), new_entries.get(j)) {
                (Some(&(a, va)), Some(&(b, vb))) if a == b => {
                    i += 1;
                    j += 1;
                    (a, Some(va), Some(vb))
                }
                (Some(&(a, va)), Some(&(b, _))) if a < b => {
                    i += 1;
                    (a, Some(va), None)
                }
                (Some(&(a, va)), None) => {
                    i += 1;
                    (a, Some(va), None)
                }
                (_, Some(&(b, vb))) => {
                    j += 1;
                    (b, None, Some(vb))
                }
                (None, None) => break,
            };
            // Fast path: the same integer before and after is no change.
            let unchanged = matches!((old_value, new_value), (Some(a), Some(b)) if a == b && a.is_i64());
            if !unchanged {
                check_change(key, Some(section), old_value, new_value, sender, user_level)?;
            }
        }
    }
    Ok(())
}

/// The entries of `content[section]`, sorted by key (empty if absent).
fn sorted_entries<'c>(
    content: &'c JsonObject,
    section: &'static str,
) -> Result<Vec<(&'c str, &'c Value)>, Rejection> {
    let mut entries: Vec<(&str, &Value)> = match content.get(section) {
        None => return Ok(Vec::new()),
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        Some(_) => return Err(MalformedPowerLevels::NotAnObject(section.into()).into()),
    };
    // Usually sorted already (a map sorted by key), which this sort detects in linear time.
    entries.sort_by(|a, b| a.0.cmp(b.0));
    Ok(entries)
}

/// The rules for one level that may change from `old_value` to `new_value`.
fn check_change(
    key: &str,
    section: Option<&str>,
    old_value: Option<&Value>,
    new_value: Option<&Value>,
    sender: &str,
    user_level: i128,
) -> Result<(), Rejection> {
    let path = || match section {
        Some(section) => format!("{section}.{key}"),
        None => key.to_owned(),
    };
    let level = |value: Option<&Value>| -> Result<Option<i128>, Rejection> {
        value
            .map(|value| python_int(value).map_err(|_| MalformedPowerLevels::NotAnInteger(path())))
            .transpose()
            .map_err(Rejection::from)
    };
    let old_level = level(old_value)?;
    let new_level = level(new_value)?;
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

/// A JSON integer (not a float, string or boolean).
fn is_json_integer(value: &Value) -> bool {
    value.as_i64().is_some() || value.as_u64().is_some()
}
