//! Schemas → type expressions, definitions and names.
//!
//! [`TypeBuilder`] turns each use of a schema into a [`TypeRef`] and queues a definition for
//! every schema that needs a named type (objects with members, string enums of two or more
//! values, unions), one per class of equal shapes ([`Shapes`]). [`TypeBuilder::finish`]
//! defines them all, decides where each lives and names them.
//!
//! **Homes.** A type the spec names with a file of its own, a `components` entry or an event
//! type lives in `types`; so does any type used from several operations or from such a
//! type. A type only one operation uses lives in that operation's module.
//!
//! **Names**, best source first: an override in `api-defs/items.toml`; the event type
//! (`RoomMemberEvent`, `RoomMemberEventContent`); the title, when it has at most four
//! words; the file or `components` key; the role, from the member that holds it: the
//! property (`rooms` → `Rooms`), the singular for array items and map values (`rooms` →
//! `Room`, `one_time_keys` → `OneTimeKey`; nested maps and arrays keep the role), or the
//! kind for union variants (`KeyObject`, `…Object`). When several types of one module want
//! the same name, those named by title, file or role take their longer form (the file
//! name for a title; the holder's name before the role, `RoomFilterState`); names that
//! still clash get `2`, `3`, … in order of first use.
//!
//! **Presence.** A required member is `T` (`Option<T>` if it may be `null`); an optional one
//! is `Option<T>`, except that it is a plain `T` filled in when absent where the spec gives
//! a default (a schema `default`, or "Defaults to `false`" in its description, for booleans,
//! integers, durations and enum values), and for collections and objects whose members are
//! all optional, which default to empty, unless the description says what absence means
//! ("If this list is absent then all rooms are included").
//!
//! **Durations.** An integer member described in milliseconds (or named `…_ms`) that is not
//! a timestamp is a `Duration`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use crate::ir::{Additional, EventKind, Kind, ObjectType, Property, Schema, SchemaId, Spec};

use super::names::{self, Namespace};
use super::overrides::ItemOverrides;
use super::shapes::Shapes;
use super::{
    DefaultValue, EnumValue, Field, Fixed, Home, Presence, Struct, TypeDef, TypeId, TypeKind,
    TypeRef, UnionVariant,
};

/// Who uses a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Referrer {
    /// An operation's parameters, request or responses (by index).
    Operation(usize),
    /// A type definition.
    Type(TypeId),
    /// Events, and schemas checked on their own.
    Shared,
}

/// The name of what holds a member, for longer names.
#[derive(Debug, Clone)]
pub enum Owner {
    /// A generated type.
    Type(TypeId),
    /// An item with a fixed name (`Request`, `Response`).
    Named(String),
}

/// Where a schema is used: by whom, in what role, and whether events may stay raw there.
#[derive(Debug, Clone)]
pub struct Use {
    /// Who uses it.
    pub referrer: Referrer,
    /// What holds it.
    pub owner: Owner,
    /// The role, as a type name (`Rooms`, `OneTimeKey`).
    pub role: String,
    /// Whether events in arrays and maps may be kept as [`TypeRef::Raw`] here (not inside
    /// a union, which is read from a parsed JSON value).
    pub raw_ok: bool,
}

impl Use {
    /// A use by an operation.
    pub fn operation(op: usize, owner: &str, role: &str) -> Use {
        Use {
            referrer: Referrer::Operation(op),
            owner: Owner::Named(owner.to_owned()),
            role: role.to_owned(),
            raw_ok: true,
        }
    }

    /// A use by events or shared schemas.
    pub fn shared(owner: &str, role: &str) -> Use {
        Use {
            referrer: Referrer::Shared,
            owner: Owner::Named(owner.to_owned()),
            role: role.to_owned(),
            raw_ok: true,
        }
    }

    /// The same user, another role.
    fn with_role(&self, role: String) -> Use {
        Use {
            role,
            ..self.clone()
        }
    }
}

/// Where a type's name comes from; better sources keep their name in a clash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Override,
    Added,
    Event,
    Title,
    File,
    Role,
}

#[derive(Debug, Clone)]
struct Slot {
    schema: Option<SchemaId>,
    kind: Option<TypeKind>,
    doc: Option<String>,
    deprecated: Option<String>,
    source: Source,
    preferred: String,
    /// For a title: the file name to fall back to.
    file_name: Option<String>,
    first_use: Option<(Owner, String)>,
    referrers: BTreeSet<Referrer>,
}

/// The definitions, fixed values and schema map of a finished build.
#[derive(Debug)]
pub struct Finished {
    /// Every type, by id.
    pub types: Vec<TypeDef>,
    /// Fixed values.
    pub fixed: Vec<Fixed>,
    /// The type of each schema that became one.
    pub schema_types: BTreeMap<SchemaId, TypeId>,
}

