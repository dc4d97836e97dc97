#!/usr/bin/env bash
# Clean debug build time of the five generated API crates (with matrix-api-core, the
# generator they are built by, and all dependencies), without and with their client and
# server stubs, against ruma 0.17 with the five API features, in the same run on the same
# machine. Ruma lives only in a scratch project under target/, never in the product's
# dependencies.
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

declare -a ours_times stubs_times ruma_times
for i in $(seq "$runs"); do
  rm -rf "$scratch/target-ours" "$scratch/target-stubs" "$scratch/ruma/target"
  ours_times+=("$(time_build ours env CARGO_TARGET_DIR="$scratch/target-ours" cargo build --locked "${ours[@]}")")
  stubs_times+=("$(time_build stubs env CARGO_TARGET_DIR="$scratch/target-stubs" cargo build --locked "${ours[@]}" "${stubs[@]}")")
  ruma_times+=("$(time_build ruma bash -c "cd $scratch/ruma && cargo build")")
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
o=$(median "${ours_times[@]}")
c=$(median "${stubs_times[@]}")
r=$(median "${ruma_times[@]}")
printf '\n| clean debug build (%s run(s), median) | seconds |\n|---|---|\n' "$runs"
printf '| five generated crates + matrix-api-core + generator | %.1f |\n' "$o"
printf '| the same with the client and server stubs (+ matrix-client, matrix-server) | %.1f |\n' "$c"
printf '| ruma 0.17 (client, federation, appservice, identity, push-gateway APIs) | %.1f |\n' "$r"
printf '| ratio ours / ruma | %.2f |\n' "$(echo "$o / $r" | bc -l)"
printf '| ratio ours with stubs / ruma | %.2f |\n' "$(echo "$c / $r" | bc -l)"
