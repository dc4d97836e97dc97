//! The checks on receipt of a PDU that need no room state (steps 1–3 of the server-server
//! API's "Checks performed on receipt of a PDU"): it is a valid event of its room version
//! (else dropped), its signatures verify (else dropped), and its content hash matches (else it
//! is redacted and processed further in that form). Steps 4–6 (authorization) are
//! [`Room`](crate::Room)'s.
//!
//! ```text
//! IncomingPdu::parse(bytes, version)   JSON, size, fields, event ID
//!   (or ::from_parsed(pdu, version, n)  the same for a PDU of a body already parsed,
//!    or ::from_transaction(…)           for each PDU of a `PUT /send` whose `X-Matrix`
//!                                       signature it checks, from the request's encoding)
//!     .key_requests()                  which servers' keys, by key ID
//!     .verify(&keys)                   signatures, content hash → CheckedPdu
//! ```

use matrix_api_core::ServerName;
use matrix_auth_rules::{PduError as FieldError, PduEvent};
use matrix_event_format::canonical_json::{self, CanonicalJsonRules};
use matrix_event_format::json::{self, ParseError};
use matrix_event_format::{
    EventError, JsonObject, KeySet, PublicKeyMap, Request, RoomVersion, SignedBytes, Verified,
    VerifyError, XMatrix, XMatrixError, event_id_of_signed, redact, required_signing_servers,
    signed_bytes_and_content_hash, verify_request_with_pdus, verify_signed_event,
};
use matrix_server::KeyStore;
use serde_json::Value;

/// The largest PDU: 65,536 bytes of canonical JSON, signatures included.
pub const MAX_PDU_BYTES: usize = 65_536;

/// The longest `type`, `state_key`, `sender` and `room_id`: 255 bytes.
const MAX_FIELD_BYTES: usize = 255;

