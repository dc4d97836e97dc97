"""Synapse's side of the event-format cross-check (run by synapse_crosscheck.rs).

Reads JSON lines of {"room_version", "event"} cases from stdin and prints one JSON line per case
with what Synapse computes: canonical JSON, content hash, reference hash, event ID, room ID,
redacted form and an event signature made with the appendix's test key.

Run with the python of the Synapse venv: python synapse_crosscheck.py < CASES.jsonl
"""

import hashlib
import json
import sys

from canonicaljson import encode_canonical_json
from signedjson.key import decode_signing_key_base64
from unpaddedbase64 import encode_base64

from synapse.api.room_versions import KNOWN_ROOM_VERSIONS
from synapse.crypto.event_signing import (
    compute_content_hash,
    compute_event_reference_hash,
    compute_event_signature,
)
from synapse.events import make_event_from_dict
from synapse.events.utils import validate_canonicaljson
from synapse.synapse_rust.events import redact_event_dict

SEED = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1"
SIGNER = "crosscheck.example"
KEY = decode_signing_key_base64("ed25519", "1", SEED)


def attempt(outcome, name, compute):
    try:
        outcome[name] = compute()
    except Exception as error:  # reported per field, compared with the Rust side's error
        outcome[name + "_error"] = type(error).__name__


def check(case):
    room_version = KNOWN_ROOM_VERSIONS[case["room_version"]]
    event = case["event"]
    outcome = {}
    if room_version.strict_canonicaljson:
        # What Synapse does to every PDU it receives in these versions (event_from_pdu_json).
        try:
            validate_canonicaljson(event)
        except Exception as error:
            return {"refused": type(error).__name__}
    attempt(outcome, "canonical", lambda: encode_canonical_json(event).decode("utf-8"))
    attempt(
        outcome,
        "content_hash",
        lambda: encode_base64(compute_content_hash(event, hashlib.sha256)[1]),
    )
    try:
        built = make_event_from_dict(event, room_version)
        outcome["reference_hash"] = encode_base64(compute_event_reference_hash(built)[1])
        outcome["event_id"] = built.event_id
        outcome["room_id"] = built.room_id
    except Exception as error:
        outcome["event_error"] = type(error).__name__

    def redacted():
        pruned = redact_event_dict(room_version, event)
        # Synapse keeps unsigned.age_ts and unsigned.replaces_state for its own storage;
        # the specification's algorithm removes `unsigned`.
        pruned.pop("unsigned", None)
        return encode_canonical_json(pruned).decode("utf-8")

    attempt(outcome, "redacted", redacted)
    attempt(
        outcome,
        "signature",
        lambda: compute_event_signature(room_version, event, SIGNER, KEY)[SIGNER]["ed25519:1"],
    )
    return outcome


def main():
    for line in sys.stdin:
        print(json.dumps(check(json.loads(line))))


if __name__ == "__main__":
    main()
