//! The intermediate representation: one model of a spec version that both the Rust
//! emitter and the spec diff consume, whatever format (Swagger 2.0 or OpenAPI 3.1) the
//! version was written in.

mod api;
mod operation;
mod schema;

pub use api::Api;
pub use operation::{
    AuthKind, Body, Example, Header, MediaType, Method, Operation, ParamLocation, Parameter,
    Response, SchemeKind, SchemeUse, Security, SecurityScheme, StatusCode, VersionNote,
};
pub use schema::{
    Additional, Annotations, Kind, ObjectType, PatternProperty, Property, Schema, SchemaId,
    StringType, TypeSpace, UnionOrigin,
};

use crate::documents::Location;

/// One spec version, loaded and resolved.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The version name (`v1.19`), or the folder name for an unnamed folder.
    pub version: String,
    /// Every operation of every API, sorted by (api, path, method, source file).
    pub operations: Vec<Operation>,
    /// Every schema reachable from the operations and the event schemas.
    pub types: TypeSpace,
    /// Event schemas (`event-schemas/schema/**` and the server-server EDU schemas).
    pub events: Vec<EventSchema>,
    /// Event examples (`event-schemas/examples/**`), with `$ref` composition applied.
    pub event_examples: Vec<Example>,
    /// The named fix-ups that were applied.
    pub fixups_applied: Vec<String>,
}

impl Spec {
    /// The operations of one API.
    pub fn operations_of(&self, api: Api) -> impl Iterator<Item = &Operation> {
        self.operations.iter().filter(move |op| op.api == api)
    }
}

/// What kind of event an event schema describes, from the core schema it extends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// Extends `core-event-schema/event.yaml` only (account data, ephemeral, to-device).
    Basic,
    /// Extends `room_event.yaml` (a message-like room event).
    Room,
    /// Extends `state_event.yaml`.
    State,
    /// A server-server EDU.
    Edu,
    /// A schema shared by event types (core event schemas, components).
    Component,
}

/// An event type's schema.
#[derive(Debug, Clone)]
pub struct EventSchema {
    /// The event type (`m.room.member`), or the file stem for components.
    pub event_type: String,
    /// The variant after `$` (or `#` in old releases) in the file name (`m.text`).
    pub variant: Option<String>,
    /// What kind of event it is.
    pub kind: EventKind,
    /// Where the schema is.
    pub location: Location,
    /// The whole event's schema.
    pub schema: SchemaId,
    /// The schema of the `content` property, when the event has one.
    pub content: Option<SchemaId>,
}
