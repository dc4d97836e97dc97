//! JSON Schema (Swagger 2.0 and OpenAPI 3.1 dialects) into the [`TypeSpace`].
//!
//! Rules, in the order they apply (ARCHITECTURE.md lists them too):
//! - a schema is converted once per location; every `$ref` to it yields the same id;
//! - `$ref` with only annotation siblings is a [`Kind::Ref`] alias carrying those
//!   annotations; with other siblings it is `allOf: [$ref, siblings]` (3.1 semantics);
//! - `allOf` deep-merges its branches (and its own keywords) into one schema; a single
//!   `$ref` branch with only annotations is an alias;
//! - `oneOf`/`anyOf`/`type` arrays become unions; a `null` alternative becomes `nullable`;
//! - an untyped or empty object whose `title` names an enclosing schema is a recursive
//!   reference to it (the spec writes `redacted_because` this way);
//! - an array of exactly N items whose item type is an N-way `anyOf`/`oneOf` is a tuple
//!   (OpenAPI 3.1's spelling of Swagger's `items: [..]`).

use std::collections::HashMap;

use crate::documents::{Documents, Location};
use crate::error::{Problem, Result, SpecError};
use crate::ir::{
    Additional, Annotations, Kind, ObjectType, PatternProperty, Property, Schema, SchemaId,
    StringType, TypeSpace, UnionOrigin, VersionNote,
};
use crate::load::example;
use crate::load::located::{error, expected};
use crate::node::{Node, Value};

/// Keywords that only document a schema.
const ANNOTATION_KEYS: &[&str] = &[
    "title",
    "description",
    "deprecated",
    "x-addedInMatrixVersion",
    "x-changedInMatrixVersion",
    "example",
    "examples",
    "default",
    "x-weight",
    "$schema",
    "x-pattern-format",
    "x-pattern",
    // Definitions that `#/components/...` refers to, embedded in a schema file.
    "components",
];

/// Keywords that constrain a schema and that the loader understands.
const TYPE_KEYS: &[&str] = &[
    "type",
    "format",
    "pattern",
    "enum",
    "maxLength",
    "minLength",
    "minimum",
    "maximum",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "propertyNames",
    "minProperties",
    "maxProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "allOf",
    "oneOf",
    "anyOf",
    "$ref",
];

/// Builds schemas into a type space, remembering what it has built.
#[derive(Debug)]
pub struct SchemaBuilder<'d> {
    docs: &'d Documents,
    types: TypeSpace,
    built: HashMap<Location, SchemaId>,
    /// Schemas being built, outermost first: their location, title and id.
    stack: Vec<(Location, Option<String>, SchemaId)>,
}

impl<'d> SchemaBuilder<'d> {
    /// A builder reading from `docs`.
    pub fn new(docs: &'d Documents) -> Self {
        SchemaBuilder {
            docs,
            types: TypeSpace::default(),
            built: HashMap::new(),
            stack: Vec::new(),
        }
    }

