#!/usr/bin/env python3
"""Batch driver for the Synapse-backed auth oracle (../shared/peers/oracle/auth_oracle.py).

    "$SYNAPSE_PYTHON" auth_batch.py ORACLE_DIR < rooms.json > verdicts.jsonl

stdin: a JSON array of rooms in the oracle's format, each with "checks": [{"event", "state"?}].
stdout: one JSON line per room: {"results": [{"event", "verdict", "stage", "error"}, ...]}, or
{"error": "..."} if the room cannot be built. Runs the oracle's own check_event (Synapse's
event_auth: size limits, state-independent rules, state-dependent rules against the claimed auth
events and against the given state) in one process, so Synapse is imported once for many rooms.
"""
import json
import os
import sys

sys.path.insert(0, os.path.abspath(sys.argv[1]))
import auth_oracle  # noqa: E402
from stateres_oracle import Room, parse_state  # noqa: E402


def run(spec):
    room = Room(spec, normalise_v12_create_ref=False)
    auth_oracle._ROOM = room
    store = auth_oracle.AuthStore(room)
    results = []
    for check in spec["checks"]:
        eid = room.label_to_id[check["event"]]
        state = room.to_ids(parse_state(check["state"])) if "state" in check else None
        result = auth_oracle.check_event(room, store, eid, state, False)
        results.append({"event": check["event"], **result})
    return {"results": results}


def main():
    rooms = json.load(sys.stdin)
    for spec in rooms:
        try:
            out = run(spec)
        except Exception as e:  # noqa: BLE001
            out = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
