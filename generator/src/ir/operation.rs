//! Operations: one HTTP endpoint of one API, format-independent.

use std::fmt;

pub use openapiv3::{SecurityScheme, StatusCode};

use super::{Api, SchemaId};
use crate::documents::Location;

/// One operation (a method on a path) of an API.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The API it belongs to.
    pub api: Api,
    /// The `operationId` (synthesised from method and path when the file has none).
    pub operation_id: String,
    /// Whether `operation_id` was synthesised.
    pub operation_id_synthesised: bool,
    /// The HTTP method.
    pub method: Method,
    /// The full path (base path + path key, trimmed), e.g. `/_matrix/client/v3/login`.
    pub path: String,
    /// The path key exactly as written in the file (it may end in a space).
    pub path_key: String,
    /// Where the operation is defined.
    pub location: Location,
    /// One-line summary.
    pub summary: Option<String>,
    /// Longer description (Markdown).
    pub description: Option<String>,
    /// Path, query and header parameters, in source order.
    pub parameters: Vec<Parameter>,
    /// The request body, if any.
    pub request_body: Option<Body>,
    /// Responses, sorted by status code.
    pub responses: Vec<Response>,
    /// Who may call it.
    pub security: Security,
    /// Has a 429 response.
    pub rate_limited: bool,
    /// `deprecated`, when written (`Some(false)` is an explicit un-deprecation).
    pub deprecated: Option<bool>,
    /// `x-addedInMatrixVersion`.
    pub added_in: Option<String>,
    /// `x-changedInMatrixVersion`.
    pub changed_in: Vec<VersionNote>,
    /// Tags, for grouping in documentation.
    pub tags: Vec<String>,
}

impl Operation {
    /// Whether the operation is deprecated.
    pub fn is_deprecated(&self) -> bool {
        self.deprecated == Some(true)
    }

    /// Parameters in one location.
    pub fn parameters_in(&self, location: ParamLocation) -> impl Iterator<Item = &Parameter> {
        self.parameters
            .iter()
            .filter(move |p| p.location == location)
    }
}

/// An HTTP method used by the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// DELETE
    Delete,
    /// PATCH
    Patch,
    /// HEAD
    Head,
    /// OPTIONS
    Options,
}

impl Method {
    /// All methods, in the order they are looked for under a path.
    pub const ALL: [Method; 7] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Patch,
        Method::Head,
        Method::Options,
    ];

    /// Lower-case key as written in a path item (`get`).
    pub fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Patch => "patch",
            Method::Head => "head",
            Method::Options => "options",
        }
    }

    /// Upper-case name (`GET`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ParamLocation {
    /// A `{name}` segment of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
}

impl ParamLocation {
    /// The name used in the spec (`path`).
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
        }
    }
}

/// A path, query or header parameter.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// The name as written.
    pub name: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Whether it must be given.
    pub required: bool,
    /// Description (Markdown).
    pub description: Option<String>,
    /// Its type.
    pub schema: SchemaId,
    /// `example` (OpenAPI 3.1) or `x-example` (Swagger 2.0).
    pub example: Option<serde_json::Value>,
    /// `deprecated`.
    pub deprecated: bool,
    /// `x-addedInMatrixVersion`.
    pub added_in: Option<String>,
    /// `x-changedInMatrixVersion`.
    pub changed_in: Vec<VersionNote>,
}

/// A request or response payload.
#[derive(Debug, Clone)]
pub struct Body {
    /// Description (Markdown).
    pub description: Option<String>,
    /// Whether a request must carry it (always true for responses that have one).
    pub required: bool,
    /// The media types it may be sent as, in source order.
    pub content: Vec<MediaType>,
}

impl Body {
    /// The JSON media type, if the body can be JSON.
    pub fn json(&self) -> Option<&MediaType> {
        self.content.iter().find(|m| m.is_json())
    }
}

/// One media type of a body.
#[derive(Debug, Clone)]
pub struct MediaType {
    /// The media type (`application/json`, `image/png`, `*/*`).
    pub media_type: String,
    /// The schema; for non-JSON media types it only documents the bytes.
    pub schema: Option<SchemaId>,
    /// Examples given for this media type.
    pub examples: Vec<Example>,
    /// `x-addedInMatrixVersion`.
    pub added_in: Option<String>,
}

