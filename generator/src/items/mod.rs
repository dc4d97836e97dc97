//! The Rust-item layer: every item an API crate will contain, decided once, between the IR
//! and the printers.
//!
//! [`build`] reads the IR of one spec version and decides, for one API: the module of every
//! operation (grouped as the spec groups them), the name of every type and where it lives,
//! every field with its Rust name, type and presence (required, optional, nullable, or
//! defaulted with the spec's default), every enum and its variants (string enums, untagged
//! unions, and tagged enums that dispatch on a field), deprecation, secrets, the path
//! history of every operation, and the helpers that apply. The printer in `emit` turns this
//! model into tokens and never decides a name; the spec diff reads the same model to name
//! the item a change touches.
//!
//! Invariants: the model holds no Rust tokens; every name in it is a valid, unique
//! identifier in its namespace; the same IR gives the same model.

pub mod dispatch;
pub mod events;
pub mod groups;
pub mod history;
pub mod names;
pub mod operations;
pub mod overrides;
pub mod shapes;
pub mod types;

use std::collections::BTreeMap;

use crate::ir::{Api, Method, ParamLocation, SchemaId, Spec, StatusCode};

pub use self::overrides::{ItemOverrides, OverrideError};

/// Every item of one API crate.
#[derive(Debug, Clone)]
pub struct ApiItems {
    /// The API.
    pub api: Api,
    /// The spec version (`v1.19`).
    pub version: String,
    /// Where spec prose links point.
    pub site: DocSite,
    /// Operation groups (modules), in the order they are printed.
    pub groups: Vec<Group>,
    /// Operations, in the spec's order.
    pub operations: Vec<OperationItem>,
    /// Every type definition, addressed by [`TypeId`].
    pub types: Vec<TypeDef>,
    /// Event types of this API (client-server events, server-server EDUs).
    pub events: Option<EventsModule>,
    /// Fixed values (single-value string enums), by value.
    pub fixed: Vec<Fixed>,
    /// Hand-written helper templates that apply (their items all exist).
    pub helpers: Vec<String>,
    /// The type each schema became, for the schemas that became named types.
    pub schema_types: BTreeMap<SchemaId, TypeId>,
    /// Component and core event schemas whose examples are checked: file → type.
    pub components: Vec<(String, TypeRef)>,
}

impl ApiItems {
    /// The definition of a type.
    pub fn def(&self, id: TypeId) -> &TypeDef {
        &self.types[id.0]
    }

    /// The crate name (`matrix-client-server-api`).
    pub fn crate_name(&self) -> String {
        format!("matrix-{}-api", self.api.dir_name())
    }

    /// The path of a type inside the crate (`types::Filter`, `membership::join_room::Foo`).
    pub fn type_path(&self, id: TypeId) -> String {
        let def = self.def(id);
        match def.home {
            Home::Types => format!("types::{}", def.name),
            Home::Operation(op) => format!("{}::{}", self.operation_path(op), def.name),
        }
    }

    /// The path of an operation's module (`membership::join_room`).
    pub fn operation_path(&self, op: usize) -> String {
        let op = &self.operations[op];
        format!("{}::{}", self.groups[op.group].module, op.module)
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, operation_id: &str) -> Option<(usize, &OperationItem)> {
        self.operations
            .iter()
            .enumerate()
            .find(|(_, op)| op.operation_id == operation_id)
    }
}

/// Where relative links in spec prose point.
#[derive(Debug, Clone)]
pub struct DocSite {
    /// `https://spec.matrix.org/v1.19`.
    pub site: String,
    /// The API's page, for `#anchor` links.
    pub page: String,
}

/// A module of operations.
#[derive(Debug, Clone)]
pub struct Group {
    /// The module name (`membership`).
    pub module: String,
    /// What the spec calls it (`Room membership`).
    pub title: String,
    /// The spec section it documents, as a URL.
    pub link: Option<String>,
}

/// Index of a type in [`ApiItems::types`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub usize);

