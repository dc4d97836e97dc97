//! Semantic diff of two spec versions: which operations, fields and event schemas
//! changed, and whom each change breaks. See docs/diff.md.
//!
//! Both versions are compared on the IR, so Swagger 2.0 and OpenAPI 3.1 releases compare
//! like any other pair. Operations are keyed by (API, method, full path), and operations
//! that share those (the `/events` and `/rooms/{roomId}/invite` pairs told apart by a
//! trailing space in the spec) also by their file. Each operation's parameters, bodies
//! and responses are flattened into fields ([`flatten`]) and compared ([`compare`]);
//! each change gets a named [`Rule`] that classifies it, the version notes that explain
//! it, and the generated Rust item it touches ([`rust_impact`]).

pub mod compare;
pub mod flatten;
pub mod notes;
pub mod path;
pub mod report;
pub mod rules;
pub mod rust_impact;

use std::collections::{BTreeMap, BTreeSet};

use crate::error::SpecError;
use crate::ir::{Api, EventKind, EventSchema, Method, Operation, Spec};
use crate::source::SpecSource;

pub use self::notes::{Note, NoteKind, VersionRange};
pub use self::path::{FieldPath, Segment};
pub use self::rules::{Impact, Rule, Side};
pub use self::rust_impact::RustItem;

/// What to compare.
#[derive(Debug, Clone)]
pub struct Options {
    /// The APIs whose operations are compared.
    pub apis: Vec<Api>,
    /// Whether event schemas are compared (those of the client-server API, and the EDUs
    /// of the server-server API, when those APIs are compared).
    pub events: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            apis: Api::ALL.to_vec(),
            events: true,
        }
    }
}

/// Everything that changed between two versions.
#[derive(Debug, Clone)]
pub struct Report {
    /// The old version's name.
    pub old_version: String,
    /// The new version's name.
    pub new_version: String,
    /// The APIs compared.
    pub apis: Vec<Api>,
    /// Operations added, removed and changed.
    pub operations: Section<OperationInfo>,
    /// Event schemas added, removed and changed.
    pub events: Section<EventInfo>,
}

/// Items added, removed and changed, each list sorted.
#[derive(Debug, Clone)]
pub struct Section<T> {
    /// Items only in the new version.
    pub added: Vec<Entry<T>>,
    /// Items only in the old version.
    pub removed: Vec<Entry<T>>,
    /// Items in both whose meaning changed.
    pub changed: Vec<Changed<T>>,
}

/// An item added or removed.
#[derive(Debug, Clone)]
pub struct Entry<T> {
    /// The item (from the version it is in).
    pub item: T,
    /// The rule that classifies the addition or removal.
    pub rule: Rule,
    /// Its version notes in the compared range.
    pub notes: Vec<Note>,
    /// For an operation: the operation removed (for an added one) or added (for a removed
    /// one) with the same API and `operationId`, as `METHOD path`: its path changed.
    pub counterpart: Option<String>,
}

/// An item present in both versions, with its changes.
#[derive(Debug, Clone)]
pub struct Changed<T> {
    /// The item, as in the new version.
    pub item: T,
    /// Its own version notes in range (operation-level `x-changedInMatrixVersion`).
    pub notes: Vec<Note>,
    /// The changes, sorted by location.
    pub changes: Vec<Change>,
}

impl<T> Changed<T> {
    /// Whom the changes together break.
    pub fn impact(&self) -> Impact {
        self.changes
            .iter()
            .fold(Impact::COMPATIBLE, |acc, c| acc.union(c.rule.impact()))
    }
}

/// One classified change.
#[derive(Debug, Clone)]
pub struct Change {
    /// The rule that classifies it.
    pub rule: Rule,
    /// The field (or `security`, `response.<status>`) it is at; empty for a whole event.
    pub location: FieldPath,
    /// What it was, as text.
    pub old: Option<String>,
    /// What it is, as text.
    pub new: Option<String>,
    /// The version notes that explain it.
    pub notes: Vec<Note>,
    /// The generated Rust item it touches.
    pub rust: Option<RustItem>,
}

