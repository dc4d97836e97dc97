//! Stable, collision-free type names.
//!
//! Every object with properties, string enum of two or more values and union gets a name.
//! Event schemas and their content are named after the event type (`m.room.member` →
//! `RoomMemberEvent`, `RoomMemberEventContent`; EDUs `…Edu`). Otherwise the preferred name
//! comes from, in order: the schema's `title` (when it has at most four words); the file it is the root
//! of (`definitions/client_event.yaml` → `ClientEvent`) or its `components` key; the place
//! it is first reached from, walking operations (sorted by API, path, method) and then
//! event schemas: `{OperationId}Request`, `{OperationId}Response` (non-200 statuses add
//! the status), `{Parent}{Property}`, `{Parent}Item`, `{Parent}Value`, `{Parent}Variant{N}`.
//! When several schemas prefer the same name, those whose name came from a title fall back
//! to their file- or place-derived name; any that still collide get `2`, `3`, … in the
//! order of their locations. The result depends only on the input.

use std::collections::{BTreeMap, HashMap, HashSet};

use heck::ToUpperCamelCase;

use crate::ir::{Additional, EventKind, EventSchema, Kind, SchemaId, Spec, StatusCode, TypeSpace};

/// Where a preferred name came from; better sources win collisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Event,
    Title,
    File,
    Place,
}

#[derive(Debug, Clone)]
struct Candidate {
    source: Source,
    name: String,
    /// The name from the file or the place, for when the title collides.
    fallback: String,
}

/// Assigns `Schema::name` for every schema that needs one.
pub fn assign(spec: &mut Spec) {
    let mut walker = Walker {
        types: &spec.types,
        candidates: HashMap::new(),
        visited: HashSet::new(),
    };
    // Event types first, whatever their titles: the event is `{Type}Event` and its content
    // `{Type}EventContent` (`RoomMemberEvent`, `RoomMemberEventContent`).
    for event in spec
        .events
        .iter()
        .filter(|e| e.kind != EventKind::Component)
    {
        let name = event_name(event);
        walker.name_as(event.schema, &name);
        if let Some(content) = event.content {
            walker.name_as(content, &format!("{name}Content"));
        }
    }
    for op in &spec.operations {
        let base = identifier(&op.operation_id);
        for param in &op.parameters {
            walker.visit(param.schema, &format!("{base}{}", identifier(&param.name)));
        }
        if let Some(body) = &op.request_body {
            for media in &body.content {
                if let Some(schema) = media.schema {
                    walker.visit(schema, &format!("{base}Request"));
                }
            }
        }
        for response in &op.responses {
            let suffix = match response.status {
                StatusCode::Code(200) => String::new(),
                StatusCode::Code(code) => code.to_string(),
                StatusCode::Range(range) => format!("{range}xx"),
            };
            for header in &response.headers {
                walker.visit(
                    header.schema,
                    &format!("{base}{}", identifier(&header.name)),
                );
            }
            if let Some(body) = &response.body {
                for media in &body.content {
                    if let Some(schema) = media.schema {
                        walker.visit(schema, &format!("{base}Response{suffix}"));
                    }
                }
            }
        }
    }
    for event in &spec.events {
        walker.visit(event.schema, &event_name(event));
    }
    // Schemas reached from nowhere above (never, for a well-formed spec) still get names.
    for (id, _) in spec.types.iter() {
        walker.visit(id, &format!("Schema{}", id.0));
    }
    let names = resolve(&spec.types, walker.candidates);
    for (id, name) in names {
        spec.types.get_mut(id).name = Some(name);
    }
}

struct Walker<'t> {
    types: &'t TypeSpace,
    candidates: HashMap<SchemaId, Candidate>,
    visited: HashSet<SchemaId>,
}

