//! Servers built on the generated stubs, with the reference homeserver as their client:
//! Synapse sends application-service transactions, user and room-alias queries and pings,
//! and push notifications, to one `matrix_server` router on 127.0.0.1 serving the
//! application-service and push-gateway traits.

mod peers;

use std::sync::mpsc;
use std::time::Duration;

use matrix_api_core::{ErrorCode, MatrixError, ServerName};
use matrix_application_service_api as appservice;
use matrix_client_server_api as cs;
use matrix_push_gateway_api as push;
use matrix_server::{Caller, HomeserverToken, Routes, ServerConfig};
use peers::{Synapse, call, free_port};

const HS_TOKEN: &str = "hs_token_conformance";
const AS_TOKEN: &str = "as_token_conformance";

/// What the servers received, as the generated code read it.
#[derive(Debug)]
enum Received {
    Transaction(appservice::transactions::send_transaction::Request),
    UserQuery(String),
    AliasQuery(String),
    Ping(Option<String>),
    Notification(Box<push::push::notify::Request>),
}

/// The application service and the push gateway: they record what they get.
struct Stubs {
    seen: std::sync::Mutex<mpsc::Sender<Received>>,
}

impl Stubs {
    fn record(&self, item: Received) {
        let _ = self.seen.lock().unwrap().send(item);
    }
}

impl appservice::server::ApplicationServiceApi for Stubs {
    async fn send_transaction(
        &self,
        request: appservice::transactions::send_transaction::Request,
        caller: Caller,
    ) -> Result<
        appservice::transactions::send_transaction::Response,
        appservice::transactions::send_transaction::Error,
    > {
        assert!(matches!(caller, Caller::Homeserver), "{caller:?}");
        self.record(Received::Transaction(request));
        Ok(appservice::transactions::send_transaction::Response::new(
            Default::default(),
        ))
    }

    async fn query_user_by_id(
        &self,
        request: appservice::query::query_user_by_id::Request,
        _caller: Caller,
    ) -> Result<
        appservice::query::query_user_by_id::Response,
        appservice::query::query_user_by_id::Error,
    > {
        self.record(Received::UserQuery(request.user_id));
        Err(appservice::query::query_user_by_id::Error::NotFound(
            MatrixError::new(ErrorCode::NotFound, "no such user here"),
        ))
    }

    async fn query_room_by_alias(
        &self,
        request: appservice::query::query_room_by_alias::Request,
        _caller: Caller,
    ) -> Result<
        appservice::query::query_room_by_alias::Response,
        appservice::query::query_room_by_alias::Error,
    > {
        self.record(Received::AliasQuery(request.room_alias));
        Err(appservice::query::query_room_by_alias::Error::NotFound(
            MatrixError::new(ErrorCode::NotFound, "no such room here"),
        ))
    }

    async fn ping(
        &self,
        request: appservice::ping::ping::Request,
        _caller: Caller,
    ) -> Result<appservice::ping::ping::Response, appservice::ping::ping::Error> {
        self.record(Received::Ping(request.transaction_id));
        Ok(appservice::ping::ping::Response::new(Default::default()))
    }
}

impl push::server::PushGatewayApi for Stubs {
    async fn notify(
        &self,
        request: push::push::notify::Request,
        _caller: Caller,
    ) -> Result<push::push::notify::Response, push::push::notify::Error> {
        self.record(Received::Notification(Box::new(request)));
        Ok(push::push::notify::Response::new(Vec::new()))
    }
}

/// Serves both APIs on one loopback port from a thread of its own.
fn serve(port: u16, seen: mpsc::Sender<Received>) {
    let stubs = Stubs {
        seen: std::sync::Mutex::new(seen),
    };
    let routes = appservice::server::add_routes(Routes::new(stubs));
    let routes = push::server::add_routes(routes);
    let name: ServerName = "localhost".parse().unwrap();
    let router = routes.into_router(ServerConfig::new(name, HomeserverToken::new(HS_TOKEN)));
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            matrix_server::axum::serve(listener, router).await.unwrap();
        });
    });
}