/// Builds type expressions and collects the definitions they need.
#[derive(Debug)]
pub struct TypeBuilder<'s> {
    spec: &'s Spec,
    overrides: &'s ItemOverrides,
    shapes: Shapes,
    /// Objects reachable from event schemas: they keep members the spec does not name.
    event_family: HashSet<SchemaId>,
    /// Schemas inside unions.
    buffered: HashSet<SchemaId>,
    ids: HashMap<SchemaId, TypeId>,
    slots: Vec<Slot>,
    pending: VecDeque<TypeId>,
    fixed: BTreeMap<String, usize>,
    fixed_list: Vec<Fixed>,
    fixed_names: Namespace,
    /// Event schemas and their contents: their names come from the event type.
    event_names: HashMap<SchemaId, String>,
    /// Definitions that dispatch on a member, when a schema has one (the `dispatch`
    /// module, which builds its enums with this builder).
    dispatch: Dispatcher,
}

/// The definition of a type when it is an enum chosen by one member's value.
pub type Dispatcher = fn(&mut TypeBuilder<'_>, TypeId, SchemaId) -> Option<TypeKind>;

impl<'s> TypeBuilder<'s> {
    /// A builder for `spec`.
    pub fn new(spec: &'s Spec, overrides: &'s ItemOverrides, dispatch: Dispatcher) -> Self {
        let mut event_names = HashMap::new();
        let shared = shared_contents(spec);
        for event in spec
            .events
            .iter()
            .filter(|e| e.kind != EventKind::Component)
        {
            let name = names::event_name(event);
            event_names
                .entry(spec.types.target(event.schema))
                .or_insert_with(|| name.clone());
            if let Some(content) = event.content.map(|c| spec.types.target(c)) {
                if !shared.contains(&content) {
                    event_names
                        .entry(content)
                        .or_insert_with(|| format!("{name}Content"));
                }
            }
        }
        let apart: HashSet<SchemaId> = event_names.keys().copied().collect();
        let shapes = Shapes::compute(&spec.types, &apart);
        let mut builder = TypeBuilder {
            spec,
            overrides,
            shapes,
            event_family: HashSet::new(),
            buffered: HashSet::new(),
            ids: HashMap::new(),
            slots: Vec::new(),
            pending: VecDeque::new(),
            fixed: BTreeMap::new(),
            fixed_list: Vec::new(),
            fixed_names: Namespace::default(),
            event_names,
            dispatch,
        };
        let events: Vec<SchemaId> = spec
            .types
            .iter()
            .map(|(id, _)| id)
            .filter(|&id| builder.is_event(id))
            .collect();
        builder.event_family = builder.closure(events);
        let unions: Vec<SchemaId> = spec
            .types
            .iter()
            .filter_map(|(id, schema)| matches!(schema.kind, Kind::Union { .. }).then_some(id))
            .collect();
        builder.buffered = builder.closure(unions);
        builder
    }

    /// The spec.
    pub fn spec(&self) -> &'s Spec {
        self.spec
    }

    /// The overrides.
    pub fn overrides(&self) -> &'s ItemOverrides {
        self.overrides
    }

    fn schema(&self, id: SchemaId) -> &'s Schema {
        self.spec.types.get(id)
    }

    fn rep(&self, id: SchemaId) -> SchemaId {
        self.shapes.representative(&self.spec.types, id)
    }

    /// Every schema reachable from `roots` (representatives), the roots included.
    fn closure(&self, roots: Vec<SchemaId>) -> HashSet<SchemaId> {
        let mut seen = HashSet::new();
        let mut todo: Vec<SchemaId> = roots.into_iter().map(|id| self.rep(id)).collect();
        while let Some(id) = todo.pop() {
            if !seen.insert(id) {
                continue;
            }
            let mut push = |child: SchemaId| todo.push(self.rep(child));
            match &self.schema(id).kind {
                Kind::Object(o) => {
                    o.properties.iter().for_each(|p| push(p.schema));
                    o.pattern_properties.iter().for_each(|p| push(p.schema));
                    if let Additional::Schema(v) = o.additional {
                        push(v);
                    }
                }
                Kind::Array { items, .. } => push(*items),
                Kind::Tuple { items }
                | Kind::Union {
                    variants: items, ..
                } => items.iter().for_each(|&i| push(i)),
                Kind::Ref(t) | Kind::Recursive(t) => push(*t),
                _ => {}
            }
        }
        seen
    }

    /// Whether `null` is allowed (on the schema or any alias on the way to its type).
    pub fn nullable(&self, mut id: SchemaId) -> bool {
        loop {
            let schema = self.schema(id);
            if schema.nullable {
                return true;
            }
            match schema.kind {
                Kind::Ref(next) => id = next,
                _ => return false,
            }
        }
    }

    /// The description to show for a use of `id`: its own, else its target's.
    pub fn description(&self, mut id: SchemaId) -> Option<&'s str> {
        loop {
            let schema = self.schema(id);
            if let Some(d) = schema.annotations.description.as_deref() {
                return Some(d);
            }
            match schema.kind {
                Kind::Ref(next) => id = next,
                _ => return None,
            }
        }
    }

    /// Whether `id` or an alias on the way to its type is deprecated.
    fn deprecated(&self, mut id: SchemaId) -> bool {
        loop {
            let schema = self.schema(id);
            if schema.annotations.deprecated {
                return true;
            }
            match schema.kind {
                Kind::Ref(next) => id = next,
                _ => return false,
            }
        }
    }

    /// The `default` of `id` or an alias on the way to its type.
    fn default_annotation(&self, mut id: SchemaId) -> Option<&'s serde_json::Value> {
        loop {
            let schema = self.schema(id);
            if let Some(d) = &schema.annotations.default {
                return Some(d);
            }
            match schema.kind {
                Kind::Ref(next) => id = next,
                _ => return None,
            }
        }
    }

    /// Whether a schema allows any JSON value.
    pub fn is_json_value(&self, id: SchemaId) -> bool {
        matches!(self.spec.types.kind(id), Kind::Any | Kind::Null)
    }

    /// The type of a value of `id`, `Option` included when it may be null.
    pub fn ty(&mut self, id: SchemaId, used: &Use) -> TypeRef {
        let base = self.base_ty(id, used);
        if self.nullable(id) && !self.is_json_value(id) {
            base.optional()
        } else {
            base
        }
    }

    /// The type ignoring top-level nullability.
    pub fn base_ty(&mut self, id: SchemaId, used: &Use) -> TypeRef {
        if let Some(core) = self.schema_override(id) {
            return TypeRef::Core(core);
        }
        let target = self.spec.types.target(id);
        match &self.schema(target).kind {
            Kind::Any | Kind::Null | Kind::Ref(_) => TypeRef::Json,
            Kind::Boolean => TypeRef::Bool,
            Kind::Integer { .. } => TypeRef::Int,
            Kind::Number { .. } => TypeRef::Float,
            Kind::Bytes => TypeRef::String,
            Kind::String(s) => {
                if s.enum_values.len() == 1 {
                    TypeRef::Fixed(self.fixed_value(&s.enum_values[0]))
                } else if s.enum_values.len() > 1 {
                    self.named(target, used)
                } else if let Some(core) = self.format_type(s.format.as_deref()) {
                    TypeRef::Core(core)
                } else {
                    TypeRef::String
                }
            }
            Kind::Array { items, .. } => {
                let role = item_role(&used.role);
                let item = self.item_ty(*items, &used.with_role(role));
                TypeRef::Vec(Box::new(item))
            }
            Kind::Tuple { items } => {
                let items = items.clone();
                let role = item_role(&used.role);
                TypeRef::Tuple(
                    items
                        .iter()
                        .map(|&i| self.ty(i, &used.with_role(role.clone())))
                        .collect(),
                )
            }
            Kind::Object(object) => {
                if !object.properties.is_empty() {
                    self.named(target, used)
                } else if let Some((key, value)) = self.map_parts(object, used) {
                    TypeRef::Map(Box::new(key), Box::new(value))
                } else {
                    TypeRef::JsonObject
                }
            }
            Kind::Union { variants, .. } => match self.union_override(variants) {
                Some(core) => TypeRef::Core(core),
                None => self.named(target, used),
            },
            Kind::Recursive(of) => {
                let inner = self.base_ty(*of, used);
                TypeRef::Box(Box::new(inner))
            }
        }
    }

    /// Array items and map values: events are kept as [`TypeRef::Raw`] so that one bad
    /// event does not fail the whole response.
    fn item_ty(&mut self, id: SchemaId, used: &Use) -> TypeRef {
        let ty = self.ty(id, used);
        if used.raw_ok && self.is_event(id) {
            TypeRef::Raw(Box::new(ty))
        } else {
            ty
        }
    }

    /// Whether a schema is an event: a whole file under `event-schemas/`, a client event,
    /// PDU or stripped state definition, or an object titled as an event (`…Event`, `PDU`,
    /// `Persistent Data Unit`, `Event Template`).
    pub fn is_event(&self, id: SchemaId) -> bool {
        let schema = self.schema(self.spec.types.target(id));
        if !matches!(schema.kind, Kind::Object(_)) {
            return false;
        }
        if let Some(title) = schema.annotations.title.as_deref().map(str::trim) {
            if title.ends_with("Event")
                || matches!(title, "PDU" | "Persistent Data Unit" | "Event Template")
            {
                return true;
            }
        }
        if !schema.location.pointer.is_empty() {
            return false;
        }
        let file = schema.location.file.to_string_lossy();
        let stem = schema
            .location
            .file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        (file.starts_with("event-schemas/schema/") && !file.contains("/components/"))
            || stem.contains("client_event")
            || stem.starts_with("pdu")
            || stem == "stripped_state"
            || stem.ends_with("room_event")
    }

    fn schema_override(&self, id: SchemaId) -> Option<String> {
        let target = self.schema(self.spec.types.target(id));
        if !target.location.pointer.is_empty() {
            return None;
        }
        let file = target.location.file.to_string_lossy();
        self.overrides.core_schemas.get(file.as_ref()).cloned()
    }

    fn format_type(&self, format: Option<&str>) -> Option<String> {
        self.overrides.formats.get(format?).cloned()
    }

    fn union_override(&self, variants: &[SchemaId]) -> Option<String> {
        let formats: Option<Vec<String>> = variants
            .iter()
            .map(|&v| match self.spec.types.kind(v) {
                Kind::String(s) if s.enum_values.is_empty() => s.format.clone(),
                _ => None,
            })
            .collect();
        self.overrides.unions.get(&formats?.join("|")).cloned()
    }

    /// Key and value types of an object that is a map.
    fn map_parts(&mut self, object: &ObjectType, used: &Use) -> Option<(TypeRef, TypeRef)> {
        let (key_format, value) = match (&object.additional, object.pattern_properties.as_slice()) {
            (_, [pattern, ..]) => (pattern.key_format.clone(), pattern.schema),
            (Additional::Schema(value), []) => (None, *value),
            _ => return None,
        };
        let key = self
            .format_type(key_format.as_deref())
            .map_or(TypeRef::String, TypeRef::Core);
        // Several patterns with different value types cannot share one map type.
        let same = object
            .pattern_properties
            .iter()
            .all(|p| self.rep(p.schema) == self.rep(value));
        let value = if same {
            let role = item_role(&used.role);
            self.item_ty(value, &used.with_role(role))
        } else {
            TypeRef::Json
        };
        Some((key, value))
    }

    /// The type standing for schema `id` (its class's), queued for definition.
    fn named(&mut self, id: SchemaId, used: &Use) -> TypeRef {
        let rep = self.rep(id);
        let type_id = match self.ids.get(&rep) {
            Some(&t) => t,
            None => {
                let t = self.new_slot(rep);
                self.ids.insert(rep, t);
                self.pending.push_back(t);
                t
            }
        };
        let slot = &mut self.slots[type_id.0];
        slot.referrers.insert(used.referrer);
        if slot.first_use.is_none() {
            slot.first_use = Some((used.owner.clone(), used.role.clone()));
            if slot.source == Source::Role {
                slot.preferred = used.role.clone();
            }
        }
        TypeRef::Named(type_id)
    }

    fn new_slot(&mut self, rep: SchemaId) -> TypeId {
        let schema = self.schema(rep);
        let location = format!(
            "{}#{}",
            schema.location.file.display(),
            schema.location.pointer
        );
        let file_name = file_name(&schema.location.file, &schema.location.pointer);
        let (source, preferred) = if let Some(name) = self.overrides.names.get(&location) {
            (Source::Override, name.clone())
        } else if let Some(name) = self.event_names.get(&rep) {
            (Source::Event, name.clone())
        } else if let Some(title) = schema
            .annotations
            .title
            .as_deref()
            .filter(|t| t.split_whitespace().count() <= 4)
            .map(names::camel)
        {
            (Source::Title, title)
        } else if let Some(name) = &file_name {
            (Source::File, name.clone())
        } else {
            (Source::Role, String::new())
        };
        let id = TypeId(self.slots.len());
        self.slots.push(Slot {
            schema: Some(rep),
            kind: None,
            doc: schema
                .annotations
                .description
                .clone()
                .or_else(|| schema.annotations.title.clone()),
            deprecated: schema
                .annotations
                .deprecated
                .then(|| deprecation_note(schema.annotations.description.as_deref())),
            source,
            preferred,
            file_name,
            first_use: None,
            referrers: BTreeSet::new(),
        });
        id
    }

    /// Adds a type that no schema stands for (a dispatch enum's parts), named `name`.
    pub fn add_type(
        &mut self,
        name: &str,
        referrer: Referrer,
        doc: Option<String>,
        kind: TypeKind,
    ) -> TypeId {
        let id = TypeId(self.slots.len());
        self.slots.push(Slot {
            schema: None,
            kind: Some(kind),
            doc,
            deprecated: None,
            source: Source::Added,
            preferred: name.to_owned(),
            file_name: None,
            first_use: None,
            referrers: BTreeSet::from([referrer]),
        });
        id
    }

    /// Names a type as an override would (a schema whose type becomes a declared enum).
    pub fn rename(&mut self, id: TypeId, name: &str) {
        let slot = &mut self.slots[id.0];
        slot.source = Source::Override;
        slot.preferred = name.to_owned();
    }

    /// Replaces the definition of a type (a schema whose type becomes a dispatch enum).
    pub fn set_kind(&mut self, id: TypeId, kind: TypeKind) {
        self.slots[id.0].kind = Some(kind);
    }

    /// Whether schema `id` is its own class's representative (no other schema of the
    /// same shape stands for it).
    pub fn stands_for_itself(&self, id: SchemaId) -> bool {
        self.rep(id) == self.spec.types.target(id)
    }

    /// The field name for a value of schema `id` when it is a named type: its title or
    /// file name in snake case (`Filter` → `filter`).
    pub fn schema_field_name(&self, id: SchemaId) -> Option<String> {
        let schema = self.schema(self.rep(id));
        schema
            .annotations
            .title
            .as_deref()
            .filter(|t| t.split_whitespace().count() <= 4)
            .map(names::snake)
            .or_else(|| {
                file_name(&schema.location.file, &schema.location.pointer).map(|n| names::snake(&n))
            })
    }

    /// The type of schema `id` if one was made.
    pub fn type_of(&self, id: SchemaId) -> Option<TypeId> {
        self.ids.get(&self.rep(id)).copied()
    }

    fn fixed_value(&mut self, value: &str) -> usize {
        if let Some(&i) = self.fixed.get(value) {
            return i;
        }
        let name = self.fixed_names.claim(&names::camel(value), "");
        let index = self.fixed_list.len();
        self.fixed_list.push(Fixed {
            name,
            value: value.to_owned(),
        });
        self.fixed.insert(value.to_owned(), index);
        index
    }

    /// Defines every queued type (and those their definitions reach).
    pub fn define_pending(&mut self) {
        while let Some(id) = self.pending.pop_front() {
            if self.slots[id.0].kind.is_some() {
                continue;
            }
            let Some(schema) = self.slots[id.0].schema else {
                continue;
            };
            let kind = self.definition(id, schema);
            if self.slots[id.0].kind.is_none() {
                self.slots[id.0].kind = Some(kind);
            }
        }
    }

    fn definition(&mut self, id: TypeId, schema_id: SchemaId) -> TypeKind {
        let schema = self.schema(schema_id);
        if let Some(kind) = (self.dispatch)(self, id, schema_id) {
            return kind;
        }
        match &schema.kind {
            Kind::Object(object) => {
                let used = Use {
                    referrer: Referrer::Type(id),
                    owner: Owner::Type(id),
                    role: String::new(),
                    raw_ok: !self.buffered.contains(&schema_id),
                };
                TypeKind::Struct(self.object_struct(object, Some(schema_id), &used, &[]))
            }
            Kind::String(s) => TypeKind::StringEnum(enum_values(&s.enum_values)),
            Kind::Union { variants, .. } => {
                let variants = variants.clone();
                TypeKind::Union(self.union_variants(id, &variants))
            }
            _ => TypeKind::Struct(Struct::default()),
        }
    }

    /// The members of `object` (the schema `owner`) as fields; Rust names in `taken` are
    /// avoided. `used` says who holds them.
    pub fn object_struct(
        &mut self,
        object: &ObjectType,
        owner: Option<SchemaId>,
        used: &Use,
        taken: &[String],
    ) -> Struct {
        let owner = owner.map(|id| self.rep(id));
        let keeps_unknown = owner.is_some_and(|id| self.event_family.contains(&id));
        let raw_ok = !owner.is_some_and(|id| self.buffered.contains(&id));
        let used = Use {
            raw_ok,
            ..used.clone()
        };
        let mut fields = Vec::new();
        let field_names = field_names(object.properties.iter().map(|p| p.name.as_str()), taken);
        for (property, name) in object.properties.iter().zip(field_names) {
            let field = self.field(property, name, &used);
            fields.push(field);
        }
        let mut namespace = Namespace::with_reserved(
            taken
                .iter()
                .map(String::as_str)
                .chain(fields.iter().map(|f| f.name.as_str())),
        );
        let extra = match self.extra_value(object, &used) {
            None if keeps_unknown && object.additional != Additional::Forbidden => {
                Some(TypeRef::Json)
            }
            other => other,
        };
        let extra = extra.map(|value| (namespace.claim("additional_properties", "_"), value));
        Struct {
            fields,
            extra,
            flattened: None,
        }
    }

    /// A field for a member of an object.
    pub fn field(&mut self, property: &Property, name: String, used: &Use) -> Field {
        let schema = property.schema;
        let role = names::camel(&names::field(&property.name));
        let member_use = used.with_role(role);
        let doc = self.description(schema).map(str::to_owned);
        let nullable = self.nullable(schema) && !self.is_json_value(schema);
        let mut ty = self.base_ty(schema, &member_use);
        if ty == TypeRef::Int && is_duration(&property.name, doc.as_deref()) {
            ty = TypeRef::Duration;
        }
        let presence = match (property.required, nullable) {
            (true, false) => Presence::Required,
            (true, true) => Presence::RequiredNullable,
            (false, true) => Presence::OptionalNullable,
            (false, false) if self.is_json_value(schema) => Presence::OptionalValue,
            (false, false) => self.optional_presence(&ty, schema, doc.as_deref()),
        };
        Field {
            secret: self.overrides.is_secret(&property.name) && ty == TypeRef::String,
            deprecated: self
                .deprecated(schema)
                .then(|| deprecation_note(doc.as_deref())),
            name,
            json: property.name.clone(),
            ty,
            presence,
            doc,
        }
    }

    /// `Defaulted` for an optional member with a default, else `Optional`.
    pub fn optional_presence(&self, ty: &TypeRef, schema: SchemaId, doc: Option<&str>) -> Presence {
        if let Some(default) = self.default_value(ty, schema, doc) {
            return Presence::Defaulted(default);
        }
        let empty_by_default = match ty {
            t if t.is_collection() => true,
            TypeRef::Named(_) => self.all_optional_object(schema),
            _ => false,
        };
        if empty_by_default && !absence_has_meaning(doc) {
            Presence::Defaulted(DefaultValue::Empty)
        } else {
            Presence::Optional
        }
    }

    /// The presence of an optional member of type `ty` the spec describes only in prose:
    /// collections default to empty.
    pub fn optional_presence_for(&self, ty: &TypeRef) -> Presence {
        if ty.is_collection() {
            Presence::Defaulted(DefaultValue::Empty)
        } else {
            Presence::Optional
        }
    }

    /// Whether `schema` is an object whose members may all be absent (its struct has a
    /// `Default`).
    fn all_optional_object(&self, schema: SchemaId) -> bool {
        let rep = self.rep(schema);
        if self.overrides.dispatch_for(self.spec, rep).is_some() {
            return false;
        }
        match &self.schema(rep).kind {
            Kind::Object(o) => {
                !o.properties.is_empty()
                    && o.properties
                        .iter()
                        .all(|p| !p.required && !self.is_fixed(p.schema))
            }
            _ => false,
        }
    }

    fn is_fixed(&self, id: SchemaId) -> bool {
        matches!(self.spec.types.kind(id), Kind::String(s) if s.enum_values.len() == 1)
    }

    /// The spec's default for a member of type `ty`, when it gives one this type can hold.
    fn default_value(
        &self,
        ty: &TypeRef,
        schema: SchemaId,
        doc: Option<&str>,
    ) -> Option<DefaultValue> {
        let literal = match self.default_annotation(schema) {
            Some(serde_json::Value::Bool(b)) => b.to_string(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(_) => return None,
            None => prose_default(doc?)?,
        };
        match ty {
            TypeRef::Bool => literal.parse().ok().map(DefaultValue::Bool),
            TypeRef::Int => literal.parse().ok().map(DefaultValue::Int),
            TypeRef::Duration => literal.parse().ok().map(DefaultValue::Millis),
            TypeRef::Named(_) => {
                let Kind::String(s) = self.spec.types.kind(schema) else {
                    return None;
                };
                let index = s.enum_values.iter().position(|v| *v == literal)?;
                Some(DefaultValue::Variant(
                    enum_values(&s.enum_values)[index].name.clone(),
                ))
            }
            _ => None,
        }
    }

    /// The value type of members beyond the named ones, for open objects.
    fn extra_value(&mut self, object: &ObjectType, used: &Use) -> Option<TypeRef> {
        let role = used.with_role(String::from("Value"));
        Some(
            match (&object.additional, object.pattern_properties.as_slice()) {
                (Additional::Schema(value), _) => self.item_ty(*value, &role),
                (_, [pattern]) => self.item_ty(pattern.schema, &role),
                (Additional::Any, _) | (_, [_, _, ..]) => TypeRef::Json,
                (Additional::Unspecified | Additional::Forbidden, []) => return None,
            },
        )
    }

    fn union_variants(&mut self, id: TypeId, variants: &[SchemaId]) -> Vec<UnionVariant> {
        // Variants are tried in order: specific shapes first, catch-alls last.
        let mut ordered: Vec<(usize, SchemaId)> =
            variants.iter().map(|&v| (self.generality(v), v)).collect();
        ordered.sort_by_key(|(g, _)| *g);
        let mut namespace = Namespace::default();
        let mut out = Vec::new();
        for (_, variant) in ordered {
            let used = Use {
                referrer: Referrer::Type(id),
                owner: Owner::Type(id),
                role: "Object".to_owned(),
                raw_ok: false,
            };
            let ty = self.ty(variant, &used);
            let name = namespace.claim(&self.variant_name(variant, &ty), "");
            out.push(UnionVariant {
                name,
                ty,
                doc: self.description(variant).map(str::to_owned),
            });
        }
        out
    }

    /// 0 for shapes that reject most values, 3 for ones that accept anything.
    fn generality(&self, id: SchemaId) -> usize {
        match self.spec.types.kind(id) {
            Kind::Any | Kind::Null => 3,
            Kind::Object(o) if o.properties.is_empty() => 2,
            Kind::String(s)
                if s.enum_values.is_empty() && self.format_type(s.format.as_deref()).is_none() =>
            {
                1
            }
            _ => 0,
        }
    }

    fn variant_name(&self, id: SchemaId, ty: &TypeRef) -> String {
        let target = self.spec.types.target(id);
        let schema = self.schema(target);
        if let TypeRef::Named(_) = ty {
            if let Some(title) = schema
                .annotations
                .title
                .as_deref()
                .filter(|t| t.split_whitespace().count() <= 4)
            {
                return names::camel(title);
            }
            if let Some(name) = file_name(&schema.location.file, &schema.location.pointer) {
                return name;
            }
        }
        match (&schema.kind, ty) {
            (_, TypeRef::Core(name)) => name.clone(),
            (Kind::String(_), _) => "String".into(),
            (Kind::Integer { .. }, _) => "Integer".into(),
            (Kind::Number { .. }, _) => "Number".into(),
            (Kind::Boolean, _) => "Boolean".into(),
            (Kind::Array { .. } | Kind::Tuple { .. }, _) => "Array".into(),
            (Kind::Object(_), _) => "Object".into(),
            _ => "Value".into(),
        }
    }

    /// Defines everything still pending, then decides homes and names.
    pub fn finish(mut self) -> Finished {
        self.define_pending();
        let homes = self.homes();
        let names = self.names(&homes);
        let mut schema_types = BTreeMap::new();
        for (schema, &id) in &self.ids {
            schema_types.insert(*schema, id);
        }
        // Every schema of a class maps to the class's type.
        for (id, _) in self.spec.types.iter() {
            if let Some(&t) = self.ids.get(&self.rep(id)) {
                schema_types.insert(id, t);
            }
        }
        let types = self
            .slots
            .into_iter()
            .zip(homes)
            .zip(names)
            .map(|((slot, home), name)| TypeDef {
                name,
                home,
                doc: slot.doc,
                deprecated: slot.deprecated,
                schema: slot.schema,
                kind: slot.kind.unwrap_or(TypeKind::Struct(Struct::default())),
            })
            .collect();
        Finished {
            types,
            fixed: self.fixed_list,
            schema_types,
        }
    }

    /// The module of each type (see the module docs).
    fn homes(&self) -> Vec<Home> {
        let named_by_spec =
            |slot: &Slot| matches!(slot.source, Source::Override | Source::Event | Source::File);
        // Origins: the operations (or `None` for shared use) each type is reached from.
        let mut origins: Vec<BTreeSet<Option<usize>>> = vec![BTreeSet::new(); self.slots.len()];
        let mut changed = true;
        while changed {
            changed = false;
            for (i, slot) in self.slots.iter().enumerate() {
                let mut next = origins[i].clone();
                for referrer in &slot.referrers {
                    match referrer {
                        Referrer::Operation(op) => {
                            next.insert(Some(*op));
                        }
                        Referrer::Shared => {
                            next.insert(None);
                        }
                        Referrer::Type(parent) => {
                            if named_by_spec(&self.slots[parent.0]) {
                                next.insert(None);
                            } else {
                                next.extend(origins[parent.0].iter().copied());
                            }
                        }
                    }
                }
                if next != origins[i] {
                    origins[i] = next;
                    changed = true;
                }
            }
        }
        self.slots
            .iter()
            .zip(origins)
            .map(|(slot, origins)| {
                let only: Vec<Option<usize>> = origins.into_iter().collect();
                match only.as_slice() {
                    [Some(op)] if !named_by_spec(slot) => Home::Operation(*op),
                    _ => Home::Types,
                }
            })
            .collect()
    }

    /// The name of each type (see the module docs).
    fn names(&self, homes: &[Home]) -> Vec<String> {
        // Preferred names that several types of one module want.
        let mut wanted: HashMap<(Home, String), usize> = HashMap::new();
        for (slot, home) in self.slots.iter().zip(homes) {
            *wanted.entry((*home, self.preferred(slot))).or_default() += 1;
        }
        let mut namespaces: HashMap<Home, Namespace> = HashMap::new();
        let mut names: Vec<String> = Vec::with_capacity(self.slots.len());
        for (slot, home) in self.slots.iter().zip(homes) {
            let preferred = self.preferred(slot);
            let contested = wanted
                .get(&(*home, preferred.clone()))
                .copied()
                .unwrap_or(0)
                > 1
                || reserved(*home).contains(&preferred.as_str());
            let base = if contested && slot.source >= Source::Title {
                self.longer_name(slot, &names, *home)
            } else {
                preferred
            };
            let namespace = namespaces
                .entry(*home)
                .or_insert_with(|| Namespace::with_reserved(reserved(*home)));
            names.push(namespace.claim(&base, ""));
        }
        names
    }

    fn preferred(&self, slot: &Slot) -> String {
        if slot.preferred.is_empty() {
            "Object".to_owned()
        } else {
            slot.preferred.clone()
        }
    }

    /// The longer form of a contested name: a title's file name, else the holder's name
    /// and the role; never the contested name itself.
    fn longer_name(&self, slot: &Slot, named: &[String], home: Home) -> String {
        let preferred = self.preferred(slot);
        let file = (slot.source == Source::Title)
            .then(|| slot.file_name.clone())
            .flatten();
        let held = slot.first_use.as_ref().map(|(owner, role)| {
            let owner = match owner {
                Owner::Type(parent) => named.get(parent.0).cloned().unwrap_or_default(),
                Owner::Named(name) => name.clone(),
            };
            let role = if role.is_empty() { "Object" } else { role };
            if slot.source == Source::Role {
                format!("{owner}{role}")
            } else {
                format!("{owner}{preferred}")
            }
        });
        file.into_iter()
            .chain(held)
            .find(|name| *name != preferred && !reserved(home).contains(&name.as_str()))
            .unwrap_or(preferred)
    }
}

