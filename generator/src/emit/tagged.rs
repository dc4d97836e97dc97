//! Tagged enums: the variant is chosen by the value of one member (`msgtype`, `type`,
//! `kind`); values the spec does not define are kept in `Other` and written back as they
//! came.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::items::names;
use crate::items::{Fallback, Presence, Tagged, TypeKind, TypeRef};

use super::scope::Scope;

/// The enum, its tag accessor, its serde impls, and `Members` (so that it can sit beside
/// other members of an object).
pub fn tagged(
    scope: &mut Scope<'_>,
    name: &Ident,
    attrs: TokenStream,
    tagged: &Tagged,
) -> TokenStream {
    let tag = &tagged.tag;
    let object = scope.core("JsonObject");
    let fallback = fallback_type(scope, tagged);
    let mut variants = Vec::new();
    let mut values = Vec::new();
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let strip = if tagged.tag_in_variant {
        TokenStream::new()
    } else {
        quote! { members.remove(#tag); }
    };
    for variant in &tagged.variants {
        let v = format_ident!("{}", variant.name);
        let ty = scope.named(variant.ty);
        let value = &variant.value;
        let doc = format!(" `{tag}: {value}`");
        variants.push(quote! { #[doc = #doc] #v(#ty), });
        values.push(quote! { #name::#v(_) => #value, });
        reads.push(quote! {
            Some(#value) => {
                #strip
                #name::#v(<#ty as serde::Deserialize>::deserialize(serde_json::Value::Object(members))?)
            }
        });
        writes.push(quote! { #name::#v(value) => serde_json::to_value(value)?, });
    }
    let fallback_doc = format!(" A value of `{tag}` the spec does not define, kept as it came.");
    let accessor = {
        let base = names::snake(tag);
        if names::is_keyword(&base) {
            format_ident!("{}_str", base)
        } else {
            format_ident!("{}", base)
        }
    };
    let accessor_doc = format!(" The value of `{tag}`.");
    let (other_value, read_other) = match tagged.fallback {
        Fallback::Object => (
            quote! { #name::Other(object) => object.get(#tag).and_then(serde_json::Value::as_str).unwrap_or_default(), },
            quote! { _ => #name::Other(members), },
        ),
        Fallback::Struct(id) => {
            let value = fallback_tag(scope, id, tag);
            (
                quote! { #name::Other(value) => #value, },
                quote! { _ => #name::Other(<#fallback as serde::Deserialize>::deserialize(serde_json::Value::Object(members))?), },
            )
        }
    };
    let mutable = if tagged.tag_in_variant {
        TokenStream::new()
    } else {
        quote! { mut }
    };
    let add_tag = if tagged.tag_in_variant {
        TokenStream::new()
    } else {
        quote! {
            if !matches!(self, #name::Other(_)) {
                object.insert(#tag.to_owned(), serde_json::Value::String(self.#accessor().to_owned()));
            }
        }
    };
    quote! {
        #attrs
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            #[doc = #fallback_doc]
            Other(#fallback),
        }

        impl #name {
            #[doc = #accessor_doc]
            pub fn #accessor(&self) -> &str {
                match self {
                    #(#values)*
                    #other_value
                }
            }

            /// The JSON object, tag included.
            fn to_object(&self) -> Result<#object, serde_json::Error> {
                let value = match self {
                    #(#writes)*
                    #name::Other(value) => serde_json::to_value(value)?,
                };
                let serde_json::Value::Object(#mutable object) = value else {
                    return Err(serde::ser::Error::custom("a variant is not a JSON object"));
                };
                #add_tag
                Ok(object)
            }

            /// Reads the enum from a JSON object, tag included.
            fn from_object(#mutable members: #object) -> Result<Self, serde_json::Error> {
                let tag = members.get(#tag).and_then(serde_json::Value::as_str).map(str::to_owned);
                Ok(match tag.as_deref() {
                    #(#reads)*
                    #read_other
                })
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let object = self.to_object().map_err(serde::ser::Error::custom)?;
                serde::Serialize::serialize(&object, serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let members = <#object as serde::Deserialize>::deserialize(deserializer)?;
                #name::from_object(members).map_err(serde::de::Error::custom)
            }
        }

        impl matrix_api_core::json::Members for #name {
            fn write_members<M: serde::ser::SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
                for (key, value) in self.to_object().map_err(serde::ser::Error::custom)? {
                    map.serialize_entry(&key, &value)?;
                }
                Ok(())
            }

            fn from_members(members: #object) -> Result<Self, serde_json::Error> {
                #name::from_object(members)
            }
        }
    }
}

/// The tag's value in the fallback struct (its member of the tag's name).
fn fallback_tag(scope: &Scope<'_>, id: crate::items::TypeId, tag: &str) -> TokenStream {
    let TypeKind::Struct(s) = &scope.items().def(id).kind else {
        return quote! { "" };
    };
    match s.fields.iter().find(|f| f.json == tag) {
        Some(field) => {
            let f = super::scope::ident(&field.name);
            match field.presence {
                Presence::Required => quote! { value.#f.as_str() },
                _ => quote! { value.#f.as_deref().unwrap_or_default() },
            }
        }
        None => quote! { "" },
    }
}

/// The fallback variant's payload of a tagged enum.
fn fallback_type(scope: &mut Scope<'_>, tagged: &Tagged) -> TokenStream {
    match tagged.fallback {
        Fallback::Object => scope.ty(&TypeRef::JsonObject),
        Fallback::Struct(id) => scope.named(id),
    }
}
