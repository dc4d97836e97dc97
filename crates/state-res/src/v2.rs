//! State resolution v2 (room versions 2–11) and v2.1 (room version 12): the stateless front
//! (the auth graph of the state sets and the full conflicted set), and the steps after it, which
//! the room index shares.

use matrix_auth_rules::{AuthKey, Event};
use matrix_event_format::RoomVersion;
use matrix_event_format::room_version::StateResolution;

use crate::conflicted_set::{SetEvents, full_conflicted_set};
use crate::graph::{AuthGraph, Node, NodeRooms};
use crate::iterative::iterative_auth_checks;
use crate::mainline::{Mainline, Walk, mainline_sort};
use crate::power_sort::sorted_power_events;
use crate::provider::EventProvider;
use crate::resolved::{ResolvedState, StateEntry, borrowed_key};
use crate::room::RoomGuard;
use crate::split::{Split, split_v2};
use crate::working_state::WorkingState;
use crate::{ResolveError, StateMap};

/// Statistics of one resolution, for tools and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// State keys whose events differ between the state sets.
    pub conflicted_keys: usize,
    /// Events in the full conflicted set.
    pub full_conflicted_set: usize,
    /// Events of the auth graph read (stateless: the state sets' auth chains; with a room index:
    /// the events around the full conflicted set).
    pub auth_graph: usize,
}

/// What the steps after the full conflicted set need.
pub(crate) struct Prepared<'a, E> {
    /// The events read, with the auth edges of every event of the full conflicted set.
    pub graph: AuthGraph<'a, E>,
    /// The full conflicted set, a mark per node.
    pub in_set: Vec<bool>,
    /// The node of each unconflicted entry (in the order of [`Split::unconflicted`]).
    pub unconflicted: Vec<Node>,
    pub rooms: NodeRooms,
}

pub(crate) fn resolve<'a, P>(
    version: &RoomVersion,
    state_sets: &'a [StateMap],
    provider: &'a P,
    stats: &mut Stats,
) -> Result<ResolvedState<'a>, ResolveError>
where
    P: EventProvider + ?Sized,
{
    let split = split_v2(state_sets);
    stats.conflicted_keys = split.conflicted.len();
    if split.conflicted.is_empty() {
        return Ok(unconflicted_state(&split));
    }
    let prepared = prepare(version, state_sets, &split, provider, stats);
    finish(version, &split, prepared, &Walk, stats)
}

/// The state when nothing is conflicted.
pub(crate) fn unconflicted_state<'a>(split: &Split<'a>) -> ResolvedState<'a> {
    ResolvedState::from_sorted(
        split
            .unconflicted
            .iter()
            .map(|&(key, id)| (borrowed_key(key), id.as_str()))
            .collect(),
    )
}

/// The room being resolved: that of the first known event of the state sets.
pub(crate) fn room_guard<'e, E: Event + 'e>(
    mut events: impl Iterator<Item = Option<&'e E>>,
) -> RoomGuard {
    match events.find_map(|event| event) {
        Some(event) => RoomGuard::new(RoomGuard::room_of(event)),
        None => RoomGuard::new(String::new()),
    }
}

