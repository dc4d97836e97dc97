//! Times matrix-state-res against ruma-state-res 0.18 and Synapse (the oracle's `elapsed_ms`) on
//! the same rooms (oracle JSON files with `state_sets`), checks that all three agree, and prints
//! one table row per room; `--summary` prints the table by room shape.
//!
//!     stateres-ruma-baseline [--synapse ORACLE.jsonl] [--rows ROWS.jsonl] [--rounds N]
//!                            [--no-header] ROOM.json…
//!     stateres-ruma-baseline --summary ROWS.jsonl
//!     stateres-ruma-baseline --cold [--rows ROWS.jsonl] [--rounds N] ROOM.json…
//!     stateres-ruma-baseline --cold-summary ROWS.jsonl
//!
//! `--rows` appends each room's figures as a JSON line, which `--summary` reads; a room with rows
//! from several passes counts with each implementation's fastest pass.
//! `--repeat ours|index|ruma|ruma-resolve N` runs only that implementation N times per room (for
//! profilers and instruction counts), and prints the median time of one run.
//! `--cold` times ours and ruma with the CPU's caches emptied before a resolution as well as
//! warm (see [`cold_and_warm`]; 15 rounds unless `--rounds` says otherwise);
//! `--cold-summary ROWS.jsonl` prints their 10,000 ÷ 1,000 scaling.
//!
//! Timings: ours and ruma are run in interleaved rounds (ours, ruma with its inputs, ruma
//! resolve alone, again …), each round repeating one implementation for about 40 ms; the figure
//! is the median of all repetitions. Synapse: the `elapsed_ms` lines of one oracle run over all
//! rooms (`--synapse`, minimum over the passes in that file).
//!
//! ruma needs each state set's full auth chain (and, in room version 12, the conflicted state
//! subgraph) as input; matrix-state-res computes both itself. "ruma" is the like-for-like figure:
//! ruma's `resolve` plus those inputs computed in the timed region the way a homeserver with an
//! auth chain index would: event IDs and auth edges are interned once per room before timing (the
//! index), and each resolution walks it iteratively with visited marks, then hands ruma the IDs.
//! "ruma resolve" is `resolve` alone with the inputs precomputed.
//!
//! Each reads its events where a new user of it would keep them: ours from an `Events` store
//! (filled in the rooms' topological order), ruma from a `HashMap` by event ID. Each returns
//! its own result type: ruma a `HashMap` of owned keys and IDs, ours a `ResolvedState` borrowing
//! them from the state sets and the events (Synapse, too, returns the strings it was given).
//!
//! "with index" is matrix-state-res's `RoomIndex::resolve`, the index holding every event of the
//! room (built before timing, as ruma's auth chain index is): ours and ruma each with what a
//! homeserver keeps per room.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use matrix_auth_rules::Event as _;
use matrix_state_res::{Events, RoomIndex, StateMap, resolve_with_stats};
use matrix_test_support::room_file::{Query, RoomFile, parse_state};
use matrix_test_support::{interleaved, median, median_duration, range, round};
use ruma_common::room_version_rules::{RoomVersionRules, StateResolutionVersion};
use ruma_common::{
    EventId, MilliSecondsSinceUnixEpoch, OwnedEventId, OwnedRoomId, OwnedUserId, RoomId,
    RoomVersionId, UserId,
};
use ruma_events::{StateEventType, TimelineEventType};
use ruma_state_res::utils::event_id_set::EventIdSet;
use serde_json::value::RawValue;
use serde_json::{Value, json};

struct RumaPdu {
    event_id: OwnedEventId,
    room_id: Option<OwnedRoomId>,
    sender: OwnedUserId,
    origin_server_ts: MilliSecondsSinceUnixEpoch,
    kind: TimelineEventType,
    content: Box<RawValue>,
    state_key: Option<String>,
    prev_events: Vec<OwnedEventId>,
    auth_events: Vec<OwnedEventId>,
    redacts: Option<OwnedEventId>,
    rejected: bool,
}

