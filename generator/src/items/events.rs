//! Event types: each event schema's type and content, and the enum over all contents.
//!
//! Names come from the event type: `m.room.member` → `RoomMemberEvent` and
//! `RoomMemberEventContent`, the `m.text` variant of `m.room.message` →
//! `RoomMessageTextEvent`, server-server EDUs `TypingEdu`. When several event types share
//! one content schema (`m.policy.rule.*`), the schema keeps its own name and each event
//! type gets a newtype around it, so that every content type knows its event type.

use std::collections::BTreeSet;

use crate::ir::{Api, EventKind, EventSchema, Spec};

use super::names::{self, Namespace};
use super::types::{Referrer, TypeBuilder, Use};
use super::{ContentKind, EventItem, EventsModule, TypeKind, TypeRef};

/// The event kinds each API's crate defines.
fn kinds(api: Api) -> &'static [EventKind] {
    match api {
        Api::ClientServer => &[EventKind::Basic, EventKind::Room, EventKind::State],
        Api::ServerServer => &[EventKind::Edu],
        _ => &[],
    }
}

/// The events module of `api`, if it has event types.
pub fn events_module(b: &mut TypeBuilder<'_>, spec: &Spec, api: Api) -> Option<EventsModule> {
    let kinds = kinds(api);
    let events: Vec<&EventSchema> = spec
        .events
        .iter()
        .filter(|e| kinds.contains(&e.kind))
        .collect();
    if events.is_empty() {
        return None;
    }
    let shared = super::types::shared_contents(spec);
    let mut variants = Namespace::with_reserved(["Unknown"]);
    let mut seen = BTreeSet::new();
    let mut items = Vec::new();
    for event in events {
        let name = names::event_name(event);
        let used = Use::shared(&name, "");
        let event_ty = b.ty(event.schema, &used);
        let content = event.content.map(|content| {
            let inner = b.ty(content, &Use::shared(&name, "Content"));
            if event.variant.is_none() && shared.contains(&spec.types.target(content)) {
                let id = b.add_type(
                    &format!("{name}Content"),
                    Referrer::Shared,
                    Some(format!("The content of an `{}` event.", event.event_type)),
                    TypeKind::Newtype(inner),
                );
                TypeRef::Named(id)
            } else {
                inner
            }
        });
        let any_variant =
            (event.variant.is_none() && seen.insert(event.event_type.clone())).then(|| {
                variants.claim(
                    &names::camel(
                        event
                            .event_type
                            .strip_prefix("m.")
                            .unwrap_or(&event.event_type),
                    ),
                    "",
                )
            });
        items.push(EventItem {
            event_type: event.event_type.clone(),
            variant: event.variant.clone(),
            file: event.location.file.display().to_string(),
            event: event_ty,
            content,
            any_variant,
            kind: match event.kind {
                EventKind::Room => ContentKind::MessageLike,
                EventKind::State => ContentKind::State,
                EventKind::Edu => ContentKind::Edu,
                EventKind::Basic | EventKind::Component => ContentKind::Other,
            },
        });
    }
    let (module, any_enum, doc) = match api {
        Api::ServerServer => (
            "edus",
            "AnyEduContent",
            "Ephemeral data units (EDUs) exchanged between servers.",
        ),
        _ => (
            "events",
            "AnyEventContent",
            "Event types: the types of each event and its content, and an enum over the content of all of them.",
        ),
    };
    Some(EventsModule {
        module: module.to_owned(),
        doc: doc.to_owned(),
        any_enum: any_enum.to_owned(),
        events: items,
    })
}

/// Core event schemas and components are not event types, but their examples are checked
/// too: each schema file with its type (and `[]file` with an array of it).
pub fn components(b: &mut TypeBuilder<'_>, spec: &Spec, api: Api) -> Vec<(String, TypeRef)> {
    if api != Api::ClientServer {
        return Vec::new();
    }
    let mut out = Vec::new();
    for component in spec
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Component)
    {
        let file = component.location.file.display().to_string();
        let ty = b.ty(component.schema, &Use::shared("Component", ""));
        out.push((format!("[]{file}"), TypeRef::Vec(Box::new(ty.clone()))));
        out.push((file, ty));
    }
    out
}
