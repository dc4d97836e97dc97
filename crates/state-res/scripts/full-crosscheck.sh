#!/usr/bin/env bash
# The full cross-check against Synapse (release build): the oracle's scenarios, 2,400 random
# rooms (room versions 1, 2, 6, 10, 11, 12: DAG walks with a resolution at every merge and every
# event authorised, plus a state_sets query per room) and 12,000 generated auth events (room
# versions 1-12). Each part prints "N passed, M failed".
#
#   crates/state-res/scripts/full-crosscheck.sh [ROOMS] [AUTH_EVENTS]
set -euo pipefail
cd "$(dirname "$0")/../../.."
rooms=${1:-2400}
auth_events=${2:-12000}
peers=${MATRIX_PEERS_DIR:-$(pwd)/../shared/peers}
export MATRIX_PEERS_DIR=$peers
export SYNAPSE_PYTHON=${SYNAPSE_PYTHON:-$("$peers/install-synapse.sh")}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target/stateres}
cargo build --release --quiet -p matrix-auth-rules -p matrix-state-res --tests
status=0
run() {
  local out code=0
  out=$(cargo test --release --quiet "$@" -- --nocapture 2>&1) || code=$?
  grep -E "passed, [0-9]+ failed|FAIL|compared|rejections|counts|outside" <<< "$out" || true
  if [ "$code" -ne 0 ]; then echo "FAILED (exit $code)"; status=1; fi
}
echo "== scenarios"
run -p matrix-state-res --test scenarios
echo "== random rooms ($rooms)"
STATERES_CROSSCHECK_ROOMS=$rooms STATERES_CROSSCHECK_SEED=${STATERES_CROSSCHECK_SEED:-20261123} \
  run -p matrix-state-res --test random_rooms
echo "== auth events ($auth_events)"
AUTH_CROSSCHECK_EVENTS=$auth_events run -p matrix-auth-rules --test synapse_crosscheck
exit $status
