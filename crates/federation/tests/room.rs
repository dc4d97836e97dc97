//! Events built, signed and checked on receipt, in room versions 10 and 12: a room created by
//! one server, events of a second server verified with its keys, and the PDUs the checks on
//! receipt drop, redact or reject.

use matrix_auth_rules::Event as _;
use matrix_auth_rules::PduEvent;
use matrix_event_format::{
    JsonObject, PublicKeyMap, Request, RoomVersion, XMatrixError, room_id_from_create_event,
    sign_request,
};
use matrix_federation::{
    IncomingPdu, Outcome, PduError, Room, RoomError, ServerIdentity, TransactionSignature,
};
use serde_json::{Value, json};

fn identity(server: &str, seed: u8) -> ServerIdentity {
    let key = matrix_event_format::SigningKey::from_seed(&[seed; 32], "k").unwrap();
    ServerIdentity::new(server.parse().unwrap(), key)
}

fn object(value: Value) -> JsonObject {
    match value {
        Value::Object(object) => object,
        _ => unreachable!("an object literal"),
    }
}

/// Both servers' keys.
fn keys(servers: &[&ServerIdentity]) -> PublicKeyMap {
    servers
        .iter()
        .map(|s| (s.server_name().to_string(), s.key_set()))
        .collect()
}

/// Signs, reads back and verifies a PDU as a receiving server would.
fn receive(room: &mut Room, pdu: &JsonObject, keys: &PublicKeyMap) -> Outcome {
    let bytes = serde_json::to_vec(pdu).unwrap();
    let incoming = IncomingPdu::parse(&bytes, room.version()).unwrap();
    incoming.check_room(room.room_id()).unwrap();
    let checked = incoming.verify(keys).unwrap();
    assert!(!checked.redacted);
    room.receive(checked.event).unwrap()
}

/// A room of `a.test` with `@alice:a.test` joined and public joins.
fn room(version: &'static RoomVersion, a: &ServerIdentity, keys: &PublicKeyMap) -> Room {
    let mut create = object(json!({
        "type": "m.room.create", "state_key": "", "sender": "@alice:a.test",
        "content": {"room_version": version.id}, "origin_server_ts": 1, "depth": 1,
        "prev_events": [], "auth_events": [],
    }));
    if version.id != "12" {
        create.insert("room_id".into(), json!("!room:a.test"));
        create["content"]["creator"] = json!("@alice:a.test");
    }
    a.sign_event(&mut create, version).unwrap();
    let room_id = room_id_from_create_event(&create, version).unwrap();
    let mut room = Room::new(version, room_id);
    assert_eq!(receive(&mut room, &create, keys), Outcome::Accepted);
    // In v12 the creator has infinite power and must not be listed.
    let users = match version.id {
        "12" => json!({}),
        _ => json!({"@alice:a.test": 100}),
    };
    for (event_type, state_key, content) in [
        (
            "m.room.member",
            Some("@alice:a.test"),
            json!({"membership": "join"}),
        ),
        ("m.room.power_levels", Some(""), json!({"users": users})),
        (
            "m.room.join_rules",
            Some(""),
            json!({"join_rule": "public"}),
        ),
    ] {
        let outcome = send(
            &mut room,
            a,
            "@alice:a.test",
            event_type,
            state_key,
            content,
            keys,
        );
        assert_eq!(outcome, Outcome::Accepted, "{event_type}");
    }
    room
}

fn new_event(
    room: &Room,
    server: &ServerIdentity,
    sender: &str,
    event_type: &str,
    state_key: Option<&str>,
    content: Value,
) -> JsonObject {
    let mut pdu = room
        .new_event(sender, event_type, state_key, object(content), 2)
        .unwrap();
    server.sign_event(&mut pdu, room.version()).unwrap();
    pdu
}

fn send(
    room: &mut Room,
    server: &ServerIdentity,
    sender: &str,
    event_type: &str,
    state_key: Option<&str>,
    content: Value,
    keys: &PublicKeyMap,
) -> Outcome {
    let pdu = new_event(room, server, sender, event_type, state_key, content);
    receive(room, &pdu, keys)
}

