//! Step 3 of state resolution v2: the mainline ordering of the remaining events, based on the
//! resolved power levels event. Mainline positions are memoised along each walk.

use matrix_auth_rules::Event;

use crate::ResolveError;
use crate::graph::{AuthGraph, Node};
use crate::room::NodeRooms;

/// Sorts `events` by mainline position (events based on older power levels first), then
/// `origin_server_ts`, then event ID.
pub(crate) fn mainline_sort<E: Event>(
    graph: &AuthGraph<'_, E>,
    power_levels: Option<Node>,
    events: &mut [Node],
    rooms: &NodeRooms,
) -> Result<(), ResolveError> {
    if events.is_empty() {
        return Ok(());
    }
    const UNKNOWN: u32 = u32::MAX;
    // Mainline: the resolved power levels, its power levels auth event, and so on.
    let mut position = vec![UNKNOWN; graph.len()];
    let mut mainline = Vec::new();
    let mut next = power_levels;
    while let Some(node) = next {
        if position[node as usize] != UNKNOWN {
            break; // an auth cycle; impossible with hashed event IDs
        }
        position[node as usize] = 0;
        mainline.push(node);
        rooms.check(graph, node)?;
        next = graph.power_levels_parent(node);
    }
    let length = mainline.len() as u32;
    for (index, &node) in mainline.iter().enumerate() {
        position[node as usize] = length - index as u32;
    }

    // Each event's position: that of the first mainline event on its power levels chain.
    let mut depth = position;
    let mut path = Vec::new();
    for &event in events.iter() {
        let mut current = Some(event);
        let found = loop {
            let Some(node) = current else { break 0 };
            if depth[node as usize] != UNKNOWN {
                break depth[node as usize];
            }
            if path.len() > graph.len() {
                break 0;
            }
            path.push(node);
            current = graph.power_levels_parent(node);
            if let Some(parent) = current {
                rooms.check(graph, parent)?;
            }
        };
        for node in path.drain(..) {
            depth[node as usize] = found;
        }
    }
    let mut keyed: Vec<(u32, i64, &str, Node)> = events
        .iter()
        .map(|&node| {
            let ts = graph.event(node).map_or(0, |e| e.origin_server_ts());
            (depth[node as usize], ts, graph.id(node), node)
        })
        .collect();
    keyed.sort_unstable();
    for (slot, (_, _, _, node)) in events.iter_mut().zip(keyed) {
        *slot = node;
    }
    Ok(())
}
