//! The iterative auth checks: apply events in order to a state, each one if it passes the
//! authorization rules against that state (falling back to its own non-rejected auth events
//! for keys the state lacks).

use foldhash::HashMap;
use matrix_auth_rules::{Event, auth_types_for_event, check_against_state};
use matrix_event_format::RoomVersion;

use crate::ResolveError;
use crate::graph::{AuthGraph, Node};
use crate::room::RoomGuard;

/// A room state during resolution: `(type, state_key)` → node.
pub(crate) type WorkingState<'a> = HashMap<(&'a str, &'a str), Node>;

/// Applies `order` to `state`. Events rejected on receipt are not applied (as in the reference
/// implementation, which keeps earlier rejections); the others are applied if they pass the
/// rules against their own non-rejected auth events overlaid with the state's events for their
/// auth types.
pub(crate) fn iterative_auth_checks<'a, E: Event>(
    version: &RoomVersion,
    graph: &AuthGraph<'a, E>,
    order: &[Node],
    state: &mut WorkingState<'a>,
    room: &RoomGuard,
) -> Result<(), ResolveError> {
    let mut auth_events: Vec<&'a E> = Vec::with_capacity(16);
    for &node in order {
        let Some(event) = graph.event(node) else {
            continue;
        };
        auth_events.clear();
        for &parent in graph.parents(node) {
            if let Some(auth_event) = graph.event(parent) {
                room.check(auth_event)?;
                if !auth_event.rejected() {
                    auth_events.push(auth_event);
                }
            }
        }
        for (event_type, state_key) in auth_types_for_event(version, event).iter() {
            let Some(&current) = state.get(&(event_type, state_key)) else {
                continue;
            };
            if let Some(current) = graph.event(current) {
                room.check(current)?;
                if !current.rejected() {
                    auth_events.push(current);
                }
            }
        }
        if event.rejected() {
            continue;
        }
        if check_against_state(version, event, auth_events.as_slice()).is_ok() {
            if let Some(state_key) = event.state_key() {
                state.insert((event.event_type(), state_key), node);
            }
        }
    }
    Ok(())
}