/// Content schemas that several event types share.
pub fn shared_contents(spec: &Spec) -> BTreeSet<crate::ir::SchemaId> {
    let mut count: BTreeMap<crate::ir::SchemaId, usize> = BTreeMap::new();
    for event in spec
        .events
        .iter()
        .filter(|e| e.kind != EventKind::Component && e.variant.is_none())
    {
        if let Some(content) = event.content {
            *count.entry(spec.types.target(content)).or_default() += 1;
        }
    }
    count
        .into_iter()
        .filter_map(|(id, n)| (n > 1).then_some(id))
        .collect()
}

/// Names no generated type may take in a module: what the printer spells there.
fn reserved(home: Home) -> Vec<&'static str> {
    let mut names = vec![
        "Option",
        "Some",
        "None",
        "Result",
        "Ok",
        "Err",
        "String",
        "Vec",
        "Box",
        "Default",
        "Duration",
        "BTreeMap",
        "JsonObject",
        "Raw",
        "Value",
        "Self",
        "Request",
        "Response",
        "Error",
    ];
    if let Home::Operation(_) = home {
        names.extend(["RequestBody", "ResponseBody", "METADATA"]);
    }
    names
}

/// The role of an array's items or a map's values: the singular of the holder's role
/// (`Rooms` → `Room`); a role that is not a plural stays.
fn item_role(role: &str) -> String {
    names::singular(role).unwrap_or_else(|| role.to_owned())
}

