//! Parses one large `/sync` response (built here: hundreds of joined rooms with state,
//! timelines, receipts and account data, about 5 MB) into the generated
//! `room_events::sync::Response` and into ruma 0.17's `sync_events::v3::Response`, from the
//! same bytes, in alternating rounds; prints the median time of each, the throughput and
//! the ratio.
//!
//!     cargo run --release [-- ROOMS [ROUNDS]]     (default 300 rooms, 21 rounds)

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn event(kind: &str, room: usize, n: usize, sender: &str, content: Value) -> Value {
    json!({
        "type": kind,
        "event_id": format!("$ev{room}x{n}abcdefghijklmnopqrstuvwxyz0123456789"),
        "sender": sender,
        "origin_server_ts": 1_764_000_000_000u64 + (room * 1000 + n) as u64,
        "content": content,
        "unsigned": {"age": 1234 + n, "membership": "join"}
    })
}

fn state(kind: &str, key: &str, room: usize, n: usize, sender: &str, content: Value) -> Value {
    let mut e = event(kind, room, n, sender, content);
    e["state_key"] = json!(key);
    e
}

fn user(i: usize) -> String {
    format!("@user{i}:example.org")
}

/// One joined room: create, power levels, join rules, name, topic and `members` member
/// events in `state`; `messages` messages (some replies, some edits) in the timeline.
fn room(r: usize, members: usize, messages: usize) -> Value {
    let creator = user(0);
    let mut st = vec![
        state(
            "m.room.create",
            "",
            r,
            0,
            &creator,
            json!({"room_version": "11", "creator": creator}),
        ),
        state(
            "m.room.power_levels",
            "",
            r,
            1,
            &creator,
            json!({
                "users": {creator.clone(): 100, user(1): 50}, "users_default": 0,
                "events": {"m.room.name": 50, "m.room.power_levels": 100},
                "events_default": 0, "state_default": 50, "ban": 50, "kick": 50, "redact": 50, "invite": 0
            }),
        ),
        state(
            "m.room.join_rules",
            "",
            r,
            2,
            &creator,
            json!({"join_rule": "invite"}),
        ),
        state(
            "m.room.history_visibility",
            "",
            r,
            3,
            &creator,
            json!({"history_visibility": "shared"}),
        ),
        state(
            "m.room.name",
            "",
            r,
            4,
            &creator,
            json!({"name": format!("Room number {r}")}),
        ),
        state(
            "m.room.topic",
            "",
            r,
            5,
            &creator,
            json!({"topic": "A room of the sync-parse benchmark, with a topic of some length"}),
        ),
    ];
    for m in 0..members {
        st.push(state(
            "m.room.member",
            &user(m),
            r,
            10 + m,
            &user(m),
            json!({
                "membership": "join", "displayname": format!("User number {m}"),
                "avatar_url": format!("mxc://example.org/avatar{m}")
            }),
        ));
    }
    let mut timeline = Vec::new();
    for n in 0..messages {
        let sender = user(n % members.max(1));
        let mut content = json!({
            "msgtype": "m.text",
            "body": format!("Message {n} in room {r}: the quick brown fox jumps over the lazy dog"),
            "format": "org.matrix.custom.html",
            "formatted_body": format!("<p>Message <b>{n}</b> in room {r}</p>")
        });
        if n % 5 == 4 {
            content["m.relates_to"] = json!({"m.in_reply_to": {"event_id": format!("$ev{r}x{}abcdefghijklmnopqrstuvwxyz0123456789", 1000 + n - 1)}});
        }
        timeline.push(event("m.room.message", r, 1000 + n, &sender, content));
    }
    json!({
        "summary": {"m.heroes": [user(1), user(2)], "m.joined_member_count": members, "m.invited_member_count": 0},
        "state": {"events": st},
        "timeline": {"events": timeline, "limited": true, "prev_batch": format!("t{r}-23535_0_0")},
        "ephemeral": {"events": [
            {"type": "m.typing", "content": {"user_ids": [user(1)]}},
            {"type": "m.receipt", "content": {
                format!("$ev{r}x1000abcdefghijklmnopqrstuvwxyz0123456789"): {"m.read": {user(1): {"ts": 1_764_000_000_000u64}}}
            }}
        ]},
        "account_data": {"events": [{"type": "m.tag", "content": {"tags": {"u.work": {"order": 0.9}}}}]},
        "unread_notifications": {"highlight_count": 1, "notification_count": 5},
        "unread_thread_notifications": {}
    })
}

