//! The auth events selection: which `(type, state_key)` pairs of the room state an event's
//! authorization depends on.

use matrix_event_format::RoomVersion;
use serde_json::Value;

use crate::event::Event;

use crate::names::{CREATE, JOIN_RULES, MEMBER, POWER_LEVELS, THIRD_PARTY_INVITE};

/// The state keys an event's authorization depends on (at most seven, no duplicates), borrowing
/// the state keys from the event. See [`auth_types_for_event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthTypes<'a> {
    keys: [(&'static str, &'a str); 7],
    len: usize,
}

impl<'a> AuthTypes<'a> {
    fn new() -> Self {
        AuthTypes {
            keys: [("", ""); 7],
            len: 0,
        }
    }

    /// Adds a key that cannot be present yet.
    fn push(&mut self, event_type: &'static str, state_key: &'a str) {
        if self.len < self.keys.len() {
            self.keys[self.len] = (event_type, state_key);
            self.len += 1;
        }
    }

    /// Adds a member key unless that user's is present (types are `'static` constants, so
    /// only state keys need comparing).
    fn push_member(&mut self, user: &'a str) {
        let present = self.keys[..self.len]
            .iter()
            .any(|(t, k)| *k == user && *t == MEMBER);
        if !present {
            self.push(MEMBER, user);
        }
    }

    /// Whether `(event_type, state_key)` is one of the keys.
    pub fn contains(&self, event_type: &str, state_key: &str) -> bool {
        self.iter().any(|(t, k)| t == event_type && k == state_key)
    }

    /// The keys, in a fixed order: create, power levels, sender's member event, then those of
    /// member events.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &'a str)> + '_ {
        self.keys[..self.len].iter().copied()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The auth events selection of the server-server API: the state keys whose current events
/// authorise `event` (a superset of what the rules end up reading). Empty for `m.room.create`.
///
/// Includes `m.room.create` in every room version, as the rules read it; in room version 12 the
/// create event is implied by the room ID rather than listed in `auth_events`.
pub fn auth_types_for_event<'a, E: Event + ?Sized>(
    version: &RoomVersion,
    event: &'a E,
) -> AuthTypes<'a> {
    let mut types = AuthTypes::new();
    if event.event_type() == CREATE {
        return types;
    }
    types.push(CREATE, "");
    types.push(POWER_LEVELS, "");
    types.push(MEMBER, event.sender());
    if event.event_type() == MEMBER {
        let content = event.content();
        let membership = event.membership();
        if matches!(membership, Some("join" | "invite" | "knock")) {
            types.push(JOIN_RULES, "");
        }
        if let Some(target) = event.state_key() {
            types.push_member(target);
        }
        if membership == Some("invite") {
            let token = content
                .get("third_party_invite")
                .and_then(|invite| invite.get("signed"))
                .and_then(|signed| signed.get("token"))
                .and_then(Value::as_str);
            if let Some(token) = token {
                types.push(THIRD_PARTY_INVITE, token);
            }
        }
        if version.restricted_join_rule && membership == Some("join") {
            if let Some(authoriser) = event.join_authorised_via_users_server() {
                types.push_member(authoriser);
            }
        }
    }
    types
}
