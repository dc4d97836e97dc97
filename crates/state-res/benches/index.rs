//! The room index against the stateless path on a new fork over rooms of growing history:
//! a trunk of N events (the event mix of the oracle's `bench_stateres.py`: joins, leaves,
//! display names, topics, names, power level changes, bans (of at most a fifth of the users at
//! a time, so that the membership stays alive), unbans, messages; 100 users, so the state stays
//! the same size whatever N), then two forks of 25 events each from its tip, drawn
//! with seven fixed seeds (the same draws on every N). The index holds the room's state events
//! (added outside the timed region; the cost per event and the memory are reported); both paths
//! resolve the two fork tips' states, with the same result. Ranges are over the seven forks;
//! the ratio of room sizes compares the medians over the forks. Room version 12's conflicted
//! subgraph makes some forks cost more than others: when a fork changes the admin's membership,
//! every power levels event since her previous membership event is on a path between conflicted
//! events, so the table also gives the cost per event of the full conflicted set.
//!
//!     cargo bench -p matrix-state-res --bench index        (N = 1,000, 10,000 and 100,000)
//!     STATERES_INDEX_SIZES=1000,100000 cargo bench -p matrix-state-res --bench index
//!
//! Timings: interleaved rounds (index, stateless, again …), median per resolution. Without
//! `--bench` (as under `cargo test`) one small room, once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use matrix_auth_rules::{Event, PduEvent};
use matrix_event_format::RoomVersion;
use matrix_state_res::{RoomIndex, StateMap, resolve, resolve_with_stats};
use matrix_test_support::{Rng, interleaved, median, range};
use serde_json::{Value, json};

const USERS: usize = 100;
const FORK: usize = 25;
const ALICE: &str = "@alice:example.com";
const BOB: &str = "@bob:example.com";

/// A branch of the room being built: its state, tip and members.
#[derive(Clone)]
struct Branch {
    state: BTreeMap<(String, String), String>,
    tip: Option<String>,
    depth: u64,
    members: BTreeSet<String>,
    banned: BTreeSet<String>,
}

struct Room {
    version: &'static RoomVersion,
    room_id: String,
    events: HashMap<String, PduEvent>,
    order: Vec<String>,
    ts: u64,
    power_levels: Value,
}

impl Room {
    fn add(
        &mut self,
        branch: &mut Branch,
        kind: &str,
        key: Option<&str>,
        sender: &str,
        content: Value,
    ) {
        let member_key = |user: &str| ("m.room.member".to_owned(), user.to_owned());
        let mut keys = vec![
            ("m.room.create".to_owned(), String::new()),
            ("m.room.power_levels".to_owned(), String::new()),
            member_key(sender),
        ];
        if kind == "m.room.member" {
            keys.push(member_key(key.unwrap_or_default()));
            if content["membership"] == "join" {
                keys.push(("m.room.join_rules".to_owned(), String::new()));
            }
        }
        let v12 = self.version.id == "12";
        let auth: BTreeSet<&String> = keys
            .iter()
            .filter(|key| !(v12 && key.0 == "m.room.create"))
            .filter_map(|key| branch.state.get(key))
            .collect();
        self.ts += 1;
        let mut pdu = json!({
            "type": kind, "sender": sender, "content": content,
            "prev_events": branch.tip.iter().collect::<Vec<_>>(),
            "auth_events": auth, "depth": branch.depth + 1, "origin_server_ts": self.ts,
            "hashes": {"sha256": "AAAA"}, "signatures": {},
        });
        if let Some(key) = key {
            pdu["state_key"] = json!(key);
        }
        if !(v12 && kind == "m.room.create") {
            pdu["room_id"] = json!(self.room_id);
        }
        let Value::Object(pdu) = pdu else {
            unreachable!()
        };
        let event = PduEvent::new(pdu, self.version).expect("a valid event");
        let id = event.event_id().to_owned();
        if v12 && kind == "m.room.create" {
            self.room_id = format!("!{}", &id[1..]);
        }
        if let Some(key) = key {
            branch
                .state
                .insert((kind.to_owned(), key.to_owned()), id.clone());
        }
        branch.tip = Some(id.clone());
        branch.depth += 1;
        self.events.insert(id.clone(), event);
        self.order.push(id);
    }

