//! The full conflicted set: the conflicted state set, the auth difference and (state resolution
//! v2.1) the conflicted state subgraph, computed over the interned auth DAG without recursion.

use matrix_auth_rules::Event;

use crate::graph::{AuthGraph, Node};

/// Which state sets' full auth chains contain each node: one bit per state set, propagated from
/// the state sets' events to their ancestors until nothing changes (cycles terminate too).
fn reaching_sets<E: Event>(graph: &AuthGraph<'_, E>, sets: &[Vec<Node>]) -> (Vec<u64>, usize) {
    let words = sets.len().div_ceil(64).max(1);
    let mut masks = vec![0u64; graph.len() * words];
    let mut queued = vec![false; graph.len()];
    let mut stack = Vec::new();
    for (set, nodes) in sets.iter().enumerate() {
        let (word, bit) = (set / 64, 1u64 << (set % 64));
        for &node in nodes {
            masks[node as usize * words + word] |= bit;
            if !queued[node as usize] {
                queued[node as usize] = true;
                stack.push(node);
            }
        }
    }
    while let Some(node) = stack.pop() {
        queued[node as usize] = false;
        let from = node as usize * words;
        for &parent in graph.parents(node) {
            let to = parent as usize * words;
            let mut changed = false;
            for word in 0..words {
                let merged = masks[to + word] | masks[from + word];
                if merged != masks[to + word] {
                    masks[to + word] = merged;
                    changed = true;
                }
            }
            if changed && !queued[parent as usize] {
                queued[parent as usize] = true;
                stack.push(parent);
            }
        }
    }
    (masks, words)
}

/// Marks the nodes of the auth difference: those in some but not all full auth chains (a
/// state set's events count as part of its chain).
fn auth_difference<E: Event>(graph: &AuthGraph<'_, E>, sets: &[Vec<Node>], marks: &mut [bool]) {
    let (masks, words) = reaching_sets(graph, sets);
    let full: Vec<u64> = (0..words)
        .map(|word| {
            let bits = (sets.len() - word * 64).min(64);
            if bits == 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            }
        })
        .collect();
    for (node, mark) in marks.iter_mut().enumerate() {
        let mask = &masks[node * words..(node + 1) * words];
        if mask.iter().any(|&w| w != 0) && mask != full.as_slice() {
            *mark = true;
        }
    }
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
    sets: &[Vec<Node>],
    conflicted: &[Node],
    subgraph: bool,
) -> Vec<bool> {
    let mut marks = vec![false; graph.len()];
    auth_difference(graph, sets, &mut marks);
    for &node in conflicted {
        marks[node as usize] = true;
    }
    if subgraph {
        conflicted_subgraph(graph, conflicted, &mut marks);
    }
    for (node, mark) in marks.iter_mut().enumerate() {
        if graph.event(node as Node).is_none() {
            *mark = false;
        }
    }
    marks
}
