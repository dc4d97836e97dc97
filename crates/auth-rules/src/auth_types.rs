//! The auth events selection: which `(type, state_key)` pairs of the room state an event's
//! authorization depends on.

use matrix_event_format::RoomVersion;
use serde_json::Value;

use crate::event::Event;

use crate::names::{CREATE, JOIN_RULES, MEMBER, POWER_LEVELS, THIRD_PARTY_INVITE};

/// One state key an event's authorization depends on, by kind: the three keys with the state key
/// `""` need no string to name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthKey<'a> {
    Create,
    PowerLevels,
    JoinRules,
    /// `m.room.member` for this user.
    Member(&'a str),
    /// `m.room.third_party_invite` with this token.
    ThirdPartyInvite(&'a str),
}

impl<'a> AuthKey<'a> {
    /// The key as `(event type, state_key)`.
    pub fn pair(self) -> (&'static str, &'a str) {
        match self {
            AuthKey::Create => (CREATE, ""),
            AuthKey::PowerLevels => (POWER_LEVELS, ""),
            AuthKey::JoinRules => (JOIN_RULES, ""),
            AuthKey::Member(user) => (MEMBER, user),
            AuthKey::ThirdPartyInvite(token) => (THIRD_PARTY_INVITE, token),
        }
    }
}

/// The state keys an event's authorization depends on (at most seven, no duplicates), borrowing
/// the state keys from the event. See [`auth_types_for_event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthTypes<'a> {
    keys: [AuthKey<'a>; 7],
    len: usize,
}

impl<'a> AuthTypes<'a> {
    fn new() -> Self {
        AuthTypes {
            keys: [AuthKey::Create; 7],
            len: 0,
        }
    }

    /// Adds a key that cannot be present yet.
    fn push(&mut self, key: AuthKey<'a>) {
        if self.len < self.keys.len() {
            self.keys[self.len] = key;
            self.len += 1;
        }
    }

    /// Whether `(event_type, state_key)` is one of the keys.
    pub fn contains(&self, event_type: &str, state_key: &str) -> bool {
        self.iter().any(|(t, k)| t == event_type && k == state_key)
    }

    /// The keys as `(event type, state_key)`, in a fixed order: create, power levels, sender's
    /// member event, then those of member events.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &'a str)> + '_ {
        self.keys().map(AuthKey::pair)
    }

    /// The keys by kind, in the order of [`iter`](Self::iter).
    pub fn keys(&self) -> impl Iterator<Item = AuthKey<'a>> + '_ {
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
    types.push(AuthKey::Create);
    types.push(AuthKey::PowerLevels);
    let sender = event.sender();
    types.push(AuthKey::Member(sender));
    if event.event_type() == MEMBER {
        let content = event.content();
        let membership = event.membership();
        if matches!(membership, Some("join" | "invite" | "knock")) {
            types.push(AuthKey::JoinRules);
        }
        // Each user's member key once: the sender's is there already.
        let target = event.state_key();
        if let Some(target) = target.filter(|&target| target != sender) {
            types.push(AuthKey::Member(target));
        }
        if membership == Some("invite") {
            let token = content
                .get("third_party_invite")
                .and_then(|invite| invite.get("signed"))
                .and_then(|signed| signed.get("token"))
                .and_then(Value::as_str);
            if let Some(token) = token {
                types.push(AuthKey::ThirdPartyInvite(token));
            }
        }
        if version.restricted_join_rule && membership == Some("join") {
            let authoriser = event.join_authorised_via_users_server();
            if let Some(authoriser) =
                authoriser.filter(|&user| user != sender && Some(user) != target)
            {
                types.push(AuthKey::Member(authoriser));
            }
        }
    }
    types
}
#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::PduEvent;

    fn event(version: &'static RoomVersion, fields: Value) -> PduEvent {
        let mut pdu = json!({
            "room_id": "!r:x", "sender": "@s:x", "prev_events": [], "auth_events": [],
            "depth": 1, "origin_server_ts": 1, "content": {},
        });
        if let (Value::Object(pdu), Value::Object(fields)) = (&mut pdu, fields) {
            pdu.extend(fields);
        }
        let Value::Object(pdu) = pdu else {
            unreachable!()
        };
        PduEvent::with_event_id(pdu, version, "$e".to_owned()).expect("a valid PDU")
    }

    fn member(version: &'static RoomVersion, target: &str, content: Value) -> PduEvent {
        event(
            version,
            json!({"type": MEMBER, "state_key": target, "content": content}),
        )
    }

    #[test]
    fn the_selection_names_each_key_once_in_its_order() {
        let version = RoomVersion::from_id("10").expect("a known room version");
        let (create, pl, jr) = (AuthKey::Create, AuthKey::PowerLevels, AuthKey::JoinRules);
        let (s, t, a) = (
            AuthKey::Member("@s:x"),
            AuthKey::Member("@t:x"),
            AuthKey::Member("@a:x"),
        );
        let token = AuthKey::ThirdPartyInvite("tok");
        let invite = json!({"membership": "invite",
            "third_party_invite": {"signed": {"token": "tok"}}});
        let cases = [
            (
                event(version, json!({"type": CREATE, "state_key": ""})),
                vec![],
            ),
            (
                event(version, json!({"type": "m.room.message"})),
                vec![create, pl, s],
            ),
            (
                member(version, "@s:x", json!({"membership": "join"})),
                vec![create, pl, s, jr],
            ),
            (
                member(version, "@t:x", json!({"membership": "leave"})),
                vec![create, pl, s, t],
            ),
            (
                member(version, "@t:x", invite),
                vec![create, pl, s, jr, t, token],
            ),
            (
                member(
                    version,
                    "@s:x",
                    json!({"membership": "join",
                    "join_authorised_via_users_server": "@a:x"}),
                ),
                vec![create, pl, s, jr, a],
            ),
            (
                member(
                    version,
                    "@s:x",
                    json!({"membership": "join",
                    "join_authorised_via_users_server": "@s:x"}),
                ),
                vec![create, pl, s, jr],
            ),
        ];
        for (event, expected) in cases {
            let types = auth_types_for_event(version, &event);
            assert_eq!(types.keys().collect::<Vec<_>>(), expected, "{event:?}");
            assert_eq!(types.len(), expected.len());
            assert_eq!(types.is_empty(), expected.is_empty());
            for key in &expected {
                let (event_type, state_key) = key.pair();
                assert!(types.contains(event_type, state_key));
            }
            assert!(!types.contains(MEMBER, "@other:x"));
        }
        // Before restricted joins (room version 8), the authoriser is not read.
        let version = RoomVersion::from_id("7").expect("a known room version");
        let join = member(
            version,
            "@s:x",
            json!({"membership": "join",
            "join_authorised_via_users_server": "@a:x"}),
        );
        assert_eq!(auth_types_for_event(version, &join).len(), 4);
    }
}
