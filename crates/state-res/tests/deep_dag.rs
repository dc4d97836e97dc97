//! A 50,000-event deep auth chain (each power levels event authorised by the previous one):
//! resolving two states taken at different depths must not recurse (a recursive walk would
//! overflow the test thread's 2 MiB stack), and must give the newest power levels. Also the
//! prefetch loop of `missing_events`, and the same results from an `Events` store.

use std::collections::HashMap;

use matrix_auth_rules::PduEvent;
use matrix_event_format::RoomVersion;
use matrix_state_res::{Events, StateMap, missing_events, resolve_with_stats};
use serde_json::{Value, json};

const DEPTH: usize = 50_000;
const ALICE: &str = "@alice:example.org";

/// The room: create, Alice's join, then DEPTH power levels events in a chain. Event IDs are
/// given (not hashed), which `PduEvent::with_event_id` allows.
fn chain(version: &'static RoomVersion) -> (HashMap<String, PduEvent>, Vec<String>) {
    let v12 = version.id == "12";
    let room_id = if v12 { "!create" } else { "!room:example.org" };
    let mut events = HashMap::new();
    let mut ids = Vec::new();
    let mut add = |id: String, mut pdu: Value, events: &mut HashMap<String, PduEvent>| {
        if !(v12 && pdu["type"] == "m.room.create") {
            pdu["room_id"] = json!(room_id);
        }
        let Value::Object(map) = pdu else {
            unreachable!()
        };
        let event = PduEvent::with_event_id(map, version, id.clone()).expect("valid event");
        events.insert(id.clone(), event);
        ids.push(id);
    };
    let create = if v12 {
        "$create".to_owned()
    } else {
        "$create:example.org".to_owned()
    };
    let implied = |auth: Vec<&str>| -> Vec<String> {
        auth.into_iter()
            .filter(|id| !(v12 && *id == create))
            .map(str::to_owned)
            .collect()
    };
    add(
        create.clone(),
        json!({"type": "m.room.create", "state_key": "", "sender": ALICE,
               "content": {"creator": ALICE}, "prev_events": [], "auth_events": [],
               "depth": 1, "origin_server_ts": 1}),
        &mut events,
    );
    let join = "$join:example.org".to_owned();
    add(
        join.clone(),
        json!({"type": "m.room.member", "state_key": ALICE, "sender": ALICE,
               "content": {"membership": "join"}, "prev_events": [create],
               "auth_events": implied(vec![&create]), "depth": 2, "origin_server_ts": 2}),
        &mut events,
    );
    // In v12 the creator's level is implied and must not be listed.
    let users = if v12 { json!({}) } else { json!({ALICE: 100}) };
    let mut previous: Option<String> = None;
    for i in 0..DEPTH {
        let id = format!("$pl{i}:example.org");
        let mut auth = vec![create.as_str(), join.as_str()];
        if let Some(previous) = &previous {
            auth.push(previous);
        }
        add(
            id.clone(),
            json!({"type": "m.room.power_levels", "state_key": "", "sender": ALICE,
                   "content": {"users": users, "state_default": 50 + (i % 2)},
                   "prev_events": [previous.as_deref().unwrap_or(&join)],
                   "auth_events": implied(auth), "depth": 3 + i, "origin_server_ts": 3 + i}),
            &mut events,
        );
        previous = Some(id);
    }
    (events, ids)
}

fn state(ids: &[String], power_levels: &str) -> StateMap {
    let mut state = StateMap::new();
    state.insert(("m.room.create".into(), String::new()), ids[0].clone());
    state.insert(("m.room.member".into(), ALICE.into()), ids[1].clone());
    state.insert(
        ("m.room.power_levels".into(), String::new()),
        power_levels.to_owned(),
    );
    state
}

#[test]
fn deep_auth_chains_do_not_recurse() {
    for version in ["2", "12"] {
        let version = RoomVersion::from_id(version).expect("known");
        let (events, ids) = chain(version);
        let newest = &ids[ids.len() - 1];
        let middle = &ids[2 + DEPTH / 2];
        let sets = [state(&ids, newest), state(&ids, middle)];
        let (resolved, stats) = resolve_with_stats(version, &sets, &events).expect("resolves");
        assert_eq!(
            resolved.get("m.room.power_levels", ""),
            Some(newest.as_str())
        );
        let resolved = resolved.to_state_map();
        assert!(stats.full_conflicted_set >= DEPTH / 2, "{stats:?}");
        // The same from an `Events` store, which finds each event by its own ID.
        let store: Events<PduEvent> = events.into_values().collect();
        assert_eq!(store.len(), ids.len());
        let (from_store, store_stats) =
            resolve_with_stats(version, &sets, &store).expect("resolves");
        assert_eq!(from_store, resolved);
        assert_eq!(store_stats, stats);
        println!("v{}: {stats:?}", version.id);
    }
}

#[test]
fn missing_events_drive_a_prefetch_loop() {
    let version = RoomVersion::V2;
    let (all, ids) = chain(version);
    let sets = [state(&ids, &ids[10]), state(&ids, &ids[5])];
    // Start with nothing, fetch what is missing in batches, as an async caller would.
    let mut have: HashMap<String, PduEvent> = HashMap::new();
    let mut rounds = 0;
    loop {
        let missing = missing_events(version, &sets, &have);
        if missing.is_empty() {
            break;
        }
        rounds += 1;
        for id in missing {
            have.insert(id.clone(), all[&id].clone());
        }
    }
    assert_eq!(
        have.len(),
        11,
        "the state sets' events and their auth chains"
    );
    assert!(rounds > 1, "auth chains are discovered round by round");
    let resolved = matrix_state_res::resolve(version, &sets, &have).expect("resolves");
    assert_eq!(
        resolved,
        matrix_state_res::resolve(version, &sets, &all).expect("resolves")
    );
}