/// Struct field names for JSON keys: [`names::field`], or the key in full where that
/// clashes, unique, avoiding `taken`.
pub fn field_names<'a>(
    keys: impl Iterator<Item = &'a str> + Clone,
    taken: &[String],
) -> Vec<String> {
    let short: Vec<String> = keys.clone().map(names::field).collect();
    let mut namespace = Namespace::with_reserved(taken.iter().map(String::as_str));
    keys.zip(&short)
        .map(|(key, name)| {
            let clashes = short.iter().filter(|s| *s == name).count() > 1;
            let base = if clashes {
                names::field_in_full(key)
            } else {
                name.clone()
            };
            namespace.claim(&base, "_")
        })
        .collect()
}

/// Variants for string enum values.
pub fn enum_values(values: &[String]) -> Vec<EnumValue> {
    let mut namespace = Namespace::with_reserved(["Other"]);
    values
        .iter()
        .map(|value| EnumValue {
            name: namespace.claim(&names::camel(value), ""),
            value: value.clone(),
        })
        .collect()
}

/// A name from the file a schema is the root of, or its `components` key.
fn file_name(file: &std::path::Path, pointer: &str) -> Option<String> {
    if pointer.is_empty() {
        let stem = file.file_stem()?.to_string_lossy();
        return Some(names::camel(&stem));
    }
    let key = pointer.strip_prefix("/components/schemas/")?;
    (!key.contains('/')).then(|| names::camel(key))
}