/// The module a type is defined in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Home {
    /// `types`: named in the spec, or used from several places.
    Types,
    /// The module of the operation (by index) that alone uses it.
    Operation(usize),
}

/// A Rust type expression.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeRef {
    /// `bool`.
    Bool,
    /// `i64`.
    Int,
    /// `f64`.
    Float,
    /// `String`.
    String,
    /// `serde_json::Value`: any JSON.
    Json,
    /// `JsonObject`: any JSON object.
    JsonObject,
    /// A type of `matrix_api_core` (`UserId`, `MatrixError`).
    Core(String),
    /// A generic type of `matrix_api_core` over one type (`IdOrInline<Filter>`).
    CoreOf(String, Box<TypeRef>),
    /// A generated type.
    Named(TypeId),
    /// A fixed value of the `fixed` module, by index into [`ApiItems::fixed`].
    Fixed(usize),
    /// `Vec<T>`.
    Vec(Box<TypeRef>),
    /// `BTreeMap<K, V>`.
    Map(Box<TypeRef>, Box<TypeRef>),
    /// A tuple.
    Tuple(Vec<TypeRef>),
    /// `Option<T>`.
    Option(Box<TypeRef>),
    /// `Box<T>` (recursion).
    Box(Box<TypeRef>),
    /// `Raw<T>`: JSON kept as text until asked for.
    Raw(Box<TypeRef>),
    /// `Duration`, an integer of milliseconds on the wire.
    Duration,
    /// `Vec<u8>`: a body's bytes.
    Bytes,
}

impl TypeRef {
    /// `Option<self>`.
    pub fn optional(self) -> TypeRef {
        TypeRef::Option(Box::new(self))
    }

    /// Whether the type is a collection that is empty by default.
    pub fn is_collection(&self) -> bool {
        matches!(
            self,
            TypeRef::Vec(_) | TypeRef::Map(..) | TypeRef::JsonObject | TypeRef::Bytes
        )
    }
}

/// A type definition.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// Its name, unique in its home module.
    pub name: String,
    /// Where it is defined.
    pub home: Home,
    /// Documentation (spec Markdown).
    pub doc: Option<String>,
    /// `#[deprecated]` note, when the spec deprecates it.
    pub deprecated: Option<String>,
    /// The schema it was made from (none for types the generator adds, such as the
    /// variants of a dispatch enum the spec describes in prose).
    pub schema: Option<SchemaId>,
    /// What it is.
    pub kind: TypeKind,
}

/// The kinds of type definitions.
#[derive(Debug, Clone)]
pub enum TypeKind {
    /// A struct for a JSON object.
    Struct(Struct),
    /// An open string enum (unknown values kept in `Other`).
    StringEnum(Vec<EnumValue>),
    /// An untagged union: variants tried in order.
    Union(Vec<UnionVariant>),
    /// An enum chosen by the value of one member of a JSON object.
    Tagged(Tagged),
    /// A struct around another type, with the same JSON (one event type's content when
    /// several event types share a schema).
    Newtype(TypeRef),
}

/// A value of a string enum.
#[derive(Debug, Clone)]
pub struct EnumValue {
    /// The variant.
    pub name: String,
    /// The string on the wire.
    pub value: String,
}

/// A variant of an untagged union.
#[derive(Debug, Clone)]
pub struct UnionVariant {
    /// The variant.
    pub name: String,
    /// Its payload.
    pub ty: TypeRef,
    /// Documentation.
    pub doc: Option<String>,
}

/// An enum over the values of a tag member (`msgtype`, `type`, `kind`).
#[derive(Debug, Clone)]
pub struct Tagged {
    /// The JSON member that chooses the variant.
    pub tag: String,
    /// Known values.
    pub variants: Vec<TaggedVariant>,
    /// What holds the values the spec does not define.
    pub fallback: Fallback,
    /// Whether the variants' structs have the tag as a member of their own (else the
    /// enum writes and reads it).
    pub tag_in_variant: bool,
}

