//! Type expressions as a handwritten module would spell them: short names with `use`
//! lines on top (`Option<String>`, `BTreeMap<UserId, Device>`), full paths only where two
//! names would clash.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::items::{ApiItems, Home, TypeId, TypeRef};

/// The module being printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Here {
    /// `types`.
    Types,
    /// An operation's module.
    Operation(usize),
    /// Any other module (events, fixed, client, server, registry).
    Other,
}

/// Names in scope in one module, and the `use` lines they need.
#[derive(Debug)]
pub struct Scope<'i> {
    items: &'i ApiItems,
    here: Here,
    /// Short name → the path it is imported from (`""` for a name defined here).
    names: BTreeMap<String, String>,
    /// Names in scope through a `pub use` of the module's own (no `use` line needed).
    reexported: BTreeSet<String>,
}

impl<'i> Scope<'i> {
    /// A scope for module `here`, whose own items are `local`.
    pub fn new<'a>(
        items: &'i ApiItems,
        here: Here,
        local: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        Scope {
            items,
            here,
            names: local
                .into_iter()
                .map(|n| (n.to_owned(), String::new()))
                .collect(),
            reexported: BTreeSet::new(),
        }
    }

    /// Marks `short` as in scope from `module` through the module's own `pub use`.
    pub fn reexport(&mut self, module: &str, short: &str) {
        self.names
            .insert(short.to_owned(), format!("{module}::{short}"));
        self.reexported.insert(short.to_owned());
    }

    /// The items.
    pub fn items(&self) -> &'i ApiItems {
        self.items
    }

    /// `short`, imported from `module` (`std::collections`), or the full path when `short`
    /// means something else here.
    pub fn import(&mut self, module: &str, short: &str) -> TokenStream {
        let full = format!("{module}::{short}");
        match self.names.get(short) {
            Some(existing) if *existing == full => ident_path(short),
            Some(_) => ident_path(&full),
            None => {
                self.names.insert(short.to_owned(), full);
                ident_path(short)
            }
        }
    }

    /// A name of `matrix_api_core`.
    pub fn core(&mut self, short: &str) -> TokenStream {
        self.import("matrix_api_core", short)
    }

    /// The tokens for a type.
    pub fn ty(&mut self, ty: &TypeRef) -> TokenStream {
        match ty {
            TypeRef::Bool => quote! { bool },
            TypeRef::Int => quote! { i64 },
            TypeRef::Float => quote! { f64 },
            TypeRef::String => quote! { String },
            TypeRef::Json => quote! { serde_json::Value },
            TypeRef::JsonObject => self.core("JsonObject"),
            TypeRef::Core(name) => self.core(name),
            TypeRef::CoreOf(name, inner) => {
                let outer = self.core(name);
                let inner = self.ty(inner);
                quote! { #outer<#inner> }
            }
            TypeRef::Named(id) => self.named(*id),
            TypeRef::Fixed(i) => {
                let name = self.items.fixed[*i].name.clone();
                self.import("crate::fixed", &name)
            }
            TypeRef::Vec(inner) => {
                let inner = self.ty(inner);
                quote! { Vec<#inner> }
            }
            TypeRef::Map(key, value) => {
                let map = self.import("std::collections", "BTreeMap");
                let (key, value) = (self.ty(key), self.ty(value));
                quote! { #map<#key, #value> }
            }
            TypeRef::Tuple(items) => {
                let items: Vec<TokenStream> = items.iter().map(|t| self.ty(t)).collect();
                quote! { (#(#items),*) }
            }
            TypeRef::Option(inner) => {
                let inner = self.ty(inner);
                quote! { Option<#inner> }
            }
            TypeRef::Box(inner) => {
                let inner = self.ty(inner);
                quote! { Box<#inner> }
            }
            TypeRef::Raw(inner) => {
                let raw = self.core("Raw");
                let inner = self.ty(inner);
                quote! { #raw<#inner> }
            }
            TypeRef::Duration => self.import("std::time", "Duration"),
            TypeRef::Bytes => quote! { Vec<u8> },
        }
    }

    /// A generated type, by name where it is defined here or imported.
    pub fn named(&mut self, id: TypeId) -> TokenStream {
        let def = self.items.def(id);
        let name = def.name.clone();
        match (def.home, self.here) {
            (Home::Operation(op), Here::Operation(here)) if op == here => ident_path(&name),
            (Home::Types, Here::Types) => ident_path(&name),
            (Home::Types, _) => self.import("crate::types", &name),
            (Home::Operation(op), _) => {
                let path = format!("crate::{}", self.items.operation_path(op));
                self.import(&path, &name)
            }
        }
    }

    /// The `use` lines for every import made.
    pub fn uses(&self) -> TokenStream {
        let mut by_module: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (short, full) in &self.names {
            if self.reexported.contains(short) {
                continue;
            }
            if let Some(module) = full.strip_suffix(&format!("::{short}")) {
                by_module.entry(module).or_default().insert(short);
            }
        }
        let lines = by_module.into_iter().map(|(module, names)| {
            let module = ident_path(module);
            let names: Vec<TokenStream> = names.into_iter().map(ident_path).collect();
            if names.len() == 1 {
                quote! { use #module::#(#names)*; }
            } else {
                quote! { use #module::{#(#names),*}; }
            }
        });
        quote! { #(#lines)* }
    }
}

/// `a::b::C` as tokens.
pub fn ident_path(path: &str) -> TokenStream {
    let segments = path.split("::").map(|s| {
        if crate::items::names::is_keyword(s) && !matches!(s, "crate" | "self" | "super" | "Self") {
            ident(s)
        } else {
            format_ident!("{}", s)
        }
    });
    quote! { #(#segments)::* }
}

/// An identifier, raw when it is a keyword.
pub fn ident(name: &str) -> proc_macro2::Ident {
    use proc_macro2::{Ident, Span};
    if matches!(name, "self" | "Self" | "super" | "crate") {
        return Ident::new(&format!("{name}_"), Span::call_site());
    }
    if crate::items::names::is_keyword(name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}
