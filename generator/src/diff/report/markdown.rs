//! The Markdown report: a summary, then per API the added, removed and changed operations
//! (one table of changes per operation), the event schemas, and the rules that fired.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::{
    Change, Changed, Entry, Report, Whole, api_groups, breaking, change_text, counterpart_text,
    event_title, impact_text, location_text, note_text, operation_title, summary,
};
use crate::diff::Rule;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Matrix spec diff: {} → {}\n\nAPIs: {}.\n\n{}\n\nClassification: **{}**.",
        report.old_version,
        report.new_version,
        super::api_list(report),
        summary(report),
        impact_text(report.impact())
    );
    let breaking = breaking(report);
    if !breaking.is_empty() {
        let _ = writeln!(
            out,
            "\n## Breaking changes\n\n| operation or event | location | rule | breaks |\n| --- | --- | --- | --- |"
        );
        for b in breaking {
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} |",
                code(&b.title),
                code(&b.location),
                b.rule,
                impact_text(b.rule.impact())
            );
        }
    }
    for (api, added, removed, changed) in api_groups(report) {
        let _ = writeln!(out, "\n## {api}");
        entries(&mut out, '+', "Added operations", &added, |e| {
            format!(
                "`{}` ({})",
                operation_title(&e.item),
                code(&e.item.rust.to_string())
            )
        });
        entries(&mut out, '-', "Removed operations", &removed, |e| {
            format!(
                "`{}` ({})",
                operation_title(&e.item),
                code(&e.item.rust.to_string())
            )
        });
        if !changed.is_empty() {
            let _ = writeln!(out, "\n### Changed operations");
            for item in changed {
                changed_table(&mut out, &operation_title(&item.item), item);
            }
        }
    }
    let events = &report.events;
    if !(events.added.is_empty() && events.removed.is_empty() && events.changed.is_empty()) {
        let _ = writeln!(out, "\n## Event schemas");
        let added: Vec<_> = events.added.iter().collect();
        let removed: Vec<_> = events.removed.iter().collect();
        entries(&mut out, '+', "Added event schemas", &added, |e| {
            format!(
                "`{}` ({})",
                event_title(&e.item),
                code(&e.item.rust.to_string())
            )
        });
        entries(&mut out, '-', "Removed event schemas", &removed, |e| {
            format!(
                "`{}` ({})",
                event_title(&e.item),
                code(&e.item.rust.to_string())
            )
        });
        if !events.changed.is_empty() {
            let _ = writeln!(out, "\n### Changed event schemas");
            for item in &events.changed {
                changed_table(&mut out, &event_title(&item.item), item);
            }
        }
    }
    rules_used(&mut out, report);
    out
}

/// Inline code, safe inside a table cell.
fn code(text: &str) -> String {
    format!("`{}`", text.replace('|', "\\|"))
}

/// Text safe inside a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn entries<T>(
    out: &mut String,
    sign: char,
    heading: &str,
    items: &[&Entry<T>],
    title: impl Fn(&Entry<T>) -> String,
) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n### {heading}\n");
    for entry in items {
        let impact = entry.rule.impact();
        let mut line = format!("- {} — `{}`", title(entry), entry.rule);
        if impact.is_breaking() {
            line.push_str(&format!(", **{}**", impact_text(impact)));
        }
        if let Some(other) = &entry.counterpart {
            line.push_str(&format!("; {}", counterpart_text(sign, &code(other))));
        }
        for note in &entry.notes {
            line.push_str(&format!("; *{}*", note_text(note)));
        }
        let _ = writeln!(out, "{line}");
    }
}

fn changed_table<T: Whole>(out: &mut String, title: &str, changed: &Changed<T>) {
    let impact = changed.impact();
    let label = if impact.is_breaking() {
        format!("**{}**", impact_text(impact))
    } else {
        impact_text(impact).to_owned()
    };
    let _ = writeln!(out, "\n#### `{title}` — {label}\n");
    for note in &changed.notes {
        let _ = writeln!(out, "> {}\n", note_text(note));
    }
    let _ = writeln!(
        out,
        "| | location | rule | change | Rust |\n| --- | --- | --- | --- | --- |"
    );
    for change in &changed.changes {
        let _ = writeln!(out, "{}", row(change, T::WHOLE));
    }
}

fn row(change: &Change, whole: &str) -> String {
    let impact = change.rule.impact();
    let mark = if impact.is_breaking() { "❗" } else { "" };
    let rule = if impact.is_breaking() {
        format!("`{}` ({})", change.rule, impact_text(impact))
    } else {
        format!("`{}`", change.rule)
    };
    let mut text = cell(&change_text(change));
    for note in &change.notes {
        if !text.is_empty() {
            text.push_str("<br>");
        }
        text.push_str(&format!("*{}*", cell(&note_text(note))));
    }
    let rust = change
        .rust
        .as_ref()
        .map(|r| code(&r.path))
        .unwrap_or_default();
    format!(
        "| {mark} | {} | {rule} | {text} | {rust} |",
        code(&location_text(change, whole))
    )
}

fn rules_used(out: &mut String, report: &Report) {
    let ops = &report.operations;
    let events = &report.events;
    let used: BTreeSet<Rule> = ops
        .added
        .iter()
        .chain(&ops.removed)
        .map(|e| e.rule)
        .chain(events.added.iter().chain(&events.removed).map(|e| e.rule))
        .chain(report.changes().map(|c| c.rule))
        .collect();
    if used.is_empty() {
        let _ = writeln!(out, "\nNo changes.");
        return;
    }
    let _ = writeln!(
        out,
        "\n## Rules used\n\n| rule | classification | why |\n| --- | --- | --- |"
    );
    for rule in used {
        let _ = writeln!(
            out,
            "| `{rule}` | {} | {} |",
            rule.impact(),
            cell(rule.explanation())
        );
    }
}
