//! `matrix-codegen diff` as a command: exit status, formats, colour, arguments.

use std::process::{Command, Output};

use matrix_codegen::source;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_matrix-codegen"))
        .arg("diff")
        .args(args)
        .output()
        .expect("matrix-codegen runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn exit_status_is_0_without_breaking_changes_1_with_and_2_on_error() {
    assert_eq!(run(&["v1.19", "v1.19"]).status.code(), Some(0));
    assert_eq!(run(&["v1.18", "v1.19"]).status.code(), Some(1));
    let error = run(&["v1.18", "v9.99"]);
    assert_eq!(error.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&error.stderr).contains("v9.99"));
}

#[test]
fn json_lists_operations_with_api_method_and_full_path() {
    let output = run(&["v1.16", "v1.19", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("valid JSON");
    assert_eq!(json["format_version"], 1);
    let ops = &json["operations"];
    let added = ops["added"].as_array().expect("operations.added");
    assert_eq!(added.len(), 7);
    assert!(added.iter().any(|op| op["api"] == "client-server"
        && op["method"] == "GET"
        && op["path"] == "/_matrix/client/v1/mutual_rooms"));
    assert_eq!(ops["removed"].as_array().map(Vec::len), Some(2));
    let changed = ops["changed"].as_array().expect("operations.changed");
    let peek = changed
        .iter()
        .find(|op| {
            op["path"] == "/_matrix/client/v3/events" && op["variant"] == "peeking_events.yaml"
        })
        .expect("peeking /events changed");
    assert_eq!(peek["classification"], "breaking-clients");
    let change = &peek["changes"][0];
    assert_eq!(change["location"], "request.query.room_id");
    assert_eq!(change["rule"], "RequestFieldBecameRequired");
    assert_eq!(change["breaks"], serde_json::json!(["clients"]));
}

#[test]
fn colour_only_when_asked_for_and_on_a_terminal() {
    // stdout is a pipe here: no colour, with or without --no-color.
    for args in [&["v1.18", "v1.19"][..], &["v1.18", "v1.19", "--no-color"]] {
        let text = stdout(&run(args));
        assert!(text.contains("breaking changes"));
        assert!(!text.contains('\x1b'));
    }
}

#[test]
fn folders_work_like_version_names_and_api_narrows() {
    let root = source::collection_root();
    let (old, new) = (root.join("v1.18"), root.join("v1.19"));
    let by_dir = run(&[
        old.to_str().expect("utf-8 path"),
        new.to_str().expect("utf-8 path"),
        "--format",
        "md",
    ]);
    let by_name = run(&["v1.18", "v1.19", "--format", "md"]);
    assert_eq!(stdout(&by_dir), stdout(&by_name));
    let narrowed = stdout(&run(&[
        "v1.16",
        "v1.19",
        "--api",
        "server-server",
        "--no-events",
    ]));
    assert!(narrowed.contains("send_join"));
    assert!(!narrowed.contains("client-server"));
    assert!(!narrowed.contains("event schemas"));
}

#[test]
fn html_is_one_self_contained_page() {
    let html = stdout(&run(&["v1.16", "v1.19", "--format", "html"]));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    for external in ["<link", " src=", "@import", "url("] {
        assert!(!html.contains(external), "external asset: {external}");
    }
    assert!(html.contains("RequestFieldBecameRequired"));
    assert!(html.contains("class=\"breaking\" data-item data-breaking=\"1\" open>"));
}
