//! State resolution v2 (room versions 2–11) and v2.1 (room version 12).

use std::borrow::Cow;

use matrix_auth_rules::POWER_LEVELS;
use matrix_event_format::RoomVersion;
use matrix_event_format::room_version::StateResolution;

use crate::conflicted_set::full_conflicted_set;
use crate::graph::{AuthGraph, Node};
use crate::iterative::iterative_auth_checks;
use crate::mainline::mainline_sort;
use crate::power_sort::sorted_power_events;
use crate::provider::EventProvider;
use crate::room::{NodeRooms, RoomGuard};
use crate::split::{Split, split_v2};
use crate::working_state::WorkingState;
use crate::{ResolveError, StateKey, StateMap};

/// Statistics of one resolution, for tools and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// State keys whose events differ between the state sets.
    pub conflicted_keys: usize,
    /// Events in the full conflicted set.
    pub full_conflicted_set: usize,
    /// Events interned from the state sets' auth chains.
    pub auth_graph: usize,
}

pub(crate) fn resolve<'a, P>(
    version: &RoomVersion,
    state_sets: &'a [StateMap],
    provider: &'a P,
    stats: &mut Stats,
) -> Result<StateMap, ResolveError>
where
    P: EventProvider + ?Sized,
{
    let Split {
        unconflicted,
        conflicted,
    } = split_v2(state_sets);
    stats.conflicted_keys = conflicted.len();
    if conflicted.is_empty() {
        return Ok(unconflicted
            .into_iter()
            .map(|(key, id)| (key.clone(), id.clone()))
            .collect());
    }

    // The auth DAG of every event in the state sets.
    let state_events: usize = state_sets.iter().map(StateMap::len).sum();
    let mut graph: AuthGraph<'a, P::Event> = AuthGraph::with_capacity(state_events * 4);
    let sets: Vec<Vec<Node>> = state_sets
        .iter()
        .map(|set| {
            set.values()
                .map(|id| graph.intern(provider, Cow::Borrowed(id.as_str())))
                .collect()
        })
        .collect();
    graph.explore(version, provider);
    stats.auth_graph = graph.len();
    let room = match sets.iter().flatten().find_map(|&node| graph.event(node)) {
        Some(event) => RoomGuard::new(RoomGuard::room_of(event)),
        None => RoomGuard::new(String::new()),
    };
    let rooms = NodeRooms::new(room, &graph);

    let conflicted_nodes: Vec<Node> = conflicted
        .iter()
        .flat_map(|(_, ids)| ids.iter())
        .filter_map(|id| graph.lookup(id))
        .collect();
    let subgraph = version.state_resolution == StateResolution::V2_1;
    let in_set = full_conflicted_set(&graph, &sets, &conflicted_nodes, subgraph);
    let mut members = Vec::new();
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
    let mut state = WorkingState::with_capacity(unconflicted.len() + members.len());
    for (key, id) in &unconflicted {
        let slot = state.intern_unconflicted(&key.0, &key.1);
        if !subgraph {
            if let Some(node) = graph.lookup(id) {
                state.set(slot, node);
            }
        }
    }

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
    let power_levels = state.get(POWER_LEVELS, "");
    mainline_sort(&graph, power_levels, &mut others, &rooms)?;
    iterative_auth_checks(version, &graph, &others, &mut state, &rooms)?;

    // The unconflicted state wins over what was resolved: merge the resolved entries of the
    // other keys into the (sorted) unconflicted ones, and build the map from sorted entries.
    let mut extra: Vec<((&str, &str), Node)> = state.resolved_entries().collect();
    extra.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut entries: Vec<(StateKey, String)> = Vec::with_capacity(unconflicted.len() + extra.len());
    let mut extra = extra.into_iter().peekable();
    for (key, id) in &unconflicted {
        while let Some(((event_type, state_key), node)) =
            extra.next_if(|((t, k), _)| (*t, *k) < (key.0.as_str(), key.1.as_str()))
        {
            entries.push((
                (event_type.to_owned(), state_key.to_owned()),
                graph.id(node).to_owned(),
            ));
        }
        entries.push(((*key).clone(), (*id).clone()));
    }
    for ((event_type, state_key), node) in extra {
        entries.push((
            (event_type.to_owned(), state_key.to_owned()),
            graph.id(node).to_owned(),
        ));
    }
    Ok(entries.into_iter().collect())
}
