//! Cross-check against the reference implementation: generated events in room versions 1–12
//! go through Synapse's own functions (tests/synapse_crosscheck.py) and through this crate;
//! canonical JSON, content hash, reference hash, event ID, room ID, redacted form and
//! signature must agree. Synapse comes from `$SYNAPSE_PYTHON`, or from
//! `$MATRIX_PEERS_DIR/install-synapse.sh` (default `../shared/peers` beside the workspace).
//! The test fails, never skips, when Synapse cannot be had.

use std::path::Path;

use matrix_event_format::canonical_json;
use matrix_event_format::room_version::ROOM_VERSIONS;
use matrix_event_format::{
    JsonObject, RoomVersion, SigningKey, base64, content_hash, event_id, event_signature, redact,
    reference_hash, room_id,
};
use matrix_test_support::{Rng, run_script};
use serde_json::{Value, json};

const SEED: &str = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1";
const EVENTS_PER_VERSION: usize = 100;

const WORDS: &[&str] = &[
    "hello",
    "Grüße",
    "日本語",
    "😀🎉",
    "line\nbreak",
    "tab\there",
    "quote\"d",
    "back\\slash",
    "ctrl\u{1}\u{1f}",
    "del\u{7f}",
    "sep\u{2028}",
    "bmp\u{ffff}",
    "",
    " ",
    "a:b",
    "@x:y",
    "Ａｂ",
    "é",
    "\u{10ffff}",
];
const SERVERS: &[&str] = &[
    "example.org",
    "matrix.org:8448",
    "127.0.0.1:8008",
    "[::1]",
    "hs.test",
];

fn text(rng: &mut Rng) -> String {
    let mut out = String::new();
    for _ in 0..rng.below(4) + 1 {
        out.push_str(rng.pick(WORDS));
    }
    out
}

fn user(rng: &mut Rng) -> String {
    format!(
        "@{}:{}",
        rng.pick(&["alice", "bob", "c.d-e_f", "=x/+"]),
        rng.pick(SERVERS)
    )
}

/// An integer that strict canonical JSON accepts, often near the limits.
fn int(rng: &mut Rng) -> Value {
    let max = canonical_json::MAX_SAFE_INTEGER;
    match rng.below(6) {
        0 => json!(max),
        1 => json!(-max),
        2 => json!(max - rng.below(1000) as i64),
        3 => json!(-(rng.below(100) as i64)),
        _ => json!(rng.below(1_000_000)),
    }
}

/// A number for lenient (v1–v5) rooms: larger 64-bit integers and floats too.
fn lenient_number(rng: &mut Rng) -> Value {
    match rng.below(5) {
        0 => json!(i64::MAX - rng.below(1000) as i64),
        1 => json!(i64::MIN + rng.below(1000) as i64),
        2 => json!((rng.below(100_000) as f64) / 100.0 + 0.5),
        3 => json!(rng.pick(&[1e-7, 2.5e15, 1e15, 123.0, -0.001, 5e-5])),
        _ => int(rng),
    }
}

fn nested(rng: &mut Rng, depth: usize, lenient: bool) -> Value {
    let kind = if depth >= 5 {
        rng.below(4)
    } else {
        rng.below(6)
    };
    match kind {
        0 => Value::String(text(rng)),
        1 if lenient && rng.chance(30) => lenient_number(rng),
        1 => int(rng),
        2 => [Value::Null, json!(true), json!(false)][rng.below(3)].clone(),
        3 => Value::String(user(rng)),
        4 => Value::Array(
            (0..rng.below(4))
                .map(|_| nested(rng, depth + 1, lenient))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.below(5))
                .map(|_| (text(rng), nested(rng, depth + 1, lenient)))
                .collect(),
        ),
    }
}

fn event_ref(rng: &mut Rng, version: &RoomVersion) -> String {
    let hash: Vec<u8> = (0..32).map(|_| rng.next_u64() as u8).collect();
    if version.id == "1" || version.id == "2" {
        format!("${}:{}", rng.below(1_000_000), rng.pick(SERVERS))
    } else if version.id == "3" {
        format!("${}", base64::encode(hash))
    } else {
        format!("${}", base64::encode_url_safe(hash))
    }
}

