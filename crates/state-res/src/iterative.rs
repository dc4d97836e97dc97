//! The iterative auth checks: apply events in order to a state, each one if it passes the
//! authorization rules against that state (falling back to its own non-rejected auth events
//! for keys the state lacks).

use matrix_auth_rules::{
    AuthKey, AuthState, CREATE, Event, JOIN_RULES, MEMBER, POWER_LEVELS, THIRD_PARTY_INVITE,
    auth_types_for_event, check_against_state,
};
use matrix_event_format::RoomVersion;

use crate::ResolveError;
use crate::graph::{AuthGraph, LOOKAHEAD, Node, NodeRooms};
use crate::kind::Kind;
use crate::working_state::WorkingState;

/// The events one check reads, by kind. The state's events are put first and win; the event's
/// own auth events fill the keys the state left empty, a later one replacing an earlier one (as
/// when a map is built from the list).
struct AuthSet<'a, E> {
    create: Slot<'a, E>,
    power_levels: Slot<'a, E>,
    join_rules: Slot<'a, E>,
    members: Vec<(&'a str, Slot<'a, E>)>,
    invites: Vec<(&'a str, Slot<'a, E>)>,
}

/// One key's event, and whether it came from the state (which an auth event cannot replace).
struct Slot<'a, E> {
    event: Option<&'a E>,
    from_state: bool,
}

impl<E> Clone for Slot<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for Slot<'_, E> {}

impl<E> Slot<'_, E> {
    const EMPTY: Self = Slot {
        event: None,
        from_state: false,
    };
}

impl<'a, E: Event> AuthSet<'a, E> {
    fn clear(&mut self) {
        self.create = Slot::EMPTY;
        self.power_levels = Slot::EMPTY;
        self.join_rules = Slot::EMPTY;
        self.members.clear();
        self.invites.clear();
    }

    /// Whether an auth event of `kind` cannot count, without reading it: the state already
    /// gave the event of its (state key-less) key.
    fn taken(&self, kind: Kind) -> bool {
        match kind {
            Kind::Create => self.create.from_state,
            Kind::PowerLevels => self.power_levels.from_state,
            Kind::JoinRules => self.join_rules.from_state,
            _ => false,
        }
    }

    fn put(&mut self, kind: Kind, event: &'a E, from_state: bool) {
        let new = Slot {
            event: Some(event),
            from_state,
        };
        let set = |slot: &mut Slot<'a, E>| {
            if from_state || !slot.from_state {
                *slot = new;
            }
        };
        let keyed = |list: &mut Vec<(&'a str, Slot<'a, E>)>| {
            let key = event.state_key().unwrap_or_default();
            match list.iter_mut().find(|(k, _)| *k == key) {
                Some(entry) => set(&mut entry.1),
                None => list.push((key, new)),
            }
        };
        match kind {
            Kind::Create => set(&mut self.create),
            Kind::PowerLevels => set(&mut self.power_levels),
            Kind::JoinRules => set(&mut self.join_rules),
            Kind::Member => keyed(&mut self.members),
            Kind::ThirdPartyInvite => keyed(&mut self.invites),
            Kind::MemberMessage | Kind::Other | Kind::Missing => {}
        }
    }
}

impl<E: Event> AuthState for AuthSet<'_, E> {
    type Event = E;
    fn get(&self, event_type: &str, state_key: &str) -> Option<&E> {
        let key = match event_type {
            MEMBER => AuthKey::Member(state_key),
            CREATE if state_key.is_empty() => AuthKey::Create,
            POWER_LEVELS if state_key.is_empty() => AuthKey::PowerLevels,
            JOIN_RULES if state_key.is_empty() => AuthKey::JoinRules,
            THIRD_PARTY_INVITE => AuthKey::ThirdPartyInvite(state_key),
            _ => return None,
        };
        self.get_key(key)
    }

    fn get_key(&self, key: AuthKey<'_>) -> Option<&E> {
        match key {
            AuthKey::Create => self.create.event,
            AuthKey::PowerLevels => self.power_levels.event,
            AuthKey::JoinRules => self.join_rules.event,
            AuthKey::Member(user) => find(&self.members, user),
            AuthKey::ThirdPartyInvite(token) => find(&self.invites, token),
        }
    }
}

fn find<'a, E>(list: &[(&str, Slot<'a, E>)], state_key: &str) -> Option<&'a E> {
    list.iter()
        .find(|(k, _)| *k == state_key)
        .and_then(|(_, slot)| slot.event)
}

