#!/usr/bin/env bash
# Clean debug build time of the five generated API crates (with matrix-api-core, the
# generator they are built by, and all dependencies), without and with their client and
# server stubs, against ruma 0.17 with the five API features, in the same run on the same
# machine. Ruma lives only in a scratch project under target/, never in the product's
# dependencies.
#
# Ruma is built as a registry dependency, which cargo never compiles incrementally. Ours are
# workspace members, which it does by default (saving the incremental caches costs time);
# a user who depends on them gets them as ruma is built. So both are reported: as workspace
# members (the default), and as dependencies (CARGO_INCREMENTAL=0, the like-for-like one).
#
#   benches/compile-time.sh [RUNS]     (default 1 run each, alternating)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1}
scratch=target/bench-compile
mkdir -p "$scratch/ruma/src"
cat > "$scratch/ruma/Cargo.toml" <<'TOML'
[package]
name = "ruma-compile-baseline"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
ruma = { version = "0.17", features = ["client-api", "federation-api", "appservice-api", "identity-service-api", "push-gateway-api"] }
TOML
echo 'pub use ruma;' > "$scratch/ruma/src/lib.rs"

crates=(matrix-client-server-api matrix-server-server-api matrix-application-service-api matrix-identity-api matrix-push-gateway-api)
ours=()
stubs=()
for c in "${crates[@]}"; do
  ours+=(-p "$c")
  stubs+=(--features "$c/client,$c/server")
done
# The runtimes the stubs sit on, as a user of both halves builds them.
stubs+=(-p matrix-client --features matrix-client/federation -p matrix-server)
# Downloads are not part of the build time.
cargo fetch --locked >/dev/null
(cd "$scratch/ruma" && cargo fetch >/dev/null 2>&1)

time_build() { # label, then the command; prints seconds
  local start end
  start=$(date +%s.%N)
  "${@:2}" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

declare -a ours_times stubs_times dep_times dep_stubs_times ruma_times
for i in $(seq "$runs"); do
  rm -rf "$scratch"/target-* "$scratch/ruma/target"
  ours_times+=("$(time_build ours env CARGO_TARGET_DIR="$scratch/target-ours" cargo build --locked "${ours[@]}")")
  stubs_times+=("$(time_build stubs env CARGO_TARGET_DIR="$scratch/target-stubs" cargo build --locked "${ours[@]}" "${stubs[@]}")")
  dep_times+=("$(time_build ours env CARGO_INCREMENTAL=0 CARGO_TARGET_DIR="$scratch/target-dep" cargo build --locked "${ours[@]}")")
  dep_stubs_times+=("$(time_build stubs env CARGO_INCREMENTAL=0 CARGO_TARGET_DIR="$scratch/target-dep-stubs" cargo build --locked "${ours[@]}" "${stubs[@]}")")
  ruma_times+=("$(time_build ruma bash -c "cd $scratch/ruma && cargo build")")
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
o=$(median "${ours_times[@]}")
c=$(median "${stubs_times[@]}")
d=$(median "${dep_times[@]}")
e=$(median "${dep_stubs_times[@]}")
r=$(median "${ruma_times[@]}")
ratio() { printf '%.2f' "$(echo "$1 / $r" | bc -l)"; }
printf '\n| clean debug build (%s run(s), median) | as workspace members (s) | ratio to ruma | as dependencies (s) | ratio to ruma |\n|---|---|---|---|---|\n' "$runs"
printf '| five generated crates + matrix-api-core + generator | %.1f | %s | %.1f | %s |\n' "$o" "$(ratio "$o")" "$d" "$(ratio "$d")"
printf '| the same with the client and server stubs, + matrix-client (federation) and matrix-server | %.1f | %s | %.1f | %s |\n' "$c" "$(ratio "$c")" "$e" "$(ratio "$e")"
printf '| ruma 0.17 (client, federation, appservice, identity, push-gateway APIs) | %.1f | | %.1f | |\n' "$r" "$r"
