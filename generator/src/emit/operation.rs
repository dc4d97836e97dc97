//! One module per operation: `METADATA`, `Request`, `Response`, `Error`, and both
//! directions of the HTTP conversion for each.

use heck::ToSnakeCase;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::emit::object::{self, ObjectFields};
use crate::emit::types::{TypeEmitter, field_idents, ident};
use crate::ir::{
    AuthKind, Body, Kind, Operation, ParamLocation, Parameter, Response, SchemaId, SchemeKind,
    StatusCode,
};

/// The module names of operations: the operationId in snake case (`joinRoomById` →
/// `join_room_by_id`); when two ids give the same name (`queryUserByID`, `queryUserById`),
/// the later operations in the given order get `_2`, `_3`, ….
pub fn module_names<'o>(operations: impl Iterator<Item = &'o Operation>) -> Vec<Ident> {
    let mut seen = std::collections::BTreeSet::new();
    operations
        .map(|op| {
            let base = op.operation_id.to_snake_case();
            let mut name = base.clone();
            let mut n = 2;
            while !seen.insert(name.clone()) {
                name = format!("{base}_{n}");
                n += 1;
            }
            ident(&name)
        })
        .collect()
}

/// How a body travels.
enum BodyShape {
    /// No body.
    None,
    /// JSON whose object members are fields of the request/response itself; the hidden
    /// `…Body` struct (de)serialises them.
    Flattened(ObjectFields),
    /// JSON of another type, in a `body` field.
    Json(TokenStream),
    /// Raw bytes, in a `body` field, with their content type.
    Bytes,
}

/// How a query parameter is written.
enum QueryMode {
    Required,
    Optional,
    Repeated,
    Exploded,
}

struct Param<'o> {
    param: &'o Parameter,
    ident: Ident,
    ty: TokenStream,
    mode: QueryMode,
}

/// A generated operation module.
#[derive(Debug)]
pub struct OperationModule {
    /// Module name.
    pub name: Ident,
    /// Outer documentation attributes.
    pub doc: TokenStream,
    /// The module's items.
    pub items: TokenStream,
    /// The JSON body types, by place (`request`, or a status such as `200`), as paths
    /// from the crate root; for the example round-trip registry.
    pub bodies: Vec<(String, TokenStream)>,
}

/// The module for `op`.
pub fn operation_module(te: &mut TypeEmitter<'_>, op: &Operation, name: Ident) -> OperationModule {
    let doc = module_doc(te, op);
    let metadata = metadata(op, &te.spec().version);
    let params = params(te, op);
    let mut bodies = Vec::new();
    let request = request(te, op, &params, &name, &mut bodies);
    let (response, error) = responses(te, op, &name, &mut bodies);
    OperationModule {
        name,
        doc,
        items: quote! {
            #metadata
            #request
            #response
            #error
        },
        bodies,
    }
}

fn module_doc(te: &TypeEmitter<'_>, op: &Operation) -> TokenStream {
    let title = format!(" `{} {}` ({})", op.method, op.path, op.operation_id);
    let summary = te.docs.attrs(op.summary.as_deref());
    let description = te.docs.attrs(op.description.as_deref());
    let mut notes = Vec::new();
    if let Some(v) = &op.added_in {
        notes.push(format!(" Added in Matrix {v}."));
    }
    if op.is_deprecated() {
        notes.push(" **Deprecated.**".to_owned());
    }
    quote! {
        #[doc = #title]
        #[doc = ""]
        #summary
        #[doc = ""]
        #description
        #(#[doc = ""] #[doc = #notes])*
    }
}

