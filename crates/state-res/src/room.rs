//! Every event state resolution reads must belong to the room being resolved.

use matrix_auth_rules::{CREATE, Event};

use crate::ResolveError;

/// The room an event claims, as [`RoomGuard::belongs`] reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClaimedRoom<'e> {
    /// Its `room_id`.
    Id(&'e str),
    /// A create event without a `room_id` (room version 12): its ID after the `$`, which is the
    /// room ID after the `!`.
    OfCreate(&'e str),
    /// A create event without a `room_id` whose ID does not start with `$`: it claims any room
    /// whose ID does not start with `!` (as the reference implementation compares them).
    Unprefixed,
    /// No room: no `room_id`, and not a create event.
    None,
}

impl<'e> ClaimedRoom<'e> {
    pub fn of<E: Event>(event: &'e E) -> Self {
        match event.room_id() {
            Some(room_id) => ClaimedRoom::Id(room_id),
            None if event.event_type() != CREATE => ClaimedRoom::None,
            None => match event.event_id().strip_prefix('$') {
                Some(hash) => ClaimedRoom::OfCreate(hash),
                None => ClaimedRoom::Unprefixed,
            },
        }
    }
}

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
        self.accepts(ClaimedRoom::of(event))
    }

    /// Whether an event claiming `claimed` is in the room.
    pub fn accepts(&self, claimed: ClaimedRoom<'_>) -> bool {
        match claimed {
            ClaimedRoom::Id(room_id) => room_id == self.room_id,
            ClaimedRoom::OfCreate(hash) => self.room_id.strip_prefix('!') == Some(hash),
            ClaimedRoom::Unprefixed => !self.room_id.starts_with('!'),
            ClaimedRoom::None => false,
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

#[cfg(test)]
mod tests {
    use matrix_event_format::RoomVersion;
    use serde_json::json;

    use super::*;
    use crate::test_events::event;

    /// Each claim, against a room ID with and without its `!`.
    #[test]
    fn events_belong_to_the_room_they_claim() {
        let v12 = RoomVersion::from_id("12").expect("a known room version");
        let create = json!({"type": "m.room.create", "room_id": null, "content": {}});
        let in_room = event(v12, 1, &[], json!({"room_id": "!r:x"}));
        let create_event = event(v12, 2, &[], create);
        let claims = [
            (ClaimedRoom::of(&in_room), ClaimedRoom::Id("!r:x")),
            (ClaimedRoom::of(&create_event), ClaimedRoom::OfCreate("e2")),
        ];
        for (claimed, expected) in claims {
            assert_eq!(claimed, expected);
        }
        let (room, hash_room, bare) = (
            RoomGuard::new("!r:x".into()),
            RoomGuard::new("!e2".into()),
            RoomGuard::new("r:x".into()),
        );
        assert!(room.belongs(&in_room) && !room.belongs(&create_event));
        assert!(hash_room.belongs(&create_event) && !hash_room.belongs(&in_room));
        assert!(bare.accepts(ClaimedRoom::Unprefixed) && !room.accepts(ClaimedRoom::Unprefixed));
        assert!(!room.accepts(ClaimedRoom::None) && !bare.accepts(ClaimedRoom::None));
    }
}
