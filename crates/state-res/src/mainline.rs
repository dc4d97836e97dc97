//! Step 3 of state resolution v2: the mainline ordering of the remaining events, based on the
//! resolved power levels event.

use matrix_auth_rules::Event;

use crate::ResolveError;
use crate::graph::{AuthGraph, Node, NodeRooms};

/// Gives each event its mainline position: that of the first event of the mainline (the resolved
/// power levels event, its power levels auth event, and so on; the oldest at 1) on the event's
/// own chain of power levels auth events, the event included; 0 if there is none.
pub(crate) trait Mainline<E> {
    fn positions(
        &self,
        graph: &AuthGraph<'_, E>,
        power_levels: Option<Node>,
        events: &[Node],
        rooms: &NodeRooms,
    ) -> Result<Vec<u32>, ResolveError>;
}

/// Sorts `events` by mainline position (events based on older power levels first), then
/// `origin_server_ts`, then event ID.
pub(crate) fn mainline_sort<E: Event>(
    graph: &AuthGraph<'_, E>,
    mainline: &dyn Mainline<E>,
    power_levels: Option<Node>,
    events: &mut [Node],
    rooms: &NodeRooms,
) -> Result<(), ResolveError> {
    if events.is_empty() {
        return Ok(());
    }
    let positions = mainline.positions(graph, power_levels, events, rooms)?;
    let timestamps: Vec<i64> = events
        .iter()
        .map(|&node| graph.event(node).map_or(0, |e| e.origin_server_ts()))
        .collect();
    // Position and timestamp packed into one integer; the event ID breaks the remaining ties.
    // Offsets from the earliest timestamp fit in the bits the positions leave (always, for
    // timestamps within years of each other); otherwise the pair takes 128 bits.
    let earliest = timestamps.iter().copied().min().unwrap_or(0);
    let latest = timestamps.iter().copied().max().unwrap_or(0);
    let highest = positions.iter().copied().max().unwrap_or(0);
    let offset_bits = 32 + highest.leading_zeros(); // 64 less the bits of the highest position
    let fits = offset_bits == 64 || latest.abs_diff(earliest) >> offset_bits == 0;
    if fits {
        let mut keyed: Vec<(u64, Node)> = events
            .iter()
            .zip(positions.iter().zip(&timestamps))
            .map(|(&node, (&position, &ts))| {
                let high = u64::from(position).checked_shl(offset_bits).unwrap_or(0);
                (high | ts.abs_diff(earliest), node)
            })
            .collect();
        sort_with_ties_by_id(graph, &mut keyed, events);
    } else {
        // The timestamp's sign bit flipped, so that unsigned order is signed order.
        let mut keyed: Vec<(u128, Node)> = events
            .iter()
            .zip(positions.iter().zip(&timestamps))
            .map(|(&node, (&position, &ts))| {
                let ts = (ts as u64 ^ (1 << 63)) as u128;
                ((u128::from(position) << 64) | ts, node)
            })
            .collect();
        sort_with_ties_by_id(graph, &mut keyed, events);
    }
    Ok(())
}

/// Sorts by the integer keys, then the rare runs of equal keys by event ID, and writes the
/// order into `events`.
fn sort_with_ties_by_id<E: Event, K: Ord + Copy>(
    graph: &AuthGraph<'_, E>,
    keyed: &mut [(K, Node)],
    events: &mut [Node],
) {
    keyed.sort_unstable();
    for run in keyed.chunk_by_mut(|a, b| a.0 == b.0) {
        if run.len() > 1 {
            run.sort_unstable_by(|a, b| graph.id(a.1).cmp(graph.id(b.1)));
        }
    }
    for (slot, &(_, node)) in events.iter_mut().zip(keyed.iter()) {
        *slot = node;
    }
}

/// Mainline positions found by walking the auth graph, memoised along each walk.
pub(crate) struct Walk;