/// v1–v2 reference `[event_id, {"sha256": hash}]` pairs; later versions plain IDs.
fn event_refs(rng: &mut Rng, version: &RoomVersion, count: usize) -> Value {
    let refs = (0..count).map(|_| {
        let id = event_ref(rng, version);
        if version.id == "1" || version.id == "2" {
            let hash: Vec<u8> = (0..32).map(|_| rng.next_u64() as u8).collect();
            json!([id, {"sha256": base64::encode(hash)}])
        } else {
            json!(id)
        }
    });
    Value::Array(refs.collect())
}

const KINDS: &[&str] = &[
    "m.room.create",
    "m.room.member",
    "m.room.join_rules",
    "m.room.power_levels",
    "m.room.history_visibility",
    "m.room.aliases",
    "m.room.redaction",
    "m.room.message",
    "com.example.custom",
];

fn content(rng: &mut Rng, kind: &str, version: &RoomVersion) -> JsonObject {
    let lenient = version.canonical_json == canonical_json::CanonicalJsonRules::Lenient;
    let level = |rng: &mut Rng| {
        if lenient && rng.chance(20) {
            match rng.below(2) {
                0 => json!(format!("{}", rng.below(100))),
                _ => json!(rng.below(100) as f64 + 0.57),
            }
        } else {
            int(rng)
        }
    };
    let mut content = JsonObject::new();
    match kind {
        "m.room.create" => {
            content.insert("room_version".into(), json!(version.id));
            if rng.chance(70) {
                content.insert("creator".into(), json!(user(rng)));
            }
            if rng.chance(30) {
                content.insert("m.federate".into(), json!(rng.chance(50)));
            }
            if rng.chance(30) {
                content.insert("additional_creators".into(), json!([user(rng), user(rng)]));
            }
            if rng.chance(30) {
                content.insert("predecessor".into(), json!({"room_id": "!old:example.org"}));
            }
        }
        "m.room.member" => {
            let membership = rng.pick(&["join", "invite", "leave", "ban", "knock"]);
            content.insert("membership".into(), json!(membership));
            if rng.chance(40) {
                content.insert("displayname".into(), json!(text(rng)));
            }
            if rng.chance(30) {
                content.insert("join_authorised_via_users_server".into(), json!(user(rng)));
            }
            if rng.chance(30) {
                let mut invite = JsonObject::new();
                invite.insert("display_name".into(), json!(text(rng)));
                if rng.chance(70) {
                    invite.insert(
                        "signed".into(),
                        json!({"mxid": user(rng), "token": text(rng), "signatures": {}}),
                    );
                }
                content.insert("third_party_invite".into(), Value::Object(invite));
            }
        }
        "m.room.join_rules" => {
            let rule = rng.pick(&[
                "public",
                "invite",
                "knock",
                "restricted",
                "knock_restricted",
            ]);
            content.insert("join_rule".into(), json!(rule));
            if rng.chance(50) {
                content.insert(
                    "allow".into(),
                    json!([{"type": "m.room_membership", "room_id": "!a:example.org"}]),
                );
            }
        }
        "m.room.power_levels" => {
            for key in [
                "ban",
                "events_default",
                "invite",
                "kick",
                "redact",
                "state_default",
                "users_default",
            ] {
                if rng.chance(70) {
                    content.insert(key.into(), level(rng));
                }
            }
            let users: JsonObject = (0..rng.below(4)).map(|_| (user(rng), level(rng))).collect();
            content.insert("users".into(), Value::Object(users));
            content.insert("events".into(), json!({"m.room.name": level(rng)}));
            if rng.chance(50) {
                content.insert("notifications".into(), json!({"room": level(rng)}));
            }
        }
        "m.room.history_visibility" => {
            let visibility = rng.pick(&["invited", "joined", "shared", "world_readable"]);
            content.insert("history_visibility".into(), json!(visibility));
        }
        "m.room.aliases" => {
            content.insert(
                "aliases".into(),
                json!([format!("#{}:example.org", rng.below(99))]),
            );
        }
        "m.room.redaction" => {
            if version.redacts_in_content || rng.chance(30) {
                content.insert("redacts".into(), json!(event_ref(rng, version)));
            }
            content.insert("reason".into(), json!(text(rng)));
        }
        _ => {
            content.insert("body".into(), json!(text(rng)));
            content.insert("msgtype".into(), json!("m.text"));
        }
    }
    for _ in 0..rng.below(3) {
        content.insert(text(rng), nested(rng, 1, lenient));
    }
    content
}

