//! API files (one per group of endpoints) into [`Operation`]s. The format of each file
//! (Swagger 2.0 or OpenAPI 3.1) is read from the file itself; the two formats differ only
//! in how parameters, bodies, responses, base paths and security schemes are written,
//! which `swagger2` and `openapi3` handle.

use std::path::Path;
use std::sync::Arc;

use crate::documents::Location;
use crate::error::{Problem, Result};
use crate::ir::{
    Api, Method, Operation, SchemeKind, SchemeUse, Security, SecurityScheme, StatusCode,
};
use crate::load::located::{error, expected};
use crate::load::objects::{FileContext, FileSettings, Format};
use crate::load::schema::{SchemaBuilder, version_notes};
use crate::node::Node;

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
    let entries = paths
        .as_map()
        .ok_or_else(|| expected(&paths_at, paths, "a mapping of paths"))?;
    let mut operations = Vec::new();
    for (path_key, item) in entries {
        let item_at = paths_at.key(path_key);
        let Some(methods) = item.as_map() else {
            return Err(expected(&item_at, item, "a path item (a mapping)"));
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
        return Err(expected(at, node, "an operation (a mapping)"));
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
    let alternatives = requirement
        .as_seq()
        .ok_or_else(|| expected(&req_at, requirement, "a list of security requirements"))?;
    let mut out = Vec::with_capacity(alternatives.len());
    for (i, alternative) in alternatives.iter().enumerate() {
        let names = alternative.as_map().ok_or_else(|| {
            expected(
                &req_at.index(i),
                alternative,
                "a security requirement (a mapping)",
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
