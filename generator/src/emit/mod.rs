//! The printer: the Rust-item model ([`crate::items`]) as tokens, one module tree per API
//! crate. It decides no names; it spells what the model says the way a handwritten crate
//! would (`use` lines, short paths).

pub mod docs;
pub mod events;
pub mod helpers;
pub mod lines;
pub mod operation;
pub mod registry;
pub mod scope;
pub mod stubs;
pub mod tagged;
pub mod types;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{Api, Spec};
use crate::items::{ApiItems, Home, OverrideError, TypeId};

use self::scope::{Here, Scope};

/// A generated module: docs, name, items and child modules.
#[derive(Debug)]
pub struct Module {
    /// Its name.
    pub name: Ident,
    /// Outer attributes (docs, `cfg`).
    pub attrs: TokenStream,
    /// Its items.
    pub items: TokenStream,
    /// Modules inside it.
    pub children: Vec<Module>,
    /// Whether it is `pub`.
    pub public: bool,
}

/// The generated code of one API crate.
#[derive(Debug)]
pub struct GeneratedCrate {
    /// The API.
    pub api: Api,
    /// The spec version it was generated from.
    pub version: String,
    /// Its top-level modules, in a fixed order.
    pub modules: Vec<Module>,
}

/// Problems that stop generation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    /// An override file is invalid.
    #[error(transparent)]
    Overrides(#[from] OverrideError),
    /// A helper template is missing or not Rust.
    #[error("templates/helpers/{file}: {problem}")]
    Template {
        /// The template.
        file: String,
        /// What is wrong.
        problem: String,
    },
}

/// Generates the code of `api`'s crate from `spec`.
pub fn generate(spec: &Spec, api: Api) -> Result<GeneratedCrate, EmitError> {
    let items = crate::items::build(spec, api)?;
    print(&items)
}

