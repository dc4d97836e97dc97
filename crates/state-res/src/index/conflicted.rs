//! The full conflicted set from the room index, and the small auth graph around it that the
//! steps after it read.
//!
//! The auth difference: an event is in a state set's auth chain if it is an ancestor of the
//! set's unconflicted events (common to all sets) or of its conflicted events. So only
//! ancestors of conflicted events can differ. They are swept in decreasing node number (children
//! before parents), each carrying one bit per state set whose conflicted events reach it; a node
//! that every set reaches, or that an unconflicted event reaches, is common and not expanded,
//! and the reach of such nodes answers "common?" for the nodes below them. The sweep stops where
//! the sets' histories meet.

use std::collections::BinaryHeap;

use foldhash::{HashMap, HashSet};
use matrix_event_format::room_version::StateResolution;

use super::RoomIndex;
use super::reach::Lowest;
use crate::graph::{AuthGraph, Node, NodeRooms};
use crate::kind::Kind;
use crate::provider::EventProvider;
use crate::split::Split;
use crate::v2::{Prepared, Stats, room_guard};
use crate::{ResolveError, StateMap};

/// The index nodes of the state sets' events: those in every set, and per set the others.
struct SetNodes {
    common: Vec<u32>,
    own: Vec<Vec<u32>>,
}