impl ruma_state_res::Event for RumaPdu {
    type Id = OwnedEventId;
    fn event_id(&self) -> &OwnedEventId {
        &self.event_id
    }
    fn room_id(&self) -> Option<&RoomId> {
        self.room_id.as_deref()
    }
    fn sender(&self) -> &UserId {
        &self.sender
    }
    fn origin_server_ts(&self) -> MilliSecondsSinceUnixEpoch {
        self.origin_server_ts
    }
    fn event_type(&self) -> &TimelineEventType {
        &self.kind
    }
    fn content(&self) -> &RawValue {
        &self.content
    }
    fn state_key(&self) -> Option<&str> {
        self.state_key.as_deref()
    }
    fn prev_events(&self) -> Box<dyn DoubleEndedIterator<Item = &OwnedEventId> + '_> {
        Box::new(self.prev_events.iter())
    }
    fn auth_events(&self) -> Box<dyn DoubleEndedIterator<Item = &OwnedEventId> + '_> {
        Box::new(self.auth_events.iter())
    }
    fn redacts(&self) -> Option<&OwnedEventId> {
        self.redacts.as_ref()
    }
    fn rejected(&self) -> bool {
        self.rejected
    }
}

fn ruma_events(room: &RoomFile) -> HashMap<OwnedEventId, RumaPdu> {
    let id = |s: &str| OwnedEventId::try_from(s).expect("event ID");
    room.events()
        .values()
        .map(|event| {
            let content = serde_json::value::to_raw_value(event.content()).expect("content");
            let pdu = RumaPdu {
                event_id: id(event.event_id()),
                room_id: event
                    .room_id()
                    .map(|r| OwnedRoomId::try_from(r).expect("room ID")),
                sender: OwnedUserId::try_from(event.sender()).expect("user ID"),
                origin_server_ts: MilliSecondsSinceUnixEpoch(
                    u64::try_from(event.origin_server_ts())
                        .unwrap_or(0)
                        .try_into()
                        .expect("ts"),
                ),
                kind: TimelineEventType::from(event.event_type()),
                content,
                state_key: event.state_key().map(str::to_owned),
                prev_events: event.prev_event_ids().map(id).collect(),
                auth_events: event.auth_event_ids().map(id).collect(),
                redacts: event.redacts().map(id),
                rejected: event.rejected(),
            };
            (pdu.event_id.clone(), pdu)
        })
        .collect()
}

type RumaState = ruma_state_res::StateMap<OwnedEventId>;

fn ruma_state(state: &StateMap) -> RumaState {
    state
        .iter()
        .map(|((t, k), id)| {
            let key = (StateEventType::from(t.as_str()), k.clone());
            (key, OwnedEventId::try_from(id.as_str()).expect("event ID"))
        })
        .collect()
}

/// A homeserver's auth chain index: event IDs interned, auth edges (v12: plus the implied create
/// event) as indices, both directions. Built once per room, outside the timed region.
struct ChainIndex {
    ids: Vec<OwnedEventId>,
    index: HashMap<OwnedEventId, u32>,
    parents: Vec<Vec<u32>>,
    children: Vec<Vec<u32>>,
}

/// Visited marks for one walk: a node is marked if its stamp equals the walk's.
struct Marks {
    stamps: Vec<u32>,
    current: u32,
}

impl Marks {
    fn next(&mut self) {
        self.current += 1;
    }
    fn mark(&mut self, node: u32) -> bool {
        let stamp = &mut self.stamps[node as usize];
        let fresh = *stamp != self.current;
        *stamp = self.current;
        fresh
    }
    fn marked(&self, node: u32) -> bool {
        self.stamps[node as usize] == self.current
    }
}

