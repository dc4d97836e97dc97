//! Schemas: a graph of types, each with a stable id, built from JSON Schema in either format.

use super::VersionNote;
use crate::documents::Location;

/// Index of a schema in the [`TypeSpace`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SchemaId(pub u32);

/// Every schema of a spec version.
#[derive(Debug, Clone, Default)]
pub struct TypeSpace {
    schemas: Vec<Schema>,
}

impl TypeSpace {
    /// Adds a schema and returns its id.
    pub fn push(&mut self, schema: Schema) -> SchemaId {
        let id = SchemaId(u32::try_from(self.schemas.len()).unwrap_or(u32::MAX));
        self.schemas.push(schema);
        id
    }

    /// The schema with this id.
    pub fn get(&self, id: SchemaId) -> &Schema {
        &self.schemas[id.0 as usize]
    }

    /// The schema with this id, to change it.
    pub fn get_mut(&mut self, id: SchemaId) -> &mut Schema {
        &mut self.schemas[id.0 as usize]
    }

    /// Follows [`Kind::Ref`] aliases to the schema that has the type.
    pub fn target(&self, mut id: SchemaId) -> SchemaId {
        // Alias chains are acyclic by construction; the bound only guards against bugs.
        for _ in 0..self.schemas.len() {
            match self.get(id).kind {
                Kind::Ref(next) => id = next,
                _ => return id,
            }
        }
        id
    }

    /// The schema's example as the spec's pages show it: its own first example (or that
    /// of a `$ref` alias), else one composed from its parts: an object of the members that
    /// have one, an array of one item, the first union variant that has one.
    pub fn example(&self, id: SchemaId) -> Option<serde_json::Value> {
        self.example_within(id, 0)
    }

    /// [`Self::example`], at most `depth` levels of composition deep (32).
    fn example_within(&self, id: SchemaId, depth: usize) -> Option<serde_json::Value> {
        let schema = self.get(id);
        if let Some(example) = schema.annotations.examples.first() {
            return Some(example.clone());
        }
        if depth >= 32 {
            return None;
        }
        match &schema.kind {
            Kind::Ref(next) => self.example_within(*next, depth + 1),
            Kind::Array { items, .. } => self
                .example_within(*items, depth + 1)
                .map(|item| serde_json::Value::Array(vec![item])),
            Kind::Union { variants, .. } => variants
                .iter()
                .find_map(|variant| self.example_within(*variant, depth + 1)),
            Kind::Object(object) => {
                let members: serde_json::Map<String, serde_json::Value> = object
                    .properties
                    .iter()
                    .filter_map(|p| {
                        Some((p.name.clone(), self.example_within(p.schema, depth + 1)?))
                    })
                    .collect();
                (!members.is_empty()).then_some(serde_json::Value::Object(members))
            }
            _ => None,
        }
    }

    /// The kind of a schema, with aliases followed.
    pub fn kind(&self, id: SchemaId) -> &Kind {
        &self.get(self.target(id)).kind
    }

    /// Number of schemas.
    pub fn len(&self) -> usize {
        self.schemas.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.schemas.is_empty()
    }

    /// All schemas with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (SchemaId, &Schema)> {
        self.schemas
            .iter()
            .enumerate()
            .map(|(i, s)| (SchemaId(i as u32), s))
    }
}

/// One schema.
#[derive(Debug, Clone)]
pub struct Schema {
    /// Where it is written (for merged schemas, the `allOf` that made it).
    pub location: Location,
    /// Documentation and version notes.
    pub annotations: Annotations,
    /// Its type.
    pub kind: Kind,
    /// Whether `null` is also allowed (`type: [X, "null"]`, `anyOf [X, {type: null}]`).
    pub nullable: bool,
}

/// Documentation keywords of a schema.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Annotations {
    /// `title`.
    pub title: Option<String>,
    /// `description` (Markdown).
    pub description: Option<String>,
    /// `deprecated`.
    pub deprecated: bool,
    /// `x-addedInMatrixVersion`.
    pub added_in: Option<String>,
    /// `x-changedInMatrixVersion`.
    pub changed_in: Vec<VersionNote>,
    /// `example` values.
    pub examples: Vec<serde_json::Value>,
    /// `default`.
    pub default: Option<serde_json::Value>,
}

/// What values a schema admits.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Any JSON value (no `type`).
    Any,
    /// Only `null`.
    Null,
    /// A boolean.
    Boolean,
    /// An integer (`format`: `int64`, …).
    Integer {
        /// `format`, if given.
        format: Option<String>,
    },
    /// A number (`format`: `float`, …).
    Number {
        /// `format`, if given.
        format: Option<String>,
    },
    /// A string.
    String(StringType),
    /// Raw bytes (Swagger `type: file` or `format: byte` bodies, non-JSON media).
    Bytes,
    /// An array of one item type.
    Array {
        /// The item type.
        items: SchemaId,
        /// `minItems`.
        min_items: Option<u64>,
        /// `maxItems`.
        max_items: Option<u64>,
    },
    /// A fixed-length array with a type per position.
    Tuple {
        /// The types, by position.
        items: Vec<SchemaId>,
    },
    /// An object.
    Object(ObjectType),
    /// One of several types, told apart by their shape.
    Union {
        /// The alternatives, in source order.
        variants: Vec<SchemaId>,
        /// How the spec wrote it.
        origin: UnionOrigin,
    },
    /// The same type as another schema, with annotations of its own (a `$ref` with
    /// sibling keywords, or a single-`$ref` `allOf`).
    Ref(SchemaId),
    /// A reference to an enclosing object type, made only by its title (an event's
    /// `redacted_because` is the event type itself).
    Recursive(SchemaId),
}

/// How a union was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnionOrigin {
    /// `oneOf`.
    OneOf,
    /// `anyOf`.
    AnyOf,
    /// A `type` array (`[string, object]`).
    TypeArray,
}

/// String constraints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StringType {
    /// `format` (`mx-user-id`, `uri`, `int64`…).
    pub format: Option<String>,
    /// `pattern`.
    pub pattern: Option<String>,
    /// `enum` values; a single value is a fixed discriminator.
    pub enum_values: Vec<String>,
    /// `maxLength`.
    pub max_length: Option<u64>,
}

/// An object's members.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectType {
    /// Named properties, in source order.
    pub properties: Vec<Property>,
    /// `additionalProperties`.
    pub additional: Additional,
    /// `patternProperties`, in source order.
    pub pattern_properties: Vec<PatternProperty>,
    /// `propertyNames`.
    pub property_names: Option<SchemaId>,
    /// `minProperties`.
    pub min_properties: Option<u64>,
    /// `maxProperties`.
    pub max_properties: Option<u64>,
}

impl ObjectType {
    /// The property with this name.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }
}

/// What an object allows beyond its named properties.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Additional {
    /// Not said: other keys are allowed and untyped.
    #[default]
    Unspecified,
    /// `additionalProperties: true`.
    Any,
    /// `additionalProperties: false`.
    Forbidden,
    /// `additionalProperties: {schema}`.
    Schema(SchemaId),
}

/// A named property of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// The JSON key.
    pub name: String,
    /// Its type.
    pub schema: SchemaId,
    /// Listed in `required`.
    pub required: bool,
}

/// A `patternProperties` entry (or Swagger's `x-pattern`).
#[derive(Debug, Clone, PartialEq)]
pub struct PatternProperty {
    /// The regular expression keys match (`^@`, or "" for any key).
    pub pattern: String,
    /// `x-pattern-format`: the identifier type of the keys (`mx-user-id`).
    pub key_format: Option<String>,
    /// The values' type.
    pub schema: SchemaId,
}
