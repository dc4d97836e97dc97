//! Rule 1: `m.room.create`, and what later rules read from the create event (`m.federate`).

use matrix_event_format::RoomVersion;
use matrix_event_format::room_version::{CreatorRule, RoomIdFormat};
use serde_json::Value;

use crate::event::Event;
use crate::identifiers::{domain_of, is_valid_user_id};
use crate::rejection::Rejection;

/// The rules for `m.room.create`, which depend on nothing but the event.
pub(crate) fn check_create<E: Event + ?Sized>(
    version: &RoomVersion,
    event: &E,
) -> Result<(), Rejection> {
    if event.prev_event_ids().next().is_some() {
        return Err(Rejection::CreateHasPrevEvents);
    }
    match version.room_id_format {
        RoomIdFormat::CreateEventHash => {
            if event.room_id().is_some() {
                return Err(Rejection::CreateHasRoomId);
            }
        }
        RoomIdFormat::ServerAssigned => {
            let sender_domain = sender_domain(event)?;
            let room_id = event.room_id().unwrap_or_default();
            if domain(room_id)? != sender_domain {
                return Err(Rejection::CreateRoomIdDomainMismatch);
            }
        }
    }
    let content = event.content();
    match content.get("room_version") {
        None => {}
        Some(Value::String(id)) if RoomVersion::from_id(id).is_some() => {}
        Some(_) => return Err(Rejection::UnknownRoomVersion),
    }
    if version.creator == CreatorRule::ContentCreator && !content.contains_key("creator") {
        return Err(Rejection::CreateWithoutCreator);
    }
    if version.creator == CreatorRule::SenderAndAdditionalCreators {
        if let Some(creators) = content.get("additional_creators") {
            let valid = creators.as_array().is_some_and(|creators| {
                creators
                    .iter()
                    .all(|creator| creator.as_str().is_some_and(is_valid_user_id))
            });
            if !valid {
                return Err(Rejection::InvalidAdditionalCreators);
            }
        }
    }
    Ok(())
}

/// `m.federate` of the create event: federation is allowed unless it is anything but `true`.
pub(crate) fn can_federate<E: Event + ?Sized>(create: &E) -> bool {
    match create.content().get("m.federate") {
        None => true,
        Some(value) => *value == Value::Bool(true),
    }
}

pub(crate) fn domain(id: &str) -> Result<&str, Rejection> {
    domain_of(id).ok_or_else(|| Rejection::IdWithoutDomain(id.to_owned()))
}

/// [`domain`] of an event's sender, which the event may keep (as [`PduEvent`](crate::PduEvent)
/// does).
pub(crate) fn sender_domain<E: Event + ?Sized>(event: &E) -> Result<&str, Rejection> {
    event
        .sender_domain()
        .ok_or_else(|| Rejection::IdWithoutDomain(event.sender().to_owned()))
}
