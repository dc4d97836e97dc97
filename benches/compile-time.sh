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
features=()
for c in "${crates[@]}"; do
  ours+=(-p "$c")
  features+=(--features "$c/client,$c/server")
done
# The rows: the five crates; the same with their client and server stubs (which name only
# matrix-api-core); and with the runtimes the stubs sit on, as a user of both halves builds
# them (ruma has no HTTP stack in its API crates, so that row is for information).
rows=(plain stubs runtimes)
declare -A args=(
  [plain]="${ours[*]}"
  [stubs]="${ours[*]} ${features[*]}"
  [runtimes]="${ours[*]} ${features[*]} -p matrix-client --features matrix-client/federation -p matrix-server"
)
declare -A labels=(
  [plain]="five generated crates + matrix-api-core + generator"
  [stubs]="the same with their client and server stubs (features client, server)"
  [runtimes]="the same + matrix-client (federation) and matrix-server (reqwest, axum, tokio, rustls)"
)
# Downloads are not part of the build time.
cargo fetch --locked >/dev/null
(cd "$scratch/ruma" && cargo fetch >/dev/null 2>&1)

time_build() { # the command; prints seconds
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

declare -A workspace dependency
ruma_times=()
for i in $(seq "$runs"); do
  rm -rf "$scratch"/target-* "$scratch/ruma/target"
  for row in "${rows[@]}"; do
    read -ra a <<<"${args[$row]}"
    workspace[$row]+=" $(time_build env CARGO_TARGET_DIR="$scratch/target-$row" cargo build --locked "${a[@]}")"
    dependency[$row]+=" $(time_build env CARGO_INCREMENTAL=0 CARGO_TARGET_DIR="$scratch/target-dep-$row" cargo build --locked "${a[@]}")"
  done
  ruma_times+=("$(time_build bash -c "cd $scratch/ruma && cargo build")")
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
r=$(median "${ruma_times[@]}")
ratio() { printf '%.2f' "$(echo "$1 / $r" | bc -l)"; }
printf '\n| clean debug build (%s run(s), median) | as workspace members (s) | ratio to ruma | as dependencies (s) | ratio to ruma |\n|---|---|---|---|---|\n' "$runs"
for row in "${rows[@]}"; do
  # shellcheck disable=SC2086
  w=$(median ${workspace[$row]})
  # shellcheck disable=SC2086
  d=$(median ${dependency[$row]})
  printf '| %s | %.1f | %s | %.1f | %s |\n' "${labels[$row]}" "$w" "$(ratio "$w")" "$d" "$(ratio "$d")"
done
printf '| ruma 0.17 (client, federation, appservice, identity, push-gateway APIs) | %.1f | | %.1f | |\n' "$r" "$r"