impl MediaType {
    /// Whether this is JSON.
    pub fn is_json(&self) -> bool {
        self.media_type == "application/json"
    }
}

/// A worked example from the spec, with `$ref` composition applied.
#[derive(Debug, Clone)]
pub struct Example {
    /// Name of the example (`response`) or of the file it came from.
    pub name: String,
    /// Where it is written.
    pub location: Location,
    /// The value.
    pub value: serde_json::Value,
}

/// One response of an operation.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code or range.
    pub status: StatusCode,
    /// Description (Markdown).
    pub description: Option<String>,
    /// Response headers.
    pub headers: Vec<Header>,
    /// The body, if the response has one.
    pub body: Option<Body>,
}

impl Response {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        match self.status {
            StatusCode::Code(c) => (200..300).contains(&c),
            StatusCode::Range(r) => r == 2,
        }
    }
}

/// A response header.
#[derive(Debug, Clone)]
pub struct Header {
    /// Header name.
    pub name: String,
    /// Whether it is always sent.
    pub required: bool,
    /// Description (Markdown).
    pub description: Option<String>,
    /// Its type.
    pub schema: SchemaId,
    /// `x-addedInMatrixVersion`.
    pub added_in: Option<String>,
    /// `x-changedInMatrixVersion`.
    pub changed_in: Vec<VersionNote>,
}

/// One entry of an `x-changedInMatrixVersion` map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionNote {
    /// The Matrix version, exactly as written (`1.18`).
    pub version: String,
    /// What changed (Markdown).
    pub note: String,
}

/// The security requirement of an operation: alternatives, any one of which suffices.
#[derive(Debug, Clone, PartialEq)]
pub struct Security {
    /// Each alternative is a set of schemes used together; an empty set means "no auth".
    pub alternatives: Vec<Vec<SchemeUse>>,
}

/// A scheme named in a security requirement.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemeUse {
    /// The scheme name as written (`accessTokenBearer`).
    pub name: String,
    /// What the scheme is.
    pub kind: SchemeKind,
    /// Its definition, when the file defines it.
    pub definition: Option<SecurityScheme>,
}

/// What a security scheme asks of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SchemeKind {
    /// A user's access token (bearer header or the deprecated `access_token` query).
    AccessToken,
    /// An application service's `as_token`.
    AppserviceToken,
    /// The homeserver's `hs_token`, sent to an application service.
    HomeserverToken,
    /// A federation request signed with `Authorization: X-Matrix`.
    XMatrix,
    /// A scheme the loader cannot classify.
    Unknown,
}

/// The summary of an operation's security.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AuthKind {
    /// No authentication.
    None,
    /// Authentication accepted but not required.
    Optional(SchemeKind),
    /// Authentication required.
    Required(SchemeKind),
}

impl Security {
    /// No authentication at all.
    pub fn none() -> Self {
        Security {
            alternatives: Vec::new(),
        }
    }

    /// The summary: none, optional or required, and of which kind.
    pub fn auth(&self) -> AuthKind {
        let kinds: Vec<SchemeKind> = self
            .alternatives
            .iter()
            .flat_map(|alt| alt.iter().map(|s| s.kind))
            .collect();
        let Some(&kind) = kinds.iter().min() else {
            return AuthKind::None;
        };
        if self.alternatives.iter().any(Vec::is_empty) {
            AuthKind::Optional(kind)
        } else {
            AuthKind::Required(kind)
        }
    }
}

impl fmt::Display for SchemeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SchemeKind::AccessToken => "access-token",
            SchemeKind::AppserviceToken => "appservice-token",
            SchemeKind::HomeserverToken => "homeserver-token",
            SchemeKind::XMatrix => "x-matrix",
            SchemeKind::Unknown => "unknown",
        })
    }
}

impl fmt::Display for AuthKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthKind::None => f.write_str("none"),
            AuthKind::Optional(kind) => write!(f, "optional {kind}"),
            AuthKind::Required(kind) => write!(f, "{kind}"),
        }
    }
}
