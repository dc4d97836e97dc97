//! The OpenAPI 3.1 spelling of base paths, security schemes, parameters, bodies and
//! responses (v1.8 onwards).

use std::collections::HashMap;

use crate::documents::{Documents, Location};
use crate::error::{Problem, Result};
use crate::ir::{Body, Example, Header, MediaType, Parameter, Response, SecurityScheme};
use crate::load::example;
use crate::load::located::{error, expected};
use crate::load::objects::{self, parameter_place, scheme_definition, status_code};
use crate::load::schema::{SchemaBuilder, version_notes};
use crate::node::Node;

/// The path of `servers[0].url` with its variables' defaults filled in.
pub fn base_path(root: &Location, doc: &Node) -> Result<String> {
    let Some(server) = doc
        .get("servers")
        .and_then(Node::as_seq)
        .and_then(<[Node]>::first)
    else {
        return Ok(String::new());
    };
    let at = root.key("servers").index(0);
    let Some(url) = server.get("url").and_then(Node::as_str) else {
        return Err(error(&at, server, Problem::MissingKey("url")));
    };
    let mut expanded = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(open) = rest.find('{') {
        expanded.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            return Err(error(
                &at.key("url"),
                server,
                Problem::Invalid(format!("unclosed `{{` in `{url}`")),
            ));
        };
        let name = &rest[open + 1..open + close];
        let default = server
            .get("variables")
            .and_then(|v| v.get(name))
            .and_then(|v| v.get("default"))
            .and_then(Node::scalar_text)
            .ok_or_else(|| {
                error(
                    &at.key("variables"),
                    server,
                    Problem::Invalid(format!("server variable `{name}` has no default")),
                )
            })?;
        expanded.push_str(&default);
        rest = &rest[open + close + 1..];
    }
    expanded.push_str(rest);
    let path = match expanded.split_once("://") {
        Some((_, after)) => after.find('/').map_or("", |i| &after[i..]),
        None => expanded.as_str(),
    };
    Ok(path.trim_end_matches('/').to_owned())
}

/// `components.securitySchemes`, each possibly a `$ref` into a shared file.
pub fn security_schemes(
    docs: &Documents,
    root: &Location,
    doc: &Node,
) -> Result<HashMap<String, SecurityScheme>> {
    let mut schemes = HashMap::new();
    let Some(node) = doc.get("components").and_then(|c| c.get("securitySchemes")) else {
        return Ok(schemes);
    };
    let mut at = root.key("components").key("securitySchemes");
    // v1.8–v1.10 refer to a whole file of schemes.
    let resolved;
    let node = match node.get("$ref").and_then(Node::as_str) {
        Some(reference) => {
            resolved = docs.resolve(&at, reference, node.line)?;
            at = resolved.location.clone();
            resolved.node()
        }
        None => node,
    };
    for (name, node) in node.as_map().unwrap_or_default() {
        let here = at.key(name);
        let definition = match node.get("$ref").and_then(Node::as_str) {
            Some(reference) => {
                let target = docs.resolve(&here, reference, node.line)?;
                scheme_definition(&target.location, target.node())?
            }
            None => scheme_definition(&here, node)?,
        };
        schemes.insert(name.clone(), definition);
    }
    Ok(schemes)
}

/// Follows a `$ref` (to `#/components/...` or another file) if `node` is one.
fn deref(docs: &Documents, at: &Location, node: &Node) -> Result<(Location, Node)> {
    match node.get("$ref").and_then(Node::as_str) {
        Some(reference) => {
            let target = docs.resolve(at, reference, node.line)?;
            let mut resolved = target.node().clone();
            // Sibling keys (a `description`) override the referenced object's.
            if let (Some(entries), crate::node::Value::Map(target_entries)) =
                (node.as_map(), &mut resolved.value)
            {
                for (k, v) in entries.iter().filter(|(k, _)| k != "$ref") {
                    match target_entries.iter_mut().find(|(tk, _)| tk == k) {
                        Some(slot) => slot.1 = v.clone(),
                        None => target_entries.push((k.clone(), v.clone())),
                    }
                }
            }
            Ok((target.location, resolved))
        }
        None => Ok((at.clone(), node.clone())),
    }
}

