//! Federation on the wire against a throw-away Synapse (issue 13), for room versions 10 and
//! 12. The peer (`peer.rs`) serves its keys and the server-server API over TLS; every request
//! both ways is `X-Matrix` signed and verified. Steps per room version:
//!
//! 1. invite: a Synapse user invites a peer user; Synapse's `PUT /invite` reaches the peer,
//!    which verifies the request and the event, counter-signs it and answers;
//! 2. join: the peer joins through `make_join`/`send_join` and checks everything `send_join`
//!    returns (signatures, hashes, authorization of the state and auth chain and of its join);
//! 3. send: the peer sends a message in a `PUT /send` transaction; the Synapse user sees it in
//!    `/sync`;
//! 4. receive: the Synapse user sends messages and changes the topic; Synapse's transactions
//!    reach the peer, which verifies, authorizes and applies them; PDUs the peer drops on
//!    purpose leave gaps, which it fills from Synapse (`get_missing_events`; `/event` and
//!    `/state_ids`);
//! 5. fork: the peer and the Synapse user each change the power levels and the topic from the
//!    same point; the peer resolves the fork and ends with the current state Synapse reports
//!    through `/state`;
//! 6. leave (after the hostile table, which sends as the joined user): `make_leave` and
//!    `send_leave`; Synapse shows the leave.
//!
//! Then the hostile table at the peer. Last line:
//! `federation live: S of 12 steps, H of N hostile cases rejected`.

mod hostile;
#[path = "../../examples/federation-peer/peer.rs"]
mod peer;
mod synapse;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use matrix_api_core::{Raw, ServerName};
use matrix_client::Client;
use matrix_client_server_api as cs;
use matrix_event_format::{JsonObject, RoomVersion};
use matrix_federation::{Connector, Outcome, Room, ServerIdentity, now_ms};
use matrix_server_server_api::client::ServerServerExt as _;
use matrix_server_server_api::membership::send_leave_v2;
use matrix_server_server_api::types::EventTemplate;
use peer::Peer;
use serde_json::{Value, json};
use synapse::Synapse;

/// Steps per room version, as the issue counts them.
const STEPS_PER_VERSION: usize = 6;

#[test]
fn live_federation() {
    let started = Instant::now();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let peer_name = format!("127.0.0.1:{}", listener.local_addr().unwrap().port());
    let synapse = Synapse::start(&peer_name);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (steps, hostile) = runtime.block_on(run(&synapse, &peer_name, listener));
    drop(synapse);
    let total = 2 * STEPS_PER_VERSION;
    println!("wall time: {:.1} s", started.elapsed().as_secs_f64());
    println!(
        "federation live: {steps} of {total} steps, {} of {} hostile cases rejected",
        hostile.0, hostile.1
    );
    assert_eq!(hostile.0, hostile.1, "a hostile case was not rejected");
    assert_eq!(steps, total, "every step of both room versions must work");
}

async fn run(
    synapse: &Synapse,
    peer_name: &str,
    listener: std::net::TcpListener,
) -> (usize, (usize, usize)) {
    let synapse_name: ServerName = synapse.name().parse().unwrap();
    let synapse_base = synapse.base();
    let http = matrix_client::http_client_builder().build().unwrap();
    let connector = Connector::new(http).with_resolver(move |server| {
        if server == &synapse_name {
            synapse_base.clone()
        } else {
            matrix_federation::default_base_url(server)
        }
    });
    let identity = ServerIdentity::generate(peer_name.parse().unwrap(), "peer1").unwrap();
    let peer = Peer::new(identity, connector);
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    peer::serve(Arc::clone(&peer), listener);

    let alice = synapse.user("alice").await;
    let mut steps = 0;
    let mut rooms = Vec::new();
    for version in ["10", "12"] {
        let (room_id, done) = room_steps(synapse, &peer, &alice, version).await;
        println!("room version {version}: steps 1–{done} work");
        steps += done;
        if done == 4 {
            rooms.push((version, room_id));
        }
    }
    println!(
        "Synapse fetched the peer's keys {} times; the peer fetched Synapse's over the generated key API",
        peer.key_fetches.load(std::sync::atomic::Ordering::SeqCst)
    );
    for (version, room_id) in &rooms {
        match fork_step(synapse, &peer, &alice, room_id).await {
            Ok(()) => {
                println!("room version {version}: step 5 works");
                steps += 1;
            }
            Err(error) => println!("v{version} step 5: {error}"),
        }
    }
    let hostile = hostile::run(&peer).await;
    // Leaves last: the hostile table sends as the peer's joined user.
    for (version, room_id) in rooms {
        if leave_step(synapse, &peer, &alice, &room_id).await {
            println!("room version {version}: step 6 works");
            steps += 1;
        }
    }
    (steps, hostile)
}

