//! Strict parsing and canonical JSON of arbitrary bytes, then the event functions on any
//! object: errors are fine, panics and non-canonical output are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use matrix_event_format::canonical_json::{self, CanonicalJsonRules};
use matrix_event_format::room_version::ROOM_VERSIONS;
use matrix_event_format::{content_hash, event_id, json, redact, reference_hash};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = json::from_slice(data) else {
        return;
    };
    for rules in [
        CanonicalJsonRules::Lenient,
        CanonicalJsonRules::Standard,
        CanonicalJsonRules::Strict,
    ] {
        if let Ok(encoded) = canonical_json::to_vec(&value, rules) {
            // Canonical output is valid JSON whose canonical form is itself.
            let reparsed = json::from_slice(&encoded).expect("canonical output parses");
            let again = canonical_json::to_vec(&reparsed, rules).expect("still canonical");
            assert_eq!(encoded, again);
        }
    }
    if let Value::Object(pdu) = &value {
        for version in [&ROOM_VERSIONS[0], &ROOM_VERSIONS[2], &ROOM_VERSIONS[10], &ROOM_VERSIONS[11]] {
            let _ = content_hash(pdu, version);
            let _ = event_id(pdu, version);
            if let Ok(redacted) = redact(pdu, version) {
                // Redaction is idempotent and agrees with the streamed reference hash.
                assert_eq!(redact(&redacted, version).as_ref(), Ok(&redacted));
                assert_eq!(
                    reference_hash(&redacted, version).ok(),
                    reference_hash(pdu, version).ok()
                );
            }
        }
    }
});