/// Why a received PDU is dropped (not stored, not processed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PduError {
    /// Not a JSON object (or duplicate keys, or too deep).
    #[error("not a JSON object: {0}")]
    Json(#[from] ParseError),
    /// Larger than [`MAX_PDU_BYTES`] as canonical JSON.
    #[error("larger than 65536 bytes")]
    TooLarge,
    /// A field the event format requires is missing, of the wrong type or too long.
    #[error("invalid event: {0}")]
    Format(String),
    /// The event ID cannot be computed (no canonical JSON form).
    #[error("no event ID: {0}")]
    EventId(#[from] EventError),
    /// It is not in the room it was received for.
    #[error("event is in room {found}, not {expected}")]
    WrongRoom { expected: String, found: String },
    /// The keys of a server that must have signed it cannot be had.
    #[error("keys of {server}: {message}")]
    Keys { server: String, message: String },
    /// A required signature is missing or does not verify.
    #[error("signature check failed: {0}")]
    Signature(#[from] VerifyError),
}

impl From<FieldError> for PduError {
    fn from(error: FieldError) -> Self {
        PduError::Format(error.to_string())
    }
}

/// An event's signed bytes and content hash.
type Encoded = (SignedBytes, Option<[u8; 32]>);

/// What checks the `X-Matrix` signature of a transaction: its header, this server's name and
/// the origin's keys.
#[derive(Clone, Copy, Debug)]
pub struct TransactionSignature<'a> {
    pub header: &'a XMatrix,
    pub own_server_name: &'a str,
    pub origin_keys: &'a KeySet,
}

/// A PDU that is a valid event of its room version, with its event ID; its signatures are not
/// checked yet.
#[derive(Debug, Clone)]
pub struct IncomingPdu {
    pdu: JsonObject,
    version: &'static RoomVersion,
    event_id: String,
    /// What the signatures cover, encoded once for the event ID and the signature checks.
    signed: SignedBytes,
    /// The content hash, computed in the same pass (`None` if it cannot be: `verify` fails).
    content_hash: Option<[u8; 32]>,
}

/// A PDU whose signatures verify, as it is processed further: whole, or redacted because its
/// content hash did not match.
#[derive(Debug, Clone)]
pub struct CheckedPdu {
    /// The event (its event ID computed; not rejected yet).
    pub event: PduEvent,
    /// Whether it was redacted because its content hash did not match.
    pub redacted: bool,
}

impl IncomingPdu {
    /// Reads a PDU received as JSON text (strictly: no duplicate keys, no lone surrogates).
    pub fn parse(bytes: &[u8], version: &'static RoomVersion) -> Result<Self, PduError> {
        Self::from_parsed(json::object_from_slice(bytes)?, version, bytes.len())
    }

    /// Checks a PDU already parsed.
    pub fn from_object(pdu: JsonObject, version: &'static RoomVersion) -> Result<Self, PduError> {
        Self::from_parsed(pdu, version, usize::MAX)
    }

    /// Checks a PDU parsed (strictly) from JSON text of at most `text_len` bytes: its own, or
    /// the transaction body it came in. Canonical JSON is never longer than strict-version JSON
    /// text of the same value, so only longer texts (or versions whose numbers may grow) are
    /// measured.
    pub fn from_parsed(
        pdu: JsonObject,
        version: &'static RoomVersion,
        text_len: usize,
    ) -> Result<Self, PduError> {
        Self::checked(pdu, version, text_len, signed_bytes_and_content_hash)
    }

    /// Checks the `X-Matrix` signature of a `PUT /send` request (`header` for this server,
    /// `own_server_name`, over `uri` and `body`, parsed strictly from `text_len` bytes), then
    /// reads each of its PDUs as [`from_parsed`](Self::from_parsed) does, with the signed bytes
    /// and content hash taken from the request's encoding. In the order of `pdus`; `None` for a
    /// PDU that is not an object or whose room version `version_of` does not know.
    pub fn from_transaction(
        signature: &TransactionSignature<'_>,
        uri: &str,
        mut body: Value,
        text_len: usize,
        version_of: &mut dyn FnMut(&JsonObject) -> Option<&'static RoomVersion>,
    ) -> Result<Vec<Option<Result<Self, PduError>>>, XMatrixError> {
        let request = Request {
            method: "PUT",
            uri,
            content: Some(&body),
        };
        let encodings = verify_request_with_pdus(
            signature.header,
            signature.own_server_name,
            signature.origin_keys,
            request,
            version_of,
        )?;
        let Some(Value::Array(pdus)) = body.get_mut("pdus").map(Value::take) else {
            return Ok(Vec::new());
        };
        let pdus = pdus.into_iter().zip(encodings).map(|(pdu, encoding)| {
            let (Value::Object(pdu), Some((version, encoded))) = (pdu, encoding) else {
                return None;
            };
            Some(Self::checked(pdu, version, text_len, |_, _| encoded))
        });
        Ok(pdus.collect())
    }

    /// [`from_parsed`](Self::from_parsed) with the signed bytes and content hash from `encode`.
    fn checked(
        pdu: JsonObject,
        version: &'static RoomVersion,
        text_len: usize,
        encode: impl FnOnce(&JsonObject, &RoomVersion) -> Result<Encoded, EventError>,
    ) -> Result<Self, PduError> {
        check_format(&pdu, version)?;
        let measure =
            text_len > MAX_PDU_BYTES || version.canonical_json != CanonicalJsonRules::Strict;
        if measure {
            let size = canonical_json::object_to_vec(&pdu, version.canonical_json)
                .map_err(EventError::from)?
                .len();
            if size > MAX_PDU_BYTES {
                return Err(PduError::TooLarge);
            }
        }
        let (signed, content_hash) = encode(&pdu, version)?;
        let event_id = event_id_of_signed(&pdu, version, &signed)?;
        Ok(IncomingPdu {
            pdu,
            version,
            event_id,
            signed,
            content_hash,
        })
    }

    pub fn event_id(&self) -> &str {
        &self.event_id
    }

    pub fn version(&self) -> &'static RoomVersion {
        self.version
    }

    /// The `room_id` (absent from a room version 12 create event).
    pub fn room_id(&self) -> Option<&str> {
        self.pdu.get("room_id").and_then(Value::as_str)
    }

    pub fn pdu(&self) -> &JsonObject {
        &self.pdu
    }

    /// Fails unless the event is in `room_id` (a v12 create event: the room it defines).
    pub fn check_room(&self, room_id: &str) -> Result<(), PduError> {
        let found = match self.room_id() {
            Some(room) => room.to_owned(),
            None => format!("!{}", self.event_id.trim_start_matches('$')),
        };
        if found == room_id {
            Ok(())
        } else {
            Err(PduError::WrongRoom {
                expected: room_id.to_owned(),
                found,
            })
        }
    }

    /// The servers that must have signed the event, each with the key IDs it signed with.
    pub fn key_requests(&self) -> Result<Vec<(ServerName, Vec<String>)>, PduError> {
        let signatures = self.pdu.get("signatures").and_then(Value::as_object);
        required_signing_servers(&self.pdu, self.version)?
            .into_iter()
            .map(|server| {
                let key_ids = signatures
                    .and_then(|s| s.get(&server))
                    .and_then(Value::as_object)
                    .map(|keys| keys.keys().cloned().collect())
                    .unwrap_or_default();
                let server = ServerName::parse(server.as_str())
                    .map_err(|_| PduError::Format(format!("{server:?} is not a server name")))?;
                Ok((server, key_ids))
            })
            .collect()
    }

    /// Gets the keys of [`key_requests`](Self::key_requests) from `store`.
    pub async fn fetch_keys(&self, store: &impl KeyStore) -> Result<PublicKeyMap, PduError> {
        let mut keys = PublicKeyMap::new();
        for (server, key_ids) in self.key_requests()? {
            let ids: Vec<&str> = key_ids.iter().map(String::as_str).collect();
            let found = store
                .verify_keys(&server, &ids)
                .await
                .map_err(|error| PduError::Keys {
                    server: server.to_string(),
                    message: error.to_string(),
                })?;
            keys.insert(server.to_string(), found);
        }
        Ok(keys)
    }

    /// Checks the signatures with `keys` (keys past their validity at the event's
    /// `origin_server_ts` are not used in room versions that say so), then the content hash;
    /// a PDU whose hash does not match continues redacted.
    pub fn verify(self, keys: &PublicKeyMap) -> Result<CheckedPdu, PduError> {
        let content_hash = self.content_hash.as_ref();
        let redacted =
            match verify_signed_event(&self.pdu, self.version, keys, &self.signed, content_hash)? {
                Verified::All => false,
                Verified::SignaturesOnly => true,
            };
        let pdu = if redacted {
            redact(&self.pdu, self.version)?
        } else {
            self.pdu
        };
        let event = PduEvent::with_event_id(pdu, self.version, self.event_id)?;
        Ok(CheckedPdu { event, redacted })
    }

    /// [`fetch_keys`](Self::fetch_keys) then [`verify`](Self::verify).
    pub async fn verify_with(self, store: &impl KeyStore) -> Result<CheckedPdu, PduError> {
        let keys = self.fetch_keys(store).await?;
        self.verify(&keys)
    }
}