/// A known value of a tagged enum.
#[derive(Debug, Clone)]
pub struct TaggedVariant {
    /// The tag's value.
    pub value: String,
    /// The variant.
    pub name: String,
    /// The struct of the variant's members (the tag included when the struct has it).
    pub ty: TypeId,
}

/// The variant of a tagged enum for tag values the spec does not define.
#[derive(Debug, Clone)]
pub enum Fallback {
    /// `Other(JsonObject)`: the whole object, tag included.
    Object,
    /// `Other(T)`: the spec's general schema for any value of the tag.
    Struct(TypeId),
}

/// The members of a JSON object as struct fields.
#[derive(Debug, Clone, Default)]
pub struct Struct {
    /// Named members, in the spec's order.
    pub fields: Vec<Field>,
    /// Other members, kept: the field name and the values' type.
    pub extra: Option<(String, TypeRef)>,
    /// A tagged enum whose members sit beside the fields in the same object.
    pub flattened: Option<FlattenedEnum>,
}

impl Struct {
    /// Whether every member may be absent, so that the struct has a `Default`.
    pub fn all_optional(&self) -> bool {
        self.flattened.is_none() && self.fields.iter().all(|f| !f.presence.is_required())
    }
}

/// A tagged enum flattened into a struct (the login request's `type` and its members).
#[derive(Debug, Clone)]
pub struct FlattenedEnum {
    /// The Rust field holding it.
    pub name: String,
    /// The tagged enum.
    pub ty: TypeId,
    /// Documentation.
    pub doc: Option<String>,
}

/// The kinds of event contents (which trait the content implements).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentKind {
    /// A message-like room event.
    MessageLike,
    /// A state event.
    State,
    /// Account data, ephemeral and to-device events.
    Other,
    /// A server-server EDU.
    Edu,
}

/// A struct field for a JSON member or a parameter.
#[derive(Debug, Clone)]
pub struct Field {
    /// The Rust field.
    pub name: String,
    /// The JSON key or parameter name.
    pub json: String,
    /// Its type, without the `Option`s that [`Field::presence`] adds.
    pub ty: TypeRef,
    /// Required, optional, nullable or defaulted.
    pub presence: Presence,
    /// Documentation.
    pub doc: Option<String>,
    /// `#[deprecated]` note.
    pub deprecated: Option<String>,
    /// A password, token or key: kept out of `Debug` output.
    pub secret: bool,
}

impl Field {
    /// The field's full Rust type.
    pub fn rust_type(&self) -> TypeRef {
        match &self.presence {
            Presence::Required | Presence::Defaulted(_) => self.ty.clone(),
            Presence::RequiredNullable | Presence::Optional | Presence::OptionalValue => {
                self.ty.clone().optional()
            }
            Presence::OptionalNullable => self.ty.clone().optional().optional(),
        }
    }
}

/// Whether a member must be present, may be `null`, or has a default.
#[derive(Debug, Clone, PartialEq)]
pub enum Presence {
    /// Present, not null: `T`.
    Required,
    /// Present, possibly null: `Option<T>`.
    RequiredNullable,
    /// May be absent; `null` reads as absent: `Option<T>`.
    Optional,
    /// May be absent or null, and the two differ: `Option<Option<T>>`.
    OptionalNullable,
    /// May be absent; any JSON value including `null`: `Option<serde_json::Value>`.
    OptionalValue,
    /// May be absent, meaning the default: `T`, filled in when absent and written only
    /// when it differs.
    Defaulted(DefaultValue),
}

impl Presence {
    /// Whether the member must be given.
    pub fn is_required(&self) -> bool {
        matches!(self, Presence::Required | Presence::RequiredNullable)
    }
}

/// A member's default.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// The type's `Default` (empty collections, structs whose members are all absent);
    /// written when not empty.
    Empty,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A variant of a string enum.
    Variant(String),
    /// A duration in milliseconds.
    Millis(u64),
}

