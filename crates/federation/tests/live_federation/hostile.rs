//! The security table at the live peer (over TLS, through its `matrix-server` runtime and
//! `FetchingKeyStore`): requests whose `X-Matrix` header must be refused before the method
//! runs, and PDUs the checks on receipt must drop, redact or reject.

use std::sync::atomic::Ordering;

use matrix_event_format::{JsonObject, Request, SigningKey, sign_request};
use matrix_federation::now_ms;
use serde_json::{Value, json};

use crate::peer::Peer;
use crate::raw;

/// One request to the peer and whether its answer is the expected refusal.
struct Case {
    name: &'static str,
    method: &'static str,
    uri: String,
    body: Value,
    authorization: String,
}

/// Runs the table; returns (rejected as expected, cases).
pub async fn run(peer: &Peer) -> (usize, usize) {
    let name = peer.name().to_string();
    let key = peer.identity.signing_key();
    let other_key = SigningKey::from_seed(&[7; 32], &key.key_id()["ed25519:".len()..]).unwrap();
    let unknown_key = SigningKey::from_seed(&[8; 32], "unknown").unwrap();
    let expired_key = SigningKey::from_seed(&[9; 32], "old").unwrap();
    let expired_server = "127.0.0.1:1";
    peer.keys.pin(
        expired_server.parse().unwrap(),
        [(
            expired_key.key_id().to_owned(),
            expired_key.verify_key().clone().with_valid_until_ts(1_000),
        )]
        .into(),
    );
    let down_server = {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        format!("127.0.0.1:{port}")
    };
    let body = json!({"origin": name, "origin_server_ts": 1, "pdus": []});
    let path = |n: &str| format!("/_matrix/federation/v1/send/hostile-{n}");
    let header = |key: &SigningKey,
                  origin: &str,
                  destination: &str,
                  method: &str,
                  uri: &str,
                  body: Option<&Value>| {
        sign_request(
            key,
            origin,
            destination,
            Request {
                method,
                uri,
                content: body,
            },
        )
        .unwrap()
        .to_header()
    };
    let valid = header(key, &name, &name, "PUT", &path("a"), Some(&body));
    let mut cases = vec![
        Case {
            name: "forged signature",
            method: "PUT",
            uri: path("a"),
            body: body.clone(),
            authorization: header(&other_key, &name, &name, "PUT", &path("a"), Some(&body)),
        },
        Case {
            name: "replayed on another path",
            method: "PUT",
            uri: path("b"),
            body: body.clone(),
            authorization: valid.clone(),
        },
        Case {
            name: "replayed with another method",
            method: "PUT",
            uri: path("a"),
            body: body.clone(),
            authorization: header(key, &name, &name, "POST", &path("a"), Some(&body)),
        },
        Case {
            name: "replayed with another body",
            method: "PUT",
            uri: path("a"),
            body: json!({"origin": name, "origin_server_ts": 2, "pdus": []}),
            authorization: valid.clone(),
        },
        Case {
            name: "wrong destination",
            method: "PUT",
            uri: path("a"),
            body: body.clone(),
            authorization: header(key, &name, "127.0.0.1:2", "PUT", &path("a"), Some(&body)),
        },
        Case {
            name: "unknown key id",
            method: "PUT",
            uri: path("a"),
            body: body.clone(),
            authorization: header(&unknown_key, &name, &name, "PUT", &path("a"), Some(&body)),
        },
        Case {
            name: "key past its valid_until_ts",
            method: "PUT",
            uri: path("a"),
            body: body.clone(),
            authorization: header(
                &expired_key,
                expired_server,
                &name,
                "PUT",
                &path("a"),
                Some(&body),
            ),
        },
        Case {
            name: "origin whose key server is down",
            method: "PUT",
            uri: path("a"),
            body: body.clone(),
            authorization: header(
                &unknown_key,
                &down_server,
                &name,
                "PUT",
                &path("a"),
                Some(&body),
            ),
        },
        Case {
            name: "duplicate parameter",
            method: "PUT",
            uri: path("a"),
            body: body.clone(),
            authorization: format!("{valid},origin=\"{name}\""),
        },
        Case {
            name: "missing signature",
            method: "PUT",
            uri: path("a"),
            body: body.clone(),
            authorization: valid
                .split(',')
                .filter(|p| !p.trim_start().starts_with("sig="))
                .collect::<Vec<_>>()
                .join(","),
        },
    ];
    let http = matrix_client::http_client_builder()
        .tls_danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let base = format!("https://{name}");
    let mut passed = 0;
    let mut failed = Vec::new();
    let before = peer.transactions.load(Ordering::SeqCst);
    for case in cases.drain(..) {
        let answer = http
            .request(case.method.parse().unwrap(), format!("{base}{}", case.uri))
            .header("Authorization", &case.authorization)
            .header("Content-Type", "application/json")
            .body(serde_json::to_vec(&case.body).unwrap())
            .send()
            .await;
        let refused = match answer {
            Ok(response) => {
                let status = response.status().as_u16();
                let bytes = response.bytes().await.unwrap_or_default();
                let body: Value = serde_json::from_slice(&bytes).unwrap_or_default();
                let code = body["errcode"].as_str().unwrap_or_default().to_owned();
                status == 401 && code == "M_UNAUTHORIZED" || status == 403 && code == "M_FORBIDDEN"
            }
            Err(_) => false,
        };
        let untouched = peer.transactions.load(Ordering::SeqCst) == before;
        match refused && untouched {
            true => passed += 1,
            false => failed.push(case.name),
        }
    }

    // PDUs in a correctly signed transaction, in the room of version 10.
    let (room_id, pdu_cases) = match hostile_pdus(peer) {
        Some(found) => found,
        None => {
            failed.push("PDU cases: no joined room");
            (String::new(), Vec::new())
        }
    };
    for (case, pdu, expected) in &pdu_cases {
        let uri = path(case.replace(' ', "-").as_str());
        let body = json!({
            "origin": name, "origin_server_ts": now_ms(), "pdus": [raw(pdu)],
        });
        let authorization = header(key, &name, &name, "PUT", &uri, Some(&body));
        let answer = http
            .put(format!("{base}{uri}"))
            .header("Authorization", authorization)
            .header("Content-Type", "application/json")
            .body(serde_json::to_vec(&body).unwrap())
            .send()
            .await;
        let id = matrix_event_format::event_id(
            pdu,
            matrix_event_format::RoomVersion::from_id("10").unwrap(),
        )
        .unwrap_or_default();
        let outcome = peer
            .seen
            .lock()
            .unwrap()
            .received
            .get(&id)
            .cloned()
            .unwrap_or_default();
        let ok = answer.is_ok_and(|a| a.status().is_success()) && outcome.starts_with(expected);
        match ok {
            true => passed += 1,
            false => {
                println!("{case}: {outcome}");
                failed.push(case);
            }
        }
    }
    // The rejected event is never a prev or auth event afterwards.
    if let Some((_, pdu, _)) = pdu_cases.last() {
        let rejected = matrix_event_format::event_id(
            pdu,
            matrix_event_format::RoomVersion::from_id("10").unwrap(),
        )
        .unwrap_or_default();
        let rooms = peer.rooms.lock().unwrap();
        let next = rooms.get(&room_id).and_then(|room| {
            room.new_event(
                &format!("@bob:{name}"),
                "m.room.message",
                None,
                Default::default(),
                now_ms(),
            )
            .ok()
        });
        let used = next.is_none_or(|next| {
            ["prev_events", "auth_events"].iter().any(|f| {
                next[*f]
                    .as_array()
                    .is_some_and(|ids| ids.contains(&json!(rejected)))
            })
        });
        match used {
            false => passed += 1,
            true => failed.push("rejected event used later"),
        }
    }
    // The peer still serves.
    let alive = http
        .get(format!("{base}/_matrix/key/v2/server"))
        .send()
        .await
        .is_ok_and(|a| a.status().is_success());
    match alive {
        true => passed += 1,
        false => failed.push("peer keeps serving"),
    }
    let total = passed + failed.len();
    println!(
        "hostile: {passed} passed, {} failed {failed:?}",
        failed.len()
    );
    (passed, total)
}

