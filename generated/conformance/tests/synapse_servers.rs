//! The generated server stubs against the reference homeserver as their client: Synapse
//! sends application-service transactions and push notifications to a small server on
//! 127.0.0.1 that reads every request and writes every response with the generated
//! application-service and push-gateway code.

mod peers;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

use matrix_api_core::{IncomingRequest, OutgoingResponse};
use matrix_application_service_api as appservice;
use matrix_client_server_api as cs;
use matrix_push_gateway_api as push;
use peers::{Synapse, call, free_port};
use serde_json::json;

const HS_TOKEN: &str = "hs_token_conformance";

/// What the stub server received, parsed by the generated code.
#[derive(Debug)]
enum Received {
    Transaction(appservice::send_transaction::Request),
    Notification(Box<push::notify::Request>),
}

/// Reads one HTTP/1.1 request (Content-Length or chunked body).
fn read_request(stream: &TcpStream) -> Option<http::Request<Vec<u8>>> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut builder = http::Request::builder().method(method.as_str()).uri(target);
    let (mut length, mut chunked) = (0usize, false);
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().ok()?;
        }
        if name.eq_ignore_ascii_case("transfer-encoding") && value.eq_ignore_ascii_case("chunked") {
            chunked = true;
        }
        builder = builder.header(name, value);
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim(), 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    builder.body(body).ok()
}

fn write_response(mut stream: &TcpStream, response: http::Response<Vec<u8>>) {
    let mut head = format!(
        "HTTP/1.1 {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        response.status(),
        response.body().len()
    );
    for (name, value) in response.headers() {
        head.push_str(&format!(
            "{name}: {}\r\n",
            value.to_str().unwrap_or_default()
        ));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(response.body());
}

/// Routes a request to the generated stubs.
fn handle(
    request: http::Request<Vec<u8>>,
    seen: &mpsc::Sender<Received>,
) -> http::Response<Vec<u8>> {
    let path = request.uri().path().to_owned();
    if path.starts_with("/_matrix/app/") {
        let authorised = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some(&format!("Bearer {HS_TOKEN}"));
        assert!(authorised, "Synapse must send the hs_token");
    }
    if path.starts_with("/_matrix/app/v1/transactions/") {
        let transaction = appservice::send_transaction::Request::try_from_http_request(request)
            .expect("a valid transaction");
        let _ = seen.send(Received::Transaction(transaction));
        return appservice::send_transaction::Response {
            body: Default::default(),
        }
        .try_into_http_response()
        .unwrap();
    }
    if path == "/_matrix/push/v1/notify" {
        let notification =
            push::notify::Request::try_from_http_request(request).expect("a valid notification");
        let _ = seen.send(Received::Notification(Box::new(notification)));
        return push::notify::Response {
            rejected: Vec::new(),
        }
        .try_into_http_response()
        .unwrap();
    }
    // Everything else the application service does not know.
    appservice::query_user_by_id::Error::NotFound(matrix_api_core::MatrixError::new(
        matrix_api_core::ErrorCode::NotFound,
        "not here",
    ))
    .try_into_http_response()
    .unwrap()
}

fn serve(listener: TcpListener, seen: mpsc::Sender<Received>) {
    for stream in listener.incoming().flatten() {
        if let Some(request) = read_request(&stream) {
            write_response(&stream, handle(request, &seen));
        }
    }
}

fn user(agent: &ureq::Agent, base: &str, name: &str) -> String {
    let request = |auth| cs::register::Request {
        auth,
        username: Some(name.to_owned()),
        password: Some("pw-for-tests-only".into()),
        ..Default::default()
    };
    let session = match call(agent, base, request(None), None) {
        Err(matrix_api_core::FromHttpResponseError::Server(cs::register::Error::Unauthorized(
            uiaa,
        ))) => uiaa.session,
        other => panic!("expected 401, got {other:?}"),
    };
    let auth = cs::types::AuthenticationData {
        r#type: Some("m.login.dummy".into()),
        session,
        additional_properties: Default::default(),
    };
    call(agent, base, request(Some(auth)), None)
        .unwrap()
        .access_token
        .unwrap()
}

fn wait_for(
    received: &mpsc::Receiver<Received>,
    what: &str,
    matches: impl Fn(&Received) -> bool,
) -> Received {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match received.recv_timeout(left) {
            Ok(item) if matches(&item) => return item,
            Ok(_) => continue,
            Err(_) => break,
        }
    }
    panic!("Synapse sent no {what} within a minute");
}

