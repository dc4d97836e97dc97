//! The JSON report. Its format is documented in docs/diff.md and versioned by
//! [`FORMAT_VERSION`]; every key is always present (`null` when there is no value), and
//! every list is sorted.

use serde::Serialize;

use super::{Change, Changed, Counts, Entry, EventInfo, Impact, Note, OperationInfo, Report};
use crate::diff::RustItem;

/// The version of the JSON format; it changes when a key is removed or changes meaning.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'r> {
    format: &'static str,
    format_version: u32,
    old: &'r str,
    new: &'r str,
    apis: Vec<String>,
    classification: &'static str,
    breaks: Vec<&'static str>,
    summary: Summary,
    operations: Section<JsonOperation<'r>>,
    events: Section<JsonEvent<'r>>,
}

#[derive(Serialize)]
struct Summary {
    operations_added: usize,
    operations_removed: usize,
    operations_changed: usize,
    events_added: usize,
    events_removed: usize,
    events_changed: usize,
    changes: usize,
    breaking_clients: usize,
    breaking_servers: usize,
}

#[derive(Serialize)]
struct Section<T> {
    added: Vec<T>,
    removed: Vec<T>,
    changed: Vec<T>,
}

#[derive(Serialize)]
struct Classified<'r> {
    classification: &'static str,
    breaks: Vec<&'static str>,
    /// For added and removed items: the rule; `null` for changed ones (see `changes`).
    rule: Option<&'static str>,
    /// For added and removed operations: the one on the other side with the same
    /// `operationId` (`METHOD path`), if any.
    counterpart: Option<&'r str>,
    notes: Vec<JsonNote<'r>>,
    /// For changed items; `null` for added and removed ones.
    changes: Option<Vec<JsonChange<'r>>>,
}

#[derive(Serialize)]
struct JsonOperation<'r> {
    api: String,
    method: &'static str,
    path: &'r str,
    variant: Option<&'r str>,
    operation_id: &'r str,
    file: &'r str,
    deprecated: bool,
    rust: &'r RustItem,
    #[serde(flatten)]
    classified: Classified<'r>,
}

#[derive(Serialize)]
struct JsonEvent<'r> {
    event_type: &'r str,
    variant: Option<&'r str>,
    kind: &'static str,
    file: &'r str,
    rust: &'r RustItem,
    #[serde(flatten)]
    classified: Classified<'r>,
}

#[derive(Serialize)]
struct JsonChange<'r> {
    location: String,
    rule: &'static str,
    classification: &'static str,
    breaks: Vec<&'static str>,
    old: Option<&'r str>,
    new: Option<&'r str>,
    notes: Vec<JsonNote<'r>>,
    rust: Option<&'r RustItem>,
}

#[derive(Serialize)]
struct JsonNote<'r> {
    kind: &'static str,
    version: &'r str,
    text: &'r str,
}

fn notes(notes: &[Note]) -> Vec<JsonNote<'_>> {
    notes
        .iter()
        .map(|n| JsonNote {
            kind: n.kind.as_str(),
            version: &n.version,
            text: &n.text,
        })
        .collect()
}

fn change(change: &Change) -> JsonChange<'_> {
    let impact = change.rule.impact();
    JsonChange {
        location: change.location.to_string(),
        rule: change.rule.name(),
        classification: impact.as_str(),
        breaks: impact.breaks(),
        old: change.old.as_deref(),
        new: change.new.as_deref(),
        notes: notes(&change.notes),
        rust: change.rust.as_ref(),
    }
}

fn entry<T>(entry: &Entry<T>) -> Classified<'_> {
    let impact = entry.rule.impact();
    Classified {
        classification: impact.as_str(),
        breaks: impact.breaks(),
        rule: Some(entry.rule.name()),
        counterpart: entry.counterpart.as_deref(),
        notes: notes(&entry.notes),
        changes: None,
    }
}

fn changed<T>(changed: &Changed<T>) -> Classified<'_> {
    let impact: Impact = changed.impact();
    Classified {
        classification: impact.as_str(),
        breaks: impact.breaks(),
        rule: None,
        counterpart: None,
        notes: notes(&changed.notes),
        changes: Some(changed.changes.iter().map(change).collect()),
    }
}

fn operation<'r>(op: &'r OperationInfo, classified: Classified<'r>) -> JsonOperation<'r> {
    JsonOperation {
        api: op.api.to_string(),
        method: op.method.as_str(),
        path: &op.path,
        variant: op.variant.as_deref(),
        operation_id: &op.operation_id,
        file: &op.file,
        deprecated: op.deprecated,
        rust: &op.rust,
        classified,
    }
}

fn event<'r>(event: &'r EventInfo, classified: Classified<'r>) -> JsonEvent<'r> {
    use crate::ir::EventKind;
    JsonEvent {
        event_type: &event.event_type,
        variant: event.variant.as_deref(),
        kind: match event.kind {
            EventKind::Basic => "basic",
            EventKind::Room => "room",
            EventKind::State => "state",
            EventKind::Edu => "edu",
            EventKind::Component => "component",
        },
        file: &event.file,
        rust: &event.rust,
        classified,
    }
}

pub fn render(report: &Report) -> String {
    let counts = Counts::of(report);
    let impact = report.impact();
    let ops = &report.operations;
    let events = &report.events;
    let document = Document {
        format: "matrix-codegen-diff",
        format_version: FORMAT_VERSION,
        old: &report.old_version,
        new: &report.new_version,
        apis: report.apis.iter().map(ToString::to_string).collect(),
        classification: impact.as_str(),
        breaks: impact.breaks(),
        summary: Summary {
            operations_added: ops.added.len(),
            operations_removed: ops.removed.len(),
            operations_changed: ops.changed.len(),
            events_added: events.added.len(),
            events_removed: events.removed.len(),
            events_changed: events.changed.len(),
            changes: counts.changes,
            breaking_clients: counts.breaking_clients,
            breaking_servers: counts.breaking_servers,
        },
        operations: Section {
            added: ops
                .added
                .iter()
                .map(|e| operation(&e.item, entry(e)))
                .collect(),
            removed: ops
                .removed
                .iter()
                .map(|e| operation(&e.item, entry(e)))
                .collect(),
            changed: ops
                .changed
                .iter()
                .map(|c| operation(&c.item, changed(c)))
                .collect(),
        },
        events: Section {
            added: events
                .added
                .iter()
                .map(|e| event(&e.item, entry(e)))
                .collect(),
            removed: events
                .removed
                .iter()
                .map(|e| event(&e.item, entry(e)))
                .collect(),
            changed: events
                .changed
                .iter()
                .map(|c| event(&c.item, changed(c)))
                .collect(),
        },
    };
    // Serialising these plain structs cannot fail.
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}
