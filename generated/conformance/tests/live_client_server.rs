//! Live coverage of the client-server API: every one of its operations is sent through the
//! generated client (`matrix_client::Client` with `ClientServerExt`) to a throwaway Synapse
//! (`../shared/peers`, on 127.0.0.1 only, started and stopped here), and its answer read
//! into the typed response or a typed error.
//!
//! Synapse is set up to serve as much as it can: an admin made by shared-secret registration,
//! more users, rooms with threads, relations and a space, uploaded media (a real PNG, so
//! that thumbnails exist), pushers, filters, device keys, cross-signing keys and a key
//! backup, and the loopback options that switch more endpoints on: the client `.well-known`,
//! logins through an existing session, CAS for the SSO redirects (only the redirect is
//! used), an application service (the generated server stubs, on a loopback port) for
//! `ping`, third-party protocols and the application-service room directory, mail through
//! an SMTP sink on a loopback port, URL previews of a page on a loopback port, unauthenticated
//! media for the deprecated paths, TURN credentials, and the public room directory.
//!
//! Writes `target/live-coverage/client-server.json` (operationId → method, path, status,
//! HTTP status, note) and prints `client-server live: S success, E documented error, N not
//! served of 166`.

#![allow(deprecated)] // The deprecated operations are covered too.

mod live;
mod peers;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use live::recorder::{Recorder, no_redirect_client};
use live::report::Report;
use matrix_api_core::{EndpointError, OutgoingRequest, RoomOrAliasId, UserId};
use matrix_application_service_api as appservice;
use matrix_client::{Client, ErrorOf, Pending, ResponseOf};
use matrix_client_server_api as cs;
use matrix_client_server_api::client::ClientServerExt;
use matrix_codegen::ir::Api;
use matrix_event_format::SigningKey;
use matrix_push_gateway_api as push;
use matrix_server::{Caller, HomeserverToken, Routes, ServerConfig, axum};
use peers::{Synapse, free_port};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use cs::types::{AuthData, RoomMessageEventContent, UserIdentifier};

const PASSWORD: &str = "live-coverage password";
const AS_TOKEN: &str = "as_token_live_coverage";
const HS_TOKEN: &str = "hs_token_live_coverage";
const AS_ID: &str = "live-coverage";
const PROTOCOL: &str = "liveproto";
const SHARED_SECRET: &str = "live-coverage-shared-secret";
/// The successes this suite reaches against Synapse 1.163.2: fewer is a regression.
const MIN_SUCCESSES: usize = 156;

/// A generated type from JSON (for bodies with many nested members).
fn typed<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}"))
}

fn or_alias(id: &str) -> RoomOrAliasId {
    id.parse().unwrap()
}

fn object(value: Value) -> matrix_api_core::JsonObject {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// A client of the recording proxy: no retries (an error is an answer to report), no
/// redirects followed (the SSO redirects are the answer).
fn client(base: &str, token: Option<&str>) -> Client {
    let mut builder = Client::builder(base)
        .http_client(no_redirect_client())
        .no_retry();
    if let Some(token) = token {
        builder = builder.access_token(token);
    }
    builder.build().unwrap()
}

/// The user-interactive auth session of a 401 answer.
fn uia_session<E: EndpointError + Clone>(error: &matrix_client::Error<E>) -> Option<String> {
    let matrix_client::Error::Api(error) = error else {
        return None;
    };
    let http: http::Response<Vec<u8>> = error.clone().try_into_http_response().ok()?;
    let body: Value = serde_json::from_slice(http.body()).ok()?;
    body["session"].as_str().map(str::to_owned)
}

/// Sends a request that needs user-interactive auth: first without (Synapse answers 401
/// with a session), then with the user's password in that session.
async fn with_password<'c, R>(
    report: &mut Report,
    user: &UserId,
    make: impl Fn(Option<AuthData>) -> Pending<'c, R>,
) -> ResponseOf<R>
where
    R: OutgoingRequest + Send + 'c,
    ErrorOf<R>: EndpointError + Clone + std::fmt::Debug,
{
    let first = report.run(make(None)).await;
    let session = match &first {
        Err(error) if error.status().map(|s| s.as_u16()) == Some(401) => uia_session(error),
        _ => return first,
    };
    let auth = AuthData::password(UserIdentifier::from(user), PASSWORD, session);
    report.run(make(Some(auth))).await
}

/// Milliseconds since the epoch.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

// ---------------------------------------------------------------------------------------
// The application service and push gateway Synapse talks to (generated server stubs).

struct Bridge;

impl appservice::server::ApplicationServiceApi for Bridge {
    async fn ping(
        &self,
        _request: appservice::ping::ping::Request,
        _caller: Caller,
    ) -> Result<appservice::ping::ping::Response, appservice::ping::ping::Error> {
        Ok(appservice::ping::ping::Response::new(Default::default()))
    }

    async fn send_transaction(
        &self,
        _request: appservice::transactions::send_transaction::Request,
        _caller: Caller,
    ) -> Result<
        appservice::transactions::send_transaction::Response,
        appservice::transactions::send_transaction::Error,
    > {
        Ok(appservice::transactions::send_transaction::Response::new(
            Default::default(),
        ))
    }

    async fn get_protocol_metadata(
        &self,
        _request: appservice::thirdparty::get_protocol_metadata::Request,
        _caller: Caller,
    ) -> Result<
        appservice::thirdparty::get_protocol_metadata::Response,
        appservice::thirdparty::get_protocol_metadata::Error,
    > {
        Ok(
            appservice::thirdparty::get_protocol_metadata::Response::new(typed(json!({
                "user_fields": ["network", "nickname"],
                "location_fields": ["network", "channel"],
                "icon": "mxc://example.org/aBcDeFgH",
                "field_types": {
                    "network": {"regexp": "([a-z0-9]+\\.)*[a-z0-9]+", "placeholder": "irc.example.org"},
                    "nickname": {"regexp": "[^\\s#]+", "placeholder": "username"},
                    "channel": {"regexp": "#[^\\s]+", "placeholder": "#foobar"}
                },
                "instances": [{
                    "desc": "Live coverage network",
                    "icon": "mxc://example.org/JkLmNoPq",
                    "fields": {"network": "live.example.org"},
                    "network_id": "live"
                }]
            }))),
        )
    }

    async fn query_location_by_protocol(
        &self,
        request: appservice::thirdparty::query_location_by_protocol::Request,
        _caller: Caller,
    ) -> Result<
        appservice::thirdparty::query_location_by_protocol::Response,
        appservice::thirdparty::query_location_by_protocol::Error,
    > {
        Ok(
            appservice::thirdparty::query_location_by_protocol::Response::new(vec![typed(json!({
                "alias": "#bridge_lobby:example.org",
                "protocol": request.protocol,
                "fields": {"network": "live.example.org", "channel": "#lobby"}
            }))]),
        )
    }