/// A room of `version` created on `a.test`, which `@bob:b.test` has joined: `b.test`'s
/// identity, both servers' keys and the room.
fn joined_room(version: &'static RoomVersion) -> (ServerIdentity, PublicKeyMap, Room) {
    let (a, b) = (identity("a.test", 1), identity("b.test", 2));
    let keys = keys(&[&a, &b]);
    let mut room = room(version, &a, &keys);
    let join = send(
        &mut room,
        &b,
        "@bob:b.test",
        "m.room.member",
        Some("@bob:b.test"),
        json!({"membership": "join"}),
        &keys,
    );
    assert_eq!(join, Outcome::Accepted, "v{}", version.id);
    (b, keys, room)
}

/// A message of `@bob:b.test`, built on `b.test`.
fn bob_says(room: &Room, b: &ServerIdentity, body: &str) -> JsonObject {
    new_event(
        room,
        b,
        "@bob:b.test",
        "m.room.message",
        None,
        json!({ "body": body }),
    )
}

#[test]
fn built_events_are_signed_verified_and_authorized() {
    for version in ["10", "12"] {
        let version = RoomVersion::from_id(version).unwrap();
        let (b, keys, mut room) = joined_room(version);
        let message = bob_says(&room, &b, "hi");
        // The auth events the rules select: create (implied in v12), power levels, sender.
        let auth = message["auth_events"].as_array().unwrap().len();
        assert_eq!(
            auth,
            if version.id == "12" { 2 } else { 3 },
            "v{}",
            version.id
        );
        assert_eq!(receive(&mut room, &message, &keys), Outcome::Accepted);
        assert_eq!(room.extremities().len(), 1);
        assert!(room.current_event("m.room.member", "@bob:b.test").is_some());
    }
}

