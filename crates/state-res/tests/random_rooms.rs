//! Cross-check against the reference implementation on seeded random rooms (room versions 1, 2,
//! 6, 10, 11 and 12; tests/support/generator.rs): for every room, this crate walks the DAG
//! (resolving at every merge, authorising every event) and so does Synapse (the oracle's
//! `auth_oracle --dag` walk: its own v1/v2/v2.1 resolution and event auth). The state after
//! every event and every event's verdict must agree, and so must a `state_sets` query per room.
//! Every resolution path is checked on every room: the stateless `resolve` over a map by event
//! ID and over an `Events` store, and a `RoomIndex` grown event by event during the walk.
//!
//! Size: `STATERES_CROSSCHECK_ROOMS` rooms (default 300; the full run uses 2,000 or more) of 30
//! to 110 events. Synapse comes from `$SYNAPSE_PYTHON`, else `$MATRIX_PEERS_DIR/install-synapse.sh`
//! (default `../shared/peers` beside the workspace); the test fails, never skips, without it.

mod support;

use std::collections::BTreeMap;

use matrix_auth_rules::Event;
use matrix_event_format::RoomVersion;
use matrix_test_support::Rng;
use matrix_test_support::room_file::{BuildOptions, Resolver, RoomFile};
use matrix_test_support::verdict::same_verdict;
use serde_json::Value;
use support::generator::{GeneratedRoom, generate};
use support::{oracle_state, run_oracle};

const VERSIONS: [&str; 6] = ["1", "2", "6", "10", "11", "12"];
/// Rooms per oracle call (Synapse is imported once per call).
const BATCH: usize = 250;

/// Agreement counts of one resolution path.
#[derive(Default)]
struct Tally {
    rooms: (usize, usize),
    verdicts: (usize, usize),
    states: usize,
    sets: (usize, usize),
    rejected: usize,
    reasons: BTreeMap<String, usize>,
    failures: Vec<String>,
}

impl Tally {
    fn fail(&mut self, failure: String) {
        if self.failures.len() < 20 {
            self.failures.push(failure);
        }
    }

    fn failed(&self) -> usize {
        self.rooms.1 + self.verdicts.1 + self.sets.1
    }

    fn print(&self, path: &str) {
        println!(
            "{path}: random rooms vs Synapse: {} passed, {} failed ({} states after events compared)",
            self.rooms.0, self.rooms.1, self.states
        );
        println!(
            "{path}: auth verdicts in the walks: {} passed, {} failed ({} rejected)",
            self.verdicts.0, self.verdicts.1, self.rejected
        );
        println!(
            "{path}: state_sets queries (random points, some rejected events): {} passed, {} failed",
            self.sets.0, self.sets.1
        );
        for failure in &self.failures {
            println!("  FAIL {path}: {failure}");
        }
    }

    /// Checks one room: the `state_sets` query, then the walk.
    fn check(&mut self, room: &GeneratedRoom, resolver: Resolver, walk: &Value, sets: &Value) {
        let version = room.version.id;
        let sets_file = RoomFile::from_value(room.sets_json.clone(), BuildOptions::default())
            .expect("room builds");
        let ours_sets = sets_file.resolve(resolver).expect("resolves").state;
        if sets
            .get("resolved_state")
            .is_some_and(|s| oracle_state(s) == ours_sets)
        {
            self.sets.0 += 1;
        } else {
            self.sets.1 += 1;
            let error = sets.get("error").cloned().unwrap_or_default();
            self.fail(format!("v{version} state_sets query differs: {error}"));
        }

        let options = BuildOptions {
            drop_listed_v12_create: false,
        };
        let mut file = RoomFile::from_value(room.json.clone(), options).expect("room builds");
        let ours = file.authorize_walk(resolver).expect("walk resolves");
        let Some(results) = walk["auth"].as_array() else {
            self.rooms.1 += 1;
            self.fail(format!("v{version}: oracle error {}", walk["error"]));
            return;
        };
        let mut room_ok = results.len() == ours.verdicts.len();
        for (id, verdict) in &ours.verdicts {
            let label = file.label_of(id);
            let synapse = results.iter().find(|r| r["event"] == label);
            let synapse_verdict = synapse.and_then(|r| r["verdict"].as_str()).unwrap_or("?");
            if let Err(rejection) = verdict {
                self.rejected += 1;
                let name = format!("{rejection:?}");
                let mut name = name.split(['(', ' ']).next().unwrap_or_default().to_owned();
                if std::env::var_os("STATERES_CROSSCHECK_VERBOSE").is_some() {
                    let event = &file.events()[id];
                    let membership = event.membership().unwrap_or("");
                    name = format!("{name}/{}/{membership}", event.event_type());
                }
                *self.reasons.entry(name).or_insert(0) += 1;
            }
            if same_verdict(verdict, synapse_verdict) {
                self.verdicts.0 += 1;
            } else {
                self.verdicts.1 += 1;
                room_ok = false;
                let error = synapse.map_or(&Value::Null, |r| &r["error"]);
                self.fail(format!(
                    "v{version} {label}: ours {verdict:?}, Synapse {synapse_verdict} ({error})"
                ));
            }
            self.states += 1;
            if file.to_labels(&ours.state_after[id]) != oracle_state(&walk["state_after"][label]) {
                room_ok = false;
                self.fail(format!("v{version} {label}: state after differs"));
            }
        }
        if room_ok {
            self.rooms.0 += 1;
        } else {
            self.rooms.1 += 1;
        }
    }
}

#[test]
fn random_rooms_agree_with_synapse() {
    let rooms: usize = std::env::var("STATERES_CROSSCHECK_ROOMS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let seed: u64 = std::env::var("STATERES_CROSSCHECK_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0x5747_e5e5);
    let mut rng = Rng(seed);
    let (mut stateless, mut numbered, mut indexed) =
        (Tally::default(), Tally::default(), Tally::default());
    let (mut merges, mut conflicted_keys) = (0usize, 0usize);
    let mut index = 0;
    while index < rooms {
        let count = BATCH.min(rooms - index);
        let generated: Vec<_> = (index..index + count)
            .map(|i| {
                let version = RoomVersion::from_id(VERSIONS[i % VERSIONS.len()]).expect("known");
                let size = 30 + rng.below(81);
                generate(&mut rng, version, size, i)
            })
            .collect();
        let specs: Vec<_> = generated.iter().map(|room| room.json.clone()).collect();
        let walks = run_oracle("walk", &specs);
        let set_specs: Vec<_> = generated.iter().map(|r| r.sets_json.clone()).collect();
        let sets = run_oracle("resolve", &set_specs);
        for ((room, walk), sets) in generated.iter().zip(&walks).zip(&sets) {
            merges += room.merges;
            conflicted_keys += room.conflicted_keys;
            stateless.check(room, Resolver::Stateless, walk, sets);
            numbered.check(room, Resolver::StatelessEvents, walk, sets);
            indexed.check(room, Resolver::Index, walk, sets);
        }
        index += count;
    }
    println!(
        "{rooms} rooms; generation resolved {merges} merges with {conflicted_keys} conflicted keys"
    );
    println!("  (rejections by rule: {:?})", stateless.reasons);
    stateless.print("stateless");
    numbered.print("stateless over Events");
    indexed.print("room index");
    assert_eq!(
        stateless.rooms.0 + numbered.rooms.0 + indexed.rooms.0,
        3 * rooms
    );
    assert_eq!(
        stateless.failed() + numbered.failed() + indexed.failed(),
        0,
        "results differ from Synapse"
    );
}
