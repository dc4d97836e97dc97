//! Rule 5 (rule 4 before v12): `m.room.member` — join, invite, leave, ban, knock, restricted
//! joins and third-party invites.

use matrix_event_format::RoomVersion;
use matrix_event_format::room_version::CreatorRule;
use serde_json::Value;

use crate::auth_types::AuthKey;
use crate::create::{can_federate, domain, sender_domain};
use crate::event::Event;
use crate::levels::Levels;
use crate::names::JOIN_AUTHORISED_VIA_USERS_SERVER;
use crate::rejection::{Action, Rejection};
use crate::state::AuthState;
use crate::third_party_invite;

/// Whether the membership change `event` is allowed against `state`, after
/// [`check_against_state`](crate::check_against_state) checked the sender's domain.
pub(crate) fn check_membership<E: Event + ?Sized, S: AuthState + ?Sized>(
    version: &RoomVersion,
    event: &E,
    state: &S,
) -> Result<(), Rejection> {
    let (Some(target), Some(membership)) = (event.state_key(), event.membership()) else {
        return Err(match event.content().get("membership") {
            Some(value) if event.state_key().is_some() => {
                Rejection::UnknownMembership(value.to_string())
            }
            _ => Rejection::MalformedMemberEvent,
        });
    };
    let sender = event.sender();
    let create = state.get_key(AuthKey::Create);

    // The creator's own join right after the create event. The previous events are read only
    // for the creator's join (or a create event without a readable creator, which that join
    // rejects): they sit past the auth events, and reading them for every join cost a miss.
    if let (true, Some(create)) = (membership == "join", create) {
        // `None`: no `creator` (the join after the create event is then rejected).
        let creator: Option<Option<&str>> = match version.creator {
            CreatorRule::ContentCreator => create.content().get("creator").map(Value::as_str),
            CreatorRule::Sender | CreatorRule::SenderAndAdditionalCreators => {
                Some(Some(create.sender()))
            }
        };
        if creator.is_none() || creator == Some(Some(target)) {
            let mut prev = event.prev_event_ids();
            if let (Some(only), None) = (prev.next(), prev.next()) {
                if only == create.event_id() {
                    return match creator {
                        None => Err(Rejection::MalformedCreateContent("no creator")),
                        Some(_) => Ok(()),
                    };
                }
            }
        }
    }

    // Not `ok_or`: that builds (and drops) the rejection on every check.
    let Some(create) = create else {
        return Err(Rejection::MissingCreateEvent);
    };
    if target != sender && sender_domain(create)? != domain(target)? && !can_federate(create) {
        return Err(Rejection::NotFederated);
    }

    let caller = state
        .get_key(AuthKey::Member(sender))
        .and_then(|e| e.membership());
    let caller_joined = caller == Some("join");
    let caller_invited = caller == Some("invite");
    let caller_knocked = version.knocking && caller == Some("knock");
    let target_membership = state
        .get_key(AuthKey::Member(target))
        .and_then(|e| e.membership());
    let target_joined = target_membership == Some("join");
    let target_banned = target_membership == Some("ban");

    let join_rule = match state.get_key(AuthKey::JoinRules) {
        Some(rules) => match rules.content().get("join_rule") {
            None => Some("invite"),
            Some(value) => value.as_str(),
        },
        None => Some("invite"),
    };

    let levels = Levels::new(version, create, state.get_key(AuthKey::PowerLevels));
    // The reference implementation reads the levels below before any membership rule, so that
    // unreadable ones reject the event. A join needs them only under a restricted join rule:
    // when they cannot fail, it does not read them first.
    let join = || {
        check_join(
            version,
            event,
            state,
            &levels,
            target_banned,
            join_rule,
            caller,
        )
    };
    if membership == "join" && levels.membership_levels_readable() {
        return join();
    }
    let user_level = levels.user(sender)?;
    let target_level = if target == sender {
        user_level
    } else {
        levels.user(target)?
    };
    let invite_level = levels.named("invite", 0)?;
    let ban_level = levels.named("ban", 50)?;

    if membership == "invite" && event.content().contains_key("third_party_invite") {
        if !third_party_invite::verify(event, state)? {
            return Err(Rejection::InvalidThirdPartyInvite);
        }
        if target_banned {
            return Err(Rejection::TargetBanned);
        }
        return Ok(());
    }

    if membership != "join" && membership != "knock" {
        if (caller_invited || caller_knocked) && membership == "leave" && target == sender {
            return Ok(());
        }
        if !caller_joined {
            return Err(Rejection::SenderNotJoined);
        }
    }

    let knock_restricted = version.knock_restricted_join_rule;
    match membership {
        "invite" => {
            if target_banned {
                Err(Rejection::TargetBanned)
            } else if target_joined {
                Err(Rejection::TargetJoined)
            } else if user_level < invite_level {
                Err(insufficient(Action::Invite, user_level, invite_level))
            } else {
                Ok(())
            }
        }
        "join" => join(),
        "leave" => {
            if target_banned && user_level < ban_level {
                return Err(insufficient(Action::Unban, user_level, ban_level));
            }
            if target != sender {
                let kick_level = levels.named("kick", 50)?;
                if user_level < kick_level {
                    return Err(insufficient(Action::Kick, user_level, kick_level));
                }
                if user_level <= target_level {
                    return Err(Rejection::TargetNotLowerPower {
                        action: Action::Kick,
                        user_level,
                        target_level,
                    });
                }
            }
            Ok(())
        }
        "ban" => {
            if user_level < ban_level {
                Err(insufficient(Action::Ban, user_level, ban_level))
            } else if user_level <= target_level {
                Err(Rejection::TargetNotLowerPower {
                    action: Action::Ban,
                    user_level,
                    target_level,
                })
            } else {
                Ok(())
            }
        }
        "knock" if version.knocking => {
            let allowed = join_rule == Some("knock")
                || (knock_restricted && join_rule == Some("knock_restricted"));
            if !allowed {
                Err(Rejection::KnockNotAllowed(
                    join_rule.unwrap_or_default().to_owned(),
                ))
            } else if target != sender {
                Err(Rejection::NotOwnMembership)
            } else if target_joined {
                Err(Rejection::TargetJoined)
            } else if caller_invited {
                Err(Rejection::AlreadyInvited)
            } else if target_banned {
                Err(Rejection::SenderBanned)
            } else {
                Ok(())
            }
        }
        other => Err(Rejection::UnknownMembership(other.to_owned())),
    }
}

