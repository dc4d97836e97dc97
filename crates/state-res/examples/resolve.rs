//! Resolves rooms in the Synapse oracle's JSON format and prints one JSON line per file:
//! `{"file", "resolved_state", "elapsed_ms", "room_version", "events", "conflicted_keys",
//! "full_conflicted_set"}` (`resolved_state` with the file's labels, as the oracle prints it).
//! With `--check`, also `"check": "pass" | "FAIL" | "none"` against the file's expectation.
//!
//!     cargo run --release --example resolve -- [--check] ROOM.json…
//!
//! Exit status: 0, 1 if a check failed, 2 on unreadable or malformed input.

use std::process::ExitCode;

use matrix_test_support::room_file::{Resolver, RoomFile, nest_state};
use serde_json::json;

fn main() -> ExitCode {
    let mut check = false;
    let mut files = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => check = true,
            "-h" | "--help" => {
                println!("usage: resolve [--check] ROOM.json…");
                return ExitCode::SUCCESS;
            }
            _ => files.push(arg),
        }
    }
    if files.is_empty() {
        eprintln!("usage: resolve [--check] ROOM.json…");
        return ExitCode::from(2);
    }
    let mut status = 0u8;
    for file in &files {
        let result = std::fs::read(file)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|bytes| RoomFile::from_slice(&bytes).map_err(|e| e.to_string()))
            .and_then(|room| {
                let resolution = room
                    .resolve(Resolver::Stateless)
                    .map_err(|e| e.to_string())?;
                let verdict = if check {
                    match room.check(&resolution.state).map_err(|e| e.to_string())? {
                        Some(true) => Some("pass"),
                        Some(false) => Some("FAIL"),
                        None => Some("none"),
                    }
                } else {
                    None
                };
                Ok((room, resolution, verdict))
            });
        match result {
            Ok((room, resolution, verdict)) => {
                let mut line = json!({
                    "file": file,
                    "resolved_state": nest_state(&resolution.state),
                    "elapsed_ms": (resolution.elapsed.as_secs_f64() * 1e5).round() / 100.0,
                    "room_version": room.version.id,
                    "events": room.events().len(),
                    "conflicted_keys": resolution.stats.conflicted_keys,
                    "full_conflicted_set": resolution.stats.full_conflicted_set,
                });
                if let Some(verdict) = verdict {
                    line["check"] = json!(verdict);
                    if verdict == "FAIL" {
                        status = status.max(1);
                    }
                }
                println!("{line}");
            }
            Err(error) => {
                eprintln!("{file}: {error}");
                println!("{}", json!({"file": file, "error": error}));
                status = 2;
            }
        }
    }
    ExitCode::from(status)
}