#[test]
fn bad_pdus_are_dropped_redacted_or_rejected() {
    let mut passed = 0;
    let mut failed = Vec::new();
    for version in ["10", "12"] {
        let version = RoomVersion::from_id(version).unwrap();
        let (a, b) = (identity("a.test", 1), identity("b.test", 2));
        let keys = keys(&[&a, &b]);
        let mut room = room(version, &a, &keys);
        let message = bob_says(&room, &b, "hi");
        let mut check = |name: &str, ok: bool| match ok {
            true => passed += 1,
            false => failed.push(format!("v{}: {name}", version.id)),
        };

        // A changed body: the content hash fails; the signature (over the redacted form)
        // holds, so the event continues redacted.
        let mut tampered = message.clone();
        tampered["content"]["body"] = json!("changed");
        let bytes = serde_json::to_vec(&tampered).unwrap();
        let checked = IncomingPdu::parse(&bytes, version).unwrap().verify(&keys);
        check(
            "bad content hash is redacted",
            checked.is_ok_and(|c| c.redacted),
        );

        // A changed signature, or a signature by an unknown server key: dropped.
        let mut forged = message.clone();
        let signature = forged["signatures"]["b.test"]["ed25519:k"]
            .as_str()
            .unwrap()
            .to_owned();
        let flipped = if signature.starts_with('A') { "B" } else { "A" };
        forged["signatures"]["b.test"]["ed25519:k"] =
            json!(format!("{flipped}{}", &signature[1..]));
        let bytes = serde_json::to_vec(&forged).unwrap();
        let result = IncomingPdu::parse(&bytes, version).unwrap().verify(&keys);
        check(
            "forged signature is dropped",
            matches!(result, Err(PduError::Signature(_))),
        );
        let only_a = self::keys(&[&a]);
        let result = IncomingPdu::parse(&serde_json::to_vec(&message).unwrap(), version)
            .unwrap()
            .verify(&only_a);
        check(
            "unknown key is dropped",
            matches!(result, Err(PduError::Signature(_))),
        );

        // Not JSON, duplicate keys, missing fields, another room: dropped before any check.
        for (name, bytes) in [
            ("not JSON", b"{".to_vec()),
            ("duplicate keys", br#"{"type":"a","type":"b"}"#.to_vec()),
            (
                "no sender",
                serde_json::to_vec(&{
                    let mut m = message.clone();
                    m.remove("sender");
                    m
                })
                .unwrap(),
            ),
        ] {
            check(name, IncomingPdu::parse(&bytes, version).is_err());
        }
        let incoming = IncomingPdu::parse(&serde_json::to_vec(&message).unwrap(), version).unwrap();
        check("wrong room", incoming.check_room("!other:a.test").is_err());

        // An event its auth events do not allow (b's user never joined): rejected, and never
        // a prev event later.
        let intruder = new_event(
            &room,
            &b,
            "@bob:b.test",
            "m.room.message",
            None,
            json!({"body": "x"}),
        );
        let checked = IncomingPdu::parse(&serde_json::to_vec(&intruder).unwrap(), version)
            .unwrap()
            .verify(&keys)
            .unwrap();
        let rejected_id = checked.event.event_id().to_owned();
        let outcome = room.receive(checked.event).unwrap();
        check(
            "unauthorized event is rejected",
            matches!(outcome, Outcome::Rejected(_)),
        );
        let next = new_event(
            &room,
            &a,
            "@alice:a.test",
            "m.room.topic",
            Some(""),
            json!({"topic": "t"}),
        );
        let uses_rejected = ["prev_events", "auth_events"].iter().any(|field| {
            next[*field]
                .as_array()
                .unwrap()
                .contains(&json!(rejected_id))
        });
        check("rejected event is not used later", !uses_rejected);
    }
    println!("{passed} passed, {} failed", failed.len());
    assert!(failed.is_empty(), "{failed:?}");
}

/// A `PUT /send` transaction read with `IncomingPdu::from_transaction`: its signature checked,
/// each PDU checked as `IncomingPdu::parse` checks it alone (same event ID, same verdicts).
#[test]
fn transaction_pdus_are_checked_as_alone() {
    for version in ["10", "12"] {
        let version = RoomVersion::from_id(version).unwrap();
        let (b, keys, mut room) = joined_room(version);
        let message = bob_says(&room, &b, "hi");
        let mut tampered = message.clone();
        tampered["content"]["body"] = json!("changed");
        let mut forged = message.clone();
        forged["signatures"]["b.test"]["ed25519:k"] = json!("A".repeat(86));
        let pdus = [message.clone(), tampered, forged].map(Value::Object);
        let body = json!({"origin": "b.test", "origin_server_ts": 1,
            "pdus": [pdus[0], pdus[1], pdus[2], "not an object"]});
        let uri = "/_matrix/federation/v1/send/1";
        let request = Request {
            method: "PUT",
            uri,
            content: Some(&body),
        };
        let header = sign_request(b.signing_key(), "b.test", "a.test", request).unwrap();
        let origin_keys = b.key_set();
        let signature = TransactionSignature {
            header: &header,
            own_server_name: "a.test",
            origin_keys: &origin_keys,
        };
        let read = |signature: &TransactionSignature<'_>| {
            let body = body.clone();
            IncomingPdu::from_transaction(signature, uri, body, usize::MAX, &mut |_| Some(version))
        };
        let mut received = read(&signature).unwrap().into_iter();
        for pdu in &pdus {
            let alone = IncomingPdu::parse(&serde_json::to_vec(pdu).unwrap(), version).unwrap();
            let incoming = received.next().flatten().unwrap().unwrap();
            assert_eq!(incoming.event_id(), alone.event_id());
            let verdict = |pdu: IncomingPdu| pdu.verify(&keys).map(|c| c.redacted).ok();
            assert_eq!(verdict(incoming), verdict(alone));
        }
        assert!(received.next().unwrap().is_none(), "not an object");

        // The verdicts: accepted, redacted, dropped.
        let mut received = read(&signature).unwrap().into_iter().flatten();
        let mut next = || received.next().unwrap().unwrap().verify(&keys);
        let checked = next().unwrap();
        assert!(!checked.redacted);
        assert_eq!(room.receive(checked.event).unwrap(), Outcome::Accepted);
        assert!(next().unwrap().redacted);
        assert!(matches!(next(), Err(PduError::Signature(_))));

        // A request signed for another server, or with a changed body, is refused whole.
        let for_c = TransactionSignature {
            own_server_name: "c.test",
            ..signature
        };
        assert!(matches!(
            read(&for_c),
            Err(XMatrixError::WrongDestination { .. })
        ));
        let changed = IncomingPdu::from_transaction(
            &signature,
            uri,
            json!({"origin": "b.test", "origin_server_ts": 1, "pdus": [pdus[0]]}),
            usize::MAX,
            &mut |_| Some(version),
        );
        assert!(matches!(changed, Err(XMatrixError::Verify(_))));
    }
}

