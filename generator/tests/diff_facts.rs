//! Facts of the input the diff must reproduce, the v1.7 → v1.8 format boundary (every
//! change reported there, each with its explanation), and properties every pair of
//! releases keeps.

use std::collections::BTreeSet;

use matrix_codegen::Spec;
use matrix_codegen::diff::report::{self, Format};
use matrix_codegen::diff::{self, Change, Changed, OperationInfo, Options, Report, Rule};
use matrix_codegen::ir::{Api, Method};
use matrix_codegen::source::SpecSource;

fn load(version: &str) -> Spec {
    let source = SpecSource::version(version).expect("spec collection present");
    matrix_codegen::load(&source).unwrap_or_else(|e| panic!("{version}: {e}"))
}

fn changed<'r>(
    report: &'r Report,
    api: Api,
    method: Method,
    path: &str,
) -> &'r Changed<OperationInfo> {
    report
        .operations
        .changed
        .iter()
        .find(|c| c.item.api == api && c.item.method == method && c.item.path == path)
        .unwrap_or_else(|| panic!("{method} {path} is not among the changed operations"))
}

fn change_at<'c>(op: &'c Changed<OperationInfo>, location: &str) -> Vec<&'c Change> {
    op.changes
        .iter()
        .filter(|c| c.location.to_string() == location)
        .collect()
}

#[test]
fn v1_16_to_v1_19_facts() {
    let report = diff::diff(&load("v1.16"), &load("v1.19"), &Options::default());
    let ops = &report.operations;
    let listed = |entries: &[diff::Entry<OperationInfo>]| -> BTreeSet<(Api, Method, String)> {
        entries
            .iter()
            .map(|e| (e.item.api, e.item.method, e.item.path.clone()))
            .collect()
    };
    let cs = |method, path: &str| (Api::ClientServer, method, path.to_owned());
    let added = BTreeSet::from([
        cs(Method::Get, "/.well-known/matrix/policy_server"),
        cs(Method::Get, "/_matrix/client/v1/admin/suspend/{userId}"),
        cs(Method::Put, "/_matrix/client/v1/admin/suspend/{userId}"),
        cs(Method::Get, "/_matrix/client/v1/admin/lock/{userId}"),
        cs(Method::Put, "/_matrix/client/v1/admin/lock/{userId}"),
        cs(Method::Get, "/_matrix/client/v1/mutual_rooms"),
        (
            Api::ServerServer,
            Method::Post,
            "/_matrix/policy/v1/sign".to_owned(),
        ),
    ]);
    assert_eq!(listed(&ops.added), added, "7 operations added");
    let removed = BTreeSet::from([
        (
            Api::ServerServer,
            Method::Put,
            "/_matrix/federation/v1/send_join/{roomId}/{eventId}".to_owned(),
        ),
        (
            Api::ServerServer,
            Method::Put,
            "/_matrix/federation/v1/send_leave/{roomId}/{eventId}".to_owned(),
        ),
    ]);
    assert_eq!(listed(&ops.removed), removed, "2 operations removed");
    let ids: BTreeSet<&str> = ops
        .removed
        .iter()
        .map(|e| e.item.operation_id.as_str())
        .collect();
    assert_eq!(ids, BTreeSet::from(["sendJoinV1", "sendLeaveV1"]));

    // The peeking `GET /events` (told apart from the deprecated one by its file).
    let peek = report
        .operations
        .changed
        .iter()
        .find(|c| {
            c.item.path == "/_matrix/client/v3/events"
                && c.item.variant.as_deref() == Some("peeking_events.yaml")
        })
        .expect("peeking /events changed");
    let room_id = change_at(peek, "request.query.room_id");
    assert_eq!(room_id.len(), 1);
    assert_eq!(room_id[0].rule, Rule::RequestFieldBecameRequired);
    assert_eq!(room_id[0].rule.impact().as_str(), "breaking-clients");
    assert_eq!(
        room_id[0].rust.as_ref().map(ToString::to_string).as_deref(),
        Some("matrix_client_server_api::room_events::peek_events::Request::room_id")
    );

    let report_event = changed(
        &report,
        Api::ClientServer,
        Method::Post,
        "/_matrix/client/v3/rooms/{roomId}/report/{eventId}",
    );
    let score = change_at(report_event, "request.body.score");
    assert_eq!(score.len(), 1);
    assert_eq!(score[0].rule, Rule::RequestFieldRemoved);
    assert!(
        report_event
            .notes
            .iter()
            .any(|n| n.version == "1.18" && n.text.contains("`score`")),
        "the 1.18 note that explains the removal is surfaced"
    );

    // `signatures` moved from `additionalProperties` to `patternProperties: {"": …}`:
    // the maps are the same; only the formats the new spelling adds show.
    let component = report
        .events
        .changed
        .iter()
        .find(|c| c.item.event_type == "signed_third_party_invite")
        .expect("signed_third_party_invite changed");
    let rules: Vec<(String, Rule)> = component
        .changes
        .iter()
        .map(|c| (c.location.to_string(), c.rule))
        .collect();
    assert_eq!(
        rules,
        [
            ("signatures{}".to_owned(), Rule::FormatAnnotated),
            ("signatures{}{}".to_owned(), Rule::FormatAnnotated)
        ]
    );
}

