//! IR → Rust: one crate's worth of code per API. Operation modules (`operation`), named
//! types (`types`), fixed discriminators, event types (`events`), and a hidden registry of
//! body types that the example round-trip test uses.

pub mod docs;
pub mod events;
pub mod object;
pub mod operation;
pub mod overrides;
pub mod types;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{Api, EventKind, Spec};

use self::overrides::Overrides;
use self::types::{DocSite, TypeEmitter};

/// A generated module: outer docs, name, items.
#[derive(Debug)]
pub struct Module {
    /// Its name.
    pub name: Ident,
    /// Outer `#[doc]` attributes.
    pub doc: TokenStream,
    /// Its items.
    pub items: TokenStream,
}

/// The generated code of one API crate.
#[derive(Debug)]
pub struct GeneratedCrate {
    /// The API.
    pub api: Api,
    /// The spec version it was generated from.
    pub version: String,
    /// Its modules, in a fixed order.
    pub modules: Vec<Module>,
}

/// Problems that stop generation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    /// `api-defs/overrides.toml` is invalid.
    #[error("{0}")]
    Overrides(String),
}

/// The page of the spec an API's prose links are relative to.
fn page(api: Api) -> &'static str {
    match api {
        Api::ClientServer => "client-server-api",
        Api::ServerServer => "server-server-api",
        Api::ApplicationService => "application-service-api",
        Api::Identity => "identity-service-api",
        Api::PushGateway => "push-gateway-api",
    }
}

