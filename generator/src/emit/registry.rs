//! The example registry (behind the `examples` feature): for every place the spec's examples
//! can be (an operation's request or a status, an event schema file), the generated type
//! that reads it, so that a test can check every example.

use proc_macro2::TokenStream;
use quote::quote;

use crate::items::{ApiItems, BodyItem, TypeRef};

use super::scope::{Scope, ident_path};

/// The registry module's items.
pub fn registry_items(scope: &mut Scope<'_>) -> TokenStream {
    let items: &ApiItems = scope.items();
    let check = scope.core("ExampleCheck");
    let mut arms = Vec::new();
    for (index, op) in items.operations.iter().enumerate() {
        let id = &op.operation_id;
        let path = items.operation_path(index);
        let mut places: Vec<(String, TokenStream)> = Vec::new();
        let wire = |name: &str, whole: bool| match whole {
            true => ident_path(&format!("crate::{path}::{name}")),
            false => ident_path(&format!("crate::{path}::{name}Body")),
        };
        match &op.request.body {
            BodyItem::Fields(_) => places.push((
                "request".into(),
                wire("Request", op.request.whole_body().is_some()),
            )),
            BodyItem::Json { field } => places.push(("request".into(), scope.ty(&field.ty))),
            BodyItem::None | BodyItem::Bytes { .. } => {}
        }
        for response in &op.responses {
            let place = response.status.to_string();
            match &response.body {
                BodyItem::Fields(_) => {
                    places.push((place, wire(&response.name, response.whole_body().is_some())))
                }
                BodyItem::Json { field } => places.push((place, scope.ty(&field.ty))),
                BodyItem::None | BodyItem::Bytes { .. } => {}
            }
        }
        for error in &op.errors {
            places.push((error.status.to_string(), scope.ty(&error.body)));
        }
        for (place, ty) in places {
            arms.push(quote! { (#id, #place) => check.check::<#ty>(json), });
        }
    }
    let mut event_arms = Vec::new();
    if let Some(events) = &items.events {
        for event in &events.events {
            let file = &event.file;
            let ty = scope.ty(&event.event);
            event_arms.push(quote! { #file => check.check::<#ty>(json), });
        }
    }
    for (file, ty) in &items.components {
        let ty = scope.ty(&TypeRef::clone(ty));
        event_arms.push(quote! { #file => check.check::<#ty>(json), });
    }
    let visits = items.operations.iter().enumerate().map(|(index, op)| {
        let id = &op.operation_id;
        let module = ident_path(&format!("crate::{}", items.operation_path(index)));
        quote! { #id => visitor.visit::<#module::Request>(), }
    });
    let visitor = scope.core("OperationVisitor");
    let version = &items.version;
    let operation_body = if arms.is_empty() {
        quote! {
            let _ = (operation_id, place, json, check);
            None
        }
    } else {
        quote! {
            Some(match (operation_id, place) {
                #(#arms)*
                _ => return None,
            })
        }
    };
    let event_body = if event_arms.is_empty() {
        quote! {
            let _ = (schema_file, json, check);
            None
        }
    } else {
        quote! {
            Some(match schema_file {
                #(#event_arms)*
                _ => return None,
            })
        }
    };
    quote! {
        /// The spec version this code was generated from.
        pub const SPEC_VERSION: &str = #version;

        /// Runs `check` on `json` as the body of `operation_id` at `place` (`request` or a
        /// status); `None` when there is no JSON body there.
        #[allow(deprecated)]
        pub fn round_trip<C: #check>(operation_id: &str, place: &str, json: &serde_json::Value, check: C) -> Option<C::Output> {
            #operation_body
        }

        /// Runs `visitor` with the types of the operation `operation_id`; `None` for an
        /// unknown one.
        #[allow(deprecated)]
        pub fn with_operation<V: #visitor>(operation_id: &str, visitor: V) -> Option<V::Output> {
            Some(match operation_id {
                #(#visits)*
                _ => return None,
            })
        }

        /// Runs `check` on `json` as the event of `schema_file` (a path under the spec's data
        /// folder; `[]` before it for an array of them).
        #[allow(deprecated)]
        pub fn round_trip_event<C: #check>(schema_file: &str, json: &serde_json::Value, check: C) -> Option<C::Output> {
            #event_body
        }
    }
}