/// The `#[deprecated]` note: the description's sentence about the deprecation, else a
/// plain note.
pub fn deprecation_note(doc: Option<&str>) -> String {
    doc.and_then(|d| {
        d.split_inclusive(". ")
            .find(|s| s.to_ascii_lowercase().contains("deprecat"))
            .map(|s| s.trim().replace('\n', " "))
    })
    .unwrap_or_else(|| "deprecated by the Matrix specification".to_owned())
}

/// Whether an integer member is a duration in milliseconds (see the module docs).
pub fn is_duration(name: &str, doc: Option<&str>) -> bool {
    let doc = doc.unwrap_or_default().to_ascii_lowercase();
    let timestamp = name.ends_with("ts")
        || doc.contains("timestamp")
        || doc.contains("since the epoch")
        || doc.contains("since the unix epoch")
        || doc.contains("posix");
    (name.ends_with("_ms") || doc.contains("millisecond")) && !timestamp
}

/// Whether a description says what it means when the member is absent.
fn absence_has_meaning(doc: Option<&str>) -> bool {
    let doc = doc.unwrap_or_default().to_ascii_lowercase();
    [
        "absent",
        "omitted",
        "not present",
        "not provided",
        "not included",
        "not specified",
        "not given",
        "missing",
        "not set",
    ]
    .iter()
    .any(|phrase| doc.contains(phrase))
}

