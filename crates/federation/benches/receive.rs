//! Inbound PDUs per second on one core through the receiving path of `PUT /send` transactions
//! of 50 PDUs, into a room kept from one transaction to the next (as a server keeps it).
//!
//! Each timed run receives a new transaction, prepared and signed beforehand and received from
//! its bytes: the `X-Matrix` check (parsing the header, parsing the body strictly, the canonical
//! JSON of the request and its signature), then for each PDU taken from the parsed body its
//! format and event ID (reference hash), its signatures and content hash ([`IncomingPdu`]) and
//! the authorization rules against its auth events, the state before it and the current state
//! ([`Room::receive`]). Against the bound set by the ed25519 verifications alone (the 50 PDU
//! signatures and the request's), measured in the same run. Room version 10, messages of a
//! remote user chained one after the other.
//!
//! `cargo bench -p matrix-federation --bench receive`
//!
//! `RECEIVE_BENCH_RUNS=N` sets the runs per round (20 by default); a small N makes a short run
//! for profiling, e.g. under `valgrind --tool=callgrind`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use matrix_auth_rules::PduEvent;
use matrix_event_format::canonical_json;
use matrix_event_format::{
    JsonObject, KeySet, PublicKeyMap, Request, RoomVersion, SigningKey, XMatrix, json, redact,
    sign_request,
};
use matrix_federation::{IncomingPdu, Outcome, Room, ServerIdentity, TransactionSignature};
use matrix_test_support::{median, range};
use serde_json::{Value, json};

const PDUS: usize = 50;
const ORIGIN: &str = "remote.test";
const DESTINATION: &str = "local.test";
const PATH: &str = "/_matrix/federation/v1/send/bench";
/// Figures reported (each the median of its runs).
const SAMPLES: usize = 5;
/// Interleaved rounds per figure, so that a machine whose speed drifts slows both alike.
const ROUNDS: usize = 3;
/// Runs of each kind per round unless `RECEIVE_BENCH_RUNS` says otherwise; every run of the
/// whole path takes a new transaction.
const RUNS: usize = 20;

fn object(value: Value) -> JsonObject {
    match value {
        Value::Object(object) => object,
        _ => JsonObject::new(),
    }
}

/// A transaction as it arrives: the `Authorization` header and the body.
struct Transaction {
    header: String,
    body: Vec<u8>,
}

/// The room's first events (by `local.test`) and the remote user's join (by `remote.test`).
fn base_events(
    version: &'static RoomVersion,
    local: &ServerIdentity,
    remote: &ServerIdentity,
) -> (Room, Vec<PduEvent>) {
    let mut room = Room::new(version, "!bench:local.test");
    let mut events = Vec::new();
    let mut create = object(json!({
        "room_id": "!bench:local.test", "type": "m.room.create", "state_key": "",
        "sender": "@alice:local.test", "content": {"creator": "@alice:local.test", "room_version": "10"},
        "origin_server_ts": 1, "depth": 1, "prev_events": [], "auth_events": [],
    }));
    let id = local.sign_event(&mut create, version).unwrap();
    let event = PduEvent::with_event_id(create, version, id).unwrap();
    assert_eq!(room.receive(event.clone()).unwrap(), Outcome::Accepted);
    events.push(event);
    for (server, sender, event_type, state_key, content) in [
        (
            local,
            "@alice:local.test",
            "m.room.member",
            "@alice:local.test",
            json!({"membership": "join"}),
        ),
        (
            local,
            "@alice:local.test",
            "m.room.power_levels",
            "",
            json!({"users": {"@alice:local.test": 100}}),
        ),
        (
            local,
            "@alice:local.test",
            "m.room.join_rules",
            "",
            json!({"join_rule": "public"}),
        ),
        (
            remote,
            "@bob:remote.test",
            "m.room.member",
            "@bob:remote.test",
            json!({"membership": "join"}),
        ),
    ] {
        let mut pdu = room
            .new_event(sender, event_type, Some(state_key), object(content), 2)
            .unwrap();
        let id = server.sign_event(&mut pdu, version).unwrap();
        let event = PduEvent::with_event_id(pdu, version, id).unwrap();
        assert_eq!(room.receive(event.clone()).unwrap(), Outcome::Accepted);
        events.push(event);
    }
    (room, events)
}

/// The next 50 messages of Bob in `room` (each following the previous), as a signed
/// transaction.
fn next_transaction(
    room: &mut Room,
    version: &'static RoomVersion,
    remote: &ServerIdentity,
    first: usize,
) -> (Transaction, Value) {
    let mut pdus = Vec::new();
    for n in first..first + PDUS {
        let content = object(
            json!({"msgtype": "m.text", "body": format!("message {n} {}", "x".repeat(200))}),
        );
        let mut pdu = room
            .new_event("@bob:remote.test", "m.room.message", None, content, 3)
            .unwrap();
        let id = remote.sign_event(&mut pdu, version).unwrap();
        room.receive(PduEvent::with_event_id(pdu.clone(), version, id).unwrap())
            .unwrap();
        pdus.push(Value::Object(pdu));
    }
    let transaction = json!({"origin": ORIGIN, "origin_server_ts": 5, "pdus": pdus});
    let header = sign_request(
        remote.signing_key(),
        ORIGIN,
        DESTINATION,
        Request {
            method: "PUT",
            uri: PATH,
            content: Some(&transaction),
        },
    )
    .unwrap()
    .to_header();
    let body = serde_json::to_vec(&transaction).unwrap();
    (Transaction { header, body }, transaction)
}