fn sync_body(rooms: usize) -> Vec<u8> {
    let join: serde_json::Map<String, Value> = (0..rooms)
        .map(|r| (format!("!room{r}:example.org"), room(r, 20, 25)))
        .collect();
    let body = json!({
        "next_batch": "s72595_4483_1934",
        "presence": {"events": (0..50).map(|i| json!({
            "type": "m.presence", "sender": user(i),
            "content": {"presence": "online", "last_active_ago": 2478593, "currently_active": false, "status_msg": "Making cupcakes"}
        })).collect::<Vec<_>>()},
        "account_data": {"events": [
            {"type": "m.push_rules", "content": {"global": {}}},
            {"type": "org.example.custom.config", "content": {"custom_config_key": "custom_config_value"}}
        ]},
        "to_device": {"events": [{"type": "m.new_device", "sender": user(3), "content": {"device_id": "XYZABCDE", "rooms": ["!room1:example.org"]}}]},
        "device_lists": {"changed": [user(4)], "left": [user(5)]},
        "device_one_time_keys_count": {"signed_curve25519": 20},
        "rooms": {"join": join, "invite": {}, "leave": {}, "knock": {}}
    });
    serde_json::to_vec(&body).unwrap()
}

/// The HTTP response both parsers read: borrowed bytes, nothing copied.
fn response(body: &[u8]) -> http::Response<&[u8]> {
    http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body)
        .unwrap()
}

/// Parses `body` with the generated code; the time of the parse only.
fn ours(body: &[u8], rooms: usize) -> Duration {
    use matrix_api_core::IncomingResponse;
    use matrix_client_server_api::room_events::sync;
    let http = response(body);
    let start = Instant::now();
    let parsed = sync::Response::try_from_http_response(http).expect("ours parses");
    let took = start.elapsed();
    assert_eq!(parsed.rooms.join.len(), rooms);
    black_box(parsed);
    took
}

/// The same with ruma.
fn theirs(body: &[u8], rooms: usize) -> Duration {
    use ruma::api::IncomingResponseExt;
    use ruma::api::client::sync::sync_events::v3;
    let http = response(body);
    let start = Instant::now();
    let parsed = v3::Response::try_from_http_response(http).expect("ruma parses");
    let took = start.elapsed();
    assert_eq!(parsed.rooms.join.len(), rooms);
    black_box(parsed);
    took
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rooms: usize = args.next().map_or(300, |a| a.parse().unwrap());
    let rounds: usize = args.next().map_or(21, |a| a.parse().unwrap());
    let body = sync_body(rooms);
    let mb = body.len() as f64 / 1e6;
    println!("sync response: {rooms} joined rooms, {:.2} MB", mb);
    // Warm-up, then alternating rounds (which one goes first alternates too).
    for _ in 0..3 {
        ours(&body, rooms);
        theirs(&body, rooms);
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        if round % 2 == 0 {
            a.push(ours(&body, rooms));
            b.push(theirs(&body, rooms));
        } else {
            b.push(theirs(&body, rooms));
            a.push(ours(&body, rooms));
        }
    }
    let (a_min, b_min) = (*a.iter().min().unwrap(), *b.iter().min().unwrap());
    let (a, b) = (median(a), median(b));
    let mbps = |d: Duration| mb / d.as_secs_f64();
    println!(
        "generated sync::Response: median {:.2} ms ({:.0} MB/s), best {:.2} ms",
        a.as_secs_f64() * 1e3,
        mbps(a),
        a_min.as_secs_f64() * 1e3
    );
    println!(
        "ruma 0.17 v3::Response:   median {:.2} ms ({:.0} MB/s), best {:.2} ms",
        b.as_secs_f64() * 1e3,
        mbps(b),
        b_min.as_secs_f64() * 1e3
    );
    println!(
        "throughput ratio (generated / ruma): {:.2}x",
        b.as_secs_f64() / a.as_secs_f64()
    );
}