/// Parameters, request body and responses of one operation.
pub fn exchange(
    builder: &mut SchemaBuilder<'_>,
    item: &Node,
    at: &Location,
    node: &Node,
) -> Result<(Vec<Parameter>, Option<Body>, Vec<Response>)> {
    let docs = builder.docs();
    let mut parameters = Vec::new();
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
        for (i, raw) in items.iter().enumerate() {
            let (param_at, param) = deref(docs, &list_at.index(i), raw)?;
            let parameter = self::parameter(builder, &param_at, &param)?;
            parameters.retain(|p: &Parameter| {
                !(p.name == parameter.name && p.location == parameter.location)
            });
            parameters.push(parameter);
        }
    }
    let request_body = match node.get("requestBody") {
        Some(raw) => {
            let (body_at, body) = deref(docs, &at.key("requestBody"), raw)?;
            Some(self::body(builder, &body_at, &body, false)?)
        }
        None => None,
    };
    let mut responses = Vec::new();
    if let Some(entries) = node.get("responses").and_then(Node::as_map) {
        let responses_at = at.key("responses");
        for (key, raw) in entries {
            let status = status_code(&responses_at.key(key), key, raw)?;
            let (response_at, response) = deref(docs, &responses_at.key(key), raw)?;
            responses.push(self::response(builder, &response_at, &response, status)?);
        }
    } else {
        return Err(error(at, node, Problem::MissingKey("responses")));
    }
    responses.sort_by(|a, b| a.status.cmp(&b.status));
    Ok((parameters, request_body, responses))
}

fn parameter(builder: &mut SchemaBuilder<'_>, at: &Location, node: &Node) -> Result<Parameter> {
    let place = parameter_place(at, node)?;
    let schema = match node.get("schema") {
        Some(schema) => builder.schema(&at.key("schema"), schema)?,
        None => return Err(error(at, node, Problem::MissingKey("schema"))),
    };
    objects::parameter(builder, at, node, place, schema, "example")
}

fn body(
    builder: &mut SchemaBuilder<'_>,
    at: &Location,
    node: &Node,
    is_response: bool,
) -> Result<Body> {
    let mut content = Vec::new();
    if let Some(entries) = node.get("content").and_then(Node::as_map) {
        let content_at = at.key("content");
        for (media_type, media) in entries {
            content.push(self::media_type(
                builder,
                &content_at.key(media_type),
                media_type,
                media,
            )?);
        }
    }
    Ok(Body {
        description: node.text("description"),
        required: is_response || node.flag("required"),
        content,
    })
}

fn media_type(
    builder: &mut SchemaBuilder<'_>,
    at: &Location,
    name: &str,
    node: &Node,
) -> Result<MediaType> {
    let schema = match node.get("schema") {
        Some(schema) => Some(builder.schema(&at.key("schema"), schema)?),
        None => None,
    };
    let mut examples = Vec::new();
    if let Some(value) = node.get("example") {
        examples.push(Example {
            name: "example".into(),
            location: at.key("example"),
            value: example::compose(builder.docs(), &at.key("example"), value)?,
        });
    }
    if let Some(entries) = node.get("examples").and_then(Node::as_map) {
        let examples_at = at.key("examples");
        for (name, raw) in entries {
            let (example_at, object) = deref(builder.docs(), &examples_at.key(name), raw)?;
            let Some(value) = object.get("value") else {
                return Err(error(&example_at, &object, Problem::MissingKey("value")));
            };
            examples.push(Example {
                name: name.clone(),
                location: example_at.key("value"),
                value: example::compose(builder.docs(), &example_at.key("value"), value)?,
            });
        }
    }
    Ok(MediaType {
        media_type: name.to_owned(),
        schema,
        examples,
        added_in: node.text("x-addedInMatrixVersion"),
    })
}

fn response(
    builder: &mut SchemaBuilder<'_>,
    at: &Location,
    node: &Node,
    status: crate::ir::StatusCode,
) -> Result<Response> {
    let mut headers = Vec::new();
    if let Some(entries) = node.get("headers").and_then(Node::as_map) {
        let headers_at = at.key("headers");
        for (name, raw) in entries {
            let (header_at, header) = deref(builder.docs(), &headers_at.key(name), raw)?;
            let schema = match header.get("schema") {
                Some(schema) => builder.schema(&header_at.key("schema"), schema)?,
                None => return Err(error(&header_at, &header, Problem::MissingKey("schema"))),
            };
            headers.push(Header {
                name: name.clone(),
                required: header.flag("required"),
                description: header.text("description"),
                schema,
                added_in: header.text("x-addedInMatrixVersion"),
                changed_in: version_notes(&header_at, &header)?,
            });
        }
    }
    let body = if node.has("content") {
        Some(body(builder, at, node, true)?)
    } else {
        None
    };
    Ok(Response {
        status,
        description: node.text("description"),
        headers,
        body,
    })
}
