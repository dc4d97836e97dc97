//! The full conflicted set: the conflicted state set, the auth difference and (state resolution
//! v2.1) the conflicted state subgraph, computed over the interned auth DAG without recursion.

use matrix_auth_rules::Event;

use crate::graph::{AuthGraph, Node};

/// The events of the state sets: those in every set, and per set the others (the set's events
/// for conflicted keys).
pub(crate) struct SetEvents {
    pub common: Vec<Node>,
    pub own: Vec<Vec<Node>>,
}

/// Which state sets' full auth chains contain each node: one bit per state set, propagated from
/// the state sets' events to their ancestors, children before parents (Kahn's algorithm), so that
/// each node passes its bits on once. Nodes on or above an auth cycle (impossible with hashed
/// event IDs) are finished by propagating until nothing changes.
fn reaching_sets<E: Event>(graph: &AuthGraph<'_, E>, sets: &SetEvents) -> (Vec<u64>, usize) {
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
    let mut passed = 0;
    while let Some(node) = ready.pop() {
        passed += 1;
        for &parent in graph.parents(node) {
            merge(&mut masks, words, node, parent);
            waiting[parent as usize] -= 1;
            if waiting[parent as usize] == 0 {
                ready.push(parent);
            }
        }
    }
    if passed < n {
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
    (masks, words)
}

/// ORs the bits of `from` into `to`; whether `to` changed.
fn merge(masks: &mut [u64], words: usize, from: Node, to: Node) -> bool {
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
fn auth_difference<E: Event>(graph: &AuthGraph<'_, E>, sets: &SetEvents, marks: &mut [bool]) {
    let (masks, words) = reaching_sets(graph, sets);
    let full = full_mask(sets.own.len());
    for (node, mark) in marks.iter_mut().enumerate() {
        let mask = &masks[node * words..(node + 1) * words];
        if mask.iter().any(|&w| w != 0) && mask != full.as_slice() {
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
/// another (both included).
fn conflicted_subgraph<E: Event>(
    graph: &AuthGraph<'_, E>,
    conflicted: &[Node],
    marks: &mut [bool],
) {
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
    auth_difference(graph, sets, &mut marks);
    let conflicted: Vec<Node> = sets.own.iter().flatten().copied().collect();
    for &node in &conflicted {
        marks[node as usize] = true;
    }
    if subgraph {
        conflicted_subgraph(graph, &conflicted, &mut marks);
    }
    for (node, mark) in marks.iter_mut().enumerate() {
        if graph.event(node as Node).is_none() {
            *mark = false;
        }
    }
    marks
}
