//! The index against the stateless path on random auth DAGs: events of every kind with random
//! auth events among the earlier ones (most would be rejected on receipt, which does not matter
//! here), and random state sets over them. Reach must match a walk of the auth chain, and
//! resolution must give the same state either way.

use std::collections::{BTreeSet, HashMap};

use matrix_auth_rules::{Event, PduEvent};
use matrix_event_format::RoomVersion;
use serde_json::{Value, json};

use super::RoomIndex;
use crate::{StateMap, resolve_with_stats};

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n.max(1) as u64) as usize
    }
}

const USERS: [&str; 4] = ["@a:x.org", "@b:x.org", "@c:y.org", "@d:y.org"];

struct Room {
    version: &'static RoomVersion,
    room_id: String,
    events: HashMap<String, PduEvent>,
    order: Vec<String>,
}

fn random_room(rng: &mut Rng, version: &'static RoomVersion, size: usize) -> Room {
    let v12 = version.id == "12";
    let room_id = if v12 {
        "!e0".to_owned()
    } else {
        "!r:x.org".to_owned()
    };
    let mut room = Room {
        version,
        room_id,
        events: HashMap::new(),
        order: Vec::new(),
    };
    for i in 0..size {
        let id = format!("$e{i}");
        let sender = USERS[rng.below(USERS.len())];
        let (kind, state_key, content) = match (i, rng.below(10)) {
            (0, _) => ("m.room.create", "", json!({"creator": USERS[0]})),
            (_, 0..=2) => {
                let mut users = serde_json::Map::new();
                for user in USERS {
                    if rng.below(2) == 0 {
                        users.insert(user.to_owned(), json!(rng.below(101)));
                    }
                }
                ("m.room.power_levels", "", json!({"users": users}))
            }
            (_, 3) => ("m.room.join_rules", "", json!({"join_rule": "public"})),
            (_, 4..=7) => {
                let membership = ["join", "leave", "ban", "invite"][rng.below(4)];
                let target = USERS[rng.below(USERS.len())];
                ("m.room.member", target, json!({"membership": membership}))
            }
            (_, 8) => ("m.room.topic", "", json!({"topic": i})),
            _ => ("m.room.message", "-", json!({"body": i})),
        };
        // Auth events: a few earlier events, sometimes the previous event of the same key.
        let mut auth: BTreeSet<String> = BTreeSet::new();
        for _ in 0..rng.below(4) {
            if i > 1 {
                auth.insert(format!("$e{}", 1 + rng.below(i - 1)));
            }
        }
        if i > 0 && !v12 {
            auth.insert("$e0".to_owned());
        }
        let mut pdu = json!({
            "type": kind, "sender": sender, "content": content,
            "prev_events": [], "auth_events": auth.into_iter().collect::<Vec<_>>(),
            "depth": i + 1, "origin_server_ts": rng.below(size),
        });
        if kind != "m.room.message" {
            pdu["state_key"] = json!(state_key);
        }
        if !(v12 && i == 0) {
            pdu["room_id"] = json!(room.room_id);
        }
        let Value::Object(pdu) = pdu else {
            unreachable!()
        };
        let mut event = PduEvent::with_event_id(pdu, version, id.clone()).expect("a valid PDU");
        event.set_rejected(rng.below(8) == 0);
        room.events.insert(id.clone(), event);
        room.order.push(id);
    }
    room
}

/// A random state: for each state key, one of its events (or none).
fn random_state(rng: &mut Rng, room: &Room) -> StateMap {
    let mut by_key: HashMap<(String, String), Vec<&String>> = HashMap::new();
    for id in &room.order {
        let event = &room.events[id];
        if let Some(state_key) = event.state_key() {
            let key = (event.event_type().to_owned(), state_key.to_owned());
            by_key.entry(key).or_default().push(id);
        }
    }
    let mut keys: Vec<_> = by_key.into_iter().collect();
    keys.sort();
    keys.into_iter()
        .filter_map(|(key, ids)| {
            let pick = rng.below(ids.len() + 1);
            ids.get(pick).map(|id| (key, (*id).clone()))
        })
        .collect()
}

