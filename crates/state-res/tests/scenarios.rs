//! Every scenario of the oracle (`../shared/peers/oracle/scenarios/`: Synapse's own state
//! resolution tests for v2 and v2.1, and two auth walk-throughs), read through the same JSON
//! format: state resolution scenarios must give their `expected` result and what Synapse gives;
//! auth walk-throughs must give the `expect`ed verdict for every event and the states Synapse's
//! walk gives.

mod support;

use matrix_test_support::room_file::{BuildOptions, RoomFile};
use matrix_test_support::verdict::same_verdict;
use serde_json::Value;
use support::{oracle_state, run_oracle};

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

    let (mut resolve_specs, mut resolve_ours, mut walk_specs, mut walk_names) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut passed, mut failed) = (0usize, 0usize);
    for path in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let spec: Value = serde_json::from_slice(&std::fs::read(path).expect("readable"))
            .expect("scenario is JSON");
        if spec.get("expect").is_some() {
            walk_specs.push(spec);
            walk_names.push(name);
            continue;
        }
        let room =
            RoomFile::from_value(spec.clone(), BuildOptions::default()).expect("room builds");
        let resolution = room.resolve().expect("resolves");
        match room.check(&resolution.state).expect("checkable") {
            Some(true) => {
                println!("{name}: expected result pass");
                passed += 1;
            }
            Some(false) => {
                println!("{name}: expected result FAIL");
                failed += 1;
            }
            None => println!("{name}: no expected result in the file"),
        }
        resolve_specs.push(spec);
        resolve_ours.push((name, resolution.state));
    }

    // The same files through Synapse: identical resolved states.
    for ((name, ours), theirs) in resolve_ours
        .iter()
        .zip(run_oracle("resolve", &resolve_specs))
    {
        let same = oracle_state(&theirs["resolved_state"]) == *ours;
        println!(
            "{name}: same as Synapse {}",
            if same { "pass" } else { "FAIL" }
        );
        if same { passed += 1 } else { failed += 1 }
    }

    // Auth walk-throughs: expected verdicts, and Synapse's verdicts and states.
    let oracle = run_oracle("walk", &walk_specs);
    for ((name, spec), theirs) in walk_names.iter().zip(&walk_specs).zip(&oracle) {
        let options = BuildOptions {
            drop_listed_v12_create: false,
        };
        let mut room = RoomFile::from_value(spec.clone(), options).expect("room builds");
        let walk = room.authorize_walk().expect("walks");
        let mut ok = true;
        for (id, verdict) in &walk.verdicts {
            let label = room.label_of(id);
            let expected = spec["expect"][label].as_str().unwrap_or("allow");
            if !same_verdict(verdict, expected) {
                println!("{name}: {label}: expected {expected}, got {verdict:?}");
                ok = false;
            }
        }
        let synapse: Vec<(String, String)> = theirs["auth"]
            .as_array()
            .map(|results| {
                results
                    .iter()
                    .map(|r| {
                        (
                            r["event"].as_str().unwrap_or("").to_owned(),
                            r["verdict"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        for (id, verdict) in &walk.verdicts {
            let label = room.label_of(id);
            let theirs_verdict = synapse
                .iter()
                .find(|(l, _)| l == label)
                .map(|(_, v)| v.as_str());
            if !theirs_verdict.is_some_and(|v| same_verdict(verdict, v)) {
                println!("{name}: {label}: Synapse {theirs_verdict:?}, ours {verdict:?}");
                ok = false;
            }
            let theirs_state = oracle_state(&theirs["state_after"][label]);
            if room.to_labels(&walk.state_after[id]) != theirs_state {
                println!("{name}: {label}: state after differs from Synapse's");
                ok = false;
            }
        }
        println!("{name}: auth walk {}", if ok { "pass" } else { "FAIL" });
        if ok { passed += 1 } else { failed += 1 }
    }
    println!(
        "scenarios: {passed} passed, {failed} failed ({} files)",
        files.len()
    );
    assert_eq!(failed, 0);
}