impl ChainIndex {
    fn new(events: &HashMap<OwnedEventId, RumaPdu>, room: &RoomFile) -> Self {
        let mut ids: Vec<OwnedEventId> = room
            .order()
            .iter()
            .map(|id| OwnedEventId::try_from(id.as_str()).expect("event ID"))
            .collect();
        let mut index: HashMap<OwnedEventId, u32> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i as u32))
            .collect();
        let implied_create = (room.version.id == "12").then(|| {
            let create = format!("${}", room.room_id.trim_start_matches('!'));
            OwnedEventId::try_from(create).expect("event ID")
        });
        let mut parents = Vec::with_capacity(ids.len());
        for id in ids.clone() {
            let event = &events[&id];
            let mut edges: Vec<OwnedEventId> = event.auth_events.clone();
            if let Some(create) = &implied_create
                && *create != id
                && !edges.contains(create)
            {
                edges.push(create.clone());
            }
            let nodes = edges
                .into_iter()
                .map(|edge| {
                    let next = index.len() as u32;
                    *index.entry(edge.clone()).or_insert_with(|| {
                        ids.push(edge);
                        next
                    })
                })
                .collect();
            parents.push(nodes);
        }
        parents.resize(ids.len(), Vec::new());
        let mut children = vec![Vec::new(); ids.len()];
        for (child, nodes) in parents.iter().enumerate() {
            for &parent in nodes {
                children[parent as usize].push(child as u32);
            }
        }
        ChainIndex {
            ids,
            index,
            parents,
            children,
        }
    }

    fn marks(&self) -> Marks {
        Marks {
            stamps: vec![0; self.ids.len()],
            current: 0,
        }
    }

    /// The full auth chain of each state set (its events included).
    fn auth_chains(&self, sets: &[RumaState], marks: &mut Marks) -> Vec<EventIdSet<OwnedEventId>> {
        let mut stack = Vec::new();
        sets.iter()
            .map(|set| {
                marks.next();
                let mut chain = EventIdSet::with_capacity(self.ids.len());
                for id in set.values() {
                    if let Some(&node) = self.index.get(&**id)
                        && marks.mark(node)
                    {
                        stack.push(node);
                    }
                }
                while let Some(node) = stack.pop() {
                    chain.insert(self.ids[node as usize].clone());
                    for &parent in &self.parents[node as usize] {
                        if marks.mark(parent) {
                            stack.push(parent);
                        }
                    }
                }
                chain
            })
            .collect()
    }

    /// The conflicted state subgraph: events on an auth path between two conflicted events.
    fn conflicted_subgraph(
        &self,
        conflicted: &ruma_state_res::StateMap<Vec<OwnedEventId>>,
        ancestors: &mut Marks,
        found: &mut Marks,
    ) -> EventIdSet<OwnedEventId> {
        let starts: Vec<u32> = conflicted
            .values()
            .flatten()
            .filter_map(|id| self.index.get(&**id).copied())
            .collect();
        ancestors.next();
        let mut stack: Vec<u32> = starts
            .iter()
            .copied()
            .filter(|&n| ancestors.mark(n))
            .collect();
        while let Some(node) = stack.pop() {
            for &parent in &self.parents[node as usize] {
                if ancestors.mark(parent) {
                    stack.push(parent);
                }
            }
        }
        found.next();
        let mut subgraph = EventIdSet::new();
        stack.extend(starts.iter().copied().filter(|&n| found.mark(n)));
        while let Some(node) = stack.pop() {
            subgraph.insert(self.ids[node as usize].clone());
            for &child in &self.children[node as usize] {
                if ancestors.marked(child) && found.mark(child) {
                    stack.push(child);
                }
            }
        }
        subgraph
    }
}

fn ruma_resolve(
    rules: &RoomVersionRules,
    events: &HashMap<OwnedEventId, RumaPdu>,
    sets: &[RumaState],
    chains: Vec<EventIdSet<OwnedEventId>>,
    subgraph: impl Fn(&ruma_state_res::StateMap<Vec<OwnedEventId>>) -> EventIdSet<OwnedEventId>,
) -> RumaState {
    let StateResolutionVersion::V2(state_res) = &rules.state_res else {
        panic!("ruma-state-res implements v2 and v2.1 only");
    };
    ruma_state_res::resolve(
        &rules.authorization,
        state_res,
        sets.iter(),
        chains,
        |id: &EventId| events.get(id),
        |conflicted| Some(subgraph(conflicted)),
    )
    .expect("ruma resolves")
}

