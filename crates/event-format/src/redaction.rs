//! The redaction algorithm of each room version: which top-level keys and which `content`
//! keys of each event type survive. [`redact`] builds the redacted event; hashing and signing
//! encode the same view directly, without copying the event.

use serde_json::Value;

use crate::canonical_json::{self, CanonicalJsonError, CanonicalJsonRules, ObjectFields, Writer};
use crate::event::{EventError, required_object, required_str};
use crate::json::JsonObject;
pub use crate::room_version::RedactionRules;
use crate::room_version::RoomVersion;

/// What redaction does with one key of `content`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ContentKey {
    Drop,
    Keep,
    /// v11+ `m.room.member` `third_party_invite`: an object reduced to its `signed` member.
    KeepOnlySigned,
}

fn keeps_top_level_key(rules: &RedactionRules, event_type: &str, key: &str) -> bool {
    match key {
        "event_id" | "type" | "sender" | "state_key" | "content" | "hashes" | "signatures"
        | "depth" | "prev_events" | "auth_events" | "origin_server_ts" => true,
        "room_id" => rules.keep_create_room_id || event_type != "m.room.create",
        "origin" | "membership" | "prev_state" => rules.keep_origin_membership_prev_state,
        _ => false,
    }
}

fn content_key(rules: &RedactionRules, event_type: &str, key: &str) -> ContentKey {
    let keep = match (event_type, key) {
        ("m.room.member", "membership") => true,
        ("m.room.member", "join_authorised_via_users_server") => {
            rules.keep_member_join_authorised_via_users_server
        }
        ("m.room.member", "third_party_invite") if rules.keep_member_third_party_invite_signed => {
            return ContentKey::KeepOnlySigned;
        }
        ("m.room.create", "creator") => rules.keep_create_creator || rules.keep_create_content,
        ("m.room.create", _) => rules.keep_create_content,
        ("m.room.join_rules", "join_rule") => true,
        ("m.room.join_rules", "allow") => rules.keep_join_rules_allow,
        (
            "m.room.power_levels",
            "ban" | "events" | "events_default" | "kick" | "redact" | "state_default" | "users"
            | "users_default",
        ) => true,
        ("m.room.power_levels", "invite") => rules.keep_power_levels_invite,
        ("m.room.aliases", "aliases") => rules.keep_aliases_aliases,
        ("m.room.history_visibility", "history_visibility") => true,
        ("m.room.redaction", "redacts") => rules.keep_redaction_redacts,
        _ => false,
    };
    if keep {
        ContentKey::Keep
    } else {
        ContentKey::Drop
    }
}

/// The event's `type` and `content`, which redaction needs.
fn type_and_content(pdu: &JsonObject) -> Result<(&str, &JsonObject), EventError> {
    Ok((required_str(pdu, "type")?, required_object(pdu, "content")?))
}

/// Returns the redacted copy of `pdu` under the rules of `version`.
pub fn redact(pdu: &JsonObject, version: &RoomVersion) -> Result<JsonObject, EventError> {
    let rules = &version.redaction;
    let (event_type, content) = type_and_content(pdu)?;
    let mut redacted = JsonObject::new();
    for (key, value) in pdu {
        if key != "content" && keeps_top_level_key(rules, event_type, key) {
            redacted.insert(key.clone(), value.clone());
        }
    }
    let mut new_content = JsonObject::new();
    for (key, value) in content {
        match content_key(rules, event_type, key) {
            ContentKey::Drop => {}
            ContentKey::Keep => {
                new_content.insert(key.clone(), value.clone());
            }
            ContentKey::KeepOnlySigned => {
                if let Value::Object(invite) = value {
                    let signed = invite
                        .get("signed")
                        .map(|s| ("signed".to_owned(), s.clone()));
                    new_content.insert(key.clone(), Value::Object(signed.into_iter().collect()));
                }
            }
        }
    }
    redacted.insert("content".to_owned(), Value::Object(new_content));
    Ok(redacted)
}

