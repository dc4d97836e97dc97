//! Schemas → flat maps from [`FieldPath`] to [`Field`], with representation detail gone.
//!
//! Aliases are followed (their annotations kept); unions contribute the set of their
//! variants' types, and their object variants' members (labelled only when a union has
//! several); type arrays and `oneOf`/`anyOf` are the same thing; every map
//! (`additionalProperties` or `patternProperties`, with or without a key format) is one
//! `{}` child; a schema already being flattened on the current path (a recursive type) is
//! not entered again, and depth is bounded.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{
    Additional, Body, EventSchema, Kind, ObjectType, Operation, SchemaId, StatusCode, TypeSpace,
};

use super::notes::Note;
use super::path::{FieldPath, Segment};

/// Deepest path flattened (the deepest real field in v1.19 is 14 segments down).
const MAX_DEPTH: usize = 40;

/// A JSON type, without its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ty {
    /// Any JSON value.
    Any,
    /// `null`.
    Null,
    /// A boolean.
    Boolean,
    /// An integer.
    Integer,
    /// A number.
    Number,
    /// A string.
    String,
    /// Raw bytes (a non-JSON body).
    Bytes,
    /// An array.
    Array,
    /// A fixed-length array.
    Tuple,
    /// An object (with members, a map, or both).
    Object,
}

impl Ty {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Ty::Any => "any",
            Ty::Null => "null",
            Ty::Boolean => "boolean",
            Ty::Integer => "integer",
            Ty::Number => "number",
            Ty::String => "string",
            Ty::Bytes => "bytes",
            Ty::Array => "array",
            Ty::Tuple => "tuple",
            Ty::Object => "object",
        }
    }

    /// Whether every value of `other` is a value of `self`.
    pub fn admits(self, other: Ty) -> bool {
        self == other || self == Ty::Any || (self == Ty::Number && other == Ty::Integer)
    }
}

/// One type a field admits, with its format.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Atom {
    /// The JSON type.
    pub ty: Ty,
    /// `format` (`mx-user-id`, `int64`), if any.
    pub format: Option<String>,
}

/// What values a field admits, compared as sets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Shape {
    /// The types (a union's variants, a type array's members), as a set.
    pub atoms: BTreeSet<Atom>,
    /// Whether `null` is allowed.
    pub nullable: bool,
    /// The string values allowed, when the strings are an enum.
    pub enum_values: Option<BTreeSet<String>>,
    /// For a map's values: the format of the keys (`mx-user-id`).
    pub key_format: Option<String>,
    /// For a body: its media types, normalised (`*/*` for any bytes).
    pub media_types: BTreeSet<String>,
}

impl Shape {
    /// The types, `null` included, without formats.
    pub fn types(&self) -> BTreeSet<Ty> {
        let mut types: BTreeSet<Ty> = self.atoms.iter().map(|a| a.ty).collect();
        if self.nullable {
            types.insert(Ty::Null);
        }
        types
    }

    /// Whether a child reached by `segment` can exist under this shape.
    pub fn contains(&self, segment: &Segment) -> bool {
        let has = |ty: Ty| self.atoms.iter().any(|a| a.ty == ty);
        match segment {
            Segment::Key(_) | Segment::Values => has(Ty::Object),
            Segment::Items => has(Ty::Array),
            Segment::Position(_) => has(Ty::Tuple),
            Segment::Variant(_) => true,
        }
    }
}

/// One field: a parameter, header, body, property, item or map value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The values it admits.
    pub shape: Shape,
    /// Whether it must be present.
    pub required: bool,
    /// Whether it is deprecated.
    pub deprecated: bool,
    /// Its version notes (all of them; the diff picks those in range).
    pub notes: Vec<Note>,
    /// The name of the object type it is a member of, when it is a property.
    pub owner: Option<SchemaId>,
}

/// Fields by path.
pub type Fields = BTreeMap<FieldPath, Field>;

/// An operation's fields: the request, and each response by status (`200`, `4XX`).
#[derive(Debug, Clone, Default)]
pub struct OperationFields {
    /// Parameters (`request.path.*`, `request.query.*`, `request.header.*`) and the body
    /// (`request.body`).
    pub request: Fields,
    /// Per status: `response.<status>.body` and `response.<status>.header.*`.
    pub responses: BTreeMap<String, Fields>,
}

