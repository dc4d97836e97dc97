//! The worked examples of the appendix ("Cryptographic Test Vectors"), reproduced exactly.

use matrix_event_format::{
    JsonObject, KeySet, RoomVersion, SigningKey, Verified, content_hash, json, sign_event,
    sign_json, verify_event, verify_json,
};
use serde_json::{Value, json};

const SEED: &str = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1";

fn key() -> SigningKey {
    SigningKey::from_base64_seed(SEED, "1").unwrap()
}

fn object(value: Value) -> JsonObject {
    match value {
        Value::Object(object) => object,
        other => panic!("not an object: {other}"),
    }
}

fn keys() -> KeySet {
    KeySet::from([("ed25519:1".to_owned(), key().verify_key().clone())])
}

#[test]
fn json_signing_of_empty_object() {
    let mut signed = JsonObject::new();
    sign_json(&mut signed, "domain", &key()).unwrap();
    assert_eq!(
        Value::Object(signed.clone()),
        json!({"signatures": {"domain": {"ed25519:1":
            "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"}}})
    );
    assert_eq!(verify_json(&signed, "domain", &keys()), Ok(()));
}

#[test]
fn json_signing_with_data() {
    let mut signed = object(json!({"one": 1, "two": "Two"}));
    sign_json(&mut signed, "domain", &key()).unwrap();
    assert_eq!(
        Value::Object(signed.clone()),
        json!({"one": 1, "two": "Two", "signatures": {"domain": {"ed25519:1":
            "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw"}}})
    );
    assert_eq!(verify_json(&signed, "domain", &keys()), Ok(()));
    // `unsigned` is not covered; anything else is.
    signed.insert("unsigned".into(), json!({"age": 5}));
    assert_eq!(verify_json(&signed, "domain", &keys()), Ok(()));
    signed.insert("two".into(), json!("Three"));
    assert!(verify_json(&signed, "domain", &keys()).is_err());
}

#[test]
fn minimal_event_signing() {
    let mut event = object(json!({
        "room_id": "!x:domain", "sender": "@a:domain", "origin": "domain",
        "origin_server_ts": 1000000, "signatures": {}, "hashes": {}, "type": "X",
        "content": {}, "prev_events": [], "auth_events": [], "depth": 3,
        "unsigned": {"age_ts": 1000000}
    }));
    sign_event(&mut event, RoomVersion::V1, "domain", &key()).unwrap();
    assert_eq!(
        Value::Object(event),
        json!({
            "auth_events": [], "content": {}, "depth": 3,
            "hashes": {"sha256": "5jM4wQpv6lnBo7CLIghJuHdW+s2CMBJPUOGOC89ncos"},
            "origin": "domain", "origin_server_ts": 1000000, "prev_events": [],
            "room_id": "!x:domain", "sender": "@a:domain",
            "signatures": {"domain": {"ed25519:1":
                "KxwGjPSDEtvnFgU00fwFz+l6d2pJM6XBIaMEn81SXPTRl16AqLAYqfIReFGZlHi5KLjAWbOoMszkwsQma+lYAg"}},
            "type": "X", "unsigned": {"age_ts": 1000000}
        })
    );
}

#[test]
fn redactable_event_signing() {
    let mut event = object(json!({
        "content": {"body": "Here is the message content"}, "event_id": "$0:domain",
        "origin": "domain", "origin_server_ts": 1000000, "type": "m.room.message",
        "room_id": "!r:domain", "sender": "@u:domain", "signatures": {},
        "unsigned": {"age_ts": 1000000}
    }));
    sign_event(&mut event, RoomVersion::V1, "domain", &key()).unwrap();
    assert_eq!(
        event["hashes"],
        json!({"sha256": "onLKD1bGljeBWQhWZ1kaP9SorVmRQNdN5aM2JYU2n/g"})
    );
    assert_eq!(
        event["signatures"],
        json!({"domain": {"ed25519:1":
            "Wm+VzmOUOz08Ds+0NTWb1d4CZrVsJSikkeRxh6aCcUwu6pNC78FunoD7KNWzqFn241eYHYMGCA5McEiVPdhzBA"}})
    );
    let public_keys = [("domain".to_owned(), keys())].into();
    assert_eq!(
        verify_event(&event, RoomVersion::V1, &public_keys),
        Ok(Verified::All)
    );
    // Redacting keeps the signature valid but not the content hash.
    let mut redacted = matrix_event_format::redact(&event, RoomVersion::V1).unwrap();
    redacted.insert("unsigned".into(), json!({"age_ts": 1}));
    assert_eq!(
        verify_event(&redacted, RoomVersion::V1, &public_keys),
        Ok(Verified::SignaturesOnly)
    );
    assert_ne!(
        content_hash(&redacted, RoomVersion::V1).unwrap(),
        content_hash(&event, RoomVersion::V1).unwrap()
    );
}

/// The appendix's canonical JSON examples parse through the strict parser as well.
#[test]
fn canonical_examples_through_the_strict_parser() {
    let value = json::from_slice(br#"{"a": -0, "b": 1e10}"#).unwrap();
    assert_eq!(
        matrix_event_format::canonical_json::to_string(
            &value,
            matrix_event_format::canonical_json::CanonicalJsonRules::Standard
        )
        .unwrap(),
        r#"{"a":0,"b":10000000000}"#
    );
}