/// Writes the canonical JSON of the redacted `pdu` without the top-level keys in `omit`:
/// the same bytes as encoding [`redact`]'s result with those keys removed.
pub(crate) fn write_redacted(
    out: &mut Vec<u8>,
    pdu: &JsonObject,
    version: &RoomVersion,
    omit: &[&str],
) -> Result<(), EventError> {
    let rules = &version.redaction;
    let (event_type, _) = type_and_content(pdu)?;
    let mut writer = Writer::new(out, version.canonical_json);
    let mut fields = writer.begin_object();
    for (key, value) in canonical_json::sorted_entries(pdu) {
        if omit.contains(&key.as_str()) || !keeps_top_level_key(rules, event_type, key) {
            continue;
        }
        writer.key(&mut fields, key);
        match value {
            Value::Object(content) if key == "content" => {
                write_redacted_content(&mut writer, rules, event_type, content)?;
            }
            _ => writer.value(value, 1)?,
        }
    }
    writer.end_object();
    Ok(())
}

/// The signed bytes and, if it can be encoded, the content hash's input.
pub(crate) type EncodedPdu = (Vec<u8>, Option<Vec<u8>>);

/// Top-level members an event's signatures never cover.
const NOT_SIGNED: [&str; 2] = ["signatures", "unsigned"];
/// Top-level members the content hash leaves out.
const NOT_HASHED: [&str; 3] = ["unsigned", "signatures", "hashes"];

/// Encodes in one pass what [`write_redacted`] writes without `signatures` and `unsigned` (the
/// signed bytes) and the canonical JSON of `pdu` without `unsigned`, `signatures` and `hashes`
/// (the content hash's input): members both hold are encoded once. The second is `None` if a
/// member only it holds has no canonical JSON.
pub(crate) fn encode_signed_and_hashed(
    pdu: &JsonObject,
    version: &RoomVersion,
) -> Result<EncodedPdu, EventError> {
    let rules = &version.redaction;
    let (event_type, content) = type_and_content(pdu)?;
    let mut signed = Vec::with_capacity(1024);
    let mut hashed = Some(Vec::with_capacity(2048));
    let mut signed_members = 0;
    let mut hashed_members = 0;
    for (key, value) in canonical_json::sorted_entries(pdu) {
        let in_signed =
            !NOT_SIGNED.contains(&key.as_str()) && keeps_top_level_key(rules, event_type, key);
        let in_hashed = !NOT_HASHED.contains(&key.as_str());
        let shared = in_signed && in_hashed && key != "content";
        if let (true, Some(out)) = (in_hashed, &mut hashed) {
            out.push(if hashed_members == 0 { b'{' } else { b',' });
            hashed_members += 1;
            let start = out.len();
            let mut writer = Writer::new(out, version.canonical_json);
            writer.name(key);
            match writer.value(value, 1) {
                Ok(()) if shared => {
                    signed.push(if signed_members == 0 { b'{' } else { b',' });
                    signed_members += 1;
                    signed.extend_from_slice(&out[start..]);
                    continue;
                }
                Ok(()) => {}
                // The same member, encoded the same way for the signed bytes, fails there too.
                Err(error) if shared => return Err(error.into()),
                Err(_) => hashed = None,
            }
        }
        if in_signed {
            signed.push(if signed_members == 0 { b'{' } else { b',' });
            signed_members += 1;
            let mut writer = Writer::new(&mut signed, version.canonical_json);
            writer.name(key);
            if key == "content" {
                write_redacted_content(&mut writer, rules, event_type, content)?;
            } else {
                writer.value(value, 1)?;
            }
        }
    }
    for (out, members) in [
        (Some(&mut signed), signed_members),
        (hashed.as_mut(), hashed_members),
    ] {
        if let Some(out) = out {
            out.extend_from_slice(if members == 0 { b"{}" } else { b"}" });
        }
    }
    Ok((signed, hashed))
}

