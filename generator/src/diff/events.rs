//! Event schemas of two versions: paired, then compared field by field.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Api, EventKind, EventSchema, Spec};

use super::pair::{file_name, pair};
use super::rust_impact::Namer;
use super::{
    Change, Changed, Entry, EventInfo, FieldPath, Note, Rule, Section, Side, VersionRange, compare,
    flatten,
};

/// (kind group, event type, variant, file when that is not unique).
type EventKey = (u8, String, Option<String>, Option<String>);

fn event_keys<'s>(spec: &'s Spec, apis: &[Api]) -> BTreeMap<EventKey, &'s EventSchema> {
    let wanted = |event: &EventSchema| match event.kind {
        EventKind::Edu => apis.contains(&Api::ServerServer),
        _ => apis.contains(&Api::ClientServer),
    };
    let group = |kind: EventKind| match kind {
        EventKind::Edu => 2,
        EventKind::Component => 1,
        _ => 0,
    };
    let mut count: BTreeMap<(u8, &str, Option<&str>), usize> = BTreeMap::new();
    let events: Vec<&EventSchema> = spec.events.iter().filter(|e| wanted(e)).collect();
    for e in &events {
        *count
            .entry((group(e.kind), &e.event_type, e.variant.as_deref()))
            .or_default() += 1;
    }
    events
        .into_iter()
        .map(|e| {
            let g = group(e.kind);
            let shared = count.get(&(g, e.event_type.as_str(), e.variant.as_deref())) > Some(&1);
            let file = shared.then(|| file_name(&e.location.file));
            ((g, e.event_type.clone(), e.variant.clone(), file), e)
        })
        .collect()
}

fn event_info(namer: &Namer, event: &EventSchema) -> EventInfo {
    EventInfo {
        event_type: event.event_type.clone(),
        variant: event.variant.clone(),
        kind: event.kind,
        file: event.location.file.display().to_string(),
        rust: namer.event_field(event, &FieldPath::default(), &|_| None),
    }
}

/// The event schemas (of the client-server API, and the EDUs of the server-server API,
/// among `apis`) added, removed and changed from `old` to `new`.
pub fn events(
    old: &Spec,
    new: &Spec,
    apis: &[Api],
    range: &VersionRange,
    [old_names, new_names]: [&Namer; 2],
) -> Section<EventInfo> {
    let (old_keys, new_keys) = (event_keys(old, apis), event_keys(new, apis));
    let (pairs, removed, added) = pair(&old_keys, &new_keys, |k| (k.0, k.1.clone(), k.2.clone()));
    let root_notes = |spec: &Spec, event: &EventSchema| -> Vec<Note> {
        let schema = &spec.types.get(event.schema).annotations;
        Note::all(schema.added_in.as_deref(), &schema.changed_in)
            .into_iter()
            .filter(|n| range.contains(n))
            .collect()
    };
    let mut section = Section {
        added: added
            .into_iter()
            .map(|key| Entry {
                item: event_info(new_names, new_keys[key]),
                rule: Rule::EventAdded,
                notes: root_notes(new, new_keys[key]),
                counterpart: None,
            })
            .collect(),
        removed: removed
            .into_iter()
            .map(|key| Entry {
                item: event_info(old_names, old_keys[key]),
                rule: Rule::EventRemoved,
                notes: root_notes(old, old_keys[key]),
                counterpart: None,
            })
            .collect(),
        changed: Vec::new(),
    };
    for (old_key, new_key) in pairs {
        let (old_event, new_event) = (old_keys[old_key], new_keys[new_key]);
        let before = flatten::event(&old.types, old_event);
        let after = flatten::event(&new.types, new_event);
        let mut changes = compare::fields(&before, &after, Side::Event);
        compare::attach_notes(&mut changes, [&before, &after], range);
        let owner = |path: &FieldPath| {
            after
                .get(path)
                .or_else(|| before.get(path))
                .and_then(|f| f.owner)
        };
        compare::finish(&mut changes, |path| {
            Some(new_names.event_field(new_event, path, &owner))
        });
        if !changes.is_empty() {
            section.changed.push(Changed {
                item: event_info(new_names, new_event),
                notes: Vec::new(),
                changes,
            });
        }
    }
    drop_inherited(&mut section.changed);
    section.added.sort_by(|a, b| a.item.cmp(&b.item));
    section.removed.sort_by(|a, b| a.item.cmp(&b.item));
    section.changed.sort_by(|a, b| a.item.cmp(&b.item));
    section
}

/// Event types repeat the members of the core schemas they extend (`event_id`, `sender`
/// from `room_event`): a change that a shared component shows at the same place is
/// reported once, under the component.
fn drop_inherited(changed: &mut Vec<Changed<EventInfo>>) {
    let key = |c: &Change| (c.location.clone(), c.rule, c.old.clone(), c.new.clone());
    let shared: BTreeSet<_> = changed
        .iter()
        .filter(|c| c.item.kind == EventKind::Component)
        .flat_map(|c| c.changes.iter().map(key))
        .collect();
    for event in changed.iter_mut() {
        if event.item.kind != EventKind::Component {
            event.changes.retain(|c| !shared.contains(&key(c)));
        }
    }
    changed.retain(|c| !c.changes.is_empty());
}
