//! Shared by the cross-checks: running the oracle batch driver (tests/oracle_batch.py).
#![allow(dead_code)]

use std::path::Path;

use matrix_state_res::StateMap;
use matrix_test_support::room_file::parse_state;
use matrix_test_support::{peers_dir, run_script};
use serde_json::Value;

pub mod generator;

/// Runs rooms through tests/oracle_batch.py (`mode`: "resolve" or "walk"); one result per room.
pub fn run_oracle(mode: &str, rooms: &[Value]) -> Vec<Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle_batch.py");
    let oracle = peers_dir().join("oracle");
    let input = serde_json::to_vec(rooms).expect("rooms serialise");
    let lines = run_script(&script, &[oracle.as_os_str(), mode.as_ref()], input);
    assert_eq!(lines.len(), rooms.len(), "one oracle line per room");
    lines
}

/// A state the oracle printed (nested form).
pub fn oracle_state(value: &Value) -> StateMap {
    parse_state(value).expect("oracle states are well-formed")
}
