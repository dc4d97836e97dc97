//! The Matrix authorization rules of room versions 1–12: who may send which event in a room.
//!
//! Events are read through the [`Event`] trait (implement it over your storage, or use
//! [`PduEvent`] over a JSON PDU); the room state or auth events they are checked against through
//! [`AuthState`]. Every rejection is a [`Rejection`] value. The rules follow the specification
//! and, where it leaves room, the reference implementation (Synapse), against which they are
//! cross-checked.
//!
//! ```
//! use matrix_auth_rules::{Event, PduEvent, Rejection, check_event};
//! use matrix_event_format::{RoomVersion, json};
//!
//! let version = RoomVersion::from_id("10").unwrap();
//! let pdu = |text: &str| PduEvent::new(json::object_from_slice(text.as_bytes()).unwrap(), version).unwrap();
//! let create = pdu(r#"{"type": "m.room.create", "state_key": "", "sender": "@a:x.org",
//!     "room_id": "!r:x.org", "content": {"creator": "@a:x.org"}, "prev_events": [],
//!     "auth_events": [], "depth": 1, "origin_server_ts": 1}"#);
//! let message = pdu(&format!(r#"{{"type": "m.room.message", "sender": "@b:x.org",
//!     "room_id": "!r:x.org", "content": {{}}, "prev_events": ["{0}"],
//!     "auth_events": ["{0}"], "depth": 2, "origin_server_ts": 2}}"#, create.event_id()));
//! let fetch = |id: &str| (id == create.event_id()).then_some(&create);
//! let no_state: Option<&Vec<PduEvent>> = None;
//! assert_eq!(check_event(version, &message, fetch, no_state), Err(Rejection::SenderNotJoined));
//! ```

mod auth_types;
mod check;
mod create;
mod event;
pub mod identifiers;
pub mod levels;
mod membership;
mod names;
mod parsed_levels;
mod pdu;
mod power_levels;
pub mod prefetch;
mod python_int;
mod rejection;
mod state;
mod third_party_invite;

pub use auth_types::{AuthKey, AuthTypes, auth_types_for_event};
pub use check::{
    check_against_state, check_auth_events, check_event, implied_create_event_id, room_id_of,
};
pub use event::Event;
pub use names::{
    ALIASES, CREATE, JOIN_AUTHORISED_VIA_USERS_SERVER, JOIN_RULES, MEMBER, POWER_LEVELS, REDACTION,
    THIRD_PARTY_INVITE,
};
pub use parsed_levels::ParsedPowerLevels;
pub use pdu::{PduError, PduEvent};
pub use rejection::{Action, MalformedPowerLevels, Rejection};
pub use state::AuthState;