/// An operation, as reports name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OperationInfo {
    /// Its API.
    pub api: Api,
    /// The full path (`/_matrix/client/v3/login`).
    pub path: String,
    /// The method.
    pub method: Method,
    /// The file that tells it apart from another operation with the same method and
    /// path (`peeking_events.yaml`), if there is one.
    pub variant: Option<String>,
    /// Its `operationId`.
    pub operation_id: String,
    /// The file it is defined in, relative to the data folder.
    pub file: String,
    /// Whether it is deprecated.
    pub deprecated: bool,
    /// Its generated module.
    pub rust: RustItem,
}

/// An event schema, as reports name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventInfo {
    /// The event type (`m.room.member`), or the file stem of a shared component.
    pub event_type: String,
    /// The `msgtype`-style variant (`m.text`), if any.
    pub variant: Option<String>,
    /// What kind of event it is.
    pub kind: EventKind,
    /// The file it is defined in, relative to the data folder.
    pub file: String,
    /// Its generated content type.
    pub rust: RustItem,
}

impl Report {
    /// Whom all changes together break.
    pub fn impact(&self) -> Impact {
        let ops = &self.operations;
        let events = &self.events;
        let entries = ops.added.iter().chain(&ops.removed).map(|e| e.rule);
        let event_entries = events.added.iter().chain(&events.removed).map(|e| e.rule);
        entries
            .chain(event_entries)
            .chain(self.changes().map(|c| c.rule))
            .fold(Impact::COMPATIBLE, |acc, rule| acc.union(rule.impact()))
    }

    /// Every change of changed operations and events.
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        let ops = self.operations.changed.iter().flat_map(|c| &c.changes);
        ops.chain(self.events.changed.iter().flat_map(|c| &c.changes))
    }
}

/// Loads both versions (in parallel) and compares them.
pub fn load_and_diff(
    old: &SpecSource,
    new: &SpecSource,
    options: &Options,
) -> Result<Report, Box<SpecError>> {
    let (old, new) = std::thread::scope(|scope| {
        let old = scope.spawn(|| crate::load(old));
        let new = crate::load(new);
        (old.join(), new)
    });
    let old = old.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    Ok(diff(&old, &new?, options))
}

/// Compares two loaded versions.
pub fn diff(old: &Spec, new: &Spec, options: &Options) -> Report {
    let range = VersionRange::new(&old.version, &new.version);
    Report {
        old_version: old.version.clone(),
        new_version: new.version.clone(),
        apis: options.apis.clone(),
        operations: operations(old, new, &options.apis, &range),
        events: if options.events {
            events(old, new, &options.apis, &range)
        } else {
            Section {
                added: Vec::new(),
                removed: Vec::new(),
                changed: Vec::new(),
            }
        },
    }
}

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

fn file_name(file: &std::path::Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Pairs keys exactly, then the rest by a coarser key when that is unique on both sides
/// (an operation that stops sharing its path keeps its identity). Returns the pairs, the
/// old keys left over and the new keys left over.
fn pair<'k, K: Ord, C: Ord, V>(
    old: &'k BTreeMap<K, V>,
    new: &'k BTreeMap<K, V>,
    coarse: impl Fn(&K) -> C,
) -> (Vec<(&'k K, &'k K)>, Vec<&'k K>, Vec<&'k K>) {
    let mut pairs: Vec<(&K, &K)> = Vec::new();
    let mut old_left: Vec<&K> = Vec::new();
    for key in old.keys() {
        match new.get_key_value(key) {
            Some((other, _)) => pairs.push((key, other)),
            None => old_left.push(key),
        }
    }
    let new_left: Vec<&K> = new.keys().filter(|k| !old.contains_key(*k)).collect();
    let count = |keys: &[&K], c: &C| keys.iter().filter(|k| coarse(k) == *c).count();
    let mut added = Vec::new();
    for key in &new_left {
        let c = coarse(key);
        if count(&old_left, &c) == 1 && count(&new_left, &c) == 1 {
            if let Some(i) = old_left.iter().position(|k| coarse(k) == c) {
                pairs.push((old_left.remove(i), key));
                continue;
            }
        }
        added.push(*key);
    }
    (pairs, old_left, added)
}

fn operation_info(op: &Operation, variant: Option<String>) -> OperationInfo {
    OperationInfo {
        api: op.api,
        path: op.path.clone(),
        method: op.method,
        variant,
        operation_id: op.operation_id.clone(),
        file: op.location.file.display().to_string(),
        deprecated: op.is_deprecated(),
        rust: rust_impact::operation(op.api, &op.operation_id),
    }
}

