//! The federation peer: a server named `127.0.0.1:PORT` serving the generated server-server
//! API over TLS (a self-signed certificate made at start) with `matrix-server`, checking
//! `X-Matrix` with keys fetched by [`FetchingKeyStore`], and keeping its rooms in [`Room`]s.

use std::collections::BTreeSet;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use matrix_api_core::{ErrorCode, MatrixError, ServerName};
use matrix_auth_rules::{Event as _, PduEvent};
use matrix_event_format::{JsonObject, RoomVersion};
use matrix_federation::{
    Connector, FetchingKeyStore, IncomingPdu, Outcome, Room, RoomError, ServerIdentity,
};
use matrix_server::{AcceptAnything, Caller, Routes, ServerConfig};
use matrix_server_server_api::client::ServerServerExt as _;
use matrix_server_server_api::keys::get_server_key;
use matrix_server_server_api::membership::send_invite_v2;
use matrix_server_server_api::server::{ServerServerApi, add_routes};
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
    /// Requests the peer made to fill gaps: `get_missing_events`, `event $id`, `state_ids $id`.
    pub gap_requests: Vec<String>,
    /// Events obtained by filling a gap, by event ID, with the request that brought them.
    pub fetched: HashMap<String, &'static str>,
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
    /// The test's switch: PDUs of transactions to drop unprocessed (as if lost), counted down.
    pub drop_pdus: AtomicUsize,
    /// The test's switch: skip `get_missing_events`, so that gaps are filled with `/event`
    /// and `/state_ids` alone.
    pub skip_missing_events: std::sync::atomic::AtomicBool,
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
            drop_pdus: AtomicUsize::new(0),
            skip_missing_events: std::sync::atomic::AtomicBool::new(false),
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
        caller: Caller,
    ) -> Result<send_transaction::Response, send_transaction::Error> {
        self.0.transactions.fetch_add(1, Ordering::SeqCst);
        let origin = match caller {
            Caller::Server(origin) => Some(origin),
            _ => None,
        };
        for pdu in &request.pdus {
            let raw = pdu.json().get().as_bytes();
            let dropped = self
                .0
                .drop_pdus
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            let outcome = if dropped {
                (event_id_of(raw, &self.0), "dropped on purpose".to_owned())
            } else {
                self.0.receive(raw, origin.as_ref()).await
            };
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
    async fn receive(&self, raw: &[u8], origin: Option<&ServerName>) -> (String, String) {
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
        let event = checked.event;
        let mut result = self.with_room(&room_id, |room| room.receive(event.clone()));
        if let (
            Ok(Err(RoomError::MissingPrevEvents(_) | RoomError::MissingAuthEvents(_))),
            Some(origin),
        ) = (&result, origin)
        {
            if let Err(error) = self.fill_gap(origin, &room_id, version, &event).await {
                self.note(|seen| seen.problems.push(format!("gap before {id}: {error}")));
            }
            result = self.with_room(&room_id, |room| room.receive(event));
        }
        let outcome = match result {
            Ok(Ok(Outcome::Accepted)) => format!("{redacted}accepted"),
            Ok(Ok(other)) => format!("{redacted}{other:?}"),
            Ok(Err(error)) => format!("{redacted}not processed: {error}"),
            Err(_) => "unknown room".into(),
        };
        (id, outcome)
    }

    /// Fetches from `origin` what the room lacks before `event`: its missing prev events
    /// through `get_missing_events` (the room's forward extremities as the earliest events),
    /// then each prev event still missing through `/event`; a prev event whose own prev events
    /// are unknown gets the state before it from `/state_ids` (the unknown state and auth
    /// events through `/event`). Every fetched event is checked as a received PDU and applied
    /// in topological order.
    async fn fill_gap(
        &self,
        origin: &ServerName,
        room_id: &str,
        version: &'static RoomVersion,
        event: &PduEvent,
    ) -> Result<(), String> {
        let client = self.connector.client(origin).map_err(|e| e.to_string())?;
        let api = client.server_server();
        if !self.skip_missing_events.load(Ordering::SeqCst) {
            let earliest: Vec<String> =
                self.with_room(room_id, |room| room.extremities().iter().cloned().collect())?;
            self.note(|seen| seen.gap_requests.push("get_missing_events".into()));
            let answer = api
                .get_missing_previous_events(
                    room_id.to_owned(),
                    earliest,
                    vec![event.event_id().to_owned()],
                )
                .with(|r| r.limit = MISSING_EVENTS_LIMIT)
                .await
                .map_err(|e| format!("get_missing_events: {e:?}"))?;
            let mut events = Vec::new();
            for raw in &answer.events {
                match self.check(raw.json().get().as_bytes(), version).await {
                    Ok(checked) => events.push(checked.event),
                    Err(error) => self.note(|seen| {
                        seen.problems
                            .push(format!("get_missing_events: dropped {error}"))
                    }),
                }
            }
            self.apply_fetched(room_id, events, "get_missing_events")?;
        }
        let (prevs, auths) = self.with_room(room_id, |room| {
            (
                room.missing_prev_events(event),
                room.missing_auth_events(event),
            )
        })?;
        if !auths.is_empty() {
            self.fetch_outliers(origin, room_id, version, auths).await?;
        }
        for prev in prevs.into_iter().take(MAX_FETCHES) {
            let fetched = self.fetch_event(origin, version, &prev).await?;
            let auths = self.with_room(room_id, |room| room.missing_auth_events(&fetched))?;
            if !auths.is_empty() {
                self.fetch_outliers(origin, room_id, version, auths).await?;
            }
            let result = self.with_room(room_id, |room| room.receive(fetched.clone()))?;
            match result {
                Err(RoomError::MissingPrevEvents(_)) => {
                    self.receive_with_fetched_state(origin, room_id, version, fetched)
                        .await?;
                }
                other => self.note_fetched(&prev, other, "event"),
            }
        }
        Ok(())
    }

    /// `/state_ids` at `event` (the state before it), the unknown state and auth chain events
    /// through `/event`, then `event` applied with that state.
    async fn receive_with_fetched_state(
        &self,
        origin: &ServerName,
        room_id: &str,
        version: &'static RoomVersion,
        event: PduEvent,
    ) -> Result<(), String> {
        let id = event.event_id().to_owned();
        let client = self.connector.client(origin).map_err(|e| e.to_string())?;
        self.note(|seen| seen.gap_requests.push(format!("state_ids {id}")));
        let ids = client
            .server_server()
            .get_room_state_ids(room_id.to_owned(), id.clone())
            .await
            .map_err(|e| format!("state_ids: {e:?}"))?;
        let unknown: Vec<String> = self.with_room(room_id, |room| {
            let all: BTreeSet<&String> = ids.pdu_ids.iter().chain(&ids.auth_chain_ids).collect();
            all.into_iter()
                .filter(|id| !room.contains(id))
                .cloned()
                .collect()
        })?;
        self.fetch_outliers(origin, room_id, version, unknown)
            .await?;
        let result = self.with_room(room_id, |room| {
            let mut state = matrix_state_res::StateMap::new();
            for state_id in &ids.pdu_ids {
                let stored = room
                    .event(state_id)
                    .ok_or_else(|| RoomError::UnusableStateEvents(vec![state_id.clone()]))?;
                let key = stored
                    .event
                    .state_key()
                    .ok_or_else(|| RoomError::UnusableStateEvents(vec![state_id.clone()]))?;
                state.insert(
                    (stored.event.event_type().to_owned(), key.to_owned()),
                    state_id.clone(),
                );
            }
            room.receive_with_state(event, state)
        })?;
        self.note_fetched(&id, result, "state_ids");
        Ok(())
    }

    /// Fetches `ids` through `/event` (at most [`MAX_FETCHES`]) and adds them to the room as
    /// outliers.
    async fn fetch_outliers(
        &self,
        origin: &ServerName,
        room_id: &str,
        version: &'static RoomVersion,
        ids: Vec<String>,
    ) -> Result<(), String> {
        if ids.len() > MAX_FETCHES {
            return Err(format!(
                "{} events missing, more than {MAX_FETCHES}",
                ids.len()
            ));
        }
        let mut events = Vec::with_capacity(ids.len());
        for id in &ids {
            events.push(self.fetch_event(origin, version, id).await?);
        }
        self.with_room(room_id, |room| room.insert_outliers(events))?
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// One event through `/event/{eventId}`, checked as a received PDU; it must be the one
    /// asked for.
    async fn fetch_event(
        &self,
        origin: &ServerName,
        version: &'static RoomVersion,
        event_id: &str,
    ) -> Result<PduEvent, String> {
        let client = self.connector.client(origin).map_err(|e| e.to_string())?;
        self.note(|seen| seen.gap_requests.push(format!("event {event_id}")));
        let answer = client
            .server_server()
            .get_event(event_id.to_owned())
            .await
            .map_err(|e| format!("/event/{event_id}: {e:?}"))?;
        let [raw] = answer.single_pdu_transaction.pdus.as_slice() else {
            return Err(format!("/event/{event_id}: not one PDU"));
        };
        let event = self
            .check(raw.json().get().as_bytes(), version)
            .await?
            .event;
        if event.event_id() != event_id {
            return Err(format!("/event/{event_id} answered {}", event.event_id()));
        }
        Ok(event)
    }

    /// Applies fetched events in topological order and notes what became of them.
    fn apply_fetched(
        &self,
        room_id: &str,
        events: Vec<PduEvent>,
        how: &'static str,
    ) -> Result<(), String> {
        let results = self.with_room(room_id, |room| room.receive_batch(events))?;
        for (id, result) in results {
            self.note_fetched(&id, result, how);
        }
        Ok(())
    }

    /// Notes a fetched event that the room took (or not).
    fn note_fetched(&self, id: &str, result: Result<Outcome, RoomError>, how: &'static str) {
        self.note(|seen| match result {
            Ok(outcome) => {
                let outcome = match outcome {
                    Outcome::Accepted => "accepted".to_owned(),
                    other => format!("{other:?}"),
                };
                seen.received.insert(id.to_owned(), outcome);
                seen.fetched.insert(id.to_owned(), how);
            }
            Err(error) => seen.problems.push(format!("fetched {id}: {error}")),
        });
    }

    /// Runs `f` on the room.
    fn with_room<T>(&self, room_id: &str, f: impl FnOnce(&mut Room) -> T) -> Result<T, String> {
        let mut rooms = self.rooms.lock().unwrap();
        let room = rooms
            .get_mut(room_id)
            .ok_or_else(|| format!("unknown room {room_id}"))?;
        Ok(f(room))
    }
}

/// How many events one `get_missing_events` asks for.
const MISSING_EVENTS_LIMIT: i64 = 20;

/// The most events fetched one by one for one gap.
const MAX_FETCHES: usize = 50;

/// The event ID of a PDU of a known room (or its room ID when it cannot be read).
fn event_id_of(raw: &[u8], peer: &Peer) -> String {
    let room_id = serde_json::from_slice::<Value>(raw)
        .ok()
        .and_then(|v| v.get("room_id").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    let version = peer.rooms.lock().unwrap().get(&room_id).map(Room::version);
    version
        .and_then(|version| IncomingPdu::parse(raw, version).ok())
        .map_or(room_id, |incoming| incoming.event_id().to_owned())
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
    let app = Routes::new(Api(peer)).with(add_routes).into_router(config);
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
