//! Matrix state resolution: v1 (room version 1), v2 (room versions 2–11) and v2.1 (room
//! version 12), checked against the reference implementation (Synapse).
//!
//! [`resolve`] takes the state sets to merge and an [`EventProvider`]; it computes the auth
//! chains, the auth difference and (v2.1) the conflicted state subgraph itself. It is
//! deterministic (every ordering has a full tie-break) and iterative (no recursion, so deep DAGs
//! cannot overflow the stack). The authorization rules come from [`matrix_auth_rules`].
//!
//! Async callers prefetch: [`missing_events`] lists the events resolution may read that the
//! provider lacks; fetch them (in batches), add them, repeat until nothing is missing (or what
//! is missing is unknown), then call [`resolve`], which never waits.
//!
//! Events come from an [`EventProvider`]: an [`Events`] store, a map from ID to event, or your
//! own storage.
//!
//! ```
//! use matrix_auth_rules::PduEvent;
//! use matrix_event_format::RoomVersion;
//! use matrix_state_res::{Events, StateMap, resolve};
//!
//! let version = RoomVersion::from_id("11").unwrap();
//! let events: Events<PduEvent> = Events::new(); // the room's events
//! let sets: Vec<StateMap> = vec![StateMap::new(), StateMap::new()];
//! let state = resolve(version, &sets, &events).unwrap(); // borrowed from `sets` and `events`
//! assert_eq!(state.get("m.room.create", ""), None);
//! let owned: StateMap = state.to_state_map(); // a copy that outlives them
//! assert!(owned.is_empty());
//! ```

mod conflicted_set;
mod events;
mod graph;
mod index;
mod interner;
mod iterative;
mod kind;
mod mainline;
mod power_sort;
mod provider;
mod resolved;
mod room;
mod split;
#[cfg(test)]
mod test_events;
mod v1;
mod v2;
mod working_state;

use std::collections::{BTreeMap, BTreeSet};

use matrix_event_format::RoomVersion;
use matrix_event_format::room_version::StateResolution;

pub use events::Events;
pub use index::{IndexError, RoomIndex};
pub use provider::{EventProvider, Prefetch};
pub use resolved::{ResolvedState, StateEntry};
pub use v2::Stats;

/// A state key: `(event type, state_key)`.
pub type StateKey = (String, String);

/// A room state: state key → event ID. Resolution reads state sets as these, and returns a
/// [`ResolvedState`] borrowed from them and the events.
pub type StateMap = BTreeMap<StateKey, String>;

/// Why state resolution failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// An event the algorithm read belongs to another room than the state sets' events.
    #[error("event {event_id} belongs to room {found}, not {expected}")]
    WrongRoom {
        event_id: String,
        expected: String,
        found: String,
    },
    /// An event of the state sets is not in the [`RoomIndex`] resolving them.
    #[error("event {event_id} is not in the room index")]
    NotIndexed { event_id: String },
}

/// Resolves `state_sets` (the states after the `prev_events` of an event) into one state with
/// the algorithm of `version`. No state set gives the empty state, one gives itself.
///
/// The result borrows its strings from `state_sets` and `events` (see [`ResolvedState`]): an
/// unconflicted key keeps the state sets' entry, and a resolved one is named by its event's type,
/// state key and [`event_id`](matrix_auth_rules::Event::event_id).
/// Events the provider does not have are left out, as the reference implementation does; events
/// rejected on receipt ([`Event::rejected`](matrix_auth_rules::Event::rejected)) are never
/// applied during the iterative auth checks, and rejected auth events are not used.
pub fn resolve<'a, P: EventProvider + ?Sized>(
    version: &RoomVersion,
    state_sets: &'a [StateMap],
    events: &'a P,
) -> Result<ResolvedState<'a>, ResolveError> {
    resolve_with_stats(version, state_sets, events).map(|(state, _)| state)
}

/// [`resolve`], with statistics of the work done.
pub fn resolve_with_stats<'a, P: EventProvider + ?Sized>(
    version: &RoomVersion,
    state_sets: &'a [StateMap],
    events: &'a P,
) -> Result<(ResolvedState<'a>, Stats), ResolveError> {
    by_algorithm(version, state_sets, events, |stats| {
        v2::resolve(version, state_sets, events, stats)
    })
}

/// What every path shares: no state set gives the empty state, one gives itself, room version
/// 1 has its own algorithm; `v2` resolves the rest.
fn by_algorithm<'a, P: EventProvider + ?Sized>(
    version: &RoomVersion,
    state_sets: &'a [StateMap],
    events: &'a P,
    v2: impl FnOnce(&mut Stats) -> Result<ResolvedState<'a>, ResolveError>,
) -> Result<(ResolvedState<'a>, Stats), ResolveError> {
    let mut stats = Stats::default();
    let state = match state_sets {
        [] => ResolvedState::default(),
        [only] => ResolvedState::from(only),
        _ => match version.state_resolution {
            StateResolution::V1 => v1::resolve(version, state_sets, events)?,
            StateResolution::V2 | StateResolution::V2_1 => v2(&mut stats)?,
        },
    };
    Ok((state, stats))
}

/// The IDs of events [`resolve`] may read that `events` does not have: the events of the state
/// sets and of their auth chains (and, in room version 12, the create events the room IDs
/// imply). Fetch them and call again until the result is empty or only holds unknown events.
pub fn missing_events<P: EventProvider + ?Sized>(
    version: &RoomVersion,
    state_sets: &[StateMap],
    events: &P,
) -> BTreeSet<String> {
    let mut graph = graph::AuthGraph::with_capacity(64);
    for id in state_sets.iter().flat_map(|set| set.values()) {
        graph.intern(id);
    }
    graph.explore(version, events, &room::RoomGuard::new(String::new()));
    (0..graph.len() as graph::Node)
        .filter(|&node| graph.event(node).is_none())
        .map(|node| graph.id(node).to_owned())
        .collect()
}
