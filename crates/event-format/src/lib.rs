//! Matrix event format: canonical JSON, hashes, signatures, redaction and event IDs for room
//! versions 1–12, and the `X-Matrix` request authorization of the federation API.
//!
//! Events and signed objects are [`serde_json`] objects ([`JsonObject`]); parse untrusted bytes
//! with [`json::object_from_slice`], which rejects duplicate keys and deep nesting. Every rule
//! that differs between room versions is a field of [`RoomVersion`].
//!
//! ```
//! use matrix_event_format::{RoomVersion, SigningKey, event_id, json, sign_event, verify_event};
//!
//! let version = RoomVersion::from_id("11").unwrap();
//! let mut pdu = json::object_from_slice(br#"{
//!     "type": "m.room.message", "room_id": "!r:example.org", "sender": "@a:example.org",
//!     "content": {"body": "hi"}, "depth": 3, "origin_server_ts": 1, "auth_events": [],
//!     "prev_events": []
//! }"#).unwrap();
//! let key = SigningKey::from_seed(&[7; 32], "1").unwrap();
//! sign_event(&mut pdu, version, "example.org", &key).unwrap();
//! assert!(event_id(&pdu, version).unwrap().starts_with('$'));
//!
//! let mut keys = matrix_event_format::PublicKeyMap::new();
//! keys.entry("example.org".into()).or_default().insert("ed25519:1".into(), key.verify_key().clone());
//! assert!(verify_event(&pdu, version, &keys).is_ok());
//! ```

pub mod base64;
pub mod canonical_json;
mod event;
pub mod event_id;
pub mod hashes;
pub mod identifiers;
pub mod json;
pub mod keys;
pub mod redaction;
pub mod room_version;
mod server_name;
pub mod signing;
pub mod x_matrix;

pub use event::EventError;
pub use event_id::{event_id, event_id_of_signed, room_id, room_id_from_create_event};
pub use hashes::{
    SignedBytes, add_content_hash, check_content_hash, content_hash, reference_hash,
    signed_bytes_and_content_hash,
};
pub use json::JsonObject;
pub use keys::{SigningKey, VerifyKey};
pub use redaction::redact;
pub use room_version::RoomVersion;
pub use signing::{
    KeySet, PublicKeyMap, Verified, VerifyError, event_signature, required_signing_servers,
    sign_event, sign_json, verify_event, verify_json, verify_signed_event,
};
pub use x_matrix::{
    PduEncoding, Request, XMatrix, XMatrixError, sign_request, verify_request,
    verify_request_with_pdus,
};
