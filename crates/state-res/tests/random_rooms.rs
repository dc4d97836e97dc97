//! Cross-check against the reference implementation on seeded random rooms (room versions 1, 2,
//! 6, 10, 11 and 12; tests/support/generator.rs): for every room, this crate walks the DAG
//! (resolving at every merge, authorising every event) and so does Synapse (the oracle's
//! `auth_oracle --dag` walk: its own v1/v2/v2.1 resolution and event auth). The state after
//! every event and every event's verdict must agree.
//!
//! Size: `STATERES_CROSSCHECK_ROOMS` rooms (default 300; the full run uses 2,000 or more) of 30
//! to 110 events. Synapse comes from `$SYNAPSE_PYTHON`, else `$MATRIX_PEERS_DIR/install-synapse.sh`
//! (default `../shared/peers` beside the workspace); the test fails, never skips, without it.

mod support;

use matrix_auth_rules::Event;
use matrix_event_format::RoomVersion;
use matrix_test_support::Rng;
use matrix_test_support::room_file::{BuildOptions, RoomFile};
use matrix_test_support::verdict::same_verdict;
use support::generator::generate;
use support::{oracle_state, run_oracle};

const VERSIONS: [&str; 6] = ["1", "2", "6", "10", "11", "12"];
/// Rooms per oracle call (Synapse is imported once per call).
const BATCH: usize = 250;

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
    let (mut rooms_passed, mut rooms_failed) = (0usize, 0usize);
    let (mut auth_passed, mut auth_failed) = (0usize, 0usize);
    let (mut states_compared, mut merges, mut rejected) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    let mut reasons = std::collections::BTreeMap::new();
    let (mut sets_passed, mut sets_failed) = (0usize, 0usize);
    let mut conflicted_keys = 0usize;
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
        let oracle = run_oracle("walk", &specs);
        let set_specs: Vec<_> = generated
            .iter()
            .map(|room| room.sets_json.clone())
            .collect();
        let set_oracle = run_oracle("resolve", &set_specs);
        for ((room, theirs), theirs_sets) in generated.iter().zip(&oracle).zip(&set_oracle) {
            merges += room.merges;
            // The state_sets query: our resolution and Synapse's.
            let sets_file = RoomFile::from_value(room.sets_json.clone(), BuildOptions::default())
                .expect("room builds");
            let ours_sets = sets_file.resolve().expect("resolves").state;
            let sets_ok = theirs_sets
                .get("resolved_state")
                .is_some_and(|s| oracle_state(s) == ours_sets);
            if sets_ok {
                sets_passed += 1;
            } else {
                sets_failed += 1;
                if failures.len() < 20 {
                    let error = theirs_sets.get("error").cloned().unwrap_or_default();
                    failures.push(format!(
                        "v{} state_sets query differs: {error}",
                        room.version.id
                    ));
                }
            }
            conflicted_keys += room.conflicted_keys;
            let options = BuildOptions {
                drop_listed_v12_create: false,
            };
            let mut file = RoomFile::from_value(room.json.clone(), options).expect("room builds");
            let walk = file.authorize_walk().expect("walk resolves");
            let Some(results) = theirs["auth"].as_array() else {
                rooms_failed += 1;
                failures.push(format!(
                    "v{} room {index}: oracle error {}",
                    room.version.id, theirs["error"]
                ));
                continue;
            };
            let mut room_ok = results.len() == walk.verdicts.len();
            for (id, verdict) in &walk.verdicts {
                let label = file.label_of(id);
                let synapse = results.iter().find(|r| r["event"] == label);
                let synapse_verdict = synapse.and_then(|r| r["verdict"].as_str()).unwrap_or("?");
                if let Err(rejection) = verdict {
                    rejected += 1;
                    let name = format!("{rejection:?}");
                    let mut name = name.split(['(', ' ']).next().unwrap_or_default().to_owned();
                    if std::env::var_os("STATERES_CROSSCHECK_VERBOSE").is_some() {
                        let event = &file.events()[id];
                        name = format!(
                            "{name}/{}/{}",
                            event.event_type(),
                            event.membership().unwrap_or("")
                        );
                    }
                    *reasons.entry(name).or_insert(0usize) += 1;
                }
                if same_verdict(verdict, synapse_verdict) {
                    auth_passed += 1;
                } else {
                    auth_failed += 1;
                    room_ok = false;
                    if failures.len() < 20 {
                        failures.push(format!(
                            "v{} {label}: ours {verdict:?}, Synapse {synapse_verdict} ({})",
                            room.version.id,
                            synapse.map_or(&serde_json::Value::Null, |r| &r["error"])
                        ));
                    }
                }
                states_compared += 1;
                if file.to_labels(&walk.state_after[id])
                    != oracle_state(&theirs["state_after"][label])
                {
                    room_ok = false;
                    if failures.len() < 20 {
                        failures.push(format!("v{} {label}: state after differs", room.version.id));
                    }
                }
            }
            if room_ok {
                rooms_passed += 1
            } else {
                rooms_failed += 1
            }
        }
        index += count;
    }
    println!(
        "state resolution vs Synapse, random rooms: {rooms_passed} passed, {rooms_failed} failed"
    );
    println!(
        "  ({states_compared} states after events compared; generation resolved {merges} merges with {conflicted_keys} conflicted keys)"
    );
    println!("  (rejections by rule: {reasons:?})");
    println!(
        "auth verdicts in the walks: {auth_passed} passed, {auth_failed} failed ({rejected} rejected)"
    );
    println!(
        "state_sets queries (random points, some rejected events): {sets_passed} passed, {sets_failed} failed"
    );
    for failure in &failures {
        println!("  FAIL {failure}");
    }
    assert_eq!(rooms_passed, rooms);
    assert_eq!(
        rooms_failed + auth_failed + sets_failed,
        0,
        "results differ from Synapse"
    );
}
