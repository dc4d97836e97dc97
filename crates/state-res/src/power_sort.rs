//! Step 1 of state resolution v2: the power events of the full conflicted set and their auth
//! ancestors in it, in reverse topological power ordering (Kahn's algorithm with a binary heap).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use matrix_auth_rules::Event;
use matrix_auth_rules::ParsedPowerLevels;
use matrix_auth_rules::levels::{CREATOR_POWER_LEVEL, is_creator};
use matrix_event_format::RoomVersion;
use matrix_event_format::room_version::CreatorRule;
use serde_json::Value;

use crate::graph::{AuthGraph, Node};
use crate::kind::Kind;

/// The power level of an event's sender according to the event's own auth events: a v12 room
/// creator's, else `users` / `users_default` of its power levels event; without one, 100 for the
/// room creator and 0 for others. Unreadable levels count as 0.
pub(crate) fn sender_power_level<E: Event>(
    version: &RoomVersion,
    graph: &AuthGraph<'_, E>,
    node: Node,
) -> i128 {
    let Some(event) = graph.event(node) else {
        return 0;
    };
    let sender = event.sender();
    let of_kind = |kind: Kind| {
        graph
            .parents(node)
            .iter()
            .filter(move |&&p| graph.kind(p) == kind)
            .filter_map(|&p| graph.event(p))
    };
    let power_levels = of_kind(Kind::PowerLevels).next_back();
    let create = of_kind(Kind::Create).next_back();
    if version.creator == CreatorRule::SenderAndAdditionalCreators {
        if let Some(create) = create {
            if is_creator(version, create, sender) == Ok(true) {
                return CREATOR_POWER_LEVEL;
            }
        }
    }
    let Some(power_levels) = power_levels else {
        let Some(create) = of_kind(Kind::Create).next() else {
            return 0;
        };
        let creator = match version.creator {
            CreatorRule::ContentCreator => create.content().get("creator").and_then(Value::as_str),
            CreatorRule::Sender | CreatorRule::SenderAndAdditionalCreators => Some(create.sender()),
        };
        return if creator == Some(sender) { 100 } else { 0 };
    };
    ParsedPowerLevels::of(power_levels)
        .listed_user_level(sender)
        .unwrap_or(0)
}

/// The power events of the full conflicted set (`in_set`) and their auth ancestors within it,
/// sorted: auth events first, ties broken by higher sender power level, then lower
/// `origin_server_ts`, then lower event ID. Nodes on an auth cycle (impossible with hashed IDs)
/// are left out.
pub(crate) fn sorted_power_events<E: Event>(
    version: &RoomVersion,
    graph: &AuthGraph<'_, E>,
    in_set: &[bool],
) -> Vec<Node> {
    const NONE: u32 = u32::MAX;
    let mut local = vec![NONE; graph.len()];
    let mut nodes: Vec<Node> = Vec::new();
    let mut stack: Vec<Node> = Vec::new();
    for node in 0..graph.len() as Node {
        let power = in_set[node as usize] && graph.is_power(node);
        if power && local[node as usize] == NONE {
            local[node as usize] = nodes.len() as u32;
            nodes.push(node);
            stack.push(node);
            while let Some(current) = stack.pop() {
                for &parent in graph.parents(current) {
                    if in_set[parent as usize] && local[parent as usize] == NONE {
                        local[parent as usize] = nodes.len() as u32;
                        nodes.push(parent);
                        stack.push(parent);
                    }
                }
            }
        }
    }

    // Distinct auth edges within the graph: out-degrees, and children for Kahn's algorithm.
    let count = nodes.len();
    let mut outdegree = vec![0u32; count];
    let mut child_start = vec![0u32; count + 1];
    let mut edges: Vec<(u32, u32)> = Vec::new();
    for (index, &node) in nodes.iter().enumerate() {
        let start = edges.len();
        for &parent in graph.parents(node) {
            let parent_local = local[parent as usize];
            if parent_local != NONE && !edges[start..].iter().any(|&(_, p)| p == parent_local) {
                edges.push((index as u32, parent_local));
            }
        }
        outdegree[index] = (edges.len() - start) as u32;
    }
    for &(_, parent) in &edges {
        child_start[parent as usize + 1] += 1;
    }
    for i in 0..count {
        child_start[i + 1] += child_start[i];
    }
    let mut fill = child_start.clone();
    let mut children = vec![0u32; edges.len()];
    for &(child, parent) in &edges {
        children[fill[parent as usize] as usize] = child;
        fill[parent as usize] += 1;
    }

    let key = |index: u32| {
        let node = nodes[index as usize];
        let ts = graph.event(node).map_or(0, |e| e.origin_server_ts());
        Reverse((
            Reverse(sender_power_level(version, graph, node)),
            ts,
            graph.id(node),
            index,
        ))
    };
    let mut heap: BinaryHeap<_> = (0..count as u32)
        .filter(|&index| outdegree[index as usize] == 0)
        .map(key)
        .collect();
    let mut sorted = Vec::with_capacity(count);
    while let Some(Reverse((_, _, _, index))) = heap.pop() {
        sorted.push(nodes[index as usize]);
        let range = child_start[index as usize] as usize..child_start[index as usize + 1] as usize;
        for &child in &children[range] {
            outdegree[child as usize] -= 1;
            if outdegree[child as usize] == 0 {
                heap.push(key(child));
            }
        }
    }
    sorted
}