fn indexed(room: &Room) -> RoomIndex {
    let mut index = RoomIndex::new(room.version, &room.room_id);
    for id in &room.order {
        index.add(&room.events[id]).expect("auth events come first");
    }
    index
}

/// The auth chain of an event (itself included), by walking.
fn ancestors(room: &Room, id: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![id.to_owned()];
    while let Some(id) = stack.pop() {
        if seen.insert(id.clone()) {
            stack.extend(room.events[&id].auth_event_ids().map(str::to_owned));
            if room.version.id == "12" && id != "$e0" {
                stack.push("$e0".to_owned());
            }
        }
    }
    seen
}

#[test]
fn reach_is_the_auth_chain() {
    let mut rng = Rng(7);
    for version in [RoomVersion::V10, RoomVersion::V12] {
        for _ in 0..10 {
            let room = random_room(&mut rng, version, 120);
            let index = indexed(&room);
            for id in &room.order {
                let chain = ancestors(&room, id);
                let node = index.node(id).expect("indexed");
                for other in &room.order {
                    let (chain_id, seq) = index.place[index.node(other).expect("indexed") as usize];
                    let reached = index.tries.get(index.reach[node as usize], chain_id) >= seq;
                    assert_eq!(
                        reached,
                        chain.contains(other),
                        "{other} in the chain of {id}"
                    );
                }
            }
        }
    }
}

#[test]
fn resolution_with_the_index_is_the_stateless_one() {
    let mut rng = Rng(11);
    let (mut compared, mut conflicted) = (0, 0);
    for round in 0..300 {
        let version = [RoomVersion::V2, RoomVersion::V10, RoomVersion::V12][round % 3];
        let size = 20 + rng.below(60);
        let room = random_room(&mut rng, version, size);
        let index = indexed(&room);
        for _ in 0..5 {
            let sets: Vec<StateMap> = (0..2 + rng.below(3))
                .map(|_| random_state(&mut rng, &room))
                .collect();
            let stateless = resolve_with_stats(version, &sets, &room.events);
            let with_index = index.resolve_with_stats(&sets, &room.events);
            match (stateless, with_index) {
                (Ok((a, stats_a)), Ok((b, stats_b))) => {
                    assert_eq!(a, b, "round {round}: {sets:?}");
                    assert_eq!(stats_a.full_conflicted_set, stats_b.full_conflicted_set);
                    conflicted += usize::from(stats_a.conflicted_keys > 0);
                }
                (a, b) => assert_eq!(a.map(|r| r.0), b.map(|r| r.0)),
            }
            compared += 1;
        }
    }
    assert!(
        conflicted > compared / 2,
        "{conflicted} of {compared} had conflicts"
    );
}

#[test]
fn events_need_their_auth_events_and_the_room() {
    let mut rng = Rng(3);
    let room = random_room(&mut rng, RoomVersion::V10, 30);
    let mut index = RoomIndex::new(room.version, &room.room_id);
    let later = room
        .order
        .iter()
        .find(|id| room.events[*id].auth_event_ids().count() > 1)
        .expect("an event with auth events");
    assert!(matches!(
        index.add(&room.events[later]),
        Err(super::IndexError::UnknownAuthEvent { .. })
    ));
    assert!(index.is_empty());
    let mut other = RoomIndex::new(room.version, "!elsewhere:x.org");
    assert!(matches!(
        other.add(&room.events["$e0"]),
        Err(super::IndexError::WrongRoom { .. })
    ));
    index.add(&room.events["$e0"]).expect("the create event");
    index
        .add(&room.events["$e0"])
        .expect("adding again does nothing");
    assert_eq!(index.len(), 1);
    let sets = [
        StateMap::new(),
        [(("a".into(), "".into()), "$nowhere".to_owned())].into(),
    ];
    assert!(matches!(
        index.resolve(&sets, &room.events),
        Err(crate::ResolveError::NotIndexed { .. })
    ));
}
