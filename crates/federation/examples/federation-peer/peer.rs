//! The federation peer: a server named `127.0.0.1:PORT` serving the generated server-server
//! API over TLS (a self-signed certificate made at start) with `matrix-server`, checking
//! `X-Matrix` with keys fetched by [`FetchingKeyStore`], and keeping its rooms in [`Room`]s.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use matrix_api_core::{ErrorCode, MatrixError, ServerName};
use matrix_event_format::{JsonObject, RoomVersion};
use matrix_federation::{Connector, FetchingKeyStore, IncomingPdu, Outcome, Room, ServerIdentity};
use matrix_server::{AcceptAnything, Caller, ServerConfig};
use matrix_server_server_api::keys::get_server_key;
use matrix_server_server_api::membership::send_invite_v2;
use matrix_server_server_api::server::{ServerServerApi, router};
use matrix_server_server_api::transactions::send_transaction;
use serde_json::Value;
use tokio::sync::Notify;
use tokio_rustls::TlsAcceptor;

/// What the peer saw, for the test to check.
#[derive(Debug, Default)]
pub struct Seen {
    /// Invites verified and counter-signed, by room ID.
    pub invites: HashMap<String, JsonObject>,
    /// PDUs received in transactions, by event ID, with what became of them.
    pub received: HashMap<String, String>,
    /// Problems with requests that passed authentication (bad events, unknown rooms).
    pub problems: Vec<String>,
}

/// The peer's state, shared by its server and the test.
pub struct Peer {
    pub identity: Arc<ServerIdentity>,
    pub keys: FetchingKeyStore,
    pub connector: Connector,
    pub rooms: Mutex<HashMap<String, Room>>,
    pub seen: Mutex<Seen>,
    pub key_fetches: AtomicUsize,
    /// Transactions that reached the `send_transaction` method.
    pub transactions: AtomicUsize,
    pub changed: Notify,
}

impl Peer {
    /// A peer signing as `identity`, reaching other servers through `connector`; its own keys
    /// are pinned, other servers' fetched.
    pub fn new(identity: ServerIdentity, connector: Connector) -> Arc<Self> {
        let identity = Arc::new(identity);
        let keys = FetchingKeyStore::new(connector.clone());
        keys.pin(identity.server_name().clone(), identity.key_set());
        Arc::new(Peer {
            connector: connector.signing_as(Arc::clone(&identity)),
            identity,
            keys,
            rooms: Mutex::default(),
            seen: Mutex::default(),
            key_fetches: AtomicUsize::new(0),
            transactions: AtomicUsize::new(0),
            changed: Notify::new(),
        })
    }

    pub fn name(&self) -> &ServerName {
        self.identity.server_name()
    }

    /// Checks a PDU's format, signatures and hashes with the sender's keys.
    pub async fn check(
        &self,
        raw: &[u8],
        version: &'static RoomVersion,
    ) -> Result<matrix_federation::CheckedPdu, String> {
        let incoming = IncomingPdu::parse(raw, version).map_err(|e| e.to_string())?;
        incoming
            .verify_with(&self.keys)
            .await
            .map_err(|e| e.to_string())
    }

    fn note(&self, change: impl FnOnce(&mut Seen)) {
        change(&mut self.seen.lock().unwrap());
        self.changed.notify_waiters();
    }
}

/// The peer's server-server API.
#[derive(Clone)]
pub struct Api(pub Arc<Peer>);

impl ServerServerApi for Api {
    async fn get_server_key(
        &self,
        _request: get_server_key::Request,
        _caller: Caller,
    ) -> Result<get_server_key::Response, get_server_key::Error> {
        self.0.key_fetches.fetch_add(1, Ordering::SeqCst);
        let keys = self
            .0
            .identity
            .server_keys()
            .map_err(|e| get_server_key::Error::Other {
                status: 500,
                body: MatrixError::new(ErrorCode::Unknown, e.to_string()),
            })?;
        Ok(get_server_key::Response::new(keys))
    }