/// The oracle's result lines: per file, the minimum `elapsed_ms` and the resolved state.
fn synapse_results(path: &str) -> HashMap<String, (f64, StateMap)> {
    let text = std::fs::read_to_string(path).expect("Synapse results");
    let mut best: HashMap<String, (f64, StateMap)> = HashMap::new();
    for line in text.lines() {
        let value: Value = serde_json::from_str(line).expect("oracle JSON");
        let file = value["file"].as_str().unwrap_or_default().to_owned();
        let ms = value["elapsed_ms"].as_f64().unwrap_or(f64::NAN);
        let state = parse_state(&value["resolved_state"]).expect("oracle state");
        let entry = best.entry(file).or_insert((f64::INFINITY, state));
        entry.0 = entry.0.min(ms);
    }
    best
}

/// What to time: interleaved rounds of all three, one implementation repeated, or ours and ruma
/// cold and warm.
enum Mode {
    Rounds(usize),
    Repeat(String, usize),
    Cold(usize),
}

/// Bytes read to empty the CPU's caches: four times this machine's largest (a 32 MiB L3).
const EVICT_BYTES: usize = 128 << 20;

/// The cold and warm median durations of each of `runs`, in `rounds` interleaved rounds: in each
/// round, each run reads [`EVICT_BYTES`] of other memory (untimed) and is timed once with its
/// data out of the CPU's caches (cold), then runs once untimed and is timed repeatedly for about
/// 40 ms as in the other modes (warm). A homeserver resolves amid other work, which leaves its
/// caches more like the first; a benchmark repeating one resolution leaves them like the second,
/// which favours a room whose data fits in them.
fn cold_and_warm(rounds: usize, runs: &mut [&mut dyn FnMut()]) -> Vec<(Duration, Duration)> {
    // Ones, not zeros: a zeroed allocation can map every page to one zero page.
    let other = vec![1u8; EVICT_BYTES];
    let evict = || {
        let sum = other
            .iter()
            .step_by(64)
            .fold(0u8, |sum, &b| sum.wrapping_add(b));
        std::hint::black_box(sum);
    };
    let mut samples = vec![(Vec::new(), Vec::new()); runs.len()];
    for _ in 0..rounds {
        for (run, (cold, warm)) in runs.iter_mut().zip(&mut samples) {
            evict();
            let start = Instant::now();
            run();
            cold.push(start.elapsed());
            run();
            round(*run, warm);
        }
    }
    samples
        .into_iter()
        .map(|(cold, warm)| (median_duration(cold), median_duration(warm)))
        .collect()
}

