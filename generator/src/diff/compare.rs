//! Comparing flattened fields and status codes into classified [`Change`]s, and putting
//! version notes beside the changes they explain.

use std::collections::{BTreeMap, BTreeSet};

use super::flatten::{Field, Fields, Shape, Ty};
use super::notes::{Note, VersionRange};
use super::path::{FieldPath, Segment};
use super::rules::{FieldChange, Rule, Side};
use super::{Change, RustItem};

/// Changes between two sets of fields on one side.
pub fn fields(old: &Fields, new: &Fields, side: Side) -> Vec<Change> {
    let mut changes = Vec::new();
    for (path, field) in new {
        match old.get(path) {
            Some(before) => changes.extend(field_changes(path, before, field, side)),
            None if !absorbed(path, new, old) => {
                let change = match path.last() {
                    // Typed values where other keys were untyped.
                    Some(Segment::Values) => FieldChange::TypeNarrowed,
                    Some(Segment::Variant(_)) => FieldChange::TypeWidened,
                    Some(Segment::Position(_)) => FieldChange::TypeChanged,
                    _ if field.required => FieldChange::RequiredAdded,
                    _ => FieldChange::Added,
                };
                changes.push(Change::new(
                    Rule::for_field(side, change),
                    path.clone(),
                    None,
                    Some(describe(path, field)),
                ));
            }
            None => {}
        }
    }
    for (path, field) in old {
        if !new.contains_key(path) && !absorbed(path, old, new) {
            let change = match path.last() {
                Some(Segment::Values) => FieldChange::TypeWidened,
                Some(Segment::Variant(_)) => FieldChange::TypeNarrowed,
                Some(Segment::Position(_)) => FieldChange::TypeChanged,
                _ => FieldChange::Removed,
            };
            changes.push(Change::new(
                Rule::for_field(side, change),
                path.clone(),
                Some(describe(path, field)),
                None,
            ));
        }
    }
    changes
}

/// Whether a field present on one side only is explained by its parent: the parent is
/// itself new (or gone), or no longer has the kind of children the field is.
fn absorbed(path: &FieldPath, here: &Fields, there: &Fields) -> bool {
    let Some(parent) = path.parent() else {
        return false;
    };
    if !here.contains_key(&parent) {
        return false;
    }
    match (there.get(&parent), path.last()) {
        (None, _) => true,
        (Some(other), Some(segment)) => !other.shape.contains(segment),
        (Some(_), None) => false,
    }
}

fn field_changes(path: &FieldPath, old: &Field, new: &Field, side: Side) -> Vec<Change> {
    let mut found: Vec<(Rule, Option<String>, Option<String>)> = Vec::new();
    let field = |change| Rule::for_field(side, change);
    match (old.required, new.required) {
        (false, true) => found.push((
            field(FieldChange::BecameRequired),
            Some("optional".into()),
            Some("required".into()),
        )),
        (true, false) => found.push((
            field(FieldChange::BecameOptional),
            Some("required".into()),
            Some("optional".into()),
        )),
        _ => {}
    }
    for (change, before, after) in shape_changes(&old.shape, &new.shape) {
        let rule = match change {
            ShapeChange::Field(change) => field(change),
            ShapeChange::Annotated => Rule::FormatAnnotated,
            ShapeChange::Dropped => Rule::FormatDropped,
        };
        found.push((rule, Some(before), Some(after)));
    }
    match (old.deprecated, new.deprecated) {
        (false, true) => found.push((Rule::FieldDeprecated, None, Some("deprecated".into()))),
        (true, false) => found.push((Rule::FieldUndeprecated, Some("deprecated".into()), None)),
        _ => {}
    }
    found
        .into_iter()
        .map(|(rule, before, after)| Change::new(rule, path.clone(), before, after))
        .collect()
}

/// A difference in what a field admits.
enum ShapeChange {
    /// Classified by side.
    Field(FieldChange),
    /// A format where there was none.
    Annotated,
    /// No format where there was one.
    Dropped,
}

