//! Cross-check against the reference implementation: seeded rooms in every room version 1–12
//! (tests/room_generator) are checked event by event with this crate and with Synapse's own
//! event auth (the oracle's `auth_oracle.check_event`, driven by tests/auth_batch.py): the
//! state-independent rules, the rules against the claimed auth events and against the state
//! before the event. Verdicts must agree.
//!
//! Synapse raises an error instead of rejecting for a few malformed inputs (an unknown auth
//! event, a create event listed in v12 `auth_events`, power levels it cannot convert with
//! `int()` or that list a v12 creator, third-party invite keys that are not base64 of 32 bytes);
//! this crate rejects them. Such a pair counts as agreement only when the rejection is of
//! exactly those kinds, and is reported separately.
//!
//! Size: `AUTH_CROSSCHECK_EVENTS` events (default 3,000; the full run uses 12,000). Synapse comes
//! from `$SYNAPSE_PYTHON`, else `$MATRIX_PEERS_DIR/install-synapse.sh` (default `../shared/peers`
//! beside the workspace); the test fails, never skips, when Synapse cannot be had.

mod room_generator;

use std::collections::BTreeMap;
use std::path::Path;

use matrix_event_format::room_version::ROOM_VERSIONS;
use matrix_test_support::verdict::same_verdict;
use matrix_test_support::{Rng, peers_dir, run_script};
use room_generator::generate;
use serde_json::Value;

const EVENTS_PER_ROOM: usize = 48;

/// Runs the rooms through Synapse (tests/auth_batch.py); one result object per room.
fn synapse_verdicts(rooms: &[Value]) -> Vec<Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/auth_batch.py");
    let oracle = peers_dir().join("oracle");
    let input = serde_json::to_vec(rooms).expect("rooms serialise");
    let lines = run_script(&script, &[oracle], input);
    assert_eq!(lines.len(), rooms.len(), "one oracle line per room");
    lines
}

#[test]
fn auth_rules_agree_with_synapse() {
    let total: usize = std::env::var("AUTH_CROSSCHECK_EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3000);
    let room_count = total.div_ceil(EVENTS_PER_ROOM);
    let mut rng = Rng(0x5eed_a071);
    let rooms: Vec<_> = (0..room_count)
        .map(|index| {
            let version = &ROOM_VERSIONS[index % ROOM_VERSIONS.len()];
            generate(&mut rng, version, EVENTS_PER_ROOM, index)
        })
        .collect();
    let room_json: Vec<Value> = rooms.iter().map(|room| room.room_json.clone()).collect();
    let synapse = synapse_verdicts(&room_json);

    let (mut passed, mut failed) = (0usize, 0usize);
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (room, theirs) in rooms.iter().zip(&synapse) {
        let Some(results) = theirs["results"].as_array() else {
            failed += room.verdicts.len();
            failures.push(format!(
                "v{}: oracle error {}",
                room.version.id, theirs["error"]
            ));
            continue;
        };
        for ((event_id, ours, crafted), result) in room.verdicts.iter().zip(results) {
            let verdict = result["verdict"].as_str().unwrap_or("?");
            let agree = same_verdict(ours, verdict);
            let ours_name = match ours {
                Ok(()) => "allow",
                Err(_) => "reject",
            };
            *tally
                .entry(format!(
                    "{ours_name}/{verdict}{}",
                    if *crafted { " (crafted)" } else { "" }
                ))
                .or_default() += 1;
            if let Err(rejection) = ours {
                let name = format!("{rejection:?}");
                let name = name.split(['(', ' ']).next().unwrap_or_default().to_owned();
                *reasons.entry(name).or_default() += 1;
            }
            if verdict == "error" && std::env::var_os("AUTH_CROSSCHECK_VERBOSE").is_some() {
                println!("  error: ours {ours:?}; Synapse {}", result["error"]);
            }
            if agree {
                passed += 1;
            } else {
                failed += 1;
                if failures.len() < 20 {
                    failures.push(format!(
                        "v{} {event_id}: ours {ours:?}, Synapse {verdict} at {} ({})",
                        room.version.id, result["stage"], result["error"]
                    ));
                }
            }
        }
    }
    println!("auth rules vs Synapse: {passed} passed, {failed} failed");
    // State resolution's iterative checks rely on this (they skip the auth events of other keys).
    let outside: Vec<&String> = rooms
        .iter()
        .flat_map(|room| &room.keys_outside_auth_types)
        .collect();
    println!(
        "member and invite keys the rules read outside the auth types: {}",
        outside.len()
    );
    println!("  (ours/Synapse counts: {tally:?})");
    println!("  (our rejections by rule: {reasons:?})");
    for failure in &failures {
        println!("  FAIL {failure}");
    }
    assert!(
        passed >= total.min(room_count * EVENTS_PER_ROOM),
        "too few events checked"
    );
    assert_eq!(failed, 0, "auth verdicts differ from Synapse");
    assert!(
        outside.is_empty(),
        "keys read outside the auth types: {outside:?}"
    );
}
