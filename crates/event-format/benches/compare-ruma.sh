#!/usr/bin/env bash
# Runs the same ~1 KB PDU through matrix-event-format and ruma-signatures (the version ruma 0.17
# uses) in one process on one core, and prints a table of operations per second.
set -euo pipefail
cd "$(dirname "$0")/ruma-baseline"
cargo build --release --quiet
pin=()
if command -v taskset >/dev/null; then pin=(taskset -c 0); fi
"${pin[@]}" ./target/release/ruma-baseline