fn measure(file: &str, mode: &Mode, synapse: &HashMap<String, (f64, StateMap)>) -> Option<Value> {
    let room = RoomFile::from_slice(&std::fs::read(file).expect("room file")).expect("room");
    let Some(Query::StateSets(sets)) = room.query() else {
        panic!("{file}: needs state_sets");
    };
    let sets: Vec<StateMap> = sets.iter().map(|set| room.to_ids(set)).collect();
    // Ours reads the events from its `Events` store, filled in the order a server receives them.
    let store: Events<_> = room
        .order()
        .iter()
        .map(|id| room.events()[id].clone())
        .collect();
    let (ours_state, stats) = resolve_with_stats(room.version, &sets, &store).expect("resolves");
    let ours_state = ours_state.to_state_map();

    let rules = RoomVersionId::try_from(room.version.id)
        .ok()
        .and_then(|id| id.rules())
        .expect("ruma knows the room version");
    let events = ruma_events(&room);
    let ruma_sets: Vec<RumaState> = sets.iter().map(ruma_state).collect();
    let index = ChainIndex::new(&events, &room);
    let mut chain_marks = index.marks();
    let subgraph_marks = std::cell::RefCell::new((index.marks(), index.marks()));
    let chains = index.auth_chains(&ruma_sets, &mut chain_marks);
    let subgraph = std::cell::RefCell::new(EventIdSet::new());
    let precomputed = |c: &ruma_state_res::StateMap<Vec<OwnedEventId>>| {
        let mut cached = subgraph.borrow_mut();
        if cached.is_empty() {
            *cached = index.conflicted_subgraph(c, &mut index.marks(), &mut index.marks());
        }
        cached.clone()
    };
    let ruma_result = ruma_resolve(&rules, &events, &ruma_sets, chains.clone(), precomputed);

    let mut room_index = RoomIndex::new(room.version, &room.room_id);
    for id in room.order() {
        room_index
            .add(&room.events()[id])
            .expect("events come in a topological order");
    }
    let index_state = room_index
        .resolve(&sets, &store)
        .expect("resolves")
        .to_state_map();

    let mut ours = || {
        std::hint::black_box(resolve_with_stats(room.version, &sets, &store).ok());
    };
    let mut with_index = || {
        std::hint::black_box(room_index.resolve(&sets, &store).ok());
    };
    let mut ruma_fair = || {
        let chains = index.auth_chains(&ruma_sets, &mut chain_marks);
        let state = ruma_resolve(&rules, &events, &ruma_sets, chains, |c| {
            let (ancestors, found) = &mut *subgraph_marks.borrow_mut();
            index.conflicted_subgraph(c, ancestors, found)
        });
        std::hint::black_box(state);
    };
    let mut ruma_only = || {
        let state = ruma_resolve(&rules, &events, &ruma_sets, chains.clone(), precomputed);
        std::hint::black_box(state);
    };
    let rounds = match mode {
        Mode::Rounds(rounds) => *rounds,
        Mode::Cold(rounds) => {
            let ms = |d: Duration| d.as_secs_f64() * 1e3;
            let [(ours_cold, ours_warm), (ruma_cold, ruma_warm)] =
                cold_and_warm(*rounds, &mut [&mut ours, &mut ruma_fair])[..]
            else {
                unreachable!("two runs, two results")
            };
            return Some(json!({
                "room": room_name(file), "events": room.events().len(),
                "full_conflicted_set": stats.full_conflicted_set,
                "ours_ms": ms(ours_warm), "ruma_ms": ms(ruma_warm),
                "ours_cold_ms": ms(ours_cold), "ruma_cold_ms": ms(ruma_cold),
            }));
        }
        Mode::Repeat(which, times) => {
            let run: &mut dyn FnMut() = match which.as_str() {
                "ours" => &mut ours,
                "ruma" => &mut ruma_fair,
                "ruma-resolve" => &mut ruma_only,
                "index" => &mut with_index,
                _ => panic!("--repeat ours|index|ruma|ruma-resolve N"),
            };
            let mut times: Vec<std::time::Duration> = (0..*times)
                .map(|_| {
                    let start = std::time::Instant::now();
                    run();
                    start.elapsed()
                })
                .collect();
            times.sort();
            if let Some(median) = times.get(times.len() / 2) {
                println!(
                    "{which}: median {:.4} ms over {}",
                    median.as_secs_f64() * 1e3,
                    times.len()
                );
            }
            return None;
        }
    };
    let medians = interleaved(
        rounds,
        &mut [&mut ours, &mut with_index, &mut ruma_fair, &mut ruma_only],
    );
    let [ours_ms, index_ms, fair_ms, only_ms] =
        [0, 1, 2, 3].map(|i| medians[i].as_secs_f64() * 1e3);

    let ruma_as_ours: StateMap = ruma_result
        .iter()
        .map(|((t, k), id)| ((t.to_string(), k.clone()), id.to_string()))
        .collect();
    let ours_labels = room.to_labels(&ours_state);
    let (synapse_ms, synapse_agrees) = match synapse.get(file) {
        Some((ms, state)) => (*ms, Some(*state == ours_labels)),
        None => (f64::NAN, None),
    };
    let agree = match (ruma_as_ours == ours_state, synapse_agrees) {
        _ if index_state != ours_state => "NOT the index",
        (true, Some(true)) => "ruma, Synapse",
        (true, None) => "ruma",
        (false, Some(true)) => "Synapse (ruma differs)",
        (true, Some(false)) => "ruma (Synapse differs)",
        (false, _) => "NEITHER",
    };
    Some(json!({
        "room": room_name(file), "version": room.version.id, "events": room.events().len(),
        "conflicted_keys": stats.conflicted_keys, "full_conflicted_set": stats.full_conflicted_set,
        "auth_graph": stats.auth_graph,
        "ours_ms": ours_ms, "index_ms": index_ms, "ruma_ms": fair_ms, "ruma_resolve_ms": only_ms,
        "synapse_ms": synapse_ms, "agree": agree,
    }))
}

