//! The events module: event types and contents (re-exported from `types`), what each
//! content knows of its event type, and an enum over the content of every event type.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::items::{ContentKind, EventsModule, TypeRef};

use super::scope::{Scope, ident_path};

/// The module's items.
pub fn events_items(scope: &mut Scope<'_>, module: &EventsModule) -> TokenStream {
    let items = scope.items();
    let mut reexports = BTreeSet::new();
    let mut impls = Vec::new();
    let mut implemented = BTreeSet::new();
    for event in &module.events {
        for ty in [Some(&event.event), event.content.as_ref()]
            .into_iter()
            .flatten()
        {
            if let TypeRef::Named(id) = ty {
                reexports.insert(items.def(*id).name.clone());
            }
        }
        let Some(TypeRef::Named(content)) = &event.content else {
            continue;
        };
        if !implemented.insert(*content) {
            continue;
        }
        let name = format_ident!("{}", items.def(*content).name);
        let event_type = &event.event_type;
        let event_content = scope.core("EventContent");
        let marker = match event.kind {
            ContentKind::MessageLike => Some(scope.core("MessageLikeEventContent")),
            ContentKind::State => Some(scope.core("StateEventContent")),
            ContentKind::Other | ContentKind::Edu => None,
        };
        let marker = marker.map(|m| quote! { impl #m for #name {} });
        impls.push(quote! {
            impl #event_content for #name {
                const EVENT_TYPE: &'static str = #event_type;
            }
            #marker
        });
    }
    for name in &reexports {
        scope.reexport("crate::types", name);
    }
    let reexports: Vec<TokenStream> = reexports.iter().map(|n| ident_path(n)).collect();
    let enum_name = format_ident!("{}", module.any_enum);
    let mut defs = Vec::new();
    let mut parses = Vec::new();
    let mut types = Vec::new();
    let mut serializes = Vec::new();
    for event in &module.events {
        let (Some(variant), Some(content)) = (&event.any_variant, &event.content) else {
            continue;
        };
        let variant = format_ident!("{}", variant);
        let ty = scope.ty(content);
        let event_type = &event.event_type;
        let doc = format!(" `{event_type}`");
        defs.push(quote! { #[doc = #doc] #variant(#ty), });
        parses
            .push(quote! { #event_type => #enum_name::#variant(serde_json::from_str(content)?), });
        types.push(quote! { #enum_name::#variant(_) => #event_type, });
        serializes.push(quote! { #enum_name::#variant(content) => serde::Serialize::serialize(content, serializer), });
    }
    let raw = scope.core("Raw");
    quote! {
        pub use crate::types::{#(#reexports),*};

        #(#impls)*

        /// The content of an event of any type the spec defines, or of another type.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #enum_name {
            #(#defs)*
            /// An event type the spec does not define.
            Unknown {
                /// The event type.
                event_type: String,
                /// The content.
                content: serde_json::Value,
            },
        }

        impl #enum_name {
            /// Parses `content` (JSON text) as the content of an event of type `event_type`.
            pub fn parse(event_type: &str, content: &str) -> serde_json::Result<Self> {
                Ok(match event_type {
                    #(#parses)*
                    _ => #enum_name::Unknown {
                        event_type: event_type.to_owned(),
                        content: serde_json::from_str(content)?,
                    },
                })
            }

            /// The typed content of an event kept as JSON text, read without parsing the
            /// rest of the event.
            pub fn from_raw_event<T>(event: &#raw<T>) -> serde_json::Result<Self> {
                let (event_type, content) = event.type_and_content()?;
                Self::parse(&event_type, content.get())
            }

            /// The event type.
            pub fn event_type(&self) -> &str {
                match self {
                    #(#types)*
                    #enum_name::Unknown { event_type, .. } => event_type,
                }
            }
        }

        impl serde::Serialize for #enum_name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#serializes)*
                    #enum_name::Unknown { content, .. } => serde::Serialize::serialize(content, serializer),
                }
            }
        }
    }
}
