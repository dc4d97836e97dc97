//! The full conflicted set: the conflicted state set, the auth difference and (state resolution
//! v2.1) the conflicted state subgraph, computed over the interned auth DAG without recursion.

use matrix_auth_rules::Event;

use crate::graph::{AuthGraph, Node};
use crate::kind::Kind;

/// The events of the state sets: those in every set, and per set the others (the set's events
/// for conflicted keys).
pub(crate) struct SetEvents {
    pub common: Vec<Node>,
    pub own: Vec<Vec<Node>>,
}

/// Which state sets' full auth chains contain each node (`words` words of bits per node), and
/// the order the nodes passed their bits on in.
struct Reach {
    masks: Vec<u64>,
    words: usize,
    /// Children before parents; nodes on or above an auth cycle are not in it.
    order: Vec<Node>,
}

/// One bit per state set, propagated from the state sets' events to their ancestors, children
/// before parents (Kahn's algorithm), so that each node passes its bits on once. Nodes on or
/// above an auth cycle (impossible with hashed event IDs) are finished by propagating until
/// nothing changes.
fn reaching_sets<E: Event>(graph: &AuthGraph<'_, E>, sets: &SetEvents) -> Reach {
    let n = graph.len();
    let words = sets.own.len().div_ceil(64).max(1);
    let mut masks = vec![0u64; n * words];
    let full = full_mask(sets.own.len());
    for &node in &sets.common {
        masks[node as usize * words..][..words].copy_from_slice(&full);
    }
    for (set, nodes) in sets.own.iter().enumerate() {
        let (word, bit) = (set / 64, 1u64 << (set % 64));
        for &node in nodes {
            masks[node as usize * words + word] |= bit;
        }
    }
    // Children not yet passed on, per node.
    let mut waiting = vec![0u32; n];
    for node in 0..n as Node {
        for &parent in graph.parents(node) {
            waiting[parent as usize] += 1;
        }
    }
    let mut ready: Vec<Node> = (0..n as Node)
        .filter(|&node| waiting[node as usize] == 0)
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(node) = ready.pop() {
        order.push(node);
        for &parent in graph.parents(node) {
            merge(&mut masks, words, node, parent);
            waiting[parent as usize] -= 1;
            if waiting[parent as usize] == 0 {
                ready.push(parent);
            }
        }
    }
    if order.len() < n {
        let mut stack: Vec<Node> = (0..n as Node)
            .filter(|&node| waiting[node as usize] > 0)
            .collect();
        let mut queued = vec![false; n];
        for &node in &stack {
            queued[node as usize] = true;
        }
        while let Some(node) = stack.pop() {
            queued[node as usize] = false;
            for &parent in graph.parents(node) {
                if merge(&mut masks, words, node, parent) && !queued[parent as usize] {
                    queued[parent as usize] = true;
                    stack.push(parent);
                }
            }
        }
    }
    Reach {
        masks,
        words,
        order,
    }
}

/// ORs the bits of `from` into `to`; whether `to` changed.
#[inline]
fn merge(masks: &mut [u64], words: usize, from: Node, to: Node) -> bool {
    if words == 1 {
        let merged = masks[to as usize] | masks[from as usize];
        let changed = merged != masks[to as usize];
        masks[to as usize] = merged;
        return changed;
    }
    let (from, to) = (from as usize * words, to as usize * words);
    let mut changed = false;
    for word in 0..words {
        let merged = masks[to + word] | masks[from + word];
        changed |= merged != masks[to + word];
        masks[to + word] = merged;
    }
    changed
}

/// Marks the nodes of the auth difference: those in some but not all full auth chains (a
/// state set's events count as part of its chain).
fn auth_difference(reach: &Reach, sets: &SetEvents, marks: &mut [bool]) {
    let full = full_mask(sets.own.len());
    for (mask, mark) in reach.masks.chunks_exact(reach.words).zip(marks.iter_mut()) {
        if mask.iter().any(|&w| w != 0) && mask.iter().zip(&full).any(|(w, f)| w != f) {
            *mark = true;
        }
    }
}

