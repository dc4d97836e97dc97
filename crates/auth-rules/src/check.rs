//! The authorization rules: the checks of an event's own `auth_events` (independent of room
//! state), the checks against a room state, and both together as performed on receipt of a PDU.

use std::borrow::Cow;

use matrix_event_format::RoomVersion;
use matrix_event_format::room_version::RoomIdFormat;

use crate::auth_types::{AuthKey, auth_types_for_event};
use crate::create::{can_federate, check_create, domain, sender_domain};
use crate::event::Event;
use crate::levels::Levels;
use crate::membership::check_membership;
use crate::names::{ALIASES, CREATE, MEMBER, POWER_LEVELS, REDACTION, THIRD_PARTY_INVITE};
use crate::power_levels::check_power_levels;
use crate::rejection::{Action, Rejection};
use crate::state::AuthState;

/// The room an event belongs to: its `room_id`, or for a room version 12 create event the room
/// ID it defines (its event ID with the sigil `!`).
pub fn room_id_of<E: Event + ?Sized>(event: &E) -> Option<Cow<'_, str>> {
    match event.room_id() {
        Some(room_id) => Some(Cow::Borrowed(room_id)),
        None if event.event_type() == CREATE => {
            let hash = event.event_id().strip_prefix('$')?;
            Some(Cow::Owned(format!("!{hash}")))
        }
        None => None,
    }
}

/// The ID of the create event that a room version 12 room ID implies (`!x` → `$x`); `None` in
/// other room versions, for a create event itself, or for a malformed room ID.
pub fn implied_create_event_id<E: Event + ?Sized>(
    version: &RoomVersion,
    event: &E,
) -> Option<String> {
    if version.room_id_format != RoomIdFormat::CreateEventHash || event.event_type() == CREATE {
        return None;
    }
    let hash = event.room_id()?.strip_prefix('!')?;
    Some(format!("${hash}"))
}

/// The rules that depend only on the event and its `auth_events` (rules 1–3 of room version 12,
/// 1–2 before): the create event's own rules, and for every other event that each auth event is
/// known (`fetch`), in the same room, not rejected, not a duplicate, of a type and state key the
/// auth events selection picks, and that there is a create event among them. In room version 12
/// the create event is the one the room ID implies, and must not be listed.
pub fn check_auth_events<'e, E, F>(
    version: &RoomVersion,
    event: &impl Event,
    fetch: F,
) -> Result<(), Rejection>
where
    E: Event + 'e,
    F: Fn(&str) -> Option<&'e E>,
{
    if event.event_type() == CREATE {
        return check_create(version, event);
    }
    let implied = implied_create_event_id(version, event);
    if let Some(create_id) = &implied {
        if event.auth_event_ids().any(|id| id == create_id) {
            return Err(Rejection::CreateEventListed(create_id.clone()));
        }
    }
    let room_id = event.room_id();
    let expected = auth_types_for_event(version, event);
    let mut seen: Vec<(&str, Option<&str>, &str)> = Vec::new();
    let ids = event.auth_event_ids().chain(implied.as_deref());
    for id in ids {
        let auth_event = fetch(id).ok_or_else(|| Rejection::MissingAuthEvent(id.to_owned()))?;
        if room_id_of(auth_event).as_deref() != room_id {
            return Err(Rejection::AuthEventInOtherRoom(id.to_owned()));
        }
        let key = (auth_event.event_type(), auth_event.state_key());
        if let Some((_, _, first)) = seen.iter().find(|(t, k, _)| (*t, *k) == key) {
            return Err(Rejection::DuplicateAuthEvent {
                first: (*first).to_owned(),
                second: id.to_owned(),
            });
        }
        let selected = key
            .1
            .is_some_and(|state_key| expected.contains(key.0, state_key));
        if !selected {
            return Err(Rejection::UnexpectedAuthEvent(id.to_owned()));
        }
        if auth_event.rejected() {
            return Err(Rejection::RejectedAuthEvent(id.to_owned()));
        }
        seen.push((key.0, key.1, auth_event.event_id()));
    }
    if !seen.iter().any(|(t, k, _)| *t == CREATE && *k == Some("")) {
        return Err(Rejection::NoCreateEvent);
    }
    Ok(())
}

