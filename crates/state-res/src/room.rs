//! Every event state resolution reads must belong to the room being resolved.

use matrix_auth_rules::{CREATE, Event};

use crate::ResolveError;

/// The room being resolved: the room of the first known event of the state sets.
#[derive(Debug)]
pub(crate) struct RoomGuard {
    room_id: String,
}

impl RoomGuard {
    pub fn new(room_id: String) -> Self {
        RoomGuard { room_id }
    }

    /// The ID of the room being resolved.
    pub fn room_id(&self) -> &str {
        &self.room_id
    }

    /// The room of `event`, which for a room version 12 create event is derived from its ID.
    pub fn room_of<E: Event>(event: &E) -> String {
        match event.room_id() {
            Some(room_id) => room_id.to_owned(),
            None => format!("!{}", event.event_id().trim_start_matches('$')),
        }
    }

    pub fn belongs<E: Event>(&self, event: &E) -> bool {
        match event.room_id() {
            Some(room_id) => room_id == self.room_id,
            None => {
                event.event_type() == CREATE
                    && event.event_id().strip_prefix('$') == self.room_id.strip_prefix('!')
            }
        }
    }

    /// An error unless `event` is in the room.
    pub fn check<E: Event>(&self, event: &E) -> Result<(), ResolveError> {
        if self.belongs(event) {
            Ok(())
        } else {
            Err(ResolveError::WrongRoom {
                event_id: event.event_id().to_owned(),
                expected: self.room_id.clone(),
                found: Self::room_of(event),
            })
        }
    }
}
