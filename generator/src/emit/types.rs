//! Schemas → Rust types: a type expression for every schema, and a definition for every
//! named one (structs for objects, open enums for string enums, untagged enums for unions).
//! Single-value string enums become fixed discriminator types in the `fixed` module.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use heck::ToSnakeCase;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::emit::docs;
use crate::emit::object::{self, Field, ObjectFields, Presence};
use crate::emit::overrides::Overrides;
use crate::ir::{Additional, Kind, ObjectType, Property, Schema, SchemaId, Spec};
use crate::naming;

/// Where relative links in spec prose point.
#[derive(Debug, Clone)]
pub struct DocSite {
    /// `https://spec.matrix.org/v1.19`.
    pub site: String,
    /// The API's page, for `#anchor` links.
    pub page: String,
}

impl DocSite {
    /// `#[doc = "…"]` attributes for spec prose (nothing for none).
    pub fn attrs(&self, text: Option<&str>) -> TokenStream {
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            Some(text) => {
                let doc = docs::rustdoc(text, &self.site, &self.page);
                let lines = doc.lines().map(|l| format!(" {l}"));
                quote! { #(#[doc = #lines])* }
            }
            None => TokenStream::new(),
        }
    }
}

/// Builds type expressions and collects the definitions they need.
#[derive(Debug)]
pub struct TypeEmitter<'s> {
    spec: &'s Spec,
    overrides: &'s Overrides,
    /// Documentation links.
    pub docs: DocSite,
    pending: Vec<SchemaId>,
    queued: HashSet<SchemaId>,
    fixed: BTreeMap<String, String>,
    /// Objects reachable from event schemas: they keep members the spec does not name.
    event_family: HashSet<SchemaId>,
    /// Schemas inside unions, which are read from a parsed JSON value, where [`Raw`] cannot
    /// be used.
    buffered: HashSet<SchemaId>,
}

impl<'s> TypeEmitter<'s> {
    /// An emitter for `spec`.
    pub fn new(spec: &'s Spec, overrides: &'s Overrides, docs: DocSite) -> Self {
        let mut te = TypeEmitter {
            spec,
            overrides,
            docs,
            pending: Vec::new(),
            queued: HashSet::new(),
            fixed: BTreeMap::new(),
            event_family: HashSet::new(),
            buffered: HashSet::new(),
        };
        let events: Vec<SchemaId> = spec
            .types
            .iter()
            .map(|(id, _)| id)
            .filter(|&id| te.is_event(id))
            .collect();
        te.event_family = te.closure(events);
        let unions: Vec<SchemaId> = spec
            .types
            .iter()
            .filter_map(|(id, schema)| matches!(schema.kind, Kind::Union { .. }).then_some(id))
            .collect();
        te.buffered = te.closure(unions);
        te
    }

    /// Every schema reachable from `roots` (type targets), the roots included.
    fn closure(&self, roots: Vec<SchemaId>) -> HashSet<SchemaId> {
        let types = &self.spec.types;
        let mut seen = HashSet::new();
        let mut todo: Vec<SchemaId> = roots.into_iter().map(|id| types.target(id)).collect();
        while let Some(id) = todo.pop() {
            if !seen.insert(id) {
                continue;
            }
            let mut push = |child: SchemaId| todo.push(types.target(child));
            match &types.get(id).kind {
                Kind::Object(o) => {
                    o.properties.iter().for_each(|p| push(p.schema));
                    o.pattern_properties.iter().for_each(|p| push(p.schema));
                    if let Additional::Schema(v) = o.additional {
                        push(v);
                    }
                }
                Kind::Array { items, .. } => push(*items),
                Kind::Tuple { items }
                | Kind::Union {
                    variants: items, ..
                } => items.iter().for_each(|&i| push(i)),
                Kind::Ref(t) | Kind::Recursive(t) => push(*t),
                _ => {}
            }
        }
        seen
    }

