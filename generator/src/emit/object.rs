//! Structs for JSON objects, with hand-made `Serialize` and `Deserialize` impls.
//!
//! The impls read and write a JSON object member by member: no `serde_derive` expansion (the
//! largest cost of compiling generated code), no sequence form, and members beyond the named
//! ones go to a map without serde's buffering `flatten`, so [`Raw`] values stay usable.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// Whether a member must be present and whether it may be `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Present, not null: `T`.
    Required,
    /// Present, possibly null: `Option<T>`.
    RequiredNullable,
    /// May be absent; `null` reads as absent: `Option<T>`.
    Optional,
    /// May be absent or null, and the two differ: `Option<Option<T>>`.
    OptionalNullable,
    /// May be absent; any JSON value including `null`: `Option<serde_json::Value>`.
    OptionalValue,
}

/// One named member.
#[derive(Debug, Clone)]
pub struct Field {
    /// The Rust field.
    pub ident: Ident,
    /// The JSON key.
    pub json: String,
    /// The member's type (without the `Option`s that `presence` adds).
    pub ty: TokenStream,
    /// Presence and nullability.
    pub presence: Presence,
    /// `#[doc]` attributes.
    pub doc: TokenStream,
}

impl Field {
    /// The Rust type of the field.
    pub fn rust_type(&self) -> TokenStream {
        let ty = &self.ty;
        match self.presence {
            Presence::Required => quote! { #ty },
            Presence::RequiredNullable | Presence::Optional | Presence::OptionalValue => {
                quote! { ::std::option::Option<#ty> }
            }
            Presence::OptionalNullable => {
                quote! { ::std::option::Option<::std::option::Option<#ty>> }
            }
        }
    }
}

/// An object's members as struct fields.
#[derive(Debug, Clone, Default)]
pub struct ObjectFields {
    /// Named members.
    pub fields: Vec<Field>,
    /// The map of other members (field and value type), when the object keeps them.
    pub extra: Option<(Ident, TokenStream)>,
}

impl ObjectFields {
    /// Field definitions (`pub name: Type,` with docs), to embed in a struct.
    pub fn definitions(&self) -> Vec<TokenStream> {
        let mut out: Vec<TokenStream> = self
            .fields
            .iter()
            .map(|f| {
                let (doc, ident, ty) = (&f.doc, &f.ident, f.rust_type());
                quote! { #doc pub #ident: #ty, }
            })
            .collect();
        if let Some((ident, value)) = &self.extra {
            out.push(quote! {
                /// Members beyond the named ones (kept, so that nothing is lost on the way back).
                pub #ident: ::std::collections::BTreeMap<::std::string::String, #value>,
            });
        }
        out
    }

    /// Whether every member may be absent (the struct then has a `Default`).
    pub fn all_optional(&self) -> bool {
        self.fields
            .iter()
            .all(|f| !matches!(f.presence, Presence::Required | Presence::RequiredNullable))
    }

    /// All field identifiers, in order.
    pub fn idents(&self) -> Vec<&Ident> {
        self.fields
            .iter()
            .map(|f| &f.ident)
            .chain(self.extra.iter().map(|(i, _)| i))
            .collect()
    }
}

/// `pub struct #name { … }` with `Serialize` and `Deserialize` impls.
pub fn struct_with_serde(doc: &TokenStream, name: &Ident, object: &ObjectFields) -> TokenStream {
    let fields = object.definitions();
    let serialize = serialize_impl(name, object);
    let deserialize = deserialize_impl(name, object);
    let derives = if object.all_optional() {
        quote! { #[derive(Debug, Clone, PartialEq, Default)] }
    } else {
        quote! { #[derive(Debug, Clone, PartialEq)] }
    };
    quote! {
        #doc
        #derives
        pub struct #name { #(#fields)* }
        #serialize
        #deserialize
    }
}

/// A crate-private struct that only carries a body over the wire (the request's or
/// response's own fields are public): serde impls, no derives, no docs.
pub fn wire_struct(name: &Ident, object: &ObjectFields) -> TokenStream {
    let fields = object.fields.iter().map(|f| {
        let (ident, ty) = (&f.ident, f.rust_type());
        quote! { #ident: #ty, }
    });
    let extra = object.extra.as_ref().map(|(ident, value)| {
        quote! { #ident: ::std::collections::BTreeMap<::std::string::String, #value>, }
    });
    let serialize = serialize_impl(name, object);
    let deserialize = deserialize_impl(name, object);
    quote! {
        pub(crate) struct #name { #(#fields)* #extra }
        #serialize
        #deserialize
    }
}

fn serialize_impl(name: &Ident, object: &ObjectFields) -> TokenStream {
    let entries = object.fields.iter().map(|f| {
        let (ident, json) = (&f.ident, &f.json);
        match f.presence {
            Presence::Required | Presence::RequiredNullable => quote! {
                ::serde::ser::SerializeMap::serialize_entry(&mut map, #json, &self.#ident)?;
            },
            // The `;` keeps one-line output from reading as a missing `else`.
            Presence::Optional | Presence::OptionalNullable | Presence::OptionalValue => quote! {
                if let ::std::option::Option::Some(value) = &self.#ident {
                    ::serde::ser::SerializeMap::serialize_entry(&mut map, #json, value)?;
                };
            },
        }
    });
    let extra = object.extra.as_ref().map(|(ident, _)| {
        quote! {
            for (key, value) in &self.#ident {
                ::serde::ser::SerializeMap::serialize_entry(&mut map, key, value)?;
            }
        }
    });
    let map_decl = if object.fields.is_empty() && object.extra.is_none() {
        quote! { let map }
    } else {
        quote! { let mut map }
    };
    quote! {
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                #map_decl = serializer.serialize_map(::std::option::Option::None)?;
                #(#entries)*
                #extra
                ::serde::ser::SerializeMap::end(map)
            }
        }
    }
}

fn deserialize_impl(name: &Ident, object: &ObjectFields) -> TokenStream {
    let expecting = format!("a JSON object ({name})");
    let local = |ident: &Ident| format_ident!("v_{}", ident.to_string().trim_start_matches("r#"));
    // The locals' types are inferred from the struct they build.
    let locals = object.fields.iter().map(|f| {
        let ident = local(&f.ident);
        quote! { let mut #ident = ::std::option::Option::None; }
    });
    let arms = object.fields.iter().map(|f| {
        let (ident, json) = (local(&f.ident), &f.json);
        quote! { #json => ::matrix_api_core::de::set(&mut #ident, #json, ::serde::de::MapAccess::next_value(&mut map)?)?, }
    });
    let (extra_local, other_arm) = match &object.extra {
        Some((field, _)) => {
            let ident = local(field);
            (
                quote! { let mut #ident = ::std::collections::BTreeMap::new(); },
                quote! {
                    other => {
                        #ident.insert(::std::borrow::ToOwned::to_owned(other), ::serde::de::MapAccess::next_value(&mut map)?);
                    }
                },
            )
        }
        None => (
            quote! {},
            quote! {
                _ => {
                    ::serde::de::MapAccess::next_value::<::serde::de::IgnoredAny>(&mut map)?;
                }
            },
        ),
    };
    let finals = object.fields.iter().map(|f| {
        let (field, json, ident) = (&f.ident, &f.json, local(&f.ident));
        match f.presence {
            Presence::Required | Presence::RequiredNullable => quote! {
                #field: #ident.ok_or_else(|| <A::Error as ::serde::de::Error>::missing_field(#json))?,
            },
            Presence::Optional => quote! { #field: #ident.flatten(), },
            Presence::OptionalNullable | Presence::OptionalValue => quote! { #field: #ident, },
        }
    });
    let extra_final = object.extra.as_ref().map(|(field, _)| {
        let ident = local(field);
        quote! { #field: #ident, }
    });
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                struct Visitor;
                impl<'de> ::serde::de::Visitor<'de> for Visitor {
                    type Value = #name;
                    #[inline]
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) -> ::std::result::Result<#name, A::Error> {
                        #(#locals)*
                        #extra_local
                        while let ::std::option::Option::Some(key) = ::serde::de::MapAccess::next_key::<::matrix_api_core::de::Key<'de>>(&mut map)? {
                            match key.as_str() {
                                #(#arms)*
                                #other_arm
                            }
                        }
                        ::std::result::Result::Ok(#name { #(#finals)* #extra_final })
                    }
                }
                deserializer.deserialize_map(Visitor)
            }
        }
    }
}

/// `Serialize` and `Deserialize` for an untagged union: each variant is tried in order on
/// the value read as JSON.
pub fn union_serde(name: &Ident, variants: &[(Ident, TokenStream)]) -> TokenStream {
    let serialize_arms = variants.iter().map(
        |(v, _)| quote! { #name::#v(value) => ::serde::Serialize::serialize(value, serializer), },
    );
    let tries = variants.iter().map(|(v, ty)| {
        quote! {
            if let ::std::result::Result::Ok(value) = <#ty as ::serde::Deserialize>::deserialize(&json) {
                return ::std::result::Result::Ok(#name::#v(value));
            };
        }
    });
    let message = format!("the value matches no variant of {name}");
    quote! {
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self { #(#serialize_arms)* }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let json = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                #(#tries)*
                ::std::result::Result::Err(<D::Error as ::serde::de::Error>::custom(#message))
            }
        }
    }
}