    /// One event of the mix, as `bench_stateres.py` draws them, plus unbans. In a fork
    /// (`fork > 0`) every event changes the state: messages, and joins when nobody is left to
    /// join, become display name changes, so that forks conflict alike whatever the history.
    fn step(&mut self, rng: &mut Rng, branch: &mut Branch, fork: usize) {
        let joined: Vec<String> = branch.members.iter().cloned().collect();
        let n = self.order.len();
        let others: Vec<String> = joined
            .iter()
            .filter(|u| *u != ALICE && *u != BOB)
            .cloned()
            .collect();
        let mut draw = rng.below(100);
        let nobody_to_join = (0..USERS).all(|i| {
            branch.members.contains(&format!("@u{i}:example.com"))
                || branch.banned.contains(&format!("@u{i}:example.com"))
        });
        if fork > 0 && (!(30..95).contains(&draw) || (draw < 45 && nobody_to_join)) {
            draw = 45;
        }
        match draw {
            0..30 => {
                let sender = rng.pick(&joined);
                self.add(branch, "m.room.message", None, &sender, json!({"body": n}));
            }
            30..45 => {
                let candidates: Vec<String> = (0..USERS)
                    .map(|i| format!("@u{i}:example.com"))
                    .filter(|u| !branch.members.contains(u) && !branch.banned.contains(u))
                    .collect();
                if candidates.is_empty() {
                    return self.add(branch, "m.room.message", None, ALICE, json!({"body": n}));
                }
                let user = rng.pick(&candidates);
                self.add(
                    branch,
                    "m.room.member",
                    Some(&user),
                    &user,
                    json!({"membership": "join"}),
                );
                branch.members.insert(user);
            }
            45..60 => {
                let user = rng.pick(&joined);
                let content = json!({"membership": "join", "displayname": format!("{fork}-{n}")});
                self.add(branch, "m.room.member", Some(&user), &user, content);
            }
            60..70 => {
                let sender = if rng.chance(50) { ALICE } else { BOB };
                self.add(
                    branch,
                    "m.room.topic",
                    Some(""),
                    sender,
                    json!({"topic": format!("{fork}/{n}")}),
                );
            }
            70..76 => {
                self.add(
                    branch,
                    "m.room.name",
                    Some(""),
                    ALICE,
                    json!({"name": format!("{fork}/{n}")}),
                );
            }
            76..82 if !others.is_empty() => {
                let user = rng.pick(&others);
                self.add(
                    branch,
                    "m.room.member",
                    Some(&user),
                    &user,
                    json!({"membership": "leave"}),
                );
                branch.members.remove(&user);
            }
            82..88 => {
                let mut levels = self.power_levels.clone();
                for user in others.iter().take(3) {
                    let level = [0, 10, 20][rng.below(3)];
                    levels["users"][user] = json!(level);
                }
                let topic_level = [0, 50][rng.below(2)];
                levels["events"] = json!({"m.room.topic": topic_level});
                self.add(branch, "m.room.power_levels", Some(""), ALICE, levels);
            }
            88..92 if !others.is_empty() && branch.banned.len() < USERS / 5 => {
                let user = rng.pick(&others);
                self.add(
                    branch,
                    "m.room.member",
                    Some(&user),
                    ALICE,
                    json!({"membership": "ban"}),
                );
                branch.members.remove(&user);
                branch.banned.insert(user);
            }
            92..95 if !branch.banned.is_empty() => {
                let banned: Vec<String> = branch.banned.iter().cloned().collect();
                let user = rng.pick(&banned);
                self.add(
                    branch,
                    "m.room.member",
                    Some(&user),
                    ALICE,
                    json!({"membership": "leave"}),
                );
                branch.banned.remove(&user);
            }
            _ => self.add(branch, "m.room.message", None, BOB, json!({"body": n})),
        }
    }
}

/// A trunk of `size` events: the room, and the trunk to fork from.
fn trunk(version: &'static RoomVersion, size: usize, seed: u64) -> (Room, Branch) {
    let mut rng = Rng(seed);
    let power_levels = if version.id == "12" {
        json!({"users": {BOB: 50}, "state_default": 50, "events_default": 0, "ban": 50, "kick": 50})
    } else {
        json!({"users": {ALICE: 100, BOB: 50}, "state_default": 50, "events_default": 0, "ban": 50, "kick": 50})
    };
    let mut room = Room {
        version,
        room_id: "!bench:example.com".to_owned(),
        events: HashMap::new(),
        order: Vec::new(),
        ts: 0,
        power_levels: power_levels.clone(),
    };
    let mut trunk = Branch {
        state: BTreeMap::new(),
        tip: None,
        depth: 0,
        members: BTreeSet::new(),
        banned: BTreeSet::new(),
    };
    let content = json!({"creator": ALICE, "room_version": version.id});
    room.add(&mut trunk, "m.room.create", Some(""), ALICE, content);
    room.add(
        &mut trunk,
        "m.room.member",
        Some(ALICE),
        ALICE,
        json!({"membership": "join"}),
    );
    room.add(
        &mut trunk,
        "m.room.power_levels",
        Some(""),
        ALICE,
        power_levels,
    );
    room.add(
        &mut trunk,
        "m.room.join_rules",
        Some(""),
        ALICE,
        json!({"join_rule": "public"}),
    );
    room.add(
        &mut trunk,
        "m.room.member",
        Some(BOB),
        BOB,
        json!({"membership": "join"}),
    );
    trunk.members.extend([ALICE.to_owned(), BOB.to_owned()]);
    while room.order.len() < size {
        room.step(&mut rng, &mut trunk, 0);
    }
    (room, trunk)
}