/// The whole receiving path of one transaction into `room`.
fn receive(room: &mut Room, transaction: &Transaction, origin_keys: &KeySet, keys: &PublicKeyMap) {
    let version = room.version();
    let header = XMatrix::parse(&transaction.header).unwrap();
    let content = json::from_slice(&transaction.body).unwrap();
    let signature = TransactionSignature {
        header: &header,
        own_server_name: DESTINATION,
        origin_keys,
    };
    // Each PDU is no longer than the body it came in.
    let pdus = IncomingPdu::from_transaction(
        &signature,
        PATH,
        content,
        transaction.body.len(),
        &mut |_| Some(version),
    )
    .unwrap();
    for pdu in pdus {
        let checked = pdu.expect("a PDU object").unwrap().verify(keys).unwrap();
        assert_eq!(room.receive(checked.event).unwrap(), Outcome::Accepted);
    }
}

/// Runs of each kind per round: `RECEIVE_BENCH_RUNS`, or [`RUNS`].
fn runs() -> usize {
    std::env::var("RECEIVE_BENCH_RUNS")
        .ok()
        .and_then(|runs| runs.parse().ok())
        .filter(|&runs| runs > 0)
        .unwrap_or(RUNS)
}

/// The durations of `runs` runs of `run`, appended to `samples`.
fn time(samples: &mut Vec<Duration>, runs: usize, run: &mut dyn FnMut()) {
    for _ in 0..runs {
        let start = Instant::now();
        run();
        samples.push(start.elapsed());
    }
}

fn median_duration(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let version = RoomVersion::from_id("10").unwrap();
    let local = ServerIdentity::new(
        "local.test".parse().unwrap(),
        SigningKey::from_seed(&[1; 32], "l").unwrap(),
    );
    let remote = ServerIdentity::new(
        ORIGIN.parse().unwrap(),
        SigningKey::from_seed(&[2; 32], "r").unwrap(),
    );
    let (mut sender_room, base) = base_events(version, &local, &remote);
    let mut room = Room::new(version, "!bench:local.test");
    for event in base {
        room.receive(event).unwrap();
    }
    let runs = runs();
    let count = SAMPLES * ROUNDS * runs;
    let mut transactions = Vec::with_capacity(count);
    let (first, first_content) = next_transaction(&mut sender_room, version, &remote, 0);
    transactions.push(first);
    for n in 1..count {
        transactions.push(next_transaction(&mut sender_room, version, &remote, n * PDUS).0);
    }
    drop(sender_room);
    let keys: PublicKeyMap = [
        (ORIGIN.to_owned(), remote.key_set()),
        ("local.test".to_owned(), local.key_set()),
    ]
    .into();
    let origin_keys: KeySet = remote.key_set();

    // What ed25519 alone costs: the request's signature and each PDU's, on messages of the first
    // transaction prepared beforehand.
    let verify_key = remote.signing_key().verify_key().clone();
    let mut signed_messages = Vec::new();
    for pdu in &first_content["pdus"].as_array().unwrap()[..] {
        let redacted = redact(pdu.as_object().unwrap(), version).unwrap();
        let mut unsigned = redacted.clone();
        unsigned.remove("signatures");
        unsigned.remove("unsigned");
        let message =
            canonical_json::to_vec(&Value::Object(unsigned), version.canonical_json).unwrap();
        let signature = pdu["signatures"][ORIGIN]["ed25519:r"].as_str().unwrap();
        let signature: [u8; 64] = matrix_event_format::base64::decode(signature)
            .unwrap()
            .try_into()
            .unwrap();
        signed_messages.push((message, signature));
    }
    let parsed_header = XMatrix::parse(&transactions[0].header).unwrap();
    let request_message = {
        let mut request = object(json!({
            "method": "PUT", "uri": PATH, "origin": ORIGIN, "destination": DESTINATION,
            "content": first_content,
        }));
        request.remove("signatures");
        canonical_json::to_vec(
            &Value::Object(request),
            canonical_json::CanonicalJsonRules::Standard,
        )
        .unwrap()
    };
    let request_signature: [u8; 64] = matrix_event_format::base64::decode(&parsed_header.sig)
        .unwrap()
        .try_into()
        .unwrap();
    for (message, signature) in &signed_messages {
        verify_key.verify(message, signature).unwrap();
    }
    verify_key
        .verify(&request_message, &request_signature)
        .unwrap();

    let mut queue = transactions.iter();
    let mut full = || {
        let transaction = queue.next().expect("a transaction for every run");
        receive(&mut room, black_box(transaction), &origin_keys, &keys);
    };
    let mut bound = || {
        for (message, signature) in &signed_messages {
            verify_key.verify(black_box(message), signature).unwrap();
        }
        verify_key
            .verify(black_box(&request_message), &request_signature)
            .unwrap();
    };
    let mut full_rate = Vec::new();
    let mut bound_rate = Vec::new();
    for _ in 0..SAMPLES {
        let (mut full_times, mut bound_times) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            time(&mut full_times, runs, &mut full);
            time(&mut bound_times, runs, &mut bound);
        }
        full_rate.push(PDUS as f64 / median_duration(full_times).as_secs_f64());
        bound_rate.push(PDUS as f64 / median_duration(bound_times).as_secs_f64());
    }
    let ratios: Vec<f64> = full_rate
        .iter()
        .zip(&bound_rate)
        .map(|(f, b)| f / b)
        .collect();
    println!(
        "receive path, {PDUS} PDUs per transaction (room version 10, one core; a new transaction each run, the room kept):"
    );
    println!(
        "  whole path: {} PDUs/s (median {:.0})",
        range(&full_rate, 0),
        median(&full_rate)
    );
    println!(
        "  ed25519 alone: {} PDUs/s (median {:.0})",
        range(&bound_rate, 0),
        median(&bound_rate)
    );
    println!(
        "  ratio: {} (median {:.2}; goal 0.80)",
        range(&ratios, 2),
        median(&ratios)
    );
}