/// A PDU read back and verified as a receiving server would.
fn checked(pdu: &JsonObject, version: &'static RoomVersion, keys: &PublicKeyMap) -> PduEvent {
    let bytes = serde_json::to_vec(pdu).unwrap();
    let checked = IncomingPdu::parse(&bytes, version)
        .unwrap()
        .verify(keys)
        .unwrap();
    checked.event
}

/// A second copy of `room`: its history received event by event.
fn copy(room: &Room) -> Room {
    let mut copy = Room::new(room.version(), room.room_id());
    let mut history: Vec<&PduEvent> = room.events().map(|stored| &stored.event).collect();
    history.sort_by_key(|event| event.depth());
    for event in history {
        assert_eq!(copy.receive(event.clone()), Ok(Outcome::Accepted));
    }
    copy
}

#[test]
fn gaps_are_filled_in_topological_order_or_from_the_state_before() {
    for version in ["10", "12"] {
        let version = RoomVersion::from_id(version).unwrap();
        let a = identity("a.test", 1);
        let keys = keys(&[&a]);
        let mut source = room(version, &a, &keys);
        let mut behind = copy(&source);
        let mut state_only = copy(&source);

        // Three messages and a topic change the copies miss, then a message they get.
        let mut gap = Vec::new();
        for (event_type, state_key, content) in [
            ("m.room.message", None, json!({"body": "1"})),
            ("m.room.message", None, json!({"body": "2"})),
            ("m.room.message", None, json!({"body": "3"})),
            ("m.room.topic", Some(""), json!({"topic": "missed"})),
        ] {
            let pdu = new_event(&source, &a, "@alice:a.test", event_type, state_key, content);
            assert_eq!(receive(&mut source, &pdu, &keys), Outcome::Accepted);
            gap.push(checked(&pdu, version, &keys));
        }
        let pdu = new_event(
            &source,
            &a,
            "@alice:a.test",
            "m.room.message",
            None,
            json!({"body": "4"}),
        );
        assert_eq!(receive(&mut source, &pdu, &keys), Outcome::Accepted);
        let last = checked(&pdu, version, &keys);
        let topic = gap[3].event_id().to_owned();
        assert_eq!(
            behind.receive(last.clone()),
            Err(RoomError::MissingPrevEvents(vec![topic.clone()]))
        );

        // The missing events, given in reverse: applied prev events first.
        let order: Vec<String> = gap.iter().map(|e| e.event_id().to_owned()).collect();
        let results = behind.receive_batch(gap.iter().rev().cloned().collect());
        let applied: Vec<String> = results.iter().map(|(id, _)| id.clone()).collect();
        assert_eq!(applied, order, "v{}", version.id);
        assert!(results.iter().all(|(_, r)| *r == Ok(Outcome::Accepted)));
        assert_eq!(behind.receive(last.clone()), Ok(Outcome::Accepted));
        assert_eq!(behind.current_state(), source.current_state());
        assert_eq!(behind.extremities(), source.extremities());

        // Only the topic change and the state before it (what `/state_ids` gives): the last
        // message follows it, the messages stay unknown.
        let before = source
            .event(&topic)
            .unwrap()
            .state_before()
            .unwrap()
            .clone();
        let topic_event = gap[3].clone();
        assert!(matches!(
            state_only.receive(topic_event.clone()),
            Err(RoomError::MissingPrevEvents(_))
        ));
        assert_eq!(
            state_only.receive_with_state(topic_event, before),
            Ok(Outcome::Accepted)
        );
        assert_eq!(state_only.receive(last), Ok(Outcome::Accepted));
        assert_eq!(state_only.current_state(), source.current_state());
        assert!(!state_only.contains(gap[0].event_id()));
    }
}