fn user(agent: &ureq::Agent, base: &str, name: &str) -> String {
    let request = |auth| {
        let mut request = cs::account::register::Request::new();
        request.auth = auth;
        request.username = Some(name.to_owned());
        request.password = Some("pw-for-tests-only".into());
        request
    };
    let session = match call(agent, base, request(None), None) {
        Err(matrix_api_core::FromHttpResponseError::Server(
            cs::account::register::Error::Unauthorized(uiaa),
        )) => uiaa.session,
        other => panic!("expected 401, got {other:?}"),
    };
    let auth = cs::types::AuthData::dummy(session);
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
    let (tx, rx) = mpsc::channel();
    serve(stub_port, tx);

    let registration = std::env::temp_dir().join(format!(
        "conformance-as-{}-{stub_port}.yaml",
        std::process::id()
    ));
    std::fs::write(
        &registration,
        format!(
            "id: conformance\nurl: \"http://127.0.0.1:{stub_port}\"\nas_token: {AS_TOKEN}\nhs_token: {HS_TOKEN}\n\
             sender_localpart: conformancebot\nrate_limited: false\nnamespaces:\n  users:\n    - {{exclusive: true, regex: \"@as_.*\"}}\n  aliases:\n    - {{exclusive: true, regex: \"#as_.*\"}}\n  rooms:\n    - {{exclusive: false, regex: \"!.*\"}}\n"
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

    // The application service answers Synapse's ping, through the router.
    let mut ping = cs::appservice::ping_appservice::Request::new("conformance".into());
    ping.transaction_id = Some("ping-1".into());
    let pong = call(&agent, base, ping, Some(AS_TOKEN)).unwrap();
    assert!(pong.duration_ms < Duration::from_secs(60));
    wait_for(
        &rx,
        "ping",
        |r| matches!(r, Received::Ping(Some(t)) if t == "ping-1"),
    );

    let alice = user(&agent, base, "alice");
    let bob = user(&agent, base, "bob");
    let bob_id = call(
        &agent,
        base,
        cs::session::get_token_owner::Request::new(),
        Some(&bob),
    )
    .unwrap()
    .user_id;
    let server = bob_id.server_name().to_owned();

    // Queries for the application service's namespaces reach it, typed: an invite of a
    // user Synapse does not know in the service's namespace makes it ask the service.
    let ghost = format!("@as_ghost:{server}");
    let lounge = call(
        &agent,
        base,
        cs::room::create_room::Request::new(),
        Some(&alice),
    )
    .unwrap()
    .room_id;
    let invite = cs::membership::invite_user::Request::new(lounge, ghost.parse().unwrap());
    let _ = call(&agent, base, invite, Some(&alice));
    wait_for(
        &rx,
        "user query",
        |r| matches!(r, Received::UserQuery(u) if *u == ghost),
    );
    let alias = format!("#as_lounge:{server}");
    let resolved = call(
        &agent,
        base,
        cs::alias::get_room_id_by_alias::Request::new(alias.parse().unwrap()),
        Some(&alice),
    );
    assert!(resolved.is_err(), "{resolved:?}");
    wait_for(
        &rx,
        "alias query",
        |r| matches!(r, Received::AliasQuery(a) if *a == alias),
    );

    // Alice's pusher points at the push gateway.
    let mut data = cs::push::post_pusher::PusherData::new();
    data.url = Some(format!(
        "http://127.0.0.1:{stub_port}/_matrix/push/v1/notify"
    ));
    let mut pusher = cs::push::post_pusher::Request::new(
        "conformance-pushkey".into(),
        Some("http".into()),
        "org.example.conformance".into(),
    );
    pusher.app_display_name = Some("Conformance".into());
    pusher.device_display_name = Some("test".into());
    pusher.lang = Some("en".into());
    pusher.data = Some(data);
    call(&agent, base, pusher, Some(&alice)).unwrap();

    // A room of two: every message notifies the other member.
    let mut create = cs::room::create_room::Request::new();
    create.invite = vec![bob_id];
    create.preset = Some(cs::room::create_room::Preset::TrustedPrivateChat);
    create.is_direct = Some(true);
    let room = call(&agent, base, create, Some(&alice)).unwrap().room_id;
    call(
        &agent,
        base,
        cs::membership::join_room_by_id::Request::new(room.clone()),
        Some(&bob),
    )
    .unwrap();
    let ping = cs::types::RoomMessageEventContent::text_plain("ping");
    let send =
        cs::room_events::send_message::Request::new(room.clone(), "bob-1".into(), &ping).unwrap();
    let sent = call(&agent, base, send, Some(&bob)).unwrap().event_id;

    // The application service sees the message in a transaction.
    let transaction = wait_for(&rx, "transaction with the message", |r| match r {
        Received::Transaction(t) => t
            .events
            .iter()
            .any(|e| e.deserialize().is_ok_and(|e| e.event_id == sent)),
        _ => false,
    });
    let Received::Transaction(transaction) = transaction else {
        unreachable!()
    };
    let event = transaction
        .events
        .iter()
        .find(|e| e.deserialize().is_ok_and(|e| e.event_id == sent))
        .unwrap();
    assert_eq!(event.deserialize().unwrap().room_id, room);
    match event
        .content::<cs::types::RoomMessageEventContent>()
        .unwrap()
    {
        cs::types::RoomMessageEventContent::Text(text) => assert_eq!(text.body, "ping"),
        other => panic!("expected a text message, got {other:?}"),
    }

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