/// Writes the canonical JSON of `pdu` under the standard rules to `full` (its members at
/// nesting `depth`, as inside a request that carries it) and returns what
/// [`encode_signed_and_hashed`] gives, copied from that encoding where the version's rules
/// encode alike (standard, or strict without floats) and encoded anew otherwise. Fails only if
/// the standard encoding fails; the inner result is the version's encodings.
pub(crate) fn encode_whole_signed_and_hashed(
    full: &mut Vec<u8>,
    pdu: &JsonObject,
    depth: usize,
    version: &RoomVersion,
) -> Result<Result<EncodedPdu, EventError>, CanonicalJsonError> {
    canonical_json::check_depth(depth - 1)?;
    let rules = &version.redaction;
    let parts = type_and_content(pdu);
    let mut shared = parts.is_ok() && version.canonical_json != CanonicalJsonRules::Lenient;
    let mut signed = Vec::with_capacity(1024);
    let mut hashed = Vec::with_capacity(2048);
    let (mut signed_members, mut hashed_members) = (0, 0);
    full.push(b'{');
    for (index, (key, value)) in canonical_json::sorted_entries(pdu).enumerate() {
        if index > 0 {
            full.push(b',');
        }
        let start = full.len();
        let mut writer = Writer::new(full, CanonicalJsonRules::Standard);
        writer.name(key);
        writer.value(value, depth)?;
        shared &= !writer.wrote_float();
        let Ok((event_type, content)) = parts else {
            continue;
        };
        if !shared {
            continue;
        }
        let member = &full[start..];
        if !NOT_HASHED.contains(&key.as_str()) {
            hashed.push(if hashed_members == 0 { b'{' } else { b',' });
            hashed_members += 1;
            hashed.extend_from_slice(member);
        }
        if NOT_SIGNED.contains(&key.as_str()) || !keeps_top_level_key(rules, event_type, key) {
            continue;
        }
        signed.push(if signed_members == 0 { b'{' } else { b',' });
        signed_members += 1;
        if key == "content" {
            let mut writer = Writer::new(&mut signed, version.canonical_json);
            writer.name(key);
            if let Err(error) = write_redacted_content(&mut writer, rules, event_type, content) {
                return Ok(Err(error));
            }
        } else {
            signed.extend_from_slice(member);
        }
    }
    full.push(b'}');
    if !shared {
        return Ok(encode_signed_and_hashed(pdu, version));
    }
    for (out, members) in [(&mut signed, signed_members), (&mut hashed, hashed_members)] {
        out.extend_from_slice(if members == 0 { b"{}" } else { b"}" });
    }
    Ok(Ok((signed, Some(hashed))))
}