/// A fixed value: a type that is always one string.
#[derive(Debug, Clone)]
pub struct Fixed {
    /// The type's name in `fixed`.
    pub name: String,
    /// The value.
    pub value: String,
}

/// One operation's module.
#[derive(Debug, Clone)]
pub struct OperationItem {
    /// The module name, unique in the API (`join_room`).
    pub module: String,
    /// The group it is in (index into [`ApiItems::groups`]).
    pub group: usize,
    /// The spec's `operationId`.
    pub operation_id: String,
    /// HTTP method.
    pub method: Method,
    /// The current path template.
    pub path: String,
    /// Every path the operation has had: `(release, path)`, oldest first, each with the
    /// first release that spells it.
    pub history: Vec<(Release, String)>,
    /// Summary line.
    pub summary: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Link to the operation in the spec.
    pub link: String,
    /// `#[deprecated]` note, when deprecated.
    pub deprecated: Option<String>,
    /// The Matrix version that added it.
    pub added_in: Option<String>,
    /// Authentication.
    pub auth: crate::ir::AuthKind,
    /// Whether it may answer 429.
    pub rate_limited: bool,
    /// The request.
    pub request: RequestItem,
    /// Success responses (one, several, or none documented).
    pub responses: Vec<ResponseItem>,
    /// Documented error statuses.
    pub errors: Vec<ErrorVariant>,
    /// The answer a mock server gives: the first documented success with the spec's
    /// example.
    pub mock: Option<MockAnswer>,
}

/// A success response from the spec's example.
#[derive(Debug, Clone, PartialEq)]
pub struct MockAnswer {
    /// The status.
    pub status: u16,
    /// The body: JSON text (the example, or `{}` where the spec has none), or bytes of a
    /// media type.
    pub body: MockBody,
}

/// The body of a mock answer.
#[derive(Debug, Clone, PartialEq)]
pub enum MockBody {
    /// No body.
    None,
    /// JSON text.
    Json(String),
    /// Bytes of this media type (the spec has no example bytes: an empty body).
    Bytes(String),
}

/// A spec release as `(major, minor, patch)`: `r0.6.1` is `(0, 6, 1)`, `v1.19` is
/// `(1, 19, 0)`.
pub type Release = (u16, u16, u16);

/// The request of an operation.
#[derive(Debug, Clone)]
pub struct RequestItem {
    /// Path, query and header parameters (path parameters first, in template order).
    pub params: Vec<Param>,
    /// The body.
    pub body: BodyItem,
    /// The parameter that is the event type of the body's content (`eventType`,
    /// account data's `type`), so that `new` takes typed content.
    pub content_type_param: Option<usize>,
}

impl RequestItem {
    /// The body's members when they are the whole request (no parameters): the `Request`
    /// struct is then the JSON object itself, with no separate wire struct.
    pub fn whole_body(&self) -> Option<&Struct> {
        match &self.body {
            BodyItem::Fields(body) if self.params.is_empty() => Some(body),
            _ => None,
        }
    }
}

/// A path, query or header parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// The field (its `json` is the parameter's name).
    pub field: Field,
    /// Where it goes.
    pub location: ParamLocation,
    /// How a query parameter is written.
    pub style: ParamStyle,
}

/// How a query parameter is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamStyle {
    /// One `name=value`.
    Single,
    /// `name=a&name=b`.
    Repeated,
    /// Each entry of a map as its own key.
    Exploded,
    /// The value as JSON text (`filter={"…"}`).
    Json,
}

/// How a body travels.
#[derive(Debug, Clone)]
pub enum BodyItem {
    /// No body.
    None,
    /// A JSON object whose members are fields of the request or response itself.
    Fields(Struct),
    /// JSON of another type, in a field.
    Json {
        /// The field.
        field: Field,
    },
    /// Raw bytes, in a `body` field.
    Bytes {
        /// The media types the spec lists.
        media_types: Vec<String>,
        /// Whether a `content_type` field carries the media type (no header parameter does).
        content_type_field: bool,
    },
}

