//! Throughput of the event format functions on a typical ~1 KB signed PDU (room version 10).
//! `compare-ruma.sh` runs the same measurements against ruma-signatures.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use matrix_event_format::{
    JsonObject, PublicKeyMap, RoomVersion, SigningKey, canonical_json, content_hash, event_id,
    json, reference_hash, sign_event, verify_event,
};
use serde_json::Value;

const UNSIGNED_PDU: &str = include_str!("pdu_1k_unsigned.json");

fn signed_pdu(key: &SigningKey) -> JsonObject {
    let mut pdu = json::object_from_slice(UNSIGNED_PDU.as_bytes()).expect("fixture parses");
    sign_event(&mut pdu, RoomVersion::V10, "example.org", key).expect("fixture signs");
    pdu
}

fn benches(c: &mut Criterion) {
    let version = RoomVersion::V10;
    let key = SigningKey::from_seed(&[42; 32], "1").expect("valid key");
    let pdu = signed_pdu(&key);
    let bytes = canonical_json::to_vec(&Value::Object(pdu.clone()), version.canonical_json)
        .expect("canonical");
    let keys: PublicKeyMap = [(
        "example.org".to_owned(),
        [(key.key_id().to_owned(), key.verify_key().clone())].into(),
    )]
    .into();

    let mut group = c.benchmark_group("pdu_1k");
    group.throughput(Throughput::Elements(1));
    let redacted_bytes = canonical_json::to_vec(
        &Value::Object(matrix_event_format::redact(&pdu, version).unwrap()),
        version.canonical_json,
    )
    .unwrap();
    // The floor of any reference hash: SHA-256 of the redacted form alone.
    group.bench_function("sha256_of_redacted_form", |b| {
        b.iter(|| <sha2::Sha256 as sha2::Digest>::digest(std::hint::black_box(&redacted_bytes)))
    });
    group.bench_function("reference_hash", |b| {
        b.iter(|| reference_hash(&pdu, version))
    });
    group.bench_function("event_id", |b| b.iter(|| event_id(&pdu, version)));
    group.bench_function("content_hash", |b| b.iter(|| content_hash(&pdu, version)));
    let value = Value::Object(pdu.clone());
    group.bench_function("canonical_json", |b| {
        b.iter(|| canonical_json::to_vec(&value, version.canonical_json))
    });
    group.bench_function("parse_strict", |b| {
        b.iter(|| json::object_from_slice(&bytes))
    });
    group.bench_function("verify_event", |b| {
        b.iter(|| verify_event(&pdu, version, &keys))
    });
    group.bench_function("sign_event", |b| {
        b.iter(|| {
            let mut copy = pdu.clone();
            sign_event(&mut copy, version, "example.org", &key)
        })
    });
    group.finish();
}

criterion_group!(event_format, benches);
criterion_main!(event_format);
