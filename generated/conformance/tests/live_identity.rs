//! Live coverage of the identity API: every one of its operations is sent through the
//! generated client (`IdentityExt`) to Sydent, the reference identity server, and its answer
//! read into the typed response. `../shared/peers/identity/start-identity-stack.sh` starts
//! Synapse (for OpenID tokens and federation lookups), Sydent, and SMTP and SMS sinks on
//! loopback ports; validation tokens are read from the sinks, as a user would read them.
//!
//! Writes `target/live-coverage/identity.json` (operationId → method, path, status,
//! HTTP status, note) and prints `identity live: S success, E documented error, N not
//! served of 23`.

mod live;
mod peers;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use live::report::Report;
use matrix_api_core::UserId;
use matrix_client::Client;
use matrix_client_server_api::client::ClientServerExt;
use matrix_client_server_api::types::AuthData;
use matrix_codegen::ir::Api;
use matrix_identity_api as is;
use matrix_identity_api::client::IdentityExt;
use sha2::Digest;

/// The stack of `start-identity-stack.sh`, stopped when dropped.
struct Stack {
    dir: PathBuf,
    env: std::collections::BTreeMap<String, String>,
}

impl Stack {
    fn start() -> Stack {
        let base = free_base();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("live-identity-{}-{base}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = Command::new(peers::peers_dir().join("identity/start-identity-stack.sh"))
            .arg(&dir)
            .arg(base.to_string())
            .output()
            .expect("start-identity-stack.sh runs");
        let mut stack = Stack {
            dir: dir.clone(),
            env: Default::default(),
        };
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("READY"),
            "the identity stack did not start: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(dir.join("env")).unwrap();
        stack.env = text
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.trim_matches('\'').to_owned()))
            .collect();
        stack
    }

    fn get(&self, key: &str) -> &str {
        self.env
            .get(key)
            .unwrap_or_else(|| panic!("{key} missing from the stack's env"))
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = Command::new(peers::peers_dir().join("identity/stop-identity-stack.sh"))
            .arg(&self.dir)
            .output();
    }
}

/// A base port whose offsets used by the stack (+8, +25, +90, +99, +448) are free on
/// 127.0.0.1.
fn free_base() -> u16 {
    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        ^ std::process::id();
    for _ in 0..200 {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let base = 20_000 + (seed >> 8) as u16 % 40_000;
        let free = [8u16, 25, 90, 99, 448]
            .iter()
            .all(|offset| std::net::TcpListener::bind(("127.0.0.1", base + offset)).is_ok());
        if free {
            return base;
        }
    }
    panic!("no free base port for the identity stack");
}

/// A name unique to this run.
fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}{:x}{}", nanos % 0xffff_ffff, std::process::id())
}