#[test]
fn initial_sync_was_undeprecated_in_v1_14() {
    let report = diff::diff(&load("v1.13"), &load("v1.14"), &Options::default());
    let op = changed(
        &report,
        Api::ClientServer,
        Method::Get,
        "/_matrix/client/v3/rooms/{roomId}/initialSync",
    );
    assert!(
        op.changes
            .iter()
            .any(|c| c.rule == Rule::OperationUndeprecated)
    );
    assert!(!op.item.deprecated);
}

/// Everything the diff reports from v1.7 (Swagger 2.0) to v1.8 (OpenAPI 3.1), each with
/// why it is there: (item, location, rule, explanation). Every other difference between
/// the two releases is a conversion artefact the diff does not report.
const V1_7_TO_V1_8: &[(&str, &str, Rule, &str)] = &[
    (
        "client-server POST /_matrix/client/v3/publicRooms",
        "request.body.filter.room_types[]",
        Rule::RequestTypeWidened,
        "v1.8 writes `type: [string, null]`: `null` selects rooms without a type (MSC3827); v1.7 said string",
    ),
    (
        "client-server POST /_matrix/client/v3/rooms/{roomId}/report/{eventId}",
        "response.404",
        Rule::ErrorStatusAdded,
        "real v1.8 change: a 404 is documented, with the 1.8 note that membership is now required",
    ),
    (
        "client-server GET /_matrix/client/v3/user/{userId}/rooms/{roomId}/account_data/{type}",
        "response.400.body",
        Rule::ResponseRequiredFieldAdded,
        "v1.7's 400 gives an example error body but no schema (so no body in Swagger 2.0); v1.8 adds the standard error schema",
    ),
    (
        "server-server POST /_matrix/federation/v1/publicRooms",
        "request.body.filter.room_types[]",
        Rule::RequestTypeWidened,
        "as for the client-server publicRooms",
    ),
    (
        "server-server GET /_matrix/federation/v1/state_ids/{roomId}",
        "response.404",
        Rule::ErrorStatusAdded,
        "real v1.8 change: a 404 is documented",
    ),
    (
        "server-server POST /_matrix/federation/v1/user/keys/claim",
        "response.200.body.one_time_keys{}{}{}",
        Rule::ResponseTypeWidened,
        "v1.8 allows a one-time key to be a plain string (`oneOf [string, KeyObject]`, as v1.1 had); v1.7 allowed only KeyObject",
    ),
    (
        "event m.reaction",
        "type",
        Rule::EventTypeNarrowed,
        "real v1.8 change: `type` is fixed to `m.reaction`",
    ),
    (
        "event m.room.create",
        "content.creator",
        Rule::EventFieldBecameOptional,
        "real v1.8 change: room version 11 drops `creator`",
    ),
    (
        "event m.room.redaction",
        "content.redacts",
        Rule::EventFieldAdded,
        "real v1.8 change: room version 11 moves `redacts` into `content`",
    ),
    (
        "event m.room.redaction",
        "redacts",
        Rule::EventFieldBecameOptional,
        "the other half of the move",
    ),
];

#[test]
fn v1_7_to_v1_8_reports_only_explained_changes() {
    let report = diff::diff(&load("v1.7"), &load("v1.8"), &Options::default());
    assert!(report.operations.added.is_empty() && report.operations.removed.is_empty());
    assert!(report.events.added.is_empty() && report.events.removed.is_empty());
    let mut actual: Vec<(String, String, Rule)> = Vec::new();
    for op in &report.operations.changed {
        let item = format!("{} {} {}", op.item.api, op.item.method, op.item.path);
        for change in &op.changes {
            actual.push((item.clone(), change.location.to_string(), change.rule));
        }
    }
    for event in &report.events.changed {
        let item = format!("event {}", event.item.event_type);
        for change in &event.changes {
            actual.push((item.clone(), change.location.to_string(), change.rule));
        }
    }
    let (mut passed, mut failed) = (0, 0);
    for (item, location, rule) in &actual {
        match V1_7_TO_V1_8
            .iter()
            .find(|(i, l, r, _)| i == item && l == location && r == rule)
        {
            Some((.., why)) => {
                passed += 1;
                println!("ok   {item} {location} {rule}: {why}");
            }
            None => {
                failed += 1;
                println!("FAIL {item} {location} {rule}: not explained");
            }
        }
    }
    println!(
        "v1.7 → v1.8: {} changes reported; {passed} passed, {failed} failed",
        actual.len()
    );
    assert_eq!(failed, 0);
    assert_eq!(
        actual.len(),
        V1_7_TO_V1_8.len(),
        "every explained change is still found"
    );
}