/// The stateless front: the auth DAG of every event in the state sets, and the full conflicted
/// set over it.
fn prepare<'a, P>(
    version: &RoomVersion,
    state_sets: &'a [StateMap],
    split: &Split<'a>,
    provider: &'a P,
    stats: &mut Stats,
) -> Prepared<'a, P::Event>
where
    P: EventProvider + ?Sized,
{
    // The auth graphs of the benchmark rooms hold 3.8–26 times their largest state (median 7.3);
    // larger ones grow their tables (which keep the hashes, so growing rehashes nothing).
    let largest = state_sets.iter().map(StateMap::len).max().unwrap_or(0);
    let mut graph: AuthGraph<'a, P::Event> = AuthGraph::for_provider(largest * 8, provider);
    // Each event once: the unconflicted ones, then per conflicted key each distinct event.
    let common: Vec<Node> = split
        .unconflicted
        .iter()
        .map(|(_, id)| graph.intern(id))
        .collect();
    // Not `vec![…; n]`: its clones of an empty vector would not keep the capacity.
    let mut own: Vec<Vec<Node>> = (0..state_sets.len())
        .map(|_| Vec::with_capacity(split.conflicted.len()))
        .collect();
    let mut distinct: Vec<(&String, Node)> = Vec::with_capacity(state_sets.len());
    for (_, ids) in split.conflicted_ids() {
        distinct.clear();
        for (set, id) in ids.iter().enumerate() {
            let Some(id) = *id else { continue };
            let node = match distinct.iter().find(|(seen, _)| *seen == id) {
                Some(&(_, node)) => node,
                None => {
                    let node = graph.intern(id);
                    distinct.push((id, node));
                    node
                }
            };
            own[set].push(node);
        }
    }
    // Its first known event names the room (usually the first event: one lookup).
    let guard = room_guard(
        state_sets
            .iter()
            .flat_map(StateMap::values)
            .map(|id| provider.event(id)),
    );
    graph.explore(version, provider, &guard);
    stats.auth_graph = graph.len();
    let rooms = NodeRooms::new(guard);

    let subgraph = version.state_resolution == StateResolution::V2_1;
    let sets = SetEvents { common, own };
    let in_set = full_conflicted_set(&graph, &sets, subgraph);
    Prepared {
        graph,
        in_set,
        unconflicted: sets.common,
        rooms,
    }
}

/// The steps after the full conflicted set: power events sorted and applied, the others sorted
/// by mainline and applied, and the unconflicted state laid over the result.
pub(crate) fn finish<'a, E: Event>(
    version: &RoomVersion,
    split: &Split<'a>,
    prepared: Prepared<'a, E>,
    mainline: &dyn Mainline<E>,
    stats: &mut Stats,
) -> Result<ResolvedState<'a>, ResolveError> {
    let Prepared {
        graph,
        in_set,
        unconflicted,
        rooms,
    } = prepared;
    let mut members = Vec::with_capacity(in_set.len());
    for (node, &marked) in in_set.iter().enumerate() {
        if marked {
            let node = node as Node;
            rooms.check(&graph, node)?;
            members.push(node);
        }
    }
    stats.full_conflicted_set = members.len();

    // v2 starts from the unconflicted state, v2.1 from an empty state; either way the
    // unconflicted keys are known to the state, as the result keeps their events.
    let empty_start = version.state_resolution == StateResolution::V2_1;
    let mut state = WorkingState::with_capacity(split.unconflicted.len() + members.len());
    for ((key, _), node) in split.unconflicted.iter().zip(&unconflicted) {
        let slot = state.intern_unconflicted(&key.0, &key.1);
        if !empty_start {
            state.set(slot, *node);
        }
    }
    state.intern_conflicted(split.conflicted.iter().map(|key| borrowed_key(key)));

    let power_events = sorted_power_events(version, &graph, &in_set);
    iterative_auth_checks(version, &graph, &power_events, &mut state, &rooms)?;

    let mut is_power = vec![false; graph.len()];
    for &node in &power_events {
        is_power[node as usize] = true;
    }
    let mut others: Vec<Node> = members
        .into_iter()
        .filter(|&node| !is_power[node as usize])
        .collect();
    let power_levels = state.get_auth(AuthKey::PowerLevels);
    mainline_sort(&graph, mainline, power_levels, &mut others, &rooms)?;
    iterative_auth_checks(version, &graph, &others, &mut state, &rooms)?;

    // The unconflicted state wins over what was resolved: merge the resolved entries of the
    // other keys into the (sorted) unconflicted ones. A resolved entry is named by its event
    // (which passed a check, so the graph has it), whose strings outlive the working state.
    let resolved = state.resolved_nodes();
    let mut extra = resolved.iter().filter_map(|&node| {
        let event = graph.event(node)?;
        let key = (event.event_type(), event.state_key().unwrap_or_default());
        Some((key, event.event_id()))
    });
    let mut entries: Vec<StateEntry<'a>> =
        Vec::with_capacity(split.unconflicted.len() + resolved.len());
    let mut next = extra.next();
    for &(key, id) in &split.unconflicted {
        let key = borrowed_key(key);
        while let Some(entry) = next.filter(|(extra_key, _)| *extra_key < key) {
            entries.push(entry);
            next = extra.next();
        }
        entries.push((key, id.as_str()));
    }
    entries.extend(next);
    entries.extend(extra);
    Ok(ResolvedState::from_sorted(entries))
}
