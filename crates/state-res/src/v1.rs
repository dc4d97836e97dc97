//! State resolution v1 (room version 1), as the reference implementation defines it: power
//! levels first, then join rules, then memberships (each by replaying the conflicting events
//! from the oldest and keeping the last one that passes), then every other key (the newest event
//! that passes). Events are ordered by depth, then by the SHA-1 of their event ID.

use std::collections::BTreeMap;

use foldhash::HashMap;
use matrix_auth_rules::{
    Event, JOIN_RULES, MEMBER, POWER_LEVELS, auth_types_for_event, check_against_state,
};
use matrix_event_format::RoomVersion;
use sha1::{Digest, Sha1};

use crate::provider::EventProvider;
use crate::resolved::{ResolvedState, borrowed_key};
use crate::room::RoomGuard;
use crate::{ResolveError, StateKey, StateMap};

type Key<'a> = (&'a str, &'a str);

pub(crate) fn resolve<'a, P>(
    version: &RoomVersion,
    state_sets: &'a [StateMap],
    provider: &'a P,
) -> Result<ResolvedState<'a>, ResolveError>
where
    P: EventProvider + ?Sized,
{
    // A key is conflicted once two state sets disagree; a key some sets lack is not.
    let mut unconflicted: BTreeMap<&'a StateKey, &'a String> = BTreeMap::new();
    let mut conflicted: BTreeMap<&'a StateKey, Vec<&'a String>> = BTreeMap::new();
    if let Some(first) = state_sets.first() {
        unconflicted.extend(first.iter());
    }
    for set in state_sets.iter().skip(1) {
        for (key, id) in set {
            match unconflicted.get(key) {
                None => match conflicted.get_mut(key) {
                    Some(ids) => {
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                    None => {
                        unconflicted.insert(key, id);
                    }
                },
                Some(&current) if current != id => {
                    unconflicted.remove(key);
                    conflicted.insert(key, vec![id, current]);
                }
                Some(_) => {}
            }
        }
    }

    let room = state_sets
        .iter()
        .flat_map(|set| set.values())
        .find_map(|id| provider.event(id))
        .map(|event| RoomGuard::new(RoomGuard::room_of(event)))
        .unwrap_or_else(|| RoomGuard::new(String::new()));

    // The unconflicted events for the auth types of the conflicted events.
    let mut auth: HashMap<Key<'a>, &'a P::Event> = HashMap::default();
    let mut conflicted_events: Vec<(&'a StateKey, Vec<&'a P::Event>)> = Vec::new();
    let mut resolved: BTreeMap<&'a StateKey, &'a str> = BTreeMap::new();
    for (key, ids) in &conflicted {
        let mut events = Vec::new();
        for id in ids {
            if let Some(event) = provider.event(id) {
                room.check(event)?;
                events.push(event);
            }
        }
        for event in &events {
            for (event_type, state_key) in auth_types_for_event(version, *event).iter() {
                let lookup = (event_type.to_owned(), state_key.to_owned());
                if let Some(auth_id) = unconflicted.get(&lookup) {
                    if let Some(auth_event) = provider.event(auth_id) {
                        room.check(auth_event)?;
                        auth.insert((event_type, state_key), auth_event);
                    }
                }
            }
        }
        match events.len() {
            0 => {}
            1 => {
                resolved.insert(key, events[0].event_id());
            }
            _ => conflicted_events.push((key, events)),
        }
    }
    let mut winners: Vec<(&'a StateKey, &'a P::Event)> = Vec::new();
    let stages: [fn(&StateKey) -> bool; 3] = [
        |key| key.0 == POWER_LEVELS && key.1.is_empty(),
        |key| key.0 == JOIN_RULES,
        |key| key.0 == MEMBER,
    ];
    let mut done = vec![false; conflicted_events.len()];
    for in_stage in stages {
        let mut stage_winners = Vec::new();
        for (index, (key, events)) in conflicted_events.iter().enumerate() {
            if !done[index] && in_stage(key) {
                done[index] = true;
                stage_winners.push((*key, resolve_auth_events(version, events, &auth)));
            }
        }
        for &(key, event) in &stage_winners {
            auth.insert(borrowed_key(key), event);
        }
        winners.extend(stage_winners);
    }
    for (index, (key, events)) in conflicted_events.iter().enumerate() {
        if !done[index] {
            winners.push((*key, resolve_normal_events(version, events, &auth)));
        }
    }

    let mut state: BTreeMap<Key<'a>, &'a str> = unconflicted
        .into_iter()
        .map(|(key, id)| (borrowed_key(key), id.as_str()))
        .collect();
    for (key, id) in resolved {
        state.insert(borrowed_key(key), id);
    }
    for (key, event) in winners {
        state.insert(borrowed_key(key), event.event_id());
    }
    Ok(ResolvedState::from_sorted(state.into_iter().collect()))
}

/// Newest (greatest depth) first, ties by the SHA-1 of the event ID.
fn ordered<'a, E: Event>(events: &[&'a E]) -> Vec<&'a E> {
    let mut keyed: Vec<(std::cmp::Reverse<i64>, [u8; 20], &'a E)> = events
        .iter()
        .map(|&event| {
            let hash: [u8; 20] = Sha1::digest(event.event_id().as_bytes()).into();
            (std::cmp::Reverse(event.depth()), hash, event)
        })
        .collect();
    keyed.sort_by_key(|&(depth, hash, _)| (depth, hash));
    keyed.into_iter().map(|(_, _, event)| event).collect()
}

fn passes<E: Event>(version: &RoomVersion, event: &E, auth: &[&E]) -> bool {
    check_against_state(version, event, auth).is_ok()
}

/// Replays the events from the oldest; each one is checked with the previous one in the state;
/// the last one that passes wins.
fn resolve_auth_events<'a, E: Event>(
    version: &RoomVersion,
    events: &[&'a E],
    auth: &HashMap<Key<'a>, &'a E>,
) -> &'a E {
    let mut order = ordered(events);
    order.reverse();
    let mut state: Vec<(Key<'a>, &'a E)> = Vec::new();
    for event in events {
        for key in auth_types_for_event(version, *event).iter() {
            if !state.iter().any(|(k, _)| *k == key) {
                if let Some(&auth_event) = auth.get(&key) {
                    state.push((key, auth_event));
                }
            }
        }
    }
    let mut previous = order[0];
    for &event in &order[1..] {
        let key = (
            previous.event_type(),
            previous.state_key().unwrap_or_default(),
        );
        match state.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = previous,
            None => state.push((key, previous)),
        }
        let list: Vec<&E> = state.iter().map(|(_, e)| *e).collect();
        if !passes(version, event, &list) {
            return previous;
        }
        previous = event;
    }
    previous
}

/// The newest event that passes against `auth`; the oldest if none does.
fn resolve_normal_events<'a, E: Event>(
    version: &RoomVersion,
    events: &[&'a E],
    auth: &HashMap<Key<'a>, &'a E>,
) -> &'a E {
    let order = ordered(events);
    let list: Vec<&E> = auth.values().copied().collect();
    for &event in &order {
        if passes(version, event, &list) {
            return event;
        }
    }
    order[order.len() - 1]
}
