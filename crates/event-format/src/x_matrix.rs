//! The `X-Matrix` Authorization header of federation requests: parsing, formatting, and
//! signing and verifying the request it authenticates.

use std::fmt;

use serde_json::Value;

use crate::base64;
use crate::canonical_json::{CanonicalJsonRules, Writer, check_depth, sorted_entries};
use crate::event::EventError;
use crate::hashes::{SignedBytes, hash_encoded};
use crate::identifiers::is_valid_server_name;
use crate::json::JsonObject;
use crate::keys::{ED25519, SigningKey, VerifyKey};
use crate::redaction::encode_whole_signed_and_hashed;
use crate::room_version::RoomVersion;
use crate::signing::{KeySet, VerifyError};

/// Why an `X-Matrix` header or the request it signs is not acceptable.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum XMatrixError {
    #[error("authorization scheme is not X-Matrix")]
    WrongScheme,
    #[error("malformed X-Matrix parameters at byte {0}")]
    Malformed(usize),
    #[error("parameter `{0}` appears twice")]
    DuplicateParameter(&'static str),
    #[error("missing parameter `{0}`")]
    MissingParameter(&'static str),
    #[error("{0:?} is not a valid server name")]
    InvalidServerName(String),
    #[error("request is for {found}, not for this server ({expected})")]
    WrongDestination { expected: String, found: String },
    #[error(transparent)]
    Verify(#[from] VerifyError),
    #[error(transparent)]
    Event(#[from] EventError),
}

/// The parameters of an `X-Matrix` Authorization header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XMatrix {
    /// The sending server.
    pub origin: String,
    /// The receiving server; older servers omit it.
    pub destination: Option<String>,
    /// The key ID, e.g. `ed25519:key1`.
    pub key: String,
    /// The base64 signature of the request JSON.
    pub sig: String,
}

const SCHEME: &str = "X-Matrix";

impl XMatrix {
    /// Parses a header value such as
    /// `X-Matrix origin="a.example",destination="b.example",key="ed25519:1",sig="…"`.
    ///
    /// Follows RFC 9110 credentials: the scheme and parameter names are case-insensitive,
    /// values are tokens or quoted strings with backslash escapes, whitespace around commas is
    /// allowed, unknown parameters are ignored. Colons are accepted in unquoted values for
    /// compatibility with older servers. Repeating a known parameter is an error.
    pub fn parse(header: &str) -> Result<XMatrix, XMatrixError> {
        let bytes = header.as_bytes();
        let scheme_ok = bytes.len() > SCHEME.len()
            && bytes[..SCHEME.len()].eq_ignore_ascii_case(SCHEME.as_bytes())
            && bytes[SCHEME.len()] == b' ';
        if !scheme_ok {
            return Err(XMatrixError::WrongScheme);
        }
        let mut parser = Parser {
            bytes,
            pos: SCHEME.len(),
        };
        parser.skip(|b| b == b' ');
        let (mut origin, mut destination, mut key, mut sig) = (None, None, None, None);
        loop {
            parser.skip(|b| b == b' ' || b == b'\t' || b == b',');
            if parser.done() {
                break;
            }
            let name = parser.token()?;
            parser.skip(is_whitespace);
            parser.expect(b'=')?;
            parser.skip(is_whitespace);
            let value = parser.value()?;
            parser.skip(is_whitespace);
            if !parser.done() {
                parser.expect(b',')?;
            }
            let (slot, name) = match name.to_ascii_lowercase().as_str() {
                "origin" => (&mut origin, "origin"),
                "destination" => (&mut destination, "destination"),
                "key" => (&mut key, "key"),
                "sig" => (&mut sig, "sig"),
                _ => continue,
            };
            if slot.replace(value).is_some() {
                return Err(XMatrixError::DuplicateParameter(name));
            }
        }
        let origin = origin.ok_or(XMatrixError::MissingParameter("origin"))?;
        for server in std::iter::once(&origin).chain(&destination) {
            if !is_valid_server_name(server) {
                return Err(XMatrixError::InvalidServerName(server.clone()));
            }
        }
        Ok(XMatrix {
            origin,
            destination,
            key: key.ok_or(XMatrixError::MissingParameter("key"))?,
            sig: sig.ok_or(XMatrixError::MissingParameter("sig"))?,
        })
    }

    /// The header value, with every parameter quoted, lower-case names and no extra spaces.
    pub fn to_header(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for XMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME} origin={}", Quoted(&self.origin))?;
        if let Some(destination) = &self.destination {
            write!(f, ",destination={}", Quoted(destination))?;
        }
        write!(f, ",key={},sig={}", Quoted(&self.key), Quoted(&self.sig))
    }
}

/// A quoted string, with `"` and `\` escaped.
struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for c in self.0.chars() {
            if c == '"' || c == '\\' {
                f.write_str("\\")?;
            }
            write!(f, "{c}")?;
        }
        f.write_str("\"")
    }
}