/// A room's name: its file's, without `.json`.
fn room_name(file: &str) -> String {
    std::path::Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

const HEADER: &str = "| room | events | conflicted keys | full conflicted set | matrix-state-res | with index | ruma | ruma resolve | Synapse | vs ruma | vs ruma resolve | vs Synapse | index vs ruma | agree |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|";

fn row(r: &Value) -> String {
    let f = |key: &str| r[key].as_f64().unwrap_or(f64::NAN);
    let ours = f("ours_ms");
    format!(
        "| {} | {} | {} | {} | {:.3} ms | {:.3} ms | {:.3} ms | {:.3} ms | {:.1} ms | {:.1}× | {:.1}× | {:.0}× | {:.1}× | {} |",
        r["room"].as_str().unwrap_or_default(),
        r["events"],
        r["conflicted_keys"],
        r["full_conflicted_set"],
        ours,
        f("index_ms"),
        f("ruma_ms"),
        f("ruma_resolve_ms"),
        f("synapse_ms"),
        f("ruma_ms") / ours,
        f("ruma_resolve_ms") / ours,
        f("synapse_ms") / ours,
        f("ruma_ms") / f("index_ms"),
        r["agree"].as_str().unwrap_or_default(),
    )
}

/// The shape of a room named `v{version}_{events}e_{forks}f_{users}u_s{seed}`: all but the seed.
fn shape(room: &str) -> String {
    room.rsplit_once("_s")
        .map_or(room, |(shape, _)| shape)
        .to_owned()
}

/// The rows of a `--rows` file, one JSON object a line.
fn read_rows(path: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("rows");
    text.lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// Rows grouped by room shape: ranges over seeds of the times and ratios.
fn summary(path: &str) {
    let passes = read_rows(path);
    let rows = fastest_passes(&passes);
    let mut shapes: Vec<String> = rows
        .iter()
        .map(|r| shape(r["room"].as_str().unwrap_or_default()))
        .collect();
    shapes.dedup();
    let mut seen = std::collections::HashSet::new();
    shapes.retain(|s| seen.insert(s.clone()));
    println!(
        "| shape | rooms | conflicted keys | full conflicted set | matrix-state-res | with index | ruma | ruma resolve | Synapse | vs ruma | vs ruma resolve | vs Synapse | index vs ruma | agree |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for s in &shapes {
        let group: Vec<&Value> = rows
            .iter()
            .filter(|r| shape(r["room"].as_str().unwrap_or_default()) == *s)
            .collect();
        let values = |f: &dyn Fn(&Value) -> f64| group.iter().map(|r| f(r)).collect::<Vec<f64>>();
        let get = |key: &'static str| move |r: &Value| r[key].as_f64().unwrap_or(f64::NAN);
        let ratio = |key: &'static str| {
            move |r: &Value| {
                r[key].as_f64().unwrap_or(f64::NAN) / r["ours_ms"].as_f64().unwrap_or(f64::NAN)
            }
        };
        let agree = group.iter().all(|r| r["agree"] == "ruma, Synapse");
        println!(
            "| {s} | {} | {} | {} | {} ms | {} ms | {} ms | {} ms | {} ms | {}× | {}× | {}× | {}× | {} |",
            group.len(),
            range(&values(&get("conflicted_keys")), 0),
            range(&values(&get("full_conflicted_set")), 0),
            range(&values(&get("ours_ms")), 3),
            range(&values(&get("index_ms")), 3),
            range(&values(&get("ruma_ms")), 3),
            range(&values(&get("ruma_resolve_ms")), 3),
            range(&values(&get("synapse_ms")), 1),
            range(&values(&ratio("ruma_ms")), 1),
            range(&values(&ratio("ruma_resolve_ms")), 1),
            range(&values(&ratio("synapse_ms")), 0),
            range(&values(&|r| get("ruma_ms")(r) / get("index_ms")(r)), 1),
            if agree { "all three" } else { "NO" },
        );
    }
    let all = |key: &'static str| {
        rows.iter()
            .map(|r| {
                r[key].as_f64().unwrap_or(f64::NAN) / r["ours_ms"].as_f64().unwrap_or(f64::NAN)
            })
            .collect::<Vec<f64>>()
    };
    by_size(&rows);
    println!(
        "\n| scaling, 10,000 ÷ 1,000 events | rooms | matrix-state-res | with index | ruma | Synapse |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for users in ["100u", "1000u"] {
        let keys = ["ours_ms", "index_ms", "ruma_ms", "synapse_ms"];
        let (pairs, cells) = scaling(&rows, &format!("_{users}_"), keys);
        println!("| {users} | {pairs} | {cells} |");
    }
    println!(
        "\n{} rooms (passes per room: {}): vs ruma {}×, vs ruma resolve {}×, vs Synapse {}×; all three agree on {}",
        rows.len(),
        passes.len() / rows.len().max(1),
        range(&all("ruma_ms"), 1),
        range(&all("ruma_resolve_ms"), 1),
        range(&all("synapse_ms"), 0),
        rows.iter()
            .filter(|r| r["agree"] == "ruma, Synapse")
            .count(),
    );
}

