//! Event IDs, room IDs, signing and verification across room versions, and hostile input.

use matrix_event_format::room_version::ROOM_VERSIONS;
use matrix_event_format::{
    EventError, JsonObject, PublicKeyMap, RoomVersion, SigningKey, Verified, VerifyError, base64,
    event_id, json, reference_hash, room_id, room_id_from_create_event, sign_event, verify_event,
};
use serde_json::{Value, json};

fn object(value: Value) -> JsonObject {
    match value {
        Value::Object(object) => object,
        other => panic!("not an object: {other}"),
    }
}

fn message(version: &RoomVersion) -> JsonObject {
    let mut event = object(json!({
        "type": "m.room.message", "room_id": "!r:example.org", "sender": "@a:example.org",
        "content": {"body": "hello", "msgtype": "m.text"}, "depth": 5,
        "origin_server_ts": 1_700_000_000_000u64, "auth_events": [], "prev_events": [],
        "unsigned": {"age": 3}
    }));
    if version.id == "1" || version.id == "2" {
        event.insert("event_id".into(), json!("$abc:example.org"));
    }
    event
}

fn key_map(key: &SigningKey, servers: &[&str]) -> PublicKeyMap {
    servers
        .iter()
        .map(|server| {
            let keys = [(key.key_id().to_owned(), key.verify_key().clone())].into();
            ((*server).to_owned(), keys)
        })
        .collect()
}

#[test]
fn event_id_formats() {
    let v1 = message(RoomVersion::V1);
    assert_eq!(event_id(&v1, RoomVersion::V1).unwrap(), "$abc:example.org");
    let mut bad = v1.clone();
    bad.insert("event_id".into(), json!("abc"));
    assert!(matches!(
        event_id(&bad, RoomVersion::V2),
        Err(EventError::InvalidField {
            field: "event_id",
            ..
        })
    ));

    // The same event: v3 standard base64, v4+ URL-safe, both of the reference hash.
    let event = message(RoomVersion::V10);
    let hash = reference_hash(&event, RoomVersion::V3).unwrap();
    assert_eq!(
        event_id(&event, RoomVersion::V3).unwrap(),
        format!("${}", base64::encode(hash))
    );
    let hash = reference_hash(&event, RoomVersion::V4).unwrap();
    let id = event_id(&event, RoomVersion::V4).unwrap();
    assert_eq!(id, format!("${}", base64::encode_url_safe(hash)));
    assert_eq!(id.len(), 44);
    assert!(!id.contains(['+', '/', '=']));

    // Non-essential fields do not change the ID; essential ones do.
    let mut edited = event.clone();
    edited.insert("unsigned".into(), json!({"age": 99}));
    edited.insert("signatures".into(), json!({"x": {}}));
    edited["content"]["body"] = json!("changed"); // content of a message is redacted
    assert_eq!(
        event_id(&edited, RoomVersion::V10),
        event_id(&event, RoomVersion::V10)
    );
    edited.insert("depth".into(), json!(6));
    assert_ne!(
        event_id(&edited, RoomVersion::V10),
        event_id(&event, RoomVersion::V10)
    );
}

#[test]
fn v12_room_ids_come_from_the_create_event() {
    let create = object(json!({
        "type": "m.room.create", "state_key": "", "sender": "@a:example.org",
        "content": {"room_version": "12"}, "depth": 1, "origin_server_ts": 1,
        "auth_events": [], "prev_events": []
    }));
    let v12 = RoomVersion::V12;
    let room = room_id_from_create_event(&create, v12).unwrap();
    let id = event_id(&create, v12).unwrap();
    assert_eq!(room, id.replacen('$', "!", 1));
    assert_eq!(room_id(&create, v12).unwrap(), room);

    let mut with_room_id = create.clone();
    with_room_id.insert("room_id".into(), json!("!x:example.org"));
    assert!(room_id_from_create_event(&with_room_id, v12).is_err());
    assert_eq!(
        room_id_from_create_event(&with_room_id, RoomVersion::V11).unwrap(),
        "!x:example.org"
    );
    assert_eq!(
        room_id_from_create_event(&message(v12), v12),
        Err(EventError::NotACreateEvent)
    );
}

#[test]
fn sign_and_verify_in_every_version() {
    let key = SigningKey::from_seed(&[9; 32], "a_1").unwrap();
    for version in &ROOM_VERSIONS {
        let mut event = message(version);
        sign_event(&mut event, version, "example.org", &key).unwrap();
        let keys = key_map(&key, &["example.org"]);
        assert_eq!(
            verify_event(&event, version, &keys),
            Ok(Verified::All),
            "v{version}"
        );

        // Redacted in transit: signatures still valid, content hash not.
        let mut redacted = matrix_event_format::redact(&event, version).unwrap();
        assert_eq!(
            verify_event(&redacted, version, &keys),
            Ok(Verified::SignaturesOnly)
        );

        // A change to a signed field breaks the signature.
        redacted.insert("depth".into(), json!(6));
        assert!(matches!(
            verify_event(&redacted, version, &keys),
            Err(VerifyError::BadSignature { .. })
        ));
        assert!(matches!(
            verify_event(&event, version, &PublicKeyMap::new()),
            Err(VerifyError::NoKnownKey(_))
        ));
    }
}