#[test]
fn every_pair_of_neighbouring_releases_diffs_consistently() {
    let versions = [
        "r0.4.0", "r0.6.1", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9",
        "v1.10", "v1.11", "v1.12", "v1.13", "v1.14", "v1.15", "v1.16", "v1.17", "v1.18", "v1.19",
    ];
    let specs: Vec<Spec> = versions.iter().map(|v| load(v)).collect();
    let mut pairs: Vec<(usize, usize)> = (1..specs.len()).map(|i| (i - 1, i)).collect();
    pairs.push((0, specs.len() - 1));
    let (mut passed, mut failed) = (0, 0);
    for (a, b) in pairs {
        let (old, new) = (&specs[a], &specs[b]);
        let report = diff::diff(old, new, &Options::default());
        let ops = &report.operations;
        // Pairing is one-to-one: old - removed = new - added.
        let paired_old = old.operations.len() - ops.removed.len();
        let paired_new = new.operations.len() - ops.added.len();
        let json = report::render(&report, Format::Json);
        let again = report::render(&diff::diff(old, new, &Options::default()), Format::Json);
        let ok = paired_old == paired_new && json == again;
        if ok {
            passed += 1;
        } else {
            failed += 1;
        }
        println!(
            "{} {} → {}: +{} −{} ~{} operations, {} changes (paired {paired_old}/{paired_new}, deterministic: {})",
            if ok { "ok  " } else { "FAIL" },
            old.version,
            new.version,
            ops.added.len(),
            ops.removed.len(),
            ops.changed.len(),
            report.changes().count(),
            json == again
        );
    }
    println!("release pairs: {passed} passed, {failed} failed");
    assert_eq!(failed, 0);
}

#[test]
fn a_version_against_itself_has_no_changes() {
    let spec = load("v1.19");
    let report = diff::diff(&spec, &spec, &Options::default());
    assert_eq!(report.changes().count(), 0);
    assert!(report.operations.added.is_empty() && report.operations.removed.is_empty());
    assert!(!report.impact().is_breaking());
}

#[test]
fn narrowing_to_one_api() {
    let options = Options {
        apis: vec![Api::ServerServer],
        events: true,
    };
    let report = diff::diff(&load("v1.16"), &load("v1.19"), &options);
    let ops = &report.operations;
    assert!(
        ops.added
            .iter()
            .chain(&ops.removed)
            .all(|e| e.item.api == Api::ServerServer)
    );
    assert!(ops.changed.iter().all(|c| c.item.api == Api::ServerServer));
    assert_eq!((ops.added.len(), ops.removed.len()), (1, 2));
    // Server-server carries the EDUs, not the client-server event schemas.
    let events = &report.events;
    assert!(
        events
            .changed
            .iter()
            .all(|c| c.item.kind == matrix_codegen::ir::EventKind::Edu)
    );
}

/// Every Rust item the diff names exists in the code the emitter generates for the older
/// or the newer version (modules, types and fields alike; removed ones only in the older).
#[test]
fn rust_items_exist_in_the_generated_code() {
    use std::collections::BTreeSet;
    let old = matrix_codegen::load(&matrix_codegen::SpecSource::version("v1.16").unwrap()).unwrap();
    let new = matrix_codegen::load(&matrix_codegen::SpecSource::version("v1.19").unwrap()).unwrap();
    let report = matrix_codegen::diff::diff(&old, &new, &matrix_codegen::diff::Options::default());
    let json: serde_json::Value = serde_json::from_str(&matrix_codegen::diff::report::render(
        &report,
        matrix_codegen::diff::report::Format::Json,
    ))
    .unwrap();
    let mut items = BTreeSet::new();
    collect_rust(&json, &mut items);
    assert!(!items.is_empty());
    let mut generated = String::new();
    for spec in [&old, &new] {
        for api in matrix_codegen::ir::Api::ALL {
            generated.push_str(
                &matrix_codegen::emit::generate(spec, api)
                    .unwrap()
                    .to_single_file(),
            );
        }
    }
    let missing: Vec<&String> = items
        .iter()
        .filter(|item| {
            // `crate::module::Type::field`: the last segment is declared as a module,
            // type or field somewhere in the generated code.
            let last = item
                .rsplit("::")
                .next()
                .unwrap_or_default()
                .trim_start_matches("r#");
            !["pub mod ", "pub struct ", "pub enum ", "pub "]
                .iter()
                .any(|p| {
                    generated.contains(&format!("{p}{last} "))
                        || generated.contains(&format!("{p}{last} :"))
                })
        })
        .collect();
    println!(
        "{} Rust items named, {} not found",
        items.len(),
        missing.len()
    );
    assert!(
        missing.is_empty(),
        "items not in the generated code: {missing:?}"
    );
}

fn collect_rust(value: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                if key == "rust" {
                    if let Some(path) = v.get("path").and_then(|p| p.as_str()) {
                        out.insert(path.to_owned());
                    }
                }
                collect_rust(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_rust(v, out)),
        _ => {}
    }
}