const COLD_HEADER: &str = "| room | events | full conflicted set | matrix-state-res warm | cold | ruma warm | cold |\n|---|---:|---:|---:|---:|---:|---:|";

fn cold_row(r: &Value) -> String {
    let f = |key: &str| r[key].as_f64().unwrap_or(f64::NAN);
    format!(
        "| {} | {} | {} | {:.3} ms | {:.3} ms | {:.3} ms | {:.3} ms |",
        r["room"].as_str().unwrap_or_default(),
        r["events"],
        r["full_conflicted_set"],
        f("ours_ms"),
        f("ours_cold_ms"),
        f("ruma_ms"),
        f("ruma_cold_ms"),
    )
}

/// The 10,000 ÷ 1,000 events scaling of `--cold` rows (same shape and seed), warm and cold, by
/// users and forks.
fn cold_summary(path: &str) {
    let rows = read_rows(path);
    println!(
        "| scaling, 10,000 ÷ 1,000 events | pairs | matrix-state-res warm | cold | ruma warm | cold |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for users in ["100u", "1000u"] {
        // `f_{users}_` matches every fork count.
        for forks in ["2f", "4f", "8f", "f"] {
            let keys = ["ours_ms", "ours_cold_ms", "ruma_ms", "ruma_cold_ms"];
            let (pairs, cells) = scaling(&rows, &format!("{forks}_{users}_"), keys);
            if pairs > 0 {
                let group = if forks == "f" { "all forks" } else { forks };
                println!("| {users}, {group} | {pairs} | {cells} |");
            }
        }
    }
}

/// For each of `keys`, the ratios time of a 10,000-event room ÷ time of the 1,000-event room of
/// the same shape and seed, over the 10,000-event rooms whose names contain `group`: how many
/// pairs, and a table cell per key (range and median).
fn scaling<const N: usize>(rows: &[Value], group: &str, keys: [&str; N]) -> (usize, String) {
    let time_of = |room: &str, key: &str| {
        rows.iter()
            .find(|r| r["room"] == room)
            .and_then(|r| r[key].as_f64())
    };
    let mut ratios: [Vec<f64>; N] = std::array::from_fn(|_| Vec::new());
    for row in rows {
        let room = row["room"].as_str().unwrap_or_default();
        if !room.contains("_10000e_") || !room.contains(group) {
            continue;
        }
        let small = room.replace("_10000e_", "_1000e_");
        for (ratio, key) in ratios.iter_mut().zip(keys) {
            if let (Some(big), Some(small)) = (time_of(room, key), time_of(&small, key)) {
                ratio.push(big / small);
            }
        }
    }
    let cells: Vec<String> = ratios
        .iter()
        .map(|r| format!("{} (median {:.1})", range(r, 1), median(r)))
        .collect();
    (ratios[0].len(), cells.join(" | "))
}

/// One row per room from the rows of several passes over the rooms: each implementation's time is
/// its fastest pass (each pass's figure a median of interleaved rounds), as Synapse's is the
/// fastest of its passes; the room agrees if it agreed in every pass.
fn fastest_passes(passes: &[Value]) -> Vec<Value> {
    let mut rows: Vec<Value> = Vec::new();
    for pass in passes {
        let Some(row) = rows.iter_mut().find(|row| row["room"] == pass["room"]) else {
            rows.push(pass.clone());
            continue;
        };
        for key in ["ours_ms", "index_ms", "ruma_ms", "ruma_resolve_ms"] {
            if let (Some(fastest), Some(this)) = (row[key].as_f64(), pass[key].as_f64()) {
                row[key] = fastest.min(this).into();
            }
        }
        if pass["agree"] != row["agree"] {
            row["agree"] = "NO".into();
        }
    }
    rows
}