/// The mask with one bit for each of `sets` state sets.
fn full_mask(sets: usize) -> Vec<u64> {
    (0..sets.div_ceil(64).max(1))
        .map(|word| match sets.saturating_sub(word * 64).min(64) {
            64 => u64::MAX,
            bits => (1u64 << bits) - 1,
        })
        .collect()
}

/// Marks the conflicted state subgraph: the events on an auth path from one conflicted event to
/// another (both included), that is the ancestors of conflicted events that have a conflicted
/// event among their own ancestors (each counting as its own ancestor). Two passes over
/// `order` (children before parents) find both, when every node is in it.
fn conflicted_subgraph<E: Event>(
    graph: &AuthGraph<'_, E>,
    conflicted: &[Node],
    order: &[Node],
    marks: &mut [bool],
) {
    let n = graph.len();
    if order.len() < n {
        return subgraph_by_walks(graph, conflicted, marks);
    }
    let mut is_conflicted = vec![false; n];
    for &node in conflicted {
        is_conflicted[node as usize] = true;
    }
    let mut ancestor = is_conflicted.clone();
    for &node in order {
        if ancestor[node as usize] {
            for &parent in graph.parents(node) {
                ancestor[parent as usize] = true;
            }
        }
    }
    let mut above_conflicted = is_conflicted;
    for &node in order.iter().rev() {
        let node = node as usize;
        if !above_conflicted[node]
            && graph
                .parents(node as Node)
                .iter()
                .any(|&parent| above_conflicted[parent as usize])
        {
            above_conflicted[node] = true;
        }
        if above_conflicted[node] && ancestor[node] {
            marks[node] = true;
        }
    }
}

/// [`conflicted_subgraph`] for graphs with an auth cycle (impossible with hashed event IDs): the
/// ancestors of the conflicted events, then the descendants of the conflicted events among them.
fn subgraph_by_walks<E: Event>(graph: &AuthGraph<'_, E>, conflicted: &[Node], marks: &mut [bool]) {
    let n = graph.len();
    // Ancestors (inclusive) of the conflicted events.
    let mut ancestor = vec![false; n];
    let mut stack: Vec<Node> = Vec::new();
    for &node in conflicted {
        if !ancestor[node as usize] {
            ancestor[node as usize] = true;
            stack.push(node);
        }
    }
    while let Some(node) = stack.pop() {
        for &parent in graph.parents(node) {
            if !ancestor[parent as usize] {
                ancestor[parent as usize] = true;
                stack.push(parent);
            }
        }
    }
    // Reverse edges among the ancestors: a path from an ancestor down to a conflicted event
    // stays among the ancestors.
    let mut child_count = vec![0u32; n + 1];
    for node in 0..n as Node {
        if ancestor[node as usize] {
            for &parent in graph.parents(node) {
                child_count[parent as usize + 1] += 1;
            }
        }
    }
    for i in 0..n {
        child_count[i + 1] += child_count[i];
    }
    let mut fill = child_count.clone();
    let mut children = vec![0 as Node; child_count[n] as usize];
    for node in 0..n as Node {
        if ancestor[node as usize] {
            for &parent in graph.parents(node) {
                children[fill[parent as usize] as usize] = node;
                fill[parent as usize] += 1;
            }
        }
    }
    // Descendants (inclusive) of the conflicted events among the ancestors.
    let mut seen = vec![false; n];
    for &node in conflicted {
        if !seen[node as usize] {
            seen[node as usize] = true;
            marks[node as usize] = true;
            stack.push(node);
        }
    }
    while let Some(node) = stack.pop() {
        let range = child_count[node as usize] as usize..child_count[node as usize + 1] as usize;
        for &child in &children[range] {
            if !seen[child as usize] {
                seen[child as usize] = true;
                marks[child as usize] = true;
                stack.push(child);
            }
        }
    }
}

