//! Event schemas and event examples.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::documents::Location;
use crate::error::Result;
use crate::ir::{EventKind, EventSchema, Example, Kind, TypeSpace};
use crate::load::example;
use crate::load::schema::SchemaBuilder;
use crate::node::Node;

/// Where event schemas live, relative to the spec's data folder.
#[derive(Debug, Clone)]
pub struct EventDirs {
    /// `event-schemas/schema`.
    pub schemas: PathBuf,
    /// `event-schemas/examples`.
    pub examples: PathBuf,
    /// `api/server-server/definitions/event-schemas` (EDUs).
    pub edus: PathBuf,
}

/// Loads every event schema file under the event directories.
pub fn load_schemas(
    builder: &mut SchemaBuilder<'_>,
    dirs: &EventDirs,
    files: &[Arc<Path>],
) -> Result<Vec<EventSchema>> {
    let mut events = Vec::new();
    for file in files {
        let location = Location {
            file: file.clone(),
            pointer: String::new(),
        };
        let doc = builder.docs().file(file)?;
        let schema = builder.schema(&location, &doc)?;
        let (base, variant) = split_variant(&stem(file));
        let content = content_of(builder.types(), schema);
        // Shared schemas beside the event types (`stripped_state.yaml` in r0.x, the
        // `m.relates_to` of key verification) are not event types: they have no namespaced
        // name or no `content`.
        let kind = if file.starts_with(&dirs.edus) {
            EventKind::Edu
        } else if file.parent() != Some(dirs.schemas.as_path())
            || !base.contains('.')
            || content.is_none()
        {
            EventKind::Component
        } else {
            core_kind(&doc)
        };
        let event_type = fixed_type(builder.types(), schema).unwrap_or(base);
        events.push(EventSchema {
            event_type,
            variant,
            kind,
            location,
            schema,
            content,
        });
    }
    Ok(events)
}

/// Loads and composes every example file.
pub fn load_examples(builder: &SchemaBuilder<'_>, files: &[Arc<Path>]) -> Result<Vec<Example>> {
    files
        .iter()
        .map(|file| {
            let location = Location {
                file: file.clone(),
                pointer: String::new(),
            };
            let doc = builder.docs().file(file)?;
            Ok(Example {
                name: stem(file),
                value: example::compose(builder.docs(), &location, &doc)?,
                location,
            })
        })
        .collect()
}

/// The file name without a `.yaml`/`.json` extension.
fn stem(file: &Path) -> String {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(&name)
        .to_owned()
}

/// `m.room.message$m.text` (or `#` in old releases) into type and variant.
fn split_variant(stem: &str) -> (String, Option<String>) {
    match stem.split_once(['$', '#']) {
        Some((base, variant)) => (base.to_owned(), Some(variant.to_owned())),
        None => (stem.to_owned(), None),
    }
}

/// Which core event schema the file extends, from the `$ref`s in its `allOf`.
fn core_kind(doc: &Node) -> EventKind {
    let refs: Vec<&str> = doc
        .get("allOf")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|b| b.get("$ref").and_then(Node::as_str))
        .collect();
    let extends = |name: &str| refs.iter().any(|r| r.ends_with(name));
    if extends("state_event.yaml") || extends("state_event") {
        EventKind::State
    } else if extends("room_event.yaml") || extends("room_event") {
        EventKind::Room
    } else {
        EventKind::Basic
    }
}

/// The value of a single-value `type` enum (the event type as the schema fixes it).
fn fixed_type(types: &TypeSpace, schema: crate::ir::SchemaId) -> Option<String> {
    let Kind::Object(object) = types.kind(schema) else {
        return None;
    };
    match types.kind(object.property("type")?.schema) {
        Kind::String(s) if s.enum_values.len() == 1 => s.enum_values.first().cloned(),
        _ => None,
    }
}

fn content_of(types: &TypeSpace, schema: crate::ir::SchemaId) -> Option<crate::ir::SchemaId> {
    match types.kind(schema) {
        Kind::Object(object) => object.property("content").map(|p| p.schema),
        _ => None,
    }
}