    /// The spec.
    pub fn spec(&self) -> &'s Spec {
        self.spec
    }

    fn schema(&self, id: SchemaId) -> &'s Schema {
        self.spec.types.get(id)
    }

    /// Whether `null` is allowed (on the schema or any alias on the way to its type).
    pub fn nullable(&self, mut id: SchemaId) -> bool {
        loop {
            let schema = self.schema(id);
            if schema.nullable {
                return true;
            }
            match schema.kind {
                Kind::Ref(next) => id = next,
                _ => return false,
            }
        }
    }

    /// The description to show for a use of `id`: its own, else its target's.
    pub fn description(&self, mut id: SchemaId) -> Option<&'s str> {
        loop {
            let schema = self.schema(id);
            if let Some(d) = schema.annotations.description.as_deref() {
                return Some(d);
            }
            match schema.kind {
                Kind::Ref(next) => id = next,
                _ => return None,
            }
        }
    }

    /// The Rust type of a value of schema `id`, `Option` included when it may be null.
    pub fn ty(&mut self, id: SchemaId) -> TokenStream {
        self.ty_in(id, true)
    }

    /// As [`Self::ty`]; `raw_ok` says whether events in arrays and maps may be kept as
    /// [`Raw`] here (not inside buffered content).
    fn ty_in(&mut self, id: SchemaId, raw_ok: bool) -> TokenStream {
        let base = self.base_ty_in(id, raw_ok);
        if self.nullable(id) && !self.is_json_value(id) {
            quote! { ::std::option::Option<#base> }
        } else {
            base
        }
    }

    fn is_json_value(&self, id: SchemaId) -> bool {
        matches!(self.spec.types.kind(id), Kind::Any | Kind::Null)
    }

    fn override_for(&self, id: SchemaId) -> Option<TokenStream> {
        let target = self.schema(self.spec.types.target(id));
        if target.location.pointer.is_empty() {
            let file = target.location.file.to_string_lossy();
            if let Some(name) = self.overrides.schemas.get(file.as_ref()) {
                let ident = format_ident!("{}", name);
                return Some(quote! { ::matrix_api_core::#ident });
            }
        }
        None
    }

    fn format_type(&self, format: Option<&str>) -> Option<TokenStream> {
        let name = self.overrides.formats.get(format?)?;
        let ident = format_ident!("{}", name);
        Some(quote! { ::matrix_api_core::#ident })
    }

    /// The type ignoring top-level nullability.
    pub fn base_ty(&mut self, id: SchemaId) -> TokenStream {
        self.base_ty_in(id, true)
    }

    fn base_ty_in(&mut self, id: SchemaId, raw_ok: bool) -> TokenStream {
        if let Some(ty) = self.override_for(id) {
            return ty;
        }
        let target = self.spec.types.target(id);
        let schema = self.schema(target);
        match &schema.kind {
            Kind::Any | Kind::Null | Kind::Ref(_) => quote! { ::serde_json::Value },
            Kind::Boolean => quote! { bool },
            Kind::Integer { .. } => quote! { i64 },
            Kind::Number { .. } => quote! { f64 },
            Kind::Bytes => quote! { ::std::string::String },
            Kind::String(s) => {
                if s.enum_values.len() == 1 {
                    let ident = self.fixed_name(&s.enum_values[0]);
                    quote! { crate::fixed::#ident }
                } else if s.enum_values.len() > 1 {
                    self.named(target)
                } else if let Some(ty) = self.format_type(s.format.as_deref()) {
                    ty
                } else {
                    quote! { ::std::string::String }
                }
            }
            Kind::Array { items, .. } => {
                let item = self.item_ty(*items, raw_ok);
                quote! { ::std::vec::Vec<#item> }
            }
            Kind::Tuple { items } => {
                let items: Vec<TokenStream> =
                    items.iter().map(|&i| self.ty_in(i, raw_ok)).collect();
                quote! { ( #(#items),* ) }
            }
            Kind::Object(object) => {
                if !object.properties.is_empty() {
                    self.named(target)
                } else if let Some((key, value)) = self.map_parts(object, raw_ok) {
                    quote! { ::std::collections::BTreeMap<#key, #value> }
                } else {
                    quote! { ::matrix_api_core::JsonObject }
                }
            }
            Kind::Union { variants, .. } => {
                if let Some(ty) = self.union_override(variants) {
                    ty
                } else {
                    self.named(target)
                }
            }
            Kind::Recursive(of) => {
                let inner = self.base_ty_in(*of, raw_ok);
                quote! { ::std::boxed::Box<#inner> }
            }
        }
    }

    /// Array items and map values: events are kept as [`Raw`] JSON so that one bad event
    /// does not fail the whole response.
    fn item_ty(&mut self, id: SchemaId, raw_ok: bool) -> TokenStream {
        let ty = self.ty_in(id, raw_ok);
        if raw_ok && self.is_event(id) {
            quote! { ::matrix_api_core::Raw<#ty> }
        } else {
            ty
        }
    }

    /// Whether a schema is an event: a whole file under `event-schemas/`, a client event,
    /// PDU or stripped state definition, or an object titled as an event (`…Event`, `PDU`,
    /// `Persistent Data Unit`, `Event Template`).
    pub fn is_event(&self, id: SchemaId) -> bool {
        let schema = self.schema(self.spec.types.target(id));
        if !matches!(schema.kind, Kind::Object(_)) {
            return false;
        }
        if let Some(title) = schema.annotations.title.as_deref().map(str::trim) {
            if title.ends_with("Event")
                || matches!(title, "PDU" | "Persistent Data Unit" | "Event Template")
            {
                return true;
            }
        }
        if !schema.location.pointer.is_empty() {
            return false;
        }
        let file = schema.location.file.to_string_lossy();
        let stem = schema
            .location
            .file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        (file.starts_with("event-schemas/schema/") && !file.contains("/components/"))
            || stem.contains("client_event")
            || stem.starts_with("pdu")
            || stem == "stripped_state"
            || stem.ends_with("room_event")
    }

    fn union_override(&self, variants: &[SchemaId]) -> Option<TokenStream> {
        let formats: Option<Vec<String>> = variants
            .iter()
            .map(|&v| match self.spec.types.kind(v) {
                Kind::String(s) if s.enum_values.is_empty() => s.format.clone(),
                _ => None,
            })
            .collect();
        let name = self.overrides.unions.get(&formats?.join("|"))?;
        let ident = format_ident!("{}", name);
        Some(quote! { ::matrix_api_core::#ident })
    }

    /// Key and value types of an object that is a map.
    fn map_parts(
        &mut self,
        object: &ObjectType,
        raw_ok: bool,
    ) -> Option<(TokenStream, TokenStream)> {
        let (key_format, value) = match (&object.additional, object.pattern_properties.as_slice()) {
            (_, [pattern, ..]) => (pattern.key_format.clone(), pattern.schema),
            (Additional::Schema(value), []) => (None, *value),
            _ => return None,
        };
        let key = self
            .format_type(key_format.as_deref())
            .unwrap_or_else(|| quote! { ::std::string::String });
        // Several patterns with different value types cannot share one map type.
        let same = object
            .pattern_properties
            .iter()
            .all(|p| self.spec.types.target(p.schema) == self.spec.types.target(value));
        let value = if same {
            self.item_ty(value, raw_ok)
        } else {
            quote! { ::serde_json::Value }
        };
        Some((key, value))
    }

    /// A reference to the named type of `id`, queued for definition.
    fn named(&mut self, id: SchemaId) -> TokenStream {
        if self.queued.insert(id) {
            self.pending.push(id);
        }
        let ident = self.type_ident(id);
        quote! { crate::types::#ident }
    }

    /// The identifier of a named schema.
    pub fn type_ident(&self, id: SchemaId) -> Ident {
        let name = self
            .schema(id)
            .name
            .clone()
            .unwrap_or_else(|| format!("Schema{}", id.0));
        format_ident!("{}", name)
    }

    fn fixed_name(&mut self, value: &str) -> Ident {
        if let Some(name) = self.fixed.get(value) {
            return format_ident!("{}", name);
        }
        let base = match naming::identifier(value) {
            name if name.is_empty() => "Empty".to_owned(),
            name => name,
        };
        let taken: BTreeSet<&String> = self.fixed.values().collect();
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.fixed.insert(value.to_owned(), name.clone());
        format_ident!("{}", name)
    }

    /// Whether any named type is waiting to be defined.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Definitions of every named type referenced so far (and those they reference).
    pub fn take_definitions(&mut self) -> Vec<(SchemaId, TokenStream)> {
        let mut out = Vec::new();
        while let Some(id) = self.pending.pop() {
            let def = self.definition(id);
            out.push((id, def));
        }
        out
    }

    fn definition(&mut self, id: SchemaId) -> TokenStream {
        let schema = self.schema(id);
        let ident = self.type_ident(id);
        let doc = self.docs.attrs(
            schema
                .annotations
                .description
                .as_deref()
                .or(schema.annotations.title.as_deref()),
        );
        match &schema.kind {
            Kind::Object(object) => {
                let fields = self.object_fields(object, Some(id), &[]);
                object::struct_with_serde(&doc, &ident, &fields)
            }
            Kind::String(s) => {
                let variants = enum_variants(&s.enum_values);
                let values = &s.enum_values;
                let doc_default = format!(" The `{}` values.", ident);
                let doc = if doc.is_empty() {
                    quote! { #[doc = #doc_default] }
                } else {
                    doc
                };
                quote! {
                    ::matrix_api_core::string_enum! {
                        #doc
                        #ident { #( #[doc = concat!(" `", #values, "`")] #variants = #values, )* }
                    }
                }
            }
            Kind::Union { variants, .. } => self.union_definition(&ident, doc, variants),
            _ => quote! {},
        }
    }

    /// The fields of `object`, the schema `owner`: its named properties, then the map of
    /// other members for open objects and events. Identifiers in `taken` are avoided.
    pub fn object_fields(
        &mut self,
        object: &ObjectType,
        owner: Option<SchemaId>,
        taken: &[String],
    ) -> ObjectFields {
        let owner = owner.map(|id| self.spec.types.target(id));
        let keeps_unknown = owner.is_some_and(|id| self.event_family.contains(&id));
        let raw_ok = !owner.is_some_and(|id| self.buffered.contains(&id));
        let mut taken = taken.to_vec();
        let idents = field_idents(object.properties.iter().map(|p| p.name.as_str()), &taken);
        let fields: Vec<Field> = object
            .properties
            .iter()
            .zip(idents)
            .map(|(p, ident)| self.field(p, ident, raw_ok))
            .collect();
        taken.extend(fields.iter().map(|f| f.ident.to_string()));
        let extra = match self.extra_value(object, raw_ok) {
            None if keeps_unknown && object.additional != Additional::Forbidden => {
                Some(quote! { ::serde_json::Value })
            }
            other => other,
        };
        let extra = extra.map(|value| {
            let ident = field_idents(["additional_properties"].into_iter(), &taken).remove(0);
            (ident, value)
        });
        ObjectFields { fields, extra }
    }

    fn field(&mut self, property: &Property, ident: Ident, raw_ok: bool) -> Field {
        let nullable = self.nullable(property.schema);
        let ty = self.base_ty_in(property.schema, raw_ok);
        let is_value = self.is_json_value(property.schema);
        let doc = self.docs.attrs(self.description(property.schema));
        let presence = match (property.required, nullable && !is_value) {
            (true, false) => Presence::Required,
            (true, true) => Presence::RequiredNullable,
            (false, false) if is_value => Presence::OptionalValue,
            (false, false) => Presence::Optional,
            (false, true) => Presence::OptionalNullable,
        };
        Field {
            ident,
            json: property.name.clone(),
            ty,
            presence,
            doc,
        }
    }

    /// The value type of members beyond the named ones, for open objects.
    fn extra_value(&mut self, object: &ObjectType, raw_ok: bool) -> Option<TokenStream> {
        Some(
            match (&object.additional, object.pattern_properties.as_slice()) {
                (Additional::Schema(value), _) => self.item_ty(*value, raw_ok),
                (_, [pattern]) => self.item_ty(pattern.schema, raw_ok),
                (Additional::Any, _) | (_, [_, _, ..]) => quote! { ::serde_json::Value },
                (Additional::Unspecified | Additional::Forbidden, []) => return None,
            },
        )
    }

    fn union_definition(
        &mut self,
        ident: &Ident,
        doc: TokenStream,
        variants: &[SchemaId],
    ) -> TokenStream {
        // Variants are tried in order: specific shapes first, catch-alls last.
        let mut ordered: Vec<(usize, SchemaId)> =
            variants.iter().map(|&v| (self.generality(v), v)).collect();
        ordered.sort_by_key(|(g, _)| *g);
        let mut names = BTreeSet::new();
        let mut defs = Vec::new();
        let mut serde_variants = Vec::new();
        for (_, variant) in ordered {
            let ty = self.ty_in(variant, false);
            let mut name = self.variant_name(variant);
            let base = name.clone();
            let mut n = 2;
            while !names.insert(name.clone()) {
                name = format!("{base}{n}");
                n += 1;
            }
            let name = format_ident!("{}", name);
            let doc = self.docs.attrs(self.description(variant));
            defs.push(quote! { #doc #name(#ty), });
            serde_variants.push((name, ty));
        }
        let serde = object::union_serde(ident, &serde_variants);
        quote! {
            #doc
            #[derive(Debug, Clone, PartialEq)]
            pub enum #ident { #(#defs)* }
            #serde
        }
    }

    /// 0 for shapes that reject most values, 2 for ones that accept anything of a JSON type.
    fn generality(&self, id: SchemaId) -> usize {
        match self.spec.types.kind(id) {
            Kind::Any | Kind::Null => 3,
            Kind::Object(o) if o.properties.is_empty() => 2,
            Kind::String(s)
                if s.enum_values.is_empty() && self.format_type(s.format.as_deref()).is_none() =>
            {
                1
            }
            _ => 0,
        }
    }

    fn variant_name(&self, id: SchemaId) -> String {
        let target = self.spec.types.target(id);
        let schema = self.schema(target);
        if let Some(name) = &schema.name {
            return name.clone();
        }
        match &schema.kind {
            Kind::String(s) => match s
                .format
                .as_deref()
                .and_then(|f| self.overrides.formats.get(f))
            {
                Some(name) => name.clone(),
                None => "String".into(),
            },
            Kind::Integer { .. } => "Integer".into(),
            Kind::Number { .. } => "Number".into(),
            Kind::Boolean => "Boolean".into(),
            Kind::Array { .. } | Kind::Tuple { .. } => "Array".into(),
            Kind::Object(_) => "Object".into(),
            _ => "Value".into(),
        }
    }

    /// The `fixed` module: one type per single-value enum value in use.
    pub fn fixed_module(&self) -> TokenStream {
        let defs = self.fixed.iter().map(|(value, name)| {
            let ident = format_ident!("{}", name);
            let doc = format!(" Always `{value}`.");
            quote! { ::matrix_api_core::fixed_string!(#[doc = #doc] #ident = #value); }
        });
        quote! { #(#defs)* }
    }
}

/// Variant identifiers for string enum values, unique within the enum.
fn enum_variants(values: &[String]) -> Vec<Ident> {
    let mut seen = BTreeSet::new();
    values
        .iter()
        .map(|v| {
            let base = match naming::identifier(v) {
                name if name.is_empty() => "Empty".to_owned(),
                name => name,
            };
            let base = if base == "Other" {
                "Other_".to_owned()
            } else {
                base
            };
            let mut name = base.clone();
            let mut n = 2;
            while !seen.insert(name.clone()) {
                name = format!("{base}{n}");
                n += 1;
            }
            format_ident!("{}", name)
        })
        .collect()
}

/// snake_case field identifiers for JSON keys, unique, avoiding `taken`.
pub fn field_idents<'a>(names: impl Iterator<Item = &'a str>, taken: &[String]) -> Vec<Ident> {
    let mut seen: BTreeSet<String> = taken.iter().cloned().collect();
    names
        .map(|name| {
            let base = snake(name);
            let mut candidate = base.clone();
            let mut n = 2;
            while !seen.insert(candidate.clone()) {
                candidate = format!("{base}_{n}");
                n += 1;
            }
            ident(&candidate)
        })
        .collect()
}

/// A snake_case identifier for arbitrary text (`m.relates_to` → `m_relates_to`).
pub fn snake(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut s = cleaned.to_snake_case();
    if s.is_empty() {
        s.push_str("field");
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

/// An identifier, raw when it is a keyword.
pub fn ident(name: &str) -> Ident {
    const KEYWORDS: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
        "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
        "return", "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe",
        "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do",
        "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
        "gen",
    ];
    if matches!(name, "self" | "Self" | "super" | "crate") {
        return Ident::new(&format!("{name}_"), Span::call_site());
    }
    if KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}
