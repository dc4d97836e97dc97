//! The key store and request signing over loopback (plain HTTP), against a key server and a
//! federation endpoint served by `matrix-server` with the generated server-server API.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use matrix_api_core::ServerName;
use matrix_federation::{Connector, FetchingKeyStore, KeyCache, ServerIdentity, now_ms};
use matrix_server::{
    AcceptAnything, Caller, InMemoryKeyStore, KeyStore, KeyStoreError, Routes, ServerConfig,
};
use matrix_server_server_api::client::ServerServerExt as _;
use matrix_server_server_api::keys::get_server_key;
use matrix_server_server_api::query::query_profile;
use matrix_server_server_api::server::{ServerServerApi, add_routes};

const REMOTE: &str = "remote.test";

fn name(server: &str) -> ServerName {
    server.parse().unwrap()
}

/// A server named `remote.test`: its key server counts fetches and serves documents valid
/// for `validity_ms` (or, when `forge` is set, signed by another key); `query_profile`
/// answers with the authenticated origin as display name.
struct Remote {
    identity: ServerIdentity,
    forger: ServerIdentity,
    fetches: AtomicUsize,
    validity_ms: AtomicU64,
    forge: Mutex<bool>,
}

/// The server of [`Remote`] (the API trait is implemented on a local type).
struct Server(Arc<Remote>);

impl ServerServerApi for Server {
    async fn get_server_key(
        &self,
        _request: get_server_key::Request,
        _caller: Caller,
    ) -> Result<get_server_key::Response, get_server_key::Error> {
        let remote = &self.0;
        remote.fetches.fetch_add(1, Ordering::SeqCst);
        let until = now_ms() + remote.validity_ms.load(Ordering::SeqCst);
        let mut keys = remote.identity.server_keys_until(until).unwrap();
        if *remote.forge.lock().unwrap() {
            let forged = remote.forger.server_keys_until(until).unwrap();
            keys.signatures = forged.signatures;
            keys.signatures = [(
                REMOTE.to_owned(),
                keys.signatures.into_values().next().unwrap(),
            )]
            .into();
        }
        Ok(get_server_key::Response::new(keys))
    }

    async fn query_profile(
        &self,
        _request: query_profile::Request,
        caller: Caller,
    ) -> Result<query_profile::Response, query_profile::Error> {
        let mut response = query_profile::Response::new();
        response.displayname = caller.origin().map(ToString::to_string);
        Ok(response)
    }
}

/// Serves `remote` on a loopback port for the server name `remote.test`, checking `X-Matrix`
/// headers with `keys`; returns its base URL.
async fn serve(remote: Arc<Remote>, keys: InMemoryKeyStore) -> String {
    let config = ServerConfig::new(name(REMOTE), AcceptAnything::new(name(REMOTE))).key_store(keys);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = matrix_server::axum::serve(
            listener,
            Routes::new(Server(remote))
                .with(add_routes)
                .into_router(config),
        )
        .await;
    });
    format!("http://{address}")
}

fn remote() -> Arc<Remote> {
    Arc::new(Remote {
        identity: ServerIdentity::generate(name(REMOTE), "r1").unwrap(),
        forger: ServerIdentity::generate(name(REMOTE), "r1").unwrap(),
        fetches: AtomicUsize::new(0),
        validity_ms: AtomicU64::new(3_600_000),
        forge: Mutex::new(false),
    })
}

/// A key store of `local.test` reaching every server at `base`.
fn store(base: String) -> FetchingKeyStore {
    let connector = Connector::new(http()).with_resolver(move |_| base.clone());
    FetchingKeyStore::new(connector).with_refetch_interval(Duration::ZERO)
}