/// The members [`check_format`] reads, found in one pass rather than a lookup each.
#[derive(Default)]
struct Fields<'a> {
    event_type: Option<&'a Value>,
    state_key: Option<&'a Value>,
    sender: Option<&'a Value>,
    room_id: Option<&'a Value>,
    objects: [Option<&'a Value>; 3],
    references: [Option<&'a Value>; 2],
    integers: [Option<&'a Value>; 2],
}

const OBJECTS: [&str; 3] = ["content", "hashes", "signatures"];
const REFERENCES: [&str; 2] = ["auth_events", "prev_events"];
const INTEGERS: [&str; 2] = ["depth", "origin_server_ts"];

impl<'a> Fields<'a> {
    fn of(pdu: &'a JsonObject) -> Self {
        let mut fields = Fields::default();
        for (key, value) in pdu {
            let slot = match key.as_str() {
                "type" => &mut fields.event_type,
                "state_key" => &mut fields.state_key,
                "sender" => &mut fields.sender,
                "room_id" => &mut fields.room_id,
                "content" => &mut fields.objects[0],
                "hashes" => &mut fields.objects[1],
                "signatures" => &mut fields.objects[2],
                "auth_events" => &mut fields.references[0],
                "prev_events" => &mut fields.references[1],
                "depth" => &mut fields.integers[0],
                "origin_server_ts" => &mut fields.integers[1],
                _ => continue,
            };
            *slot = Some(value);
        }
        fields
    }
}

/// Step 1: the fields every PDU of the version has, with their types and sizes. (What the
/// authorization rules read, `PduEvent` checks again when it is built.)
fn check_format(pdu: &JsonObject, version: &RoomVersion) -> Result<(), PduError> {
    let fields = Fields::of(pdu);
    let text = |field: &str, value: Option<&Value>, required: bool| -> Result<(), PduError> {
        match value {
            Some(Value::String(value)) if value.len() <= MAX_FIELD_BYTES => Ok(()),
            Some(Value::String(_)) => Err(PduError::Format(format!(
                "`{field}` is longer than 255 bytes"
            ))),
            Some(_) => Err(PduError::Format(format!("`{field}` is not a string"))),
            None if required => Err(PduError::Format(format!("`{field}` is missing"))),
            None => Ok(()),
        }
    };
    text("type", fields.event_type, true)?;
    text("state_key", fields.state_key, false)?;
    text("sender", fields.sender, true)?;
    let v12_create = fields.event_type.and_then(Value::as_str) == Some("m.room.create")
        && version.room_id_format
            == matrix_event_format::room_version::RoomIdFormat::CreateEventHash;
    text("room_id", fields.room_id, !v12_create)?;
    for (field, value) in OBJECTS.iter().zip(fields.objects) {
        if !value.is_some_and(Value::is_object) {
            return Err(PduError::Format(format!("`{field}` is not an object")));
        }
    }
    for (field, value) in REFERENCES.iter().zip(fields.references) {
        let ids = value.and_then(Value::as_array);
        let valid = ids.is_some_and(|ids| ids.iter().all(Value::is_string));
        if !valid {
            return Err(PduError::Format(format!(
                "`{field}` is not an array of event IDs"
            )));
        }
    }
    for (field, value) in INTEGERS.iter().zip(fields.integers) {
        if !value.is_some_and(|v| v.is_i64() || v.is_u64()) {
            return Err(PduError::Format(format!("`{field}` is not an integer")));
        }
    }
    let sender_ok = fields
        .sender
        .and_then(Value::as_str)
        .is_some_and(|sender| matrix_api_core::UserId::parse(sender).is_ok());
    if !sender_ok {
        return Err(PduError::Format("`sender` is not a user ID".into()));
    }
    Ok(())
}