/// A status as written in reports: `200`, `4XX`.
pub fn status_name(status: &StatusCode) -> String {
    match status {
        StatusCode::Code(code) => code.to_string(),
        StatusCode::Range(range) => format!("{range}XX"),
    }
}

/// Flattens an operation's parameters, request body and responses.
pub fn operation(types: &TypeSpace, op: &Operation) -> OperationFields {
    let mut flattener = Flattener::new(types);
    for param in &op.parameters {
        let path = FieldPath::keys(&["request", param.location.as_str(), &param.name]);
        let meta = Meta {
            required: param.required,
            deprecated: param.deprecated,
            notes: Note::all(param.added_in.as_deref(), &param.changed_in),
            owner: None,
        };
        flattener.field(path, param.schema, meta);
    }
    if let Some(body) = &op.request_body {
        flattener.body(FieldPath::keys(&["request", "body"]), body);
    }
    let request = std::mem::take(&mut flattener.out);
    let mut responses = BTreeMap::new();
    for response in &op.responses {
        let status = status_name(&response.status);
        for header in &response.headers {
            let path = FieldPath::keys(&["response", &status, "header", &header.name]);
            let meta = Meta {
                required: header.required,
                deprecated: false,
                notes: Note::all(header.added_in.as_deref(), &header.changed_in),
                owner: None,
            };
            flattener.field(path, header.schema, meta);
        }
        if let Some(body) = &response.body {
            flattener.body(FieldPath::keys(&["response", &status, "body"]), body);
        }
        responses.insert(status, std::mem::take(&mut flattener.out));
    }
    OperationFields { request, responses }
}

/// Flattens an event schema; the whole event is the field at the empty path.
pub fn event(types: &TypeSpace, event: &EventSchema) -> Fields {
    let mut flattener = Flattener::new(types);
    flattener.field(
        FieldPath::default(),
        event.schema,
        Meta {
            required: true,
            ..Meta::default()
        },
    );
    flattener.out
}

/// What the place a schema is used at says about the field.
#[derive(Debug, Default)]
struct Meta {
    required: bool,
    deprecated: bool,
    notes: Vec<Note>,
    owner: Option<SchemaId>,
}

struct Flattener<'t> {
    types: &'t TypeSpace,
    out: Fields,
    /// Schemas being flattened on the current path.
    stack: Vec<SchemaId>,
}

/// What a chain of aliases adds to its target.
struct Resolved {
    target: SchemaId,
    nullable: bool,
    deprecated: bool,
    notes: Vec<Note>,
}

impl<'t> Flattener<'t> {
    fn new(types: &'t TypeSpace) -> Self {
        Flattener {
            types,
            out: Fields::new(),
            stack: Vec::new(),
        }
    }

    fn resolve(&self, mut id: SchemaId) -> Resolved {
        let mut resolved = Resolved {
            target: id,
            nullable: false,
            deprecated: false,
            notes: Vec::new(),
        };
        for _ in 0..=MAX_DEPTH {
            let schema = self.types.get(id);
            resolved.nullable |= schema.nullable;
            resolved.deprecated |= schema.annotations.deprecated;
            for note in Note::all(
                schema.annotations.added_in.as_deref(),
                &schema.annotations.changed_in,
            ) {
                if !resolved.notes.contains(&note) {
                    resolved.notes.push(note);
                }
            }
            match schema.kind {
                Kind::Ref(next) => id = next,
                _ => break,
            }
        }
        resolved.target = id;
        resolved
    }

    /// A body: its JSON schema's shape and members, plus its media types.
    fn body(&mut self, path: FieldPath, body: &Body) {
        let mut media_types = BTreeSet::new();
        let mut notes = Vec::new();
        let mut json = None;
        for media in &body.content {
            notes.extend(Note::all(media.added_in.as_deref(), &[]));
            if media.is_json() {
                media_types.insert(media.media_type.clone());
                json = json.or(media.schema);
            } else {
                media_types.insert(normalise_media_type(&media.media_type));
            }
        }
        let meta = Meta {
            required: body.required,
            notes,
            ..Meta::default()
        };
        match json {
            Some(schema) => self.field(path.clone(), schema, meta),
            None => {
                self.out.insert(
                    path.clone(),
                    Field {
                        shape: Shape::default(),
                        required: meta.required,
                        deprecated: false,
                        notes: meta.notes,
                        owner: None,
                    },
                );
            }
        }
        if let Some(field) = self.out.get_mut(&path) {
            if media_types.iter().any(|m| m != "application/json") {
                field.shape.atoms.insert(Atom {
                    ty: Ty::Bytes,
                    format: None,
                });
            }
            field.shape.media_types = media_types;
        }
    }

