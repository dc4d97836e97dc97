#!/usr/bin/env bash
# Benchmark table: matrix-state-res vs ruma-state-res 0.18 vs Synapse (the oracle's elapsed_ms)
# on rooms from the oracle's bench_stateres.py, every combination of room version, users, forks,
# events and seed below; one row per room and pass, then the table by shape (ranges over seeds;
# each implementation's time the fastest of its passes, as Synapse's is). ruma is
# only a dependency of the scratch project ruma-baseline/; see its doc comment for what is timed.
#
#   crates/state-res/benches/compare.sh
#   VERSIONS="10" USERS="100" FORKS="2" EVENTS="1000" SEEDS="1" crates/state-res/benches/compare.sh
#   SYNAPSE_RESULTS=/tmp/…/synapse.jsonl crates/state-res/benches/compare.sh   (Synapse not rerun)
#   PASSES=1 crates/state-res/benches/compare.sh   (one pass of ours and ruma; Synapse makes three)
#   COLD=1 EVENTS="1000 10000" crates/state-res/benches/compare.sh   (ours and ruma with the CPU's
#     caches emptied before a resolution and warm, and their 10,000 ÷ 1,000 scaling; no Synapse)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
workspace=$(cd "$here/../../.." && pwd)
peers=${MATRIX_PEERS_DIR:-$workspace/../shared/peers}
python=${SYNAPSE_PYTHON:-$("$peers/install-synapse.sh")}
rooms=$workspace/target/stateres-bench
mkdir -p "$rooms"
files=()
for seed in ${SEEDS:-1 2 3}; do
  for version in ${VERSIONS:-6 10 12}; do
    for users in ${USERS:-100 1000}; do
      for forks in ${FORKS:-2 4 8}; do
        for events in ${EVENTS:-1000 2000 10000}; do
          file=$rooms/v${version}_${events}e_${forks}f_${users}u_s${seed}.json
          if [ ! -e "$file" ]; then
            "$python" "$peers/oracle/bench_stateres.py" --events "$events" --forks "$forks" \
              --users "$users" --room-version "$version" --seed "$seed" --no-dag \
              --write "$file" > /dev/null
          fi
          files+=("$file")
        done
      done
    done
  done
done
cd "$here/ruma-baseline"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$workspace/target/stateres}/ruma-baseline
cargo build --release --quiet
bin=$CARGO_TARGET_DIR/release/stateres-ruma-baseline
pin=()
if command -v taskset > /dev/null; then pin=(taskset -c 0); fi
run=$(mktemp -d)
if [ -n "${COLD:-}" ]; then
  header=()
  for file in "${files[@]}"; do
    "${pin[@]}" "$bin" "${header[@]}" --cold --rows "$run/cold.jsonl" "$file"
    header=(--no-header)
  done
  echo
  "$bin" --cold-summary "$run/cold.jsonl"
  echo "(rows: $run/cold.jsonl)"
  exit
fi
# Synapse: three passes over all rooms in one process (its first resolution pays for imports),
# or the results of an earlier run of this script (SYNAPSE_RESULTS=…/synapse.jsonl).
if [ -n "${SYNAPSE_RESULTS:-}" ]; then
  cp "$SYNAPSE_RESULTS" "$run/synapse.jsonl"
else
  "${pin[@]}" "$python" "$peers/oracle/stateres_oracle.py" "${files[@]}" "${files[@]}" "${files[@]}" \
    > "$run/synapse.jsonl"
fi
# Ours and ruma: one process per room, so that no room runs on a heap the rooms before it left;
# PASSES passes over all rooms (3 by default, as Synapse's), each implementation's fastest counting.
header=()
for pass in $(seq "${PASSES:-3}"); do
  for file in "${files[@]}"; do
    "${pin[@]}" "$bin" "${header[@]}" --synapse "$run/synapse.jsonl" --rows "$run/rows.jsonl" "$file"
    header=(--no-header)
  done
done
echo
"$bin" --summary "$run/rows.jsonl"
echo "(rows: $run/rows.jsonl, Synapse: $run/synapse.jsonl)"