#[tokio::test]
async fn keys_are_fetched_checked_and_cached_until_valid_until_ts() {
    let remote = remote();
    let base = serve(Arc::clone(&remote), InMemoryKeyStore::new()).await;
    let store = store(base);
    let key_id = remote.identity.signing_key().key_id().to_owned();

    let keys = store.verify_keys(&name(REMOTE), &[&key_id]).await.unwrap();
    assert_eq!(
        keys[&key_id].as_bytes(),
        remote.identity.signing_key().verify_key().as_bytes()
    );
    let until = keys[&key_id].valid_until_ts().unwrap();
    assert!(until > now_ms() + 3_500_000 && until <= now_ms() + 3_600_000);
    store.verify_keys(&name(REMOTE), &[&key_id]).await.unwrap();
    store.verify_keys(&name(REMOTE), &[]).await.unwrap();
    assert_eq!(
        remote.fetches.load(Ordering::SeqCst),
        1,
        "served from the cache"
    );

    // An unknown key ID makes the store fetch again (and not find it).
    let unknown = store
        .verify_keys(&name(REMOTE), &["ed25519:nope"])
        .await
        .unwrap();
    assert!(unknown.is_empty());
    assert_eq!(remote.fetches.load(Ordering::SeqCst), 2);

    // A document valid for 300 ms is fetched again once it has expired.
    remote.validity_ms.store(300, Ordering::SeqCst);
    let short = store.fetch_now(&name(REMOTE)).await.unwrap();
    store.cache().put(&name(REMOTE), short).await;
    store.verify_keys(&name(REMOTE), &[&key_id]).await.unwrap();
    assert_eq!(remote.fetches.load(Ordering::SeqCst), 3);
    tokio::time::sleep(Duration::from_millis(400)).await;
    store.verify_keys(&name(REMOTE), &[&key_id]).await.unwrap();
    assert_eq!(
        remote.fetches.load(Ordering::SeqCst),
        4,
        "refetched after valid_until_ts"
    );
}

#[tokio::test]
async fn validity_is_capped_at_seven_days() {
    let remote = remote();
    remote
        .validity_ms
        .store(30 * 24 * 3_600_000, Ordering::SeqCst);
    let base = serve(Arc::clone(&remote), InMemoryKeyStore::new()).await;
    let set = store(base).fetch_now(&name(REMOTE)).await.unwrap();
    let seven_days = 7 * 24 * 3_600_000;
    assert!(set.valid_until_ts <= now_ms() + seven_days);
    assert!(set.valid_until_ts > now_ms() + seven_days - 60_000);
}

#[tokio::test]
async fn forged_documents_and_unreachable_servers_are_refused() {
    let forging = remote();
    *forging.forge.lock().unwrap() = true;
    let base = serve(forging, InMemoryKeyStore::new()).await;
    let forged = store(base).verify_keys(&name(REMOTE), &[]).await;
    assert!(
        matches!(forged, Err(KeyStoreError::Invalid { .. })),
        "{forged:?}"
    );

    // A document for another server name.
    let other = store(serve(remote(), InMemoryKeyStore::new()).await);
    let wrong = other.verify_keys(&name("other.test"), &[]).await;
    assert!(
        matches!(wrong, Err(KeyStoreError::Invalid { .. })),
        "{wrong:?}"
    );

    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);
    let down = store(format!("http://{address}"));
    let result = down.verify_keys(&name(REMOTE), &[]).await;
    assert!(
        matches!(result, Err(KeyStoreError::Unavailable { .. })),
        "{result:?}"
    );
    assert_eq!(down.last_fetch_failed(&name(REMOTE)).await, Some(true));
}

#[tokio::test]
async fn requests_are_signed_for_the_destination_server_name() {
    let local = Arc::new(ServerIdentity::generate(name("local.test"), "l1").unwrap());
    let keys = InMemoryKeyStore::new();
    let key = local.signing_key();
    keys.insert(
        name("local.test"),
        key.key_id(),
        key.verify_key()
            .clone()
            .with_valid_until_ts(now_ms() + 3_600_000),
    );
    // The URL's host is 127.0.0.1:PORT; the signature names `remote.test`, which the server
    // requires as destination.
    let base = serve(remote(), keys).await;
    let connector = Connector::new(http())
        .with_resolver(move |_| base.clone())
        .signing_as(Arc::clone(&local));
    let client = connector.client(&name(REMOTE)).unwrap();
    let profile = client
        .server_server()
        .query_profile("@a:remote.test".into())
        .await
        .unwrap();
    assert_eq!(profile.displayname.as_deref(), Some("local.test"));

    // Signed for another destination, the same request is refused.
    let misdirected = connector.client(&name("elsewhere.test")).unwrap();
    let base_url = connector.base_url(&name(REMOTE));
    assert!(base_url.starts_with("http://127.0.0.1:"));
    let refused = misdirected
        .server_server()
        .query_profile("@a:remote.test".into())
        .await
        .unwrap_err();
    assert_eq!(
        refused.status().map(|s| s.as_u16()),
        Some(401),
        "{refused:?}"
    );
    assert_eq!(
        refused.errcode().map(|c| c.as_str()),
        Some("M_UNAUTHORIZED")
    );
}

fn http() -> reqwest::Client {
    matrix_client::http_client_builder().build().unwrap()
}