    /// The documents schemas are read from.
    pub fn docs(&self) -> &'d Documents {
        self.docs
    }

    /// The finished type space.
    pub fn finish(self) -> TypeSpace {
        self.types
    }

    /// The type space so far.
    pub fn types(&self) -> &TypeSpace {
        &self.types
    }

    /// Adds a schema that is not written anywhere (e.g. a Swagger parameter's implied
    /// string type).
    pub fn synthetic(&mut self, location: Location, kind: Kind) -> SchemaId {
        self.types.push(Schema {
            location,
            annotations: Annotations::default(),
            kind,
            nullable: false,
        })
    }

    /// The schema written at `location` (whose node is `node`).
    pub fn schema(&mut self, location: &Location, node: &Node) -> Result<SchemaId> {
        if let Some(&id) = self.built.get(location) {
            return Ok(id);
        }
        if let Some(pos) = self.stack.iter().position(|(l, _, _)| l == location) {
            let chain: Vec<String> = self.stack[pos..]
                .iter()
                .map(|(l, _, _)| l.display())
                .chain([location.display()])
                .collect();
            return Err(error(location, node, Problem::RefCycle(chain.join(" → "))));
        }
        let Some(entries) = node.as_map() else {
            return match node.value {
                // JSON Schema's boolean schemas.
                Value::Bool(true) => Ok(self.synthetic(location.clone(), Kind::Any)),
                _ => Err(expected(location, node, "a schema (a mapping)")),
            };
        };
        for (key, value) in entries {
            if !ANNOTATION_KEYS.contains(&key.as_str())
                && !TYPE_KEYS.contains(&key.as_str())
                && !key.starts_with("x-")
            {
                return Err(error(
                    &location.key(key),
                    value,
                    Problem::Invalid(format!("unknown schema keyword `{key}`")),
                ));
            }
        }

        let annotations = self.annotations(location, node)?;
        let title = annotations.title.clone();
        let id = self.types.push(Schema {
            location: location.clone(),
            annotations,
            kind: Kind::Any,
            nullable: false,
        });
        if let Some(target) = self.recursive_reference(location, node, title.as_deref()) {
            self.types.get_mut(id).kind = Kind::Recursive(target);
            self.built.insert(location.clone(), id);
            return Ok(id);
        }
        self.stack.push((location.clone(), title, id));
        let result = self.build(location, node, id);
        self.stack.pop();
        result?;
        let id = self.types.target_if_plain_alias(id);
        self.built.insert(location.clone(), id);
        Ok(id)
    }

    /// An untyped or member-less object titled like an enclosing schema of the same file
    /// refers to it (an event's `redacted_because` is the event). In another file the title
    /// is a coincidence (r0.6.1's stripped state has a `content` titled `EventContent`, as
    /// the member event's content that lists stripped states is).
    fn recursive_reference(
        &self,
        location: &Location,
        node: &Node,
        title: Option<&str>,
    ) -> Option<SchemaId> {
        let title = title?;
        let members = [
            "properties",
            "additionalProperties",
            "patternProperties",
            "allOf",
            "oneOf",
            "anyOf",
            "$ref",
            "items",
        ];
        if members.iter().any(|k| node.has(k)) {
            return None;
        }
        if node
            .get("type")
            .is_some_and(|t| t.as_str() != Some("object"))
        {
            return None;
        }
        self.stack
            .iter()
            .rev()
            .find(|(l, t, _)| t.as_deref() == Some(title) && l.file == location.file)
            .map(|(_, _, id)| *id)
    }

    fn build(&mut self, location: &Location, node: &Node, id: SchemaId) -> Result<()> {
        let (kind, nullable) = if let Some(reference) = node.get("$ref") {
            self.reference(location, node, reference)?
        } else if let Some(branches) = node.get("allOf") {
            self.all_of(location, node, branches, id)?
        } else if let Some(variants) = node.get("oneOf") {
            self.union(location, node, "oneOf", variants, UnionOrigin::OneOf)?
        } else if let Some(variants) = node.get("anyOf") {
            self.union(location, node, "anyOf", variants, UnionOrigin::AnyOf)?
        } else {
            self.typed(location, node)?
        };
        let schema = self.types.get_mut(id);
        schema.kind = kind;
        schema.nullable |= nullable;
        Ok(())
    }

    /// `$ref`, with its siblings.
    fn reference(
        &mut self,
        location: &Location,
        node: &Node,
        reference: &Node,
    ) -> Result<(Kind, bool)> {
        let target = self.follow(location, node, reference)?;
        if has_type_keys(node, &["$ref"]) {
            let siblings = without(node, &["$ref"]);
            let own = self.build_detached(location, &siblings)?;
            return Ok((self.merge_all(location, &[target, own])?, false));
        }
        Ok((Kind::Ref(target), false))
    }

    /// Resolves and builds the target of a `$ref`.
    pub fn follow(
        &mut self,
        location: &Location,
        node: &Node,
        reference: &Node,
    ) -> Result<SchemaId> {
        let Some(text) = reference.as_str() else {
            return Err(expected(&location.key("$ref"), reference, "a string"));
        };
        let target = self.docs.resolve(location, text, node.line)?;
        self.schema(&target.location, target.node())
    }

    /// `allOf` of the schema `id`; without an example of its own, `id` takes the first
    /// branch's that has one.
    fn all_of(
        &mut self,
        location: &Location,
        node: &Node,
        branches: &Node,
        id: SchemaId,
    ) -> Result<(Kind, bool)> {
        let items = seq(location, "allOf", branches)?;
        let mut ids = Vec::with_capacity(items.len() + 1);
        let at = location.key("allOf");
        for (i, branch) in items.iter().enumerate() {
            ids.push(self.schema(&at.index(i), branch)?);
        }
        if self.types.get(id).annotations.examples.is_empty() {
            let inherited = ids.iter().find_map(|&branch| self.own_example(branch));
            self.types
                .get_mut(id)
                .annotations
                .examples
                .extend(inherited);
        }
        if has_type_keys(node, &["allOf"]) {
            let own = without(node, &["allOf"]);
            ids.push(self.build_detached(location, &own)?);
        } else if let [single] = ids[..] {
            return Ok((Kind::Ref(single), false));
        }
        let nullable = ids.iter().all(|&id| self.types.get(id).nullable);
        Ok((self.merge_all(location, &ids)?, nullable))
    }

    fn union(
        &mut self,
        location: &Location,
        node: &Node,
        key: &str,
        variants: &Node,
        origin: UnionOrigin,
    ) -> Result<(Kind, bool)> {
        if has_type_keys(node, &[key]) {
            return Err(error(
                location,
                node,
                Problem::Invalid(format!("`{key}` next to type keywords is not supported")),
            ));
        }
        let items = seq(location, key, variants)?;
        let at = location.key(key);
        let mut ids = Vec::with_capacity(items.len());
        let mut nullable = false;
        for (i, item) in items.iter().enumerate() {
            let id = self.schema(&at.index(i), item)?;
            if self.types.kind(id) == &Kind::Null {
                nullable = true;
            } else {
                ids.push(id);
            }
        }
        Ok(match ids[..] {
            [] => (Kind::Null, false),
            [single] => (Kind::Ref(single), nullable),
            _ => (
                Kind::Union {
                    variants: ids,
                    origin,
                },
                nullable,
            ),
        })
    }

    /// A schema built from keywords that are not at a location of their own (the
    /// siblings of `$ref` or `allOf`); it gets the parent's location.
    fn build_detached(&mut self, location: &Location, node: &Node) -> Result<SchemaId> {
        let annotations = self.annotations(location, node)?;
        let (kind, nullable) = self.typed(location, node)?;
        Ok(self.types.push(Schema {
            location: location.clone(),
            annotations,
            kind,
            nullable,
        }))
    }

    /// A schema described by `type` (or by its keywords when `type` is absent).
    fn typed(&mut self, location: &Location, node: &Node) -> Result<(Kind, bool)> {
        let Some(ty) = node.get("type") else {
            return Ok((self.inferred(location, node)?, false));
        };
        match &ty.value {
            Value::String(name) => Ok((self.of_type(location, node, name)?, false)),
            Value::Seq(types) => self.type_array(location, node, types),
            _ => Err(expected(
                &location.key("type"),
                ty,
                "a type name or a list of them",
            )),
        }
    }

    fn inferred(&mut self, location: &Location, node: &Node) -> Result<Kind> {
        if [
            "properties",
            "additionalProperties",
            "patternProperties",
            "propertyNames",
        ]
        .iter()
        .any(|k| node.has(k))
        {
            return self.of_type(location, node, "object");
        }
        if node.has("items") {
            return self.of_type(location, node, "array");
        }
        if node.has("enum") || node.has("pattern") {
            return self.of_type(location, node, "string");
        }
        Ok(Kind::Any)
    }

    /// `type: [a, b, …]`: a set of types (order is not significant).
    fn type_array(
        &mut self,
        location: &Location,
        node: &Node,
        types: &[Node],
    ) -> Result<(Kind, bool)> {
        let at = location.key("type");
        let nullable = types.iter().any(|t| t.as_str() == Some("null"));
        let members: Vec<(usize, &Node)> = types
            .iter()
            .enumerate()
            .filter(|(_, t)| t.as_str() != Some("null"))
            .collect();
        if let [(_, only)] = members[..] {
            if let Some(name) = only.as_str() {
                return Ok((self.of_type(location, node, name)?, nullable));
            }
        }
        let mut variants = Vec::with_capacity(members.len());
        for (i, ty) in members {
            let id = match &ty.value {
                Value::String(name) => {
                    let kind = self.of_type(location, &restrict(node, name), name)?;
                    self.synthetic(at.index(i), kind)
                }
                // Swagger-era files put whole schemas in type lists (v1.1 user_keys.yaml).
                Value::Map(_) => self.schema(&at.index(i), ty)?,
                _ => {
                    return Err(expected(&at.index(i), ty, "a type name"));
                }
            };
            variants.push(id);
        }
        Ok(match variants[..] {
            [] => (Kind::Null, false),
            [single] => (Kind::Ref(single), nullable),
            _ => (
                Kind::Union {
                    variants,
                    origin: UnionOrigin::TypeArray,
                },
                nullable,
            ),
        })
    }

    fn of_type(&mut self, location: &Location, node: &Node, name: &str) -> Result<Kind> {
        let format = node.text("format");
        Ok(match name {
            "string"
                if format.as_deref() == Some("byte") || format.as_deref() == Some("binary") =>
            {
                Kind::Bytes
            }
            "string" => Kind::String(self.string(location, node)?),
            // Swagger-era oddity: `type: enum` means a string enum.
            "enum" => Kind::String(self.string(location, node)?),
            "integer" => Kind::Integer { format },
            "number" => Kind::Number { format },
            "boolean" => Kind::Boolean,
            "null" => Kind::Null,
            "file" => Kind::Bytes,
            "object" => Kind::Object(self.object(location, node)?),
            "array" => self.array(location, node)?,
            // Swagger-era oddity (`m.mentions.yaml`): `type: string[]`.
            "string[]" => {
                let items =
                    self.synthetic(location.key("type"), Kind::String(StringType::default()));
                Kind::Array {
                    items,
                    min_items: None,
                    max_items: None,
                }
            }
            other => {
                let node = node.get("type").unwrap_or(node);
                return Err(error(
                    &location.key("type"),
                    node,
                    Problem::UnknownType(other.to_owned()),
                ));
            }
        })
    }

    fn string(&mut self, location: &Location, node: &Node) -> Result<StringType> {
        let mut enum_values = Vec::new();
        if let Some(values) = node.get("enum") {
            for (i, value) in seq(location, "enum", values)?.iter().enumerate() {
                match value.scalar_text() {
                    Some(text) => enum_values.push(text),
                    None => {
                        return Err(expected(
                            &location.key("enum").index(i),
                            value,
                            "a scalar enum value",
                        ));
                    }
                }
            }
        }
        Ok(StringType {
            format: node.text("format"),
            pattern: node.text("pattern"),
            enum_values,
            max_length: node.get("maxLength").and_then(Node::as_u64),
        })
    }

    fn object(&mut self, location: &Location, node: &Node) -> Result<ObjectType> {
        let mut object = ObjectType {
            min_properties: node.get("minProperties").and_then(Node::as_u64),
            max_properties: node.get("maxProperties").and_then(Node::as_u64),
            ..ObjectType::default()
        };
        let required = match node.get("required") {
            Some(list) => seq(location, "required", list)?
                .iter()
                .filter_map(Node::as_str)
                .collect(),
            None => Vec::new(),
        };
        if let Some(properties) = node.get("properties") {
            let at = location.key("properties");
            for (name, value) in map(location, "properties", properties)? {
                let schema = self.schema(&at.key(name), value)?;
                object.properties.push(Property {
                    name: name.clone(),
                    schema,
                    required: required.contains(&name.as_str()),
                });
            }
        }
        if let Some(additional) = node.get("additionalProperties") {
            let at = location.key("additionalProperties");
            object.additional = match additional.value {
                Value::Bool(true) => Additional::Any,
                Value::Bool(false) => Additional::Forbidden,
                _ => {
                    let schema = self.schema(&at, additional)?;
                    match pattern_marker(additional) {
                        // Swagger's `x-pattern: $USER_ID` marks the keys' format.
                        Some(format) => {
                            object.pattern_properties.push(PatternProperty {
                                pattern: String::new(),
                                key_format: Some(format),
                                schema,
                            });
                            Additional::Unspecified
                        }
                        None => Additional::Schema(schema),
                    }
                }
            };
        }
        if let Some(patterns) = node.get("patternProperties") {
            let at = location.key("patternProperties");
            for (pattern, value) in map(location, "patternProperties", patterns)? {
                let schema = self.schema(&at.key(pattern), value)?;
                object.pattern_properties.push(PatternProperty {
                    pattern: pattern.clone(),
                    key_format: value.text("x-pattern-format"),
                    schema,
                });
            }
        }
        if let Some(names) = node.get("propertyNames") {
            object.property_names = Some(self.schema(&location.key("propertyNames"), names)?);
        }
        Ok(object)
    }

    fn array(&mut self, location: &Location, node: &Node) -> Result<Kind> {
        let min_items = node.get("minItems").and_then(Node::as_u64);
        let max_items = node.get("maxItems").and_then(Node::as_u64);
        let Some(items) = node.get("items") else {
            let items = self.synthetic(location.key("items"), Kind::Any);
            return Ok(Kind::Array {
                items,
                min_items,
                max_items,
            });
        };
        let at = location.key("items");
        if let Some(positional) = items.as_seq() {
            let mut ids = Vec::with_capacity(positional.len());
            for (i, item) in positional.iter().enumerate() {
                ids.push(self.schema(&at.index(i), item)?);
            }
            return Ok(Kind::Tuple { items: ids });
        }
        let items = self.schema(&at, items)?;
        if let Kind::Union { variants, .. } = self.types.kind(items) {
            let n = variants.len() as u64;
            if min_items == Some(n) && max_items == Some(n) {
                return Ok(Kind::Tuple {
                    items: variants.clone(),
                });
            }
        }
        Ok(Kind::Array {
            items,
            min_items,
            max_items,
        })
    }

    fn annotations(&mut self, location: &Location, node: &Node) -> Result<Annotations> {
        let mut annotations = Annotations {
            title: node.text("title"),
            description: node.text("description"),
            deprecated: node.flag("deprecated"),
            added_in: node.text("x-addedInMatrixVersion"),
            changed_in: version_notes(location, node)?,
            examples: Vec::new(),
            default: node.get("default").map(Node::to_json),
        };
        if let Some(example) = node.get("example") {
            annotations.examples.push(example::compose(
                self.docs,
                &location.key("example"),
                example,
            )?);
        }
        if let Some(examples) = node.get("examples").and_then(Node::as_seq) {
            let at = location.key("examples");
            for (i, example) in examples.iter().enumerate() {
                annotations
                    .examples
                    .push(example::compose(self.docs, &at.index(i), example)?);
            }
        }
        Ok(annotations)
    }

    /// The first example of a schema or of the aliases it stands for.
    fn own_example(&self, mut id: SchemaId) -> Option<serde_json::Value> {
        for _ in 0..self.types.len() {
            let schema = self.types.get(id);
            if let Some(example) = schema.annotations.examples.first() {
                return Some(example.clone());
            }
            match schema.kind {
                Kind::Ref(next) => id = next,
                _ => return None,
            }
        }
        None
    }

    /// Merges `allOf` branches (already built) into one kind.
    fn merge_all(&mut self, location: &Location, ids: &[SchemaId]) -> Result<Kind> {
        let mut kind = Kind::Any;
        for &id in ids {
            kind = self.merge(location, kind, id)?;
        }
        Ok(kind)
    }

    fn merge(&mut self, location: &Location, base: Kind, patch: SchemaId) -> Result<Kind> {
        let patch_kind = self.types.kind(patch).clone();
        Ok(match (base, patch_kind) {
            (Kind::Any, kind) => kind,
            (kind, Kind::Any) => kind,
            (Kind::Object(mut base), Kind::Object(patch)) => {
                for property in patch.properties {
                    match base.properties.iter_mut().find(|p| p.name == property.name) {
                        Some(existing) => {
                            existing.schema =
                                self.merge_property(location, existing.schema, property.schema)?;
                            existing.required |= property.required;
                        }
                        None => base.properties.push(property),
                    }
                }
                if patch.additional != Additional::Unspecified {
                    base.additional = patch.additional;
                }
                for pattern in patch.pattern_properties {
                    match base
                        .pattern_properties
                        .iter_mut()
                        .find(|p| p.pattern == pattern.pattern)
                    {
                        Some(existing) => *existing = pattern,
                        None => base.pattern_properties.push(pattern),
                    }
                }
                base.property_names = patch.property_names.or(base.property_names);
                base.min_properties = patch.min_properties.or(base.min_properties);
                base.max_properties = patch.max_properties.or(base.max_properties);
                Kind::Object(base)
            }
            (Kind::String(base), Kind::String(patch)) => Kind::String(StringType {
                format: patch.format.or(base.format),
                pattern: patch.pattern.or(base.pattern),
                enum_values: if patch.enum_values.is_empty() {
                    base.enum_values
                } else {
                    patch.enum_values
                },
                max_length: patch.max_length.or(base.max_length),
            }),
            (base, patch) if std::mem::discriminant(&base) == std::mem::discriminant(&patch) => {
                patch
            }
            (base, patch) => {
                return Err(Box::new(SpecError {
                    file: location.file.to_path_buf(),
                    pointer: location.pointer.clone(),
                    line: None,
                    problem: Problem::Invalid(format!(
                        "allOf branches have incompatible types: {} and {}",
                        kind_name(&base),
                        kind_name(&patch)
                    )),
                }));
            }
        })
    }

    /// A property present in two `allOf` branches: a new schema with both merged, the
    /// later branch's annotations winning.
    fn merge_property(
        &mut self,
        location: &Location,
        base: SchemaId,
        patch: SchemaId,
    ) -> Result<SchemaId> {
        let base_schema = self.types.get(base).clone();
        let patch_schema = self.types.get(patch).clone();
        let kind = match (&base_schema.kind, &patch_schema.kind) {
            // A patch that only re-titles or re-describes keeps the base's type.
            (_, Kind::Any) => Kind::Ref(base),
            (_, Kind::Recursive(_)) => patch_schema.kind.clone(),
            _ => {
                let base_kind = self.types.kind(base).clone();
                self.merge(location, base_kind, patch)?
            }
        };
        let annotations = merge_annotations(&base_schema.annotations, &patch_schema.annotations);
        Ok(self.types.push(Schema {
            location: patch_schema.location,
            annotations,
            kind,
            nullable: base_schema.nullable || patch_schema.nullable,
        }))
    }
}