    async fn query_user_by_protocol(
        &self,
        request: appservice::thirdparty::query_user_by_protocol::Request,
        _caller: Caller,
    ) -> Result<
        appservice::thirdparty::query_user_by_protocol::Response,
        appservice::thirdparty::query_user_by_protocol::Error,
    > {
        Ok(
            appservice::thirdparty::query_user_by_protocol::Response::new(vec![typed(json!({
                "userid": "@bridge_ghost:example.org",
                "protocol": request.protocol,
                "fields": {"network": "live.example.org", "nickname": "ghost"}
            }))]),
        )
    }
}

impl push::server::PushGatewayApi for Bridge {
    async fn notify(
        &self,
        _request: push::push::notify::Request,
        _caller: Caller,
    ) -> Result<push::push::notify::Response, push::push::notify::Error> {
        Ok(push::push::notify::Response::new(Vec::new()))
    }
}

/// The application service and push gateway on `listener`, and on `pages` a page for URL
/// previews and the one route of an identity server Synapse's msisdn delegate needs (phone
/// numbers are validated by the delegate: here it only hands out session IDs), served by
/// `runtime`.
fn serve(
    runtime: &tokio::runtime::Runtime,
    listener: std::net::TcpListener,
    pages: std::net::TcpListener,
) {
    let routes = appservice::server::add_routes(Routes::new(Bridge));
    let routes = push::server::add_routes(routes);
    let name = "127.0.0.1".parse().unwrap();
    let router = routes.into_router(ServerConfig::new(name, HomeserverToken::new(HS_TOKEN)));
    listener.set_nonblocking(true).unwrap();
    pages.set_nonblocking(true).unwrap();
    runtime.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        axum::serve(listener, router).await
    });
    let page = axum::Router::new()
        .route(
            "/_matrix/identity/api/v1/validate/msisdn/requestToken",
            axum::routing::post(|| async {
                (
                    [(http::header::CONTENT_TYPE, "application/json")],
                    json!({"sid": format!("msisdn-{}", now_ms())}).to_string(),
                )
            }),
        )
        .route(
            "/preview.html",
            axum::routing::get(|| async {
                (
                    [(http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    "<html><head><title>Live coverage</title>\
                 <meta property=\"og:title\" content=\"Live coverage page\">\
                 <meta property=\"og:description\" content=\"A page on a loopback port\">\
                 </head><body><p>Previewed by Synapse.</p></body></html>",
                )
            }),
        );
    runtime.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(pages).unwrap();
        axum::serve(listener, page).await
    });
}

// ---------------------------------------------------------------------------------------
// A real PNG (for thumbnails): an RGB gradient, stored (uncompressed) deflate blocks.

