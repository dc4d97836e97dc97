//! The read access to an event that the authorization rules and state resolution need.

use std::rc::Rc;
use std::sync::Arc;

use matrix_event_format::JsonObject;

use crate::identifiers::domain_of;
use crate::names::JOIN_AUTHORISED_VIA_USERS_SERVER;
use crate::parsed_levels::ParsedPowerLevels;

/// An event (PDU) as the authorization rules see it. Implement it over your own storage, or use
/// [`PduEvent`](crate::PduEvent) over a JSON object.
///
/// Identifiers are the real ones: for room versions 3 and up the event ID is the reference hash,
/// and in room version 12 the room ID is derived from the create event (which itself has no
/// `room_id`). In room version 12 the create event is never listed in `auth_events`; the
/// algorithms add it from the room ID.
pub trait Event {
    /// The event ID (`$…`).
    fn event_id(&self) -> &str;
    /// The `room_id` field; `None` for a v12 `m.room.create` event, which has none.
    fn room_id(&self) -> Option<&str>;
    /// The `type` field.
    fn event_type(&self) -> &str;
    /// The `state_key` field; `None` for a message (non-state) event.
    fn state_key(&self) -> Option<&str>;
    /// The `sender` field.
    fn sender(&self) -> &str;
    /// The `content` object.
    fn content(&self) -> &JsonObject;
    /// The IDs in `prev_events`, in order.
    fn prev_event_ids(&self) -> impl Iterator<Item = &str>;
    /// The IDs in `auth_events`, in order (as listed; v12's implied create event not included).
    fn auth_event_ids(&self) -> impl Iterator<Item = &str>;
    /// The `origin_server_ts` field.
    fn origin_server_ts(&self) -> i64;
    /// The `depth` field.
    fn depth(&self) -> i64;
    /// The event a redaction redacts: top-level `redacts` before v11, `content.redacts` from
    /// v11; `None` if absent or not a string.
    fn redacts(&self) -> Option<&str>;
    /// Whether this event was rejected (by the checks performed on receipt of a PDU).
    fn rejected(&self) -> bool;

    /// For an `m.room.power_levels` event, its content already parsed, if the implementation
    /// keeps it (as [`PduEvent`](crate::PduEvent) does); `None` makes the rules parse
    /// [`content`](Self::content) each time they read the levels.
    fn parsed_power_levels(&self) -> Option<&ParsedPowerLevels> {
        None
    }

    /// A hint that the event's fields will be read soon: an implementation may ask the CPU to
    /// start loading them into its cache (as [`PduEvent`](crate::PduEvent) does). Does nothing
    /// by default.
    fn prefetch(&self) {}

    /// The domain of [`sender`](Self::sender) (everything after its first `:`), if it has one.
    fn sender_domain(&self) -> Option<&str> {
        domain_of(self.sender())
    }

    /// `content.membership`, if it is a string.
    fn membership(&self) -> Option<&str> {
        membership_of(self.content())
    }

    /// `content.join_authorised_via_users_server`, if it is a string.
    fn join_authorised_via_users_server(&self) -> Option<&str> {
        join_authoriser_of(self.content())
    }

    /// Whether the event is a state event (has a `state_key`).
    fn is_state(&self) -> bool {
        self.state_key().is_some()
    }

    /// Whether the event has this type and state key.
    fn is(&self, event_type: &str, state_key: &str) -> bool {
        self.event_type() == event_type && self.state_key() == Some(state_key)
    }
}

macro_rules! forward_event {
    ($($ty:ty),*) => {$(
        impl<T: Event + ?Sized> Event for $ty {
            fn event_id(&self) -> &str { (**self).event_id() }
            fn room_id(&self) -> Option<&str> { (**self).room_id() }
            fn event_type(&self) -> &str { (**self).event_type() }
            fn state_key(&self) -> Option<&str> { (**self).state_key() }
            fn sender(&self) -> &str { (**self).sender() }
            fn content(&self) -> &JsonObject { (**self).content() }
            fn prev_event_ids(&self) -> impl Iterator<Item = &str> { (**self).prev_event_ids() }
            fn auth_event_ids(&self) -> impl Iterator<Item = &str> { (**self).auth_event_ids() }
            fn origin_server_ts(&self) -> i64 { (**self).origin_server_ts() }
            fn depth(&self) -> i64 { (**self).depth() }
            fn redacts(&self) -> Option<&str> { (**self).redacts() }
            fn rejected(&self) -> bool { (**self).rejected() }
            fn sender_domain(&self) -> Option<&str> { (**self).sender_domain() }
            fn membership(&self) -> Option<&str> { (**self).membership() }
            fn join_authorised_via_users_server(&self) -> Option<&str> { (**self).join_authorised_via_users_server() }
            fn parsed_power_levels(&self) -> Option<&ParsedPowerLevels> { (**self).parsed_power_levels() }
            fn prefetch(&self) { (**self).prefetch() }
        }
    )*};
}

forward_event!(&T, Box<T>, Rc<T>, Arc<T>);

/// `membership` of an event's content, if it is a string.
pub(crate) fn membership_of(content: &JsonObject) -> Option<&str> {
    content.get("membership")?.as_str()
}

/// `join_authorised_via_users_server` of an event's content, if it is a string.
pub(crate) fn join_authoriser_of(content: &JsonObject) -> Option<&str> {
    content.get(JOIN_AUTHORISED_VIA_USERS_SERVER)?.as_str()
}