fn shape_changes(old: &Shape, new: &Shape) -> Vec<(ShapeChange, String, String)> {
    let mut out = Vec::new();
    let (old_types, new_types) = (old.types(), new.types());
    if old_types != new_types {
        let widened = old_types
            .iter()
            .all(|&o| new_types.iter().any(|n| n.admits(o)));
        let narrowed = new_types
            .iter()
            .all(|&n| old_types.iter().any(|o| o.admits(n)));
        let change = match (widened, narrowed) {
            (true, true) => None,
            (true, false) => Some(FieldChange::TypeWidened),
            (false, true) => Some(FieldChange::TypeNarrowed),
            (false, false) => Some(FieldChange::TypeChanged),
        };
        if let Some(change) = change {
            out.push((ShapeChange::Field(change), types_text(old), types_text(new)));
        }
    }
    let common: BTreeSet<Ty> = old_types.intersection(&new_types).copied().collect();
    let formats = |shape: &Shape, ty: Ty| -> BTreeSet<Option<String>> {
        shape
            .atoms
            .iter()
            .filter(|a| a.ty == ty)
            .map(|a| a.format.clone())
            .collect()
    };
    let mut format_change = None;
    for &ty in &common {
        let (before, after) = (formats(old, ty), formats(new, ty));
        if let Some(change) = format_difference(&before, &after) {
            format_change = Some(merge_format_changes(format_change, change));
        }
    }
    if let Some(change) = format_change {
        out.push((change, types_text(old), types_text(new)));
    }
    let (old_key, new_key) = (
        BTreeSet::from([old.key_format.clone()]),
        BTreeSet::from([new.key_format.clone()]),
    );
    if let Some(change) = format_difference(&old_key, &new_key) {
        let key = |f: &Option<String>| format!("keys: {}", f.as_deref().unwrap_or("string"));
        out.push((change, key(&old.key_format), key(&new.key_format)));
    }
    if common.contains(&Ty::String) {
        out.extend(enum_changes(old, new));
    }
    let added: Vec<&String> = new.media_types.difference(&old.media_types).collect();
    let removed: Vec<&String> = old.media_types.difference(&new.media_types).collect();
    if !old.media_types.is_empty() && !new.media_types.is_empty() {
        if !added.is_empty() {
            out.push((
                ShapeChange::Field(FieldChange::MediaTypeAdded),
                list(&old.media_types),
                join(&added),
            ));
        }
        if !removed.is_empty() {
            out.push((
                ShapeChange::Field(FieldChange::MediaTypeRemoved),
                join(&removed),
                list(&new.media_types),
            ));
        }
    }
    out
}

fn enum_changes(old: &Shape, new: &Shape) -> Vec<(ShapeChange, String, String)> {
    let mut out = Vec::new();
    match (&old.enum_values, &new.enum_values) {
        (None, Some(values)) => out.push((
            ShapeChange::Field(FieldChange::TypeNarrowed),
            "any string".to_owned(),
            format!("one of {}", list(values)),
        )),
        (Some(values), None) => out.push((
            ShapeChange::Field(FieldChange::TypeWidened),
            format!("one of {}", list(values)),
            "any string".to_owned(),
        )),
        (Some(before), Some(after)) => {
            let added: Vec<&String> = after.difference(before).collect();
            let removed: Vec<&String> = before.difference(after).collect();
            if !added.is_empty() {
                out.push((
                    ShapeChange::Field(FieldChange::EnumValueAdded),
                    list(before),
                    format!("+ {}", join(&added)),
                ));
            }
            if !removed.is_empty() {
                out.push((
                    ShapeChange::Field(FieldChange::EnumValueRemoved),
                    format!("- {}", join(&removed)),
                    list(after),
                ));
            }
        }
        (None, None) => {}
    }
    out
}

/// How two sets of formats (of one type) differ; `None` in a set is "no format".
fn format_difference(
    old: &BTreeSet<Option<String>>,
    new: &BTreeSet<Option<String>>,
) -> Option<ShapeChange> {
    if old == new {
        return None;
    }
    let plain = BTreeSet::from([None]);
    Some(if *old == plain && !new.contains(&None) {
        ShapeChange::Annotated
    } else if *new == plain && !old.contains(&None) {
        ShapeChange::Dropped
    } else {
        ShapeChange::Field(FieldChange::FormatChanged)
    })
}

fn merge_format_changes(previous: Option<ShapeChange>, next: ShapeChange) -> ShapeChange {
    match (previous, next) {
        (None, next) => next,
        (Some(ShapeChange::Annotated), ShapeChange::Annotated) => ShapeChange::Annotated,
        (Some(ShapeChange::Dropped), ShapeChange::Dropped) => ShapeChange::Dropped,
        _ => ShapeChange::Field(FieldChange::FormatChanged),
    }
}

fn list(values: &BTreeSet<String>) -> String {
    let items: Vec<&String> = values.iter().collect();
    format!("[{}]", join(&items))
}