/// A join: by the user themself, not banned, as the join rule allows.
fn check_join<E: Event + ?Sized, S: AuthState + ?Sized>(
    version: &RoomVersion,
    event: &E,
    state: &S,
    levels: &Levels<'_, S::Event>,
    target_banned: bool,
    join_rule: Option<&str>,
    caller: Option<&str>,
) -> Result<(), Rejection> {
    if event.state_key() != Some(event.sender()) {
        return Err(Rejection::NotOwnMembership);
    }
    if target_banned {
        return Err(Rejection::SenderBanned);
    }
    let restricted = match join_rule {
        Some("restricted") => version.restricted_join_rule,
        Some("knock_restricted") => version.knock_restricted_join_rule,
        _ => false,
    };
    match join_rule {
        Some("public") => Ok(()),
        _ if restricted => {
            check_restricted_join(event, state, levels, levels.named("invite", 0)?, caller)
        }
        Some("invite") => invited_or_joined(caller),
        Some("knock") if version.knocking => invited_or_joined(caller),
        rule => Err(Rejection::JoinRuleForbidsJoin(
            rule.unwrap_or_default().to_owned(),
        )),
    }
}

fn insufficient(action: Action, user_level: i128, required_level: i128) -> Rejection {
    Rejection::InsufficientPower {
        action,
        user_level,
        required_level,
    }
}

fn invited_or_joined(caller: Option<&str>) -> Result<(), Rejection> {
    if matches!(caller, Some("join" | "invite")) {
        Ok(())
    } else {
        Err(Rejection::NotInvited)
    }
}