    fn field(&mut self, path: FieldPath, id: SchemaId, meta: Meta) {
        let resolved = self.resolve(id);
        let target = resolved.target;
        let mut shape = self.shape(target, 0);
        shape.nullable |= resolved.nullable;
        let mut notes = meta.notes;
        for note in resolved.notes {
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        self.out.insert(
            path.clone(),
            Field {
                shape,
                required: meta.required,
                deprecated: meta.deprecated || resolved.deprecated,
                notes,
                owner: meta.owner,
            },
        );
        if path.0.len() >= MAX_DEPTH || self.stack.contains(&target) {
            return;
        }
        self.stack.push(target);
        self.children(&path, target);
        self.stack.pop();
    }

    /// The types a schema admits (a union's, recursively), with nullability and enums.
    fn shape(&self, target: SchemaId, depth: usize) -> Shape {
        let schema = self.types.get(target);
        let mut shape = Shape {
            nullable: schema.nullable,
            ..Shape::default()
        };
        let atom = |ty: Ty, format: &Option<String>| Atom {
            ty,
            format: format.clone(),
        };
        match &schema.kind {
            Kind::Any => {
                shape.atoms.insert(atom(Ty::Any, &None));
            }
            Kind::Null => shape.nullable = true,
            Kind::Boolean => {
                shape.atoms.insert(atom(Ty::Boolean, &None));
            }
            Kind::Integer { format } => {
                shape.atoms.insert(atom(Ty::Integer, format));
            }
            Kind::Number { format } => {
                shape.atoms.insert(atom(Ty::Number, format));
            }
            Kind::String(string) => {
                shape.atoms.insert(atom(Ty::String, &string.format));
                if !string.enum_values.is_empty() {
                    shape.enum_values = Some(string.enum_values.iter().cloned().collect());
                }
            }
            Kind::Bytes => {
                shape.atoms.insert(atom(Ty::Bytes, &None));
            }
            Kind::Array { .. } => {
                shape.atoms.insert(atom(Ty::Array, &None));
            }
            Kind::Tuple { .. } => {
                shape.atoms.insert(atom(Ty::Tuple, &None));
            }
            Kind::Object(_) | Kind::Recursive(_) => {
                shape.atoms.insert(atom(Ty::Object, &None));
            }
            Kind::Ref(_) | Kind::Union { .. } if depth >= MAX_DEPTH => {
                shape.atoms.insert(atom(Ty::Any, &None));
            }
            Kind::Ref(next) => {
                let inner = self.shape(*next, depth + 1);
                shape.nullable |= inner.nullable;
                shape.atoms = inner.atoms;
                shape.enum_values = inner.enum_values;
            }
            Kind::Union { variants, .. } => {
                let mut open_strings = false;
                let mut values = BTreeSet::new();
                for &variant in variants {
                    let inner = self.shape(variant, depth + 1);
                    shape.nullable |= inner.nullable;
                    let strings = inner.atoms.iter().any(|a| a.ty == Ty::String);
                    match inner.enum_values {
                        Some(v) => values.extend(v),
                        None => open_strings |= strings,
                    }
                    shape.atoms.extend(inner.atoms);
                }
                if !open_strings && !values.is_empty() {
                    shape.enum_values = Some(values);
                }
            }
        }
        shape
    }

    fn children(&mut self, path: &FieldPath, target: SchemaId) {
        match &self.types.get(target).kind {
            Kind::Object(object) => {
                self.members(path, object, Some(target));
            }
            Kind::Array { items, .. } => {
                self.field(path.child(Segment::Items), *items, item_meta());
            }
            Kind::Tuple { items } => {
                for (i, &item) in items.iter().enumerate() {
                    self.field(path.child(Segment::Position(i)), item, item_meta());
                }
            }
            Kind::Union { variants, .. } => self.variants(path, variants),
            _ => {}
        }
    }

    fn members(&mut self, path: &FieldPath, object: &ObjectType, owner: Option<SchemaId>) {
        for property in &object.properties {
            let meta = Meta {
                required: property.required,
                owner,
                ..Meta::default()
            };
            self.field(
                path.child(Segment::Key(property.name.clone())),
                property.schema,
                meta,
            );
        }
        // Untyped values mean what an object says without `additionalProperties`: other
        // keys may hold anything.
        let typed = |id: SchemaId| self.types.kind(id) != &Kind::Any;
        let mut maps: Vec<(Option<String>, String, SchemaId)> = object
            .pattern_properties
            .iter()
            .filter(|p| typed(p.schema) || p.key_format.is_some())
            .map(|p| (p.key_format.clone(), p.pattern.clone(), p.schema))
            .collect();
        if let Additional::Schema(values) = object.additional {
            if typed(values) {
                maps.push((None, "additionalProperties".to_owned(), values));
            }
        }
        let several = maps.len() > 1;
        for (key_format, label, schema) in maps {
            let mut at = path.child(Segment::Values);
            if several {
                at = at.child(Segment::Variant(label));
            }
            self.field(at.clone(), schema, Meta::default());
            if let Some(field) = self.out.get_mut(&at) {
                field.shape.key_format = key_format;
            }
        }
    }

    /// The members of a union's variants (objects with members, arrays, tuples): directly
    /// under the union's path when one variant has members, else each under a label.
    fn variants(&mut self, path: &FieldPath, variants: &[SchemaId]) {
        let containers: Vec<SchemaId> = variants
            .iter()
            .map(|&v| self.types.target(v))
            .filter(|&v| match &self.types.get(v).kind {
                Kind::Object(o) => {
                    !o.properties.is_empty()
                        || !o.pattern_properties.is_empty()
                        || matches!(o.additional, Additional::Schema(_))
                }
                Kind::Array { .. } | Kind::Tuple { .. } | Kind::Union { .. } => true,
                _ => false,
            })
            .collect();
        if let [only] = containers[..] {
            if !self.stack.contains(&only) {
                self.stack.push(only);
                self.children(path, only);
                self.stack.pop();
            }
            return;
        }
        let labels = variant_labels(self.types, &containers);
        for (variant, label) in containers.into_iter().zip(labels) {
            self.field(
                path.child(Segment::Variant(label)),
                variant,
                Meta::default(),
            );
        }
    }
}

fn item_meta() -> Meta {
    Meta {
        required: true,
        ..Meta::default()
    }
}

/// Labels for several object variants of a union that stay put when variants are
/// reordered: a fixed discriminator (`type=m.login.password`), else the title, else the
/// JSON type when that tells them apart, else the position.
fn variant_labels(types: &TypeSpace, variants: &[SchemaId]) -> Vec<String> {
    let discriminator = |id: SchemaId| -> Option<String> {
        let Kind::Object(object) = types.kind(id) else {
            return None;
        };
        object
            .properties
            .iter()
            .find_map(|p| match types.kind(p.schema) {
                Kind::String(s) if s.enum_values.len() == 1 && p.required => {
                    Some(format!("{}={}", p.name, s.enum_values[0]))
                }
                _ => None,
            })
    };
    let type_name = |id: SchemaId| match types.kind(id) {
        Kind::Object(_) => "object",
        Kind::Array { .. } => "array",
        Kind::Tuple { .. } => "tuple",
        _ => "union",
    };
    let mut labels: Vec<String> = variants
        .iter()
        .enumerate()
        .map(|(i, &id)| {
            discriminator(id)
                .or_else(|| types.get(id).annotations.title.clone())
                .unwrap_or_else(|| {
                    let name = type_name(id);
                    let unique = variants.iter().filter(|&&v| type_name(v) == name).count() == 1;
                    if unique {
                        name.to_owned()
                    } else {
                        format!("#{}", i + 1)
                    }
                })
        })
        .collect();
    // Titles may repeat; positions keep labels unique.
    let all: Vec<String> = labels.clone();
    for (i, label) in labels.iter_mut().enumerate() {
        if all.iter().filter(|l| *l == label).count() > 1 {
            *label = format!("{label}#{}", i + 1);
        }
    }
    labels
}

/// Media types with one meaning under two spellings: Swagger's `*/*` for raw bytes and
/// OpenAPI's `application/octet-stream` both mean "any bytes".
fn normalise_media_type(media_type: &str) -> String {
    match media_type {
        "application/octet-stream" => "*/*".to_owned(),
        other => other.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::documents::Location;
    use crate::ir::{Annotations, PatternProperty, Property, Schema, StringType, UnionOrigin};

    fn push(types: &mut TypeSpace, kind: Kind) -> SchemaId {
        types.push(Schema {
            location: Location {
                file: Arc::from(Path::new("test.yaml")),
                pointer: String::new(),
            },
            annotations: Annotations::default(),
            kind,
            nullable: false,
        })
    }

    fn string(types: &mut TypeSpace, format: Option<&str>, values: &[&str]) -> SchemaId {
        push(
            types,
            Kind::String(StringType {
                format: format.map(str::to_owned),
                enum_values: values.iter().map(|v| (*v).to_owned()).collect(),
                ..StringType::default()
            }),
        )
    }

    fn object(types: &mut TypeSpace, object: ObjectType) -> SchemaId {
        push(types, Kind::Object(object))
    }

    fn flat(types: &TypeSpace, id: SchemaId) -> Vec<(String, String)> {
        let mut flattener = Flattener::new(types);
        flattener.field(FieldPath::default(), id, Meta::default());
        flattener
            .out
            .iter()
            .map(|(p, f)| (p.to_string(), super::super::compare::types_text(&f.shape)))
            .collect()
    }

    #[test]
    fn maps_are_one_shape_however_written() {
        let mut types = TypeSpace::default();
        let leaf = string(&mut types, None, &[]);
        let inner = object(
            &mut types,
            ObjectType {
                additional: Additional::Schema(leaf),
                ..ObjectType::default()
            },
        );
        let additional = object(
            &mut types,
            ObjectType {
                additional: Additional::Schema(inner),
                ..ObjectType::default()
            },
        );
        let pattern = object(
            &mut types,
            ObjectType {
                pattern_properties: vec![PatternProperty {
                    pattern: String::new(),
                    key_format: None,
                    schema: inner,
                }],
                ..ObjectType::default()
            },
        );
        assert_eq!(flat(&types, additional), flat(&types, pattern));
        assert_eq!(
            flat(&types, additional)[2],
            ("{}{}".into(), "string".into())
        );
    }

    #[test]
    fn type_lists_are_sets_and_several_object_variants_get_stable_labels() {
        let mut types = TypeSpace::default();
        let s = string(&mut types, None, &[]);
        let o = object(&mut types, ObjectType::default());
        let forward = push(
            &mut types,
            Kind::Union {
                variants: vec![s, o],
                origin: UnionOrigin::TypeArray,
            },
        );
        let backward = push(
            &mut types,
            Kind::Union {
                variants: vec![o, s],
                origin: UnionOrigin::OneOf,
            },
        );
        assert_eq!(flat(&types, forward), flat(&types, backward));

        let variant = |types: &mut TypeSpace, value: &str| {
            let fixed = string(types, None, &[value]);
            let user = string(types, Some("mx-user-id"), &[]);
            object(
                types,
                ObjectType {
                    properties: vec![
                        Property {
                            name: "type".into(),
                            schema: fixed,
                            required: true,
                        },
                        Property {
                            name: "user".into(),
                            schema: user,
                            required: false,
                        },
                    ],
                    ..ObjectType::default()
                },
            )
        };
        let a = variant(&mut types, "m.a");
        let b = variant(&mut types, "m.b");
        let union = push(
            &mut types,
            Kind::Union {
                variants: vec![b, a],
                origin: UnionOrigin::OneOf,
            },
        );
        let paths: Vec<String> = flat(&types, union).into_iter().map(|(p, _)| p).collect();
        assert!(paths.contains(&"<type=m.a>.user".to_owned()));
        assert!(paths.contains(&"<type=m.b>.type".to_owned()));
    }
}