/// Generates the code of `api`'s crate from `spec`.
pub fn generate(spec: &Spec, api: Api) -> Result<GeneratedCrate, EmitError> {
    let overrides = Overrides::load().map_err(EmitError::Overrides)?;
    let site = match spec.version.strip_prefix('v') {
        Some(_) => format!("https://spec.matrix.org/{}", spec.version),
        None => "https://spec.matrix.org/legacy".to_owned(),
    };
    let docs = DocSite {
        page: format!("{site}/{}/", page(api)),
        site,
    };
    let mut te = TypeEmitter::new(spec, &overrides, docs);
    let mut modules = Vec::new();
    let mut registry = Vec::new();
    let names = operation::module_names(spec.operations_of(api));
    for (op, name) in spec.operations_of(api).zip(names) {
        let module = operation::operation_module(&mut te, op, name);
        registry.push((op.operation_id.clone(), module.bodies));
        modules.push(Module {
            name: module.name,
            doc: module.doc,
            items: module.items,
        });
    }
    let event_kinds: &[EventKind] = match api {
        Api::ClientServer => &[EventKind::Basic, EventKind::Room, EventKind::State],
        Api::ServerServer => &[EventKind::Edu],
        _ => &[],
    };
    let events: Vec<_> = spec
        .events
        .iter()
        .filter(|e| event_kinds.contains(&e.kind))
        .collect();
    // Core event schemas and components are not event types, but their examples are
    // checked too.
    let components: Vec<_> = match api {
        Api::ClientServer => spec
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Component)
            .collect(),
        _ => Vec::new(),
    };
    let mut event_registry = Vec::new();
    if !events.is_empty() {
        let (name, enum_name, doc) = match api {
            Api::ServerServer => (
                "edus",
                "AnyEduContent",
                " Ephemeral data units (EDUs) exchanged between servers.",
            ),
            _ => (
                "events",
                "AnyEventContent",
                " Event types: the types of each event and its content, and an enum over the content of all of them.",
            ),
        };
        let (items, entries) = events::events_module(&mut te, &events, enum_name);
        event_registry = entries;
        for component in &components {
            let file = component.location.file.display().to_string();
            let ty = te.ty(component.schema);
            event_registry.push((format!("[]{file}"), quote! { ::std::vec::Vec<#ty> }));
            event_registry.push((file, ty));
        }
        modules.push(Module {
            name: format_ident!("{}", name),
            doc: quote! { #[doc = #doc] },
            items,
        });
    }
    let mut type_defs = Vec::new();
    while te.has_pending() {
        type_defs.extend(te.take_definitions());
    }
    // Definitions in a fixed order, whatever order they were reached in.
    type_defs.sort_by_key(|(id, _)| te.type_ident(*id).to_string());
    let type_items = type_defs.into_iter().map(|(_, def)| def);
    modules.push(Module {
        name: format_ident!("types"),
        doc: quote! { #[doc = " Types named in the spec or reached from several places."] },
        items: quote! { #(#type_items)* },
    });
    modules.push(Module {
        name: format_ident!("fixed"),
        doc: quote! { #[doc = " Fixed values: single-value enums of the spec, used as discriminators."] },
        items: te.fixed_module(),
    });
    modules.push(Module {
        name: format_ident!("examples"),
        doc: quote! {
            #[doc = " Example round trips, for the test that reads every example in the spec"]
            #[doc = " (built with the `examples` feature only)."]
            #[doc(hidden)]
            #[cfg(feature = "examples")]
        },
        items: examples_registry(&spec.version, &registry, &event_registry),
    });
    Ok(GeneratedCrate {
        api,
        version: spec.version.clone(),
        modules,
    })
}

/// `round_trip(operation_id, place, json)` and `round_trip_event(schema_file, json)`: read
/// JSON as the generated type for that place and write it back.
fn examples_registry(
    version: &str,
    operations: &[(String, Vec<(String, TokenStream)>)],
    events: &[(String, TokenStream)],
) -> TokenStream {
    let arms: Vec<TokenStream> = operations
        .iter()
        .flat_map(|(id, bodies)| {
            bodies
                .iter()
                .map(move |(place, ty)| quote! { (#id, #place) => check::<#ty>(json), })
        })
        .collect();
    let event_arms: Vec<TokenStream> = events
        .iter()
        .map(|(file, ty)| quote! { #file => check::<#ty>(json), })
        .collect();
    let operation_body = if arms.is_empty() {
        quote! {
            let _ = (operation_id, place, json);
            ::std::option::Option::None
        }
    } else {
        quote! {
            ::std::option::Option::Some(match (operation_id, place) {
                #(#arms)*
                _ => return ::std::option::Option::None,
            })
        }
    };
    let event_body = if event_arms.is_empty() {
        quote! {
            let _ = (schema_file, json);
            ::std::option::Option::None
        }
    } else {
        quote! {
            ::std::option::Option::Some(match schema_file {
                #(#event_arms)*
                _ => return ::std::option::Option::None,
            })
        }
    };
    let check = if arms.is_empty() && event_arms.is_empty() {
        quote! {}
    } else {
        quote! {
            fn check<T: ::serde::Serialize + ::serde::de::DeserializeOwned>(
                json: &::serde_json::Value,
            ) -> ::std::result::Result<::serde_json::Value, ::std::string::String> {
                let value: T = ::serde_json::from_value(json.clone()).map_err(|e| e.to_string())?;
                ::serde_json::to_value(&value).map_err(|e| e.to_string())
            }
        }
    };
    quote! {
        /// The spec version this code was generated from.
        pub const SPEC_VERSION: &str = #version;

        #check

        /// Reads `json` as the body of `operation_id` at `place` (`request` or a status) and
        /// writes it back; `None` when there is no JSON body there.
        pub fn round_trip(
            operation_id: &str,
            place: &str,
            json: &::serde_json::Value,
        ) -> ::std::option::Option<::std::result::Result<::serde_json::Value, ::std::string::String>> {
            #operation_body
        }

        /// Reads `json` as the event of `schema_file` (a path under the spec's data folder;
        /// `[]` before it for an array of them) and writes it back.
        pub fn round_trip_event(
            schema_file: &str,
            json: &::serde_json::Value,
        ) -> ::std::option::Option<::std::result::Result<::serde_json::Value, ::std::string::String>> {
            #event_body
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
        let modules = self.modules.iter().map(|m| {
            let (doc, name, items) = (&m.doc, &m.name, &m.items);
            quote! { #doc pub mod #name { #items } }
        });
        let tokens = quote! { #(#modules)* };
        format!("{}{}\n", self.header(), tokens)
    }

    /// The top of the crate for one file per module: `pub mod name;` lines.
    pub fn root_items(&self) -> TokenStream {
        let modules = self.modules.iter().map(|m| {
            let (doc, name) = (&m.doc, &m.name);
            quote! { #doc pub mod #name; }
        });
        quote! { #(#modules)* }
    }
}