impl TypeSpace {
    /// A `Ref` with no annotations of its own is just its target.
    fn target_if_plain_alias(&self, id: SchemaId) -> SchemaId {
        let schema = self.get(id);
        match schema.kind {
            Kind::Ref(target)
                if schema.annotations == Annotations::default() && !schema.nullable =>
            {
                target
            }
            _ => id,
        }
    }
}

fn merge_annotations(base: &Annotations, patch: &Annotations) -> Annotations {
    Annotations {
        title: patch.title.clone().or_else(|| base.title.clone()),
        description: patch
            .description
            .clone()
            .or_else(|| base.description.clone()),
        deprecated: patch.deprecated || base.deprecated,
        added_in: patch.added_in.clone().or_else(|| base.added_in.clone()),
        changed_in: if patch.changed_in.is_empty() {
            base.changed_in.clone()
        } else {
            patch.changed_in.clone()
        },
        examples: if patch.examples.is_empty() {
            base.examples.clone()
        } else {
            patch.examples.clone()
        },
        default: patch.default.clone().or_else(|| base.default.clone()),
    }
}

fn kind_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Any => "any",
        Kind::Null => "null",
        Kind::Boolean => "boolean",
        Kind::Integer { .. } => "integer",
        Kind::Number { .. } => "number",
        Kind::String(_) => "string",
        Kind::Bytes => "bytes",
        Kind::Array { .. } => "array",
        Kind::Tuple { .. } => "tuple",
        Kind::Object(_) => "object",
        Kind::Union { .. } => "union",
        Kind::Ref(_) => "reference",
        Kind::Recursive(_) => "recursive reference",
    }
}

