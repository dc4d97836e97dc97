//! Event types: each event schema's type and content type, and an enum over the content of
//! every known event type with a fallback for the others.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::emit::types::TypeEmitter;
use crate::ir::EventSchema;
use crate::naming;

/// The `events` module, and for each event schema file the event's type path (for the
/// example round-trip registry).
pub fn events_module(
    te: &mut TypeEmitter<'_>,
    events: &[&EventSchema],
    enum_name: &str,
) -> (TokenStream, Vec<(String, TokenStream)>) {
    let mut registry = Vec::new();
    let mut reexports = BTreeSet::new();
    let mut variants = Vec::new();
    let mut seen = BTreeSet::new();
    for event in events {
        let ty = te.ty(event.schema);
        registry.push((event.location.file.display().to_string(), ty.clone()));
        reexports.insert(
            te.type_ident(te.spec().types.target(event.schema))
                .to_string(),
        );
        let Some(content) = event.content else {
            continue;
        };
        let content_ty = te.ty(content);
        if let Some(name) = te
            .spec()
            .types
            .get(te.spec().types.target(content))
            .name
            .clone()
        {
            reexports.insert(name);
        }
        if event.variant.is_some() || !seen.insert(event.event_type.clone()) {
            continue;
        }
        let variant = format_ident!(
            "{}",
            naming::identifier(
                event
                    .event_type
                    .strip_prefix("m.")
                    .unwrap_or(&event.event_type)
            )
        );
        variants.push((event.event_type.clone(), variant, content_ty));
    }
    let reexports = reexports.into_iter().map(|n| format_ident!("{}", n));
    let enum_name = format_ident!("{}", enum_name);
    let defs = variants.iter().map(|(event_type, variant, ty)| {
        let doc = format!(" `{event_type}`");
        quote! { #[doc = #doc] #variant(#ty), }
    });
    let parses = variants.iter().map(|(event_type, variant, _)| {
        quote! { #event_type => #enum_name::#variant(::serde_json::from_slice(content.as_bytes())?), }
    });
    let types = variants.iter().map(|(event_type, variant, _)| {
        quote! { #enum_name::#variant(_) => #event_type, }
    });
    let serializes = variants.iter().map(|(_, variant, _)| {
        quote! { #enum_name::#variant(content) => ::serde::Serialize::serialize(content, serializer), }
    });
    let items = quote! {
        pub use crate::types::{#(#reexports),*};

        /// The content of an event of any type the spec defines, or of another type.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #enum_name {
            #(#defs)*
            /// An event type the spec does not define.
            Unknown {
                /// The event type.
                event_type: ::std::string::String,
                /// The content.
                content: ::serde_json::Value,
            },
        }

        impl #enum_name {
            /// Parses `content` (JSON text, e.g. from a [`RawValue`](::serde_json::value::RawValue))
            /// as the content of an event of type `event_type`.
            pub fn parse<C: ::std::convert::AsRef<str> + ?::std::marker::Sized>(event_type: &str, content: &C) -> ::serde_json::Result<Self> {
                let content = content.as_ref();
                ::std::result::Result::Ok(match event_type {
                    #(#parses)*
                    _ => #enum_name::Unknown {
                        event_type: event_type.to_owned(),
                        content: ::serde_json::from_slice(content.as_bytes())?,
                    },
                })
            }

            /// The event type.
            pub fn event_type(&self) -> &str {
                match self {
                    #(#types)*
                    #enum_name::Unknown { event_type, .. } => event_type,
                }
            }
        }

        impl ::serde::Serialize for #enum_name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #(#serializes)*
                    #enum_name::Unknown { content, .. } => ::serde::Serialize::serialize(content, serializer),
                }
            }
        }
    };
    (items, registry)
}
