//! Operations of two versions: paired, then compared field by field.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Api, Method, Operation, Spec};

use super::pair::{file_name, pair};
use super::rust_impact::Namer;
use super::security::{self, Access, SchemeDefinitions};
use super::{
    Change, Changed, Entry, FieldPath, Note, OperationInfo, Rule, Section, Segment, Side,
    VersionRange, compare, flatten,
};

/// (API, method, full path, file when that pair is not unique).
type OperationKey = (Api, String, Method, Option<String>);

fn operation_keys<'s>(spec: &'s Spec, apis: &[Api]) -> BTreeMap<OperationKey, &'s Operation> {
    let mut count: BTreeMap<(Api, &str, Method), usize> = BTreeMap::new();
    let ops: Vec<&Operation> = spec
        .operations
        .iter()
        .filter(|op| apis.contains(&op.api))
        .collect();
    for op in &ops {
        *count.entry((op.api, &op.path, op.method)).or_default() += 1;
    }
    ops.into_iter()
        .map(|op| {
            let shared = count.get(&(op.api, op.path.as_str(), op.method)) > Some(&1);
            let variant = shared.then(|| file_name(&op.location.file));
            ((op.api, op.path.clone(), op.method, variant), op)
        })
        .collect()
}

fn operation_info(namer: &Namer, op: &Operation, variant: Option<String>) -> OperationInfo {
    OperationInfo {
        api: op.api,
        path: op.path.clone(),
        method: op.method,
        variant,
        operation_id: op.operation_id.clone(),
        file: op.location.file.display().to_string(),
        deprecated: op.is_deprecated(),
        rust: namer.operation(op.api, &op.operation_id),
    }
}

/// The operations of `apis` added, removed and changed from `old` to `new`.
pub fn operations(
    old: &Spec,
    new: &Spec,
    apis: &[Api],
    range: &VersionRange,
    [old_names, new_names]: [&Namer; 2],
) -> Section<OperationInfo> {
    let (old_keys, new_keys) = (operation_keys(old, apis), operation_keys(new, apis));
    let (pairs, removed, added) = pair(&old_keys, &new_keys, |k| (k.0, k.1.clone(), k.2));
    let schemes = [SchemeDefinitions::of(old), SchemeDefinitions::of(new)];
    let op_notes = |op: &Operation| -> Vec<Note> {
        Note::all(op.added_in.as_deref(), &op.changed_in)
            .into_iter()
            .filter(|n| range.contains(n))
            .collect()
    };
    let entry = |keys: &BTreeMap<OperationKey, &Operation>,
                 key: &OperationKey,
                 rule: Rule,
                 namer: &Namer| {
        let op = keys[key];
        Entry {
            item: operation_info(namer, op, key.3.clone()),
            rule,
            notes: op_notes(op),
            counterpart: None,
        }
    };
    let mut section = Section {
        added: added
            .into_iter()
            .map(|key| entry(&new_keys, key, Rule::OperationAdded, new_names))
            .collect(),
        removed: removed
            .into_iter()
            .map(|key| entry(&old_keys, key, Rule::OperationRemoved, old_names))
            .collect(),
        changed: Vec::new(),
    };
    for (old_key, new_key) in pairs {
        let (old_op, new_op) = (old_keys[old_key], new_keys[new_key]);
        let mut changes =
            operation_changes([old, new], [old_op, new_op], &schemes, range, new_names);
        let notes = op_notes(new_op);
        if changes.is_empty() && !notes.is_empty() {
            changes.push(Change {
                rule: Rule::DocumentedChange,
                location: FieldPath::default(),
                old: None,
                new: None,
                notes: Vec::new(),
                rust: Some(new_names.operation(new_op.api, &new_op.operation_id)),
            });
        }
        if !changes.is_empty() {
            section.changed.push(Changed {
                item: operation_info(new_names, new_op, new_key.3.clone()),
                notes,
                changes,
            });
        }
    }
    link_moved(&mut section);
    section.added.sort_by(|a, b| a.item.cmp(&b.item));
    section.removed.sort_by(|a, b| a.item.cmp(&b.item));
    section.changed.sort_by(|a, b| a.item.cmp(&b.item));
    section
}