/// `x-changedInMatrixVersion`: a map from version (kept as written) to a note.
pub fn version_notes(location: &Location, node: &Node) -> Result<Vec<VersionNote>> {
    let Some(notes) = node.get("x-changedInMatrixVersion") else {
        return Ok(Vec::new());
    };
    let at = location.key("x-changedInMatrixVersion");
    let entries = notes
        .as_map()
        .ok_or_else(|| expected(&at, notes, "a map from version to note"))?;
    Ok(entries
        .iter()
        .map(|(version, note)| VersionNote {
            version: version.clone(),
            note: note.scalar_text().unwrap_or_default(),
        })
        .collect())
}

/// Swagger's `x-pattern: "$USER_ID"` as a string format name.
fn pattern_marker(node: &Node) -> Option<String> {
    let marker = node.get("x-pattern")?.as_str()?;
    Some(match marker {
        "$USER_ID" => "mx-user-id".to_owned(),
        "$EVENT_ID" => "mx-event-id".to_owned(),
        "$ROOM_ID" => "mx-room-id".to_owned(),
        other => other.to_owned(),
    })
}

/// Whether `node` has keywords other than annotations and `ignore`.
fn has_type_keys(node: &Node, ignore: &[&str]) -> bool {
    node.as_map().is_some_and(|entries| {
        entries.iter().any(|(k, _)| {
            !ignore.contains(&k.as_str())
                && !ANNOTATION_KEYS.contains(&k.as_str())
                && !k.starts_with("x-")
        })
    })
}