fn join(values: &[&String]) -> String {
    values
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A shape's types as text: `string:mx-user-id | null`.
pub fn types_text(shape: &Shape) -> String {
    let mut parts: Vec<String> = shape
        .atoms
        .iter()
        .map(|a| match &a.format {
            Some(format) => format!("{}:{format}", a.ty.name()),
            None => a.ty.name().to_owned(),
        })
        .collect();
    if shape.nullable {
        parts.push("null".to_owned());
    }
    if parts.is_empty() {
        parts.push("empty".to_owned());
    }
    parts.join(" | ")
}

/// A field as text for "added" / "removed": types, enum, media types, and whether a
/// property is required.
pub fn describe(path: &FieldPath, field: &Field) -> String {
    let shape = &field.shape;
    let mut text = types_text(shape);
    if let Some(values) = &shape.enum_values {
        text.push_str(&format!(" {}", list(values)));
    }
    if let Some(format) = &shape.key_format {
        text.push_str(&format!(" (keys: {format})"));
    }
    if !shape.media_types.is_empty() {
        text.push_str(&format!(" as {}", list(&shape.media_types)));
    }
    if matches!(path.last(), None | Some(Segment::Key(_))) {
        text.push_str(if field.required {
            ", required"
        } else {
            ", optional"
        });
    }
    text
}

/// Status codes added and removed.
pub fn statuses(old: &BTreeSet<String>, new: &BTreeSet<String>) -> Vec<Change> {
    let success = |status: &str| status.starts_with('2') || status.starts_with('3');
    let mut changes = Vec::new();
    for status in new.difference(old) {
        let rule = if success(status) {
            Rule::SuccessStatusAdded
        } else {
            Rule::ErrorStatusAdded
        };
        changes.push(Change::new(
            rule,
            FieldPath::keys(&["response", status]),
            None,
            Some(status.clone()),
        ));
    }
    for status in old.difference(new) {
        let rule = if success(status) {
            Rule::SuccessStatusRemoved
        } else {
            Rule::ErrorStatusRemoved
        };
        changes.push(Change::new(
            rule,
            FieldPath::keys(&["response", status]),
            Some(status.clone()),
            None,
        ));
    }
    changes
}

/// The side a field of an operation is on, from its path's first segment.
pub fn side_of(path: &FieldPath) -> Side {
    match path.0.first() {
        Some(Segment::Key(root)) if root == "response" => Side::Response,
        _ => Side::Request,
    }
}

/// Puts each version note in range beside the change it explains: a change at the
/// note's field, else the nearest change above it (a new parent), else the first change
/// below it; a note that explains no change becomes a [`Rule::DocumentedChange`].
pub fn attach_notes(changes: &mut Vec<Change>, sides: [&Fields; 2], range: &VersionRange) {
    let [old, new] = sides;
    let mut notes: BTreeMap<&FieldPath, Vec<&Note>> = BTreeMap::new();
    for (path, field) in old.iter().filter(|(p, _)| !new.contains_key(*p)).chain(new) {
        for note in field.notes.iter().filter(|n| range.contains(n)) {
            notes.entry(path).or_default().push(note);
        }
    }
    for (path, field_notes) in notes {
        let exact: Vec<usize> = (0..changes.len())
            .filter(|&i| changes[i].location == *path)
            .collect();
        let targets = if !exact.is_empty() {
            exact
        } else if let Some(i) = nearest_above(changes, path) {
            vec![i]
        } else if let Some(i) = (0..changes.len()).find(|&i| changes[i].location.starts_with(path))
        {
            vec![i]
        } else if range.is_known() {
            changes.push(Change::new(
                Rule::DocumentedChange,
                path.clone(),
                None,
                None,
            ));
            vec![changes.len() - 1]
        } else {
            Vec::new()
        };
        for i in targets {
            for &note in &field_notes {
                if !changes[i].notes.contains(note) {
                    changes[i].notes.push(note.clone());
                }
            }
        }
    }
}

fn nearest_above(changes: &[Change], path: &FieldPath) -> Option<usize> {
    (0..changes.len())
        .filter(|&i| path.starts_with(&changes[i].location))
        .max_by_key(|&i| changes[i].location.0.len())
}

/// Sorts changes by location, then rule, and fills in their Rust items.
pub fn finish(changes: &mut [Change], rust: impl Fn(&FieldPath) -> Option<RustItem>) {
    changes.sort_by(|a, b| {
        (&a.location, a.rule, &a.old, &a.new).cmp(&(&b.location, b.rule, &b.old, &b.new))
    });
    for change in changes {
        change.rust = rust(&change.location);
    }
}