/// Steps 1–4 in a new room of `version`: the room and how many steps worked in a row.
async fn room_steps(
    synapse: &Synapse,
    peer: &Arc<Peer>,
    alice: &Client,
    version: &str,
) -> (String, usize) {
    let room_version = RoomVersion::from_id(version).unwrap();
    let bob = format!("@bob:{}", peer.name());

    // 1. Invite.
    let mut create = cs::room::create_room::Request::new();
    create.room_version = Some(version.to_owned());
    let room_id = alice.send(create).await.unwrap().room_id;
    let invite = cs::membership::invite_user::Request::new(room_id.clone(), bob.parse().unwrap());
    let invited = alice.send(invite).await;
    let signed_invite = peer
        .seen
        .lock()
        .unwrap()
        .invites
        .contains_key(room_id.as_str());
    if let Err(error) = &invited {
        println!("v{version} step 1: Synapse's invite failed: {error:?}");
    }
    if invited.is_err() || !signed_invite {
        return (room_id.to_string(), 0);
    }

    // 2. Join.
    let joined = match join(synapse, peer, room_id.as_str(), &bob, room_version).await {
        Ok(room) => room,
        Err(error) => {
            println!("v{version} step 2: {error}");
            return (room_id.to_string(), 1);
        }
    };
    peer.rooms
        .lock()
        .unwrap()
        .insert(room_id.to_string(), joined);
    let member = cs::room_events::get_room_state_with_key::Request::new(
        room_id.clone(),
        "m.room.member".into(),
        bob.clone(),
    );
    let membership = alice
        .send(member)
        .await
        .map(|r| serde_json::to_value(r.body).unwrap());
    let is_join = membership
        .as_ref()
        .is_ok_and(|m| m.get("membership") == Some(&json!("join")));
    if !is_join {
        println!("v{version} step 2: Synapse shows {membership:?}");
        return (room_id.to_string(), 1);
    }

    // 3. The peer sends a message; Alice sees it in /sync.
    let sent = match send_message(synapse, peer, room_id.as_str(), &bob).await {
        Ok(id) => id,
        Err(error) => {
            println!("v{version} step 3: {error}");
            return (room_id.to_string(), 2);
        }
    };
    if !seen_in_sync(alice, &sent).await {
        println!("v{version} step 3: {sent} not in Alice's /sync");
        return (room_id.to_string(), 2);
    }

    // 4. Alice's events reach the peer, which fills the gaps the test makes.
    if let Err(error) = receive_step(peer, alice, &room_id, version).await {
        println!("v{version} step 4: {error}");
        return (room_id.to_string(), 3);
    }

    (room_id.to_string(), 4)
}