/// The ratios by room size (events and users), over versions, forks and seeds: median, range
/// and how many rooms reach the aims (10× ruma, 100× Synapse).
fn by_size(rows: &[Value]) {
    println!(
        "\n| events, users | rooms | vs ruma: median (range) | ≥ 10× | vs ruma resolve: median | vs Synapse: median (range) | ≥ 100× | index vs ruma: median (range) | ≥ 10× |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for events in ["1000e", "2000e", "10000e"] {
        for users in ["100u", "1000u"] {
            let group: Vec<&Value> = rows
                .iter()
                .filter(|r| {
                    let room = r["room"].as_str().unwrap_or_default();
                    room.contains(&format!("_{events}_")) && room.contains(&format!("_{users}_"))
                })
                .collect();
            let ratios = |key: &str, over: &str| -> Vec<f64> {
                group
                    .iter()
                    .map(|r| {
                        r[key].as_f64().unwrap_or(f64::NAN) / r[over].as_f64().unwrap_or(f64::NAN)
                    })
                    .collect()
            };
            let at_least = |values: &[f64], aim: f64| values.iter().filter(|v| **v >= aim).count();
            let (fair, only) = (
                ratios("ruma_ms", "ours_ms"),
                ratios("ruma_resolve_ms", "ours_ms"),
            );
            let (synapse, index) = (
                ratios("synapse_ms", "ours_ms"),
                ratios("ruma_ms", "index_ms"),
            );
            println!(
                "| {events}, {users} | {} | {:.1}× ({}×) | {} | {:.1}× | {:.0}× ({}×) | {} | {:.1}× ({}×) | {} |",
                group.len(),
                median(&fair),
                range(&fair, 1),
                at_least(&fair, 10.0),
                median(&only),
                median(&synapse),
                range(&synapse, 0),
                at_least(&synapse, 100.0),
                median(&index),
                range(&index, 1),
                at_least(&index, 10.0),
            );
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut synapse, mut rows, mut files, mut header) = (None, None, Vec::new(), true);
    let (mut rounds, mut repeat, mut cold) = (None, None, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--synapse" => synapse = args.next(),
            "--rows" => rows = args.next(),
            "--rounds" => {
                rounds = Some(
                    args.next()
                        .and_then(|n| n.parse().ok())
                        .expect("--rounds N"),
                )
            }
            "--repeat" => {
                let which = args.next().expect("--repeat IMPL N");
                let times = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--repeat IMPL N");
                repeat = Some((which, times));
                header = false;
            }
            "--cold" => cold = true,
            "--no-header" => header = false,
            "--summary" => return summary(&args.next().expect("--summary ROWS.jsonl")),
            "--cold-summary" => {
                return cold_summary(&args.next().expect("--cold-summary ROWS.jsonl"));
            }
            _ => files.push(arg),
        }
    }
    // Decided once every flag is read, so that their order does not matter.
    let mode = match (repeat, cold) {
        (Some((which, times)), _) => Mode::Repeat(which, times),
        (None, true) => Mode::Cold(rounds.unwrap_or(15)),
        (None, false) => Mode::Rounds(rounds.unwrap_or(7)),
    };
    let synapse = synapse.as_deref().map(synapse_results).unwrap_or_default();
    let (table_header, format_row): (&str, fn(&Value) -> String) = if let Mode::Cold(_) = mode {
        (COLD_HEADER, cold_row)
    } else {
        (HEADER, row)
    };
    if header {
        println!("{table_header}");
    }
    for file in &files {
        let Some(result) = measure(file, &mode, &synapse) else {
            continue;
        };
        println!("{}", format_row(&result));
        if let Some(path) = &rows {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .expect("rows file");
            writeln!(file, "{result}").expect("write rows");
        }
    }
}