fn png(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut tagged = kind.to_vec();
        tagged.extend_from_slice(data);
        out.extend_from_slice(&tagged);
        out.extend_from_slice(&crc32(&tagged).to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            raw.extend_from_slice(&[(x * 255 / width) as u8, (y * 255 / height) as u8, 128]);
        }
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

// ---------------------------------------------------------------------------------------
// Keys: a device's ed25519 key signs its device keys and one-time keys; the cross-signing
// keys sign each other and the device. Keys come from fixed seeds.

/// A device's signing key (key ID `ed25519:DEVICE`) and its public key.
fn device_key(seed: u8, device: &str) -> (SigningKey, String) {
    let key = SigningKey::from_seed(&[seed; 32], device).unwrap();
    let public = key.verify_key().to_base64();
    (key, public)
}

/// A cross-signing key (key ID `ed25519:PUBLIC`) and its public key: the first seed from
/// `seed` up whose public key is a valid key version (no `+` or `/`).
fn cross_signing_key(seed: u8) -> (SigningKey, String) {
    (seed..=255)
        .find_map(|s| {
            let public = SigningKey::from_seed(&[s; 32], "probe")
                .ok()?
                .verify_key()
                .to_base64();
            let key = SigningKey::from_seed(&[s; 32], &public).ok()?;
            Some((key, public))
        })
        .unwrap()
}

fn signed(mut value: Value, user: &UserId, key: &SigningKey) -> Value {
    let object = value.as_object_mut().unwrap();
    matrix_event_format::sign_json(object, user.as_str(), key).unwrap();
    value
}

fn device_keys(user: &UserId, device: &str, key: &SigningKey, public: &str) -> Value {
    signed(
        json!({
            "user_id": user,
            "device_id": device,
            "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
            "keys": {
                format!("curve25519:{device}"): base64_of(&[device.len() as u8; 32]),
                format!("ed25519:{device}"): public,
            }
        }),
        user,
        key,
    )
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
}

// ---------------------------------------------------------------------------------------

/// What the suite started besides Synapse.
struct Setup {
    synapse: Synapse,
    mail: live::MailSink,
    page_port: u16,
    /// The application service and push gateway.
    bridge_port: u16,
    server_name: String,
}

#[test]
fn client_server_live_coverage() {
    let started = Instant::now();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("live-client-server-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let bridge = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let pages = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bridge_port = bridge.local_addr().unwrap().port();
    let page_port = pages.local_addr().unwrap().port();
    serve(&runtime, bridge, pages);
    let mail = live::MailSink::start(&dir);

    let registration = dir.join("appservice.yaml");
    std::fs::write(
        &registration,
        format!(
            "id: {AS_ID}\nurl: \"http://127.0.0.1:{bridge_port}\"\nas_token: {AS_TOKEN}\n\
             hs_token: {HS_TOKEN}\nsender_localpart: livebridge\nrate_limited: false\n\
             protocols: [\"{PROTOCOL}\"]\nnamespaces:\n  users:\n    - {{exclusive: true, regex: \"@bridge_.*\"}}\n\
             \x20 aliases:\n    - {{exclusive: true, regex: \"#bridge_.*\"}}\n  rooms: []\n"
        ),
    )
    .unwrap();
    // Nothing listens at the CAS URL: only Synapse's redirect to it is used.
    let cas_port = free_port();
    let extra = format!(
        r#"
serve_client_wellknown: true
registration_shared_secret: "{SHARED_SECRET}"
presence:
  enabled: true
user_directory:
  enabled: true
  search_all_users: true
login_via_existing_session:
  enabled: true
  require_ui_auth: true
cas_config:
  enabled: true
  server_url: "http://127.0.0.1:{cas_port}/cas"
app_service_config_files: ["{registration}"]
enable_authenticated_media: false
room_list_publication_rules:
  - action: allow
allow_public_rooms_without_auth: true
account_threepid_delegates:
  msisdn: "http://127.0.0.1:{page_port}"
url_preview_enabled: true
url_preview_ip_range_blacklist: ["0.0.0.0/0", "::/0"]
url_preview_ip_range_whitelist: ["127.0.0.1/32"]
ip_range_whitelist: ["127.0.0.1"]
email:
  smtp_host: 127.0.0.1
  smtp_port: {smtp}
  force_tls: false
  require_transport_security: false
  enable_tls: false
  notif_from: "Live coverage <noreply@example.org>"
  app_name: Live coverage
  enable_notifs: false
turn_uris: ["turn:127.0.0.1:3478?transport=udp"]
turn_shared_secret: "live-coverage-turn-secret"
turn_user_lifetime: 1h
"#,
        registration = registration.display(),
        smtp = mail.port,
    );
    ensure_url_preview_extra();
    let synapse = Synapse::start_loopback_named(Some(&extra));
    let startup = live::elapsed(started);
    let server_name = synapse.base.trim_start_matches("http://").to_owned();
    let setup = Setup {
        synapse,
        mail,
        page_port,
        bridge_port,
        server_name,
    };
    let report = runtime.block_on(run(&setup));
    report.write();
    println!(
        "client-server live: peers started in {startup}, whole suite {}",
        live::elapsed(started)
    );
    drop(setup);
    report.assert_read_and_explained();
    let stale = report.stale_reasons();
    assert!(
        stale.is_empty(),
        "operations explained as failing that succeeded (update explain()): {}",
        stale.join(", ")
    );
    let (successes, ..) = report.counts();
    assert!(
        successes >= MIN_SUCCESSES,
        "{successes} successes, fewer than the {MIN_SUCCESSES} reached before"
    );
}

/// Synapse's `url-preview` extra (beautifulsoup4), which the plain install leaves out and
/// without which Synapse refuses `url_preview_enabled`: installed into Synapse's venv with
/// its pip when missing.
fn ensure_url_preview_extra() {
    let python = peers::synapse_python();
    let present = Command::new(&python)
        .args(["-c", "import bs4"])
        .status()
        .is_ok_and(|s| s.success());
    if present {
        return;
    }
    let out = Command::new(&python)
        .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
        .arg("beautifulsoup4>=4.13.0")
        .output()
        .expect("pip runs");
    assert!(
        out.status.success(),
        "installing Synapse's url-preview extra failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The admin, made by Synapse's own shared-secret registration script.
fn register_admin(setup: &Setup) {
    let out = Command::new(peers::synapse_python())
        .args(["-m", "synapse._scripts.register_new_matrix_user"])
        .args(["-u", "admin", "-p", PASSWORD, "-a", "-k", SHARED_SECRET])
        .arg(&setup.synapse.base)
        .output()
        .expect("register_new_matrix_user runs");
    assert!(
        out.status.success(),
        "shared-secret registration failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A user and their first device.
struct User {
    id: UserId,
    token: String,
    device: String,
    client: Client,
}

async fn register(report: &mut Report, name: &str) -> User {
    let base = report.base().to_owned();
    let anonymous = client(&base, None);
    let request = |auth: Option<AuthData>| {
        anonymous.client_server().register().with(|r| {
            r.username = Some(name.to_owned());
            r.password = Some(PASSWORD.into());
            r.initial_device_display_name = Some(format!("{name}'s first device"));
            r.auth = auth;
        })
    };
    // The first call answers 401 with the flows and a session; the dummy stage completes it.
    let first = report.run(request(None)).await;
    let session = match &first {
        Err(error) => uia_session(error),
        Ok(_) => None,
    };
    let registered = report
        .run(request(Some(AuthData::dummy(session))))
        .await
        .unwrap_or_else(|e| panic!("{name} registers: {e}"));
    let token = registered.access_token.expect("an access token");
    User {
        id: registered.user_id,
        client: client(&base, Some(&token)),
        token,
        device: registered.device_id.expect("a device"),
    }
}

async fn login(report: &mut Report, name: &str, refresh: bool) -> User {
    let base = report.base().to_owned();
    let anonymous = client(&base, None);
    let logged_in = report
        .run(
            anonymous
                .client_server()
                .login(cs::session::login::Request::password(name, PASSWORD).login_info)
                .with(|r| r.refresh_token = Some(refresh)),
        )
        .await
        .unwrap_or_else(|e| panic!("{name} logs in: {e}"));
    User {
        id: logged_in.user_id,
        client: client(&base, Some(&logged_in.access_token)),
        token: logged_in.access_token,
        device: logged_in.device_id,
    }
}

async fn sync_token(user: &User) -> String {
    user.client
        .client_server()
        .sync()
        .with(|r| r.timeout = Duration::ZERO)
        .await
        .expect("sync")
        .next_batch
}

async fn run(setup: &Setup) -> Report {
    let recorder = Recorder::start(&setup.synapse.base).await;
    let mut owned = Report::new("client-server", Api::ClientServer, recorder);
    explain(&mut owned);
    let report = &mut owned;
    let base = report.base().to_owned();
    let server = setup.server_name.clone();
    let anonymous = client(&base, None);
    let cs = anonymous.client_server();

    // --- Discovery -----------------------------------------------------------------------
    report.run(cs.get_versions()).await.unwrap();
    let _ = report.run(cs.get_wellknown()).await;
    let _ = report.run(cs.get_wellknown_support()).await;
    let _ = report.run(cs.get_wellknown_policy()).await;
    let _ = report.run(cs.get_auth_metadata()).await;
    let _ = report.run(cs.get_login_flows()).await;
    let _ = report
        .run(cs.check_username_availability("alice".into()))
        .await;

    // --- Accounts ------------------------------------------------------------------------
    let alice = register(report, "alice").await;
    let bob = register(report, "bob").await;
    let carol = register(report, "carol").await;
    let dave = register(report, "dave").await;
    tokio::task::block_in_place(|| register_admin(setup));
    let admin = login(report, "admin", false).await;
    let a = alice.client.client_server();
    let b = bob.client.client_server();

    // A registration token, made with Synapse's admin API, then checked.
    let made = no_redirect_client()
        .post(format!(
            "{}/_synapse/admin/v1/registration_tokens/new",
            setup.synapse.base
        ))
        .bearer_auth(&admin.token)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(json!({"uses_allowed": 1}).to_string())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let made: Value = serde_json::from_slice(&made).unwrap_or_default();
    let registration_token = made["token"].as_str().unwrap_or_default().to_owned();
    let _ = report
        .run(cs.registration_token_validity(registration_token))
        .await;

    // --- Sessions ------------------------------------------------------------------------
    let _ = report.run(a.get_token_owner()).await;
    let second = login(report, "alice", true).await;
    if let Some(refresh) = report
        .run(
            anonymous
                .client_server()
                .login(cs::session::login::Request::password("alice", PASSWORD).login_info)
                .with(|r| r.refresh_token = Some(true)),
        )
        .await
        .ok()
        .and_then(|l| l.refresh_token)
    {
        let _ = report.run(cs.refresh(refresh)).await;
    }
    let login_token = with_password(report, &alice.id, |auth| {
        a.generate_login_token().with(|r| r.auth = auth)
    })
    .await;
    if let Ok(token) = login_token {
        let _ = report
            .run(cs.login(cs::session::login::Request::token(token.login_token).login_info))
            .await;
    }
    let _ = report
        .run(cs.redirect_to_sso("http://127.0.0.1/after-sso".into()))
        .await;
    let _ = report
        .run(cs.redirect_to_idp("cas".into(), "http://127.0.0.1/after-sso".into()))
        .await;

    // --- Profile -------------------------------------------------------------------------
    let _ = report
        .run(a.set_profile_field(
            alice.id.clone(),
            "displayname".into(),
            object(json!({"displayname": "Alice"})),
        ))
        .await;
    let _ = report
        .run(a.get_profile_field(alice.id.clone(), "displayname".into()))
        .await;
    let _ = report.run(a.get_user_profile(alice.id.clone())).await;
    let _ = report
        .run(a.set_profile_field(
            alice.id.clone(),
            "org.example.colour".into(),
            object(json!({"org.example.colour": "teal"})),
        ))
        .await;
    let _ = report
        .run(a.delete_profile_field(alice.id.clone(), "org.example.colour".into()))
        .await;

    // --- Rooms -------------------------------------------------------------------------
    let lobby = report
        .run(a.create_room().with(|r| {
            r.room_alias_name = Some("lobby".into());
            r.name = Some("Lobby".into());
            r.topic = Some("Live coverage".into());
            r.preset = Some(cs::room::create_room::Preset::PublicChat);
            r.visibility = cs::room::create_room::Visibility::Public;
        }))
        .await
        .expect("a room")
        .room_id;
    let lobby_alias: matrix_api_core::RoomAliasId = format!("#lobby:{server}").parse().unwrap();
    let _ = report
        .run(b.join_room(or_alias(lobby_alias.as_str())))
        .await;
    let private = report
        .run(a.create_room().with(|r| {
            r.preset = Some(cs::room::create_room::Preset::PrivateChat);
            r.name = Some("Private".into());
        }))
        .await
        .expect("a room")
        .room_id;
    let _ = report
        .run(a.invite_user(private.clone(), bob.id.clone()))
        .await;
    let _ = report.run(b.join_room_by_id(private.clone())).await;

    // Messages, a thread and relations.
    let mut sent = Vec::new();
    for (i, text) in ["hello from the live suite", "a second message", "a third"]
        .iter()
        .enumerate()
    {
        let content = RoomMessageEventContent::text_plain(*text);
        let pending = a
            .send_message(lobby.clone(), format!("txn-{i}"), &content)
            .unwrap();
        if let Ok(r) = report.run(pending).await {
            sent.push(r.event_id);
        }
    }
    let root = sent[0].clone();
    let mut reply = cs::types::RoomMessageTextEventContent::plain("a reply in a thread");
    reply.additional_properties.insert(
        "m.relates_to".into(),
        json!({"rel_type": "m.thread", "event_id": root}),
    );
    let reply = RoomMessageEventContent::Text(reply);
    let _ = report
        .run(
            b.send_message(lobby.clone(), "thread-1".into(), &reply)
                .unwrap(),
        )
        .await;
    let reaction: cs::events::ReactionEventContent = typed(json!({
        "m.relates_to": {"rel_type": "m.annotation", "event_id": root, "key": "👍"}
    }));
    let _ = report
        .run(
            b.send_message(lobby.clone(), "reaction-1".into(), &reaction)
                .unwrap(),
        )
        .await;
    let topic = cs::types::RoomTopicEventContent::new("a topic set by the live suite".into());
    let _ = report
        .run(
            a.set_room_state_with_key(lobby.clone(), String::new(), &topic)
                .unwrap(),
        )
        .await;
    let _ = report.run(a.get_room_state(lobby.clone())).await;
    let _ = report
        .run(a.get_room_state_with_key(lobby.clone(), "m.room.topic".into(), String::new()))
        .await;
    let _ = report
        .run(a.get_joined_members_by_room(lobby.clone()))
        .await;
    let _ = report.run(a.get_members_by_room(lobby.clone())).await;
    let _ = report
        .run(a.get_room_events(lobby.clone(), cs::room_events::get_room_events::Dir::B))
        .await;
    let _ = report
        .run(a.get_event_context(lobby.to_string(), sent[1].to_string()))
        .await;
    let _ = report
        .run(a.get_one_room_event(lobby.clone(), sent[1].clone()))
        .await;
    let _ = report.run(a.get_one_event(sent[1].clone())).await;
    let _ = report.run(a.room_initial_sync(lobby.clone())).await;
    let _ = report
        .run(a.initial_sync().with(|r| r.limit = Some(2)))
        .await;
    let _ = report
        .run(a.get_events().with(|r| r.timeout = Some(Duration::ZERO)))
        .await;
    let _ = report
        .run(
            a.peek_events(lobby.to_string())
                .with(|r| r.timeout = Some(Duration::ZERO)),
        )
        .await;
    let _ = report.run(a.get_joined_rooms()).await;
    let _ = report
        .run(a.set_typing(lobby.clone(), alice.id.clone(), true))
        .await;
    let _ = report
        .run(a.post_receipt(
            lobby.clone(),
            cs::room_events::post_receipt::ReceiptType::MRead,
            sent[2].clone(),
        ))
        .await;
    let _ = report
        .run(a.set_read_marker(lobby.to_string()).with(|r| {
            r.fully_read = Some(sent[2].to_string());
        }))
        .await;
    let _ = report
        .run(a.redact_event(lobby.clone(), sent[2].clone(), "redact-1".into()))
        .await;
    let _ = report.run(a.get_thread_roots(lobby.to_string())).await;
    let _ = report
        .run(a.get_relating_events(lobby.clone(), root.clone()))
        .await;
    let _ = report
        .run(a.get_relating_events_with_rel_type(lobby.clone(), root.clone(), "m.thread".into()))
        .await;
    let _ = report
        .run(a.get_relating_events_with_rel_type_and_event_type(
            lobby.clone(),
            root.clone(),
            "m.annotation".into(),
            "m.reaction".into(),
        ))
        .await;
    let _ = report
        .run(a.get_event_by_timestamp(
            lobby.clone(),
            now_ms(),
            cs::room_events::get_event_by_timestamp::Dir::B,
        ))
        .await;
    let _ = report
        .run(a.search(typed(json!({
            "room_events": {"search_term": "hello", "keys": ["content.body"]}
        }))))
        .await;
    let _ = report
        .run(
            a.report_event(lobby.to_string(), sent[1].to_string())
                .with(|r| {
                    r.reason = Some("a report from the live suite".into());
                }),
        )
        .await;
    let _ = report
        .run(a.report_room(lobby.to_string(), "a report from the live suite".into()))
        .await;
    let _ = report
        .run(a.report_user(bob.id.clone(), "a report from the live suite".into()))
        .await;
    let _ = report.run(a.get_mutual_rooms(bob.id.clone())).await;

    // Aliases and the directory.
    let alias: matrix_api_core::RoomAliasId = format!("#second:{server}").parse().unwrap();
    let _ = report
        .run(a.set_room_alias(alias.clone(), lobby.clone()))
        .await;
    let _ = report.run(a.get_room_id_by_alias(alias.clone())).await;
    let _ = report.run(a.get_local_aliases(lobby.clone())).await;
    let _ = report.run(a.delete_room_alias(alias)).await;
    let _ = report
        .run(
            a.set_room_visibility_on_directory(private.clone())
                .with(|r| {
                    r.visibility =
                        cs::directory::set_room_visibility_on_directory::Visibility::Public;
                }),
        )
        .await;
    let _ = report
        .run(a.get_room_visibility_on_directory(lobby.clone()))
        .await;
    let _ = report.run(cs.get_public_rooms()).await;
    let _ = report
        .run(a.query_public_rooms().with(|r| r.limit = Some(10)))
        .await;
    let _ = report
        .run(a.get_room_summary(or_alias(lobby_alias.as_str())))
        .await;

    // Knocking, kicks and bans, leaving and forgetting, upgrades, spaces.
    let knockable = report
        .run(a.create_room().with(|r| {
            r.initial_state = vec![typed(json!({
                "type": "m.room.join_rules", "state_key": "", "content": {"join_rule": "knock"}
            }))];
        }))
        .await
        .expect("a room")
        .room_id;
    let _ = report.run(b.knock_room(or_alias(knockable.as_str()))).await;
    let _ = report
        .run(a.kick(private.clone(), bob.id.clone()).with(|r| {
            r.reason = Some("the live suite kicks".into());
        }))
        .await;
    let _ = report.run(a.ban(private.clone(), bob.id.clone())).await;
    let _ = report.run(a.unban(private.clone(), bob.id.clone())).await;
    let _ = report.run(b.leave_room(lobby.clone())).await;
    let _ = report.run(b.forget_room(lobby.clone())).await;
    let _ = report
        .run(b.join_room(or_alias(lobby_alias.as_str())))
        .await;
    let old = report.run(a.create_room()).await.expect("a room").room_id;
    let _ = report
        .run(a.upgrade_room(old.to_string(), "11".into()))
        .await;
    let space = report
        .run(a.create_room().with(|r| {
            r.name = Some("Space".into());
            r.creation_content = object(json!({"type": "m.space"}));
        }))
        .await
        .expect("a space")
        .room_id;
    let child: cs::events::SpaceChildEventContent =
        typed(json!({"via": [server.clone()], "suggested": true}));
    let _ = report
        .run(
            a.set_room_state_with_key(space.clone(), lobby.to_string(), &child)
                .unwrap(),
        )
        .await;
    let _ = report.run(a.get_space_hierarchy(space.to_string())).await;

    // --- Filters and sync ----------------------------------------------------------------
    let filter: cs::types::Filter = typed(json!({
        "room": {"timeline": {"limit": 5, "types": ["m.room.message"]}},
        "presence": {"not_types": ["*"]}
    }));
    if let Ok(defined) = report.run(a.define_filter(alice.id.clone(), filter)).await {
        let _ = report
            .run(a.get_filter(alice.id.clone(), defined.filter_id.clone()))
            .await;
        let _ = report
            .run(a.sync().with(|r| {
                r.filter = Some(matrix_api_core::IdOrInline::Id(defined.filter_id));
                r.timeout = Duration::ZERO;
            }))
            .await;
    }

    // --- Account data and tags -----------------------------------------------------------
    let ignored: cs::events::IgnoredUserListEventContent =
        typed(json!({"ignored_users": {"@nobody:example.org": {}}}));
    let _ = report
        .run(a.set_account_data(alice.id.to_string(), &ignored).unwrap())
        .await;
    let _ = report
        .run(a.get_account_data(alice.id.to_string(), "m.ignored_user_list".into()))
        .await;
    let marked: cs::events::MarkedUnreadEventContent = typed(json!({"unread": true}));
    let _ = report
        .run(
            a.set_account_data_per_room(alice.id.to_string(), lobby.to_string(), &marked)
                .unwrap(),
        )
        .await;
    let _ = report
        .run(a.get_account_data_per_room(
            alice.id.to_string(),
            lobby.to_string(),
            "m.marked_unread".into(),
        ))
        .await;
    let _ = report
        .run(a.set_room_tag(
            alice.id.to_string(),
            lobby.to_string(),
            "m.favourite".into(),
            typed(json!({"order": 0.5})),
        ))
        .await;
    let _ = report
        .run(a.get_room_tags(alice.id.to_string(), lobby.to_string()))
        .await;
    let _ = report
        .run(a.delete_room_tag(
            alice.id.to_string(),
            lobby.to_string(),
            "m.favourite".into(),
        ))
        .await;

    // --- Presence ------------------------------------------------------------------------
    let _ = report
        .run(
            a.set_presence(
                alice.id.to_string(),
                cs::presence::set_presence::Presence::Online,
            )
            .with(|r| r.status_msg = Some("covering".into())),
        )
        .await;
    let _ = report.run(a.get_presence(alice.id.to_string())).await;

    // --- Push ----------------------------------------------------------------------------
    let _ = report
        .run(
            a.post_pusher(
                "live-pushkey".into(),
                Some("http".into()),
                "org.example.live".into(),
            )
            .with(|r| {
                r.app_display_name = Some("Live".into());
                r.device_display_name = Some("live device".into());
                r.lang = Some("en".into());
                r.data = Some(typed(json!({
                    "url": format!("http://127.0.0.1:{}/_matrix/push/v1/notify", setup.bridge_port)
                })));
            }),
        )
        .await;
    let _ = report.run(a.get_pushers()).await;
    let _ = report.run(a.get_push_rules()).await;
    let _ = report.run(a.get_push_rules_global()).await;
    use cs::push::{
        delete_push_rule, get_push_rule, get_push_rule_actions, is_push_rule_enabled,
        set_push_rule, set_push_rule_actions, set_push_rule_enabled,
    };
    let _ = report
        .run(
            a.set_push_rule(
                set_push_rule::Kind::Override,
                "org.example.live".into(),
                vec![set_push_rule::Action::String("notify".into())],
            )
            .with(|r| {
                r.conditions = vec![typed(json!({
                    "kind": "event_match", "key": "content.body", "pattern": "covered"
                }))];
            }),
        )
        .await;
    let _ = report
        .run(a.get_push_rule(get_push_rule::Kind::Override, "org.example.live".into()))
        .await;
    let _ = report
        .run(a.set_push_rule_actions(
            set_push_rule_actions::Kind::Override,
            "org.example.live".into(),
            vec![typed(json!("notify"))],
        ))
        .await;
    let _ = report
        .run(a.get_push_rule_actions(
            get_push_rule_actions::Kind::Override,
            "org.example.live".into(),
        ))
        .await;
    let _ = report
        .run(a.set_push_rule_enabled(
            set_push_rule_enabled::Kind::Override,
            "org.example.live".into(),
            typed(json!({"enabled": false})),
        ))
        .await;
    let _ = report
        .run(a.is_push_rule_enabled(
            is_push_rule_enabled::Kind::Override,
            "org.example.live".into(),
        ))
        .await;
    let _ = report
        .run(a.delete_push_rule(delete_push_rule::Kind::Override, "org.example.live".into()))
        .await;
    let _ = report.run(a.get_notifications()).await;

    // --- Devices -------------------------------------------------------------------------
    let _ = report.run(a.get_devices()).await;
    let _ = report.run(a.get_device(alice.device.clone())).await;
    let _ = report
        .run(
            a.update_device(alice.device.clone())
                .with(|r| r.display_name = Some("alice's phone".into())),
        )
        .await;
    let _ = with_password(report, &alice.id, |auth| {
        a.delete_device(second.device.clone())
            .with(|r| r.auth = auth)
    })
    .await;
    let spare1 = login(report, "alice", false).await;
    let spare2 = login(report, "alice", false).await;
    let _ = with_password(report, &alice.id, |auth| {
        a.delete_devices(vec![spare1.device.clone(), spare2.device.clone()])
            .with(|r| r.auth = auth)
    })
    .await;

    // --- End-to-end keys -----------------------------------------------------------------
    let before_keys = sync_token(&alice).await;
    let (alice_key, alice_public) = device_key(1, &alice.device);
    let (bob_key, bob_public) = device_key(2, &bob.device);
    let alice_device_keys = device_keys(&alice.id, &alice.device, &alice_key, &alice_public);
    let _ = report
        .run(a.upload_keys().with(|r| {
            r.device_keys = Some(typed(alice_device_keys.clone()));
        }))
        .await;
    let otk_id = "signed_curve25519:AAAAAQ";
    let otk = signed(json!({"key": base64_of(&[7; 32])}), &bob.id, &bob_key);
    let _ = report
        .run(b.upload_keys().with(|r| {
            r.device_keys = Some(typed(device_keys(
                &bob.id,
                &bob.device,
                &bob_key,
                &bob_public,
            )));
            r.one_time_keys = Some(typed(json!({ otk_id: otk })));
        }))
        .await;
    let _ = report
        .run(a.query_keys(BTreeMap::from([(bob.id.clone(), Vec::new())])))
        .await;
    let _ = report
        .run(a.claim_keys(BTreeMap::from([(
            bob.id.clone(),
            BTreeMap::from([(bob.device.clone(), "signed_curve25519".to_owned())]),
        )])))
        .await;
    // Cross-signing: master, self-signing and user-signing keys, the latter two signed by
    // the master key; then the device signed by the self-signing key.
    let (master, master_public) = cross_signing_key(11);
    let (self_signing, self_public) = cross_signing_key(60);
    let (_, user_public) = cross_signing_key(140);
    let cross = |usage: &str, public: &str| {
        json!({
            "user_id": alice.id,
            "usage": [usage],
            "keys": {format!("ed25519:{public}"): public}
        })
    };
    let master_key = cross("master", &master_public);
    let self_key = signed(cross("self_signing", &self_public), &alice.id, &master);
    let user_key = signed(cross("user_signing", &user_public), &alice.id, &master);
    let _ = with_password(report, &alice.id, |auth| {
        a.upload_cross_signing_keys().with(|r| {
            r.master_key = Some(typed(master_key.clone()));
            r.self_signing_key = Some(typed(self_key.clone()));
            r.user_signing_key = Some(typed(user_key.clone()));
            r.auth = auth;
        })
    })
    .await;
    let device_signed = signed(alice_device_keys.clone(), &alice.id, &self_signing);
    let _ = report
        .run(a.upload_cross_signing_signatures(BTreeMap::from([(
            alice.id.clone(),
            BTreeMap::from([(alice.device.clone(), object(device_signed))]),
        )])))
        .await;
    let after_keys = sync_token(&alice).await;
    let _ = report
        .run(a.get_keys_changes(before_keys, after_keys))
        .await;
    let _ = report
        .run(a.send_to_device(
            "org.example.live".into(),
            "to-device-1".into(),
            BTreeMap::from([(
                bob.id.clone(),
                BTreeMap::from([(bob.device.clone(), object(json!({"hello": "bob"})))]),
            )]),
        ))
        .await;

    // --- Key backup ----------------------------------------------------------------------
    let auth_data = object(json!({"public_key": base64_of(&[9; 32])}));
    let backup = report
        .run(a.post_room_keys_version(auth_data.clone()))
        .await
        .map(|r| r.version)
        .unwrap_or_default();
    let _ = report.run(a.get_room_keys_version_current()).await;
    let _ = report.run(a.get_room_keys_version(backup.clone())).await;
    let _ = report
        .run(a.put_room_keys_version(backup.clone(), auth_data))
        .await;
    let session = |n: i64| -> cs::types::KeyBackupData {
        typed(json!({
            "first_message_index": n,
            "forwarded_count": 0,
            "is_verified": true,
            "session_data": {"ephemeral": "base64+ephemeral+key", "ciphertext": "base64+ciphertext", "mac": "base64+mac"}
        }))
    };
    let room = lobby.to_string();
    let _ = report
        .run(a.put_room_key_by_session_id(
            room.clone(),
            "session-1".into(),
            backup.clone(),
            session(1),
        ))
        .await;
    let _ = report
        .run(a.put_room_keys_by_room_id(
            room.clone(),
            backup.clone(),
            typed(json!({"sessions": {"session-2": serde_json::to_value(session(2)).unwrap()}})),
        ))
        .await;
    let _ = report
        .run(a.put_room_keys(
            backup.clone(),
            BTreeMap::from([(
                lobby.clone(),
                typed(
                    json!({"sessions": {"session-3": serde_json::to_value(session(3)).unwrap()}}),
                ),
            )]),
        ))
        .await;
    let _ = report
        .run(a.get_room_key_by_session_id(room.clone(), "session-1".into(), backup.clone()))
        .await;
    let _ = report
        .run(a.get_room_keys_by_room_id(room.clone(), backup.clone()))
        .await;
    let _ = report.run(a.get_room_keys(backup.clone())).await;
    let _ = report
        .run(a.delete_room_key_by_session_id(room.clone(), "session-1".into(), backup.clone()))
        .await;
    let _ = report
        .run(a.delete_room_keys_by_room_id(room.clone(), backup.clone()))
        .await;
    let _ = report.run(a.delete_room_keys(backup.clone())).await;
    let _ = report.run(a.delete_room_keys_version(backup)).await;

    // --- Media ---------------------------------------------------------------------------
    let _ = report.run(a.get_config()).await;
    let _ = report.run(a.get_config_authed()).await;
    let image = png(64, 48);
    let uploaded = report
        .run(a.upload_content(image.clone()).with(|r| {
            r.content_type = Some("image/png".into());
            r.filename = Some("gradient.png".into());
        }))
        .await;
    if let Ok(uploaded) = uploaded {
        let media_server: matrix_api_core::ServerName =
            uploaded.content_uri.server_name().parse().unwrap();
        let media_id = uploaded.content_uri.media_id().to_owned();
        let _ = report
            .run(a.get_content(media_server.clone(), media_id.clone()))
            .await;
        let _ = report
            .run(a.get_content_authed(media_server.clone(), media_id.clone()))
            .await;
        let _ = report
            .run(a.get_content_override_name(
                media_server.clone(),
                media_id.clone(),
                "renamed.png".into(),
            ))
            .await;
        let _ = report
            .run(a.get_content_override_name_authed(
                media_server.clone(),
                media_id.clone(),
                "renamed.png".into(),
            ))
            .await;
        let _ = report
            .run(a.get_content_thumbnail(media_server.clone(), media_id.clone(), 32, 32))
            .await;
        let _ = report
            .run(a.get_content_thumbnail_authed(media_server, media_id, 32, 32))
            .await;
    }
    if let Ok(created) = report.run(a.create_content()).await {
        let media_server: matrix_api_core::ServerName =
            created.content_uri.server_name().parse().unwrap();
        let media_id = created.content_uri.media_id().to_owned();
        let _ = report
            .run(
                a.upload_content_to_mxc(media_server, media_id, image.clone())
                    .with(|r| r.content_type = Some("image/png".into())),
            )
            .await;
    }
    let page = format!("http://127.0.0.1:{}/preview.html", setup.page_port);
    let _ = report.run(a.get_url_preview_authed(page.clone())).await;
    let _ = report.run(a.get_url_preview(page)).await;

    // --- Server facts, VoIP, users -------------------------------------------------------
    let _ = report.run(a.get_capabilities()).await;
    let _ = report.run(a.get_turn_server()).await;
    let _ = report.run(a.search_user_directory("bob".into())).await;
    let _ = report
        .run(a.request_open_id_token(alice.id.to_string(), Default::default()))
        .await;
    let _ = report
        .run(admin.client.client_server().get_who_is(bob.id.to_string()))
        .await;

    // --- Application service -------------------------------------------------------------
    let bridge = Client::builder(&base)
        .http_client(no_redirect_client())
        .no_retry()
        .appservice(AS_TOKEN, None)
        .build()
        .unwrap();
    let bs = bridge.client_server();
    let _ = report
        .run(bs.ping_appservice(AS_ID.into()).with(|r| {
            r.transaction_id = Some("live-ping".into());
        }))
        .await;
    let _ = report
        .run(bs.update_appservice_room_directory_visibility(
            "live".into(),
            lobby.to_string(),
            cs::appservice_directory::update_appservice_room_directory_visibility::Visibility::Public,
        ))
        .await;
    let _ = report.run(a.get_protocols()).await;
    let _ = report.run(a.get_protocol_metadata(PROTOCOL.into())).await;
    let _ = report
        .run(a.query_location_by_protocol(PROTOCOL.into()).with(|r| {
            r.fields = BTreeMap::from([("channel".to_owned(), "#lobby".to_owned())]);
        }))
        .await;
    let _ = report
        .run(a.query_user_by_protocol(PROTOCOL.into()).with(|r| {
            r.fields = BTreeMap::from([("nickname".to_owned(), "ghost".to_owned())]);
        }))
        .await;
    let _ = report
        .run(a.query_location_by_alias("#bridge_lobby:example.org".into()))
        .await;
    let _ = report
        .run(a.query_third_party_user_by_id("@bridge_ghost:example.org".into()))
        .await;

    // --- Third-party identifiers (mail through the SMTP sink) ----------------------------
    let _ = report.run(a.get_account_3pids()).await;
    let email = "alice@example.org".to_owned();
    let secret = "live-client-secret-1".to_owned();
    let requested = report
        .run(
            a.request_3pid_email_token(cs::types::RequestEmailValidation::new(
                secret.clone(),
                email.clone(),
                1,
            )),
        )
        .await;
    if let Ok(requested) = requested {
        // The mail's link validates the session, as a user's click would.
        let mail = tokio::task::block_in_place(|| setup.mail.wait_for(&email));
        if let Some(link) = live::find_url(&mail, &setup.synapse.base) {
            let link = link.replace("&amp;", "&");
            let _ = no_redirect_client().get(&link).send().await;
        }
        let sid = requested.request_token_response.sid;
        let _ = with_password(report, &alice.id, |auth| {
            a.add_3pid(secret.clone(), sid.clone())
                .with(|r| r.auth = auth)
        })
        .await;
        // The deprecated way adds the address of the same validated session again.
        let creds = cs::types::ThreePidCredentials::new(
            secret.clone(),
            format!("127.0.0.1:{}", free_port()),
            "no-identity-token".into(),
            sid,
        );
        let _ = report.run(a.post_3pids(creds)).await;
    }
    let _ = report
        .run(
            cs.request_password_reset_email_token(cs::types::RequestEmailValidation::new(
                "live-client-secret-2".into(),
                email.clone(),
                1,
            )),
        )
        .await;
    let _ = report
        .run(
            cs.request_registration_email_token(cs::types::RequestEmailValidation::new(
                "live-client-secret-3".into(),
                "newcomer@example.org".into(),
                1,
            )),
        )
        .await;
    let msisdn = |secret: &str| {
        cs::types::RequestMsisdnValidation::new(secret.into(), "GB".into(), "7700900123".into(), 1)
    };
    let _ = report
        .run(a.request_3pid_msisdn_token(msisdn("live-client-secret-4")))
        .await;
    let _ = report
        .run(cs.request_password_reset_msisdn_token(msisdn("live-client-secret-5")))
        .await;
    let _ = report
        .run(cs.request_registration_msisdn_token(msisdn("live-client-secret-6")))
        .await;
    // Binding needs an identity server; the loopback address given has none.
    let no_identity_server = format!("127.0.0.1:{}", free_port());
    let creds = cs::types::ThreePidCredentials::new(
        "live-client-secret-1".into(),
        no_identity_server.clone(),
        "no-identity-token".into(),
        "1".into(),
    );
    let _ = report.run(a.bind_3pid(creds)).await;
    let _ = report
        .run(a.invite_by_3pid(
            private.clone(),
            cs::types::Invite3pid::new(
                no_identity_server,
                "no-identity-token".into(),
                "email".into(),
                "invitee@example.org".into(),
            ),
        ))
        .await;
    let _ = report.run(a.get_account_3pids()).await;
    let _ = report
        .run(a.unbind_3pid_from_account(
            cs::account::unbind_3pid_from_account::Medium::Email,
            email.clone(),
        ))
        .await;
    let _ = report
        .run(
            a.delete_3pid_from_account(cs::account::delete_3pid_from_account::Medium::Email, email),
        )
        .await;

    // --- Admin endpoints of the client-server API ------------------------------------------
    let ad = admin.client.client_server();
    let _ = report.run(ad.get_admin_lock_user(carol.id.clone())).await;
    let _ = report
        .run(ad.set_admin_lock_user(carol.id.clone(), false))
        .await;
    let _ = report
        .run(ad.get_admin_suspend_user(carol.id.clone()))
        .await;
    let _ = report
        .run(ad.set_admin_suspend_user(carol.id.clone(), false))
        .await;

    // --- The end of sessions and accounts ------------------------------------------------
    let c = carol.client.client_server();
    let _ = with_password(report, &carol.id, |auth| {
        c.change_password("a new live-coverage password".into())
            .with(|r| {
                r.auth = auth;
                r.logout_devices = false;
            })
    })
    .await;
    let _ = report
        .run(c.deactivate_account().with(|r| {
            r.auth = Some(AuthData::password(
                UserIdentifier::from(&carol.id),
                "a new live-coverage password",
                None,
            ));
        }))
        .await;
    let d = dave.client.client_server();
    let _ = report.run(d.logout_all()).await;
    let _ = report.run(bob.client.client_server().logout()).await;
    owned
}

/// Why an operation cannot succeed against this Synapse (what it does not serve, or serves
/// only with what a loopback test cannot give it), and how the less usual successes are
/// reached.
fn explain(report: &mut Report) {
    const NO_TLS_IDENTITY_SERVER: &str = "Synapse reaches the identity server given in the \
        request over https only (https://ID_SERVER/_matrix/identity/v2/...), and this suite \
        runs no TLS identity server: the loopback address given has none, so Synapse answers \
        500 (the identity suite covers the identity side against Sydent)";
    const NOT_IN_SYNAPSE: &str = "Synapse 1.163.2 does not serve this endpoint of v1.19 \
        (no servlet, not even under an unstable prefix), so it answers 404 M_UNRECOGNIZED";
    for (operation, why) in [
        ("bind3PID", NO_TLS_IDENTITY_SERVER),
        ("inviteBy3PID", NO_TLS_IDENTITY_SERVER),
        (
            "getAuthMetadata",
            "Synapse serves it only with OAuth 2.0 authentication delegated to Matrix \
             Authentication Service (MSC3861), a separate server; with its own password \
             logins it answers 404 M_UNRECOGNIZED, the documented answer",
        ),
        ("getAdminLockUser", NOT_IN_SYNAPSE),
        ("setAdminLockUser", NOT_IN_SYNAPSE),
        ("getAdminSuspendUser", NOT_IN_SYNAPSE),
        ("setAdminSuspendUser", NOT_IN_SYNAPSE),
        (
            "requestTokenToResetPasswordMSISDN",
            "Synapse 1.163.2 has no servlet for password resets by phone number (only by \
             e-mail), so it answers 404 M_UNRECOGNIZED",
        ),
        (
            "getWellknownSupport",
            "Synapse 1.163.2 serves only /.well-known/matrix/client and /server; this path \
             gets Twisted's HTML 404 page, not a Matrix error",
        ),
        (
            "getWellknownPolicy",
            "Synapse 1.163.2 serves only /.well-known/matrix/client and /server; this path \
             gets Twisted's HTML 404 page, not a Matrix error",
        ),
    ] {
        report.reason(operation, why);
    }
    const BRIDGE: &str = "Synapse asks the registered application service: the generated \
        application-service server stubs on a loopback port";
    const DELEGATE: &str = "Synapse proxies the request to its msisdn delegate \
        (account_threepid_delegates.msisdn): a stub identity-server route on a loopback port \
        that hands out a session ID";
    const SSO: &str = "the redirect (302) to the CAS server configured on a loopback port \
        (nothing listens there: the redirect is the answer)";
    for (operation, note) in [
        ("pingAppservice", BRIDGE),
        ("getProtocols", BRIDGE),
        ("getProtocolMetadata", BRIDGE),
        ("queryLocationByProtocol", BRIDGE),
        ("queryUserByProtocol", BRIDGE),
        ("queryLocationByAlias", BRIDGE),
        ("queryUserByID", BRIDGE),
        (
            "updateAppserviceRoomDirectoryVisibility",
            "as the application service (its as_token)",
        ),
        ("requestTokenTo3PIDMSISDN", DELEGATE),
        ("requestTokenToRegisterMSISDN", DELEGATE),
        ("redirectToSSO", SSO),
        ("redirectToIdP", SSO),
        (
            "getUrlPreview",
            "a page on a loopback port (allowed by url_preview_ip_range_whitelist)",
        ),
        (
            "getUrlPreviewAuthed",
            "a page on a loopback port (allowed by url_preview_ip_range_whitelist)",
        ),
        (
            "add3PID",
            "the address validated through the link Synapse mailed to the SMTP sink",
        ),
        (
            "post3PIDs",
            "the session validated for add3PID (Synapse checks its own session store)",
        ),
    ] {
        report.note(operation, note);
    }
}
