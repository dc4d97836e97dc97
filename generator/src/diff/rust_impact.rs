//! The generated Rust item a change touches, named by the same Rust-item model the emitter
//! prints ([`crate::items`]), so that the two cannot disagree.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::ir::{Api, EventKind, EventSchema, ParamLocation, SchemaId, Spec};
use crate::items::{ApiItems, BodyItem, Field, TypeKind, TypeRef};

use super::path::{FieldPath, Segment};

/// A generated item: its crate and its path inside the crate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RustItem {
    /// The crate (`matrix-client-server-api`).
    #[serde(rename = "crate")]
    pub krate: String,
    /// The path inside it (`membership::join_room::Request::reason`).
    pub path: String,
}

impl fmt::Display for RustItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}", self.krate.replace('-', "_"), self.path)
    }
}

/// The items of one spec version's crates, to name what a change touches.
#[derive(Debug, Clone)]
pub struct Namer {
    items: BTreeMap<Api, ApiItems>,
}

impl Namer {
    /// The items of `apis` in `spec` (an API whose items cannot be built is named by
    /// crate only).
    pub fn new(spec: &Spec, apis: &[Api]) -> Namer {
        let mut wanted: Vec<Api> = apis.to_vec();
        for api in [Api::ClientServer, Api::ServerServer] {
            if !wanted.contains(&api) {
                wanted.push(api);
            }
        }
        let items = wanted
            .into_iter()
            .filter_map(|api| {
                crate::items::build(spec, api)
                    .ok()
                    .map(|items| (api, items))
            })
            .collect();
        Namer { items }
    }

    fn krate(api: Api) -> String {
        format!("matrix-{}-api", api.dir_name())
    }

    /// The module of an operation.
    pub fn operation(&self, api: Api, operation_id: &str) -> RustItem {
        let path = self
            .items
            .get(&api)
            .and_then(|items| {
                items
                    .operation(operation_id)
                    .map(|(i, _)| items.operation_path(i))
            })
            .unwrap_or_else(|| operation_id.to_owned());
        RustItem {
            krate: Self::krate(api),
            path,
        }
    }

    /// The item a field of an operation maps to: a field of `Request` or a response, the
    /// `Error` type, or a field of a generated type for nested members. `owner` gives the
    /// object schema a member at a path belongs to.
    pub fn operation_field(
        &self,
        api: Api,
        operation_id: &str,
        path: &FieldPath,
        owner: &dyn Fn(&FieldPath) -> Option<SchemaId>,
    ) -> RustItem {
        let module = self.operation(api, operation_id);
        let Some((items, (_, op))) = self
            .items
            .get(&api)
            .and_then(|items| items.operation(operation_id).map(|op| (items, op)))
        else {
            return module;
        };
        let keys: Vec<Option<&str>> = path
            .0
            .iter()
            .map(|s| match s {
                Segment::Key(k) => Some(k.as_str()),
                _ => None,
            })
            .collect();
        let top_len = match keys.first() {
            Some(Some("request")) => 3,
            Some(Some("response")) => 4,
            _ => 1,
        };
        let top = match keys[..] {
            [Some("request"), Some(location), Some(name), ..] => {
                let field = request_field(op, location, name);
                format!(
                    "{}::Request{}",
                    module.path,
                    field.map(|f| format!("::{f}")).unwrap_or_default()
                )
            }
            [Some("request"), ..] => format!("{}::Request", module.path),
            [Some("response"), Some(status), ..] if is_error(status) => {
                format!("{}::Error", module.path)
            }
            [Some("response"), Some(status), _, Some(name), ..] => {
                let response = op.responses.iter().find(|r| r.status.to_string() == status);
                let name_of = response.map_or("Response", |r| r.name.as_str());
                let field = response.and_then(|r| response_field(&r.body, &r.headers, name));
                format!(
                    "{}::{name_of}{}",
                    module.path,
                    field.map(|f| format!("::{f}")).unwrap_or_default()
                )
            }
            [Some("response"), ..] => format!("{}::Response", module.path),
            _ => module.path.clone(),
        };
        let path = nested(items, path, top_len, owner).unwrap_or(top);
        RustItem {
            krate: module.krate,
            path,
        }
    }