fn generate(rng: &mut Rng, version: &RoomVersion) -> JsonObject {
    let kind = rng.pick(KINDS);
    let lenient = version.canonical_json == canonical_json::CanonicalJsonRules::Lenient;
    let mut event = JsonObject::new();
    event.insert("type".into(), json!(kind));
    let sender = user(rng);
    let state_key = match kind {
        "m.room.member" => Some(user(rng)),
        "m.room.message" | "m.room.redaction" => None,
        "m.room.aliases" => Some("example.org".to_owned()),
        "com.example.custom" if rng.chance(50) => Some(text(rng)),
        "com.example.custom" => None,
        _ => Some(String::new()),
    };
    if let Some(state_key) = state_key {
        event.insert("state_key".into(), json!(state_key));
    }
    event.insert("content".into(), Value::Object(content(rng, kind, version)));
    let is_v12_create = kind == "m.room.create" && version.id == "12";
    if !is_v12_create {
        let room_id = if version.id == "12" {
            event_ref(rng, version).replacen('$', "!", 1)
        } else {
            format!("!{}:{}", rng.below(1_000_000), rng.pick(SERVERS))
        };
        event.insert("room_id".into(), json!(room_id));
    }
    event.insert("sender".into(), json!(sender));
    let depth = if lenient && rng.chance(10) {
        json!(i64::MAX)
    } else {
        int(rng).as_i64().map_or(json!(1), |d| json!(d.abs()))
    };
    event.insert("depth".into(), depth);
    event.insert(
        "origin_server_ts".into(),
        json!(1_700_000_000_000u64 + rng.next_u64() % 1_000_000),
    );
    let (auth_count, prev_count) = if kind == "m.room.create" {
        (0, 0)
    } else {
        (rng.below(4), rng.below(3) + 1)
    };
    event.insert("auth_events".into(), event_refs(rng, version, auth_count));
    event.insert("prev_events".into(), event_refs(rng, version, prev_count));
    if version.id == "1" || version.id == "2" {
        event.insert("event_id".into(), json!(event_ref(rng, version)));
    }
    let hash: Vec<u8> = (0..32).map(|_| rng.next_u64() as u8).collect();
    event.insert("hashes".into(), json!({"sha256": base64::encode(hash)}));
    event.insert(
        "signatures".into(),
        json!({"other.example": {"ed25519:x": base64::encode([7u8; 64])}}),
    );
    if rng.chance(60) {
        event.insert("unsigned".into(), json!({"age_ts": 5, "extra": text(rng)}));
    }
    // Keys that the redaction rules of some versions keep, and unknown ones.
    if rng.chance(40) {
        event.insert("origin".into(), json!(rng.pick(SERVERS)));
    }
    if rng.chance(20) {
        event.insert("membership".into(), json!("join"));
    }
    if rng.chance(20) {
        event.insert("prev_state".into(), json!([]));
    }
    if kind == "m.room.redaction" && (!version.redacts_in_content || rng.chance(30)) {
        event.insert("redacts".into(), json!(event_ref(rng, version)));
    }
    for _ in 0..rng.below(3) {
        event.insert(format!("x_{}", text(rng)), nested(rng, 1, lenient));
    }
    event
}

/// Numbers that strict rooms refuse: both sides must refuse to derive anything.
fn with_invalid_number(rng: &mut Rng, mut event: JsonObject) -> JsonObject {
    let bad = match rng.below(5) {
        0 => json!(canonical_json::MAX_SAFE_INTEGER + 1),
        1 => json!(-canonical_json::MAX_SAFE_INTEGER - 1),
        2 => json!(5.0),
        3 => json!(1e10),
        _ => json!(1.5),
    };
    if let Some(Value::Object(content)) = event.get_mut("content") {
        content.insert("bad_number".into(), bad);
    }
    event
}

/// What this crate computes, in the shape the Python script reports.
fn ours(event: &JsonObject, version: &RoomVersion, key: &SigningKey) -> JsonObject {
    fn put<T, E>(
        out: &mut JsonObject,
        name: &str,
        result: Result<T, E>,
        show: impl Fn(T) -> Value,
    ) {
        match result {
            Ok(value) => out.insert(name.into(), show(value)),
            Err(_) => out.insert(format!("{name}_error"), json!(true)),
        };
    }
    let mut out = JsonObject::new();
    let whole = Value::Object(event.clone());
    put(
        &mut out,
        "canonical",
        canonical_json::to_string(&whole, version.canonical_json),
        |s| json!(s),
    );
    put(
        &mut out,
        "content_hash",
        content_hash(event, version),
        |h| json!(base64::encode(h)),
    );
    put(
        &mut out,
        "reference_hash",
        reference_hash(event, version),
        |h| json!(base64::encode(h)),
    );
    put(&mut out, "event_id", event_id(event, version), |id| {
        json!(id)
    });
    put(&mut out, "room_id", room_id(event, version), |id| json!(id));
    let redacted = redact(event, version)
        .map_err(|e| e.to_string())
        .and_then(|r| {
            canonical_json::to_string(&Value::Object(r), version.canonical_json)
                .map_err(|e| e.to_string())
        });
    put(&mut out, "redacted", redacted, |s| json!(s));
    put(
        &mut out,
        "signature",
        event_signature(event, version, key),
        |s| json!(s),
    );
    out
}