/// A PDU case: its name, the PDU and the start of the outcome expected.
type PduCase = (&'static str, JsonObject, &'static str);

/// PDUs of the peer's own users in its room of version 10: a bad content hash (redacted), a
/// bad signature (dropped), an unauthorized sender (rejected); with the expected outcome.
fn hostile_pdus(peer: &Peer) -> Option<(String, Vec<PduCase>)> {
    let rooms = peer.rooms.lock().unwrap();
    let (room_id, room) = rooms.iter().find(|(_, room)| room.version().id == "10")?;
    let name = peer.name();
    let new = |sender: &str, body: &str| {
        let content = crate::object(json!({"msgtype": "m.text", "body": body}));
        let mut pdu = room
            .new_event(sender, "m.room.message", None, content, now_ms())
            .ok()?;
        peer.identity.sign_event(&mut pdu, room.version()).ok()?;
        Some(pdu)
    };
    let mut bad_hash = new(&format!("@bob:{name}"), "hash")?;
    bad_hash["content"]["body"] = json!("changed after signing");
    let mut bad_signature = new(&format!("@bob:{name}"), "signature")?;
    let signatures = bad_signature["signatures"][name.as_str()].as_object_mut()?;
    for signature in signatures.values_mut() {
        let text = signature.as_str()?.to_owned();
        let flipped = if text.starts_with('A') { "B" } else { "A" };
        *signature = json!(format!("{flipped}{}", &text[1..]));
    }
    let unauthorized = new(&format!("@mallory:{name}"), "not a member")?;
    Some((
        room_id.clone(),
        vec![
            ("bad content hash", bad_hash, "redacted"),
            ("bad signature", bad_signature, "dropped"),
            ("unauthorized sender", unauthorized, "Rejected"),
        ],
    ))
}