/// Step 4 in the room. Gap filled by `get_missing_events`: the peer drops Alice's message
/// unprocessed (as if lost), then gets her next message and topic change, fetches the lost
/// message and applies all three. Gap filled by `/event` and `/state_ids` (the peer told not to
/// use `get_missing_events`): the peer drops Alice's topic change and message, then gets her
/// next message, fetches the lost message, whose prev event is unknown, the state before it,
/// and the lost topic change of that state. Then the peer's current state equals the state Synapse reports through `/state`.
async fn receive_step(
    peer: &Peer,
    alice: &Client,
    room: &matrix_api_core::RoomId,
    version: &str,
) -> Result<(), String> {
    let message = |text: &str| {
        let body = cs::types::RoomMessageEventContent::text_plain(text);
        cs::room_events::send_message::Request::new(
            room.clone(),
            format!("{text}-{version}"),
            &body,
        )
        .map_err(|e| e.to_string())
    };
    let send = async |text: &str| -> Result<String, String> {
        let answer = alice.send(message(text)?).await;
        Ok(answer.map_err(|e| format!("{e:?}"))?.event_id.to_string())
    };
    let dropped = async |ids: &[&String]| {
        wait_for(peer, Duration::from_secs(30), |seen| {
            ids.iter().all(|id| {
                seen.received
                    .get(*id)
                    .is_some_and(|o| o == "dropped on purpose")
            })
        })
        .await
    };
    let no_order = |what: &str, received: &[&String]| {
        let seen = peer.seen.lock().unwrap();
        let outcomes: Vec<_> = received.iter().map(|id| seen.received.get(*id)).collect();
        format!(
            "{what}: outcomes {outcomes:?}, gap requests {:?}, problems {:?}",
            seen.gap_requests, seen.problems
        )
    };

    let asked_before = peer.seen.lock().unwrap().gap_requests.len();

    // get_missing_events.
    peer.drop_pdus.store(1, Ordering::SeqCst);
    let lost = send("lost").await?;
    if !dropped(&[&lost]).await {
        return Err(no_order("the lost message", &[&lost]));
    }
    let after = send("from Synapse").await?;
    let topic = set_state(
        alice,
        room,
        "m.room.topic",
        json!({"topic": format!("topic v{version}")}),
    )
    .await?;
    let all = [&lost, &after, &topic];
    if !wait_for(peer, Duration::from_secs(30), |seen| {
        all.iter().all(|id| accepted(seen, id))
    })
    .await
    {
        return Err(no_order("get_missing_events", &all));
    }
    {
        let seen = peer.seen.lock().unwrap();
        if seen.fetched.get(&lost) != Some(&"get_missing_events") {
            return Err(format!(
                "the lost message came by {:?}",
                seen.fetched.get(&lost)
            ));
        }
    }

    // /event and /state_ids.
    peer.skip_missing_events.store(true, Ordering::SeqCst);
    peer.drop_pdus.store(2, Ordering::SeqCst);
    let lost_topic = set_state(
        alice,
        room,
        "m.room.topic",
        json!({"topic": format!("lost topic v{version}")}),
    )
    .await?;
    let lost_message = send("lost again").await?;
    if !dropped(&[&lost_topic, &lost_message]).await {
        peer.skip_missing_events.store(false, Ordering::SeqCst);
        return Err(no_order("the lost events", &[&lost_topic, &lost_message]));
    }
    let last = send("after the gap").await?;
    let arrived = wait_for(peer, Duration::from_secs(30), |seen| {
        accepted(seen, &last) && accepted(seen, &lost_message)
    })
    .await;
    peer.skip_missing_events.store(false, Ordering::SeqCst);
    if !arrived {
        return Err(no_order("/event and /state_ids", &[&lost_message, &last]));
    }
    {
        // The lost message by /event, the state before it by /state_ids, the lost topic (in
        // that state) by /event.
        let seen = peer.seen.lock().unwrap();
        let asked = |request: String| seen.gap_requests.contains(&request);
        if seen.fetched.get(&lost_message) != Some(&"state_ids")
            || !asked(format!("event {lost_message}"))
            || !asked(format!("state_ids {lost_message}"))
            || !asked(format!("event {lost_topic}"))
        {
            return Err(format!(
                "the lost message came by {:?}, gap requests {:?}",
                seen.fetched.get(&lost_message),
                seen.gap_requests
            ));
        }
    }

    // The peer's state is Synapse's; the topic is the one it never received in a transaction.
    let theirs = synapse_state(alice, room).await?;
    let ours = peer.rooms.lock().unwrap()[room.as_str()]
        .current_state()
        .clone();
    if theirs != ours {
        return Err(format!(
            "current states differ: Synapse {theirs:?}, peer {ours:?}"
        ));
    }
    if ours.get(&("m.room.topic".to_owned(), String::new())) != Some(&lost_topic) {
        return Err("the current topic is not Alice's last".into());
    }
    let requests: Vec<String> = peer.seen.lock().unwrap().gap_requests[asked_before..]
        .iter()
        .map(|request| request.split(' ').next().unwrap_or_default().to_owned())
        .collect();
    println!(
        "v{version}: gaps filled on the wire ({}), the peer's {} state entries equal Synapse's",
        requests.join(", "),
        ours.len()
    );
    Ok(())
}

