//! Every scenario of the oracle (`../shared/peers/oracle/scenarios/`: Synapse's own state
//! resolution tests for v2 and v2.1, and two auth walk-throughs), read through the same JSON
//! format: state resolution scenarios must give their `expected` result and what Synapse gives;
//! auth walk-throughs must give the `expect`ed verdict for every event and the states Synapse's
//! walk gives. Every resolution path is checked: stateless (over a map by ID, and over an
//! `Events` store), and a room index.

mod support;

use matrix_test_support::room_file::{BuildOptions, Resolver, RoomFile};
use matrix_test_support::verdict::same_verdict;
use serde_json::Value;
use support::{oracle_state, run_oracle};

const PATHS: [(Resolver, &str); 3] = [
    (Resolver::Stateless, "stateless"),
    (Resolver::StatelessEvents, "stateless over Events"),
    (Resolver::Index, "room index"),
];

#[test]
fn scenarios_pass() {
    let dir = matrix_test_support::peers_dir().join("oracle/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 20,
        "expected the oracle's scenarios in {}",
        dir.display()
    );
    let mut specs = Vec::new();
    for path in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let spec: Value = serde_json::from_slice(&std::fs::read(path).expect("readable"))
            .expect("scenario is JSON");
        specs.push((name, spec));
    }
    let (walks, resolutions): (Vec<_>, Vec<_>) = specs
        .iter()
        .partition(|(_, spec)| spec.get("expect").is_some());
    let synapse_resolved = run_oracle(
        "resolve",
        &resolutions
            .iter()
            .map(|(_, s)| s.clone())
            .collect::<Vec<_>>(),
    );
    let synapse_walked = run_oracle(
        "walk",
        &walks.iter().map(|(_, s)| s.clone()).collect::<Vec<_>>(),
    );

    let mut failed_anywhere = 0;
    for (resolver, path) in PATHS {
        let (mut passed, mut failed) = (0usize, 0usize);
        let mut count = |ok: bool, what: String| {
            println!("{path}: {what} {}", if ok { "pass" } else { "FAIL" });
            if ok { passed += 1 } else { failed += 1 }
        };
        for ((name, spec), theirs) in resolutions.iter().zip(&synapse_resolved) {
            let room =
                RoomFile::from_value(spec.clone(), BuildOptions::default()).expect("room builds");
            let ours = room.resolve(resolver).expect("resolves").state;
            match room.check(&ours).expect("checkable") {
                Some(ok) => count(ok, format!("{name}: expected result")),
                None => println!("{path}: {name}: no expected result in the file"),
            }
            let same = oracle_state(&theirs["resolved_state"]) == ours;
            count(same, format!("{name}: same as Synapse"));
        }
        for ((name, spec), theirs) in walks.iter().zip(&synapse_walked) {
            count(
                walk_agrees(name, spec, theirs, resolver),
                format!("{name}: auth walk"),
            );
        }
        println!(
            "{path}: scenarios: {passed} passed, {failed} failed ({} files)",
            files.len()
        );
        failed_anywhere += failed;
    }
    assert_eq!(failed_anywhere, 0);
}

/// An auth walk-through: the expected verdicts, and Synapse's verdicts and states.
fn walk_agrees(name: &str, spec: &Value, theirs: &Value, resolver: Resolver) -> bool {
    let options = BuildOptions {
        drop_listed_v12_create: false,
    };
    let mut room = RoomFile::from_value(spec.clone(), options).expect("room builds");
    let walk = room.authorize_walk(resolver).expect("walks");
    let mut ok = true;
    for (id, verdict) in &walk.verdicts {
        let label = room.label_of(id);
        let expected = spec["expect"][label].as_str().unwrap_or("allow");
        if !same_verdict(verdict, expected) {
            println!("{name}: {label}: expected {expected}, got {verdict:?}");
            ok = false;
        }
        let synapse = theirs["auth"].as_array().and_then(|results| {
            results
                .iter()
                .find(|r| r["event"] == label)
                .and_then(|r| r["verdict"].as_str())
        });
        if !synapse.is_some_and(|v| same_verdict(verdict, v)) {
            println!("{name}: {label}: Synapse {synapse:?}, ours {verdict:?}");
            ok = false;
        }
        if room.to_labels(&walk.state_after[id]) != oracle_state(&theirs["state_after"][label]) {
            println!("{name}: {label}: state after differs from Synapse's");
            ok = false;
        }
    }
    ok
}
