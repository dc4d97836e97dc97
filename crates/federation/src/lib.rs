//! What a Matrix federation server needs beyond the runtimes (`matrix-server`,
//! `matrix-client`) and the generated server-server API:
//!
//! - [`ServerIdentity`]: this server's name and signing key, and the signed key document it
//!   publishes (the answer of `GET /_matrix/key/v2/server`);
//! - [`Connector`]: how it reaches other servers (their base URL, clients signing as it);
//! - [`FetchingKeyStore`]: a [`matrix_server::KeyStore`] that fetches other servers' keys
//!   through the generated key API, checks their self-signature and validity and caches them
//!   until `valid_until_ts` in a pluggable [`KeyCache`];
//! - [`pdu`]: the checks on receipt of a PDU that need no room state (format, event ID,
//!   signatures, content hash, redaction when the hash does not match);
//! - [`Room`]: a room's event graph and state as a receiving server keeps it: authorization
//!   against the auth events, the state before the event and the current state (rejection,
//!   soft failure), state resolution of forks, forward extremities, events fetched for a gap
//!   applied in topological order, and new events with the auth events the rules select.
//!
//! Everything is loopback-agnostic, but server discovery stops at what IP literals and explicit
//! ports need: `.well-known` delegation and DNS SRV records are not looked up.

mod connect;
mod identity;
mod keys;
pub mod pdu;
mod room;
mod time;

pub use connect::{Connector, default_base_url};
pub use identity::{IdentityError, ServerIdentity};
pub use keys::{
    FetchingKeyStore, KeyCache, KeyResponseError, MAX_KEY_VALIDITY, MemoryKeyCache, ServerKeySet,
};
pub use pdu::{CheckedPdu, IncomingPdu, PduError, TransactionSignature};
pub use room::{BuildError, Outcome, Room, RoomError, Status, StoredEvent};
pub use time::now_ms;