/// A join under `restricted` / `knock_restricted`: members and invitees join freely, anyone
/// else needs a joined authorising user who may invite.
fn check_restricted_join<E: Event + ?Sized, S: AuthState + ?Sized>(
    event: &E,
    state: &S,
    levels: &Levels<'_, S::Event>,
    invite_level: i128,
    caller: Option<&str>,
) -> Result<(), Rejection> {
    if matches!(caller, Some("join" | "invite")) {
        return Ok(());
    }
    let authoriser = match event.content().get(JOIN_AUTHORISED_VIA_USERS_SERVER) {
        None | Some(Value::Null) => return Err(Rejection::MissingJoinAuthoriser),
        Some(Value::String(user)) => user.as_str(),
        Some(_) => return Err(Rejection::JoinAuthoriserNotJoined),
    };
    let authoriser_joined = state
        .get_key(AuthKey::Member(authoriser))
        .is_some_and(|member| member.membership() == Some("join"));
    if !authoriser_joined {
        return Err(Rejection::JoinAuthoriserNotJoined);
    }
    if levels.user(authoriser)? < invite_level {
        return Err(Rejection::JoinAuthoriserCannotInvite);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use matrix_event_format::RoomVersion;
    use serde_json::{Value, json};

    use super::check_membership;
    use crate::pdu::PduEvent;
    use crate::rejection::{MalformedPowerLevels, Rejection};

    fn pdu(version: &'static RoomVersion, id: &str, event: Value) -> PduEvent {
        let Value::Object(mut pdu) = event else {
            unreachable!()
        };
        let fields = json!({
            "prev_events": [], "auth_events": [], "depth": 2, "origin_server_ts": 1,
        });
        for (key, value) in fields.as_object().into_iter().flatten() {
            pdu.entry(key.clone()).or_insert_with(|| value.clone());
        }
        // Room version 12: the room ID is the create event's, which has none.
        let room_id = match (version.id, id) {
            ("12", "$create") => None,
            ("12", _) => Some("!create"),
            _ => Some("!r:x"),
        };
        if let Some(room_id) = room_id {
            pdu.insert("room_id".into(), json!(room_id));
        }
        PduEvent::with_event_id(pdu, version, id.to_owned()).expect("a valid PDU")
    }

    /// A state event with the state key `""` sent by the room's creator, `@a:x`.
    fn room_event(
        version: &'static RoomVersion,
        id: &str,
        event_type: &str,
        content: Value,
    ) -> PduEvent {
        pdu(
            version,
            id,
            json!({"type": event_type, "state_key": "", "sender": "@a:x", "content": content}),
        )
    }

    /// A public room in `version` whose power levels content is `levels`, and `@b:x`'s join.
    fn join_against(version_id: &str, levels: Value) -> Result<(), Rejection> {
        let version = RoomVersion::from_id(version_id).expect("a known room version");
        let create_content = if version.id == "12" {
            json!({"room_version": "12"})
        } else {
            json!({"creator": "@a:x"})
        };
        let state = vec![
            room_event(version, "$create", "m.room.create", create_content),
            room_event(
                version,
                "$rules",
                "m.room.join_rules",
                json!({"join_rule": "public"}),
            ),
            room_event(version, "$levels", "m.room.power_levels", levels),
        ];
        let join = pdu(
            version,
            "$join",
            json!({"type": "m.room.member", "state_key": "@b:x",
            "sender": "@b:x", "content": {"membership": "join"}}),
        );
        check_membership(version, &join, &state)
    }

    #[test]
    fn a_join_reads_the_levels_first_as_the_reference_implementation_does() {
        for version in ["6", "10", "12"] {
            assert_eq!(
                join_against(version, json!({"users": {"@c:x": 50}})),
                Ok(())
            );
            assert_eq!(join_against(version, json!({"ban": null})), Ok(()));
            let unreadable = [
                (json!({"users": {"@b:x": "abc"}}), "users.@b:x"),
                (json!({"users_default": [1]}), "users_default"),
                (json!({"invite": "x"}), "invite"),
                (json!({"ban": {}}), "ban"),
            ];
            for (levels, key) in unreadable {
                let expected = MalformedPowerLevels::NotAnInteger(key.to_owned()).into();
                assert_eq!(join_against(version, levels), Err(expected), "v{version}");
            }
            assert!(join_against(version, json!({"users": []})).is_err());
        }
    }

    /// `target`'s join with `prev_events` into a room with only its create event (content
    /// `create_content`, sent by `@a:x`).
    fn join_after_create(
        version_id: &str,
        create_content: Value,
        target: &str,
        prev_events: Value,
    ) -> Result<(), Rejection> {
        let version = RoomVersion::from_id(version_id).expect("a known room version");
        let state = vec![room_event(
            version,
            "$create",
            "m.room.create",
            create_content,
        )];
        let join = pdu(
            version,
            "$join",
            json!({"type": "m.room.member", "state_key": target, "sender": target,
            "content": {"membership": "join"}, "prev_events": prev_events}),
        );
        check_membership(version, &join, &state)
    }

    #[test]
    fn the_creator_joins_right_after_the_create_event_and_no_one_else_does() {
        for version in ["1", "6", "11"] {
            let content = match version {
                "11" => json!({}),
                _ => json!({"creator": "@a:x"}),
            };
            let join = |target: &str, prev: Value| {
                join_after_create(version, content.clone(), target, prev)
            };
            assert_eq!(join("@a:x", json!(["$create"])), Ok(()), "v{version}");
            // Anyone else, or after another event, goes through the join rules (none here).
            assert!(join("@b:x", json!(["$create"])).is_err(), "v{version}");
            assert!(
                join("@a:x", json!(["$create", "$x"])).is_err(),
                "v{version}"
            );
            assert!(join("@a:x", json!(["$x"])).is_err(), "v{version}");
        }
        // A create event without a creator: any join is rejected as malformed.
        let malformed = Err(Rejection::MalformedCreateContent("no creator"));
        let no_creator = |prev: Value| join_after_create("1", json!({}), "@a:x", prev);
        assert_eq!(no_creator(json!(["$create"])), malformed);
        assert_eq!(no_creator(json!(["$x"])), malformed);
        // A creator that is not a string is nobody's.
        let odd = join_after_create("1", json!({"creator": 1}), "@a:x", json!(["$create"]));
        assert!(odd.is_err() && odd != malformed, "{odd:?}");
    }
}
