//! The Swagger 2.0 spelling of base paths, security schemes, parameters, bodies and
//! responses (r0.x to v1.7), normalised to what OpenAPI 3.1 says with the same meaning.

use std::collections::HashMap;

use crate::documents::{Documents, Location};
use crate::error::{Problem, Result};
use crate::ir::{
    Additional, Body, Example, Header, Kind, MediaType, ObjectType, Parameter, Response,
    SecurityScheme,
};
use crate::load::example;
use crate::load::located::{error, expected};
use crate::load::objects::{
    self, FileContext, FileSettings, parameter_place, scheme_definition, status_code,
};
use crate::load::schema::{SchemaBuilder, version_notes};
use crate::node::{Node, Value};

/// Keys of a non-body parameter or a header that describe its type.
const TYPE_KEYS: &[&str] = &[
    "type",
    "format",
    "items",
    "enum",
    "default",
    "pattern",
    "minimum",
    "maximum",
    "maxLength",
    "minLength",
    "minItems",
    "maxItems",
    "uniqueItems",
];

/// `basePath`, with `%CLIENT_MAJOR_VERSION%` filled in.
pub fn base_path(root: &Location, doc: &Node, settings: &FileSettings) -> Result<String> {
    let Some(base) = doc.get("basePath") else {
        return Ok(String::new());
    };
    let Some(base) = base.as_str() else {
        return Err(expected(&root.key("basePath"), base, "a string"));
    };
    Ok(base
        .replace("%CLIENT_MAJOR_VERSION%", &settings.client_major_version)
        .trim_end_matches('/')
        .to_owned())
}

/// `securityDefinitions`, inline or as a `$ref` to a shared file.
pub fn security_schemes(
    docs: &Documents,
    root: &Location,
    doc: &Node,
) -> Result<HashMap<String, SecurityScheme>> {
    let mut schemes = HashMap::new();
    let Some(definitions) = doc.get("securityDefinitions") else {
        return Ok(schemes);
    };
    let mut at = root.key("securityDefinitions");
    let resolved;
    let definitions = match definitions.get("$ref").and_then(Node::as_str) {
        Some(reference) => {
            resolved = docs.resolve(&at, reference, definitions.line)?;
            at = resolved.location.clone();
            resolved.node()
        }
        None => definitions,
    };
    for (name, node) in definitions.as_map().unwrap_or_default() {
        schemes.insert(name.clone(), scheme_definition(&at.key(name), node)?);
    }
    Ok(schemes)
}

/// `consumes` / `produces` of the operation, else of the file.
fn media_types(ctx: &FileContext, node: &Node, key: &str) -> Vec<String> {
    node.get(key)
        .or_else(|| ctx.doc.get(key))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::scalar_text)
        .collect()
}

/// Parameters, request body and responses of one operation.
pub fn exchange(
    builder: &mut SchemaBuilder<'_>,
    ctx: &FileContext,
    item: &Node,
    at: &Location,
    node: &Node,
) -> Result<(Vec<Parameter>, Option<Body>, Vec<Response>)> {
    let mut parameters = Vec::new();
    let mut request_body = None;
    let item_at = Location {
        file: at.file.clone(),
        pointer: at
            .pointer
            .rsplit_once('/')
            .map_or("", |(p, _)| p)
            .to_owned(),
    };
    for (list_at, list) in [
        (item_at.key("parameters"), item.get("parameters")),
        (at.key("parameters"), node.get("parameters")),
    ] {
        let Some(list) = list else { continue };
        let items = list
            .as_seq()
            .ok_or_else(|| expected(&list_at, list, "a list of parameters"))?;
        for (i, param) in items.iter().enumerate() {
            let param_at = list_at.index(i);
            match param.get("in").and_then(Node::as_str) {
                Some("body") => {
                    request_body = Some(body_parameter(builder, ctx, &param_at, param, node)?)
                }
                Some(_) => {
                    let parameter = self::parameter(builder, &param_at, param)?;
                    parameters.retain(|p: &Parameter| {
                        !(p.name == parameter.name && p.location == parameter.location)
                    });
                    parameters.push(parameter);
                }
                None => return Err(error(&param_at, param, Problem::MissingKey("in"))),
            }
        }
    }
    let Some(entries) = node.get("responses").and_then(Node::as_map) else {
        return Err(error(at, node, Problem::MissingKey("responses")));
    };
    let produces = media_types(ctx, node, "produces");
    let responses_at = at.key("responses");
    let mut responses = Vec::with_capacity(entries.len());
    for (key, response) in entries {
        let response_at = responses_at.key(key);
        let status = status_code(&response_at, key, response)?;
        responses.push(self::response(
            builder,
            &response_at,
            response,
            status,
            &produces,
        )?);
    }
    responses.sort_by(|a, b| a.status.cmp(&b.status));
    Ok((parameters, request_body, responses))
}