impl Walker<'_> {
    /// Prefers `name` for `id`'s type (if it needs one and has no preference yet).
    fn name_as(&mut self, id: SchemaId, name: &str) {
        let id = self.types.target(id);
        if needs_name(&self.types.get(id).kind) {
            self.candidates.entry(id).or_insert_with(|| Candidate {
                source: Source::Event,
                name: name.to_owned(),
                fallback: name.to_owned(),
            });
        }
    }

    fn visit(&mut self, id: SchemaId, place: &str) {
        let mut todo = vec![(id, place.to_owned())];
        while let Some((id, place)) = todo.pop() {
            if !self.visited.insert(id) {
                continue;
            }
            let schema = self.types.get(id);
            let own = match self.candidates.get(&id) {
                Some(preferred) => Some(preferred.clone()),
                None => self.candidate(id, &place),
            };
            let here = match &own {
                Some(c) => c.name.clone(),
                None => place.clone(),
            };
            if let Some(candidate) = own {
                self.candidates.insert(id, candidate);
            }
            let mut children: Vec<(SchemaId, String)> = Vec::new();
            match &schema.kind {
                Kind::Object(object) => {
                    for p in &object.properties {
                        children.push((p.schema, format!("{here}{}", identifier(&p.name))));
                    }
                    if let Additional::Schema(value) = object.additional {
                        children.push((value, format!("{here}Value")));
                    }
                    for p in &object.pattern_properties {
                        children.push((p.schema, format!("{here}Value")));
                    }
                    if let Some(names) = object.property_names {
                        children.push((names, format!("{here}Key")));
                    }
                }
                Kind::Array { items, .. } => children.push((*items, format!("{here}Item"))),
                Kind::Tuple { items } => {
                    for (i, item) in items.iter().enumerate() {
                        children.push((*item, format!("{here}Element{i}")));
                    }
                }
                Kind::Union { variants, .. } => {
                    for (i, v) in variants.iter().enumerate() {
                        children.push((*v, format!("{here}Variant{}", i + 1)));
                    }
                }
                Kind::Ref(target) => children.push((*target, place.clone())),
                _ => {}
            }
            // Reverse so that the first child is visited first.
            todo.extend(children.into_iter().rev());
        }
    }

    fn candidate(&self, id: SchemaId, place: &str) -> Option<Candidate> {
        let schema = self.types.get(id);
        if !needs_name(&schema.kind) {
            return None;
        }
        let file_name = file_name(&schema.location.file, &schema.location.pointer);
        let fallback = file_name.clone().unwrap_or_else(|| place.to_owned());
        // A title names a type when it reads like a name, not a sentence.
        if let Some(title) = schema
            .annotations
            .title
            .as_deref()
            .filter(|t| t.split_whitespace().count() <= 4)
            .map(identifier)
            .filter(|t| !t.is_empty())
        {
            return Some(Candidate {
                source: Source::Title,
                name: title,
                fallback,
            });
        }
        Some(match file_name {
            Some(name) => Candidate {
                source: Source::File,
                name: name.clone(),
                fallback: name,
            },
            None => Candidate {
                source: Source::Place,
                name: place.to_owned(),
                fallback: place.to_owned(),
            },
        })
    }
}

/// `RoomMemberEvent` for `m.room.member`, `RoomMessageTextEvent` for its `m.text` variant,
/// `TypingEdu` for the server-server EDU.
fn event_name(event: &EventSchema) -> String {
    let strip = |s: &str| identifier(s.strip_prefix("m.").unwrap_or(s));
    let base = strip(&event.event_type) + &event.variant.as_deref().map(strip).unwrap_or_default();
    match event.kind {
        EventKind::Edu => format!("{base}Edu"),
        _ => format!("{base}Event"),
    }
}

/// Whether a schema becomes a named Rust type.
pub fn needs_name(kind: &Kind) -> bool {
    match kind {
        Kind::Object(object) => !object.properties.is_empty(),
        Kind::String(s) => s.enum_values.len() >= 2,
        Kind::Union { .. } => true,
        _ => false,
    }
}

/// A name from the file a schema is the root of, or its `components` key.
fn file_name(file: &std::path::Path, pointer: &str) -> Option<String> {
    if pointer.is_empty() {
        let stem = file.file_stem()?.to_string_lossy();
        return Some(identifier(&stem));
    }
    let key = pointer.strip_prefix("/components/schemas/")?;
    (!key.contains('/')).then(|| identifier(key))
}

/// UpperCamelCase identifier from arbitrary text (`m.login.sso flow` → `MLoginSsoFlow`).
pub fn identifier(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let mut name = cleaned.to_upper_camel_case();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'T');
    }
    name
}

fn resolve(
    types: &TypeSpace,
    candidates: HashMap<SchemaId, Candidate>,
) -> BTreeMap<SchemaId, String> {
    // Order by location so that numbering is deterministic.
    let mut ordered: Vec<(SchemaId, Candidate)> = candidates.into_iter().collect();
    ordered.sort_by(|(a, _), (b, _)| {
        let (la, lb) = (&types.get(*a).location, &types.get(*b).location);
        (la, a).cmp(&(lb, b))
    });
    let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, (_, c)) in ordered.iter().enumerate() {
        by_name.entry(c.name.clone()).or_default().push(i);
    }
    let mut chosen: Vec<String> = ordered.iter().map(|(_, c)| c.name.clone()).collect();
    for indices in by_name.values().filter(|v| v.len() > 1) {
        for &i in indices {
            let candidate = &ordered[i].1;
            if candidate.source == Source::Title {
                chosen[i] = candidate.fallback.clone();
            }
        }
    }
    let mut used: HashSet<String> = HashSet::new();
    let mut out = BTreeMap::new();
    for (i, (id, _)) in ordered.iter().enumerate() {
        let base = chosen[i].clone();
        let mut name = base.clone();
        let mut n = 2;
        while !used.insert(name.clone()) {
            name = format!("{base}{n}");
            n += 1;
        }
        out.insert(*id, name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_upper_camel_case() {
        assert_eq!(identifier("m.login.sso flow schema"), "MLoginSsoFlowSchema");
        assert_eq!(identifier("Third-party Signed"), "ThirdPartySigned");
        assert_eq!(identifier("getRoomSummary"), "GetRoomSummary");
        assert_eq!(identifier("3pid"), "T3pid");
    }
}
