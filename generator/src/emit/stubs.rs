//! Client and server stubs: a method per operation on a typed handle over any
//! `matrix_api_core::RequestSender` such as `matrix_client::Client` (the `client` feature),
//! and a trait per API with one method per operation plus `add_routes` for any
//! `matrix_api_core::EndpointRegistry` such as `matrix_server::Routes` (the `server`
//! feature). The generated code names only `matrix_api_core`, so the crates build without
//! the HTTP client and server.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::ir::Api;
use crate::items::names;
use crate::items::{ApiItems, BodyItem, ContentKind, Field, OperationItem};

use super::scope::{Scope, ident, ident_path};
use super::types::{doc_attrs, is_parameter};

/// `ClientServer` for the client-server API.
fn api_name(api: Api) -> Ident {
    format_ident!("{}", names::camel(api.dir_name()))
}

/// The path of an operation's module from the crate root (`crate::membership::join_room`).
fn module_path(items: &ApiItems, index: usize) -> TokenStream {
    ident_path(&format!("crate::{}", items.operation_path(index)))
}

/// The first paragraph of an operation's docs, and its deprecation.
fn method_attrs(items: &ApiItems, op: &OperationItem) -> TokenStream {
    let summary = doc_attrs(&items.site, op.summary.as_deref());
    let link = format!(" `{} {}` ([spec]({}))", op.method, op.path, op.link);
    let deprecated = super::types::deprecated_attr(op.deprecated.as_deref());
    quote! { #summary #[doc = ""] #[doc = #link] #deprecated }
}

/// The fields `Request::new` takes, in order, and the `Request` fields behind them.
fn request_fields(op: &OperationItem) -> Vec<Field> {
    let mut fields: Vec<Field> = op.request.params.iter().map(|p| p.field.clone()).collect();
    match &op.request.body {
        BodyItem::Fields(body) => fields.extend(body.fields.iter().cloned()),
        BodyItem::Json { field } => fields.push(field.clone()),
        BodyItem::Bytes { .. } => fields.push(Field {
            name: "body".into(),
            json: String::new(),
            ty: crate::items::TypeRef::Bytes,
            presence: crate::items::Presence::Required,
            doc: None,
            deprecated: None,
            secret: false,
        }),
        BodyItem::None => {}
    }
    fields
}

/// The `client` module: `ClientServerExt` on every `RequestSender` and the handle whose
/// methods build each request from its required members.
pub fn client_items(scope: &mut Scope<'_>) -> TokenStream {
    let items = scope.items();
    let api = api_name(items.api);
    let ext = format_ident!("{}Ext", api);
    let accessor = format_ident!("{}", names::snake(items.api.dir_name()));
    let mut methods = Vec::new();
    for (index, op) in items.operations.iter().enumerate() {
        let module = module_path(items, index);
        let method = ident(&op.module);
        let attrs = method_attrs(items, op);
        let fields = request_fields(op);
        let flattened = match &op.request.body {
            BodyItem::Fields(body) => body.flattened.as_ref(),
            _ => None,
        };
        let mut params = Vec::new();
        let mut args = Vec::new();
        let typed = op.request.content_type_param;
        let type_field = typed.map(|i| op.request.params[i].field.name.clone());
        let body_field = match &op.request.body {
            BodyItem::Json { field } => Some(field.name.clone()),
            _ => None,
        };
        for field in fields.iter().filter(|f| is_parameter(f)) {
            if typed.is_some()
                && (Some(&field.name) == type_field.as_ref()
                    || Some(&field.name) == body_field.as_ref())
            {
                continue;
            }
            let f = ident(&field.name);
            let ty = scope.ty(&field.rust_type());
            params.push(quote! { #f: #ty });
            args.push(quote! { #f });
        }
        if let Some(flattened) = flattened {
            let f = ident(&flattened.name);
            let ty = scope.named(flattened.ty);
            params.push(quote! { #f: #ty });
            args.push(quote! { #f });
        }
        let pending = quote! { S::Pending<'c, #module::Request> };
        let definition = if typed.is_some() {
            let bound = match (op.path.contains("/state/"), op.path.contains("/send/")) {
                (true, _) => scope.core(content_trait(ContentKind::State)),
                (_, true) => scope.core(content_trait(ContentKind::MessageLike)),
                _ => scope.core(content_trait(ContentKind::Other)),
            };
            quote! {
                #attrs
                #[inline]
                #[allow(deprecated, clippy::too_many_arguments)]
                pub fn #method<C: #bound>(self, #(#params,)* content: &C) -> serde_json::Result<#pending> {
                    Ok(self.0.request(#module::Request::new(#(#args,)* content)?))
                }
            }
        } else {
            quote! {
                #attrs
                #[inline]
                #[allow(deprecated, clippy::too_many_arguments)]
                pub fn #method(self, #(#params),*) -> #pending {
                    self.0.request(#module::Request::new(#(#args),*))
                }
            }
        };
        methods.push(definition);
    }
    let sender = scope.core("RequestSender");
    let handle_doc = format!(
        " The {} API's operations on a client (such as `matrix_client::Client`): each method builds the request from its required members (with `matrix_client`, set the others with `Pending::with`) and returns it ready to `.await`.",
        items.api
    );
    let ext_doc = format!(" The {} API of a client.", items.api);
    let name = api.to_string();
    quote! {
        #[doc = #ext_doc]
        pub trait #ext: #sender {
            #[doc = #ext_doc]
            fn #accessor(&self) -> #api<'_, Self>;
        }

        impl<S: #sender> #ext for S {
            #[inline]
            fn #accessor(&self) -> #api<'_, Self> {
                #api(self)
            }
        }

        #[doc = #handle_doc]
        pub struct #api<'c, S: ?Sized>(&'c S);

        impl<S: ?Sized> Clone for #api<'_, S> {
            fn clone(&self) -> Self {
                *self
            }
        }

        impl<S: ?Sized> Copy for #api<'_, S> {}

        impl<S: ?Sized> std::fmt::Debug for #api<'_, S> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(#name)
            }
        }

        impl<'c, S: #sender + ?Sized> #api<'c, S> {
            #(#methods)*
        }
    }
}

fn content_trait(kind: ContentKind) -> &'static str {
    match kind {
        ContentKind::State => "StateEventContent",
        ContentKind::MessageLike => "MessageLikeEventContent",
        ContentKind::Other | ContentKind::Edu => "EventContent",
    }
}

/// The `server` module: the trait an implementation overrides method by method (every
/// default answers `404 M_UNRECOGNIZED`) and `add_routes`.
pub fn server_items(scope: &mut Scope<'_>) -> TokenStream {
    let items = scope.items();
    let trait_name = format_ident!("{}Api", api_name(items.api));
    let caller = scope.core("Caller");
    let unrecognized = scope.core("unrecognized");
    let registry = scope.core("EndpointRegistry");
    let mut methods = Vec::new();
    let mut routes = Vec::new();
    for (index, op) in items.operations.iter().enumerate() {
        let module = module_path(items, index);
        let method = ident(&op.module);
        let attrs = method_attrs(items, op);
        methods.push(quote! {
            #attrs
            #[allow(deprecated)]
            fn #method(
                &self,
                request: #module::Request,
                caller: #caller,
            ) -> impl std::future::Future<Output = Result<#module::Response, #module::Error>> + Send {
                let _ = (request, caller);
                async { Err(#unrecognized()) }
            }
        });
        routes.push(quote! {
            .endpoint::<#module::Request, _, _>(|api, request, caller| async move {
                api.#method(request, caller).await
            })
        });
    }
    let trait_doc = format!(
        " A server of the {} API: one method per operation, each given the typed request and the authenticated caller. Every method answers `404 M_UNRECOGNIZED` unless overridden, so an implementation serves only what it overrides.",
        items.api
    );
    let routes_doc = format!(
        " Adds the {} API's endpoints (every path each has had) to `routes`, served by the implementation `T`: `matrix_server::Routes::new(api).with(add_routes).into_router(config)`; several APIs can share one server.",
        items.api
    );
    quote! {
        #[doc = #trait_doc]
        pub trait #trait_name: Send + Sync + 'static {
            #(#methods)*
        }

        #[doc = #routes_doc]
        #[allow(deprecated)]
        pub fn add_routes<T: #trait_name, R: #registry<T>>(routes: R) -> R {
            routes #(#routes)*
        }
    }
}

