//! The generated Rust item a change touches.
//!
//! The naming follows the Rust emitter: one crate per API (`matrix-client-server-api`), one
//! module per operation named after its `operationId` in snake case, holding `Request`
//! (parameters and top-level body members as snake_case fields), `Response` and `Error`;
//! named schema types in `types` (named by `Schema::name`); event content types
//! `<EventType>Content` in `events` (`m.room.member` → `RoomMemberContent`), EDUs in
//! `edus`. [`names`] is the one place that spells these names.

use std::fmt;

use serde::Serialize;

use crate::ir::{Api, EventKind};

use super::path::{FieldPath, Segment};

/// A generated item: its crate and its path inside the crate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RustItem {
    /// The crate (`matrix-client-server-api`).
    #[serde(rename = "crate")]
    pub krate: String,
    /// The path inside it (`get_room_summary::Request::room_id`).
    pub path: String,
}

impl fmt::Display for RustItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}", self.krate.replace('-', "_"), self.path)
    }
}

/// The emitter's naming conventions, in one place.
pub mod names {
    use heck::ToSnakeCase;

    use crate::ir::Api;

    /// The crate of an API.
    pub fn crate_name(api: Api) -> String {
        format!("matrix-{}-api", api.dir_name())
    }

    /// The module of an operation (`getRoomSummary` → `get_room_summary`).
    pub fn operation_module(operation_id: &str) -> String {
        operation_id.to_snake_case()
    }

    /// The field for a JSON key or parameter name (`m.relates_to` → `m_relates_to`).
    pub fn field(name: &str) -> String {
        crate::emit::types::snake(name)
    }

    /// The content type of an event: the name the naming pass gave its `content` schema
    /// (`RoomMemberEventContent`), re-exported in the `events` module.
    pub fn event_content(types: &crate::ir::TypeSpace, event: &crate::ir::EventSchema) -> String {
        event
            .content
            .and_then(|c| types.get(types.target(c)).name.clone())
            .unwrap_or_else(|| {
                let event_type = event
                    .event_type
                    .strip_prefix("m.")
                    .unwrap_or(&event.event_type);
                crate::naming::identifier(event_type) + "EventContent"
            })
    }
}

/// The module of an operation.
pub fn operation(api: Api, operation_id: &str) -> RustItem {
    RustItem {
        krate: names::crate_name(api),
        path: names::operation_module(operation_id),
    }
}

/// The item a field of an operation maps to: a field of `Request`/`Response`, the `Error`
/// type, or a field of a named type for nested members. `owner` gives the named type a
/// field at a path is a member of.
pub fn operation_field(
    api: Api,
    operation_id: &str,
    path: &FieldPath,
    owner: &dyn Fn(&FieldPath) -> Option<String>,
) -> RustItem {
    let module = names::operation_module(operation_id);
    let top_len = match path.0.first() {
        Some(Segment::Key(k)) if k == "request" => 3,
        Some(Segment::Key(k)) if k == "response" => 4,
        _ => 1,
    };
    let top = FieldPath(path.0[..path.0.len().min(top_len)].to_vec());
    let keys: Vec<Option<&str>> = top
        .0
        .iter()
        .map(|s| match s {
            Segment::Key(k) => Some(k.as_str()),
            _ => None,
        })
        .collect();
    let item = match keys[..] {
        [Some("request"), Some(_), Some(name)] => {
            format!("{module}::Request::{}", names::field(name))
        }
        [Some("request"), ..] => format!("{module}::Request"),
        [Some("response"), Some(status), ..] if is_error(status) => format!("{module}::Error"),
        [Some("response"), Some(_), Some(_), Some(name)] => {
            format!("{module}::Response::{}", names::field(name))
        }
        [Some("response"), ..] => format!("{module}::Response"),
        _ => module,
    };
    let item = nested(path, top_len, owner).unwrap_or(item);
    RustItem {
        krate: names::crate_name(api),
        path: item,
    }
}

fn is_error(status: &str) -> bool {
    status.starts_with('4') || status.starts_with('5')
}

/// The item an event field maps to: the event's content type or one of its fields, or a
/// field of a named type.
pub fn event_field(
    types: &crate::ir::TypeSpace,
    event: &crate::ir::EventSchema,
    path: &FieldPath,
    owner: &dyn Fn(&FieldPath) -> Option<String>,
) -> RustItem {
    let (api, module) = match event.kind {
        EventKind::Edu => (Api::ServerServer, "edus"),
        _ => (Api::ClientServer, "events"),
    };
    // Core event schemas and components are types of their own, not event types.
    let content = match (event.kind, event.content) {
        (EventKind::Component, _) | (_, None) => {
            let name = types
                .get(types.target(event.schema))
                .name
                .clone()
                .unwrap_or_default();
            format!("types::{name}")
        }
        _ => format!("{module}::{}", names::event_content(types, event)),
    };
    let in_content = matches!(path.0.first(), Some(Segment::Key(k)) if k == "content");
    let top_len = if in_content { 2 } else { 0 };
    let item = match &path.0[..] {
        [Segment::Key(_), Segment::Key(name), ..] if in_content => {
            format!("{content}::{}", names::field(name))
        }
        _ => content,
    };
    RustItem {
        krate: names::crate_name(api),
        path: nested(path, top_len, owner).unwrap_or(item),
    }
}

/// `types::Owner::field` for the nearest property at or above `path`, and below the
/// first `top_len` segments, whose owner is named.
fn nested(
    path: &FieldPath,
    top_len: usize,
    owner: &dyn Fn(&FieldPath) -> Option<String>,
) -> Option<String> {
    let mut at = path.clone();
    while at.0.len() > top_len {
        if let (Some(Segment::Key(name)), Some(ty)) = (at.last(), owner(&at)) {
            return Some(format!("types::{ty}::{}", names::field(name)));
        }
        at = at.parent()?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_emitter() {
        assert_eq!(
            names::operation_module("getRoomSummary"),
            "get_room_summary"
        );
        assert_eq!(
            names::crate_name(Api::ApplicationService),
            "matrix-application-service-api"
        );
        let path = FieldPath::keys(&["request", "query", "room_id"]);
        let item = operation_field(Api::ClientServer, "peekEvents", &path, &|_| None);
        assert_eq!(
            item.to_string(),
            "matrix_client_server_api::peek_events::Request::room_id"
        );
    }
}
