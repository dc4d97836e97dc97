//! What a diff reports: sections of added, removed and changed items, and classified
//! changes.

use crate::ir::{Api, EventKind, Method};

use super::{FieldPath, Impact, Note, Rule, RustItem};

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

impl Change {
    /// A change without notes or Rust item (those are filled in later).
    pub(crate) fn new(
        rule: Rule,
        location: FieldPath,
        old: Option<String>,
        new: Option<String>,
    ) -> Change {
        Change {
            rule,
            location,
            old,
            new,
            notes: Vec::new(),
            rust: None,
        }
    }
}