fn metadata(op: &Operation, version: &str) -> TokenStream {
    let id = &op.operation_id;
    let method = format_ident!("{}", op.method.as_str());
    let path = &op.path;
    let scheme = |kind: SchemeKind| match kind {
        SchemeKind::AccessToken | SchemeKind::Unknown => {
            quote! { ::matrix_api_core::AuthScheme::AccessToken }
        }
        SchemeKind::AppserviceToken => quote! { ::matrix_api_core::AuthScheme::AppserviceToken },
        SchemeKind::HomeserverToken => quote! { ::matrix_api_core::AuthScheme::HomeserverToken },
        SchemeKind::XMatrix => quote! { ::matrix_api_core::AuthScheme::XMatrix },
    };
    let auth = match op.security.auth() {
        AuthKind::None => quote! { ::matrix_api_core::Auth::None },
        AuthKind::Optional(k) => {
            let s = scheme(k);
            quote! { ::matrix_api_core::Auth::Optional(#s) }
        }
        AuthKind::Required(k) => {
            let s = scheme(k);
            quote! { ::matrix_api_core::Auth::Required(#s) }
        }
    };
    let rate_limited = op.rate_limited;
    let deprecated = op.is_deprecated();
    let added_in = match &op.added_in {
        Some(v) => quote! { ::std::option::Option::Some(#v) },
        None => quote! { ::std::option::Option::None },
    };
    let history = release_number(version).map(|(major, minor, patch)| {
        quote! { (::matrix_api_core::MatrixVersion::new(#major, #minor, #patch), #path) }
    });
    let history = history.into_iter();
    quote! {
        /// Facts about this endpoint.
        pub const METADATA: ::matrix_api_core::Metadata = ::matrix_api_core::Metadata {
            operation_id: #id,
            method: ::matrix_api_core::http::Method::#method,
            path: #path,
            auth: #auth,
            rate_limited: #rate_limited,
            deprecated: #deprecated,
            history: &[#(#history),*],
            added_in: #added_in,
        };
    }
}

/// `(major, minor, patch)` of a release name (`v1.19`, `r0.6.1`).
fn release_number(version: &str) -> Option<(u16, u16, u16)> {
    let rest = version.strip_prefix(['v', 'r'])?;
    let mut parts = rest.split('.').map(|p| p.parse::<u16>().ok());
    let major = parts.next()??;
    let minor = parts.next()??;
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

/// Parameters as request fields, path parameters in template order first.
fn params<'o>(te: &mut TypeEmitter<'_>, op: &'o Operation) -> Vec<Param<'o>> {
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
    let idents = field_idents(ordered.iter().map(|p| p.name.as_str()), &[]);
    ordered
        .into_iter()
        .zip(idents)
        .map(|(param, ident)| {
            let (ty, mode) = param_type(te, param);
            Param {
                param,
                ident,
                ty,
                mode,
            }
        })
        .collect()
}

fn path_names(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

/// A type that travels as text in a path or query.
fn scalar_type(te: &mut TypeEmitter<'_>, id: SchemaId) -> TokenStream {
    match te.spec().types.kind(id) {
        Kind::String(_)
        | Kind::Integer { .. }
        | Kind::Number { .. }
        | Kind::Boolean
        | Kind::Union { .. } => {
            let ty = te.base_ty(id);
            if ty.to_string().contains("types ::")
                && matches!(te.spec().types.kind(id), Kind::Union { .. })
            {
                quote! { ::std::string::String }
            } else {
                ty
            }
        }
        _ => quote! { ::std::string::String },
    }
}

fn param_type(te: &mut TypeEmitter<'_>, param: &Parameter) -> (TokenStream, QueryMode) {
    let kind = te.spec().types.kind(param.schema).clone();
    match (param.location, kind) {
        (ParamLocation::Query, Kind::Array { items, .. }) => {
            let item = scalar_type(te, items);
            (quote! { ::std::vec::Vec<#item> }, QueryMode::Repeated)
        }
        (ParamLocation::Query, Kind::Object(_)) => (
            quote! { ::std::collections::BTreeMap<::std::string::String, ::std::string::String> },
            QueryMode::Exploded,
        ),
        (ParamLocation::Header, _) => {
            let mode = if param.required {
                QueryMode::Required
            } else {
                QueryMode::Optional
            };
            let ty = quote! { ::std::string::String };
            (wrap(ty, &mode), mode)
        }
        _ => {
            let ty = scalar_type(te, param.schema);
            let mode = if param.required || param.location == ParamLocation::Path {
                QueryMode::Required
            } else {
                QueryMode::Optional
            };
            (wrap(ty, &mode), mode)
        }
    }
}

fn wrap(ty: TokenStream, mode: &QueryMode) -> TokenStream {
    match mode {
        QueryMode::Optional => quote! { ::std::option::Option<#ty> },
        _ => ty,
    }
}

/// Whether a body schema is written inline in this operation (so its members become the
/// request's or response's own fields) rather than shared.
fn is_inline(te: &TypeEmitter<'_>, op: &Operation, schema: SchemaId) -> bool {
    let target = te.spec().types.target(schema);
    let location = &te.spec().types.get(target).location;
    location.file == op.location.file && location.pointer.starts_with(&op.location.pointer)
}

fn body_shape(
    te: &mut TypeEmitter<'_>,
    op: &Operation,
    body: Option<&Body>,
    taken: &[String],
) -> BodyShape {
    let Some(body) = body else {
        return BodyShape::None;
    };
    if let Some(json) = body.json() {
        let Some(schema) = json.schema else {
            return BodyShape::Json(quote! { ::serde_json::Value });
        };
        let target = te.spec().types.target(schema);
        if let Kind::Object(object) = te.spec().types.kind(target).clone() {
            // Members become fields only when the spec names some; an object without named
            // members is an open JSON object.
            if is_inline(te, op, schema) && !object.properties.is_empty() && !te.nullable(schema) {
                return BodyShape::Flattened(te.object_fields(&object, Some(schema), taken));
            }
        }
        return BodyShape::Json(te.ty(schema));
    }
    if body.content.is_empty() {
        BodyShape::None
    } else {
        BodyShape::Bytes
    }
}

fn request(
    te: &mut TypeEmitter<'_>,
    op: &Operation,
    params: &[Param<'_>],
    module: &Ident,
    bodies: &mut Vec<(String, TokenStream)>,
) -> TokenStream {
    let taken: Vec<String> = params.iter().map(|p| p.ident.to_string()).collect();
    let shape = body_shape(te, op, op.request_body.as_ref(), &taken);
    match &shape {
        BodyShape::Flattened(..) => {
            bodies.push(("request".into(), quote! { crate::#module::RequestBody }))
        }
        BodyShape::Json(ty) => bodies.push(("request".into(), ty.clone())),
        BodyShape::None | BodyShape::Bytes => {}
    }
    let mut fields = Vec::new();
    for p in params {
        let doc = te.docs.attrs(p.param.description.as_deref());
        let (ident, ty) = (&p.ident, &p.ty);
        fields.push(quote! { #doc pub #ident: #ty, });
    }
    let body_field_names: Vec<Ident>;
    let mut body_struct = quote! {};
    match &shape {
        BodyShape::None => body_field_names = Vec::new(),
        BodyShape::Flattened(object) => {
            body_field_names = object.idents().into_iter().cloned().collect();
            fields.extend(object.definitions());
            body_struct = object::wire_struct(&format_ident!("RequestBody"), object);
        }
        BodyShape::Json(ty) => {
            body_field_names = Vec::new();
            let doc = te.docs.attrs(
                op.request_body
                    .as_ref()
                    .and_then(|b| b.description.as_deref()),
            );
            fields.push(quote! { #doc pub body: #ty, });
        }
        BodyShape::Bytes => {
            body_field_names = Vec::new();
            fields.push(quote! { /// The raw bytes of the body.
            pub body: ::std::vec::Vec<u8>, });
        }
    }

    // Client side: build the HTTP request.
    let path_args = params
        .iter()
        .filter(|p| p.param.location == ParamLocation::Path)
        .map(|p| {
            let ident = &p.ident;
            quote! { &::matrix_api_core::query::QueryValue::to_query(&self.#ident) }
        });
    let path_expr = quote! { ::matrix_api_core::path::fill(path_template, &[#(#path_args),*]) };
    let query_writes = params
        .iter()
        .filter(|p| p.param.location == ParamLocation::Query)
        .map(|p| {
            let (ident, name) = (&p.ident, &p.param.name);
            match p.mode {
                QueryMode::Required => quote! { query.push(#name, &self.#ident); },
                QueryMode::Optional => quote! { query.push_opt(#name, &self.#ident); },
                QueryMode::Repeated => quote! { query.push_all(#name, &self.#ident); },
                QueryMode::Exploded => quote! { query.push_map(&self.#ident); },
            }
        });
    let header_writes = params
        .iter()
        .filter(|p| p.param.location == ParamLocation::Header)
        .map(|p| {
            let (ident, name) = (&p.ident, &p.param.name);
            match p.mode {
                QueryMode::Required => {
                    quote! { builder = builder.header(#name, self.#ident.as_str()); }
                }
                _ => quote! {
                    if let ::std::option::Option::Some(value) = &self.#ident {
                        builder = builder.header(#name, value.as_str());
                    };
                },
            }
        });
    let body_out = match &shape {
        BodyShape::None => quote! { ::std::vec::Vec::new() },
        BodyShape::Flattened(..) => quote! {{
            builder = builder.header(::matrix_api_core::http::header::CONTENT_TYPE, "application/json");
            ::serde_json::to_vec(&RequestBody { #(#body_field_names: self.#body_field_names),* })?
        }},
        BodyShape::Json(_) => quote! {{
            builder = builder.header(::matrix_api_core::http::header::CONTENT_TYPE, "application/json");
            ::serde_json::to_vec(&self.body)?
        }},
        BodyShape::Bytes => quote! { self.body },
    };

    // Server side: read the HTTP request.
    let mut path_index = 0usize;
    let param_reads = params.iter().map(|p| {
        let (ident, name) = (&p.ident, &p.param.name);
        match p.param.location {
            ParamLocation::Path => {
                let i = path_index;
                path_index += 1;
                quote! { #ident: ::matrix_api_core::exchange::path_param(#name, &path[#i])?, }
            }
            ParamLocation::Query => match p.mode {
                QueryMode::Required => quote! { #ident: query.required(#name)?, },
                QueryMode::Optional => quote! { #ident: query.optional(#name)?, },
                QueryMode::Repeated => quote! { #ident: query.all(#name)?, },
                QueryMode::Exploded => {
                    let known: Vec<&str> = params
                        .iter()
                        .filter(|q| q.param.location == ParamLocation::Query && !matches!(q.mode, QueryMode::Exploded))
                        .map(|q| q.param.name.as_str())
                        .collect();
                    quote! { #ident: query.rest(&[#(#known),*])?, }
                }
            },
            ParamLocation::Header => match p.mode {
                QueryMode::Required => quote! {
                    #ident: ::matrix_api_core::exchange::header_str(request.headers(), #name)?
                        .ok_or_else(|| ::matrix_api_core::RequestError::new(
                            ::matrix_api_core::exchange::RequestErrorKind::MissingParam,
                            concat!("header `", #name, "` is required"),
                        ))?
                        .to_owned(),
                },
                _ => quote! { #ident: ::matrix_api_core::exchange::header_str(request.headers(), #name)?.map(str::to_owned), },
            },
        }
    });
    let param_reads: Vec<TokenStream> = param_reads.collect();
    let (body_read, body_fields_in) = match &shape {
        BodyShape::None => (quote! {}, quote! {}),
        BodyShape::Flattened(..) if body_field_names.is_empty() => (
            quote! { let _: RequestBody = ::matrix_api_core::exchange::request_json(request.body().as_ref())?; },
            quote! {},
        ),
        BodyShape::Flattened(..) => (
            quote! { let body: RequestBody = ::matrix_api_core::exchange::request_json(request.body().as_ref())?; },
            quote! { #(#body_field_names: body.#body_field_names,)* },
        ),
        BodyShape::Json(_) => (
            quote! { let body = ::matrix_api_core::exchange::request_json(request.body().as_ref())?; },
            quote! { body, },
        ),
        BodyShape::Bytes => (
            quote! { let body = request.body().as_ref().to_vec(); },
            quote! { body, },
        ),
    };
    let uses_path = params
        .iter()
        .any(|p| p.param.location == ParamLocation::Path);
    let path_binding = if uses_path {
        quote! { let path = }
    } else {
        quote! { let _ = }
    };
    let uses_query = params
        .iter()
        .any(|p| p.param.location == ParamLocation::Query);
    let query_binding = if uses_query {
        quote! { let query = ::matrix_api_core::query::Query::parse(request.uri().query()); }
    } else {
        quote! {}
    };
    let builder_mut = if matches!(shape, BodyShape::None)
        && !params
            .iter()
            .any(|p| p.param.location == ParamLocation::Header)
    {
        quote! { let builder }
    } else {
        quote! { let mut builder }
    };
    let query_mut = if uses_query {
        quote! { let mut query }
    } else {
        quote! { let query }
    };

    // `..Default::default()` works when nothing must be given.
    let defaultable = params
        .iter()
        .all(|p| !matches!(p.mode, QueryMode::Required))
        && match &shape {
            BodyShape::None | BodyShape::Bytes => true,
            BodyShape::Flattened(object) => object.all_optional(),
            BodyShape::Json(_) => false,
        };
    let derives = if defaultable {
        quote! { #[derive(Debug, Clone, PartialEq, Default)] }
    } else {
        quote! { #[derive(Debug, Clone, PartialEq)] }
    };
    quote! {
        /// The request.
        #derives
        pub struct Request { #(#fields)* }

        #body_struct

        impl ::matrix_api_core::OutgoingRequest for Request {
            const METADATA: ::matrix_api_core::Metadata = METADATA;
            type IncomingResponse = Response;

            fn try_into_http_request_with_path<B: ::std::convert::From<::std::vec::Vec<u8>>>(
                self,
                base_url: &str,
                token: ::std::option::Option<&str>,
                path_template: &str,
            ) -> ::std::result::Result<::matrix_api_core::http::Request<B>, ::matrix_api_core::IntoHttpError> {
                let path = #path_expr;
                #query_mut = ::matrix_api_core::query::QueryWriter::default();
                #(#query_writes)*
                let path_and_query = format!("{path}{}", query.finish());
                #builder_mut = ::matrix_api_core::exchange::request_builder(&METADATA, base_url, &path_and_query, token)?;
                #(#header_writes)*
                let body = #body_out;
                ::std::result::Result::Ok(builder.body(B::from(body))?)
            }
        }

        impl ::matrix_api_core::IncomingRequest for Request {
            const METADATA: ::matrix_api_core::Metadata = METADATA;
            type OutgoingResponse = Response;
            type Error = Error;

            fn try_from_http_request<B: ::std::convert::AsRef<[u8]>>(
                request: ::matrix_api_core::http::Request<B>,
            ) -> ::std::result::Result<Self, ::matrix_api_core::RequestError> {
                #path_binding ::matrix_api_core::exchange::check_request(&METADATA, request.method(), request.uri().path())?;
                #query_binding
                #body_read
                ::std::result::Result::Ok(Request { #(#param_reads)* #body_fields_in })
            }
        }
    }
}

/// The name of a status as a variant (`Ok`, `Forbidden`, `ClientError`).
fn status_name(status: &StatusCode) -> String {
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

fn status_pattern(status: &StatusCode) -> TokenStream {
    match status {
        StatusCode::Code(code) => quote! { #code },
        StatusCode::Range(r) => {
            let (lo, hi) = (r * 100, r * 100 + 99);
            quote! { #lo..=#hi }
        }
    }
}

/// The status code sent for a response (ranges send their first code).
fn status_value(status: &StatusCode) -> u16 {
    match status {
        StatusCode::Code(code) => *code,
        StatusCode::Range(r) => r * 100,
    }
}

fn is_success(status: &StatusCode) -> bool {
    match status {
        StatusCode::Code(c) => (200..400).contains(c),
        StatusCode::Range(r) => *r == 2 || *r == 3,
    }
}

/// One success status's struct: headers and body.
struct SuccessStruct {
    definition: TokenStream,
    read: TokenStream,
    write: TokenStream,
}

fn success_struct(
    te: &mut TypeEmitter<'_>,
    op: &Operation,
    response: &Response,
    name: &Ident,
    module: &Ident,
    bodies: &mut Vec<(String, TokenStream)>,
) -> SuccessStruct {
    let header_idents = field_idents(response.headers.iter().map(|h| h.name.as_str()), &[]);
    let taken: Vec<String> = header_idents.iter().map(ToString::to_string).collect();
    let shape = body_shape(te, op, response.body.as_ref(), &taken);
    let place = response.status.to_string();
    match &shape {
        BodyShape::Flattened(..) => {
            let body = format_ident!("{}Body", name);
            bodies.push((place, quote! { crate::#module::#body }));
        }
        BodyShape::Json(ty) => bodies.push((place, ty.clone())),
        BodyShape::None | BodyShape::Bytes => {}
    }
    let has_content_type_header = response
        .headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("content-type"));
    let mut fields = Vec::new();
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    for (header, ident) in response.headers.iter().zip(&header_idents) {
        let doc = te.docs.attrs(header.description.as_deref());
        let hname = header.name.to_ascii_lowercase();
        if header.required {
            fields.push(quote! { #doc pub #ident: ::std::string::String, });
            reads.push(quote! {
                #ident: ::matrix_api_core::exchange::response_header(response.headers(), #hname)?
                    .ok_or(::matrix_api_core::DeserializationError::Header(#hname))?,
            });
            writes.push(quote! { builder = builder.header(#hname, self.#ident.as_str()); });
        } else {
            fields.push(quote! { #doc pub #ident: ::std::option::Option<::std::string::String>, });
            reads.push(quote! { #ident: ::matrix_api_core::exchange::response_header(response.headers(), #hname)?, });
            writes.push(quote! {
                if let ::std::option::Option::Some(value) = &self.#ident {
                    builder = builder.header(#hname, value.as_str());
                };
            });
        }
    }
    let status = status_value(&response.status);
    let body_struct_name = format_ident!("{}Body", name);
    let mut body_struct = quote! {};
    let (body_prelude, body_read, body_write) = match &shape {
        BodyShape::None => (quote! {}, quote! {}, quote! { ::std::vec::Vec::new() }),
        BodyShape::Flattened(object) => {
            let names: Vec<&Ident> = object.idents();
            fields.extend(object.definitions());
            body_struct = object::wire_struct(&body_struct_name, object);
            let binding = if names.is_empty() {
                quote! { _ }
            } else {
                quote! { body }
            };
            (
                quote! { let #binding: #body_struct_name = ::matrix_api_core::exchange::response_json(response.body().as_ref())?; },
                quote! { #(#names: body.#names,)* },
                quote! {{
                    builder = builder.header(::matrix_api_core::http::header::CONTENT_TYPE, "application/json");
                    ::serde_json::to_vec(&#body_struct_name { #(#names: self.#names),* })?
                }},
            )
        }
        BodyShape::Json(ty) => {
            fields.push(quote! { /// The JSON body.
            pub body: #ty, });
            (
                quote! {},
                quote! { body: ::matrix_api_core::exchange::response_json(response.body().as_ref())?, },
                quote! {{
                    builder = builder.header(::matrix_api_core::http::header::CONTENT_TYPE, "application/json");
                    ::serde_json::to_vec(&self.body)?
                }},
            )
        }
        BodyShape::Bytes => {
            let media: Vec<&str> = response
                .body
                .iter()
                .flat_map(|b| b.content.iter().map(|m| m.media_type.as_str()))
                .collect();
            let mut doc = format!(" The raw bytes of the body ({}).", media.join(", "));
            if media.iter().any(|m| m.starts_with("multipart/")) {
                doc.push_str(" Split it with `matrix_api_core::multipart::parse`.");
            }
            fields.push(quote! { #[doc = #doc] pub body: ::std::vec::Vec<u8>, });
            let (ct_read, ct_write) = if has_content_type_header {
                (quote! {}, quote! {})
            } else {
                fields.push(quote! { /// The body's media type.
                pub content_type: ::std::option::Option<::std::string::String>, });
                (
                    quote! { content_type: ::matrix_api_core::exchange::content_type(response.headers()), },
                    quote! {
                        if let ::std::option::Option::Some(value) = &self.content_type {
                            builder = builder.header(::matrix_api_core::http::header::CONTENT_TYPE, value.as_str());
                        };
                    },
                )
            };
            (
                quote! {},
                quote! { #ct_read body: response.body().as_ref().to_vec(), },
                quote! {{ #ct_write self.body }},
            )
        }
    };
    let doc = te.docs.attrs(response.description.as_deref());
    let needs_mut = !writes.is_empty() || !matches!(shape, BodyShape::None);
    let builder_decl = if needs_mut {
        quote! { let mut builder }
    } else {
        quote! { let builder }
    };
    SuccessStruct {
        definition: quote! {
            #doc
            #[derive(Debug, Clone, PartialEq)]
            pub struct #name { #(#fields)* }
            #body_struct
        },
        read: if body_prelude.is_empty() {
            quote! { #name { #(#reads)* #body_read } }
        } else {
            quote! {{ #body_prelude #name { #(#reads)* #body_read } }}
        },
        write: quote! {{
            #builder_decl = ::matrix_api_core::http::Response::builder().status(#status);
            #(#writes)*
            let body = #body_write;
            ::std::result::Result::Ok(builder.body(B::from(body))?)
        }},
    }
}

fn responses(
    te: &mut TypeEmitter<'_>,
    op: &Operation,
    module: &Ident,
    bodies: &mut Vec<(String, TokenStream)>,
) -> (TokenStream, TokenStream) {
    let successes: Vec<&Response> = op
        .responses
        .iter()
        .filter(|r| is_success(&r.status))
        .collect();
    let errors: Vec<&Response> = op
        .responses
        .iter()
        .filter(|r| !is_success(&r.status))
        .collect();
    let response = match successes.as_slice() {
        [] => {
            // No success documented: the request still needs a response type.
            quote! {
                /// The response (the spec documents no success body).
                #[derive(Debug, Clone, PartialEq)]
                pub struct Response;

                impl ::matrix_api_core::IncomingResponse for Response {
                    type Error = Error;
                    fn try_from_http_response<B: ::std::convert::AsRef<[u8]>>(
                        response: ::matrix_api_core::http::Response<B>,
                    ) -> ::std::result::Result<Self, ::matrix_api_core::FromHttpResponseError<Error>> {
                        if response.status().is_success() {
                            return ::std::result::Result::Ok(Response);
                        }
                        ::std::result::Result::Err(::matrix_api_core::FromHttpResponseError::Server(Error::from_http_response(&response)?))
                    }
                }

                impl ::matrix_api_core::OutgoingResponse for Response {
                    fn try_into_http_response<B: ::std::convert::From<::std::vec::Vec<u8>>>(self) -> ::std::result::Result<::matrix_api_core::http::Response<B>, ::matrix_api_core::IntoHttpError> {
                        ::std::result::Result::Ok(::matrix_api_core::http::Response::builder().status(200).body(::std::vec::Vec::new())?)
                    }
                }
            }
        }
        [single] => {
            let name = format_ident!("Response");
            let s = success_struct(te, op, single, &name, module, bodies);
            let pattern = status_pattern(&single.status);
            let (definition, read, write) = (s.definition, s.read, s.write);
            quote! {
                #definition

                impl ::matrix_api_core::IncomingResponse for Response {
                    type Error = Error;
                    fn try_from_http_response<B: ::std::convert::AsRef<[u8]>>(
                        response: ::matrix_api_core::http::Response<B>,
                    ) -> ::std::result::Result<Self, ::matrix_api_core::FromHttpResponseError<Error>> {
                        match response.status().as_u16() {
                            #pattern => ::std::result::Result::Ok(#read),
                            _ => ::std::result::Result::Err(::matrix_api_core::FromHttpResponseError::Server(Error::from_http_response(&response)?)),
                        }
                    }
                }

                impl ::matrix_api_core::OutgoingResponse for Response {
                    fn try_into_http_response<B: ::std::convert::From<::std::vec::Vec<u8>>>(self) -> ::std::result::Result<::matrix_api_core::http::Response<B>, ::matrix_api_core::IntoHttpError> {
                        #write
                    }
                }
            }
        }
        many => {
            let mut defs = Vec::new();
            let mut variants = Vec::new();
            let mut reads = Vec::new();
            let mut writes = Vec::new();
            let mut ordered: Vec<&&Response> = many.iter().collect();
            ordered.sort_by_key(|r| matches!(r.status, StatusCode::Range(_)));
            for response in ordered {
                let variant = format_ident!("{}", status_name(&response.status));
                let name = format_ident!("Response{}", variant);
                let s = success_struct(te, op, response, &name, module, bodies);
                defs.push(s.definition);
                let doc = format!(" Status {}.", response.status);
                variants.push(quote! { #[doc = #doc] #variant(#name), });
                let pattern = status_pattern(&response.status);
                let read = s.read;
                reads.push(
                    quote! { #pattern => ::std::result::Result::Ok(Response::#variant(#read)), },
                );
                let write = s.write;
                writes.push(quote! { Response::#variant(this) => ::matrix_api_core::OutgoingResponse::try_into_http_response(this), });
                defs.push(quote! {
                    impl ::matrix_api_core::OutgoingResponse for #name {
                        fn try_into_http_response<B: ::std::convert::From<::std::vec::Vec<u8>>>(self) -> ::std::result::Result<::matrix_api_core::http::Response<B>, ::matrix_api_core::IntoHttpError> {
                            #write
                        }
                    }
                });
            }
            quote! {
                #(#defs)*

                /// The response: one of the statuses the spec documents for success.
                #[derive(Debug, Clone, PartialEq)]
                pub enum Response { #(#variants)* }

                impl ::matrix_api_core::IncomingResponse for Response {
                    type Error = Error;
                    fn try_from_http_response<B: ::std::convert::AsRef<[u8]>>(
                        response: ::matrix_api_core::http::Response<B>,
                    ) -> ::std::result::Result<Self, ::matrix_api_core::FromHttpResponseError<Error>> {
                        match response.status().as_u16() {
                            #(#reads)*
                            _ => ::std::result::Result::Err(::matrix_api_core::FromHttpResponseError::Server(Error::from_http_response(&response)?)),
                        }
                    }
                }

                impl ::matrix_api_core::OutgoingResponse for Response {
                    fn try_into_http_response<B: ::std::convert::From<::std::vec::Vec<u8>>>(self) -> ::std::result::Result<::matrix_api_core::http::Response<B>, ::matrix_api_core::IntoHttpError> {
                        match self { #(#writes)* }
                    }
                }
            }
        }
    };
    (response, error_enum(te, &errors, bodies))
}

fn error_enum(
    te: &mut TypeEmitter<'_>,
    errors: &[&Response],
    bodies: &mut Vec<(String, TokenStream)>,
) -> TokenStream {
    let mut ordered: Vec<&&Response> = errors.iter().collect();
    ordered.sort_by_key(|r| matches!(r.status, StatusCode::Range(_)));
    let mut variants = Vec::new();
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let mut statuses = Vec::new();
    let mut matrix_errors = Vec::new();
    let mut from_matrix = Vec::new();
    let matrix_error_ty = quote! { ::matrix_api_core::MatrixError }.to_string();
    for response in ordered {
        let variant = format_ident!("{}", status_name(&response.status));
        let body = response
            .body
            .as_ref()
            .and_then(|b| b.json())
            .and_then(|m| m.schema)
            .map_or_else(|| quote! { ::matrix_api_core::MatrixError }, |s| te.ty(s));
        bodies.push((response.status.to_string(), body.clone()));
        let doc = te.docs.attrs(response.description.as_deref());
        let pattern = status_pattern(&response.status);
        match response.status {
            StatusCode::Code(code) => {
                variants.push(quote! { #doc #variant(#body), });
                reads.push(quote! { #pattern => Error::#variant(::matrix_api_core::exchange::response_json(response.body().as_ref())?), });
                writes.push(quote! { Error::#variant(body) => ::matrix_api_core::exchange::json_response(::matrix_api_core::http::StatusCode::from_u16(#code).unwrap_or(::matrix_api_core::http::StatusCode::INTERNAL_SERVER_ERROR), body), });
                statuses.push(quote! { Error::#variant(_) => #code, });
                if body.to_string() == matrix_error_ty {
                    matrix_errors.push(
                        quote! { Error::#variant(body) => ::std::option::Option::Some(body), },
                    );
                    from_matrix.push(quote! { #code => Error::#variant(error), });
                }
            }
            StatusCode::Range(_) => {
                variants.push(quote! { #doc #variant { status: u16, body: #body }, });
                reads.push(quote! { #pattern => Error::#variant { status, body: ::matrix_api_core::exchange::response_json(response.body().as_ref())? }, });
                writes.push(quote! { Error::#variant { status, body } => ::matrix_api_core::exchange::json_response(::matrix_api_core::http::StatusCode::from_u16(*status).unwrap_or(::matrix_api_core::http::StatusCode::INTERNAL_SERVER_ERROR), body), });
                statuses.push(quote! { Error::#variant { status, .. } => *status, });
                if body.to_string() == matrix_error_ty {
                    matrix_errors.push(quote! { Error::#variant { body, .. } => ::std::option::Option::Some(body), });
                    from_matrix
                        .push(quote! { #pattern => Error::#variant { status, body: error }, });
                }
            }
        }
    }
    let other = quote! {
        match ::serde_json::from_slice::<::matrix_api_core::MatrixError>(response.body().as_ref()) {
            ::std::result::Result::Ok(body) => Error::Other { status, body },
            ::std::result::Result::Err(_) => {
                return ::std::result::Result::Err(::matrix_api_core::DeserializationError::UnexpectedStatus(response.status()));
            }
        }
    };
    let other_write = quote! {
        ::matrix_api_core::exchange::json_response(::matrix_api_core::http::StatusCode::from_u16(*status).unwrap_or(::matrix_api_core::http::StatusCode::INTERNAL_SERVER_ERROR), body)
    };
    let (read, status_of, write) = if variants.is_empty() {
        (
            other,
            quote! {
                let Error::Other { status, .. } = self;
                *status
            },
            quote! {
                let Error::Other { status, body } = &self;
                #other_write
            },
        )
    } else {
        (
            quote! {
                match status {
                    #(#reads)*
                    _ => #other,
                }
            },
            quote! {
                match self {
                    #(#statuses)*
                    Error::Other { status, .. } => *status,
                }
            },
            quote! {
                match &self {
                    #(#writes)*
                    Error::Other { status, body } => #other_write,
                }
            },
        )
    };
    quote! {
        /// The error statuses the spec documents for this endpoint, and any other error.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Error {
            #(#variants)*
            /// A status the spec does not document here, with a Matrix error body.
            Other { status: u16, body: ::matrix_api_core::MatrixError },
        }

        impl Error {
            /// Reads an error response.
            pub fn from_http_response<B: ::std::convert::AsRef<[u8]>>(
                response: &::matrix_api_core::http::Response<B>,
            ) -> ::std::result::Result<Self, ::matrix_api_core::DeserializationError> {
                let status = response.status().as_u16();
                ::std::result::Result::Ok(#read)
            }

            /// The HTTP status.
            #[inline]
            pub fn status(&self) -> u16 {
                #status_of
            }
        }

        impl ::matrix_api_core::OutgoingResponse for Error {
            fn try_into_http_response<B: ::std::convert::From<::std::vec::Vec<u8>>>(self) -> ::std::result::Result<::matrix_api_core::http::Response<B>, ::matrix_api_core::IntoHttpError> {
                #write
            }
        }

        impl ::matrix_api_core::EndpointError for Error {
            #[inline]
            fn status(&self) -> ::matrix_api_core::http::StatusCode {
                ::matrix_api_core::http::StatusCode::from_u16(Error::status(self)).unwrap_or(::matrix_api_core::http::StatusCode::INTERNAL_SERVER_ERROR)
            }

            #[inline]
            fn matrix_error(&self) -> ::std::option::Option<&::matrix_api_core::MatrixError> {
                #[allow(unreachable_patterns)]
                match self {
                    #(#matrix_errors)*
                    Error::Other { body, .. } => ::std::option::Option::Some(body),
                    _ => ::std::option::Option::None,
                }
            }

            fn from_matrix_error(status: ::matrix_api_core::http::StatusCode, error: ::matrix_api_core::MatrixError) -> Self {
                let status = status.as_u16();
                #[allow(unreachable_patterns)]
                match status {
                    #(#from_matrix)*
                    _ => Error::Other { status, body: error },
                }
            }
        }

        impl ::std::fmt::Display for Error {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match ::matrix_api_core::EndpointError::matrix_error(self) {
                    ::std::option::Option::Some(error) => ::std::write!(f, "HTTP {}: {}", Error::status(self), error),
                    ::std::option::Option::None => ::std::write!(f, "HTTP {}", Error::status(self)),
                }
            }
        }

        impl ::std::error::Error for Error {}
    }
}