/// The full conflicted set as a mark per node: conflicted events, the auth difference and, if
/// `subgraph`, the conflicted state subgraph; events the provider does not have are left out.
pub(crate) fn full_conflicted_set<E: Event>(
    graph: &AuthGraph<'_, E>,
    sets: &SetEvents,
    subgraph: bool,
) -> Vec<bool> {
    let mut marks = vec![false; graph.len()];
    let reach = reaching_sets(graph, sets);
    auth_difference(&reach, sets, &mut marks);
    let conflicted: Vec<Node> = sets.own.iter().flatten().copied().collect();
    for &node in &conflicted {
        marks[node as usize] = true;
    }
    if subgraph {
        conflicted_subgraph(graph, &conflicted, &reach.order, &mut marks);
    }
    for (node, mark) in marks.iter_mut().enumerate() {
        if graph.kind(node as Node) == Kind::Missing {
            *mark = false;
        }
    }
    marks
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use matrix_auth_rules::PduEvent;
    use matrix_event_format::RoomVersion;
    use matrix_test_support::Rng;

    use super::*;
    use crate::room::RoomGuard;
    use crate::test_events::topic;

    /// A topic event (`$e{i}`) with the given auth events, by index, keyed by its ID.
    fn event(version: &'static RoomVersion, i: usize, auth: &[usize]) -> (String, PduEvent) {
        (format!("$e{i}"), topic(version, i, auth))
    }

    /// The subgraph both ways, for `conflicted` events of a graph of `events`.
    fn both_ways(
        events: &HashMap<String, PduEvent>,
        conflicted: &[&str],
    ) -> (Vec<bool>, Vec<bool>) {
        let version = RoomVersion::from_id("10").expect("a known room version");
        let mut graph = AuthGraph::with_capacity(events.len());
        let nodes: Vec<Node> = conflicted.iter().map(|id| graph.intern(id)).collect();
        graph.explore(version, events, &RoomGuard::new("!r:x".to_owned()));
        let sets = SetEvents {
            common: Vec::new(),
            own: vec![nodes.clone()],
        };
        let reach = reaching_sets(&graph, &sets);
        let mut by_order = vec![false; graph.len()];
        conflicted_subgraph(&graph, &nodes, &reach.order, &mut by_order);
        let mut by_walks = vec![false; graph.len()];
        subgraph_by_walks(&graph, &nodes, &mut by_walks);
        (by_order, by_walks)
    }

    #[test]
    fn the_passes_over_the_order_mark_what_the_walks_mark() {
        let version = RoomVersion::from_id("10").expect("a known room version");
        let mut rng = Rng(7);
        let mut next = |n| rng.below(n);
        let mut marked = 0;
        for _ in 0..200 {
            let size = 2 + next(40);
            let events: HashMap<String, PduEvent> = (0..size)
                .map(|i| {
                    let auth: Vec<usize> =
                        (0..next(4)).filter(|_| i > 0).map(|_| next(i)).collect();
                    event(version, i, &auth)
                })
                .collect();
            let conflicted: Vec<String> = (0..1 + next(5))
                .map(|_| format!("$e{}", next(size)))
                .collect();
            let conflicted: Vec<&str> = conflicted.iter().map(String::as_str).collect();
            let (by_order, by_walks) = both_ways(&events, &conflicted);
            assert_eq!(by_order, by_walks);
            marked += by_order.iter().filter(|&&m| m).count();
        }
        assert!(marked > 400, "{marked} marks");
    }

    #[test]
    fn an_auth_cycle_is_walked() {
        let version = RoomVersion::from_id("10").expect("a known room version");
        // $e2 → $e0 ⇄ $e1 (a cycle, possible only with server-assigned IDs), $e3 → $e2.
        let events: HashMap<String, PduEvent> = [
            event(version, 0, &[1]),
            event(version, 1, &[0]),
            event(version, 2, &[0]),
            event(version, 3, &[2]),
        ]
        .into_iter()
        .collect();
        let (by_order, by_walks) = both_ways(&events, &["$e3", "$e1"]);
        assert_eq!(by_order, by_walks);
        // Nodes in interning order: $e3, $e1, $e2, $e0; every one is on the path $e3 → $e1.
        assert_eq!(by_order, [true, true, true, true]);
    }
}