/// Two forks of `FORK` events each from the trunk's tip: the states at their tips.
fn forks(room: &mut Room, trunk: &Branch, seed: u64) -> Vec<StateMap> {
    let mut rng = Rng(seed);
    (1..=2)
        .map(|fork| {
            let mut branch = trunk.clone();
            let start = room.order.len();
            while room.order.len() - start < FORK {
                room.step(&mut rng, &mut branch, fork);
            }
            branch.state
        })
        .collect()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn main() {
    let bench = std::env::args().any(|arg| arg == "--bench");
    let sizes: Vec<usize> = std::env::var("STATERES_INDEX_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| {
            if bench {
                vec![1000, 10_000, 100_000]
            } else {
                vec![300]
            }
        });
    let rounds = if bench { 9 } else { 1 };
    println!(
        "| room version | events before the fork | state | conflicted keys | full conflicted set \
         | add per event | index memory | with index | per full-set event | stateless \
         | stateless ÷ index |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for version in [RoomVersion::V10, RoomVersion::V12] {
        let mut with_index_ms = Vec::new();
        for &size in &sizes {
            let (mut room, trunk) = trunk(version, size, 7);
            let fork_sets: Vec<Vec<StateMap>> =
                (1..=7).map(|seed| forks(&mut room, &trunk, seed)).collect();
            let start = Instant::now();
            let mut index = RoomIndex::new(version, &room.room_id);
            let mut indexed = 0;
            for id in &room.order {
                let event = &room.events[id];
                if event.is_state() {
                    index.add(event).expect("auth events come first");
                    indexed += 1;
                }
            }
            let add = start.elapsed() / indexed;
            let mut columns: [Vec<f64>; 6] = Default::default();
            for sets in &fork_sets {
                let (expected, stats) =
                    resolve_with_stats(version, sets, &room.events).expect("resolves");
                assert_eq!(
                    index.resolve(sets, &room.events).expect("resolves"),
                    expected
                );
                let medians = interleaved(
                    rounds,
                    &mut [
                        &mut || {
                            std::hint::black_box(index.resolve(sets, &room.events).ok());
                        },
                        &mut || {
                            std::hint::black_box(resolve(version, sets, &room.events).ok());
                        },
                    ],
                );
                let values = [
                    expected.len() as f64,
                    stats.conflicted_keys as f64,
                    stats.full_conflicted_set as f64,
                    ms(medians[0]),
                    ms(medians[1]),
                    ms(medians[0]) * 1e3 / stats.full_conflicted_set.max(1) as f64,
                ];
                for (column, value) in columns.iter_mut().zip(values) {
                    column.push(value);
                }
            }
            with_index_ms.push((median(&columns[3]), median(&columns[5])));
            let ratios: Vec<f64> = columns[4]
                .iter()
                .zip(&columns[3])
                .map(|(s, i)| s / i)
                .collect();
            println!(
                "| {} | {} | {} | {} | {} | {:.1} µs | {:.1} MB | {} ms | {} µs | {} ms | {}× |",
                version.id,
                trunk_events(&room, &fork_sets),
                range(&columns[0], 0),
                range(&columns[1], 0),
                range(&columns[2], 0),
                add.as_secs_f64() * 1e6,
                index.memory() as f64 / 1e6,
                range(&columns[3], 3),
                range(&columns[5], 2),
                range(&columns[4], 3),
                range(&ratios, 0),
            );
        }
        if let (Some(first), Some(last)) = (with_index_ms.first(), with_index_ms.last()) {
            if sizes.len() > 1 {
                println!(
                    "room version {}: with index, largest ÷ smallest room (medians over the forks): \
                     {:.2} per resolution, {:.2} per event of the full conflicted set",
                    version.id,
                    last.0 / first.0,
                    last.1 / first.1
                );
            }
        }
    }
}

/// The events of the trunk (the room without the forks).
fn trunk_events(room: &Room, forks: &[Vec<StateMap>]) -> usize {
    room.order.len() - forks.len() * 2 * FORK
}
