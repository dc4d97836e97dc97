#!/usr/bin/env bash
# Benchmark table: matrix-state-res vs ruma-state-res 0.18 vs Synapse (the oracle's elapsed_ms)
# on the same rooms from the oracle's bench_stateres.py (room version 10; 1,000, 2,000 and 10,000
# events; 2 and 4 forks; 100 users and the conflict-heavy 1,000 users), plus the scaling ratio
# 10,000 / 1,000 events. ruma is only a dependency of the scratch project ruma-baseline/.
#
#   crates/state-res/benches/compare.sh [SIZES...]      (default: 1000 2000 10000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
workspace=$(cd "$here/../../.." && pwd)
peers=${MATRIX_PEERS_DIR:-$workspace/../shared/peers}
python=${SYNAPSE_PYTHON:-$("$peers/install-synapse.sh")}
rooms=$workspace/target/stateres-bench
mkdir -p "$rooms"
sizes=("${@:-1000 2000 10000}")
read -r -a sizes <<< "${sizes[*]}"
files=()
for users in 100 1000; do
  for forks in 2 4; do
    for events in "${sizes[@]}"; do
      file=$rooms/v10_${events}e_${forks}f_${users}u.json
      if [ ! -e "$file" ]; then
        "$python" "$peers/oracle/bench_stateres.py" --events "$events" --forks "$forks" \
          --users "$users" --room-version 10 --seed 1 --no-dag --write "$file" > /dev/null
      fi
      files+=("$file")
    done
  done
done
cd "$here/ruma-baseline"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$workspace/target/stateres}/ruma-baseline
cargo build --release --quiet
pin=()
if command -v taskset > /dev/null; then pin=(taskset -c 0); fi
# One process per room, so that no room (for any of the three implementations) runs on a heap
# that the rooms before it left behind.
header=()
for file in "${files[@]}"; do
  "${pin[@]}" "$CARGO_TARGET_DIR/release/stateres-ruma-baseline" "${header[@]}" \
    --synapse "$python" --oracle "$peers/oracle" "$file"
  header=(--no-header)
done