/// The literal after "defaults to" / "the default is" / "by default, this is" in a
/// description.
pub fn prose_default(doc: &str) -> Option<String> {
    let lower = doc.to_ascii_lowercase();
    let phrases = [
        "defaults to ",
        "default is ",
        "default value is ",
        "by default, this is ",
        "by default this is ",
    ];
    let start = phrases
        .iter()
        .filter_map(|p| lower.find(p).map(|i| i + p.len()))
        .min()?;
    let word: String = doc[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ';' | ')'))
        .collect();
    let word = word.trim_end_matches('.').trim_matches(['`', '"', '\'']);
    (!word.is_empty()).then(|| word.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_read_from_prose() {
        assert_eq!(
            prose_default("Include rooms. Defaults to `false`.").as_deref(),
            Some("false")
        );
        assert_eq!(
            prose_default("The level. Defaults to 50 if unspecified.").as_deref(),
            Some("50")
        );
        assert_eq!(
            prose_default("Defaults to the empty string.").as_deref(),
            Some("the")
        );
        assert_eq!(prose_default("No default here."), None);
    }

    #[test]
    fn durations_are_not_timestamps() {
        assert!(is_duration(
            "timeout",
            Some("The maximum time to wait, in milliseconds.")
        ));
        assert!(is_duration("retry_after_ms", None));
        assert!(!is_duration(
            "origin_server_ts",
            Some("Timestamp in milliseconds on originating homeserver")
        ));
        assert!(!is_duration("limit", Some("The maximum number of events.")));
    }

    #[test]
    fn field_names_avoid_clashes() {
        let names = field_names(["m.relates_to", "relates_to", "type"].into_iter(), &[]);
        assert_eq!(names, ["m_relates_to", "relates_to", "type"]);
        let names = field_names(["m.mentions", "body"].into_iter(), &["body".to_owned()]);
        assert_eq!(names, ["mentions", "body_2"]);
    }
}