#[test]
fn synapse_talks_to_generated_server_stubs() {
    let stub_port = free_port();
    let listener = TcpListener::bind(("127.0.0.1", stub_port)).unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || serve(listener, tx));

    let registration = std::env::temp_dir().join(format!(
        "conformance-as-{}-{stub_port}.yaml",
        std::process::id()
    ));
    std::fs::write(
        &registration,
        format!(
            "id: conformance\nurl: \"http://127.0.0.1:{stub_port}\"\nas_token: as_token_conformance\nhs_token: {HS_TOKEN}\n\
             sender_localpart: conformancebot\nrate_limited: false\nnamespaces:\n  users: []\n  aliases: []\n  rooms:\n    - {{exclusive: false, regex: \"!.*\"}}\n"
        ),
    )
    .unwrap();
    let extra = format!(
        "app_service_config_files: [\"{}\"]\nip_range_whitelist: [\"127.0.0.1\"]\n",
        registration.display()
    );
    let synapse = Synapse::start(Some(&extra));
    let base = synapse.base.as_str();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();

    let alice = user(&agent, base, "alice");
    let bob = user(&agent, base, "bob");
    let bob_id = call(&agent, base, cs::get_token_owner::Request {}, Some(&bob))
        .unwrap()
        .user_id;

    // Alice's pusher points at the stub push gateway.
    call(
        &agent,
        base,
        cs::post_pusher::Request {
            pushkey: "conformance-pushkey".into(),
            kind: Some("http".into()),
            app_id: "org.example.conformance".into(),
            app_display_name: Some("Conformance".into()),
            device_display_name: Some("test".into()),
            profile_tag: None,
            lang: Some("en".into()),
            data: Some(cs::types::PostPusherRequestData {
                url: Some(format!(
                    "http://127.0.0.1:{stub_port}/_matrix/push/v1/notify"
                )),
                format: None,
            }),
            append: None,
        },
        Some(&alice),
    )
    .unwrap();

    // A room of two: every message notifies the other member.
    let room = call(
        &agent,
        base,
        cs::create_room::Request {
            invite: Some(vec![bob_id]),
            preset: Some(cs::types::CreateRoomRequestPreset::TrustedPrivateChat),
            is_direct: Some(true),
            ..Default::default()
        },
        Some(&alice),
    )
    .unwrap()
    .room_id;
    call(
        &agent,
        base,
        cs::join_room_by_id::Request {
            room_id: room.clone(),
            third_party_signed: None,
            reason: None,
        },
        Some(&bob),
    )
    .unwrap();
    let sent = call(
        &agent,
        base,
        cs::send_message::Request {
            room_id: room.clone(),
            event_type: "m.room.message".into(),
            txn_id: "bob-1".into(),
            body: json!({"msgtype": "m.text", "body": "ping"})
                .as_object()
                .unwrap()
                .clone(),
        },
        Some(&bob),
    )
    .unwrap()
    .event_id;

    // The application service sees the message in a transaction.
    let transaction = wait_for(&rx, "transaction with the message", |r| match r {
        Received::Transaction(t) => t
            .events
            .iter()
            .any(|e| e.deserialize().is_ok_and(|e| e.event_id == sent)),
        Received::Notification(_) => false,
    });
    let Received::Transaction(transaction) = transaction else {
        unreachable!()
    };
    let event = transaction
        .events
        .iter()
        .map(|e| e.deserialize().unwrap())
        .find(|e| e.event_id == sent)
        .unwrap();
    assert_eq!(event.room_id, room);
    assert_eq!(event.content.get("body"), Some(&json!("ping")));

    // The push gateway gets a notification for Alice's device.
    let notification = wait_for(&rx, "push notification", |r| {
        matches!(r, Received::Notification(_))
    });
    let Received::Notification(notification) = notification else {
        unreachable!()
    };
    let notification = notification.notification;
    assert_eq!(notification.event_id.as_deref(), Some(sent.as_str()));
    assert_eq!(notification.room_id.as_deref(), Some(room.as_str()));
    assert_eq!(notification.devices[0].pushkey, "conformance-pushkey");
    assert_eq!(notification.devices[0].app_id, "org.example.conformance");
    let _ = std::fs::remove_file(&registration);
}
