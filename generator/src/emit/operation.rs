//! One module per operation: `METADATA`, `Request`, `Response`, `Error`, and both
//! directions of the HTTP conversion for each.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::scope::ident;
use crate::ir::{AuthKind, ParamLocation, SchemeKind, StatusCode};
use crate::items::{
    BodyItem, ContentKind, ErrorVariant, Field, OperationItem, ParamStyle, Presence, ResponseItem,
    Struct, TypeRef,
};

use super::scope::{Here, Scope};
use super::types::{
    constructor_named, debug_impl, default_expr, default_impl, deprecated_attr, derives,
    derives_default, doc_attrs, doc_line, is_parameter, json_object, public_struct,
};

/// The items of operation `index`'s module (without its `use` lines and local types, which
/// the caller adds).
pub fn operation_items(scope: &mut Scope<'_>, index: usize) -> TokenStream {
    let op = scope.items().operations[index].clone();
    let metadata = metadata(scope, &op);
    let request = request(scope, &op);
    let response = responses(scope, &op);
    let error = error_enum(scope, &op.errors);
    quote! {
        #metadata
        #request
        #response
        #error
    }
}

/// The module's documentation.
pub fn module_doc(scope: &Scope<'_>, op: &OperationItem) -> TokenStream {
    let site = scope.items().site.clone();
    let title = format!(" `{} {}` ([spec]({}))", op.method, op.path, op.link);
    let summary = doc_attrs(&site, op.summary.as_deref());
    let description = doc_attrs(&site, op.description.as_deref());
    let mut notes = Vec::new();
    if let Some(v) = &op.added_in {
        notes.push(format!(" Added in Matrix {v}."));
    }
    if let Some(note) = &op.deprecated {
        notes.push(format!(" **Deprecated:** {note}"));
    }
    quote! {
        #summary
        #[doc = ""]
        #[doc = #title]
        #[doc = ""]
        #description
        #(#[doc = ""] #[doc = #notes])*
    }
}

