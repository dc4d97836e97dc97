//! API files (one per group of endpoints) into [`Operation`]s. The format of each file
//! (Swagger 2.0 or OpenAPI 3.1) is read from the file itself; the two formats differ only
//! in how parameters, bodies, responses, base paths and security schemes are written,
//! which `swagger2` and `openapi3` handle.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::documents::Location;
use crate::error::{Problem, Result};
use crate::ir::{
    Api, Method, Operation, ParamLocation, Parameter, SchemaId, SchemeKind, SchemeUse, Security,
    SecurityScheme, StatusCode,
};
use crate::load::example;
use crate::load::schema::{SchemaBuilder, error, version_notes};
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

/// Reads every operation of one API file.
pub fn load_file(
    builder: &mut SchemaBuilder<'_>,
    api: Api,
    file: Arc<Path>,
    settings: &FileSettings,
) -> Result<Vec<Operation>> {
    let doc = builder.docs().file(&file)?;
    let root = Location {
        file,
        pointer: String::new(),
    };
    let format = if doc.has("swagger") {
        Format::Swagger2
    } else if doc.has("openapi") {
        Format::OpenApi3
    } else {
        return Err(error(
            &root,
            &doc,
            Problem::Invalid("neither `swagger` nor `openapi` is set".into()),
        ));
    };
    let (base_path, schemes) = match format {
        Format::Swagger2 => (
            super::swagger2::base_path(&root, &doc, settings)?,
            super::swagger2::security_schemes(builder.docs(), &root, &doc)?,
        ),
        Format::OpenApi3 => (
            super::openapi3::base_path(&root, &doc)?,
            super::openapi3::security_schemes(builder.docs(), &root, &doc)?,
        ),
    };
    let ctx = FileContext {
        api,
        format,
        doc: doc.clone(),
        root: root.clone(),
        base_path,
        schemes,
    };
    let Some(paths) = doc.get("paths") else {
        return Ok(Vec::new());
    };
    let paths_at = root.key("paths");
    let entries = paths.as_map().ok_or_else(|| {
        error(
            &paths_at,
            paths,
            Problem::Expected {
                expected: "a mapping of paths",
                found: paths.kind_name(),
            },
        )
    })?;
    let mut operations = Vec::new();
    for (path_key, item) in entries {
        let item_at = paths_at.key(path_key);
        let Some(methods) = item.as_map() else {
            return Err(error(
                &item_at,
                item,
                Problem::Expected {
                    expected: "a path item (a mapping)",
                    found: item.kind_name(),
                },
            ));
        };
        for (key, node) in methods {
            if matches!(
                key.as_str(),
                "parameters" | "summary" | "description" | "servers"
            ) || key.starts_with("x-")
            {
                continue;
            }
            let Some(method) = Method::ALL.into_iter().find(|m| m.key() == key) else {
                return Err(error(
                    &item_at.key(key),
                    node,
                    Problem::Invalid(format!("`{key}` is not an HTTP method")),
                ));
            };
            operations.push(operation(
                builder,
                &ctx,
                path_key,
                item,
                method,
                &item_at.key(key),
                node,
            )?);
        }
    }
    Ok(operations)
}

