//! Structural identity: schemas of the same shape are one Rust type.
//!
//! The shape of a schema is its kind, its members with their names, shapes and required
//! flags, its enum values, formats and nullability; not its documentation. The spec writes
//! some schemas twice (a filter's `state` repeats `RoomEventFilter` with `type: object`
//! beside the `allOf`) or `$ref`s them with extra keywords; each class of equal shapes gets
//! one representative: a schema that is the root of its file or a `components` entry if
//! there is one, else a titled one, else the first by location.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::ir::{Additional, Kind, SchemaId, TypeSpace};

/// The representative of every schema's class.
#[derive(Debug, Clone, Default)]
pub struct Shapes {
    representative: HashMap<SchemaId, SchemaId>,
}

/// A shape, with members' shapes by class number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Shape {
    Leaf(String),
    Array(u32),
    Tuple(Vec<u32>),
    Object {
        properties: Vec<(String, u32, bool)>,
        additional: Option<u32>,
        additional_kind: u8,
        patterns: Vec<(String, Option<String>, u32)>,
        names: Option<u32>,
    },
    Union(Vec<u32>),
    Recursive(SchemaId),
    Nullable(u32),
    Distinct(SchemaId),
}

impl Shapes {
    /// Classes of the schemas of `types`; schemas in `apart` are each their own class
    /// (event schemas and their contents, which have an identity of their own).
    pub fn compute(types: &TypeSpace, apart: &HashSet<SchemaId>) -> Shapes {
        let mut interner = Interner {
            types,
            apart,
            classes: HashMap::new(),
            memo: HashMap::new(),
        };
        let mut members: BTreeMap<u32, Vec<SchemaId>> = BTreeMap::new();
        for (id, schema) in types.iter() {
            if matches!(schema.kind, Kind::Ref(_)) {
                continue;
            }
            let class = interner.class(id);
            members.entry(class).or_default().push(id);
        }
        let rank = |id: SchemaId| {
            let schema = types.get(id);
            if schema.location.pointer.is_empty()
                || schema.location.pointer.starts_with("/components/schemas/")
            {
                0
            } else if schema.annotations.title.is_some() {
                1
            } else {
                2
            }
        };
        let mut representative = HashMap::new();
        for ids in members.values() {
            let Some(&best) = ids
                .iter()
                .min_by_key(|&&id| (rank(id), &types.get(id).location, id))
            else {
                continue;
            };
            // Only a schema the spec names stands for others: anonymous schemas of the same
            // shape (two operations' `{"room_id": …}` bodies) stay apart.
            if rank(best) == 2 {
                continue;
            }
            for &id in ids {
                representative.insert(id, best);
            }
        }
        Shapes { representative }
    }

    /// The schema standing for `id`'s class (aliases followed).
    pub fn representative(&self, types: &TypeSpace, id: SchemaId) -> SchemaId {
        let target = types.target(id);
        self.representative.get(&target).copied().unwrap_or(target)
    }
}

struct Interner<'t> {
    types: &'t TypeSpace,
    apart: &'t HashSet<SchemaId>,
    classes: HashMap<Shape, u32>,
    memo: HashMap<SchemaId, u32>,
}

impl Interner<'_> {
    fn class(&mut self, id: SchemaId) -> u32 {
        let id = self.types.target(id);
        if let Some(&class) = self.memo.get(&id) {
            return class;
        }
        let shape = self.shape(id);
        let next = u32::try_from(self.classes.len()).unwrap_or(u32::MAX);
        let class = *self.classes.entry(shape).or_insert(next);
        self.memo.insert(id, class);
        class
    }

    fn shape(&mut self, id: SchemaId) -> Shape {
        if self.apart.contains(&id) {
            return Shape::Distinct(id);
        }
        let schema = self.types.get(id);
        let inner = match &schema.kind {
            Kind::Any => Shape::Leaf("any".into()),
            Kind::Null => Shape::Leaf("null".into()),
            Kind::Boolean => Shape::Leaf("bool".into()),
            Kind::Integer { format } => Shape::Leaf(format!("int:{format:?}")),
            Kind::Number { format } => Shape::Leaf(format!("num:{format:?}")),
            Kind::Bytes => Shape::Leaf("bytes".into()),
            Kind::String(s) => Shape::Leaf(format!(
                "str:{:?}:{:?}:{:?}",
                s.format, s.pattern, s.enum_values
            )),
            Kind::Array { items, .. } => Shape::Array(self.class(*items)),
            Kind::Tuple { items } => Shape::Tuple(items.iter().map(|&i| self.class(i)).collect()),
            Kind::Object(object) => {
                let properties = object
                    .properties
                    .iter()
                    .map(|p| (p.name.clone(), self.class(p.schema), p.required))
                    .collect();
                let (additional, additional_kind) = match object.additional {
                    Additional::Unspecified => (None, 0),
                    Additional::Any => (None, 1),
                    Additional::Forbidden => (None, 2),
                    Additional::Schema(v) => (Some(self.class(v)), 3),
                };
                let patterns = object
                    .pattern_properties
                    .iter()
                    .map(|p| {
                        (
                            p.pattern.clone(),
                            p.key_format.clone(),
                            self.class(p.schema),
                        )
                    })
                    .collect();
                let names = object.property_names.map(|n| self.class(n));
                Shape::Object {
                    properties,
                    additional,
                    additional_kind,
                    patterns,
                    names,
                }
            }
            Kind::Union { variants, .. } => {
                Shape::Union(variants.iter().map(|&v| self.class(v)).collect())
            }
            Kind::Recursive(of) => Shape::Recursive(self.types.target(*of)),
            // Aliases are followed by `class`.
            Kind::Ref(target) => Shape::Leaf(format!("ref:{}", target.0)),
        };
        if schema.nullable {
            let class = self.intern(inner);
            Shape::Nullable(class)
        } else {
            inner
        }
    }

    fn intern(&mut self, shape: Shape) -> u32 {
        let next = u32::try_from(self.classes.len()).unwrap_or(u32::MAX);
        *self.classes.entry(shape).or_insert(next)
    }
}
