//! Operations → their modules: names, groups, paths, parameters, bodies, responses and
//! errors.
//!
//! **Module names** are the `operationId` in snake case ([`names::snake`]), or the name
//! `api-defs/items.toml` gives; two operations of one API that give the same name get
//! `_2`, `_3`, … in the spec's order.
//!
//! **Bodies.** A JSON object written in the operation itself, with named members, becomes
//! fields of the `Request` or `Response` (a hidden struct carries them over the wire); a
//! body of a shared type is one field named after the type (`filter`), or `body`. A body of
//! bytes is `body: Vec<u8>` with its media type.

use crate::ir::{
    Body, Kind, Operation, ParamLocation, Parameter, Response, SchemaId, Spec, StatusCode,
};

use super::groups::Groups;
use super::history::History;
use super::names::{self, Namespace};
use super::types::{TypeBuilder, Use, deprecation_note, field_names, is_duration};
use super::{
    BodyItem, DocSite, ErrorVariant, Field, HeaderItem, OperationItem, Param, ParamStyle, Presence,
    RequestItem, ResponseItem, TypeRef,
};

/// The items of every operation of `api`.
pub fn operations(
    b: &mut TypeBuilder<'_>,
    spec: &Spec,
    api: crate::ir::Api,
    groups: &Groups,
    history: &History,
    site: &DocSite,
) -> Vec<OperationItem> {
    let mut modules = Namespace::with_reserved(["types", "fixed", "events", "edus", "examples"]);
    let mut out = Vec::new();
    for (index, op) in spec.operations_of(api).enumerate() {
        let base = b
            .overrides()
            .operations
            .get(&op.operation_id)
            .cloned()
            .unwrap_or_else(|| names::snake(&op.operation_id));
        let module = modules.claim(&base, "_");
        let request = request(b, index, op);
        let responses = responses(b, index, op, history);
        let errors = errors(b, index, op);
        let mock = mock_answer(spec, op);
        out.push(OperationItem {
            module,
            group: groups.of_operation.get(index).copied().unwrap_or_default(),
            operation_id: op.operation_id.clone(),
            method: op.method,
            path: op.path.clone(),
            history: history.paths(op),
            summary: op.summary.clone(),
            description: op.description.clone(),
            link: format!("{}#{}", site.page, anchor(op)),
            deprecated: op
                .is_deprecated()
                .then(|| deprecation_note(op.description.as_deref())),
            added_in: op.added_in.clone(),
            auth: op.security.auth(),
            rate_limited: op.rate_limited,
            request,
            responses,
            errors,
            mock,
        });
    }
    out
}

/// The first documented success status (exact codes before ranges) with the spec's example:
/// the response's own, or else its schema's ([`crate::ir::TypeSpace::example`]).
fn mock_answer(spec: &Spec, op: &Operation) -> Option<super::MockAnswer> {
    let mut successes: Vec<&Response> = op
        .responses
        .iter()
        .filter(|r| is_success(&r.status))
        .collect();
    successes.sort_by_key(|r| match r.status {
        StatusCode::Code(c) => (0, c),
        StatusCode::Range(r) => (1, r * 100),
    });
    let response = successes.first()?;
    let status = match response.status {
        StatusCode::Code(c) => c,
        StatusCode::Range(r) => r * 100,
    };
    let body = match &response.body {
        None => super::MockBody::None,
        Some(body) => match body.json() {
            Some(json) => super::MockBody::Json(
                json.examples
                    .first()
                    .map(|e| e.value.clone())
                    .or_else(|| json.schema.and_then(|s| spec.types.example(s)))
                    .map_or_else(|| "{}".to_owned(), |example| example.to_string()),
            ),
            None => match body.content.first() {
                Some(media) => super::MockBody::Bytes(media.media_type.clone()),
                None => super::MockBody::None,
            },
        },
    };
    Some(super::MockAnswer { status, body })
}

/// The operation's anchor on the spec's page (`post_matrixclientv3joinroomidoralias`).
fn anchor(op: &Operation) -> String {
    let path: String = op
        .path
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    format!("{}_{}", op.method.key(), path.to_ascii_lowercase())
}