fn is_whitespace(byte: u8) -> bool {
    byte == b' ' || byte == b'\t'
}

/// RFC 9110 `tchar`.
fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn done(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn skip(&mut self, mut skipped: impl FnMut(u8) -> bool) {
        while self.bytes.get(self.pos).is_some_and(|&b| skipped(b)) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), XMatrixError> {
        if self.bytes.get(self.pos) == Some(&byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(XMatrixError::Malformed(self.pos))
        }
    }

    /// A non-empty run of bytes accepted by `accepted`.
    fn run(&mut self, accepted: impl FnMut(u8) -> bool) -> Result<String, XMatrixError> {
        let start = self.pos;
        self.skip(accepted);
        if self.pos == start {
            return Err(XMatrixError::Malformed(start));
        }
        // The accepted bytes are ASCII, so this is a valid `str` slice.
        Ok(String::from_utf8_lossy(&self.bytes[start..self.pos]).into_owned())
    }

    fn token(&mut self) -> Result<String, XMatrixError> {
        self.run(is_tchar)
    }

    fn value(&mut self) -> Result<String, XMatrixError> {
        if self.bytes.get(self.pos) != Some(&b'"') {
            return self.run(|b| is_tchar(b) || b == b':');
        }
        let start = self.pos;
        self.pos += 1;
        let mut value = Vec::new();
        loop {
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    // Only ASCII bytes were added except whole UTF-8 sequences copied as is.
                    return String::from_utf8(value).map_err(|_| XMatrixError::Malformed(start));
                }
                Some(b'\\') => {
                    let escaped = self.bytes.get(self.pos + 1);
                    match escaped {
                        Some(&b) if b == b'\t' || b >= 0x20 && b != 0x7f => value.push(b),
                        _ => return Err(XMatrixError::Malformed(self.pos)),
                    }
                    self.pos += 2;
                }
                Some(&b) if b == b'\t' || b >= 0x20 && b != 0x7f => {
                    value.push(b);
                    self.pos += 1;
                }
                _ => return Err(XMatrixError::Malformed(self.pos)),
            }
        }
    }
}

/// A federation request to sign or verify.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The HTTP method, e.g. `PUT`.
    pub method: &'a str,
    /// The path and query, starting with `/_matrix/`.
    pub uri: &'a str,
    /// The parsed JSON body, if the request has one.
    pub content: Option<&'a Value>,
}

/// Signs `request` from `origin` to `destination`; the result formats as the header value.
pub fn sign_request(
    key: &SigningKey,
    origin: &str,
    destination: &str,
    request: Request<'_>,
) -> Result<XMatrix, EventError> {
    let message = request_json(origin, destination, request, None)?;
    Ok(XMatrix {
        origin: origin.to_owned(),
        destination: Some(destination.to_owned()),
        key: key.key_id().to_owned(),
        sig: base64::encode(key.sign(&message)),
    })
}

/// Checks that `header` signs `request` for this server (`own_server_name`) with one of
/// `origin_keys`, the keys of `header.origin`. A header without `destination` is checked as if
/// it named this server.
pub fn verify_request(
    header: &XMatrix,
    own_server_name: &str,
    origin_keys: &KeySet,
    request: Request<'_>,
) -> Result<(), XMatrixError> {
    let (key, signature) = request_key(header, own_server_name, origin_keys)?;
    let message = request_json(
        &header.origin,
        destination(header, own_server_name),
        request,
        None,
    )?;
    check_signature(header, key, &message, &signature)
}

/// A PDU's room version with its signed bytes and content hash (as
/// [`signed_bytes_and_content_hash`](crate::signed_bytes_and_content_hash) gives them) or why
/// it has none; `None` for a PDU that is not an object or whose room version is unknown.
pub type PduEncoding = Option<(
    &'static RoomVersion,
    Result<(SignedBytes, Option<[u8; 32]>), EventError>,
)>;

/// [`verify_request`] for a request whose body carries PDUs (its `pdus`, as `PUT /send`): the
/// request's canonical JSON is encoded once, and each PDU's signed bytes and content hash are
/// taken from it, under the rules of its room version (`version_of`). Returns them in the
/// order of `pdus`.
pub fn verify_request_with_pdus(
    header: &XMatrix,
    own_server_name: &str,
    origin_keys: &KeySet,
    request: Request<'_>,
    version_of: &mut dyn FnMut(&JsonObject) -> Option<&'static RoomVersion>,
) -> Result<Vec<PduEncoding>, XMatrixError> {
    let (key, signature) = request_key(header, own_server_name, origin_keys)?;
    let mut pdus = PduEncoder {
        version_of,
        encodings: Vec::new(),
    };
    let message = request_json(
        &header.origin,
        destination(header, own_server_name),
        request,
        Some(&mut pdus),
    )?;
    check_signature(header, key, &message, &signature)?;
    Ok(pdus.encodings)
}