/// The rules that read the room state (rules 4–11 of room version 12, 3–10 before): `state`
/// holds the events for the keys of [`auth_types_for_event`] (the room state before the event,
/// or the event's auth events). Create events pass (their rules are in [`check_auth_events`]).
///
/// Of the member and third-party invite keys, the rules read only those of
/// [`auth_types_for_event`] (the create, power levels and join rules keys they may read for any
/// event), so a caller that has those from elsewhere need not look further: state resolution
/// relies on it, and the cross-check with Synapse checks it on every event.
pub fn check_against_state<S: AuthState + ?Sized>(
    version: &RoomVersion,
    event: &impl Event,
    state: &S,
) -> Result<(), Rejection> {
    if event.event_type() == CREATE {
        return Ok(());
    }
    // Not `ok_or`: that builds (and drops) the rejection on every check.
    let Some(create) = state.get_key(AuthKey::Create) else {
        return Err(Rejection::MissingCreateEvent);
    };
    let sender = event.sender();
    if sender_domain(create)? != sender_domain(event)? && !can_federate(create) {
        return Err(Rejection::NotFederated);
    }

    if version.special_case_aliases_auth && event.event_type() == ALIASES {
        let state_key = event.state_key().unwrap_or_default();
        if state_key.is_empty() || state_key != domain(sender)? {
            return Err(Rejection::InvalidAliasesEvent);
        }
        return Ok(());
    }

    if event.event_type() == MEMBER {
        return check_membership(version, event, state);
    }

    let sender_joined = state
        .get_key(AuthKey::Member(sender))
        .is_some_and(|member| member.membership() == Some("join"));
    if !sender_joined {
        return Err(Rejection::SenderNotJoined);
    }

    let levels = Levels::new(version, create, state.get_key(AuthKey::PowerLevels));

    if event.event_type() == THIRD_PARTY_INVITE {
        let user_level = levels.user(sender)?;
        let invite_level = levels.named("invite", 0)?;
        if user_level < invite_level {
            return Err(Rejection::InsufficientPower {
                action: Action::ThirdPartyInvite,
                user_level,
                required_level: invite_level,
            });
        }
        return Ok(());
    }

    let send_level = levels.send(event.event_type(), event.is_state())?;
    let user_level = levels.user(sender)?;
    if user_level < send_level {
        return Err(Rejection::InsufficientPower {
            action: Action::SendEvent,
            user_level,
            required_level: send_level,
        });
    }
    if let Some(state_key) = event.state_key() {
        if state_key.starts_with('@') && state_key != sender {
            return Err(Rejection::StateKeyOfOtherUser);
        }
    }

    if event.event_type() == POWER_LEVELS {
        check_power_levels(version, event, &levels)?;
    }

    if event.event_type() == REDACTION {
        check_redaction(version, event, &levels)?;
    }
    Ok(())
}

/// The redaction rule of room versions 1–2: the redact level, or the same domain as the
/// redacted event's ID. From v3 the auth rules allow redactions (they are checked when
/// applied), but the levels are still read.
fn check_redaction<C: Event + ?Sized>(
    version: &RoomVersion,
    event: &impl Event,
    levels: &Levels<'_, C>,
) -> Result<(), Rejection> {
    let user_level = levels.user(event.sender())?;
    let redact_level = levels.named("redact", 50)?;
    if user_level >= redact_level || !version.redaction_auth_rule {
        return Ok(());
    }
    let redacter_domain = domain(event.event_id())?;
    let Some(redacts) = event.redacts() else {
        return Ok(());
    };
    if redacter_domain == domain(redacts)? {
        return Ok(());
    }
    Err(Rejection::InsufficientPower {
        action: Action::Redact,
        user_level,
        required_level: redact_level,
    })
}

/// The state before an event, restricted to its auth events selection and without rejected
/// events: what the rules are checked against in the last step on receipt of a PDU.
struct SelectedState<'s, 'e, S: ?Sized> {
    state: &'s S,
    types: crate::auth_types::AuthTypes<'e>,
}

impl<S: AuthState + ?Sized> AuthState for SelectedState<'_, '_, S> {
    type Event = S::Event;
    fn get(&self, event_type: &str, state_key: &str) -> Option<&S::Event> {
        if !self.types.contains(event_type, state_key) {
            return None;
        }
        self.state
            .get(event_type, state_key)
            .filter(|event| !event.rejected())
    }
}

/// All the checks performed on receipt of a PDU (without signatures and hashes):
/// [`check_auth_events`], then [`check_against_state`] against the event's own auth events,
/// then, if the room state before the event is known, against that state (its events for the
/// keys of [`auth_types_for_event`], rejected ones left out).
pub fn check_event<'e, E, F, S>(
    version: &RoomVersion,
    event: &impl Event,
    fetch: F,
    state_before: Option<&S>,
) -> Result<(), Rejection>
where
    E: Event + 'e,
    F: Fn(&str) -> Option<&'e E>,
    S: AuthState + ?Sized,
{
    check_auth_events(version, event, &fetch)?;
    if event.event_type() == CREATE {
        return Ok(());
    }
    let implied = implied_create_event_id(version, event);
    let claimed: Vec<&E> = event
        .auth_event_ids()
        .chain(implied.as_deref())
        .filter_map(&fetch)
        .collect();
    check_against_state(version, event, claimed.as_slice())?;
    if let Some(state) = state_before {
        let selected = SelectedState {
            state,
            types: auth_types_for_event(version, event),
        };
        check_against_state(version, event, &selected)?;
    }
    Ok(())
}
