//! Inbound PDUs per second on one core through the receiving path of a `PUT /send` transaction
//! of 50 PDUs: the `X-Matrix` check, parsing the body and each PDU, event ID (reference hash),
//! signatures and content hash, and the authorization rules against the room state
//! ([`Room::receive`]); against the bound set by the ed25519 verifications alone (the 50 PDU
//! signatures and the request's), measured in the same run. Room version 10, messages of a
//! remote user chained one after the other.
//!
//! `cargo bench -p matrix-federation --bench receive`

use std::collections::BTreeMap;
use std::hint::black_box;

use matrix_auth_rules::PduEvent;
use matrix_event_format::canonical_json;
use matrix_event_format::{
    JsonObject, KeySet, PublicKeyMap, Request, RoomVersion, SigningKey, XMatrix, json, redact,
    sign_request, verify_request,
};
use matrix_federation::{IncomingPdu, Outcome, Room, ServerIdentity};
use matrix_test_support::{interleaved, median, range};
use serde_json::value::RawValue;
use serde_json::{Value, json};

const PDUS: usize = 50;
const ORIGIN: &str = "remote.test";
const DESTINATION: &str = "local.test";
const PATH: &str = "/_matrix/federation/v1/send/bench";

fn object(value: Value) -> JsonObject {
    match value {
        Value::Object(object) => object,
        _ => JsonObject::new(),
    }
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

/// A room holding `events` (accepted in order).
fn room_of(version: &'static RoomVersion, events: &[PduEvent]) -> Room {
    let mut room = Room::new(version, "!bench:local.test");
    for event in events {
        room.receive(event.clone()).unwrap();
    }
    room
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
    let (mut room, base) = base_events(version, &local, &remote);

    // 50 messages of Bob, each following the previous, as a transaction body.
    let mut pdus = Vec::new();
    for n in 0..PDUS {
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
    let body = serde_json::to_vec(&transaction).unwrap();
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
    let keys: PublicKeyMap = [
        (ORIGIN.to_owned(), remote.key_set()),
        ("local.test".to_owned(), local.key_set()),
    ]
    .into();
    let origin_keys: KeySet = remote.key_set();

    // What ed25519 alone costs: the request's signature and each PDU's, on messages prepared
    // beforehand.
    let verify_key = remote.signing_key().verify_key().clone();
    let mut signed_messages = Vec::new();
    for pdu in &transaction["pdus"].as_array().unwrap()[..] {
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
    let parsed_header = XMatrix::parse(&header).unwrap();
    let request_message = {
        let mut request = object(json!({
            "method": "PUT", "uri": PATH, "origin": ORIGIN, "destination": DESTINATION, "content": transaction,
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

    // Each run starts from the room before the messages (its five events re-applied without
    // signature checks, inside the timing: a few per cent of it).
    let mut full = || {
        let mut target = room_of(version, &base);
        let header = XMatrix::parse(black_box(&header)).unwrap();
        let content = json::from_slice(black_box(&body)).unwrap();
        verify_request(
            &header,
            DESTINATION,
            &origin_keys,
            Request {
                method: "PUT",
                uri: PATH,
                content: Some(&content),
            },
        )
        .unwrap();
        let members: BTreeMap<&str, &RawValue> = serde_json::from_slice(&body).unwrap();
        let raw: Vec<&RawValue> = serde_json::from_str(members["pdus"].get()).unwrap();
        for pdu in raw {
            let checked = IncomingPdu::parse(pdu.get().as_bytes(), version)
                .unwrap()
                .verify(&keys)
                .unwrap();
            assert_eq!(target.receive(checked.event).unwrap(), Outcome::Accepted);
        }
        black_box(&target);
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
    for _ in 0..5 {
        let times = interleaved(3, &mut [&mut full, &mut bound]);
        full_rate.push(PDUS as f64 / times[0].as_secs_f64());
        bound_rate.push(PDUS as f64 / times[1].as_secs_f64());
    }
    let ratios: Vec<f64> = full_rate
        .iter()
        .zip(&bound_rate)
        .map(|(f, b)| f / b)
        .collect();
    println!(
        "receive path, {PDUS} PDUs per transaction (room version 10, one core; the room rebuilt each run):"
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
