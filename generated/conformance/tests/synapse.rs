//! The generated client-server types against the reference homeserver: a throwaway Synapse
//! (installed from PyPI by `../shared/peers`, on 127.0.0.1 only) is driven through
//! registration with user-interactive auth, login, room creation, typed messages, sync with
//! a filter, state and aliases, every request built and every response read by the
//! generated code, as a small bot would.

mod peers;

use matrix_api_core::{FromHttpResponseError, IdOrInline, Raw};
use matrix_client_server_api as cs;
use peers::{Synapse, call};

use cs::types::{AuthData, RoomMessageEventContent, RoomTopicEventContent};

fn register_request(username: &str, auth: Option<AuthData>) -> cs::account::register::Request {
    let mut request = cs::account::register::Request::new();
    request.auth = auth;
    request.username = Some(username.to_owned());
    request.password = Some("correct horse battery staple".into());
    request.initial_device_display_name = Some("conformance test".into());
    request
}

#[test]
fn a_client_session_against_synapse() {
    let synapse = Synapse::start(None);
    let base = synapse.base.as_str();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();

    let versions = call(&agent, base, cs::admin::get_versions::Request::new(), None).unwrap();
    assert!(
        versions.versions.iter().any(|v| v.starts_with("v1.")),
        "{:?}",
        versions.versions
    );

    // Registration: the first call answers 401 with the user-interactive auth flows.
    let session = match call(&agent, base, register_request("alice", None), None) {
        Err(FromHttpResponseError::Server(cs::account::register::Error::Unauthorized(uiaa))) => {
            assert!(
                uiaa.flows.iter().any(|f| f.stages == ["m.login.dummy"]),
                "{:?}",
                uiaa.flows
            );
            uiaa.session.expect("a session")
        }
        other => panic!("expected 401 with flows, got {other:?}"),
    };
    let auth = AuthData::dummy(Some(session));
    let registered = call(&agent, base, register_request("alice", Some(auth)), None).unwrap();
    assert_eq!(registered.user_id.localpart(), "alice");
    // Tokens stay out of logs.
    assert!(!format!("{registered:?}").contains(registered.access_token.as_deref().unwrap()));

    // Taking the name again is a typed 400 with M_USER_IN_USE.
    match call(&agent, base, register_request("alice", None), None) {
        Err(FromHttpResponseError::Server(cs::account::register::Error::BadRequest(e))) => {
            assert_eq!(e.errcode.as_str(), "M_USER_IN_USE")
        }
        other => panic!("expected M_USER_IN_USE, got {other:?}"),
    }

    let login = cs::session::login::Request::password("alice", "correct horse battery staple");
    assert!(!format!("{login:?}").contains("battery"), "{login:?}");
    let login = call(&agent, base, login, None).unwrap();
    let token = Some(login.access_token.as_str());

    let whoami = call(
        &agent,
        base,
        cs::session::get_token_owner::Request::new(),
        token,
    )
    .unwrap();
    assert_eq!(whoami.user_id, registered.user_id);

    let mut create = cs::room::create_room::Request::new();
    create.room_alias_name = Some("conformance".into());
    create.name = Some("Conformance".into());
    create.preset = Some(cs::room::create_room::Preset::PrivateChat);
    let room = call(&agent, base, create, token).unwrap();

    // Typed contents are sent as they are: their event types fill the path.
    let text = RoomMessageEventContent::text_plain("hello from the generated client");
    let send =
        cs::room_events::send_message::Request::new(room.room_id.clone(), "txn1".into(), &text)
            .unwrap();
    assert_eq!(send.event_type, "m.room.message");
    let sent = call(&agent, base, send, token).unwrap();
    let notice = RoomMessageEventContent::notice_plain("and a notice");
    let send =
        cs::room_events::send_message::Request::new(room.room_id.clone(), "txn2".into(), &notice)
            .unwrap();
    call(&agent, base, send, token).unwrap();
    let topic = RoomTopicEventContent::new("generated code meets Synapse".into());
    let set_topic = cs::room_events::set_room_state_with_key::Request::new(
        room.room_id.clone(),
        String::new(),
        &topic,
    )
    .unwrap();
    call(&agent, base, set_topic, token).unwrap();

    let state = call(
        &agent,
        base,
        cs::room_events::get_room_state::Request::new(room.room_id.clone()),
        token,
    )
    .unwrap();
    let types: Vec<String> = state
        .body
        .iter()
        .map(|e| e.deserialize().unwrap().r#type)
        .collect();
    for expected in [
        "m.room.create",
        "m.room.member",
        "m.room.power_levels",
        "m.room.name",
        "m.room.topic",
        "m.room.canonical_alias",
    ] {
        assert!(
            types.iter().any(|t| t == expected),
            "{expected} missing from {types:?}"
        );
    }

    // The room alias resolves to the room.
    let alias = call(
        &agent,
        base,
        cs::alias::get_room_id_by_alias::Request::new(
            format!("#conformance:{}", registered.user_id.server_name())
                .parse()
                .unwrap(),
        ),
        token,
    )
    .unwrap();
    assert_eq!(alias.room_id, Some(room.room_id.clone()));

    // Sync with an inline filter: the timeline holds the message, read typed from the raw
    // event without writing it out again.
    let mut filter = cs::types::Filter::default();
    let mut timeline = cs::types::RoomEventFilter::default();
    timeline.types = Some(vec!["m.room.message".into()]);
    filter.room.timeline = timeline;
    let mut sync = cs::room_events::sync::Request::new();
    sync.filter = Some(IdOrInline::Inline(filter));
    let sync = call(&agent, base, sync, token).unwrap();
    let joined = &sync.rooms.join[&room.room_id];
    let events: &Vec<Raw<_>> = &joined.timeline.as_ref().unwrap().events;
    assert!(!events.is_empty());
    let message = events
        .iter()
        .find(|raw| raw.deserialize().unwrap().event_id == sent.event_id)
        .expect("the message is in the timeline");
    match message.content::<RoomMessageEventContent>().unwrap() {
        RoomMessageEventContent::Text(text) => {
            assert_eq!(text.body, "hello from the generated client")
        }
        other => panic!("expected a text message, got {other:?}"),
    }
    assert!(
        events
            .iter()
            .all(|raw| raw.event_type().as_deref() == Some("m.room.message"))
    );

    // A state event's content, typed.
    let member = call(
        &agent,
        base,
        cs::room_events::get_room_state_with_key::Request::new(
            room.room_id.clone(),
            "m.room.member".into(),
            registered.user_id.to_string(),
        ),
        token,
    )
    .unwrap();
    let content = serde_json::to_string(&member.body).unwrap();
    match cs::events::AnyEventContent::parse("m.room.member", &content).unwrap() {
        cs::events::AnyEventContent::RoomMember(member) => {
            assert_eq!(member.membership.as_str(), "join")
        }
        other => panic!("expected m.room.member content, got {other:?}"),
    }

    // Errors come back typed: an unknown alias is a 404 with M_NOT_FOUND.
    match call(
        &agent,
        base,
        cs::alias::get_room_id_by_alias::Request::new(
            format!("#nowhere:{}", registered.user_id.server_name())
                .parse()
                .unwrap(),
        ),
        token,
    ) {
        Err(FromHttpResponseError::Server(cs::alias::get_room_id_by_alias::Error::NotFound(e))) => {
            assert_eq!(e.errcode.as_str(), "M_NOT_FOUND")
        }
        other => panic!("expected 404, got {other:?}"),
    }
}