fn operations(
    old: &Spec,
    new: &Spec,
    apis: &[Api],
    range: &VersionRange,
) -> Section<OperationInfo> {
    let (old_keys, new_keys) = (operation_keys(old, apis), operation_keys(new, apis));
    let (pairs, removed, added) = pair(&old_keys, &new_keys, |k| (k.0, k.1.clone(), k.2));
    let schemes = [
        compare::SchemeDefinitions::of(old),
        compare::SchemeDefinitions::of(new),
    ];
    let op_notes = |op: &Operation| -> Vec<Note> {
        Note::all(op.added_in.as_deref(), &op.changed_in)
            .into_iter()
            .filter(|n| range.contains(n))
            .collect()
    };
    let entry = |keys: &BTreeMap<OperationKey, &Operation>, key: &OperationKey, rule: Rule| {
        let op = keys[key];
        Entry {
            item: operation_info(op, key.3.clone()),
            rule,
            notes: op_notes(op),
            counterpart: None,
        }
    };
    let mut section = Section {
        added: added
            .into_iter()
            .map(|key| entry(&new_keys, key, Rule::OperationAdded))
            .collect(),
        removed: removed
            .into_iter()
            .map(|key| entry(&old_keys, key, Rule::OperationRemoved))
            .collect(),
        changed: Vec::new(),
    };
    for (old_key, new_key) in pairs {
        let (old_op, new_op) = (old_keys[old_key], new_keys[new_key]);
        let mut changes = operation_changes([old, new], [old_op, new_op], &schemes, range);
        let notes = op_notes(new_op);
        if changes.is_empty() && !notes.is_empty() {
            changes.push(Change {
                rule: Rule::DocumentedChange,
                location: FieldPath::default(),
                old: None,
                new: None,
                notes: Vec::new(),
                rust: Some(rust_impact::operation(new_op.api, &new_op.operation_id)),
            });
        }
        if !changes.is_empty() {
            section.changed.push(Changed {
                item: operation_info(new_op, new_key.3.clone()),
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
    schemes: &[compare::SchemeDefinitions; 2],
    range: &VersionRange,
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
    changes.extend(compare::security(
        compare::Access {
            api: old.api,
            security: &old.security,
            definitions: &schemes[0],
        },
        compare::Access {
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
    let owner = |path: &FieldPath| -> Option<String> {
        let in_part = |fields: &flatten::OperationFields| match compare::side_of(path) {
            Side::Response => path.0.get(1).and_then(|s| match s {
                Segment::Key(status) => fields.responses.get(status)?.get(path)?.owner.clone(),
                _ => None,
            }),
            _ => fields.request.get(path)?.owner.clone(),
        };
        in_part(&after).or_else(|| in_part(&before))
    };
    compare::finish(&mut changes, |path| {
        Some(rust_impact::operation_field(
            new.api,
            &new.operation_id,
            path,
            &owner,
        ))
    });
    changes
}

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

fn event_info(event: &EventSchema) -> EventInfo {
    EventInfo {
        event_type: event.event_type.clone(),
        variant: event.variant.clone(),
        kind: event.kind,
        file: event.location.file.display().to_string(),
        rust: rust_impact::event_field(
            event.kind,
            &event.event_type,
            event.variant.as_deref(),
            &FieldPath::default(),
            &|_| None,
        ),
    }
}

fn events(old: &Spec, new: &Spec, apis: &[Api], range: &VersionRange) -> Section<EventInfo> {
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
                item: event_info(new_keys[key]),
                rule: Rule::EventAdded,
                notes: root_notes(new, new_keys[key]),
                counterpart: None,
            })
            .collect(),
        removed: removed
            .into_iter()
            .map(|key| Entry {
                item: event_info(old_keys[key]),
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
                .and_then(|f| f.owner.clone())
        };
        compare::finish(&mut changes, |path| {
            Some(rust_impact::event_field(
                new_event.kind,
                &new_event.event_type,
                new_event.variant.as_deref(),
                path,
                &owner,
            ))
        });
        if !changes.is_empty() {
            section.changed.push(Changed {
                item: event_info(new_event),
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