/// Applies `order` to `state`. Events rejected on receipt are not applied (as in the reference
/// implementation, which keeps earlier rejections); the others are applied if they pass the
/// rules against their own non-rejected auth events overlaid with the state's events for their
/// auth types.
pub(crate) fn iterative_auth_checks<'a, E: Event>(
    version: &RoomVersion,
    graph: &AuthGraph<'a, E>,
    order: &[Node],
    state: &mut WorkingState,
    rooms: &NodeRooms,
) -> Result<(), ResolveError> {
    let mut auth = AuthSet {
        create: Slot::EMPTY,
        power_levels: Slot::EMPTY,
        join_rules: Slot::EMPTY,
        members: Vec::with_capacity(4),
        invites: Vec::new(),
    };
    for (i, &node) in order.iter().enumerate() {
        let ahead = |distance| order.get(i + distance).copied();
        graph.prefetch(ahead(LOOKAHEAD), ahead(2 * LOOKAHEAD));
        let Some(event) = graph.event(node) else {
            continue;
        };
        auth.clear();
        for &parent in graph.parents(node) {
            rooms.check(graph, parent)?;
        }
        let kind = graph.kind(node);
        // The event's own key, interned once: a member event's target (and, for its own
        // membership, sender) is read through it, and a state event that passes is set there.
        let mut own = None;
        // Whether the state gave an event for every member and invite key the rules read.
        let mut keyed_from_state = true;
        for key in auth_types_for_event(version, event).keys() {
            let keyed = matches!(key, AuthKey::Member(_) | AuthKey::ThirdPartyInvite(_));
            let current = match key {
                AuthKey::Member(user)
                    if kind == Kind::Member && event.state_key() == Some(user) =>
                {
                    let id = *own.get_or_insert_with(|| state.intern(MEMBER, user));
                    state.node(id)
                }
                key => state.get_auth(key),
            };
            let given = current.and_then(|current| Some((current, graph.event(current)?)));
            let Some((current, current_event)) = given else {
                keyed_from_state &= !keyed;
                continue;
            };
            rooms.check(graph, current)?;
            if current_event.rejected() {
                keyed_from_state &= !keyed;
            } else {
                auth.put(graph.kind(current), current_event, true);
            }
        }
        // The rules read only the keys of the auth types: an auth event the state already gave
        // the key of, or of a kind the rules do not read, is not read (in a large room, each
        // read was a cache miss).
        for &parent in graph.parents(node) {
            let kind = graph.kind(parent);
            let unread = match kind {
                Kind::Member | Kind::ThirdPartyInvite => keyed_from_state,
                Kind::MemberMessage | Kind::Other | Kind::Missing => true,
                Kind::Create | Kind::PowerLevels | Kind::JoinRules => auth.taken(kind),
            };
            if unread {
                continue;
            }
            if let Some(auth_event) = graph.event(parent) {
                if !auth_event.rejected() {
                    auth.put(kind, auth_event, false);
                }
            }
        }
        if event.rejected() {
            continue;
        }
        if check_against_state(version, event, &auth).is_ok() {
            if let Some(state_key) = event.state_key() {
                let id = match own {
                    Some(id) => id,
                    None => state.intern_event_key(kind, event.event_type(), state_key),
                };
                state.set(id, node);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use matrix_auth_rules::PduEvent;
    use matrix_event_format::RoomVersion;
    use serde_json::{Value, json};

    use super::*;

    fn member(id: &str, user: &str) -> PduEvent {
        let Value::Object(pdu) = json!({
            "type": MEMBER, "state_key": user, "sender": user, "room_id": "!r:x",
            "content": {"membership": "join"}, "prev_events": [], "auth_events": [],
            "depth": 1, "origin_server_ts": 1,
        }) else {
            unreachable!()
        };
        let version = RoomVersion::from_id("10").expect("a known room version");
        PduEvent::with_event_id(pdu, version, id.to_owned()).expect("a valid PDU")
    }

    #[test]
    fn the_state_wins_and_auth_events_fill_the_rest_the_later_one_counting() {
        let (state_a, auth_a) = (member("$state_a", "@a:x"), member("$auth_a", "@a:x"));
        let (auth_b1, auth_b2) = (member("$b1", "@b:x"), member("$b2", "@b:x"));
        let mut auth = AuthSet {
            create: Slot::EMPTY,
            power_levels: Slot::EMPTY,
            join_rules: Slot::EMPTY,
            members: Vec::new(),
            invites: Vec::new(),
        };
        auth.put(Kind::Member, &state_a, true);
        auth.put(Kind::Member, &auth_a, false);
        auth.put(Kind::Member, &auth_b1, false);
        auth.put(Kind::Member, &auth_b2, false);
        let id = |user| auth.get(MEMBER, user).map(|event| event.event_id());
        assert_eq!(id("@a:x"), Some("$state_a"));
        assert_eq!(id("@b:x"), Some("$b2"));
        assert_eq!(id("@c:x"), None);
        assert!(!auth.taken(Kind::PowerLevels));
        auth.put(Kind::PowerLevels, &auth_b1, true);
        assert!(auth.taken(Kind::PowerLevels));
    }
}
