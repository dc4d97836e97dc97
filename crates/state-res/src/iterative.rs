//! The iterative auth checks: apply events in order to a state, each one if it passes the
//! authorization rules against that state (falling back to its own non-rejected auth events
//! for keys the state lacks).

use matrix_auth_rules::{
    AuthState, CREATE, Event, JOIN_RULES, MEMBER, POWER_LEVELS, THIRD_PARTY_INVITE,
    auth_types_for_event, check_against_state,
};
use matrix_event_format::RoomVersion;

use crate::ResolveError;
use crate::graph::{AuthGraph, Kind, Node, NodeRooms};
use crate::working_state::WorkingState;

/// The events one check reads, by kind; a later event for the same key replaces an earlier
/// one (as when a map is built from the list).
struct AuthSet<'a, E> {
    create: Option<&'a E>,
    power_levels: Option<&'a E>,
    join_rules: Option<&'a E>,
    members: Vec<(&'a str, &'a E)>,
    invites: Vec<(&'a str, &'a E)>,
}

impl<'a, E: Event> AuthSet<'a, E> {
    fn clear(&mut self) {
        self.create = None;
        self.power_levels = None;
        self.join_rules = None;
        self.members.clear();
        self.invites.clear();
    }

    fn put(&mut self, kind: Kind, event: &'a E) {
        let keyed = |list: &mut Vec<(&'a str, &'a E)>| {
            let key = event.state_key().unwrap_or_default();
            match list.iter_mut().find(|(k, _)| *k == key) {
                Some(entry) => entry.1 = event,
                None => list.push((key, event)),
            }
        };
        match kind {
            Kind::Create => self.create = Some(event),
            Kind::PowerLevels => self.power_levels = Some(event),
            Kind::JoinRules => self.join_rules = Some(event),
            Kind::Member => keyed(&mut self.members),
            Kind::ThirdPartyInvite => keyed(&mut self.invites),
            Kind::MemberMessage | Kind::Other | Kind::Missing => {}
        }
    }
}

impl<E: Event> AuthState for AuthSet<'_, E> {
    type Event = E;
    fn get(&self, event_type: &str, state_key: &str) -> Option<&E> {
        match event_type {
            MEMBER => find(&self.members, state_key),
            CREATE if state_key.is_empty() => self.create,
            POWER_LEVELS if state_key.is_empty() => self.power_levels,
            JOIN_RULES if state_key.is_empty() => self.join_rules,
            THIRD_PARTY_INVITE => find(&self.invites, state_key),
            _ => None,
        }
    }
}

fn find<'a, E>(list: &[(&str, &'a E)], state_key: &str) -> Option<&'a E> {
    list.iter().find(|(k, _)| *k == state_key).map(|(_, e)| *e)
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
        create: None,
        power_levels: None,
        join_rules: None,
        members: Vec::with_capacity(4),
        invites: Vec::new(),
    };
    for &node in order {
        let Some(event) = graph.event(node) else {
            continue;
        };
        auth.clear();
        for &parent in graph.parents(node) {
            if let Some(auth_event) = graph.event(parent) {
                rooms.check(graph, parent)?;
                if !auth_event.rejected() {
                    auth.put(graph.kind(parent), auth_event);
                }
            }
        }
        for (event_type, state_key) in auth_types_for_event(version, event).iter() {
            let Some(current) = state.get(event_type, state_key) else {
                continue;
            };
            if let Some(current_event) = graph.event(current) {
                rooms.check(graph, current)?;
                if !current_event.rejected() {
                    auth.put(graph.kind(current), current_event);
                }
            }
        }
        if event.rejected() {
            continue;
        }
        if check_against_state(version, event, &auth).is_ok() {
            if let Some(state_key) = event.state_key() {
                state.insert(event.event_type(), state_key, node);
            }
        }
    }
    Ok(())
}
