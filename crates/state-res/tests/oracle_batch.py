#!/usr/bin/env python3
"""Batch driver for the Synapse-backed oracles in ../shared/peers/oracle.

    "$SYNAPSE_PYTHON" oracle_batch.py ORACLE_DIR MODE < rooms.json > results.jsonl

stdin: a JSON array of rooms in the oracles' format. One JSON line per room on stdout
({"error": "..."} if Synapse raises). Synapse is imported once for all rooms.

MODE "resolve": stateres_oracle.run_spec (the file's query, store=persisted) ->
  {"resolved_state": STATE}
MODE "walk": what auth_oracle.py --dag does: walk the DAG in topological order; the state before
  each event is Synapse's v1/v2/v2.1 resolution of the states after its prev_events; each event
  goes through Synapse's event auth (auth events, then that state) and is marked rejected if it
  fails; rejected events do not enter the state ->
  {"auth": [{"event", "verdict", "stage", "error"}], "state_after": {label: STATE}}
"""
import json
import os
import sys

sys.path.insert(0, os.path.abspath(sys.argv[1]))
import auth_oracle  # noqa: E402
from stateres_oracle import Room, nest_state, run_spec  # noqa: E402


def resolve(spec):
    info = run_spec(spec, "persisted")
    return {"resolved_state": nest_state(info["resolved"]), "elapsed_ms": info["elapsed_ms"]}


def walk(spec):
    room = Room(spec, normalise_v12_create_ref=False)
    auth_oracle._ROOM = room
    store = auth_oracle.AuthStore(room)
    after = {}
    results = []
    for label in room.order:
        eid = room.label_to_id[label]
        ev = room.events[eid]
        before = room.resolve_ids([after[p] for p in ev.prev_event_ids() if p in after])
        r = auth_oracle.check_event(room, store, eid, before if ev.prev_event_ids() else None, False)
        if r["verdict"] != "allow" and ev.rejected_reason is None:
            room.rebuild_rejected(label, "auth_error")
            ev = room.events[eid]
        st = dict(before)
        if ev.is_state() and ev.rejected_reason is None:
            st[(ev.type, ev.state_key)] = eid
        after[eid] = st
        results.append({"event": label, **r})
    states = {room.id_to_label[e]: nest_state(room.to_labels(s)) for e, s in after.items()}
    return {"auth": results, "state_after": states}


def main():
    mode = {"resolve": resolve, "walk": walk}[sys.argv[2]]
    for spec in json.load(sys.stdin):
        try:
            out = mode(spec)
        except Exception as e:  # noqa: BLE001
            out = {"error": f"{type(e).__module__}.{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