/// Links an added and a removed operation that share their API and `operationId` (and
/// are the only ones that do): the same operation under a new path (`r0` → `v3`).
fn link_moved(section: &mut Section<OperationInfo>) {
    let id = |e: &Entry<OperationInfo>| (e.item.api, e.item.operation_id.clone());
    let title = |e: &Entry<OperationInfo>| format!("{} {}", e.item.method, e.item.path);
    let count = |entries: &[Entry<OperationInfo>], key: &(Api, String)| {
        entries.iter().filter(|e| id(e) == *key).count()
    };
    let links: Vec<(usize, usize)> = (0..section.added.len())
        .filter_map(|a| {
            let key = id(&section.added[a]);
            if count(&section.added, &key) != 1 || count(&section.removed, &key) != 1 {
                return None;
            }
            let r = section.removed.iter().position(|e| id(e) == key)?;
            Some((a, r))
        })
        .collect();
    for (a, r) in links {
        section.added[a].counterpart = Some(title(&section.removed[r]));
        section.removed[r].counterpart = Some(title(&section.added[a]));
    }
}

fn operation_changes(
    [old_spec, new_spec]: [&Spec; 2],
    [old, new]: [&Operation; 2],
    schemes: &[SchemeDefinitions; 2],
    range: &VersionRange,
    namer: &Namer,
) -> Vec<Change> {
    let mut changes = Vec::new();
    match (old.is_deprecated(), new.is_deprecated()) {
        (false, true) => changes.push(Change {
            rule: Rule::OperationDeprecated,
            location: FieldPath::default(),
            old: None,
            new: Some("deprecated".into()),
            notes: Vec::new(),
            rust: None,
        }),
        (true, false) => changes.push(Change {
            rule: Rule::OperationUndeprecated,
            location: FieldPath::default(),
            old: Some("deprecated".into()),
            new: None,
            notes: Vec::new(),
            rust: None,
        }),
        _ => {}
    }
    changes.extend(security::changes(
        Access {
            api: old.api,
            security: &old.security,
            definitions: &schemes[0],
        },
        Access {
            api: new.api,
            security: &new.security,
            definitions: &schemes[1],
        },
    ));
    let before = flatten::operation(&old_spec.types, old);
    let after = flatten::operation(&new_spec.types, new);
    let mut request = compare::fields(&before.request, &after.request, Side::Request);
    compare::attach_notes(&mut request, [&before.request, &after.request], range);
    changes.extend(request);
    let old_statuses: BTreeSet<String> = before.responses.keys().cloned().collect();
    let new_statuses: BTreeSet<String> = after.responses.keys().cloned().collect();
    changes.extend(compare::statuses(&old_statuses, &new_statuses));
    for (status, fields) in &after.responses {
        if let Some(old_fields) = before.responses.get(status) {
            let mut response = compare::fields(old_fields, fields, Side::Response);
            compare::attach_notes(&mut response, [old_fields, fields], range);
            changes.extend(response);
        }
    }
    let owner = |path: &FieldPath| -> Option<crate::ir::SchemaId> {
        let in_part = |fields: &flatten::OperationFields| match compare::side_of(path) {
            Side::Response => path.0.get(1).and_then(|s| match s {
                Segment::Key(status) => fields.responses.get(status)?.get(path)?.owner,
                _ => None,
            }),
            _ => fields.request.get(path)?.owner,
        };
        in_part(&after).or_else(|| in_part(&before))
    };
    compare::finish(&mut changes, |path| {
        Some(namer.operation_field(new.api, &new.operation_id, path, &owner))
    });
    changes
}
