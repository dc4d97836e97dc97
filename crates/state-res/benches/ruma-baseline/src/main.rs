//! Times matrix-state-res, ruma-state-res 0.18 and Synapse (the oracle's `elapsed_ms`) on the
//! same rooms (oracle JSON files with `state_sets`), checks that they agree, and prints a table.
//!
//!     stateres-ruma-baseline [--synapse PYTHON --oracle DIR] ROOM.json…
//!
//! Timings: median of repeated runs within about one second per implementation and room
//! (ours and ruma in this process, one after the other); Synapse: the minimum `elapsed_ms` over
//! three passes of `stateres_oracle.py` over all files in one process (the first resolution of a
//! process pays for lazy imports).
//!
//! ruma needs the full auth chain of each state set as input, and (v12) the conflicted state
//! subgraph; matrix-state-res computes both itself. So ruma is timed twice: `resolve` alone
//! with the chains precomputed, and with the chains computed (memoised, iteratively) inside the
//! timed region, which is the like-for-like figure.

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::time::{Duration, Instant};

use matrix_auth_rules::Event as _;
use matrix_state_res::{StateMap, resolve_with_stats};
use matrix_test_support::room_file::{Query, RoomFile};
use ruma_common::room_version_rules::{RoomVersionRules, StateResolutionVersion};
use ruma_common::{
    EventId, MilliSecondsSinceUnixEpoch, OwnedEventId, OwnedRoomId, OwnedUserId, RoomId, UserId,
};
use ruma_events::{StateEventType, TimelineEventType};
use ruma_state_res::utils::event_id_set::EventIdSet;
use serde_json::value::RawValue;

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

/// The full auth chain (events included) of each state set, memoised and iterative.
fn auth_chains(
    events: &HashMap<OwnedEventId, RumaPdu>,
    sets: &[RumaState],
) -> Vec<EventIdSet<OwnedEventId>> {
    let mut memo: HashMap<&EventId, HashSet<&EventId>> = HashMap::new();
    let mut chains = Vec::new();
    for set in sets {
        let mut chain: HashSet<&EventId> = HashSet::new();
        for id in set.values() {
            let mut stack: Vec<&EventId> = vec![&**id];
            while let Some(&current) = stack.last() {
                if memo.contains_key(current) {
                    stack.pop();
                    continue;
                }
                let parents: Vec<&EventId> = events
                    .get(current)
                    .map(|e| e.auth_events.iter().map(|a| &**a).collect())
                    .unwrap_or_default();
                let todo: Vec<&EventId> = parents
                    .iter()
                    .copied()
                    .filter(|p| !memo.contains_key(p))
                    .collect();
                if !todo.is_empty() {
                    stack.extend(todo);
                    continue;
                }
                let mut acc: HashSet<&EventId> = HashSet::from([current]);
                for parent in parents {
                    acc.extend(memo[parent].iter().copied());
                }
                memo.insert(current, acc);
                stack.pop();
            }
            chain.extend(memo[&**id].iter().copied());
        }
        chains.push(chain.into_iter().map(EventId::to_owned).collect());
    }
    chains
}

fn ruma_resolve(
    rules: &RoomVersionRules,
    events: &HashMap<OwnedEventId, RumaPdu>,
    sets: &[RumaState],
    chains: Vec<EventIdSet<OwnedEventId>>,
) -> RumaState {
    let StateResolutionVersion::V2(state_res) = &rules.state_res else {
        panic!("ruma-state-res implements v2 and v2.1 only");
    };
    ruma_state_res::resolve(
        &rules.authorization,
        state_res,
        sets.iter(),
        chains,
        |id| events.get(id),
        |_| None,
    )
    .expect("ruma resolves")
}

/// Median time of `run` over repetitions filling about one second (at least 5).
fn time<T>(mut run: impl FnMut() -> T) -> Duration {
    let mut samples = Vec::new();
    let start = Instant::now();
    while samples.len() < 5 || (start.elapsed() < Duration::from_secs(1) && samples.len() < 2000) {
        let t = Instant::now();
        std::hint::black_box(run());
        samples.push(t.elapsed());
    }
    samples.sort();
    samples[samples.len() / 2]
}