/// Compares one case; returns the differing fields.
fn compare(ours: &JsonObject, theirs: &JsonObject) -> Vec<String> {
    let mut differences = Vec::new();
    if theirs.contains_key("refused") {
        // Synapse refuses the event on receipt as not canonical JSON; here the whole event
        // has no canonical form and no content hash (so `verify_event` fails). Its redacted
        // form may still be canonical, as in Synapse.
        for field in ["canonical", "content_hash"] {
            if ours.contains_key(field) {
                differences.push(format!("{field}: Synapse refused the event, we did not"));
            }
        }
        return differences;
    }
    for field in FIELDS {
        let Some(expected) = theirs.get(field) else {
            differences.push(format!("{field}: Synapse reports {theirs:?}"));
            continue;
        };
        if ours.get(field) != Some(expected) {
            differences.push(format!(
                "{field}: ours {:?}, Synapse {expected}",
                ours.get(field).or(ours.get(&format!("{field}_error")))
            ));
        }
    }
    differences
}

const FIELDS: [&str; 7] = [
    "canonical",
    "content_hash",
    "reference_hash",
    "event_id",
    "room_id",
    "redacted",
    "signature",
];

fn has_float(value: &Value) -> bool {
    match value {
        Value::Number(number) => number.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(object) => object.values().any(has_float),
        _ => false,
    }
}

#[test]
fn agrees_with_synapse() {
    let key = SigningKey::from_base64_seed(SEED, "1").unwrap();
    let mut rng = Rng(0x5eed_2026);
    let mut cases: Vec<(&RoomVersion, JsonObject)> = Vec::new();
    for version in &ROOM_VERSIONS {
        for index in 0..EVENTS_PER_VERSION {
            let event = generate(&mut rng, version);
            let strict = version.canonical_json == canonical_json::CanonicalJsonRules::Strict;
            let event = if strict && index % 20 == 0 {
                with_invalid_number(&mut rng, event)
            } else {
                event
            };
            cases.push((version, event));
        }
    }

    let lines: Vec<String> = cases
        .iter()
        .map(|(version, event)| json!({"room_version": version.id, "event": event}).to_string())
        .collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/synapse_crosscheck.py");
    let no_args: [&str; 0] = [];
    let results: Vec<JsonObject> =
        run_script(&script, &no_args, (lines.join("\n") + "\n").into_bytes())
            .into_iter()
            .map(|line| match line {
                Value::Object(object) => object,
                other => panic!("Synapse printed {other}, not an object"),
            })
            .collect();
    assert_eq!(results.len(), cases.len(), "one result per case");

    let (mut passed, mut failed, mut refused) = (0, 0, 0);
    let lenient_with_floats = cases
        .iter()
        .filter(|(version, event)| {
            version.id.len() == 1 && version.id < "6" && has_float(&Value::Object(event.clone()))
        })
        .count();
    for ((version, event), theirs) in cases.iter().zip(&results) {
        let differences = compare(&ours(event, version, &key), theirs);
        refused += usize::from(theirs.contains_key("refused"));
        if differences.is_empty() {
            passed += 1;
        } else {
            failed += 1;
            if failed <= 10 {
                eprintln!(
                    "room version {}: {}\n  event: {}",
                    version.id,
                    differences.join("\n  "),
                    Value::Object(event.clone())
                );
            }
        }
    }
    println!(
        "cross-check with Synapse: {} events over room versions 1-12; {refused} refused as not \
         canonical JSON, {lenient_with_floats} v1-v5 events with floats",
        cases.len()
    );
    println!("{passed} passed, {failed} failed");
    assert!(passed >= 1000);
    assert!(
        refused > 0 && lenient_with_floats > 0,
        "the generator covers both number cases"
    );
    assert_eq!(failed, 0);
}
