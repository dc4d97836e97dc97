//! Enums chosen by the value of one member: wherever the spec discriminates by a field.
//!
//! Three sources:
//! - event variants: `m.room.message$m.text` … are the contents of `m.room.message` for one
//!   value of `msgtype` (the member whose single-value enum is the variant's name), so the
//!   content of `m.room.message` is an enum over them, with the general schema for other
//!   values (`method` of `m.key.verification.start` likewise);
//! - `oneOf`/`anyOf` whose branches are objects fixing one member to different values;
//! - `api-defs/items.toml`, for schemas whose members the spec assigns to tag values only
//!   in prose (the login `type`, user identifiers, user-interactive auth, push conditions).
//!
//! Every such enum keeps values the spec does not define in a fallback variant that
//! writes them back as they came.

use crate::ir::{EventSchema, Kind, ObjectType, Property, SchemaId};

use super::names::{self, Namespace};
use super::overrides::Dispatch;
use super::types::{Owner, Referrer, TypeBuilder, Use};
use super::{Fallback, Field, Presence, Struct, Tagged, TaggedVariant, TypeId, TypeKind, TypeRef};

/// The definition of type `id` (schema `schema`) when it is a dispatch enum.
pub fn definition(b: &mut TypeBuilder<'_>, id: TypeId, schema: SchemaId) -> Option<TypeKind> {
    let spec = b.spec();
    if let Some(dispatch) = b.overrides().dispatch_for(spec, schema) {
        let Kind::Object(object) = spec.types.kind(schema).clone() else {
            return None;
        };
        b.rename(id, &dispatch.name);
        let tagged = declared_enum(b, id, &object, dispatch, &dispatch.shared);
        return Some(TypeKind::Tagged(tagged));
    }
    if let Some(tagged) = event_variants(b, id, schema) {
        return Some(TypeKind::Tagged(tagged));
    }
    constant_branches(b, id, schema).map(TypeKind::Tagged)
}

/// A request body with a declared dispatch: its other members as fields, and the enum.
pub fn flattened_body(
    b: &mut TypeBuilder<'_>,
    op: usize,
    object: &ObjectType,
    dispatch: &Dispatch,
    used: &Use,
    taken: &[String],
) -> Struct {
    let dispatched: Vec<&str> = dispatch
        .variants
        .values()
        .flat_map(|v| v.members.iter().map(String::as_str))
        .chain([dispatch.tag.as_str()])
        .collect();
    let rest = ObjectType {
        properties: object
            .properties
            .iter()
            .filter(|p| !dispatched.contains(&p.name.as_str()))
            .cloned()
            .collect(),
        ..object.clone()
    };
    let mut outer = b.object_struct(&rest, None, used, taken);
    let enum_id = b.add_type(
        &dispatch.name,
        Referrer::Operation(op),
        None,
        TypeKind::Struct(Struct::default()),
    );
    let tagged = declared_enum(b, enum_id, object, dispatch, &[]);
    b.set_kind(enum_id, TypeKind::Tagged(tagged));
    let field_name = dispatch
        .field
        .clone()
        .unwrap_or_else(|| names::snake(&dispatch.name));
    outer.flattened = Some(super::FlattenedEnum {
        name: field_name,
        ty: enum_id,
        doc: None,
    });
    outer
}

/// The enum a dispatch in `api-defs/items.toml` declares over `object`'s members.
fn declared_enum(
    b: &mut TypeBuilder<'_>,
    id: TypeId,
    object: &ObjectType,
    dispatch: &Dispatch,
    shared: &[String],
) -> Tagged {
    let open = !matches!(
        object.additional,
        crate::ir::Additional::Unspecified | crate::ir::Additional::Forbidden
    );
    let mut variants = Vec::new();
    for (value, variant) in &dispatch.variants {
        let struct_id = b.add_type(
            &variant.struct_name,
            Referrer::Type(id),
            Some(format!("The members for `{}: {value}`.", dispatch.tag)),
            TypeKind::Struct(Struct::default()),
        );
        let used = Use {
            referrer: Referrer::Type(struct_id),
            owner: Owner::Type(struct_id),
            role: String::new(),
            raw_ok: true,
        };
        let properties: Vec<Property> = variant
            .members
            .iter()
            .chain(shared)
            .filter_map(|name| object.property(name))
            .map(|p| Property {
                required: variant.required.contains(&p.name),
                ..p.clone()
            })
            .collect();
        let members = ObjectType {
            properties,
            additional: if open {
                object.additional.clone()
            } else {
                crate::ir::Additional::Unspecified
            },
            ..ObjectType::default()
        };
        let mut fields = b.object_struct(&members, None, &used, &[]);
        for (name, kind) in &variant.prose_members {
            let ty = prose_member_type(b, kind, &used);
            let required = variant.required.contains(name);
            fields.fields.push(Field {
                name: names::field(name),
                json: name.clone(),
                secret: b.overrides().is_secret(name) && ty == TypeRef::String,
                presence: if required {
                    Presence::Required
                } else {
                    b.optional_presence_for(&ty)
                },
                ty,
                doc: None,
                deprecated: None,
            });
        }
        b.set_kind(struct_id, TypeKind::Struct(fields));
        variants.push(TaggedVariant {
            value: value.clone(),
            name: variant.name.clone(),
            ty: struct_id,
        });
    }
    Tagged {
        tag: dispatch.tag.clone(),
        variants,
        fallback: Fallback::Object,
        tag_in_variant: false,
    }
}