fn synapse_times(python: &str, oracle: &str, files: &[String]) -> HashMap<String, (f64, String)> {
    let mut best: HashMap<String, (f64, String)> = HashMap::new();
    let mut args = vec![format!("{oracle}/stateres_oracle.py")];
    for _ in 0..3 {
        args.extend(files.iter().cloned());
    }
    let output = Command::new(python)
        .args(&args)
        .output()
        .expect("oracle runs");
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("oracle JSON");
        let file = value["file"].as_str().unwrap_or_default().to_owned();
        let ms = value["elapsed_ms"].as_f64().unwrap_or(f64::NAN);
        let state = value["resolved_state"].to_string();
        let entry = best.entry(file).or_insert((f64::INFINITY, state));
        entry.0 = entry.0.min(ms);
    }
    best
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut python, mut oracle, mut files, mut header) = (None, None, Vec::new(), true);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--synapse" => python = args.next(),
            "--oracle" => oracle = args.next(),
            "--no-header" => header = false,
            _ => files.push(arg),
        }
    }
    let synapse = match (&python, &oracle) {
        (Some(python), Some(oracle)) => synapse_times(python, oracle, &files),
        _ => HashMap::new(),
    };
    if header {
        println!(
            "| room | events | conflicted keys | full conflicted set | matrix-state-res | ruma resolve | ruma + auth chains | Synapse | vs ruma (+chains) | vs Synapse | agree |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    }
    for file in &files {
        let room = RoomFile::from_slice(&std::fs::read(file).expect("room file")).expect("room");
        let Some(Query::StateSets(sets)) = room.query() else {
            panic!("{file}: needs state_sets");
        };
        let sets: Vec<StateMap> = sets.iter().map(|set| room.to_ids(set)).collect();
        let (ours_state, stats) =
            resolve_with_stats(room.version, &sets, room.events()).expect("resolves");
        let ours = time(|| resolve_with_stats(room.version, &sets, room.events()));

        let rules = RoomVersionRules::V10;
        assert_eq!(
            room.version.id, "10",
            "the comparison uses room version 10 rules"
        );
        let events = ruma_events(&room);
        let ruma_sets: Vec<RumaState> = sets.iter().map(ruma_state).collect();
        let chains = auth_chains(&events, &ruma_sets);
        let ruma_state_result = ruma_resolve(&rules, &events, &ruma_sets, chains.clone());
        let ruma_only = time(|| ruma_resolve(&rules, &events, &ruma_sets, chains.clone()));
        let ruma_full = time(|| {
            let chains = auth_chains(&events, &ruma_sets);
            ruma_resolve(&rules, &events, &ruma_sets, chains)
        });

        let ruma_as_ours: StateMap = ruma_state_result
            .iter()
            .map(|((t, k), id)| ((t.to_string(), k.clone()), id.to_string()))
            .collect();
        let ours_labels = room.to_labels(&ours_state);
        let (synapse_ms, synapse_agrees) = match synapse.get(file) {
            Some((ms, state)) => {
                let theirs: serde_json::Value = serde_json::from_str(state).expect("state");
                let theirs = matrix_test_support::room_file::parse_state(&theirs).expect("state");
                (*ms, Some(theirs == ours_labels))
            }
            None => (f64::NAN, None),
        };
        let agree = match (ruma_as_ours == ours_state, synapse_agrees) {
            (true, Some(true)) => "ruma, Synapse",
            (true, None) => "ruma",
            (false, Some(true)) => "Synapse (ruma differs)",
            (true, Some(false)) => "ruma (Synapse differs)",
            (false, _) => "NEITHER",
        };
        let name = std::path::Path::new(file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!(
            "| {name} | {} | {} | {} | {:.3} ms | {:.3} ms | {:.3} ms | {:.1} ms | {:.1}× ({:.1}×) | {:.0}× | {agree} |",
            room.events().len(),
            stats.conflicted_keys,
            stats.full_conflicted_set,
            ms(ours),
            ms(ruma_only),
            ms(ruma_full),
            synapse_ms,
            ms(ruma_only) / ms(ours),
            ms(ruma_full) / ms(ours),
            synapse_ms / ms(ours),
        );
    }
}
