//! The terminal report: one line per operation or event, one per change below it, with
//! ANSI colours when asked (breaking in red, added in green, changed in yellow).

use std::fmt::Write;

use super::{
    Change, Changed, Entry, Report, Whole, api_groups, breaking, change_text, counterpart_text,
    event_title, impact_text, location_text, note_text, operation_title, summary,
};

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn red(&self, text: &str) -> String {
        self.paint("31", text)
    }
    fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }
    fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }
    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}

pub fn render(report: &Report, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!(
            "Matrix spec diff {} → {} ({})",
            report.old_version,
            report.new_version,
            super::api_list(report)
        ))
    );
    for (api, added, removed, changed) in api_groups(report) {
        let _ = writeln!(out, "\n{}", style.bold(&api.to_string()));
        for entry in added {
            entry_line(&mut out, &style, '+', &operation_title(&entry.item), entry);
        }
        for entry in removed {
            entry_line(&mut out, &style, '-', &operation_title(&entry.item), entry);
        }
        for changed in changed {
            changed_block(&mut out, &style, &operation_title(&changed.item), changed);
        }
    }
    let events = &report.events;
    if !(events.added.is_empty() && events.removed.is_empty() && events.changed.is_empty()) {
        let _ = writeln!(out, "\n{}", style.bold("event schemas"));
        for entry in &events.added {
            entry_line(&mut out, &style, '+', &event_title(&entry.item), entry);
        }
        for entry in &events.removed {
            entry_line(&mut out, &style, '-', &event_title(&entry.item), entry);
        }
        for changed in &events.changed {
            changed_block(&mut out, &style, &event_title(&changed.item), changed);
        }
    }
    let breaking = breaking(report);
    if !breaking.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("breaking changes"));
        for b in breaking {
            let line = format!(
                "  {}  {}  {} ({})",
                b.title,
                b.location,
                b.rule,
                impact_text(b.rule.impact())
            );
            let _ = writeln!(out, "{}", style.red(&line));
        }
    }
    let _ = writeln!(out, "\n{}", summary(report));
    out
}

fn entry_line<T>(out: &mut String, style: &Style, sign: char, title: &str, entry: &Entry<T>) {
    let impact = entry.rule.impact();
    let line = format!(
        "  {sign} {title}  [{}, {}]",
        entry.rule,
        impact_text(impact)
    );
    let line = if impact.is_breaking() {
        style.red(&line)
    } else {
        style.green(&line)
    };
    let _ = writeln!(out, "{line}");
    if let Some(other) = &entry.counterpart {
        let _ = writeln!(out, "      {}", style.dim(&counterpart_text(sign, other)));
    }
    for note in &entry.notes {
        let _ = writeln!(out, "      {}", style.dim(&note_text(note)));
    }
}

fn changed_block<T: Whole>(out: &mut String, style: &Style, title: &str, changed: &Changed<T>) {
    let impact = changed.impact();
    let header = format!("  ~ {title}  [{}]", impact_text(impact));
    let header = if impact.is_breaking() {
        style.red(&header)
    } else {
        style.yellow(&header)
    };
    let _ = writeln!(out, "{header}");
    for note in &changed.notes {
        let _ = writeln!(out, "      {}", style.dim(&note_text(note)));
    }
    for change in &changed.changes {
        change_lines(out, style, change, T::WHOLE);
    }
}

fn change_lines(out: &mut String, style: &Style, change: &Change, whole: &str) {
    let impact = change.rule.impact();
    let mark = if impact.is_breaking() { '!' } else { '·' };
    let text = change_text(change);
    let mut line = format!(
        "    {mark} {}  {}",
        location_text(change, whole),
        change.rule
    );
    if !text.is_empty() {
        line.push_str(&format!(": {text}"));
    }
    if impact.is_breaking() {
        line = style.red(&format!("{line}  ({})", impact_text(impact)));
    }
    let _ = writeln!(out, "{line}");
    if let Some(rust) = &change.rust {
        let _ = writeln!(out, "        {}", style.dim(&format!("rust: {rust}")));
    }
    for note in &change.notes {
        let _ = writeln!(out, "        {}", style.dim(&note_text(note)));
    }
}
