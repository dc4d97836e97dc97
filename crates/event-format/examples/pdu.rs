//! Command-line access to the event format functions, one output line per PDU.
//!
//! ```text
//! cargo run --release --example pdu -- COMMAND --room-version V FILE.json
//! ```
//! FILE holds one PDU or a JSON array of PDUs. Commands: `canonical`, `content-hash`,
//! `reference-hash`, `event-id`, `redact` (canonical JSON of the redacted event) and
//! `verify --key ed25519:ID=BASE64_PUBLIC_KEY` (repeatable; each key is trusted for every server
//! whose signature the PDU needs). Prints `ok` or the reason per PDU for `verify`.
//!
//! Exit status: 0 when every PDU succeeded, 1 when a signature check failed, 2 on bad input
//! (arguments, file, JSON, or a PDU that cannot be processed).

use std::process::ExitCode;

use matrix_event_format::{
    JsonObject, KeySet, PublicKeyMap, RoomVersion, VerifyKey, base64, canonical_json, content_hash,
    event_id, json, redact, reference_hash, required_signing_servers, verify_event,
};
use serde_json::Value;

const USAGE: &str = "usage: pdu (canonical|content-hash|reference-hash|event-id|redact|verify) \
                     --room-version V [--key ed25519:ID=BASE64_PUBLIC_KEY]... FILE.json";

#[derive(Clone, Copy, PartialEq)]
enum Command {
    Canonical,
    ContentHash,
    ReferenceHash,
    EventId,
    Redact,
    Verify,
}

struct Args {
    command: Command,
    version: &'static RoomVersion,
    keys: KeySet,
    file: String,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let command = match args.next().as_deref() {
        Some("canonical") => Command::Canonical,
        Some("content-hash") => Command::ContentHash,
        Some("reference-hash") => Command::ReferenceHash,
        Some("event-id") => Command::EventId,
        Some("redact") => Command::Redact,
        Some("verify") => Command::Verify,
        Some(other) => return Err(format!("unknown command {other:?}")),
        None => return Err("missing command".into()),
    };
    let (mut version, mut keys, mut file) = (None, KeySet::new(), None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--room-version" => {
                let id = args.next().ok_or("--room-version needs a value")?;
                version = Some(
                    RoomVersion::from_id(&id)
                        .ok_or_else(|| format!("unknown room version {id:?} (known: 1 to 12)"))?,
                );
            }
            "--key" => {
                let spec = args
                    .next()
                    .ok_or("--key needs ed25519:ID=BASE64_PUBLIC_KEY")?;
                let (key_id, key) = spec
                    .split_once('=')
                    .ok_or_else(|| format!("--key {spec:?} is not ed25519:ID=BASE64_PUBLIC_KEY"))?;
                matrix_event_format::keys::parse_key_id(key_id)
                    .map_err(|e| format!("--key {spec:?}: {e}"))?;
                let key =
                    VerifyKey::from_base64(key).map_err(|e| format!("--key {spec:?}: {e}"))?;
                keys.insert(key_id.to_owned(), key);
            }
            _ if file.is_none() && !arg.starts_with("--") => file = Some(arg),
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    if command == Command::Verify && keys.is_empty() {
        return Err("verify needs at least one --key".into());
    }
    if command != Command::Verify && !keys.is_empty() {
        return Err("--key is only for verify".into());
    }
    Ok(Args {
        command,
        version: version.ok_or("missing --room-version")?,
        keys,
        file: file.ok_or("missing FILE.json")?,
    })
}

fn read_pdus(file: &str) -> Result<Vec<JsonObject>, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let value = json::from_slice(&bytes).map_err(|e| format!("{file}: {e}"))?;
    let items = match value {
        Value::Array(items) => items,
        single => vec![single],
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| match item {
            Value::Object(pdu) => Ok(pdu),
            _ => Err(format!("{file}: PDU {index} is not a JSON object")),
        })
        .collect()
}

/// The output line for one PDU; `Err` for a PDU that cannot be processed.
fn run(args: &Args, pdu: &JsonObject) -> Result<Result<String, String>, String> {
    let version = args.version;
    let text = |e: &dyn std::fmt::Display| e.to_string();
    Ok(Ok(match args.command {
        Command::Canonical => {
            canonical_json::to_string(&Value::Object(pdu.clone()), version.canonical_json)
                .map_err(|e| text(&e))?
        }
        Command::ContentHash => base64::encode(content_hash(pdu, version).map_err(|e| text(&e))?),
        Command::ReferenceHash => {
            base64::encode(reference_hash(pdu, version).map_err(|e| text(&e))?)
        }
        Command::EventId => event_id(pdu, version).map_err(|e| text(&e))?,
        Command::Redact => {
            let redacted = redact(pdu, version).map_err(|e| text(&e))?;
            canonical_json::to_string(&Value::Object(redacted), version.canonical_json)
                .map_err(|e| text(&e))?
        }
        Command::Verify => {
            let servers = required_signing_servers(pdu, version).map_err(|e| text(&e))?;
            let keys: PublicKeyMap = servers
                .into_iter()
                .map(|server| (server, args.keys.clone()))
                .collect();
            return Ok(match verify_event(pdu, version, &keys) {
                Ok(matrix_event_format::Verified::All) => Ok("ok".into()),
                Ok(matrix_event_format::Verified::SignaturesOnly) => Err(
                    "signatures valid, but the content hash does not match: the event was \
                         redacted or altered"
                        .into(),
                ),
                Err(error) => Err(error.to_string()),
            });
        }
    }))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("pdu: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let pdus = match read_pdus(&args.file) {
        Ok(pdus) => pdus,
        Err(message) => {
            eprintln!("pdu: {message}");
            return ExitCode::from(2);
        }
    };
    let mut status = 0;
    for (index, pdu) in pdus.iter().enumerate() {
        match run(&args, pdu) {
            Ok(Ok(line)) => println!("{line}"),
            Ok(Err(reason)) => {
                println!("{reason}");
                status = status.max(1);
            }
            Err(reason) => {
                println!("error: {reason}");
                eprintln!("pdu: PDU {index}: {reason}");
                status = 2;
            }
        }
    }
    ExitCode::from(status)
}