fn metadata(scope: &mut Scope<'_>, op: &OperationItem) -> TokenStream {
    let metadata = scope.core("Metadata");
    let version = scope.core("MatrixVersion");
    let auth_enum = scope.core("Auth");
    let scheme_enum = match op.auth {
        AuthKind::None => TokenStream::new(),
        _ => scope.core("AuthScheme"),
    };
    let id = &op.operation_id;
    let method = format_ident!("{}", op.method.as_str());
    let path = &op.path;
    let scheme = |kind: SchemeKind| match kind {
        SchemeKind::AccessToken | SchemeKind::Unknown => quote! { #scheme_enum::AccessToken },
        SchemeKind::AppserviceToken => quote! { #scheme_enum::AppserviceToken },
        SchemeKind::HomeserverToken => quote! { #scheme_enum::HomeserverToken },
        SchemeKind::XMatrix => quote! { #scheme_enum::XMatrix },
    };
    let auth = match op.auth {
        AuthKind::None => quote! { #auth_enum::None },
        AuthKind::Optional(k) => {
            let s = scheme(k);
            quote! { #auth_enum::Optional(#s) }
        }
        AuthKind::Required(k) => {
            let s = scheme(k);
            quote! { #auth_enum::Required(#s) }
        }
    };
    let rate_limited = op.rate_limited;
    let deprecated = op.deprecated.is_some();
    let added_in = match &op.added_in {
        Some(v) => quote! { Some(#v) },
        None => quote! { None },
    };
    let history = op.history.iter().map(|((major, minor, patch), path)| {
        let [major, minor, patch] =
            [*major, *minor, *patch].map(proc_macro2::Literal::u16_unsuffixed);
        quote! { (#version::new(#major, #minor, #patch), #path) }
    });
    quote! {
        /// Facts about this endpoint: method, paths by release, authentication.
        pub const METADATA: #metadata = #metadata {
            operation_id: #id,
            method: matrix_api_core::http::Method::#method,
            path: #path,
            history: &[#(#history),*],
            auth: #auth,
            rate_limited: #rate_limited,
            deprecated: #deprecated,
            added_in: #added_in,
        };
    }
}

/// A struct of plain fields (no `json_object!`), for requests and responses whose fields
/// come from parameters, headers and a body.
fn plain_struct(
    scope: &mut Scope<'_>,
    name: &Ident,
    doc: TokenStream,
    fields: &[Field],
    body: Option<&Struct>,
    new: &Ident,
) -> TokenStream {
    let site = scope.items().site.clone();
    let mut defs = Vec::new();
    let all_fields: Vec<&Field> = fields
        .iter()
        .chain(body.iter().flat_map(|b| b.fields.iter()))
        .collect();
    for field in &all_fields {
        let f = ident(&field.name);
        let ty = scope.ty(&field.rust_type());
        let doc = doc_attrs(&site, field.doc.as_deref());
        let deprecated = deprecated_attr(field.deprecated.as_deref());
        defs.push(quote! { #doc #deprecated pub #f: #ty, });
    }
    if let Some(body) = body {
        if let Some((extra, value)) = &body.extra {
            let f = ident(extra);
            let map = scope.ty(&TypeRef::Map(
                Box::new(TypeRef::String),
                Box::new(value.clone()),
            ));
            defs.push(quote! {
                /// Members beyond the named ones, kept so that nothing is lost on the way back.
                pub #f: #map,
            });
        }
        if let Some(flattened) = &body.flattened {
            let f = ident(&flattened.name);
            let ty = scope.named(flattened.ty);
            defs.push(quote! {
                /// The members that depend on the value of the tag.
                pub #f: #ty,
            });
        }
    }
    let combined = Struct {
        fields: all_fields.iter().map(|f| (*f).clone()).collect(),
        extra: body.and_then(|b| b.extra.clone()),
        flattened: body.and_then(|b| b.flattened.clone()),
    };
    let secret = combined.fields.iter().any(|f| f.secret);
    let derive = derives(derives_default(&combined), !secret);
    let default = default_impl(name, &combined);
    let new = constructor_named(scope, name, &combined, new);
    let debug = if secret {
        debug_impl(
            name,
            &combined.fields,
            combined.extra.as_ref().map(|(n, _)| n.as_str()),
            combined.flattened.as_ref().map(|f| f.name.as_str()),
        )
    } else {
        TokenStream::new()
    };
    quote! {
        #doc
        #derive
        #[non_exhaustive]
        pub struct #name { #(#defs)* }

        impl #name {
            #new
        }

        #default
        #debug
    }
}

/// The hidden struct that carries a body's members over the wire.
fn wire_struct(scope: &mut Scope<'_>, name: &Ident, body: &Struct) -> TokenStream {
    json_object(
        scope,
        name,
        quote! {
            #[cfg_attr(feature = "examples", derive(Debug, PartialEq))]
            pub(crate)
        },
        body,
        false,
    )
}

/// `Field { a: source.a, … }` for a body's members.
fn moves(body: &Struct, from: TokenStream) -> Vec<TokenStream> {
    body.fields
        .iter()
        .map(|f| ident(&f.name))
        .chain(body.extra.iter().map(|(n, _)| ident(n)))
        .chain(body.flattened.iter().map(|f| ident(&f.name)))
        .map(|f| quote! { #f: #from.#f })
        .collect()
}

fn request(scope: &mut Scope<'_>, op: &OperationItem) -> TokenStream {
    let name = format_ident!("Request");
    let req = &op.request;
    let mut fields: Vec<Field> = req.params.iter().map(|p| p.field.clone()).collect();
    let (body_struct, wire) = match &req.body {
        BodyItem::Fields(body) => (
            Some(body),
            wire_struct(scope, &format_ident!("RequestBody"), body),
        ),
        BodyItem::Json { field } => {
            fields.push(field.clone());
            (None, TokenStream::new())
        }
        BodyItem::Bytes {
            content_type_field, ..
        } => {
            fields.push(bytes_field());
            if *content_type_field {
                fields.push(content_type_field_def());
            }
            (None, TokenStream::new())
        }
        BodyItem::None => (None, TokenStream::new()),
    };
    // A request that sends an event's content takes the typed content in `new`, and
    // the event type and JSON object in `new_raw`.
    let new = if req.content_type_param.is_some() {
        format_ident!("new_raw")
    } else {
        format_ident!("new")
    };
    let whole = req.whole_body();
    let (definition, wire) = match whole {
        Some(body) => (
            public_struct(scope, &name, doc_line("The request."), body),
            TokenStream::new(),
        ),
        None => (
            plain_struct(
                scope,
                &name,
                doc_line("The request."),
                &fields,
                body_struct,
                &new,
            ),
            wire,
        ),
    };
    let typed_new = content_constructor(scope, op, &fields);

    // Client side: build the HTTP request.
    let path_args = req
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
        .map(|p| {
            let f = ident(&p.field.name);
            quote! { &matrix_api_core::query::QueryValue::to_query(&self.#f) }
        });
    let query_writes: Vec<TokenStream> = req
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Query)
        .map(|p| query_write(scope, p.style, &p.field))
        .collect();
    let header_writes: Vec<TokenStream> = req
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Header)
        .map(|p| {
            let (f, json) = (ident(&p.field.name), &p.field.json);
            if p.field.presence.is_required() {
                quote! { builder = builder.header(#json, self.#f.as_str()); }
            } else {
                quote! { builder = matrix_api_core::exchange::request_header_opt(builder, #json, self.#f.as_deref()); }
            }
        })
        .collect();
    let json_header = quote! {
        builder = builder.header(matrix_api_core::http::header::CONTENT_TYPE, "application/json");
    };
    let body_out = match &req.body {
        BodyItem::None => quote! { Vec::new() },
        BodyItem::Fields(_) if whole.is_some() => quote! {{
            #json_header
            serde_json::to_vec(&self)?
        }},
        BodyItem::Fields(body) => {
            let moves = moves(body, quote! { self });
            quote! {{
                #json_header
                serde_json::to_vec(&RequestBody { #(#moves),* })?
            }}
        }
        BodyItem::Json { field } => {
            let f = ident(&field.name);
            quote! {{
                #json_header
                serde_json::to_vec(&self.#f)?
            }}
        }
        BodyItem::Bytes {
            content_type_field, ..
        } => {
            if *content_type_field {
                quote! {{
                    builder = matrix_api_core::exchange::request_header_opt(builder, "content-type", self.content_type.as_deref());
                    self.body
                }}
            } else {
                quote! { self.body }
            }
        }
    };
    let builder_mut = if matches!(req.body, BodyItem::None) && header_writes.is_empty() {
        quote! { let builder }
    } else {
        quote! { let mut builder }
    };
    let query_mut = if query_writes.is_empty() {
        quote! { let query }
    } else {
        quote! { let mut query }
    };

    // Server side: read the HTTP request.
    let mut path_index = 0usize;
    let known_query: Vec<&str> = req
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Query && p.style != ParamStyle::Exploded)
        .map(|p| p.field.json.as_str())
        .collect();
    let param_reads: Vec<TokenStream> = req
        .params
        .iter()
        .map(|p| {
            let (f, json) = (ident(&p.field.name), &p.field.json);
            match p.location {
                ParamLocation::Path => {
                    let i = proc_macro2::Literal::usize_unsuffixed(path_index);
                    path_index += 1;
                    quote! { #f: matrix_api_core::exchange::path_param(#json, &path[#i])?, }
                }
                ParamLocation::Query => query_read(scope, p.style, &p.field, &known_query),
                ParamLocation::Header => {
                    if p.field.presence.is_required() {
                        quote! {
                            #f: matrix_api_core::exchange::header_str(request.headers(), #json)?
                                .ok_or_else(|| matrix_api_core::RequestError::new(
                                    matrix_api_core::RequestErrorKind::MissingParam,
                                    concat!("header `", #json, "` is required"),
                                ))?
                                .to_owned(),
                        }
                    } else {
                        quote! { #f: matrix_api_core::exchange::header_str(request.headers(), #json)?.map(str::to_owned), }
                    }
                }
            }
        })
        .collect();
    let (body_read, body_fields_in) = match &req.body {
        BodyItem::None => (quote! {}, quote! {}),
        BodyItem::Fields(_) if whole.is_some() => (quote! {}, quote! {}),
        BodyItem::Fields(body) => {
            let moves = moves(body, quote! { body });
            let binding = if moves.is_empty() {
                quote! { _ }
            } else {
                quote! { body }
            };
            (
                quote! { let #binding: RequestBody = matrix_api_core::exchange::request_json(request.body().as_ref())?; },
                quote! { #(#moves,)* },
            )
        }
        BodyItem::Json { field } => {
            let f = ident(&field.name);
            (
                quote! { let #f = matrix_api_core::exchange::request_json(request.body().as_ref())?; },
                quote! { #f, },
            )
        }
        BodyItem::Bytes {
            content_type_field, ..
        } => {
            let ct = if *content_type_field {
                quote! { content_type: matrix_api_core::exchange::content_type(request.headers()), }
            } else {
                quote! {}
            };
            (
                quote! { let body = request.body().as_ref().to_vec(); },
                quote! { body, #ct },
            )
        }
    };
    let path_binding = if path_index > 0 {
        quote! { let path = }
    } else {
        quote! { let _ = }
    };
    let query_binding = if req
        .params
        .iter()
        .any(|p| p.location == ParamLocation::Query)
    {
        quote! { let query = matrix_api_core::query::Query::parse(request.uri().query()); }
    } else {
        quote! {}
    };
    let request_value = match whole {
        Some(_) => quote! { matrix_api_core::exchange::request_json(request.body().as_ref()) },
        None => quote! { Ok(Request { #(#param_reads)* #body_fields_in }) },
    };
    let outgoing = scope.core("OutgoingRequest");
    let incoming = scope.core("IncomingRequest");
    let metadata = scope.core("Metadata");
    let into_error = scope.core("IntoHttpError");
    let request_error = scope.core("RequestError");
    quote! {
        #definition
        #typed_new
        #wire

        impl #outgoing for Request {
            const METADATA: #metadata = METADATA;
            type IncomingResponse = Response;

            #[allow(deprecated)]
            fn try_into_http_request_with_path<B: From<Vec<u8>>>(
                self,
                base_url: &str,
                token: Option<&str>,
                path_template: &str,
            ) -> Result<matrix_api_core::http::Request<B>, #into_error> {
                let path = matrix_api_core::path::fill(path_template, &[#(#path_args),*]);
                #query_mut = matrix_api_core::query::QueryWriter::default();
                #(#query_writes)*
                let path_and_query = format!("{path}{}", query.finish());
                #builder_mut = matrix_api_core::exchange::request_builder(&METADATA, base_url, &path_and_query, token)?;
                #(#header_writes)*
                let body = #body_out;
                Ok(builder.body(B::from(body))?)
            }
        }

        impl #incoming for Request {
            const METADATA: #metadata = METADATA;
            type OutgoingResponse = Response;
            type Error = Error;

            #[allow(deprecated)]
            fn try_from_http_request<B: AsRef<[u8]>>(
                request: matrix_api_core::http::Request<B>,
            ) -> Result<Self, #request_error> {
                #path_binding matrix_api_core::exchange::check_request(&METADATA, request.method(), request.uri().path())?;
                #query_binding
                #body_read
                #request_value
            }
        }
    }
}

/// For a request whose body is the content of an event whose type is a path parameter:
/// `new` takes the typed content (and `new_raw` everything).
fn content_constructor(scope: &mut Scope<'_>, op: &OperationItem, fields: &[Field]) -> TokenStream {
    let Some(type_param) = op.request.content_type_param else {
        return TokenStream::new();
    };
    let BodyItem::Json { field: body } = &op.request.body else {
        return TokenStream::new();
    };
    let kind = if op.path.contains("/state/") {
        ContentKind::State
    } else if op.path.contains("/send/") {
        ContentKind::MessageLike
    } else {
        ContentKind::Other
    };
    let bound = match kind {
        ContentKind::State => scope.core("StateEventContent"),
        ContentKind::MessageLike => scope.core("MessageLikeEventContent"),
        _ => scope.core("EventContent"),
    };
    let type_field = &op.request.params[type_param].field;
    let mut params = Vec::new();
    let mut args = Vec::new();
    for field in fields.iter().filter(|f| is_parameter(f)) {
        let f = ident(&field.name);
        if field.name == type_field.name {
            args.push(quote! { C::EVENT_TYPE.to_owned() });
        } else if field.name == body.name {
            args.push(quote! { matrix_api_core::content::to_object(content)? });
        } else {
            let ty = scope.ty(&field.rust_type());
            params.push(quote! { #f: #ty });
            args.push(quote! { #f });
        }
    }
    let doc = format!(
        " A request that sends `content`; its event type fills `{}`.",
        type_field.json
    );
    quote! {
        impl Request {
            #[doc = #doc]
            #[allow(clippy::too_many_arguments)]
            pub fn new<C: #bound>(#(#params,)* content: &C) -> serde_json::Result<Self> {
                Ok(Request::new_raw(#(#args),*))
            }
        }
    }
}

fn bytes_field() -> Field {
    Field {
        name: "body".into(),
        json: String::new(),
        ty: TypeRef::Bytes,
        presence: Presence::Required,
        doc: Some("The bytes of the body.".into()),
        deprecated: None,
        secret: false,
    }
}

fn content_type_field_def() -> Field {
    Field {
        name: "content_type".into(),
        json: "content-type".into(),
        ty: TypeRef::String,
        presence: Presence::Optional,
        doc: Some("The body's media type (`Content-Type`).".into()),
        deprecated: None,
        secret: false,
    }
}

fn query_write(scope: &mut Scope<'_>, style: ParamStyle, field: &Field) -> TokenStream {
    let (f, json) = (ident(&field.name), &field.json);
    match (style, &field.presence) {
        (ParamStyle::Repeated, _) => quote! { query.push_all(#json, &self.#f); },
        (ParamStyle::Exploded, _) => quote! { query.push_map(&self.#f); },
        (ParamStyle::Json, Presence::Required) => quote! { query.push_json(#json, &self.#f)?; },
        (ParamStyle::Json, _) => quote! { query.push_json_opt(#json, &self.#f)?; },
        (ParamStyle::Single, Presence::Required) => quote! { query.push(#json, &self.#f); },
        (ParamStyle::Single, Presence::Defaulted(_)) => {
            let default = default_expr(scope, field);
            quote! { query.push_unless_default(#json, &self.#f, &#default); }
        }
        (ParamStyle::Single, _) => quote! { query.push_opt(#json, &self.#f); },
    }
}

fn query_read(
    scope: &mut Scope<'_>,
    style: ParamStyle,
    field: &Field,
    known: &[&str],
) -> TokenStream {
    let (f, json) = (ident(&field.name), &field.json);
    match (style, &field.presence) {
        (ParamStyle::Repeated, _) => quote! { #f: query.all(#json)?, },
        (ParamStyle::Exploded, _) => quote! { #f: query.rest(&[#(#known),*])?, },
        (ParamStyle::Json, Presence::Required) => quote! {
            #f: query.optional_json(#json)?.ok_or_else(|| matrix_api_core::RequestError::new(
                matrix_api_core::RequestErrorKind::MissingParam,
                concat!("query parameter `", #json, "` is required"),
            ))?,
        },
        (ParamStyle::Json, _) => quote! { #f: query.optional_json(#json)?, },
        (ParamStyle::Single, Presence::Required) => quote! { #f: query.required(#json)?, },
        (ParamStyle::Single, Presence::Defaulted(_)) => {
            let default = default_expr(scope, field);
            quote! { #f: query.or_default(#json, #default)?, }
        }
        (ParamStyle::Single, _) => quote! { #f: query.optional(#json)?, },
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

/// One success status's struct and how to read and write it.
struct Success {
    definition: TokenStream,
    read: TokenStream,
    write: TokenStream,
}

fn success(scope: &mut Scope<'_>, response: &ResponseItem) -> Success {
    let name = format_ident!("{}", response.name);
    let site = scope.items().site.clone();
    let mut fields: Vec<Field> = response.headers.iter().map(|h| h.field.clone()).collect();
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    for header in &response.headers {
        let (f, json) = (ident(&header.field.name), &header.field.json);
        if header.field.presence.is_required() {
            reads.push(quote! {
                #f: matrix_api_core::exchange::response_header(response.headers(), #json)?
                    .ok_or(matrix_api_core::DeserializationError::Header(#json))?,
            });
            writes.push(quote! { builder = builder.header(#json, self.#f.as_str()); });
        } else {
            reads.push(quote! { #f: matrix_api_core::exchange::response_header(response.headers(), #json)?, });
            writes.push(quote! {
                builder = matrix_api_core::exchange::response_header_opt(builder, #json, self.#f.as_deref());
            });
        }
    }
    let wire_name = format_ident!("{}Body", response.name);
    let json_header = quote! {
        builder = builder.header(matrix_api_core::http::header::CONTENT_TYPE, "application/json");
    };
    let status = status_value(&response.status);
    if let Some(body) = response.whole_body() {
        let doc = match doc_attrs(&site, response.doc.as_deref()) {
            doc if doc.is_empty() => doc_line("The response."),
            doc => doc,
        };
        return Success {
            definition: public_struct(scope, &name, doc, body),
            read: quote! { matrix_api_core::exchange::response_json(response.body().as_ref())? },
            write: quote! {{
                let mut builder = matrix_api_core::http::Response::builder().status(#status);
                #json_header
                Ok(builder.body(B::from(serde_json::to_vec(&self)?))?)
            }},
        };
    }
    let mut body_struct = None;
    let mut wire = TokenStream::new();
    let (body_prelude, body_read, body_write) = match &response.body {
        BodyItem::None => (quote! {}, quote! {}, quote! { Vec::new() }),
        BodyItem::Fields(body) => {
            body_struct = Some(body);
            wire = wire_struct(scope, &wire_name, body);
            let from_body = moves(body, quote! { body });
            let to_body = moves(body, quote! { self });
            let binding = if from_body.is_empty() {
                quote! { _ }
            } else {
                quote! { body }
            };
            (
                quote! { let #binding: #wire_name = matrix_api_core::exchange::response_json(response.body().as_ref())?; },
                quote! { #(#from_body,)* },
                quote! {{
                    #json_header
                    serde_json::to_vec(&#wire_name { #(#to_body),* })?
                }},
            )
        }
        BodyItem::Json { field } => {
            fields.push(field.clone());
            let f = ident(&field.name);
            (
                quote! {},
                quote! { #f: matrix_api_core::exchange::response_json(response.body().as_ref())?, },
                quote! {{
                    #json_header
                    serde_json::to_vec(&self.#f)?
                }},
            )
        }
        BodyItem::Bytes {
            media_types,
            content_type_field,
        } => {
            let mut body = bytes_field();
            let mut doc = format!("The bytes of the body ({}).", media_types.join(", "));
            if media_types.iter().any(|m| m.starts_with("multipart/")) {
                doc.push_str(" Split it with `matrix_api_core::multipart::parse`.");
            }
            body.doc = Some(doc);
            fields.push(body);
            let (ct_read, ct_write) = if *content_type_field {
                fields.push(content_type_field_def());
                (
                    quote! { content_type: matrix_api_core::exchange::content_type(response.headers()), },
                    quote! {
                        builder = matrix_api_core::exchange::response_header_opt(builder, "content-type", self.content_type.as_deref());
                    },
                )
            } else {
                (quote! {}, quote! {})
            };
            (
                quote! {},
                quote! { #ct_read body: response.body().as_ref().to_vec(), },
                quote! {{ #ct_write self.body }},
            )
        }
    };
    let doc = match doc_attrs(&site, response.doc.as_deref()) {
        doc if doc.is_empty() => doc_line("The response."),
        doc => doc,
    };
    let definition = plain_struct(
        scope,
        &name,
        doc,
        &fields,
        body_struct,
        &format_ident!("new"),
    );
    let builder_decl = if writes.is_empty() && matches!(response.body, BodyItem::None) {
        quote! { let builder }
    } else {
        quote! { let mut builder }
    };
    let read = if body_prelude.is_empty() {
        quote! { #name { #(#reads)* #body_read } }
    } else {
        quote! {{
            #body_prelude
            #name { #(#reads)* #body_read }
        }}
    };
    Success {
        definition: quote! { #definition #wire },
        read,
        write: quote! {{
            #builder_decl = matrix_api_core::http::Response::builder().status(#status);
            #(#writes)*
            let body = #body_write;
            Ok(builder.body(B::from(body))?)
        }},
    }
}

fn responses(scope: &mut Scope<'_>, op: &OperationItem) -> TokenStream {
    let incoming = scope.core("IncomingResponse");
    let outgoing = scope.core("OutgoingResponse");
    let from_error = scope.core("FromHttpResponseError");
    let into_error = scope.core("IntoHttpError");
    let incoming_impl = |body: TokenStream| {
        quote! {
            impl #incoming for Response {
                type Error = Error;

                #[allow(deprecated)]
                fn try_from_http_response<B: AsRef<[u8]>>(
                    response: matrix_api_core::http::Response<B>,
                ) -> Result<Self, #from_error<Error>> {
                    #body
                }
            }
        }
    };
    let outgoing_impl = |name: &Ident, body: TokenStream| {
        quote! {
            impl #outgoing for #name {
                #[allow(deprecated)]
                fn try_into_http_response<B: From<Vec<u8>>>(self) -> Result<matrix_api_core::http::Response<B>, #into_error> {
                    #body
                }
            }
        }
    };
    let response_name = format_ident!("Response");
    let other = quote! {
        _ => Err(#from_error::Server(Error::from_http_response(&response)?)),
    };
    let incoming_none = incoming_impl(quote! {
        if response.status().is_success() {
            return Ok(Response {});
        }
        Err(#from_error::Server(Error::from_http_response(&response)?))
    });
    let outgoing_none = outgoing_impl(
        &response_name,
        quote! { Ok(matrix_api_core::http::Response::builder().status(200).body(B::from(Vec::new()))?) },
    );
    match op.responses.as_slice() {
        [] => quote! {
            /// The response (the spec documents no success body).
            #[derive(Debug, Clone, PartialEq, Default)]
            #[non_exhaustive]
            pub struct Response {}

            impl Response {
                /// A response.
                #[inline]
                pub fn new() -> Self {
                    Response {}
                }
            }

            #incoming_none
            #outgoing_none
        },
        [single] => {
            let s = success(scope, single);
            let pattern = status_pattern(&single.status);
            let (definition, read, write) = (s.definition, s.read, s.write);
            let incoming = incoming_impl(quote! {
                match response.status().as_u16() {
                    #pattern => Ok(#read),
                    #other
                }
            });
            let outgoing = outgoing_impl(&response_name, write);
            quote! {
                #definition
                #incoming
                #outgoing
            }
        }
        many => {
            let mut defs = Vec::new();
            let mut variants = Vec::new();
            let mut reads = Vec::new();
            let mut writes = Vec::new();
            for response in many {
                let variant = format_ident!("{}", response.variant);
                let name = format_ident!("{}", response.name);
                let s = success(scope, response);
                defs.push(s.definition);
                let doc = format!(" Status {}.", response.status);
                variants.push(quote! { #[doc = #doc] #variant(#name), });
                let pattern = status_pattern(&response.status);
                let read = s.read;
                reads.push(quote! { #pattern => Ok(Response::#variant(#read)), });
                let write = s.write;
                writes.push(
                    quote! { Response::#variant(this) => #outgoing::try_into_http_response(this), },
                );
                defs.push(outgoing_impl(&name, write));
            }
            let incoming = incoming_impl(quote! {
                match response.status().as_u16() {
                    #(#reads)*
                    #other
                }
            });
            let outgoing = outgoing_impl(&response_name, quote! { match self { #(#writes)* } });
            quote! {
                #(#defs)*

                /// The response: one of the statuses the spec documents for success.
                #[derive(Debug, Clone, PartialEq)]
                #[non_exhaustive]
                pub enum Response { #(#variants)* }

                #incoming
                #outgoing
            }
        }
    }
}

fn error_enum(scope: &mut Scope<'_>, errors: &[ErrorVariant]) -> TokenStream {
    let site = scope.items().site.clone();
    let matrix_error = scope.core("MatrixError");
    let outgoing = scope.core("OutgoingResponse");
    let endpoint_error = scope.core("EndpointError");
    let deser_error = scope.core("DeserializationError");
    let into_error = scope.core("IntoHttpError");
    let mut variants = Vec::new();
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let mut statuses = Vec::new();
    let mut matrix_errors = Vec::new();
    let mut from_matrix = Vec::new();
    let status_of = |code: TokenStream| {
        quote! { matrix_api_core::http::StatusCode::from_u16(#code).unwrap_or(matrix_api_core::http::StatusCode::INTERNAL_SERVER_ERROR) }
    };
    for error in errors {
        let variant = format_ident!("{}", error.name);
        let body = scope.ty(&error.body);
        let doc = doc_attrs(&site, error.doc.as_deref());
        let pattern = status_pattern(&error.status);
        match error.status {
            StatusCode::Code(code) => {
                variants.push(quote! { #doc #variant(#body), });
                reads.push(quote! { #pattern => Error::#variant(matrix_api_core::exchange::response_json(response.body().as_ref())?), });
                let status = status_of(quote! { #code });
                writes.push(quote! { Error::#variant(body) => matrix_api_core::exchange::json_response(#status, body), });
                statuses.push(quote! { Error::#variant(_) => #code, });
                if error.is_matrix_error {
                    matrix_errors.push(quote! { Error::#variant(body) => Some(body), });
                    from_matrix.push(quote! { #code => Error::#variant(error), });
                }
            }
            StatusCode::Range(_) => {
                variants.push(quote! { #doc #variant { status: u16, body: #body }, });
                reads.push(quote! { #pattern => Error::#variant { status, body: matrix_api_core::exchange::response_json(response.body().as_ref())? }, });
                let status = status_of(quote! { *status });
                writes.push(quote! { Error::#variant { status, body } => matrix_api_core::exchange::json_response(#status, body), });
                statuses.push(quote! { Error::#variant { status, .. } => *status, });
                if error.is_matrix_error {
                    matrix_errors.push(quote! { Error::#variant { body, .. } => Some(body), });
                    from_matrix
                        .push(quote! { #pattern => Error::#variant { status, body: error }, });
                }
            }
        }
    }
    let other_read = quote! {
        match serde_json::from_slice::<#matrix_error>(response.body().as_ref()) {
            Ok(body) => Error::Other { status, body },
            Err(_) => return Err(#deser_error::UnexpectedStatus(response.status())),
        }
    };
    let other_status = status_of(quote! { *status });
    let other_write = quote! { matrix_api_core::exchange::json_response(#other_status, body) };
    let all_matrix = matrix_errors.len() == errors.len();
    let read_match = if reads.is_empty() {
        other_read
    } else {
        quote! {
            match status {
                #(#reads)*
                _ => #other_read,
            }
        }
    };
    let from_matrix_match = if from_matrix.is_empty() {
        quote! { Error::Other { status, body: error } }
    } else {
        quote! {
            #[allow(unreachable_patterns)]
            match status {
                #(#from_matrix)*
                _ => Error::Other { status, body: error },
            }
        }
    };
    let matrix_fallback = if all_matrix {
        TokenStream::new()
    } else {
        quote! { _ => None, }
    };
    quote! {
        /// The error statuses the spec documents for this endpoint, and any other error.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Error {
            #(#variants)*
            /// A status the spec does not document here, with a Matrix error body.
            Other { status: u16, body: #matrix_error },
        }

        impl Error {
            /// Reads an error response.
            pub fn from_http_response<B: AsRef<[u8]>>(
                response: &matrix_api_core::http::Response<B>,
            ) -> Result<Self, #deser_error> {
                let status = response.status().as_u16();
                Ok(#read_match)
            }

            /// The HTTP status.
            #[inline]
            pub fn status(&self) -> u16 {
                match self {
                    #(#statuses)*
                    Error::Other { status, .. } => *status,
                }
            }
        }

        impl #outgoing for Error {
            fn try_into_http_response<B: From<Vec<u8>>>(self) -> Result<matrix_api_core::http::Response<B>, #into_error> {
                match &self {
                    #(#writes)*
                    Error::Other { status, body } => #other_write,
                }
            }
        }

        impl #endpoint_error for Error {
            #[inline]
            fn status(&self) -> matrix_api_core::http::StatusCode {
                matrix_api_core::http::StatusCode::from_u16(Error::status(self))
                    .unwrap_or(matrix_api_core::http::StatusCode::INTERNAL_SERVER_ERROR)
            }

            #[inline]
            fn matrix_error(&self) -> Option<&#matrix_error> {
                match self {
                    #(#matrix_errors)*
                    Error::Other { body, .. } => Some(body),
                    #matrix_fallback
                }
            }

            fn from_matrix_error(status: matrix_api_core::http::StatusCode, error: #matrix_error) -> Self {
                let status = status.as_u16();
                #from_matrix_match
            }
        }

        impl std::fmt::Display for Error {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match #endpoint_error::matrix_error(self) {
                    Some(error) => write!(f, "HTTP {}: {error}", Error::status(self)),
                    None => write!(f, "HTTP {}", Error::status(self)),
                }
            }
        }

        impl std::error::Error for Error {}
    }
}

/// The scope of an operation's module: its own items and local type names are in scope.
pub fn scope_for<'i>(
    items: &'i crate::items::ApiItems,
    index: usize,
    local: &[String],
) -> Scope<'i> {
    let op = &items.operations[index];
    let mut names: Vec<String> = ["METADATA", "Request", "Response", "Error", "RequestBody"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    names.extend(local.iter().cloned());
    for response in &op.responses {
        names.push(response.name.clone());
        names.push(format!("{}Body", response.name));
    }
    Scope::new(
        items,
        Here::Operation(index),
        names.iter().map(String::as_str),
    )
}