fn operation(
    builder: &mut SchemaBuilder<'_>,
    ctx: &FileContext,
    path_key: &str,
    item: &Node,
    method: Method,
    at: &Location,
    node: &Node,
) -> Result<Operation> {
    if node.as_map().is_none() {
        return Err(error(
            at,
            node,
            Problem::Expected {
                expected: "an operation (a mapping)",
                found: node.kind_name(),
            },
        ));
    }
    let path = format!("{}{}", ctx.base_path, path_key.trim_end());
    let (operation_id, operation_id_synthesised) =
        match node.get("operationId").and_then(Node::as_str) {
            Some(id) => (id.to_owned(), false),
            None => (synthesise_operation_id(method, &path), true),
        };
    let (parameters, request_body, responses) = match ctx.format {
        Format::Swagger2 => super::swagger2::exchange(builder, ctx, item, at, node)?,
        Format::OpenApi3 => super::openapi3::exchange(builder, item, at, node)?,
    };
    let rate_limited = responses.iter().any(|r| r.status == StatusCode::Code(429));
    Ok(Operation {
        api: ctx.api,
        operation_id,
        operation_id_synthesised,
        method,
        path,
        path_key: path_key.to_owned(),
        location: at.clone(),
        summary: node.text("summary"),
        description: node.text("description"),
        parameters,
        request_body,
        responses,
        security: security(ctx, at, node)?,
        rate_limited,
        deprecated: node.get("deprecated").and_then(Node::as_bool),
        added_in: node.text("x-addedInMatrixVersion"),
        changed_in: version_notes(at, node)?,
        tags: node
            .get("tags")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::scalar_text)
            .collect(),
    })
}

/// `getFederationV1Version` for `GET /_matrix/federation/v1/version`: method, then the
/// literal path segments after `/_matrix`, in camel case.
fn synthesise_operation_id(method: Method, path: &str) -> String {
    let mut id = method.key().to_owned();
    for segment in path.split('/').filter(|s| !s.is_empty() && *s != "_matrix") {
        if segment.starts_with('{') {
            continue;
        }
        for word in segment.split(|c: char| !c.is_ascii_alphanumeric()) {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                id.push(first.to_ascii_uppercase());
                id.extend(chars);
            }
        }
    }
    id
}

/// The operation's `security` (or the file's), with each scheme classified.
fn security(ctx: &FileContext, at: &Location, node: &Node) -> Result<Security> {
    let (requirement, req_at) = match node.get("security") {
        Some(r) => (r, at.key("security")),
        None => match ctx.doc.get("security") {
            Some(r) => (r, ctx.root.key("security")),
            None => return Ok(Security::none()),
        },
    };
    let alternatives = requirement.as_seq().ok_or_else(|| {
        error(
            &req_at,
            requirement,
            Problem::Expected {
                expected: "a list of security requirements",
                found: requirement.kind_name(),
            },
        )
    })?;
    let mut out = Vec::with_capacity(alternatives.len());
    for (i, alternative) in alternatives.iter().enumerate() {
        let names = alternative.as_map().ok_or_else(|| {
            error(
                &req_at.index(i),
                alternative,
                Problem::Expected {
                    expected: "a security requirement (a mapping)",
                    found: alternative.kind_name(),
                },
            )
        })?;
        out.push(
            names
                .iter()
                .map(|(name, _)| {
                    let definition = ctx.schemes.get(name).cloned();
                    SchemeUse {
                        kind: classify(name, definition.as_ref()),
                        name: name.clone(),
                        definition,
                    }
                })
                .collect(),
        );
    }
    Ok(Security { alternatives: out })
}

/// What a scheme asks for: from its definition where that is decisive, else from its
/// name (the spec names schemes consistently, and uses some names without defining them).
fn classify(name: &str, definition: Option<&SecurityScheme>) -> SchemeKind {
    if let Some(SecurityScheme::HTTP { scheme, .. }) = definition {
        if scheme.eq_ignore_ascii_case("x-matrix") {
            return SchemeKind::XMatrix;
        }
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("signedrequest") {
        SchemeKind::XMatrix
    } else if lower.starts_with("appservice") {
        SchemeKind::AppserviceToken
    } else if lower.starts_with("homeserver") {
        SchemeKind::HomeserverToken
    } else if lower.starts_with("accesstoken") {
        SchemeKind::AccessToken
    } else {
        SchemeKind::Unknown
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthesised_ids_read_like_the_spec_ones() {
        assert_eq!(
            synthesise_operation_id(Method::Get, "/_matrix/federation/v1/version"),
            "getFederationV1Version"
        );
        assert_eq!(
            synthesise_operation_id(
                Method::Put,
                "/_matrix/client/v3/rooms/{roomId}/state/{eventType}"
            ),
            "putClientV3RoomsState"
        );
    }
}