/// One documented success status.
#[derive(Debug, Clone)]
pub struct ResponseItem {
    /// The status.
    pub status: StatusCode,
    /// Its variant in a multi-status `Response` enum (`Ok`, `Created`).
    pub variant: String,
    /// The struct (`Response`, or `ResponseOk` … when several).
    pub name: String,
    /// Documentation.
    pub doc: Option<String>,
    /// Response headers.
    pub headers: Vec<HeaderItem>,
    /// The body.
    pub body: BodyItem,
}

impl ResponseItem {
    /// The body's members when they are the whole response (no headers): the response
    /// struct is then the JSON object itself, with no separate wire struct.
    pub fn whole_body(&self) -> Option<&Struct> {
        match &self.body {
            BodyItem::Fields(body) if self.headers.is_empty() => Some(body),
            _ => None,
        }
    }
}

/// A response header as a field.
#[derive(Debug, Clone)]
pub struct HeaderItem {
    /// The field (`ty` is `String`; `presence` `Required` or `Optional`).
    pub field: Field,
}

/// A documented error status.
#[derive(Debug, Clone)]
pub struct ErrorVariant {
    /// The status.
    pub status: StatusCode,
    /// The variant (`Forbidden`, `ClientError`).
    pub name: String,
    /// The body type.
    pub body: TypeRef,
    /// Whether the body is the standard Matrix error.
    pub is_matrix_error: bool,
    /// Documentation.
    pub doc: Option<String>,
}

/// The events (or EDUs) module.
#[derive(Debug, Clone)]
pub struct EventsModule {
    /// The module name (`events`, `edus`).
    pub module: String,
    /// Its documentation.
    pub doc: String,
    /// The enum over every event type's content (`AnyEventContent`).
    pub any_enum: String,
    /// Event types, in the spec's order.
    pub events: Vec<EventItem>,
}

/// One event type.
#[derive(Debug, Clone)]
pub struct EventItem {
    /// The event type (`m.room.member`).
    pub event_type: String,
    /// The variant after `$` in the schema's file name, when it is one.
    pub variant: Option<String>,
    /// The schema file, relative to the spec's data folder.
    pub file: String,
    /// The whole event's type.
    pub event: TypeRef,
    /// The content's type.
    pub content: Option<TypeRef>,
    /// The variant of the `Any…Content` enum (base event types only).
    pub any_variant: Option<String>,
    /// Which content trait the content implements.
    pub kind: ContentKind,
}

/// Builds the items of `api` from `spec`.
pub fn build(spec: &Spec, api: Api) -> Result<ApiItems, OverrideError> {
    let overrides = ItemOverrides::load()?;
    Ok(build_with(spec, api, &overrides))
}

/// Builds the items of `api` from `spec` with the given overrides.
pub fn build_with(spec: &Spec, api: Api, overrides: &ItemOverrides) -> ApiItems {
    let site = match spec.version.strip_prefix('v') {
        Some(_) => format!("https://spec.matrix.org/{}", spec.version),
        None => "https://spec.matrix.org/legacy".to_owned(),
    };
    let site = DocSite {
        page: format!("{site}/{}/", groups::page(api)),
        site,
    };
    let mut builder = types::TypeBuilder::new(spec, overrides, dispatch::definition);
    let groups = groups::groups(spec, api, overrides, &site);
    let history = history::History::load(overrides, &spec.version);
    let operations = operations::operations(&mut builder, spec, api, &groups, &history, &site);
    let events = events::events_module(&mut builder, spec, api);
    let components = events::components(&mut builder, spec, api);
    let finished = builder.finish();
    let mut items = ApiItems {
        api,
        version: spec.version.clone(),
        site,
        groups: groups.groups,
        operations,
        types: finished.types,
        events,
        fixed: finished.fixed,
        helpers: Vec::new(),
        schema_types: finished.schema_types,
        components,
    };
    items.helpers = overrides::applicable_helpers(&items, overrides);
    items
}
