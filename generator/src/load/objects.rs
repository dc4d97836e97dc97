//! What both formats write alike: what a file's operations share, and the parameter,
//! security scheme and status code objects (the format modules read the rest).

use std::collections::HashMap;
use std::sync::Arc;

use crate::documents::Location;
use crate::error::{Problem, Result};
use crate::ir::{Api, ParamLocation, Parameter, SchemaId, SecurityScheme, StatusCode};
use crate::load::example;
use crate::load::located::error;
use crate::load::schema::{SchemaBuilder, version_notes};
use crate::node::Node;

/// How a file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `swagger: '2.0'`.
    Swagger2,
    /// `openapi: 3.x`.
    OpenApi3,
}

/// What the operations of one file share.
#[derive(Debug)]
pub struct FileContext {
    /// The API.
    pub api: Api,
    /// The file's format.
    pub format: Format,
    /// The whole file.
    pub doc: Arc<Node>,
    /// Location of the document root.
    pub root: Location,
    /// Base path to prefix path keys with.
    pub base_path: String,
    /// Security schemes the file defines.
    pub schemes: HashMap<String, SecurityScheme>,
}

/// Settings that are not written in the files.
#[derive(Debug, Clone)]
pub struct FileSettings {
    /// Replaces `%CLIENT_MAJOR_VERSION%` in Swagger base paths (`r0`).
    pub client_major_version: String,
}

/// A security scheme definition (after `$ref`s) as the `openapiv3` type, which holds
/// both formats' scheme objects losslessly.
pub fn scheme_definition(at: &Location, node: &Node) -> Result<SecurityScheme> {
    serde_json::from_value(node.to_json()).map_err(|e| {
        error(
            at,
            node,
            Problem::Invalid(format!("not a security scheme: {e}")),
        )
    })
}

/// The name and location of a parameter object (the same keys in both formats).
pub fn parameter_place(at: &Location, node: &Node) -> Result<(String, ParamLocation)> {
    let name = node
        .text("name")
        .ok_or_else(|| error(at, node, Problem::MissingKey("name")))?;
    let location = match node.get("in").and_then(Node::as_str) {
        Some("path") => ParamLocation::Path,
        Some("query") => ParamLocation::Query,
        Some("header") => ParamLocation::Header,
        Some(other) => {
            return Err(error(
                &at.key("in"),
                node,
                Problem::Invalid(format!("unsupported parameter location `{other}`")),
            ));
        }
        None => return Err(error(at, node, Problem::MissingKey("in"))),
    };
    Ok((name, location))
}

/// A parameter from the keys both formats share; the formats differ in where the type is
/// (`schema`) and what the example key is called (`example` or `x-example`).
pub fn parameter(
    builder: &SchemaBuilder<'_>,
    at: &Location,
    node: &Node,
    (name, location): (String, ParamLocation),
    schema: SchemaId,
    example_key: &str,
) -> Result<Parameter> {
    let example = match node.get(example_key) {
        Some(example) => Some(example::compose(
            builder.docs(),
            &at.key(example_key),
            example,
        )?),
        None => None,
    };
    Ok(Parameter {
        name,
        location,
        required: node.flag("required"),
        description: node.text("description"),
        schema,
        example,
        deprecated: node.flag("deprecated"),
        added_in: node.text("x-addedInMatrixVersion"),
        changed_in: version_notes(at, node)?,
    })
}

/// A status code key (`200`, `"3XX"`, `4xx`) as written.
pub fn status_code(at: &Location, key: &str, node: &Node) -> Result<StatusCode> {
    serde_json::from_value(serde_json::Value::String(key.to_owned())).map_err(|_| {
        error(
            at,
            node,
            Problem::Invalid(format!("`{key}` is not a status code")),
        )
    })
}
