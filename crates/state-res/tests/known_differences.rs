//! Inputs on which Synapse raises an error instead of giving a result, and what this crate
//! does instead (documented in the README): in room version 12 a power levels event that lists
//! a room creator makes Synapse's resolution fail; here it fails the authorization rules like any
//! other invalid power levels event, so the other state set's power levels win.

mod support;

use matrix_test_support::room_file::{BuildOptions, Resolver, RoomFile};
use serde_json::json;
use support::run_oracle;

#[test]
fn v12_power_levels_listing_a_creator() {
    let alice = "@alice:example.org";
    let bob = "@bob:example.org";
    let event = |id: &str,
                 kind: &str,
                 sender: &str,
                 content: serde_json::Value,
                 prev: &[&str],
                 auth: &[&str],
                 depth: u64| {
        json!({"event_id": id, "type": kind, "state_key": if kind == "m.room.member" { sender } else { "" },
               "sender": sender, "content": content, "prev_events": prev, "auth_events": auth,
               "depth": depth, "origin_server_ts": depth})
    };
    let room = json!({
        "room_version": "12",
        "events": [
            event("$create", "m.room.create", alice, json!({"room_version": "12"}), &[], &[], 1),
            event("$join", "m.room.member", alice, json!({"membership": "join"}), &["$create"], &[], 2),
            event("$pl", "m.room.power_levels", alice, json!({"users": {bob: 50}}), &["$join"], &["$join"], 3),
            event("$pl_ok", "m.room.power_levels", alice, json!({"users": {bob: 75}}), &["$pl"], &["$join", "$pl"], 4),
            event("$pl_creator", "m.room.power_levels", alice, json!({"users": {alice: 100, bob: 25}}), &["$pl"], &["$join", "$pl"], 4),
        ],
        "state_sets": [
            {"m.room.create": {"": "$create"}, "m.room.member": {alice: "$join"}, "m.room.power_levels": {"": "$pl_ok"}},
            {"m.room.create": {"": "$create"}, "m.room.member": {alice: "$join"}, "m.room.power_levels": {"": "$pl_creator"}},
        ],
    });
    let ours = RoomFile::from_value(room.clone(), BuildOptions::default())
        .expect("room builds")
        .resolve(Resolver::Stateless)
        .expect("resolves")
        .state;
    assert_eq!(
        ours[&("m.room.power_levels".to_owned(), String::new())],
        "$pl_ok"
    );
    let theirs = run_oracle("resolve", &[room]);
    let error = theirs[0]["error"].as_str().unwrap_or_default();
    println!("Synapse: {error}");
    assert!(
        error.contains("must not appear in content.users"),
        "Synapse is expected to raise here, got {}",
        theirs[0]
    );
}