impl<E: Event> Mainline<E> for Walk {
    fn positions(
        &self,
        graph: &AuthGraph<'_, E>,
        power_levels: Option<Node>,
        events: &[Node],
        rooms: &NodeRooms,
    ) -> Result<Vec<u32>, ResolveError> {
        const UNKNOWN: u32 = u32::MAX;
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
        let mut path = Vec::new();
        let mut found_positions = Vec::with_capacity(events.len());
        for &event in events {
            let mut current = Some(event);
            let found = loop {
                let Some(node) = current else { break 0 };
                if position[node as usize] != UNKNOWN {
                    break position[node as usize];
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
                position[node as usize] = found;
            }
            found_positions.push(found);
        }
        Ok(found_positions)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use matrix_auth_rules::PduEvent;
    use matrix_event_format::RoomVersion;
    use serde_json::{Value, json};

    use super::*;
    use crate::room::RoomGuard;

    /// Positions given per node, for ordering alone.
    struct Given(Vec<u32>);

    impl<E> Mainline<E> for Given {
        fn positions(
            &self,
            _graph: &AuthGraph<'_, E>,
            _power_levels: Option<Node>,
            events: &[Node],
            _rooms: &NodeRooms,
        ) -> Result<Vec<u32>, ResolveError> {
            Ok(events.iter().map(|&node| self.0[node as usize]).collect())
        }
    }

    /// Sorts events given as (event ID, position, origin_server_ts) and returns their IDs.
    fn sorted(cases: &[(&str, u32, i64)]) -> Vec<String> {
        let version = RoomVersion::from_id("10").expect("a known room version");
        let events: HashMap<String, PduEvent> = cases
            .iter()
            .map(|&(id, _, ts)| {
                let Value::Object(pdu) = json!({
                    "type": "m.room.topic", "state_key": "", "sender": "@a:x",
                    "room_id": "!r:x", "content": {}, "prev_events": [], "auth_events": [],
                    "depth": 1, "origin_server_ts": ts,
                }) else {
                    unreachable!()
                };
                let event = PduEvent::with_event_id(pdu, version, id.to_owned());
                (id.to_owned(), event.expect("a valid PDU"))
            })
            .collect();
        let mut graph = AuthGraph::with_capacity(cases.len());
        let mut nodes: Vec<Node> = cases.iter().map(|(id, _, _)| graph.intern(id)).collect();
        graph.explore(version, &events, &RoomGuard::new("!r:x".to_owned()));
        let positions = Given(cases.iter().map(|&(_, position, _)| position).collect());
        let rooms = NodeRooms::new(RoomGuard::new("!r:x".to_owned()));
        mainline_sort(&graph, &positions, None, &mut nodes, &rooms).expect("sorts");
        nodes
            .iter()
            .map(|&node| graph.id(node).to_owned())
            .collect()
    }

    #[test]
    fn orders_by_position_then_signed_timestamp_then_event_id() {
        let cases = [
            ("$f", 2, -5),
            ("$a", 1, 7),
            ("$c", 1, i64::MIN),
            ("$b", 1, 7),
            ("$d", 1, -1),
            ("$e", 0, i64::MAX),
        ];
        assert_eq!(sorted(&cases), ["$e", "$c", "$d", "$a", "$b", "$f"]);
    }

    #[test]
    fn packed_keys_order_as_the_triples_do() {
        let now = 1_700_000_000_000;
        // Timestamps close together (packed into 64 bits) and far apart (128 bits), positions
        // from 0 up to the highest that leave the timestamps room, and beyond.
        let spreads = [(0, 3), (now, 40), (-now, now), (i64::MIN / 2, i64::MAX / 3)];
        let highest = [0, 1, 2, 1000, 1 << 20, u32::MAX];
        let mut checked = 0;
        for (base, step) in spreads {
            for top in highest {
                let ids: Vec<String> = (0..24).map(|n| format!("${n:02}")).collect();
                let cases: Vec<(&str, u32, i64)> = ids
                    .iter()
                    .enumerate()
                    .map(|(n, id)| {
                        let n = n as u64;
                        let position = (n * 7 % 5) as u32 * (top / 4);
                        let ts = base.saturating_add(((n * 11 % 6) as i64).saturating_mul(step));
                        (id.as_str(), position.min(top), ts)
                    })
                    .collect();
                let mut expected = cases.clone();
                expected.sort_by(|a, b| (a.1, a.2, a.0).cmp(&(b.1, b.2, b.0)));
                let expected: Vec<&str> = expected.iter().map(|case| case.0).collect();
                assert_eq!(
                    sorted(&cases),
                    expected,
                    "base {base}, step {step}, top {top}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, spreads.len() * highest.len());
    }
}