fn request(b: &mut TypeBuilder<'_>, index: usize, op: &Operation) -> RequestItem {
    let mut ordered: Vec<&Parameter> = path_names(&op.path)
        .iter()
        .filter_map(|name| {
            op.parameters
                .iter()
                .find(|p| p.location == ParamLocation::Path && p.name == *name)
        })
        .collect();
    ordered.extend(
        op.parameters
            .iter()
            .filter(|p| p.location != ParamLocation::Path),
    );
    let idents = field_names(ordered.iter().map(|p| p.name.as_str()), &[]);
    let params: Vec<Param> = ordered
        .into_iter()
        .zip(idents)
        .map(|(param, name)| parameter(b, index, op, param, name))
        .collect();
    let taken: Vec<String> = params.iter().map(|p| p.field.name.clone()).collect();
    let body = body(b, index, op, op.request_body.as_ref(), "Request", &taken);
    let content_type_param = match &body {
        BodyItem::Json { field } if field.ty == TypeRef::JsonObject => {
            params.iter().position(|p| {
                p.location == ParamLocation::Path
                    && matches!(p.field.json.as_str(), "eventType" | "type")
            })
        }
        _ => None,
    };
    RequestItem {
        params,
        body,
        content_type_param,
    }
}

fn path_names(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

fn parameter(
    b: &mut TypeBuilder<'_>,
    index: usize,
    op: &Operation,
    param: &Parameter,
    name: String,
) -> Param {
    let doc = param
        .description
        .clone()
        .or_else(|| b.description(param.schema).map(str::to_owned));
    let role = names::camel(&param.name);
    let used = Use::operation(index, "Request", &role);
    let kind = b.spec().types.kind(param.schema).clone();
    let json_query = b
        .overrides()
        .query_json
        .get(&format!("{}.{}", op.operation_id, param.name))
        .cloned();
    let json_schema = json_query
        .as_ref()
        .filter(|_| param.location == ParamLocation::Query)
        .and_then(|json| Some((schema_of_file(b.spec(), &json.schema)?, json.or_id)));
    let (ty, style) = match (param.location, kind) {
        (ParamLocation::Query, _) if json_schema.is_some() => {
            let (schema, or_id) = json_schema.unwrap_or((param.schema, false));
            let ty = b.base_ty(schema, &used);
            if or_id {
                (
                    TypeRef::CoreOf("IdOrInline".into(), Box::new(ty)),
                    ParamStyle::Single,
                )
            } else {
                (ty, ParamStyle::Json)
            }
        }
        (ParamLocation::Query, Kind::Array { items, .. }) => {
            let item = scalar_type(b, items, &used);
            (TypeRef::Vec(Box::new(item)), ParamStyle::Repeated)
        }
        (ParamLocation::Query, Kind::Object(_)) => (
            TypeRef::Map(Box::new(TypeRef::String), Box::new(TypeRef::String)),
            ParamStyle::Exploded,
        ),
        (ParamLocation::Header, _) => (TypeRef::String, ParamStyle::Single),
        _ => {
            let ty = scalar_type(b, param.schema, &used);
            let ty = if ty == TypeRef::Int && is_duration(&param.name, doc.as_deref()) {
                TypeRef::Duration
            } else {
                ty
            };
            (ty, ParamStyle::Single)
        }
    };
    let presence = match (param.location, style) {
        (ParamLocation::Path, _) => Presence::Required,
        (_, ParamStyle::Repeated | ParamStyle::Exploded) => {
            Presence::Defaulted(super::DefaultValue::Empty)
        }
        _ if param.required => Presence::Required,
        (ParamLocation::Header, _) => Presence::Optional,
        _ => match b.optional_presence(&ty, param.schema, doc.as_deref()) {
            // An empty query value is not the same as none.
            Presence::Defaulted(super::DefaultValue::Empty) => Presence::Optional,
            other => other,
        },
    };
    Param {
        field: Field {
            secret: b.overrides().is_secret(&param.name) && ty == TypeRef::String,
            deprecated: param.deprecated.then(|| deprecation_note(doc.as_deref())),
            name,
            json: param.name.clone(),
            ty,
            presence,
            doc,
        },
        location: param.location,
        style,
    }
}

/// The root schema of a file, if the spec has it.
fn schema_of_file(spec: &Spec, file: &str) -> Option<SchemaId> {
    spec.types.iter().find_map(|(id, schema)| {
        (schema.location.pointer.is_empty() && schema.location.file.to_string_lossy() == file)
            .then_some(id)
    })
}

/// A type that travels as text in a path or query: scalars, string enums, identifier
/// unions; anything else as a string.
fn scalar_type(b: &mut TypeBuilder<'_>, id: SchemaId, used: &Use) -> TypeRef {
    match b.spec().types.kind(id) {
        Kind::String(_) | Kind::Integer { .. } | Kind::Number { .. } | Kind::Boolean => {
            b.base_ty(id, used)
        }
        Kind::Union { .. } => match b.base_ty(id, used) {
            core @ TypeRef::Core(_) => core,
            _ => TypeRef::String,
        },
        _ => TypeRef::String,
    }
}

/// Whether a body schema is written in this operation (so its members become the
/// request's or response's own fields) rather than shared.
fn is_inline(b: &TypeBuilder<'_>, op: &Operation, schema: SchemaId) -> bool {
    let types = &b.spec().types;
    let target = types.target(schema);
    let location = &types.get(target).location;
    let written_here =
        location.file == op.location.file && location.pointer.starts_with(&op.location.pointer);
    written_here && b.stands_for_itself(target)
}

fn body(
    b: &mut TypeBuilder<'_>,
    index: usize,
    op: &Operation,
    body: Option<&Body>,
    owner: &str,
    taken: &[String],
) -> BodyItem {
    let Some(body) = body else {
        return BodyItem::None;
    };
    let Some(json) = body.json() else {
        if body.content.is_empty() {
            return BodyItem::None;
        }
        let has_content_type_param = op.parameters.iter().any(|p| {
            p.location == ParamLocation::Header && p.name.eq_ignore_ascii_case("content-type")
        });
        return BodyItem::Bytes {
            media_types: body.content.iter().map(|m| m.media_type.clone()).collect(),
            content_type_field: owner != "Request" || !has_content_type_param,
        };
    };
    let role = format!("{owner}Data");
    let used = Use::operation(index, owner, &role);
    let Some(schema) = json.schema else {
        return json_body(taken, "body", TypeRef::Json, body);
    };
    let types = &b.spec().types;
    let target = types.target(schema);
    if let Kind::Object(object) = types.kind(target).clone() {
        if is_inline(b, op, schema) && !object.properties.is_empty() && !b.nullable(schema) {
            let dispatch = (owner == "Request")
                .then(|| b.overrides().dispatch_for_request(&op.operation_id))
                .flatten();
            let fields = match dispatch {
                Some(dispatch) => {
                    super::dispatch::flattened_body(b, index, &object, dispatch, &used, taken)
                }
                None => b.object_struct(&object, Some(schema), &used, taken),
            };
            return BodyItem::Fields(fields);
        }
    }
    let ty = b.ty(schema, &used);
    let name = match &ty {
        TypeRef::Named(_) => b
            .schema_field_name(schema)
            .unwrap_or_else(|| "body".to_owned()),
        _ => "body".to_owned(),
    };
    json_body(taken, &name, ty, body)
}

fn json_body(taken: &[String], name: &str, ty: TypeRef, body: &Body) -> BodyItem {
    let mut namespace = Namespace::with_reserved(taken.iter().map(String::as_str));
    let name = if namespace.is_taken(name) {
        namespace.claim("body", "_")
    } else {
        namespace.claim(name, "_")
    };
    BodyItem::Json {
        field: Field {
            name,
            json: String::new(),
            ty,
            presence: Presence::Required,
            doc: body.description.clone(),
            deprecated: None,
            secret: false,
        },
    }
}

fn is_success(status: &StatusCode) -> bool {
    match status {
        StatusCode::Code(c) => (200..400).contains(c),
        StatusCode::Range(r) => *r == 2 || *r == 3,
    }
}

fn responses(
    b: &mut TypeBuilder<'_>,
    index: usize,
    op: &Operation,
    history: &History,
) -> Vec<ResponseItem> {
    let mut successes: Vec<&Response> = op
        .responses
        .iter()
        .filter(|r| is_success(&r.status))
        .collect();
    successes.sort_by_key(|r| matches!(r.status, StatusCode::Range(_)));
    let single = successes.len() == 1;
    successes
        .into_iter()
        .map(|response| {
            let variant = status_name(&response.status);
            let name = if single {
                "Response".to_owned()
            } else {
                format!("Response{variant}")
            };
            let header_names = field_names(response.headers.iter().map(|h| h.name.as_str()), &[]);
            let headers: Vec<HeaderItem> = response
                .headers
                .iter()
                .zip(header_names)
                .map(|(header, field)| {
                    let required =
                        header.required && history.header_always_required(op, &header.name);
                    HeaderItem {
                        field: Field {
                            name: field,
                            json: header.name.to_ascii_lowercase(),
                            ty: TypeRef::String,
                            presence: if required {
                                Presence::Required
                            } else {
                                Presence::Optional
                            },
                            doc: header.description.clone(),
                            deprecated: None,
                            secret: false,
                        },
                    }
                })
                .collect();
            let taken: Vec<String> = headers.iter().map(|h| h.field.name.clone()).collect();
            let has_content_type = response
                .headers
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case("content-type"));
            let body = match body(b, index, op, response.body.as_ref(), &name, &taken) {
                BodyItem::Bytes { media_types, .. } => BodyItem::Bytes {
                    media_types,
                    content_type_field: !has_content_type,
                },
                other => other,
            };
            ResponseItem {
                status: response.status.clone(),
                variant,
                name,
                doc: response.description.clone(),
                headers,
                body,
            }
        })
        .collect()
}

