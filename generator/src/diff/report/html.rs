//! The HTML report: one self-contained page (inline CSS, a few lines of plain JavaScript
//! for the filters; everything readable without it). Grouped by API, one collapsible
//! section per operation or event, breaking changes in red and open by default.

use std::fmt::Write;

use super::{
    Change, Changed, Counts, Entry, EventInfo, Impact, OperationInfo, Report, Whole, api_groups,
    breaking, change_text, counterpart_text, event_title, impact_text, location_text, note_text,
    operation_key,
};
use crate::diff::Rule;

const STYLE: &str = r#"
:root { --red: #b3261e; --red-bg: #fdecea; --green: #1b6e2d; --green-bg: #e8f5e9;
  --amber: #8a5a00; --grey: #5f6368; --line: #dadce0; font-family: system-ui, sans-serif; }
body { margin: 0 auto; max-width: 78rem; padding: 1rem 1.5rem 4rem; color: #202124; line-height: 1.45; }
h1 { margin-bottom: .2rem; } h1 span { color: var(--grey); font-weight: normal; }
h2 { border-bottom: 2px solid var(--line); padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { margin: 1.2rem 0 .4rem; font-size: 1rem; color: var(--grey); text-transform: uppercase; letter-spacing: .05em; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .88em; }
.cards { display: flex; flex-wrap: wrap; gap: .6rem; margin: 1rem 0; }
.card { border: 1px solid var(--line); border-radius: .5rem; padding: .5rem .9rem; min-width: 8rem; }
.card b { display: block; font-size: 1.4rem; }
.card.bad { border-color: var(--red); background: var(--red-bg); color: var(--red); }
.filters { position: sticky; top: 0; background: #fff; padding: .6rem 0; border-bottom: 1px solid var(--line);
  display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; z-index: 1; }
.filters input[type=search] { flex: 1; min-width: 14rem; padding: .3rem .5rem; }
nav a { margin-right: 1rem; }
ul.entries { list-style: none; padding: 0; }
ul.entries li { padding: .25rem .5rem; border-left: 4px solid var(--green); margin: .2rem 0; background: var(--green-bg); }
ul.entries li.breaking { border-color: var(--red); background: var(--red-bg); }
details { border: 1px solid var(--line); border-left: 4px solid var(--amber); border-radius: .3rem; margin: .4rem 0; }
details.breaking { border-left-color: var(--red); }
summary { cursor: pointer; padding: .4rem .6rem; }
summary .count { color: var(--grey); font-size: .85em; margin-left: .5rem; }
.method { display: inline-block; min-width: 3.6rem; font-weight: bold; font-family: ui-monospace, monospace; }
.badge { display: inline-block; font-size: .75rem; padding: 0 .45rem; border-radius: 1rem; margin-left: .5rem;
  background: #eee; color: var(--grey); }
.badge.breaking { background: var(--red); color: #fff; }
.notes { margin: .3rem .8rem; color: var(--grey); font-style: italic; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .6rem; border-top: 1px solid var(--line); }
th { background: #f8f9fa; font-weight: 600; }
tr.breaking td { background: var(--red-bg); }
tr.breaking td.rule { color: var(--red); font-weight: 600; }
td .note { display: block; color: var(--grey); font-style: italic; }
body.only-breaking [data-breaking="0"] { display: none; }
.hidden { display: none !important; }
"#;

const SCRIPT: &str = r#"
const body = document.body;
document.getElementById('only-breaking').addEventListener('change', e => {
  body.classList.toggle('only-breaking', e.target.checked);
});
document.getElementById('search').addEventListener('input', e => {
  const q = e.target.value.toLowerCase();
  document.querySelectorAll('[data-item]').forEach(el => {
    el.classList.toggle('hidden', q !== '' && !el.textContent.toLowerCase().includes(q));
  });
});
document.getElementById('expand').addEventListener('click', () => {
  const all = [...document.querySelectorAll('details')];
  const open = all.some(d => !d.open);
  all.forEach(d => d.open = open);
});
"#;

/// HTML-escapes text.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
    out
}

/// An element id for an operation or event title (`client-server GET /…`).
fn anchor(title: &str) -> String {
    let id: String = title
        .chars()
        .map(|c| if c.is_whitespace() { '-' } else { c })
        .collect();
    esc(&id)
}

fn breaking_attr(impact: Impact) -> &'static str {
    if impact.is_breaking() { "1" } else { "0" }
}

fn badge(impact: Impact) -> String {
    let class = if impact.is_breaking() {
        "badge breaking"
    } else {
        "badge"
    };
    format!("<span class=\"{class}\">{}</span>", impact_text(impact))
}

pub fn render(report: &Report) -> String {
    let title = format!(
        "Matrix spec diff {} → {}",
        report.old_version, report.new_version
    );
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    let _ = writeln!(
        out,
        "<h1>Matrix spec diff <span>{} → {}</span></h1>\n<p>APIs: {}. Classification: {}.</p>",
        esc(&report.old_version),
        esc(&report.new_version),
        esc(&super::api_list(report)),
        badge(report.impact())
    );
    cards(&mut out, report);
    let _ = writeln!(
        out,
        "<div class=\"filters\"><label><input type=\"checkbox\" id=\"only-breaking\"> breaking changes only</label>\
         <input type=\"search\" id=\"search\" placeholder=\"Filter by path, field, rule or Rust item\">\
         <button type=\"button\" id=\"expand\">expand / collapse all</button></div>"
    );
    let breaking = breaking(report);
    if !breaking.is_empty() {
        let _ = writeln!(
            out,
            "<h2>Breaking changes</h2>\n<table><thead><tr><th>operation or event</th><th>location</th>\
             <th>rule</th></tr></thead><tbody>"
        );
        for b in breaking {
            let _ = writeln!(
                out,
                "<tr class=\"breaking\"><td><a href=\"#{}\"><code>{}</code></a></td><td><code>{}</code></td>\
                 <td class=\"rule\" title=\"{}\">{}<br><small>{}</small></td></tr>",
                anchor(&b.title),
                esc(&b.title),
                esc(&b.location),
                esc(b.rule.explanation()),
                b.rule,
                impact_text(b.rule.impact())
            );
        }
        let _ = writeln!(out, "</tbody></table>");
    }
    let groups = api_groups(report);
    let _ = write!(out, "<nav>");
    for (api, ..) in &groups {
        let _ = write!(out, "<a href=\"#api-{api}\">{api}</a>");
    }
    let events = &report.events;
    let has_events =
        !(events.added.is_empty() && events.removed.is_empty() && events.changed.is_empty());
    if has_events {
        let _ = write!(out, "<a href=\"#events\">event schemas</a>");
    }
    let _ = writeln!(out, "<a href=\"#rules\">rules</a></nav>\n<main>");
    for (api, added, removed, changed) in groups {
        let _ = writeln!(out, "<section id=\"api-{api}\">\n<h2>{api}</h2>");
        entries(&mut out, '+', "Added operations", &added, |e| {
            operation_line(&e.item)
        });
        entries(&mut out, '-', "Removed operations", &removed, |e| {
            operation_line(&e.item)
        });
        if !changed.is_empty() {
            let _ = writeln!(out, "<h3>Changed operations</h3>");
            for item in changed {
                let (id, title) = operation_line(&item.item);
                changed_block(&mut out, &id, &title, item);
            }
        }
        let _ = writeln!(out, "</section>");
    }
    if has_events {
        let _ = writeln!(out, "<section id=\"events\">\n<h2>Event schemas</h2>");
        let added: Vec<_> = events.added.iter().collect();
        let removed: Vec<_> = events.removed.iter().collect();
        entries(&mut out, '+', "Added event schemas", &added, |e| {
            event_line(&e.item)
        });
        entries(&mut out, '-', "Removed event schemas", &removed, |e| {
            event_line(&e.item)
        });
        if !events.changed.is_empty() {
            let _ = writeln!(out, "<h3>Changed event schemas</h3>");
            for item in &events.changed {
                let (id, title) = event_line(&item.item);
                changed_block(&mut out, &id, &title, item);
            }
        }
        let _ = writeln!(out, "</section>");
    }
    rules(&mut out);
    let _ = write!(
        out,
        "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    );
    out
}

fn cards(out: &mut String, report: &Report) {
    let counts = Counts::of(report);
    let ops = &report.operations;
    let events = &report.events;
    let card = |label: &str, n: usize, bad: bool| {
        let class = if bad && n > 0 { "card bad" } else { "card" };
        format!("<div class=\"{class}\"><b>{n}</b>{label}</div>")
    };
    let _ = writeln!(
        out,
        "<div class=\"cards\">{}{}{}{}{}{}{}{}</div>",
        card("operations added", ops.added.len(), false),
        card("operations removed", ops.removed.len(), true),
        card("operations changed", ops.changed.len(), false),
        card("event schemas added", events.added.len(), false),
        card("event schemas changed", events.changed.len(), false),
        card("changes", counts.changes, false),
        card("break clients", counts.breaking_clients, true),
        card("break servers", counts.breaking_servers, true),
    );
}

/// An operation's id and its title as HTML (method, then path).
fn operation_line(op: &OperationInfo) -> (String, String) {
    let path = match &op.variant {
        Some(file) => format!("{} ({file})", op.path),
        None => op.path.clone(),
    };
    let html = format!(
        "<span class=\"method\">{}</span><code>{}</code>",
        op.method,
        esc(&path)
    );
    (operation_key(op), html)
}

/// An event's id and its title as HTML.
fn event_line(event: &EventInfo) -> (String, String) {
    let title = event_title(event);
    let html = format!("<code>{}</code>", esc(&title));
    (title, html)
}

fn entries<T>(
    out: &mut String,
    sign: char,
    heading: &str,
    items: &[&Entry<T>],
    title: impl Fn(&Entry<T>) -> (String, String),
) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "<h3>{heading}</h3>\n<ul class=\"entries\">");
    for entry in items {
        let impact = entry.rule.impact();
        let class = if impact.is_breaking() { "breaking" } else { "" };
        let mut notes = String::new();
        if let Some(other) = &entry.counterpart {
            let _ = write!(
                notes,
                " <span class=\"notes\">{}</span>",
                esc(&counterpart_text(sign, other))
            );
        }
        for note in &entry.notes {
            let _ = write!(
                notes,
                " <span class=\"notes\">{}</span>",
                esc(&note_text(note))
            );
        }
        let (id, title) = title(entry);
        let _ = writeln!(
            out,
            "<li id=\"{}\" class=\"{class}\" data-item data-breaking=\"{}\">{title} <code>{}</code>{}{notes}</li>",
            anchor(&id),
            breaking_attr(impact),
            entry.rule,
            badge(impact),
        );
    }
    let _ = writeln!(out, "</ul>");
}

fn changed_block<T: Whole>(out: &mut String, id: &str, title: &str, changed: &Changed<T>) {
    let impact = changed.impact();
    let (class, open) = if impact.is_breaking() {
        ("breaking", " open")
    } else {
        ("", "")
    };
    let n = changed.changes.len();
    let _ = writeln!(
        out,
        "<details id=\"{}\" class=\"{class}\" data-item data-breaking=\"{}\"{open}><summary>{title}{}\
         <span class=\"count\">{n} change{}</span></summary>",
        anchor(id),
        breaking_attr(impact),
        badge(impact),
        if n == 1 { "" } else { "s" }
    );
    for note in &changed.notes {
        let _ = writeln!(out, "<p class=\"notes\">{}</p>", esc(&note_text(note)));
    }
    let _ = writeln!(
        out,
        "<table><thead><tr><th>location</th><th>rule</th><th>change</th><th>Rust</th></tr></thead><tbody>"
    );
    for change in &changed.changes {
        row(out, change, T::WHOLE);
    }
    let _ = writeln!(out, "</tbody></table></details>");
}

fn row(out: &mut String, change: &Change, whole: &str) {
    let impact = change.rule.impact();
    let class = if impact.is_breaking() { "breaking" } else { "" };
    let mut text = esc(&change_text(change));
    for note in &change.notes {
        let _ = write!(
            text,
            "<span class=\"note\">{}</span>",
            esc(&note_text(note))
        );
    }
    let rust = change
        .rust
        .as_ref()
        .map(|r| format!("<code>{}</code>", esc(&r.path)))
        .unwrap_or_default();
    let rule_title = esc(change.rule.explanation());
    let _ = writeln!(
        out,
        "<tr class=\"{class}\" data-breaking=\"{}\"><td><code>{}</code></td>\
         <td class=\"rule\" title=\"{rule_title}\">{}<br><small>{}</small></td><td>{text}</td><td>{rust}</td></tr>",
        breaking_attr(impact),
        esc(&location_text(change, whole)),
        change.rule,
        impact_text(impact),
    );
}

fn rules(out: &mut String) {
    let _ = writeln!(
        out,
        "<section id=\"rules\">\n<h2>Rules</h2>\n<table><thead><tr><th>rule</th><th>classification</th><th>why</th></tr></thead><tbody>"
    );
    for rule in Rule::ALL {
        let impact = rule.impact();
        let class = if impact.is_breaking() { "breaking" } else { "" };
        let _ = writeln!(
            out,
            "<tr class=\"{class}\"><td><code>{rule}</code></td><td class=\"rule\">{}</td><td>{}</td></tr>",
            impact_text(impact),
            esc(rule.explanation())
        );
    }
    let _ = writeln!(out, "</tbody></table>\n</section>");
}