#[test]
fn required_signatures() {
    let key = SigningKey::from_seed(&[9; 32], "1").unwrap();
    // v1-v2: the event ID's server signs too.
    let mut event = message(RoomVersion::V1);
    event.insert("event_id".into(), json!("$abc:other.example"));
    sign_event(&mut event, RoomVersion::V1, "example.org", &key).unwrap();
    assert_eq!(
        verify_event(
            &event,
            RoomVersion::V1,
            &key_map(&key, &["example.org", "other.example"])
        ),
        Err(VerifyError::NoSignatures("other.example".into()))
    );
    sign_event(&mut event, RoomVersion::V1, "other.example", &key).unwrap();
    let keys = key_map(&key, &["example.org", "other.example"]);
    assert_eq!(
        verify_event(&event, RoomVersion::V1, &keys),
        Ok(Verified::All)
    );

    // Restricted joins: the authorising user's server signs too (v8+).
    let mut join = object(json!({
        "type": "m.room.member", "state_key": "@a:example.org", "room_id": "!r:example.org",
        "sender": "@a:example.org", "depth": 2, "origin_server_ts": 1, "auth_events": [],
        "prev_events": [], "content": {"membership": "join",
            "join_authorised_via_users_server": "@admin:resident.example"}
    }));
    let servers = matrix_event_format::required_signing_servers(&join, RoomVersion::V9).unwrap();
    assert_eq!(
        servers.into_iter().collect::<Vec<_>>(),
        ["example.org", "resident.example"]
    );
    let servers = matrix_event_format::required_signing_servers(&join, RoomVersion::V7).unwrap();
    assert_eq!(servers.len(), 1);
    sign_event(&mut join, RoomVersion::V9, "example.org", &key).unwrap();
    assert_eq!(
        verify_event(
            &join,
            RoomVersion::V9,
            &key_map(&key, &["example.org", "resident.example"])
        ),
        Err(VerifyError::NoSignatures("resident.example".into()))
    );
}

#[test]
fn key_validity_is_enforced_from_v5() {
    let key = SigningKey::from_seed(&[4; 32], "1").unwrap();
    for (version, accepted) in [(RoomVersion::V4, true), (RoomVersion::V5, false)] {
        let mut event = message(version);
        sign_event(&mut event, version, "example.org", &key).unwrap();
        let expired = key
            .verify_key()
            .clone()
            .with_valid_until_ts(1_600_000_000_000);
        let keys = [(
            "example.org".to_owned(),
            [(key.key_id().to_owned(), expired)].into(),
        )]
        .into();
        assert_eq!(
            verify_event(&event, version, &keys).is_ok(),
            accepted,
            "v{version}"
        );
    }
}

#[test]
fn hostile_input_is_an_error_not_a_panic() {
    let deep = format!(
        "{{\"type\":\"x\",\"content\":{}1{}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    assert!(json::object_from_slice(deep.as_bytes()).is_err());
    assert!(json::object_from_slice(br#"{"type":"a","type":"b","content":{}}"#).is_err());
    assert!(json::object_from_slice(b"{\"type\":\"\xc3\x28\",\"content\":{}}").is_err());
    assert!(json::object_from_slice(b"{\"depth\": 1e400}").is_err());

    let huge = json::object_from_slice(
        br#"{"type":"m.room.member","content":{"membership":"join"},"depth":99999999999999999999}"#,
    )
    .unwrap();
    for version in &ROOM_VERSIONS {
        // depth survives redaction, so no version can hash it unambiguously.
        assert!(reference_hash(&huge, version).is_err(), "v{version}");
    }
    let wrong_types = object(json!({"type": 5, "content": {}}));
    assert!(matches!(
        reference_hash(&wrong_types, RoomVersion::V10),
        Err(EventError::InvalidField { field: "type", .. })
    ));
    let mut event = message(RoomVersion::V10);
    event.insert("hashes".into(), json!({"sha256": "not base64!"}));
    event.insert(
        "signatures".into(),
        json!({"example.org": {"ed25519:1": "@@"}}),
    );
    let key = SigningKey::from_seed(&[1; 32], "1").unwrap();
    assert!(matches!(
        verify_event(&event, RoomVersion::V10, &key_map(&key, &["example.org"])),
        Err(VerifyError::SignatureEncoding { .. })
    ));
}
