//! Events for the unit tests.

use matrix_auth_rules::PduEvent;
use matrix_event_format::RoomVersion;
use serde_json::{Value, json};

/// A topic event `$e{i}` authorised by the events `auth` (by index).
pub(crate) fn topic(version: &'static RoomVersion, i: usize, auth: &[usize]) -> PduEvent {
    event(version, i, auth, json!({}))
}

/// `topic`, with `fields` (type, state key, sender, room, content) replacing its own (`null`
/// leaves a field out).
pub(crate) fn event(
    version: &'static RoomVersion,
    i: usize,
    auth: &[usize],
    fields: Value,
) -> PduEvent {
    let auth: Vec<String> = auth.iter().map(|a| format!("$e{a}")).collect();
    let Value::Object(mut pdu) = json!({
        "type": "m.room.topic", "state_key": "", "sender": "@a:x", "room_id": "!r:x",
        "content": {"topic": i}, "prev_events": [], "auth_events": auth,
        "depth": 1, "origin_server_ts": 1,
    }) else {
        unreachable!()
    };
    if let Value::Object(fields) = fields {
        pdu.extend(fields);
    }
    // A `null` field is left out.
    pdu.retain(|_, value| !value.is_null());
    PduEvent::with_event_id(pdu, version, format!("$e{i}")).expect("a valid PDU")
}