    /// The item an event field maps to: the event's content type or one of its fields, or
    /// a field of a generated type.
    pub fn event_field(
        &self,
        event: &EventSchema,
        path: &FieldPath,
        owner: &dyn Fn(&FieldPath) -> Option<SchemaId>,
    ) -> RustItem {
        let api = match event.kind {
            EventKind::Edu => Api::ServerServer,
            _ => Api::ClientServer,
        };
        let krate = Self::krate(api);
        let Some(items) = self.items.get(&api) else {
            return RustItem {
                krate,
                path: event.event_type.clone(),
            };
        };
        let module = items.events.as_ref().map_or("types", |e| e.module.as_str());
        let file = event.location.file.display().to_string();
        let found = items
            .events
            .iter()
            .flat_map(|e| &e.events)
            .find(|e| e.file == file);
        let ty_of = |ty: &TypeRef| match ty {
            TypeRef::Named(id) => Some(*id),
            _ => None,
        };
        let (base, content) = match (found, event.kind) {
            (Some(e), _) => (
                e.content
                    .as_ref()
                    .and_then(ty_of)
                    .map(|id| format!("{module}::{}", items.def(id).name)),
                e.content.as_ref().and_then(ty_of),
            ),
            (None, _) => (
                items
                    .schema_types
                    .get(&event.schema)
                    .map(|id| items.type_path(*id)),
                None,
            ),
        };
        let base = base.unwrap_or_else(|| event.event_type.clone());
        let in_content = matches!(path.0.first(), Some(Segment::Key(k)) if k == "content");
        let top_len = if in_content { 2 } else { 0 };
        let top = match (&path.0[..], content) {
            ([Segment::Key(_), Segment::Key(name), ..], Some(id)) if in_content => {
                match struct_field(items, id, name) {
                    Some(field) => format!("{base}::{field}"),
                    None => base.clone(),
                }
            }
            _ => base.clone(),
        };
        RustItem {
            krate,
            path: nested(items, path, top_len, owner).unwrap_or(top),
        }
    }
}

fn is_error(status: &str) -> bool {
    status.starts_with('4') || status.starts_with('5')
}

/// The Rust field of a request parameter or body member.
fn request_field(op: &crate::items::OperationItem, location: &str, name: &str) -> Option<String> {
    let param = op.request.params.iter().find(|p| {
        p.field.json == name
            && match p.location {
                ParamLocation::Path => location == "path",
                ParamLocation::Query => location == "query",
                ParamLocation::Header => location == "header",
            }
    });
    if let Some(param) = param {
        return Some(param.field.name.clone());
    }
    body_field(&op.request.body, name).map(|f| f.name.clone())
}

fn response_field(
    body: &BodyItem,
    headers: &[crate::items::HeaderItem],
    name: &str,
) -> Option<String> {
    headers
        .iter()
        .find(|h| h.field.json.eq_ignore_ascii_case(name))
        .map(|h| h.field.name.clone())
        .or_else(|| body_field(body, name).map(|f| f.name.clone()))
}

fn body_field<'b>(body: &'b BodyItem, name: &str) -> Option<&'b Field> {
    match body {
        BodyItem::Fields(s) => s.fields.iter().find(|f| f.json == name),
        BodyItem::Json { field } => Some(field),
        _ => None,
    }
}

/// The Rust field of member `json` of type `id`.
fn struct_field(items: &ApiItems, id: crate::items::TypeId, json: &str) -> Option<String> {
    match &items.def(id).kind {
        TypeKind::Struct(s) => s
            .fields
            .iter()
            .find(|f| f.json == json)
            .map(|f| f.name.clone()),
        _ => None,
    }
}

/// `type::field` for the nearest member at or above `path`, below its first `top_len`
/// segments, whose owner is a generated type.
fn nested(
    items: &ApiItems,
    path: &FieldPath,
    top_len: usize,
    owner: &dyn Fn(&FieldPath) -> Option<SchemaId>,
) -> Option<String> {
    let mut at = path.clone();
    while at.0.len() > top_len {
        if let (Some(Segment::Key(name)), Some(schema)) = (at.last(), owner(&at)) {
            if let Some(&id) = items.schema_types.get(&schema) {
                let ty = items.type_path(id);
                let field = struct_field(items, id, name)
                    .unwrap_or_else(|| crate::items::names::field(name));
                return Some(format!("{ty}::{field}"));
            }
        }
        at = at.parent()?;
    }
    None
}