/// The key of `origin_keys` that `header` names and its signature, once the destination is
/// checked to be this server.
fn request_key<'k>(
    header: &XMatrix,
    own_server_name: &str,
    origin_keys: &'k KeySet,
) -> Result<(&'k VerifyKey, [u8; 64]), XMatrixError> {
    let destination = destination(header, own_server_name);
    if destination != own_server_name {
        return Err(XMatrixError::WrongDestination {
            expected: own_server_name.to_owned(),
            found: destination.to_owned(),
        });
    }
    let origin = &header.origin;
    if header.key.split_once(':').map(|(algorithm, _)| algorithm) != Some(ED25519) {
        return Err(VerifyError::NoSupportedSignature(origin.clone()).into());
    }
    let key = origin_keys
        .get(&header.key)
        .ok_or_else(|| VerifyError::NoKnownKey(origin.clone()))?;
    let signature =
        base64::decode_array::<64>(&header.sig).map_err(|_| VerifyError::SignatureEncoding {
            entity: origin.clone(),
            key_id: header.key.clone(),
        })?;
    Ok((key, signature))
}

fn check_signature(
    header: &XMatrix,
    key: &VerifyKey,
    message: &[u8],
    signature: &[u8; 64],
) -> Result<(), XMatrixError> {
    key.verify(message, signature)
        .map_err(|_| VerifyError::BadSignature {
            entity: header.origin.clone(),
            key_id: header.key.clone(),
        })?;
    Ok(())
}

/// The header's destination; this server if it names none.
fn destination<'a>(header: &'a XMatrix, own_server_name: &'a str) -> &'a str {
    header.destination.as_deref().unwrap_or(own_server_name)
}

/// Encodes the PDUs of a request body and keeps what their checks need.
struct PduEncoder<'v> {
    version_of: &'v mut dyn FnMut(&JsonObject) -> Option<&'static RoomVersion>,
    encodings: Vec<PduEncoding>,
}

/// Nesting of a PDU's members in a request: request, `content`, `pdus`, the PDU.
const PDU_MEMBER_DEPTH: usize = 4;

impl PduEncoder<'_> {
    /// Writes `content` (at nesting 1), its `pdus` one by one.
    fn write_content(
        &mut self,
        writer: &mut Writer<'_>,
        content: &JsonObject,
    ) -> Result<(), EventError> {
        check_depth(1)?;
        let mut fields = writer.begin_object();
        for (key, value) in sorted_entries(content) {
            writer.key(&mut fields, key);
            match value {
                Value::Array(pdus) if key == "pdus" => self.write_pdus(writer, pdus)?,
                _ => writer.value(value, 2)?,
            }
        }
        writer.end_object();
        Ok(())
    }

    fn write_pdus(&mut self, writer: &mut Writer<'_>, pdus: &[Value]) -> Result<(), EventError> {
        check_depth(2)?;
        writer.out().push(b'[');
        for (index, pdu) in pdus.iter().enumerate() {
            if index > 0 {
                writer.out().push(b',');
            }
            let version = pdu
                .as_object()
                .and_then(|pdu| Some((pdu, (self.version_of)(pdu)?)));
            let encoding = match version {
                Some((pdu, version)) => {
                    let encoded = encode_whole_signed_and_hashed(
                        writer.out(),
                        pdu,
                        PDU_MEMBER_DEPTH,
                        version,
                    )?;
                    Some((version, encoded.map(hash_encoded)))
                }
                None => {
                    writer.value(pdu, PDU_MEMBER_DEPTH - 1)?;
                    None
                }
            };
            self.encodings.push(encoding);
        }
        writer.out().push(b']');
        Ok(())
    }
}

/// Canonical JSON of `{"content", "destination", "method", "origin", "uri"}` (keys in order),
/// the PDUs of `content` written by `pdus` if given.
fn request_json(
    origin: &str,
    destination: &str,
    request: Request<'_>,
    pdus: Option<&mut PduEncoder<'_>>,
) -> Result<Vec<u8>, EventError> {
    let mut out = Vec::with_capacity(256);
    let mut writer = Writer::new(&mut out, CanonicalJsonRules::Standard);
    let mut fields = writer.begin_object();
    if let Some(content) = request.content {
        writer.key(&mut fields, "content");
        match (content, pdus) {
            (Value::Object(content), Some(pdus)) => pdus.write_content(&mut writer, content)?,
            _ => writer.value(content, 1)?,
        }
    }
    for (name, value) in [
        ("destination", destination),
        ("method", request.method),
        ("origin", origin),
        ("uri", request.uri),
    ] {
        writer.key(&mut fields, name);
        writer.string(value);
    }
    writer.end_object();
    Ok(out)
}