/// Step 5 in the room: each side changes the power levels and the topic from the same point,
/// so that the room forks; afterwards the peer's resolved current state equals the state
/// Synapse reports through `/state`.
async fn fork_step(
    synapse: &Synapse,
    peer: &Peer,
    alice: &Client,
    room_id: &str,
) -> Result<(), String> {
    let bob = format!("@bob:{}", peer.name());
    let alice_id = format!("@alice:{}", synapse.name());
    let (version, creator_listed) = {
        let rooms = peer.rooms.lock().unwrap();
        let version = rooms[room_id].version();
        (version, version.id != "12")
    };
    let levels = |invite: i64| {
        let mut users = serde_json::Map::new();
        if creator_listed {
            users.insert(alice_id.clone(), json!(100));
        }
        users.insert(bob.clone(), json!(100));
        json!({"users": users, "invite": invite})
    };
    let room: matrix_api_core::RoomId = room_id.parse().map_err(|_| "room ID")?;
    // Bob gets the power to change state; the peer applies it.
    let promote = set_state(alice, &room, "m.room.power_levels", levels(0)).await?;
    if !wait_for(peer, Duration::from_secs(30), |seen| {
        accepted(seen, &promote)
    })
    .await
    {
        return Err(format!(
            "Synapse's power levels {promote} did not reach the peer"
        ));
    }
    // The peer's topic and power levels, built and applied but not sent yet.
    let mut mine = Vec::new();
    for (event_type, content) in [
        ("m.room.topic", json!({"topic": "the peer's topic"})),
        ("m.room.power_levels", levels(2)),
    ] {
        let pdu = {
            let mut rooms = peer.rooms.lock().unwrap();
            let room = rooms.get_mut(room_id).ok_or("no room")?;
            let mut pdu = room
                .new_event(&bob, event_type, Some(""), object(content), now_ms())
                .map_err(|e| e.to_string())?;
            peer.identity
                .sign_event(&mut pdu, version)
                .map_err(|e| e.to_string())?;
            pdu
        };
        let checked = peer
            .check(&serde_json::to_vec(&pdu).unwrap(), version)
            .await?;
        let outcome = peer
            .rooms
            .lock()
            .unwrap()
            .get_mut(room_id)
            .ok_or("no room")?
            .receive(checked.event);
        if outcome != Ok(Outcome::Accepted) {
            return Err(format!("own {event_type}: {outcome:?}"));
        }
        mine.push(pdu);
    }
    // Alice's, concurrently, from Synapse's side of the fork.
    let topic = set_state(
        alice,
        &room,
        "m.room.topic",
        json!({"topic": "Alice's topic"}),
    )
    .await?;
    let power = set_state(alice, &room, "m.room.power_levels", levels(1)).await?;
    let arrived = wait_for(peer, Duration::from_secs(30), |seen| {
        accepted(seen, &topic) && accepted(seen, &power)
    })
    .await;
    if !arrived {
        let seen = peer.seen.lock().unwrap();
        return Err(format!(
            "Alice's fork: topic {:?}, power levels {:?}",
            seen.received.get(&topic),
            seen.received.get(&power)
        ));
    }
    let forked = peer.rooms.lock().unwrap()[room_id].extremities().len();
    if forked < 2 {
        return Err(format!("the room did not fork ({forked} extremity)"));
    }
    let client = peer
        .connector
        .client(&synapse.name().parse().unwrap())
        .map_err(|e| e.to_string())?;
    let answer = client
        .server_server()
        .send_transaction(
            format!("fork{}", now_ms()),
            peer.name().to_string(),
            i64::try_from(now_ms()).unwrap_or_default(),
            mine.iter().map(raw).collect(),
        )
        .await
        .map_err(|e| format!("send: {e:?}"))?;
    let results = serde_json::to_value(&answer.pdus).unwrap_or_default();
    if results
        .as_object()
        .is_some_and(|r| r.values().any(|v| v.get("error").is_some()))
    {
        return Err(format!("Synapse refused the peer's fork: {results}"));
    }
    // Both sides resolve the same fork: the same current state.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let theirs = synapse_state(alice, &room).await?;
        let ours = peer.rooms.lock().unwrap()[room_id].current_state().clone();
        if theirs == ours {
            println!(
                "v{}: fork resolved to the same {} state entries as Synapse (topic {})",
                version.id,
                ours.len(),
                ours.get(&("m.room.topic".to_owned(), String::new()))
                    .cloned()
                    .unwrap_or_default()
            );
            return Ok(());
        }
        if Instant::now() > deadline {
            let differ: Vec<_> = theirs
                .iter()
                .filter(|(key, id)| ours.get(*key) != Some(*id))
                .map(|(key, id)| format!("{key:?}: Synapse {id}, peer {:?}", ours.get(key)))
                .collect();
            return Err(format!("current states differ: {differ:?}"));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Whether the peer accepted the event.
fn accepted(seen: &peer::Seen, event_id: &str) -> bool {
    seen.received.get(event_id).is_some_and(|o| o == "accepted")
}

/// Alice sets a state event with an empty state key; its event ID.
async fn set_state(
    alice: &Client,
    room: &matrix_api_core::RoomId,
    event_type: &str,
    content: Value,
) -> Result<String, String> {
    let request = match event_type {
        "m.room.topic" => {
            let content: cs::types::RoomTopicEventContent =
                serde_json::from_value(content).map_err(|e| e.to_string())?;
            cs::room_events::set_room_state_with_key::Request::new(
                room.clone(),
                String::new(),
                &content,
            )
        }
        _ => {
            let content: cs::types::RoomPowerLevelsEventContent =
                serde_json::from_value(content).map_err(|e| e.to_string())?;
            cs::room_events::set_room_state_with_key::Request::new(
                room.clone(),
                String::new(),
                &content,
            )
        }
    }
    .map_err(|e| e.to_string())?;
    let answer = alice
        .send(request)
        .await
        .map_err(|e| format!("{event_type}: {e:?}"))?;
    Ok(answer.event_id.to_string())
}

/// The room's current state as Synapse reports it through `/state` (client API).
async fn synapse_state(
    alice: &Client,
    room: &matrix_api_core::RoomId,
) -> Result<matrix_state_res::StateMap, String> {
    let answer = alice
        .send(cs::room_events::get_room_state::Request::new(room.clone()))
        .await
        .map_err(|e| format!("/state: {e:?}"))?;
    let mut state = matrix_state_res::StateMap::new();
    for event in &answer.body {
        let event: Value = serde_json::from_str(event.json().get()).map_err(|e| e.to_string())?;
        let text = |field: &str| event[field].as_str().unwrap_or_default().to_owned();
        state.insert((text("type"), text("state_key")), text("event_id"));
    }
    Ok(state)
}

/// Step 6 in the room: the peer's user leaves; Synapse shows the leave.
async fn leave_step(synapse: &Synapse, peer: &Peer, alice: &Client, room_id: &str) -> bool {
    let bob = format!("@bob:{}", peer.name());
    let version = peer.rooms.lock().unwrap()[room_id].version().id;
    let room_id: matrix_api_core::RoomId = room_id.parse().unwrap();
    // 6. The peer's user leaves; Synapse shows the leave.
    match leave(synapse, peer, room_id.as_str(), &bob).await {
        Ok(()) => {}
        Err(error) => {
            println!("v{version} step 6: {error}");
            return false;
        }
    }
    let member = cs::room_events::get_room_state_with_key::Request::new(
        room_id.clone(),
        "m.room.member".into(),
        bob.clone(),
    );
    let membership = alice
        .send(member)
        .await
        .map(|r| serde_json::to_value(r.body).unwrap());
    if !membership
        .as_ref()
        .is_ok_and(|m| m.get("membership") == Some(&json!("leave")))
    {
        println!("v{version} step 6: Synapse shows {membership:?}");
        return false;
    }
    true
}

/// `make_leave`, the leave event signed and applied by the peer, `send_leave`.
async fn leave(synapse: &Synapse, peer: &Peer, room_id: &str, user: &str) -> Result<(), String> {
    let client = peer
        .connector
        .client(&synapse.name().parse().unwrap())
        .map_err(|e| e.to_string())?;
    let template = client
        .server_server()
        .make_leave(room_id.to_owned(), user.to_owned())
        .await
        .map_err(|e| format!("make_leave: {e:?}"))?;
    let version = RoomVersion::from_id(template.room_version.as_deref().unwrap_or_default())
        .ok_or("make_leave: no known room version")?;
    let template = template.event.ok_or("make_leave: no event")?;
    let Value::Object(mut event) = serde_json::to_value(&template).map_err(|e| e.to_string())?
    else {
        return Err("make_leave: the template is not an object".into());
    };
    event.insert("origin_server_ts".into(), json!(now_ms()));
    let event_id = peer
        .identity
        .sign_event(&mut event, version)
        .map_err(|e| e.to_string())?;
    let own = peer
        .check(
            &serde_json::to_vec(&event).map_err(|e| e.to_string())?,
            version,
        )
        .await?;
    let outcome = peer
        .rooms
        .lock()
        .unwrap()
        .get_mut(room_id)
        .ok_or("no room")?
        .receive(own.event);
    if outcome != Ok(Outcome::Accepted) {
        return Err(format!("own leave: {outcome:?}"));
    }
    let text = |field: &str| {
        event
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let content = serde_json::from_value(event["content"].clone()).map_err(|e| e.to_string())?;
    let mut request = send_leave_v2::Request::new(
        room_id.to_owned(),
        event_id,
        text("sender"),
        event["origin_server_ts"].as_i64().unwrap_or_default(),
        text("type"),
        text("state_key"),
        content,
        event["depth"].as_i64().unwrap_or_default(),
    );
    let named = [
        "sender",
        "origin_server_ts",
        "type",
        "state_key",
        "content",
        "depth",
    ];
    request.additional_properties = event
        .into_iter()
        .filter(|(key, _)| !named.contains(&key.as_str()))
        .collect();
    client
        .send(request)
        .await
        .map_err(|e| format!("send_leave: {e:?}"))?;
    Ok(())
}

/// `make_join`, the join event built and signed, `send_join`, and the checks of its answer.
async fn join(
    synapse: &Synapse,
    peer: &Peer,
    room_id: &str,
    user: &str,
    version: &'static RoomVersion,
) -> Result<Room, String> {
    let client = peer
        .connector
        .client(&synapse.name().parse().unwrap())
        .map_err(|e| e.to_string())?;
    let template = client
        .server_server()
        .make_join(room_id.to_owned(), user.to_owned())
        .with(|r| r.ver = vec![version.id.to_owned()])
        .await
        .map_err(|e| format!("make_join: {e:?}"))?;
    let template = template.event.ok_or("make_join: no event")?;
    let Value::Object(mut event) = serde_json::to_value(&template).map_err(|e| e.to_string())?
    else {
        return Err("make_join: the template is not an object".into());
    };
    event.insert("origin_server_ts".into(), json!(now_ms()));
    let event_id = peer
        .identity
        .sign_event(&mut event, version)
        .map_err(|e| e.to_string())?;
    let signed: EventTemplate =
        serde_json::from_value(Value::Object(event.clone())).map_err(|e| e.to_string())?;
    let answer = client
        .server_server()
        .send_join_v2(room_id.to_owned(), event_id.clone(), signed)
        .await
        .map_err(|e| format!("send_join: {e:?}"))?;

    // Everything returned is checked: format, signatures (keys fetched from Synapse), hashes.
    let mut checked = Vec::new();
    let mut state = matrix_state_res::StateMap::new();
    for (raw, is_state) in answer
        .auth_chain
        .iter()
        .map(|r| (r, false))
        .chain(answer.state.iter().map(|r| (r, true)))
    {
        let pdu = peer.check(raw.json().get().as_bytes(), version).await?;
        if pdu.redacted {
            return Err("send_join: an event's content hash does not match".into());
        }
        if is_state {
            let object = pdu.event.to_pdu();
            let key = (
                object["type"].as_str().unwrap_or_default().to_owned(),
                object["state_key"].as_str().unwrap_or_default().to_owned(),
            );
            state.insert(
                key,
                matrix_auth_rules::Event::event_id(&pdu.event).to_owned(),
            );
        }
        checked.push(pdu.event);
    }
    let mut room = Room::new(version, room_id);
    let statuses = room.insert_outliers(checked).map_err(|e| e.to_string())?;
    if let Some((id, status)) = statuses
        .iter()
        .find(|(_, s)| !matches!(s, matrix_federation::Status::Outlier))
    {
        return Err(format!(
            "send_join: {id} of the state or auth chain: {status:?}"
        ));
    }
    let own = peer
        .check(
            &serde_json::to_vec(&event).map_err(|e| e.to_string())?,
            version,
        )
        .await?;
    match room.receive_with_state(own.event, state) {
        Ok(Outcome::Accepted) => Ok(room),
        other => Err(format!("the join event: {other:?}")),
    }
}

/// A message of the peer's user in a `PUT /send` transaction; its event ID.
async fn send_message(
    synapse: &Synapse,
    peer: &Peer,
    room_id: &str,
    user: &str,
) -> Result<String, String> {
    let pdu = {
        let mut rooms = peer.rooms.lock().unwrap();
        let room = rooms.get_mut(room_id).ok_or("no room")?;
        let content = json!({"msgtype": "m.text", "body": "hello from the peer"});
        let Value::Object(content) = content else {
            return Err("content".into());
        };
        let mut pdu = room
            .new_event(user, "m.room.message", None, content, now_ms())
            .map_err(|e| e.to_string())?;
        peer.identity
            .sign_event(&mut pdu, room.version())
            .map_err(|e| e.to_string())?;
        pdu
    };
    let version = peer.rooms.lock().unwrap()[room_id].version();
    let checked = peer
        .check(&serde_json::to_vec(&pdu).unwrap(), version)
        .await?;
    let id = matrix_auth_rules::Event::event_id(&checked.event).to_owned();
    let outcome = peer
        .rooms
        .lock()
        .unwrap()
        .get_mut(room_id)
        .ok_or("no room")?
        .receive(checked.event);
    if outcome != Ok(Outcome::Accepted) {
        return Err(format!("own message: {outcome:?}"));
    }
    let client = peer
        .connector
        .client(&synapse.name().parse().unwrap())
        .map_err(|e| e.to_string())?;
    let answer = client
        .server_server()
        .send_transaction(
            format!("t{}", now_ms()),
            peer.name().to_string(),
            i64::try_from(now_ms()).unwrap_or_default(),
            vec![raw(&pdu)],
        )
        .await
        .map_err(|e| format!("send: {e:?}"))?;
    let result = serde_json::to_value(&answer.pdus).unwrap_or_default();
    match result.get(&id).and_then(|r| r.get("error")) {
        Some(error) => Err(format!("Synapse refused {id}: {error}")),
        None => Ok(id),
    }
}

/// Whether Alice's `/sync` shows the event within 30 s.
async fn seen_in_sync(alice: &Client, event_id: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut since = None;
    while Instant::now() < deadline {
        let mut request = cs::room_events::sync::Request::new();
        request.since = since.clone();
        request.timeout = Duration::from_secs(2);
        let Ok(response) = alice.send(request).await else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        let rooms = serde_json::to_string(&response.rooms).unwrap_or_default();
        if rooms.contains(event_id) {
            return true;
        }
        since = Some(response.next_batch);
    }
    false
}

/// Waits until `done` holds for what the peer saw (or `timeout` passes).
async fn wait_for(peer: &Peer, timeout: Duration, done: impl Fn(&peer::Seen) -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        let notified = peer.changed.notified();
        if done(&peer.seen.lock().unwrap()) {
            return true;
        }
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            return false;
        };
        let _ = tokio::time::timeout(left, notified).await;
    }
}

/// A PDU as an object (for the hostile table).
pub fn object(value: Value) -> JsonObject {
    match value {
        Value::Object(object) => object,
        _ => JsonObject::new(),
    }
}

/// Raw JSON of a PDU, for a transaction.
pub fn raw(pdu: &JsonObject) -> Raw<JsonObject> {
    Raw::new(pdu).unwrap()
}
