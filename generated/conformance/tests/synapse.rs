//! The generated client-server types against the reference homeserver: a throwaway Synapse
//! (installed from PyPI by `../shared/peers`, on 127.0.0.1 only) is driven through
//! registration with user-interactive auth, login, room creation, messages, sync, state and
//! profiles, every request built and every response read by the generated code.

mod peers;

use matrix_api_core::FromHttpResponseError;
use matrix_client_server_api as cs;
use peers::{Synapse, call};
use serde_json::json;

fn register_request(
    username: &str,
    auth: Option<cs::types::AuthenticationData>,
) -> cs::register::Request {
    cs::register::Request {
        auth,
        username: Some(username.to_owned()),
        password: Some("correct horse battery staple".into()),
        initial_device_display_name: Some("conformance test".into()),
        ..Default::default()
    }
}

#[test]
fn a_client_session_against_synapse() {
    let synapse = Synapse::start(None);
    let base = synapse.base.as_str();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();

    let versions = call(&agent, base, cs::get_versions::Request {}, None).unwrap();
    assert!(
        versions.versions.iter().any(|v| v.starts_with("v1.")),
        "{:?}",
        versions.versions
    );

    // Registration: the first call answers 401 with the user-interactive auth flows.
    let session = match call(&agent, base, register_request("alice", None), None) {
        Err(FromHttpResponseError::Server(cs::register::Error::Unauthorized(uiaa))) => {
            assert!(
                uiaa.flows.iter().any(|f| f.stages == ["m.login.dummy"]),
                "{:?}",
                uiaa.flows
            );
            uiaa.session.expect("a session")
        }
        other => panic!("expected 401 with flows, got {other:?}"),
    };
    let auth = cs::types::AuthenticationData {
        r#type: Some("m.login.dummy".into()),
        session: Some(session),
        additional_properties: Default::default(),
    };
    let registered = call(&agent, base, register_request("alice", Some(auth)), None).unwrap();
    assert_eq!(registered.user_id.localpart(), "alice");

    // Taking the name again is a typed 400 with M_USER_IN_USE.
    match call(&agent, base, register_request("alice", None), None) {
        Err(FromHttpResponseError::Server(cs::register::Error::BadRequest(e))) => {
            assert_eq!(e.errcode.as_str(), "M_USER_IN_USE")
        }
        other => panic!("expected M_USER_IN_USE, got {other:?}"),
    }

    let login = call(
        &agent,
        base,
        cs::login::Request {
            r#type: "m.login.password".into(),
            identifier: Some(cs::types::UserIdentifier {
                r#type: "m.id.user".into(),
                additional_properties: [("user".to_owned(), json!("alice"))].into(),
            }),
            user: None,
            medium: None,
            address: None,
            password: Some("correct horse battery staple".into()),
            token: None,
            device_id: None,
            initial_device_display_name: None,
            refresh_token: None,
        },
        None,
    )
    .unwrap();
    let token = Some(login.access_token.as_str());

    let whoami = call(&agent, base, cs::get_token_owner::Request {}, token).unwrap();
    assert_eq!(whoami.user_id, registered.user_id);

    let room = call(
        &agent,
        base,
        cs::create_room::Request {
            room_alias_name: Some("conformance".into()),
            name: Some("Conformance".into()),
            topic: Some("generated code meets Synapse".into()),
            preset: Some(cs::types::CreateRoomRequestPreset::PrivateChat),
            ..Default::default()
        },
        token,
    )
    .unwrap();

    let content = json!({"msgtype": "m.text", "body": "hello from the generated client"});
    let sent = call(
        &agent,
        base,
        cs::send_message::Request {
            room_id: room.room_id.clone(),
            event_type: "m.room.message".into(),
            txn_id: "txn1".into(),
            body: content.as_object().unwrap().clone(),
        },
        token,
    )
    .unwrap();

    let state = call(
        &agent,
        base,
        cs::get_room_state::Request {
            room_id: room.room_id.clone(),
        },
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
        cs::get_room_id_by_alias::Request {
            room_alias: format!("#conformance:{}", registered.user_id.server_name())
                .parse()
                .unwrap(),
        },
        token,
    )
    .unwrap();
    assert_eq!(alias.room_id, Some(room.room_id.clone()));

    let sync = call(
        &agent,
        base,
        cs::sync::Request {
            timeout: Some(0),
            ..Default::default()
        },
        token,
    )
    .unwrap();
    let joined = sync.rooms.unwrap().join.unwrap();
    let timeline = joined[&room.room_id].timeline.as_ref().unwrap();
    let message = timeline
        .events
        .iter()
        .map(|raw| raw.deserialize().unwrap())
        .find(|event| event.event_id == sent.event_id)
        .expect("the message is in the timeline");
    assert_eq!(serde_json::Value::Object(message.content.clone()), content);

    // A typed content from the event types.
    let member = call(
        &agent,
        base,
        cs::get_room_state_with_key::Request {
            room_id: room.room_id.clone(),
            event_type: "m.room.member".into(),
            state_key: registered.user_id.to_string(),
            format: None,
        },
        token,
    )
    .unwrap();
    let content = serde_json::to_string(&member.body).unwrap();
    match cs::events::AnyEventContent::parse("m.room.member", &content).unwrap() {
        cs::events::AnyEventContent::RoomMember(member) => {
            assert_eq!(
                serde_json::to_value(&member.membership).unwrap(),
                json!("join")
            )
        }
        other => panic!("expected m.room.member content, got {other:?}"),
    }

    // Errors come back typed: an unknown alias is a 404 with M_NOT_FOUND.
    match call(
        &agent,
        base,
        cs::get_room_id_by_alias::Request {
            room_alias: format!("#nowhere:{}", registered.user_id.server_name())
                .parse()
                .unwrap(),
        },
        token,
    ) {
        Err(FromHttpResponseError::Server(cs::get_room_id_by_alias::Error::NotFound(e))) => {
            assert_eq!(e.errcode.as_str(), "M_NOT_FOUND")
        }
        other => panic!("expected 404, got {other:?}"),
    }
}
