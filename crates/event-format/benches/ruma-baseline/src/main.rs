//! Same PDU, same run, one core: this crate against ruma-signatures 0.22 (ruma 0.17).
//! Prints a table of operations per second and the ratio.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use matrix_event_format::{
    JsonObject, PublicKeyMap, RoomVersion, SigningKey, canonical_json, event_id, json,
    sign_event, verify_event,
};
use ruma_common::CanonicalJsonObject;
use ruma_common::room_version_rules::RoomVersionRules;
use ruma_common::serde::Base64;
use serde_json::Value;

const UNSIGNED_PDU: &str = include_str!("../../pdu_1k_unsigned.json");

/// Best of several timed rounds, in operations per second.
fn ops_per_second(mut op: impl FnMut()) -> f64 {
    let round = Duration::from_millis(400);
    let mut best = 0.0f64;
    for _ in 0..7 {
        let start = Instant::now();
        let mut count = 0u64;
        while start.elapsed() < round {
            for _ in 0..64 {
                op();
            }
            count += 64;
        }
        best = best.max(count as f64 / start.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    let version = RoomVersion::V10;
    let rules = RoomVersionRules::V10;
    let key = SigningKey::from_seed(&[42; 32], "1").expect("valid key");
    let mut pdu: JsonObject = json::object_from_slice(UNSIGNED_PDU.as_bytes()).expect("fixture");
    sign_event(&mut pdu, version, "example.org", &key).expect("signs");
    let text = String::from_utf8(
        canonical_json::to_vec(&Value::Object(pdu.clone()), version.canonical_json).unwrap(),
    )
    .unwrap();
    let ruma_pdu: CanonicalJsonObject = serde_json::from_str(&text).expect("ruma parses");

    let our_keys: PublicKeyMap = [(
        "example.org".to_owned(),
        [(key.key_id().to_owned(), key.verify_key().clone())].into(),
    )]
    .into();
    let ruma_keys: ruma_signatures::PublicKeyMap = BTreeMap::from([(
        "example.org".to_owned(),
        BTreeMap::from([(
            key.key_id().to_owned(),
            Base64::new(key.verify_key().as_bytes().to_vec()),
        )]),
    )]);

    // Both sides must agree before they are timed.
    let ours_id = event_id(&pdu, version).unwrap();
    let ruma_id = format!("${}", ruma_signatures::reference_hash(&ruma_pdu, &rules).unwrap());
    assert_eq!(ours_id, ruma_id, "event IDs differ");
    assert!(verify_event(&pdu, version, &our_keys).is_ok());
    assert!(ruma_signatures::verify_event(&ruma_keys, &ruma_pdu, &rules).is_ok());

    let rows = [
        (
            "reference hash + event ID",
            ops_per_second(|| {
                black_box(event_id(black_box(&pdu), version).unwrap());
            }),
            ops_per_second(|| {
                let hash = ruma_signatures::reference_hash(black_box(&ruma_pdu), &rules).unwrap();
                black_box(format!("${hash}"));
            }),
        ),
        (
            "verify_event (1 signature + content hash)",
            ops_per_second(|| {
                black_box(verify_event(black_box(&pdu), version, &our_keys).unwrap());
            }),
            ops_per_second(|| {
                black_box(
                    ruma_signatures::verify_event(&ruma_keys, black_box(&ruma_pdu), &rules)
                        .unwrap(),
                );
            }),
        ),
    ];

    println!("PDU: {} bytes of canonical JSON, room version 10, one core", text.len());
    println!("| operation | matrix-event-format (ops/s) | ruma-signatures 0.22.1 (ops/s) | ratio |");
    println!("|---|---:|---:|---:|");
    for (name, ours, ruma) in rows {
        println!("| {name} | {ours:.0} | {ruma:.0} | {:.2}x |", ours / ruma);
    }
}
