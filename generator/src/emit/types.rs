//! Type definitions: structs (through `json_object!`), string enums, unions, tagged enums
//! and newtypes, each with its constructor, `is_empty`, and a `Debug` that hides
//! credentials.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::scope::ident;
use crate::items::{
    DefaultValue, DocSite, Field, Presence, Struct, TypeDef, TypeId, TypeKind, TypeRef,
    UnionVariant,
};

use super::docs;
use super::scope::Scope;

/// `#[doc]` attributes for spec prose (nothing for none).
pub fn doc_attrs(site: &DocSite, text: Option<&str>) -> TokenStream {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => {
            let doc = docs::rustdoc(text, &site.site, &site.page);
            let lines = doc.lines().map(|l| format!(" {l}"));
            quote! { #(#[doc = #lines])* }
        }
        None => TokenStream::new(),
    }
}

/// `#[doc = " text"]` for generator-written text.
pub fn doc_line(text: &str) -> TokenStream {
    let text = format!(" {text}");
    quote! { #[doc = #text] }
}

/// `#[deprecated(note = …)]` when there is a note.
pub fn deprecated_attr(note: Option<&str>) -> TokenStream {
    match note {
        Some(note) => quote! { #[deprecated(note = #note)] },
        None => TokenStream::new(),
    }
}

/// The definition of type `id`.
pub fn definition(scope: &mut Scope<'_>, id: TypeId) -> TokenStream {
    let def: &TypeDef = scope.items().def(id);
    let site = scope.items().site.clone();
    let name = format_ident!("{}", def.name);
    let doc = match doc_attrs(&site, def.doc.as_deref()) {
        doc if doc.is_empty() => doc_line(&format!("The `{}` type.", def.name)),
        doc => doc,
    };
    // A deprecated schema's type is documented as such, not marked `#[deprecated]`: the
    // operations and fields that use it carry the mark where a user meets it.
    let deprecated = def
        .deprecated
        .as_deref()
        .map(|note| doc_line(&format!("**Deprecated:** {note}")))
        .unwrap_or_default();
    let attrs = quote! { #doc #deprecated };
    match &def.kind {
        TypeKind::Struct(s) => public_struct(scope, &name, attrs, s),
        TypeKind::StringEnum(values) => {
            let string_enum = scope.core("string_enum");
            let variants = values.iter().map(|v| {
                let variant = format_ident!("{}", v.name);
                let value = &v.value;
                let doc = format!(" `{value}`");
                quote! { #[doc = #doc] #variant = #value, }
            });
            quote! { #string_enum! { #attrs pub enum #name { #(#variants)* } } }
        }
        TypeKind::Union(variants) => union(scope, &name, attrs, variants),
        TypeKind::Tagged(tagged) => super::tagged::tagged(scope, &name, attrs, tagged),
        TypeKind::Newtype(inner) => newtype(scope, &name, attrs, inner),
    }
}

/// A public struct: the `json_object!` definition, `new`, `is_empty`, and `Debug` when
/// it has credentials.
pub fn public_struct(
    scope: &mut Scope<'_>,
    name: &Ident,
    attrs: TokenStream,
    s: &Struct,
) -> TokenStream {
    let secret = s.fields.iter().any(|f| f.secret);
    let derives = derives(derives_default(s), !secret);
    let body = json_object(
        scope,
        name,
        quote! { #attrs #derives #[non_exhaustive] pub },
        s,
        true,
    );
    let new = constructor(scope, name, s);
    let empty = if s.all_optional() {
        is_empty(scope, s)
    } else {
        TokenStream::new()
    };
    let default = default_impl(name, s);
    let debug = if secret {
        debug_impl(
            name,
            &s.fields,
            s.extra.as_ref().map(|(n, _)| n.as_str()),
            s.flattened.as_ref().map(|f| f.name.as_str()),
        )
    } else {
        TokenStream::new()
    };
    quote! {
        #body

        impl #name {
            #new
            #empty
        }

        #default
        #debug
    }
}

/// Whether `Default` can be derived: every member may be absent and the type's own default
/// is the spec's.
pub fn derives_default(s: &Struct) -> bool {
    s.all_optional()
        && s.fields.iter().all(|f| {
            matches!(
                f.presence,
                Presence::Optional
                    | Presence::OptionalNullable
                    | Presence::OptionalValue
                    | Presence::Defaulted(DefaultValue::Empty)
            )
        })
}

/// A `Default` that fills in the spec's defaults (and fixed values), where `new` takes no
/// arguments and deriving would not give the spec's defaults.
pub fn default_impl(name: &Ident, s: &Struct) -> TokenStream {
    let takes_nothing = s.flattened.is_none() && !s.fields.iter().any(is_parameter);
    if !takes_nothing || derives_default(s) {
        return TokenStream::new();
    }
    quote! {
        impl Default for #name {
            fn default() -> Self {
                Self::new()
            }
        }
    }
}

/// `#[derive(…)]` for a generated type.
pub fn derives(default: bool, debug: bool) -> TokenStream {
    let mut list = Vec::new();
    if debug {
        list.push(quote! { Debug });
    }
    list.push(quote! { Clone });
    list.push(quote! { PartialEq });
    if default {
        list.push(quote! { Default });
    }
    quote! { #[derive(#(#list),*)] }
}

/// `json_object! { … }` for a struct; `head` is the attributes and visibility before
/// `struct`; `docs` whether fields carry their documentation.
pub fn json_object(
    scope: &mut Scope<'_>,
    name: &Ident,
    head: TokenStream,
    s: &Struct,
    docs: bool,
) -> TokenStream {
    let macro_name = scope.core("json_object");
    let site = scope.items().site.clone();
    let fields: Vec<TokenStream> = s
        .fields
        .iter()
        .map(|f| {
            let field = ident(&f.name);
            let ty = scope.ty(&f.rust_type());
            let json = &f.json;
            let mode = mode(scope, f);
            let doc = if docs {
                doc_attrs(&site, f.doc.as_deref())
            } else {
                TokenStream::new()
            };
            let deprecated = if docs {
                deprecated_attr(f.deprecated.as_deref())
            } else {
                TokenStream::new()
            };
            quote! { #[json(#json, #mode)] #doc #deprecated pub #field: #ty, }
        })
        .collect();
    let extra = s.extra.as_ref().map(|(field, value)| {
        let field = ident(field);
        let map = scope.ty(&TypeRef::Map(
            Box::new(TypeRef::String),
            Box::new(value.clone()),
        ));
        let doc = if docs {
            doc_line("Members beyond the named ones, kept so that nothing is lost on the way back.")
        } else {
            TokenStream::new()
        };
        quote! { #[json_extra] #doc pub #field: #map, }
    });
    let flattened = s.flattened.as_ref().map(|f| {
        let field = ident(&f.name);
        let ty = scope.named(f.ty);
        let doc = if docs {
            doc_line("The members that depend on the value of the tag.")
        } else {
            TokenStream::new()
        };
        quote! { #[json_flatten] #doc pub #field: #ty, }
    });
    quote! {
        #macro_name! {
            #head struct #name {
                #(#fields)*
                #extra
                #flattened
            }
        }
    }
}

/// The `json_object!` mode of a field.
fn mode(scope: &mut Scope<'_>, field: &Field) -> TokenStream {
    let millis = field.ty == TypeRef::Duration;
    match (&field.presence, millis) {
        (Presence::Required, false) => quote! { required },
        (Presence::Required, true) => quote! { millis },
        (Presence::RequiredNullable, _) => quote! { required_nullable },
        (Presence::Optional, false) => quote! { optional },
        (Presence::Optional, true) => quote! { optional_millis },
        (Presence::OptionalNullable, _) => quote! { optional_nullable },
        (Presence::OptionalValue, _) => quote! { optional_value },
        (Presence::Defaulted(DefaultValue::Empty), _) => quote! { default_empty },
        (Presence::Defaulted(DefaultValue::Millis(_)), _) => {
            let value = default_expr(scope, field);
            quote! { default_millis(#value) }
        }
        (Presence::Defaulted(_), _) => {
            let value = default_expr(scope, field);
            quote! { default(#value) }
        }
    }
}

/// The expression of a field's default.
pub fn default_expr(scope: &mut Scope<'_>, field: &Field) -> TokenStream {
    match &field.presence {
        Presence::Defaulted(DefaultValue::Bool(b)) => quote! { #b },
        Presence::Defaulted(DefaultValue::Int(i)) => {
            let lit = proc_macro2::Literal::i64_unsuffixed(*i);
            quote! { #lit }
        }
        Presence::Defaulted(DefaultValue::Millis(ms)) => {
            let duration = scope.ty(&TypeRef::Duration);
            quote! { #duration::from_millis(#ms) }
        }
        Presence::Defaulted(DefaultValue::Variant(variant)) => {
            let ty = scope.ty(&field.ty);
            let variant = format_ident!("{}", variant);
            quote! { #ty::#variant }
        }
        Presence::Defaulted(DefaultValue::Empty) => match &field.ty {
            TypeRef::Vec(_) | TypeRef::Bytes => quote! { Vec::new() },
            TypeRef::Map(..) => {
                let map = scope.import("std::collections", "BTreeMap");
                quote! { #map::new() }
            }
            _ => quote! { Default::default() },
        },
        Presence::Optional | Presence::OptionalNullable | Presence::OptionalValue => {
            quote! { None }
        }
        Presence::Required | Presence::RequiredNullable => {
            let name = ident(&field.name);
            quote! { #name }
        }
    }
}

/// Whether `new` takes the field: it is required and not a fixed value (which `new` fills
/// in).
pub fn is_parameter(field: &Field) -> bool {
    field.presence.is_required() && !matches!(field.ty, TypeRef::Fixed(_))
}

/// `pub fn new(required fields…) -> Self`.
pub fn constructor(scope: &mut Scope<'_>, name: &Ident, s: &Struct) -> TokenStream {
    constructor_named(scope, name, s, &format_ident!("new"))
}

/// `pub fn #function(required fields…) -> Self`.
pub fn constructor_named(
    scope: &mut Scope<'_>,
    name: &Ident,
    s: &Struct,
    function: &Ident,
) -> TokenStream {
    let mut params = Vec::new();
    let mut inits = Vec::new();
    for field in &s.fields {
        let f = ident(&field.name);
        if !is_parameter(field) && field.presence.is_required() {
            // A fixed value has one value: `new` fills it in.
            let value = scope.ty(&field.ty);
            inits.push(quote! { #f: #value });
        } else if field.presence.is_required() {
            let ty = scope.ty(&field.rust_type());
            params.push(quote! { #f: #ty });
            inits.push(quote! { #f });
        } else {
            let value = default_expr(scope, field);
            inits.push(quote! { #f: #value });
        }
    }
    if let Some((extra, _)) = &s.extra {
        let f = ident(extra);
        inits.push(quote! { #f: Default::default() });
    }
    if let Some(flattened) = &s.flattened {
        let f = ident(&flattened.name);
        let ty = scope.named(flattened.ty);
        params.push(quote! { #f: #ty });
        inits.push(quote! { #f });
    }
    let doc = format!(
        " A `{name}` with the given required members; the others are absent or their defaults."
    );
    quote! {
        #[doc = #doc]
        #[inline]
        #[allow(deprecated, clippy::too_many_arguments)]
        pub fn #function(#(#params),*) -> Self {
            Self { #(#inits),* }
        }
    }
}

/// `pub fn is_empty(&self)` for a struct whose members may all be absent.
fn is_empty(scope: &mut Scope<'_>, s: &Struct) -> TokenStream {
    let mut checks: Vec<TokenStream> = s
        .fields
        .iter()
        .map(|field| {
            let f = ident(&field.name);
            match &field.presence {
                Presence::Defaulted(DefaultValue::Empty) => quote! { self.#f.is_empty() },
                Presence::Defaulted(DefaultValue::Bool(true)) => quote! { self.#f },
                Presence::Defaulted(DefaultValue::Bool(false)) => quote! { !self.#f },
                Presence::Defaulted(_) => {
                    let value = default_expr(scope, field);
                    quote! { self.#f == #value }
                }
                _ => quote! { self.#f.is_none() },
            }
        })
        .collect();
    if let Some((extra, _)) = &s.extra {
        let f = ident(extra);
        checks.push(quote! { self.#f.is_empty() });
    }
    if checks.is_empty() {
        checks.push(quote! { true });
    }
    quote! {
        /// Whether every member is absent or its default (the value is written as `{}`).
        #[inline]
        #[allow(deprecated)]
        pub fn is_empty(&self) -> bool {
            #(#checks)&&*
        }
    }
}

/// A `Debug` impl that shows credentials as `<redacted>`.
pub fn debug_impl(
    name: &Ident,
    fields: &[Field],
    extra: Option<&str>,
    flattened: Option<&str>,
) -> TokenStream {
    let label = name.to_string();
    let entries = fields.iter().map(|field| {
        let f = ident(&field.name);
        let key = field.name.trim_start_matches("r#");
        if field.secret {
            quote! { .field(#key, &matrix_api_core::Redacted(&self.#f)) }
        } else {
            quote! { .field(#key, &self.#f) }
        }
    });
    let rest = extra.into_iter().chain(flattened).map(|n| {
        let f = ident(n);
        quote! { .field(#n, &self.#f) }
    });
    quote! {
        #[allow(deprecated)]
        impl std::fmt::Debug for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(#label) #(#entries)* #(#rest)* .finish()
            }
        }
    }
}

fn union(
    scope: &mut Scope<'_>,
    name: &Ident,
    attrs: TokenStream,
    variants: &[UnionVariant],
) -> TokenStream {
    let macro_name = scope.core("json_union");
    let site = scope.items().site.clone();
    let variants = variants.iter().map(|v| {
        let variant = format_ident!("{}", v.name);
        let ty = scope.ty(&v.ty);
        let doc = doc_attrs(&site, v.doc.as_deref());
        quote! { #doc #variant(#ty), }
    });
    quote! {
        #macro_name! {
            #attrs
            #[derive(Debug, Clone, PartialEq)]
            #[non_exhaustive]
            pub enum #name { #(#variants)* }
        }
    }
}

fn newtype(
    scope: &mut Scope<'_>,
    name: &Ident,
    attrs: TokenStream,
    inner: &TypeRef,
) -> TokenStream {
    let ty = scope.ty(inner);
    quote! {
        #attrs
        #[derive(Debug, Clone, PartialEq)]
        pub struct #name(pub #ty);

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.0.serialize(serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <#ty as serde::Deserialize>::deserialize(deserializer).map(#name)
            }
        }
    }
}