    async fn send_invite_v2(
        &self,
        request: send_invite_v2::Request,
        _caller: Caller,
    ) -> Result<send_invite_v2::Response, send_invite_v2::Error> {
        let peer = &self.0;
        let refuse = |message: String| {
            peer.note(|seen| seen.problems.push(format!("invite: {message}")));
            send_invite_v2::Error::Forbidden(MatrixError::new(ErrorCode::Forbidden, message))
        };
        let version = RoomVersion::from_id(&request.room_version)
            .ok_or_else(|| refuse(format!("room version {}", request.room_version)))?;
        let raw = serde_json::to_vec(&request.event).map_err(|e| refuse(e.to_string()))?;
        let checked = peer.check(&raw, version).await.map_err(refuse)?;
        if checked.redacted {
            return Err(refuse("content hash mismatch".into()));
        }
        let mut event = checked.event.into_pdu();
        let invitee = event
            .get("state_key")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !invitee.ends_with(&format!(":{}", peer.name())) {
            return Err(refuse(format!("{invitee} is not a user of this server")));
        }
        peer.identity
            .sign_event(&mut event, version)
            .map_err(|e| refuse(e.to_string()))?;
        let typed = serde_json::from_value(Value::Object(event.clone()))
            .map_err(|e| refuse(e.to_string()))?;
        peer.note(|seen| {
            seen.invites.insert(request.room_id.clone(), event);
        });
        Ok(send_invite_v2::Response::new(
            matrix_server_server_api::types::EventContainer::new(typed),
        ))
    }

    async fn send_transaction(
        &self,
        request: send_transaction::Request,
        _caller: Caller,
    ) -> Result<send_transaction::Response, send_transaction::Error> {
        self.0.transactions.fetch_add(1, Ordering::SeqCst);
        for pdu in &request.pdus {
            let raw = pdu.json().get().as_bytes();
            let outcome = self.0.receive(raw).await;
            let id = outcome.0;
            self.0.note(|seen| {
                seen.received.insert(id, outcome.1);
            });
        }
        Ok(send_transaction::Response::new(Default::default()))
    }
}

impl Peer {
    /// Checks a PDU of a transaction and gives it to its room: (event ID, outcome).
    async fn receive(&self, raw: &[u8]) -> (String, String) {
        let room_id = serde_json::from_slice::<Value>(raw)
            .ok()
            .and_then(|v| v.get("room_id").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_default();
        let version = {
            let rooms = self.rooms.lock().unwrap();
            match rooms.get(&room_id) {
                Some(room) => room.version(),
                None => return (room_id, "unknown room".into()),
            }
        };
        let incoming = match IncomingPdu::parse(raw, version) {
            Ok(incoming) => incoming,
            Err(error) => return (room_id, format!("dropped: {error}")),
        };
        let id = incoming.event_id().to_owned();
        let checked = match incoming.verify_with(&self.keys).await {
            Ok(checked) => checked,
            Err(error) => return (id, format!("dropped: {error}")),
        };
        let redacted = if checked.redacted { "redacted, " } else { "" };
        let mut rooms = self.rooms.lock().unwrap();
        let Some(room) = rooms.get_mut(&room_id) else {
            return (id, "unknown room".into());
        };
        let outcome = match room.receive(checked.event) {
            Ok(Outcome::Accepted) => format!("{redacted}accepted"),
            Ok(other) => format!("{redacted}{other:?}"),
            Err(error) => format!("{redacted}not processed: {error}"),
        };
        (id, outcome)
    }
}

/// A self-signed certificate for 127.0.0.1, as a rustls server configuration.
fn tls_config() -> rustls::ServerConfig {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let cert = certified.cert.der().clone();
    let key =
        rustls::pki_types::PrivateKeyDer::try_from(certified.signing_key.serialize_der()).unwrap();
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap()
}

/// Serves `peer` over TLS on `listener` until the process ends.
pub fn serve(peer: Arc<Peer>, listener: tokio::net::TcpListener) {
    let config = ServerConfig::new(
        peer.name().clone(),
        AcceptAnything::new(peer.name().clone()),
    )
    .key_store(ArcKeys(Arc::clone(&peer)));
    let app = router(Api(peer), config);
    let acceptor = TlsAcceptor::from(Arc::new(tls_config()));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            let app = app.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service = TowerToHyperService::new(app);
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
}

/// The peer's key store, shared with the test.
struct ArcKeys(Arc<Peer>);

impl matrix_server::KeyStore for ArcKeys {
    async fn verify_keys(
        &self,
        origin: &ServerName,
        key_ids: &[&str],
    ) -> Result<matrix_server::KeySet, matrix_server::KeyStoreError> {
        self.0.keys.keys(origin, key_ids).await
    }
}