fn errors(b: &mut TypeBuilder<'_>, index: usize, op: &Operation) -> Vec<ErrorVariant> {
    let mut errors: Vec<&Response> = op
        .responses
        .iter()
        .filter(|r| !is_success(&r.status))
        .collect();
    errors.sort_by_key(|r| matches!(r.status, StatusCode::Range(_)));
    errors
        .into_iter()
        .map(|response| {
            let name = status_name(&response.status);
            let used = Use::operation(index, &name, &format!("{name}Error"));
            let body = response
                .body
                .as_ref()
                .and_then(|b| b.json())
                .and_then(|m| m.schema)
                .map_or_else(|| TypeRef::Core("MatrixError".into()), |s| b.ty(s, &used));
            ErrorVariant {
                status: response.status.clone(),
                is_matrix_error: body == TypeRef::Core("MatrixError".into()),
                name,
                body,
                doc: response.description.clone(),
            }
        })
        .collect()
}

/// The name of a status as a variant (`Ok`, `Forbidden`, `ClientError`).
pub fn status_name(status: &StatusCode) -> String {
    match status {
        StatusCode::Code(code) => match code {
            200 => "Ok".into(),
            201 => "Created".into(),
            202 => "Accepted".into(),
            204 => "NoContent".into(),
            302 => "Found".into(),
            307 => "TemporaryRedirect".into(),
            308 => "PermanentRedirect".into(),
            400 => "BadRequest".into(),
            401 => "Unauthorized".into(),
            403 => "Forbidden".into(),
            404 => "NotFound".into(),
            405 => "MethodNotAllowed".into(),
            409 => "Conflict".into(),
            413 => "PayloadTooLarge".into(),
            429 => "TooManyRequests".into(),
            500 => "InternalServerError".into(),
            501 => "NotImplemented".into(),
            502 => "BadGateway".into(),
            504 => "GatewayTimeout".into(),
            other => format!("Status{other}"),
        },
        StatusCode::Range(2) => "Success".into(),
        StatusCode::Range(3) => "Redirect".into(),
        StatusCode::Range(4) => "ClientError".into(),
        StatusCode::Range(5) => "ServerError".into(),
        StatusCode::Range(other) => format!("Status{other}xx"),
    }
}
