#!/usr/bin/env bash
# Builds and runs the sync-parse benchmark (release, its own workspace and target folder).
#   benches/sync-parse/run.sh [ROOMS [ROUNDS]]
set -euo pipefail
cd "$(dirname "$0")"
cargo run --release --quiet -- "$@"
