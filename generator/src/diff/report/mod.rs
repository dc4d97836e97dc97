//! Rendering a [`Report`]: terminal text, Markdown, JSON and a self-contained HTML page.

mod html;
mod json;
mod markdown;
mod terminal;

use super::{Change, Changed, Entry, EventInfo, Impact, Note, NoteKind, OperationInfo, Report};
use crate::ir::Api;

pub use self::json::FORMAT_VERSION;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text for a terminal, coloured when asked.
    Text {
        /// Use ANSI colours.
        color: bool,
    },
    /// Markdown.
    Markdown,
    /// JSON (documented in docs/diff.md).
    Json,
    /// One self-contained HTML page.
    Html,
}

/// Renders `report` in `format`.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Text { color } => terminal::render(report, color),
        Format::Markdown => markdown::render(report),
        Format::Json => json::render(report),
        Format::Html => html::render(report),
    }
}

/// Counts for the summary line.
#[derive(Debug, Default)]
struct Counts {
    changes: usize,
    breaking_clients: usize,
    breaking_servers: usize,
}

impl Counts {
    fn of(report: &Report) -> Counts {
        let mut counts = Counts::default();
        let ops = &report.operations;
        let events = &report.events;
        let rules = ops
            .added
            .iter()
            .chain(&ops.removed)
            .map(|e| e.rule)
            .chain(events.added.iter().chain(&events.removed).map(|e| e.rule))
            .chain(report.changes().map(|c| c.rule));
        for rule in rules {
            counts.changes += 1;
            let impact = rule.impact();
            counts.breaking_clients += usize::from(impact.clients);
            counts.breaking_servers += usize::from(impact.servers);
        }
        counts
    }
}

/// The one-paragraph summary all formats open or close with.
fn summary(report: &Report) -> String {
    let ops = &report.operations;
    let events = &report.events;
    let counts = Counts::of(report);
    format!(
        "Operations: {} added, {} removed, {} changed. Event schemas: {} added, {} removed, {} changed. \
         {} changes: {} break clients, {} break servers.",
        ops.added.len(),
        ops.removed.len(),
        ops.changed.len(),
        events.added.len(),
        events.removed.len(),
        events.changed.len(),
        counts.changes,
        counts.breaking_clients,
        counts.breaking_servers,
    )
}

/// The APIs in the report as text.
fn api_list(report: &Report) -> String {
    report
        .apis
        .iter()
        .map(Api::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `GET /_matrix/client/v3/events (peeking_events.yaml)`.
fn operation_title(op: &OperationInfo) -> String {
    match &op.variant {
        Some(file) => format!("{} {} ({file})", op.method, op.path),
        None => format!("{} {}", op.method, op.path),
    }
}

/// An operation's title with its API, unique in a report
/// (`client-server GET /_matrix/client/v3/events (peeking_events.yaml)`).
fn operation_key(op: &OperationInfo) -> String {
    format!("{} {}", op.api, operation_title(op))
}

/// `m.room.message (m.text)`, `m.typing (EDU)`, `room_event (component)`.
fn event_title(event: &EventInfo) -> String {
    use crate::ir::EventKind;
    let mut title = event.event_type.clone();
    if let Some(variant) = &event.variant {
        title.push_str(&format!(" ({variant})"));
    }
    match event.kind {
        EventKind::Edu => title.push_str(" (EDU)"),
        EventKind::Component => title.push_str(" (component)"),
        _ => {}
    }
    title
}

/// Short text for a classification: `breaks clients`, `breaks clients and servers`, `compatible`.
fn impact_text(impact: Impact) -> &'static str {
    match (impact.clients, impact.servers) {
        (true, true) => "breaks clients and servers",
        (true, false) => "breaks clients",
        (false, true) => "breaks servers",
        (false, false) => "compatible",
    }
}

/// `old → new`, `+ new`, `- old`, or nothing.
fn change_text(change: &Change) -> String {
    match (&change.old, &change.new) {
        (Some(old), Some(new)) => format!("{old} → {new}"),
        (None, Some(new)) => new.clone(),
        (Some(old), None) => old.clone(),
        (None, None) => String::new(),
    }
}

/// Where a change is, for people: the field path, or `whole` (`operation`, `event`) for a
/// change to the item itself.
fn location_text(change: &Change, whole: &str) -> String {
    if change.location.0.is_empty() {
        format!("({whole})")
    } else {
        change.location.to_string()
    }
}

/// What a changed item is called when a change concerns all of it.
trait Whole {
    /// `operation` or `event`.
    const WHOLE: &'static str;
}

impl Whole for OperationInfo {
    const WHOLE: &'static str = "operation";
}

impl Whole for EventInfo {
    const WHOLE: &'static str = "event";
}

/// `same operationId as the removed GET /…` for an added (`+`) or removed (`-`) entry.
fn counterpart_text(sign: char, other: &str) -> String {
    let side = if sign == '+' { "removed" } else { "added" };
    format!("same operationId as the {side} {other}")
}

/// `1.18 changed: The score request parameter was removed.` on one line.
fn note_text(note: &Note) -> String {
    let text: Vec<&str> = note.text.split_whitespace().collect();
    match note.kind {
        NoteKind::Added => format!("added in {}", note.version),
        NoteKind::Changed => format!("changed in {}: {}", note.version, text.join(" ")),
    }
}

/// Operation sections per API: added, removed, changed.
type ApiGroup<'r> = (
    Api,
    Vec<&'r Entry<OperationInfo>>,
    Vec<&'r Entry<OperationInfo>>,
    Vec<&'r Changed<OperationInfo>>,
);

fn api_groups(report: &Report) -> Vec<ApiGroup<'_>> {
    let ops = &report.operations;
    Api::ALL
        .into_iter()
        .map(|api| {
            let pick = |e: &&Entry<OperationInfo>| e.item.api == api;
            (
                api,
                ops.added.iter().filter(pick).collect::<Vec<_>>(),
                ops.removed.iter().filter(pick).collect::<Vec<_>>(),
                ops.changed
                    .iter()
                    .filter(|c| c.item.api == api)
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, a, r, c)| !(a.is_empty() && r.is_empty() && c.is_empty()))
        .collect()
}

/// One breaking change, for the overview at the top of a report.
struct Breaking {
    /// The operation or event.
    title: String,
    /// Where in it (`(operation)` for the whole).
    location: String,
    /// The rule.
    rule: crate::diff::Rule,
}

/// Every breaking change, in report order.
fn breaking(report: &Report) -> Vec<Breaking> {
    fn from_section<T: Whole>(
        out: &mut Vec<Breaking>,
        section: &crate::diff::Section<T>,
        title: impl Fn(&T) -> String,
    ) {
        for entry in section.added.iter().chain(&section.removed) {
            if entry.rule.impact().is_breaking() {
                out.push(Breaking {
                    title: title(&entry.item),
                    location: format!("({})", T::WHOLE),
                    rule: entry.rule,
                });
            }
        }
        for changed in &section.changed {
            for change in &changed.changes {
                if change.rule.impact().is_breaking() {
                    out.push(Breaking {
                        title: title(&changed.item),
                        location: location_text(change, T::WHOLE),
                        rule: change.rule,
                    });
                }
            }
        }
    }
    let mut out = Vec::new();
    from_section(&mut out, &report.operations, operation_key);
    from_section(&mut out, &report.events, event_title);
    out
}