/// Prints the crate the model describes.
pub fn print(items: &ApiItems) -> Result<GeneratedCrate, EmitError> {
    let mut modules = Vec::new();
    for (g, group) in items.groups.iter().enumerate() {
        let children = items
            .operations
            .iter()
            .enumerate()
            .filter(|(_, op)| op.group == g)
            .map(|(index, _)| operation_module(items, index))
            .collect();
        let children: Vec<Module> = children;
        let inception = children.iter().any(|c| c.name == group.module.as_str());
        let mut doc = vec![format!(" {}.", group.title)];
        if let Some(link) = &group.link {
            doc.push(String::new());
            doc.push(format!(" See the [specification]({link})."));
        }
        let allow = if inception {
            quote! { #[allow(clippy::module_inception)] }
        } else {
            TokenStream::new()
        };
        modules.push(Module {
            name: format_ident!("{}", group.module),
            attrs: quote! { #(#[doc = #doc])* #allow },
            items: TokenStream::new(),
            children,
            public: true,
        });
    }
    modules.push(types_module(items));
    modules.push(fixed_module(items));
    if let Some(events) = &items.events {
        let mut scope = Scope::new(items, Here::Other, []);
        let body = events::events_items(&mut scope, events);
        let uses = scope.uses();
        let doc = format!(" {}", events.doc);
        modules.push(Module {
            name: format_ident!("{}", events.module),
            attrs: quote! { #[doc = #doc] },
            items: quote! { #uses #body },
            children: Vec::new(),
            public: true,
        });
    }
    let mut scope = Scope::new(items, Here::Other, []);
    let body = registry::registry_items(&mut scope);
    let uses = scope.uses();
    modules.push(Module {
        name: format_ident!("examples"),
        attrs: quote! {
            #[doc = " Example round trips, for the test that reads every example in the spec"]
            #[doc = " (built with the `examples` feature only)."]
            #[doc(hidden)]
            #[cfg(feature = "examples")]
        },
        items: quote! { #uses #body },
        children: Vec::new(),
        public: true,
    });
    let mut scope = Scope::new(items, Here::Other, []);
    let body = stubs::client_items(&mut scope);
    let uses = scope.uses();
    modules.push(Module {
        name: format_ident!("client"),
        attrs: quote! {
            #[doc = " Async client methods for every operation, on any `matrix_api_core::RequestSender` such as `matrix_client::Client` (the `client` feature)."]
            #[cfg(feature = "client")]
        },
        items: quote! { #uses #body },
        children: Vec::new(),
        public: true,
    });
    let mut scope = Scope::new(items, Here::Other, []);
    let body = stubs::server_items(&mut scope);
    let uses = scope.uses();
    modules.push(Module {
        name: format_ident!("server"),
        attrs: quote! {
            #[doc = " A trait to implement and its routes, for any `matrix_api_core::EndpointRegistry` such as `matrix_server::Routes` (the `server` feature)."]
            #[cfg(feature = "server")]
        },
        items: quote! { #uses #body },
        children: Vec::new(),
        public: true,
    });
    let mut scope = Scope::new(items, Here::Other, []);
    let body = stubs::mock_items(&mut scope);
    let uses = scope.uses();
    modules.push(Module {
        name: format_ident!("mock"),
        attrs: quote! {
            #[doc = " A server that answers with the spec's examples (the `mock` feature)."]
            #[cfg(feature = "mock")]
        },
        items: quote! { #uses #body },
        children: Vec::new(),
        public: true,
    });
    if !items.helpers.is_empty() {
        modules.push(Module {
            name: format_ident!("helpers"),
            attrs: quote! { #[doc = " Constructors for common cases (handwritten templates)."] },
            items: helpers::helper_items(items.api.dir_name(), &items.helpers)?,
            children: Vec::new(),
            public: false,
        });
    }
    Ok(GeneratedCrate {
        api: items.api,
        version: items.version.clone(),
        modules,
    })
}

/// The ids of the types defined in `home`, by name.
fn types_in(items: &ApiItems, home: Home) -> Vec<TypeId> {
    let mut ids: Vec<TypeId> = (0..items.types.len())
        .map(TypeId)
        .filter(|&id| items.def(id).home == home)
        .collect();
    ids.sort_by(|a, b| items.def(*a).name.cmp(&items.def(*b).name));
    ids
}

fn operation_module(items: &ApiItems, index: usize) -> Module {
    let local = types_in(items, Home::Operation(index));
    let local_names: Vec<String> = local.iter().map(|&id| items.def(id).name.clone()).collect();
    let mut scope = operation::scope_for(items, index, &local_names);
    let body = operation::operation_items(&mut scope, index);
    let local_defs: Vec<TokenStream> = local
        .iter()
        .map(|&id| types::definition(&mut scope, id))
        .collect();
    let uses = scope.uses();
    let op = &items.operations[index];
    let doc = operation::module_doc(&scope, op);
    let deprecated = types::deprecated_attr(op.deprecated.as_deref());
    Module {
        name: scope::ident(&op.module),
        attrs: quote! { #doc #deprecated },
        items: quote! {
            #uses
            #body
            #(#local_defs)*
        },
        children: Vec::new(),
        public: true,
    }
}

fn types_module(items: &ApiItems) -> Module {
    let ids = types_in(items, Home::Types);
    let names: Vec<String> = ids.iter().map(|&id| items.def(id).name.clone()).collect();
    let mut scope = Scope::new(items, Here::Types, names.iter().map(String::as_str));
    let defs: Vec<TokenStream> = ids
        .iter()
        .map(|&id| types::definition(&mut scope, id))
        .collect();
    let uses = scope.uses();
    Module {
        name: format_ident!("types"),
        attrs: quote! { #[doc = " Types named in the spec or used from several places."] },
        items: quote! { #uses #(#defs)* },
        children: Vec::new(),
        public: true,
    }
}

fn fixed_module(items: &ApiItems) -> Module {
    let defs = items.fixed.iter().map(|fixed| {
        let ident = format_ident!("{}", fixed.name);
        let value = &fixed.value;
        let doc = format!(" Always `{value}`.");
        quote! { matrix_api_core::fixed_string!(#[doc = #doc] #ident = #value); }
    });
    Module {
        name: format_ident!("fixed"),
        attrs: quote! { #[doc = " Fixed values: single-value enums of the spec, used as discriminators."] },
        items: quote! { #(#defs)* },
        children: Vec::new(),
        public: true,
    }
}

impl Module {
    /// The module with its children inline.
    pub fn inline(&self) -> TokenStream {
        let (attrs, name, items) = (&self.attrs, &self.name, &self.items);
        let children = self.children.iter().map(Module::inline);
        let vis = self.visibility();
        quote! { #attrs #vis mod #name { #items #(#children)* } }
    }

    /// `pub mod name;` for a module in a file of its own.
    pub fn declaration(&self) -> TokenStream {
        let (attrs, name) = (&self.attrs, &self.name);
        let vis = self.visibility();
        quote! { #attrs #vis mod #name; }
    }

    fn visibility(&self) -> TokenStream {
        if self.public {
            quote! { pub }
        } else {
            TokenStream::new()
        }
    }
}

impl GeneratedCrate {
    /// The header every generated file starts with.
    pub fn header(&self) -> String {
        format!(
            "// Generated by matrix-codegen from the Matrix specification {} ({} API). Do not edit.\n",
            self.version, self.api
        )
    }

    /// All modules inline in one file (what the build script writes).
    pub fn to_single_file(&self) -> String {
        let modules = self.modules.iter().map(Module::inline);
        let tokens = quote! { #(#modules)* };
        format!("{}{}", self.header(), lines::to_lines(tokens))
    }

    /// The top of the crate for one file per module: `pub mod name;` lines.
    pub fn root_items(&self) -> TokenStream {
        let modules = self.modules.iter().map(Module::declaration);
        quote! { #(#modules)* }
    }
}