fn write_redacted_content(
    writer: &mut Writer<'_>,
    rules: &RedactionRules,
    event_type: &str,
    content: &JsonObject,
) -> Result<(), EventError> {
    let mut fields: ObjectFields = writer.begin_object();
    for (key, value) in canonical_json::sorted_entries(content) {
        match content_key(rules, event_type, key) {
            ContentKey::Drop => {}
            ContentKey::Keep => {
                writer.key(&mut fields, key);
                writer.value(value, 2)?;
            }
            ContentKey::KeepOnlySigned => {
                if let Value::Object(invite) = value {
                    writer.key(&mut fields, key);
                    let mut invite_fields = writer.begin_object();
                    if let Some(signed) = invite.get("signed") {
                        writer.key(&mut invite_fields, "signed");
                        writer.value(signed, 3)?;
                    }
                    writer.end_object();
                }
            }
        }
    }
    writer.end_object();
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::room_version::ROOM_VERSIONS;

    fn object(value: Value) -> JsonObject {
        match value {
            Value::Object(object) => object,
            _ => unreachable!("test input is an object"),
        }
    }

    fn redacted(version: &RoomVersion, event: Value) -> Value {
        let pdu = object(event);
        let redacted = redact(&pdu, version).unwrap();
        // The streaming encoder must agree with the copying one.
        let mut streamed = Vec::new();
        write_redacted(&mut streamed, &pdu, version, &[]).unwrap();
        let copied =
            canonical_json::to_vec(&Value::Object(redacted.clone()), version.canonical_json);
        assert_eq!(streamed, copied.unwrap());
        Value::Object(redacted)
    }

    fn event(event_type: &str, content: Value) -> Value {
        json!({
            "type": event_type, "content": content, "sender": "@a:x", "room_id": "!r:x",
            "event_id": "$e:x", "state_key": "", "origin": "x", "membership": "join",
            "prev_state": [], "depth": 1, "hashes": {"sha256": "h"}, "signatures": {},
            "unsigned": {"age_ts": 1}, "prev_events": [], "auth_events": [],
            "origin_server_ts": 5, "extra": true, "redacts": "$r:x"
        })
    }

    #[test]
    fn top_level_keys() {
        let v10 = redacted(
            RoomVersion::V10,
            event("m.room.message", json!({"body": "hi"})),
        );
        let keys: Vec<&str> = v10
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "auth_events",
                "content",
                "depth",
                "event_id",
                "hashes",
                "membership",
                "origin",
                "origin_server_ts",
                "prev_events",
                "prev_state",
                "room_id",
                "sender",
                "signatures",
                "state_key",
                "type"
            ]
        );
        assert_eq!(v10["content"], json!({}));
        let v11 = redacted(
            RoomVersion::V11,
            event("m.room.message", json!({"body": "hi"})),
        );
        for gone in [
            "origin",
            "membership",
            "prev_state",
            "unsigned",
            "redacts",
            "extra",
        ] {
            assert!(v11.get(gone).is_none(), "{gone}");
        }
    }

    #[test]
    fn content_keys_per_version() {
        let pl = json!({"ban": 1, "events": {}, "events_default": 1, "invite": 1, "kick": 1,
            "redact": 1, "state_default": 1, "users": {}, "users_default": 1, "notifications": {}});
        assert!(
            redacted(RoomVersion::V10, event("m.room.power_levels", pl.clone()))["content"]
                .get("invite")
                .is_none()
        );
        let v11 = redacted(RoomVersion::V11, event("m.room.power_levels", pl));
        assert_eq!(v11["content"].as_object().unwrap().len(), 9);

        let aliases = json!({"aliases": ["#a:x"]});
        assert_eq!(
            redacted(RoomVersion::V5, event("m.room.aliases", aliases.clone()))["content"],
            aliases
        );
        assert_eq!(
            redacted(RoomVersion::V6, event("m.room.aliases", aliases))["content"],
            json!({})
        );

        let join_rules = json!({"join_rule": "restricted", "allow": [], "x": 1});
        assert_eq!(
            redacted(
                RoomVersion::V7,
                event("m.room.join_rules", join_rules.clone())
            )["content"],
            json!({"join_rule": "restricted"})
        );
        assert_eq!(
            redacted(RoomVersion::V8, event("m.room.join_rules", join_rules))["content"],
            json!({"join_rule": "restricted", "allow": []})
        );

        let member = json!({"membership": "join", "join_authorised_via_users_server": "@u:x",
            "displayname": "U", "third_party_invite": {"signed": {"token": "t"}, "display_name": "d"}});
        assert_eq!(
            redacted(RoomVersion::V8, event("m.room.member", member.clone()))["content"],
            json!({"membership": "join"})
        );
        assert_eq!(
            redacted(RoomVersion::V9, event("m.room.member", member.clone()))["content"],
            json!({"membership": "join", "join_authorised_via_users_server": "@u:x"})
        );
        assert_eq!(
            redacted(RoomVersion::V11, event("m.room.member", member))["content"],
            json!({"membership": "join", "join_authorised_via_users_server": "@u:x",
                "third_party_invite": {"signed": {"token": "t"}}})
        );
        let no_signed =
            json!({"membership": "invite", "third_party_invite": {"display_name": "d"}});
        assert_eq!(
            redacted(RoomVersion::V11, event("m.room.member", no_signed))["content"],
            json!({"membership": "invite", "third_party_invite": {}})
        );

        let create = json!({"creator": "@a:x", "room_version": "10", "m.federate": false});
        assert_eq!(
            redacted(RoomVersion::V10, event("m.room.create", create.clone()))["content"],
            json!({"creator": "@a:x"})
        );
        assert_eq!(
            redacted(RoomVersion::V11, event("m.room.create", create.clone()))["content"],
            create
        );
        let v12 = redacted(RoomVersion::V12, event("m.room.create", create.clone()));
        assert!(v12.get("room_id").is_none());
        assert!(
            redacted(RoomVersion::V11, event("m.room.create", create))
                .get("room_id")
                .is_some()
        );

        let redaction = json!({"redacts": "$x:y", "reason": "spam"});
        assert_eq!(
            redacted(
                RoomVersion::V10,
                event("m.room.redaction", redaction.clone())
            )["content"],
            json!({})
        );
        assert_eq!(
            redacted(RoomVersion::V11, event("m.room.redaction", redaction))["content"],
            json!({"redacts": "$x:y"})
        );
    }

    #[test]
    fn redaction_is_idempotent() {
        for version in &ROOM_VERSIONS {
            let once = redacted(
                version,
                event("m.room.member", json!({"membership": "leave", "x": 1})),
            );
            assert_eq!(redacted(version, once.clone()), once);
        }
    }

    #[test]
    fn requires_type_and_object_content() {
        let missing_type = object(json!({"content": {}}));
        assert_eq!(
            redact(&missing_type, RoomVersion::V1),
            Err(EventError::MissingField("type"))
        );
        let bad_content = object(json!({"type": "m.room.message", "content": []}));
        assert!(matches!(
            redact(&bad_content, RoomVersion::V1),
            Err(EventError::InvalidField {
                field: "content",
                ..
            })
        ));
    }

    /// The one-pass encoder gives what the signed bytes and the content hash encode apart,
    /// including when some member has no canonical JSON.
    #[test]
    fn one_pass_encodes_both_forms() {
        let contents = [
            ("m.room.message", json!({"body": "hi", "n": 1.5})),
            (
                "m.room.member",
                json!({"membership": "join", "join_authorised_via_users_server": "@u:x",
                       "third_party_invite": {"signed": {"token": "t"}, "other": 1}}),
            ),
            (
                "m.room.create",
                json!({"creator": "@a:x", "room_version": "1"}),
            ),
            (
                "m.room.power_levels",
                json!({"users": {"@a:x": 100}, "invite": 5.0}),
            ),
        ];
        for version in &ROOM_VERSIONS {
            for (event_type, content) in &contents {
                let mut pdus = vec![object(event(event_type, content.clone()))];
                let mut float_depth = pdus[0].clone();
                float_depth.insert("depth".into(), json!(2.5));
                let mut float_extra = pdus[0].clone();
                float_extra.insert("extra".into(), json!(2.5));
                pdus.extend([float_depth, float_extra]);
                for pdu in &pdus {
                    let mut signed = Vec::new();
                    let signed =
                        write_redacted(&mut signed, pdu, version, &NOT_SIGNED).map(|()| signed);
                    let mut hashed = Vec::new();
                    let hashed = canonical_json::object_without(
                        &mut hashed,
                        pdu,
                        &NOT_HASHED,
                        version.canonical_json,
                    )
                    .map(|()| hashed);
                    match encode_signed_and_hashed(pdu, version) {
                        Ok((one_pass_signed, one_pass_hashed)) => {
                            assert_eq!(Ok(one_pass_signed), signed, "{pdu:?}");
                            assert_eq!(one_pass_hashed, hashed.ok(), "{pdu:?}");
                        }
                        Err(_) => assert!(signed.is_err(), "{pdu:?}"),
                    }
                }
            }
        }
    }
}