/// A query, path or header parameter; its type keywords are its schema.
fn parameter(builder: &mut SchemaBuilder<'_>, at: &Location, node: &Node) -> Result<Parameter> {
    let (name, location) = parameter_place(at, node)?;
    let mut schema = builder.schema(at, &type_keywords(node))?;
    // The documented extension `name: fields...` means "any number of query
    // parameters"; OpenAPI 3.1 writes it as an exploded object parameter.
    let name = match name.strip_suffix("...") {
        Some(stem) => {
            schema = builder.synthetic(
                at.clone(),
                Kind::Object(ObjectType {
                    additional: Additional::Schema(schema),
                    ..ObjectType::default()
                }),
            );
            stem.to_owned()
        }
        None => name,
    };
    objects::parameter(builder, at, node, (name, location), schema, "x-example")
}

/// The subset of a parameter or header object that is a schema.
fn type_keywords(node: &Node) -> Node {
    let entries = node
        .as_map()
        .unwrap_or_default()
        .iter()
        .filter(|(k, _)| TYPE_KEYS.contains(&k.as_str()))
        .cloned()
        .collect();
    Node {
        line: node.line,
        value: Value::Map(entries),
    }
}

/// An `in: body` parameter: the request body, sent as the media types the operation
/// consumes (JSON for JSON schemas; the other types for raw bytes).
fn body_parameter(
    builder: &mut SchemaBuilder<'_>,
    ctx: &FileContext,
    at: &Location,
    param: &Node,
    operation: &Node,
) -> Result<Body> {
    let schema = match param.get("schema") {
        Some(schema) => builder.schema(&at.key("schema"), schema)?,
        None => return Err(error(at, param, Problem::MissingKey("schema"))),
    };
    let consumes = media_types(ctx, operation, "consumes");
    let mut examples = Vec::new();
    if let Some(value) = param.get("x-example") {
        examples.push(Example {
            name: "x-example".into(),
            location: at.key("x-example"),
            value: example::compose(builder.docs(), &at.key("x-example"), value)?,
        });
    }
    let content = body_media_types(builder, schema, &consumes)
        .into_iter()
        .map(|media_type| MediaType {
            media_type,
            schema: Some(schema),
            examples: examples.clone(),
            added_in: None,
        })
        .collect();
    Ok(Body {
        description: param.text("description"),
        required: param.flag("required"),
        content,
    })
}

/// JSON for a JSON schema; the declared non-JSON types (or any type) for bytes.
fn body_media_types(
    builder: &SchemaBuilder<'_>,
    schema: crate::ir::SchemaId,
    declared: &[String],
) -> Vec<String> {
    if builder.types().kind(schema) == &Kind::Bytes {
        let raw: Vec<String> = declared
            .iter()
            .filter(|m| *m != "application/json")
            .cloned()
            .collect();
        if raw.is_empty() {
            vec!["*/*".to_owned()]
        } else {
            raw
        }
    } else {
        vec!["application/json".to_owned()]
    }
}

fn response(
    builder: &mut SchemaBuilder<'_>,
    at: &Location,
    node: &Node,
    status: crate::ir::StatusCode,
    produces: &[String],
) -> Result<Response> {
    let mut headers = Vec::new();
    if let Some(entries) = node.get("headers").and_then(Node::as_map) {
        let headers_at = at.key("headers");
        for (name, header) in entries {
            let header_at = headers_at.key(name);
            headers.push(Header {
                name: name.clone(),
                required: false,
                description: header.text("description"),
                schema: builder.schema(&header_at, &type_keywords(header))?,
                added_in: header.text("x-addedInMatrixVersion"),
                changed_in: version_notes(&header_at, header)?,
            });
        }
    }
    let body = match node.get("schema") {
        Some(schema_node) => {
            let schema = builder.schema(&at.key("schema"), schema_node)?;
            let examples_at = at.key("examples");
            let mut examples: Vec<(String, Example)> = Vec::new();
            for (media_type, value) in node
                .get("examples")
                .and_then(Node::as_map)
                .unwrap_or_default()
            {
                examples.push((
                    media_type.clone(),
                    Example {
                        name: media_type.clone(),
                        location: examples_at.key(media_type),
                        value: example::compose(
                            builder.docs(),
                            &examples_at.key(media_type),
                            value,
                        )?,
                    },
                ));
            }
            let content = body_media_types(builder, schema, produces)
                .into_iter()
                .map(|media_type| MediaType {
                    examples: examples
                        .iter()
                        .filter(|(m, _)| *m == media_type)
                        .map(|(_, e)| e.clone())
                        .collect(),
                    media_type,
                    schema: Some(schema),
                    added_in: None,
                })
                .collect();
            Some(Body {
                description: None,
                required: true,
                content,
            })
        }
        None => None,
    };
    Ok(Response {
        status,
        description: node.text("description"),
        headers,
        body,
    })
}