fn prose_member_type(b: &mut TypeBuilder<'_>, kind: &str, used: &Use) -> TypeRef {
    match kind {
        "string" => TypeRef::String,
        "boolean" => TypeRef::Bool,
        "integer" => TypeRef::Int,
        "object" => TypeRef::JsonObject,
        other => {
            let file = other.strip_prefix("type:").unwrap_or(other);
            let spec = b.spec();
            let schema = spec.types.iter().find_map(|(id, s)| {
                (s.location.pointer.is_empty() && s.location.file.to_string_lossy() == file)
                    .then_some(id)
            });
            match schema {
                Some(schema) => b.ty(schema, used),
                None => TypeRef::JsonObject,
            }
        }
    }
}

/// The content of an event type whose variants have schemas of their own.
fn event_variants(b: &mut TypeBuilder<'_>, id: TypeId, schema: SchemaId) -> Option<Tagged> {
    let spec = b.spec();
    let target = spec.types.target(schema);
    let base = spec.events.iter().find(|e| {
        e.variant.is_none() && e.content.is_some_and(|c| spec.types.target(c) == target)
    })?;
    let variants: Vec<&EventSchema> = spec
        .events
        .iter()
        .filter(|e| e.event_type == base.event_type && e.kind == base.kind && e.variant.is_some())
        .collect();
    if variants.is_empty() {
        return None;
    }
    let tag = variants.iter().find_map(|v| tag_of(b, v))?;
    if !variants
        .iter()
        .all(|v| tag_of(b, v).as_deref() == Some(tag.as_str()))
    {
        return None;
    }
    let Kind::Object(object) = spec.types.kind(target).clone() else {
        return None;
    };
    let base_name = names::event_name(base);
    let fallback = b.add_type(
        &format!("{base_name}OtherContent"),
        Referrer::Type(id),
        Some(format!(
            "The content of an `{}` event whose `{tag}` the spec does not define.",
            base.event_type
        )),
        TypeKind::Struct(Struct::default()),
    );
    let used = Use {
        referrer: Referrer::Type(fallback),
        owner: Owner::Type(fallback),
        role: String::new(),
        raw_ok: true,
    };
    let members = b.object_struct(&object, Some(target), &used, &[]);
    b.set_kind(fallback, TypeKind::Struct(members));
    let mut namespace = Namespace::with_reserved(["Other"]);
    let mut out = Vec::new();
    for variant in variants {
        let content = variant.content?;
        let used = Use {
            referrer: Referrer::Type(id),
            owner: Owner::Type(id),
            role: String::new(),
            raw_ok: true,
        };
        let TypeRef::Named(ty) = b.base_ty(content, &used) else {
            return None;
        };
        let value = variant.variant.clone().unwrap_or_default();
        out.push(tagged_variant(&mut namespace, value, ty));
    }
    Some(Tagged {
        tag,
        variants: out,
        fallback: Fallback::Struct(fallback),
        tag_in_variant: true,
    })
}

/// The variant for the tag `value`, named after it without the `m.` namespace.
fn tagged_variant(namespace: &mut Namespace, value: String, ty: TypeId) -> TaggedVariant {
    TaggedVariant {
        name: namespace.claim(
            &names::camel(value.strip_prefix("m.").unwrap_or(&value)),
            "",
        ),
        value,
        ty,
    }
}

/// The member of a variant's content that is fixed to the variant's name.
fn tag_of(b: &TypeBuilder<'_>, event: &EventSchema) -> Option<String> {
    let spec = b.spec();
    let variant = event.variant.as_deref()?;
    let Kind::Object(content) = spec.types.kind(event.content?) else {
        return None;
    };
    content
        .properties
        .iter()
        .find_map(|p| match spec.types.kind(p.schema) {
            Kind::String(s) if s.enum_values == [variant] => Some(p.name.clone()),
            _ => None,
        })
}

/// A union whose branches are objects that fix one member to different values.
fn constant_branches(b: &mut TypeBuilder<'_>, id: TypeId, schema: SchemaId) -> Option<Tagged> {
    let spec = b.spec();
    let Kind::Union { variants, .. } = spec.types.kind(schema).clone() else {
        return None;
    };
    let objects: Vec<&ObjectType> = variants
        .iter()
        .map(|&v| match spec.types.kind(v) {
            Kind::Object(o) if !o.properties.is_empty() => Some(o),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let first = objects.first()?;
    let (tag, values) = first.properties.iter().find_map(|p| {
        let values: Option<Vec<String>> = objects
            .iter()
            .map(|o| match spec.types.kind(o.property(&p.name)?.schema) {
                Kind::String(s) if s.enum_values.len() == 1 => Some(s.enum_values[0].clone()),
                _ => None,
            })
            .collect();
        let values = values?;
        let distinct: std::collections::BTreeSet<&String> = values.iter().collect();
        (distinct.len() == values.len()).then(|| (p.name.clone(), values))
    })?;
    let mut namespace = Namespace::with_reserved(["Other"]);
    let mut out = Vec::new();
    for (&variant, value) in variants.iter().zip(values) {
        let used = Use {
            referrer: Referrer::Type(id),
            owner: Owner::Type(id),
            role: names::camel(&value),
            raw_ok: false,
        };
        let TypeRef::Named(ty) = b.base_ty(variant, &used) else {
            return None;
        };
        out.push(tagged_variant(&mut namespace, value, ty));
    }
    Some(Tagged {
        tag,
        variants: out,
        fallback: Fallback::Object,
        tag_in_variant: true,
    })
}