/// The graph the steps after the full conflicted set read, and its nodes' index nodes.
pub(crate) fn prepare<'a, P>(
    index: &RoomIndex,
    state_sets: &'a [StateMap],
    split: &Split<'a>,
    provider: &'a P,
    stats: &mut Stats,
) -> Result<(Prepared<'a, P::Event>, Vec<u32>), ResolveError>
where
    P: EventProvider + ?Sized,
{
    let sets = set_nodes(index, state_sets.len(), split)?;
    let mut full: Vec<u32> = auth_difference(index, &sets);
    let conflicted: Vec<u32> = sets.own.iter().flatten().copied().collect();
    full.extend_from_slice(&conflicted);
    if index.version.state_resolution == StateResolution::V2_1 {
        full.extend(conflicted_subgraph(index, &conflicted));
    }
    full.sort_unstable();
    full.dedup();

    // The local graph: the full set with its auth edges, their auth events, the unconflicted
    // events.
    let mut nodes: Vec<u32> = full.clone();
    let mut local: HashMap<u32, Node> = HashMap::default();
    for (i, &node) in nodes.iter().enumerate() {
        local.insert(node, i as Node);
    }
    let mut add = |node: u32, nodes: &mut Vec<u32>| {
        *local.entry(node).or_insert_with(|| {
            nodes.push(node);
            (nodes.len() - 1) as Node
        })
    };
    let mut edge_start = Vec::with_capacity(full.len() + 1);
    let mut edges = Vec::new();
    edge_start.push(0);
    for &node in &full {
        for &parent in index.parents(node) {
            let parent = add(parent, &mut nodes);
            edges.push(parent);
        }
        edge_start.push(edges.len() as u32);
    }
    let unconflicted: Vec<Node> = sets
        .common
        .iter()
        .map(|&node| add(node, &mut nodes))
        .collect();
    edge_start.resize(nodes.len() + 1, edges.len() as u32);

    let events: Vec<_> = nodes
        .iter()
        .map(|&node| provider.event(index.ids.get(node)))
        .collect();
    let guard = room_guard(
        state_sets
            .iter()
            .flat_map(StateMap::values)
            .map(|id| provider.event(id)),
    );
    let in_set = (0..nodes.len())
        .map(|i| i < full.len() && events[i].is_some())
        .collect();
    let (kinds, power) = nodes
        .iter()
        .zip(&events)
        .map(|(&node, event)| match event {
            Some(_) => (index.kinds[node as usize], index.power[node as usize]),
            None => (Kind::Missing, false),
        })
        .unzip();
    let graph = AuthGraph::from_parts(
        nodes.iter().map(|&node| index.ids.get(node)),
        events,
        (kinds, power),
        &guard,
        edge_start,
        edges,
    );
    stats.auth_graph = graph.len();
    let prepared = Prepared {
        graph,
        in_set,
        unconflicted,
        rooms: NodeRooms::new(guard),
    };
    Ok((prepared, nodes))
}

/// The index node of every event of the state sets.
fn set_nodes(index: &RoomIndex, sets: usize, split: &Split<'_>) -> Result<SetNodes, ResolveError> {
    let node = |id: &String| {
        index.node(id).ok_or_else(|| ResolveError::NotIndexed {
            event_id: id.clone(),
        })
    };
    let common = split
        .unconflicted
        .iter()
        .map(|(_, id)| node(id))
        .collect::<Result<_, _>>()?;
    let mut own = vec![Vec::new(); sets];
    for (_, ids) in split.conflicted_ids() {
        for (set, id) in ids.iter().enumerate() {
            if let Some(id) = id {
                own[set].push(node(id)?);
            }
        }
    }
    Ok(SetNodes { common, own })
}

/// The events in some but not all of the state sets' auth chains.
fn auth_difference(index: &RoomIndex, sets: &SetNodes) -> Vec<u32> {
    let words = sets.own.len().div_ceil(64).max(1);
    let full: Vec<u64> = (0..words)
        .map(
            |word| match sets.own.len().saturating_sub(word * 64).min(64) {
                64 => u64::MAX,
                bits => (1u64 << bits) - 1,
            },
        )
        .collect();
    // Chain → highest sequence number of the events known to be in every set's auth chain.
    let mut common: HashMap<u32, u32> = HashMap::default();
    let mut absorbed: HashSet<u32> = HashSet::default();
    for &node in &sets.common {
        index
            .tries
            .absorb(index.reach[node as usize], &mut common, &mut absorbed);
    }
    let is_common = |common: &HashMap<u32, u32>, node: u32| {
        let (chain, seq) = index.place[node as usize];
        common.get(&chain).is_some_and(|&reached| reached >= seq)
    };

    // Per queued node: where its mask starts in `masks`.
    let mut slots: HashMap<u32, usize> = HashMap::default();
    let mut masks: Vec<u64> = Vec::new();
    let mut queue: BinaryHeap<u32> = BinaryHeap::new();
    let mut mask_of = |node: u32, masks: &mut Vec<u64>, queue: &mut BinaryHeap<u32>| {
        *slots.entry(node).or_insert_with(|| {
            masks.resize(masks.len() + words, 0);
            queue.push(node);
            masks.len() - words
        })
    };
    for (set, nodes) in sets.own.iter().enumerate() {
        for &node in nodes {
            let slot = mask_of(node, &mut masks, &mut queue);
            masks[slot + set / 64] |= 1 << (set % 64);
        }
    }
    let mut difference = Vec::new();
    while let Some(node) = queue.pop() {
        let slot = mask_of(node, &mut masks, &mut queue);
        if is_common(&common, node) {
            continue;
        }
        if masks[slot..slot + words] == full[..] {
            index
                .tries
                .absorb(index.reach[node as usize], &mut common, &mut absorbed);
            continue;
        }
        difference.push(node);
        for &parent in index.parents(node) {
            let to = mask_of(parent, &mut masks, &mut queue);
            for word in 0..words {
                masks[to + word] |= masks[slot + word];
            }
        }
    }
    difference
}

/// The conflicted state subgraph: events on an auth path from one conflicted event to another.
/// From the conflicted events down, an auth event is on such a path if it has a conflicted event
/// in its own auth chain; above one that has not, none has.
fn conflicted_subgraph(index: &RoomIndex, conflicted: &[u32]) -> Vec<u32> {
    // Chain → lowest sequence number of a conflicted event on it.
    let mut lowest = Lowest::default();
    for &node in conflicted {
        let (chain, seq) = index.place[node as usize];
        lowest.insert(chain, seq);
    }
    let mut below_conflicted =
        |node: u32| (index.tries).reaches_any(index.reach[node as usize], &mut lowest);
    let mut seen: HashSet<u32> = conflicted.iter().copied().collect();
    let mut stack: Vec<u32> = seen.iter().copied().collect();
    let mut subgraph = Vec::new();
    while let Some(node) = stack.pop() {
        for &parent in index.parents(node) {
            if seen.insert(parent) && below_conflicted(parent) {
                subgraph.push(parent);
                stack.push(parent);
            }
        }
    }
    subgraph
}