/// The text of the last SMS the sink got for `msisdn` (Sydent sends OpenMarket JSON).
fn wait_for_sms(log: &str, msisdn: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        for line in text.lines().rev() {
            let Ok(record) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let mt = &record["body"]["mobileTerminate"];
            if mt["destination"]["address"].as_str() == Some(msisdn) {
                return mt["message"]["content"].as_str().unwrap_or_default().into();
            }
        }
        assert!(Instant::now() < deadline, "no SMS to {msisdn} within 20 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The word after `marker` in `text`.
fn word_after(text: &str, marker: &str) -> Option<String> {
    let at = text.find(marker)? + marker.len();
    Some(
        text[at..]
            .trim_start()
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect(),
    )
}

#[test]
fn identity_live_coverage() {
    let started = Instant::now();
    let stack = Stack::start();
    let startup = live::elapsed(started);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(run(&stack));
    report.write();
    println!(
        "identity live: stack started in {startup}, whole suite {}",
        live::elapsed(started)
    );
    report.assert_read_and_explained();
}

async fn run(stack: &Stack) -> Report {
    let recorder = live::recorder::Recorder::start(stack.get("IS")).await;
    let mut report = Report::new("identity", Api::Identity, recorder);
    let hs_name = stack.get("HS_NAME").to_owned();
    let mail = live::MailSink::existing(Path::new(stack.get("MAIL")));
    let sms_log = stack.get("SMS_LOG").to_owned();
    let anonymous = Client::builder(report.base()).build().unwrap();
    let is = anonymous.identity();

    // Unauthenticated: discovery, keys, terms.
    report.run(is.get_versions()).await.unwrap();
    report.run(is.ping_v2()).await.unwrap();
    let key = report
        .run(is.get_pub_key_v2("ed25519:0".into()))
        .await
        .unwrap();
    let valid = report
        .run(is.is_pub_key_valid_v2(key.public_key.clone()))
        .await
        .unwrap();
    assert!(valid.valid);
    let terms = report.run(is.get_terms()).await.unwrap();
    let urls: Vec<String> = terms
        .policies
        .values()
        .flat_map(|policy| policy.additional_properties.values())
        .map(|lang| lang.url.clone())
        .collect();

    // An account through an OpenID token of a Synapse user (the generated client-server
    // client on the stack's homeserver).
    let homeserver = Client::builder(stack.get("HS")).build().unwrap();
    let cs = homeserver.client_server();
    let user = unique("u");
    let registered = cs
        .register()
        .with(|r| {
            r.username = Some(user.clone());
            r.password = Some(format!("pw-{user}"));
            r.auth = Some(AuthData::dummy(None));
        })
        .await
        .expect("a Synapse user registers");
    let mxid: UserId = registered.user_id.clone();
    homeserver.set_access_token(registered.access_token.clone());
    let openid = cs
        .request_open_id_token(mxid.to_string(), Default::default())
        .await
        .expect("Synapse gives an OpenID token")
        .open_id_credentials;
    let credentials = is::auth::register_account::OpenIdCredentials::new(
        openid.access_token,
        openid.token_type,
        hs_name.clone(),
        openid.expires_in,
    );
    let account = report
        .run(is.register_account(credentials))
        .await
        .expect("Sydent registers the account");
    let client = Client::builder(report.base())
        .access_token(account.token)
        .build()
        .unwrap();
    let is = client.identity();
    report.run(is.agree_to_terms(urls)).await.unwrap();
    // With terms configured, Sydent answers the account only once they are accepted.
    let me = report.run(is.get_account()).await.unwrap();
    assert_eq!(me.user_id, mxid.as_str());
    let hash = report.run(is.get_hash_details()).await.unwrap();

    // E-mail validation, the token read from the mail sink.
    let email = format!("{user}@example.org");
    let secret = unique("cs");
    let requested = report
        .run(
            is.email_request_token_v2(is::types::RequestEmailValidation::new(
                secret.clone(),
                email.clone(),
                1,
            )),
        )
        .await
        .unwrap();
    let sid = requested.sid.sid;
    let token = live::line_value(&mail.wait_for(&email), "token").unwrap_or_default();
    report
        .run(is.email_submit_token_post_v2(sid.clone(), secret.clone(), token))
        .await
        .unwrap();
    // The GET variant, on a second session.
    let email2 = format!("{user}-get@example.org");
    let secret2 = unique("cs");
    let requested2 = report
        .run(
            is.email_request_token_v2(is::types::RequestEmailValidation::new(
                secret2.clone(),
                email2.clone(),
                1,
            )),
        )
        .await
        .unwrap();
    let token2 = live::line_value(&mail.wait_for(&email2), "token").unwrap_or_default();
    let _ = report
        .run(is.email_submit_token_get_v2(requested2.sid.sid, secret2, token2))
        .await;
    report
        .run(is.get_validated_3pid_v2(sid.clone(), secret.clone()))
        .await
        .unwrap();

    // Phone validation, the code read from the SMS sink.
    let phone = format!("7700900{:03}", std::process::id() % 1000);
    let secret3 = unique("cs");
    let requested3 = report
        .run(
            is.msisdn_request_token_v2(is::types::RequestMsisdnValidation::new(
                secret3.clone(),
                "GB".into(),
                phone.clone(),
                1,
            )),
        )
        .await;
    if let Ok(requested3) = requested3 {
        let sms = wait_for_sms(&sms_log, &format!("44{phone}"));
        let code = word_after(&sms, "code is").unwrap_or_default();
        let sid3 = requested3.sid.sid;
        let _ = report
            .run(is.msisdn_submit_token_post_v2(sid3.clone(), secret3.clone(), code.clone()))
            .await;
        // A validated session accepts its token again: the GET variant on the same one.
        let _ = report
            .run(is.msisdn_submit_token_get_v2(sid3, secret3, code))
            .await;
    }

    // Bind, look up, invite, sign, unbind.
    report
        .run(is.bind_v2(sid.clone(), secret.clone(), mxid.to_string()))
        .await
        .unwrap();
    let pepper = hash.lookup_pepper.clone();
    let digest = sha2::Sha256::digest(format!("{email} email {pepper}"));
    let address = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
    let found = report
        .run(is.lookup_users_v2("sha256".into(), pepper, vec![address.clone()]))
        .await
        .unwrap();
    assert_eq!(
        found.mappings.get(&address).map(String::as_str),
        Some(mxid.as_str())
    );
    let invitee = format!("{user}-invitee@example.org");
    let room = format!("!room:{hs_name}").parse().unwrap();
    let invite = report
        .run(is.store_invite_v2("email".into(), invitee.clone(), room, mxid.clone()))
        .await
        .unwrap();
    let ephemeral = invite
        .public_keys
        .iter()
        .find(|k| k.key_validity_url.contains("ephemeral"))
        .map(|k| k.public_key.clone())
        .unwrap_or_default();
    report
        .run(is.is_ephemeral_pub_key_valid_v2(ephemeral))
        .await
        .unwrap();
    let private_key =
        live::line_value(&mail.wait_for(&invitee), "ephemeral_private_key").unwrap_or_default();
    report
        .run(is.blindly_sign_stuff_v2(mxid.to_string(), invite.token.clone(), private_key))
        .await
        .unwrap();
    report
        .run(
            is.unbind_v2(
                mxid.to_string(),
                is::association::unbind_v2::Threepid::new("email".into(), email),
            )
            .with(|r| {
                r.sid = Some(sid);
                r.client_secret = Some(secret);
            }),
        )
        .await
        .unwrap();
    report.run(is.logout()).await.unwrap();
    report
}