/// The `mock` module: `Mock`, a server of the API that answers every operation with the
/// spec's example response (the `mock` feature).
pub fn mock_items(scope: &mut Scope<'_>) -> TokenStream {
    let items = scope.items();
    let trait_name = format_ident!("{}Api", api_name(items.api));
    let caller = scope.core("Caller");
    let mut methods = Vec::new();
    for (index, op) in items.operations.iter().enumerate() {
        let module = module_path(items, index);
        let method = ident(&op.module);
        let answer = match &op.mock {
            Some(mock) => {
                let status = mock.status;
                let (body, media) = match &mock.body {
                    crate::items::MockBody::None => (quote! { None }, quote! { None }),
                    crate::items::MockBody::Json(json) => (
                        quote! { Some(#json.as_bytes()) },
                        quote! { Some("application/json") },
                    ),
                    crate::items::MockBody::Bytes(media) => {
                        (quote! { Some(&[]) }, quote! { Some(#media) })
                    }
                };
                quote! { answer(#status, #body, #media) }
            }
            None => quote! { answer(200, None, None) },
        };
        methods.push(quote! {
            #[allow(deprecated)]
            fn #method(
                &self,
                request: #module::Request,
                caller: #caller,
            ) -> impl std::future::Future<Output = Result<#module::Response, #module::Error>> + Send {
                let _ = (request, caller);
                std::future::ready(#answer)
            }
        });
    }
    let doc = format!(
        " A server of the {} API that answers every operation with the spec's example response (its first documented success; `{{}}` where the spec gives no example, no bytes for media). Requests are read, and so checked, by the generated types first.",
        items.api
    );
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, Default)]
        pub struct Mock;

        impl crate::server::#trait_name for Mock {
            #(#methods)*
        }

        /// The typed response for an example answer; the endpoint's error when the example
        /// does not read as the response.
        fn answer<R, E>(status: u16, body: Option<&'static [u8]>, media_type: Option<&'static str>) -> Result<R, E>
        where
            R: matrix_api_core::IncomingResponse<Error = E>,
            E: matrix_api_core::EndpointError,
        {
            let mut response = matrix_api_core::http::Response::new(body.unwrap_or_default().to_vec());
            *response.status_mut() = matrix_api_core::http::StatusCode::from_u16(status)
                .unwrap_or(matrix_api_core::http::StatusCode::OK);
            if let Some(media_type) = media_type {
                if let Ok(value) = matrix_api_core::http::HeaderValue::from_str(media_type) {
                    response.headers_mut().insert(matrix_api_core::http::header::CONTENT_TYPE, value);
                }
            }
            match R::try_from_http_response(response) {
                Ok(response) => Ok(response),
                Err(matrix_api_core::FromHttpResponseError::Server(error)) => Err(error),
                Err(error) => Err(E::from_matrix_error(
                    matrix_api_core::http::StatusCode::INTERNAL_SERVER_ERROR,
                    matrix_api_core::MatrixError::new(
                        matrix_api_core::ErrorCode::Unknown,
                        format!("the spec's example does not read as the response: {error}"),
                    ),
                )),
            }
        }
    }
}