/// `node` without the keys in `drop`.
fn without(node: &Node, drop: &[&str]) -> Node {
    let entries = node
        .as_map()
        .unwrap_or_default()
        .iter()
        .filter(|(k, _)| !drop.contains(&k.as_str()))
        .cloned()
        .collect();
    Node {
        line: node.line,
        value: Value::Map(entries),
    }
}

/// The keywords of `node` that apply to one member `ty` of a type array.
fn restrict(node: &Node, ty: &str) -> Node {
    let applies = |key: &str| match key {
        "format" | "pattern" | "enum" | "maxLength" | "minLength" => ty == "string",
        "properties"
        | "required"
        | "additionalProperties"
        | "patternProperties"
        | "propertyNames"
        | "minProperties"
        | "maxProperties" => ty == "object",
        "items" | "minItems" | "maxItems" | "uniqueItems" => ty == "array",
        "minimum" | "maximum" => ty == "integer" || ty == "number",
        _ => false,
    };
    let entries = node
        .as_map()
        .unwrap_or_default()
        .iter()
        .filter(|(k, _)| applies(k))
        .cloned()
        .collect();
    Node {
        line: node.line,
        value: Value::Map(entries),
    }
}

fn seq<'n>(location: &Location, key: &str, node: &'n Node) -> Result<&'n [Node]> {
    node.as_seq()
        .ok_or_else(|| expected(&location.key(key), node, "a sequence"))
}

fn map<'n>(location: &Location, key: &str, node: &'n Node) -> Result<&'n [(String, Node)]> {
    node.as_map()
        .ok_or_else(|| expected(&location.key(key), node, "a mapping"))
}
