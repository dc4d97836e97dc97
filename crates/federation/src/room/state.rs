//! Room state as the authorization rules and state resolution read it: event IDs by state key,
//! the events themselves in the room's store.

use std::borrow::Borrow;
use std::cmp::Ordering;

use foldhash::HashMap;
use matrix_auth_rules::{AuthState, PduEvent};
use matrix_state_res::{EventProvider, StateKey, StateMap};

use super::StoredEvent;

/// A state (key → event ID) whose events are looked up in the room's store.
pub(super) struct StateView<'a> {
    pub state: &'a StateMap,
    pub events: &'a HashMap<String, StoredEvent>,
}

impl AuthState for StateView<'_> {
    type Event = PduEvent;

    fn get(&self, event_type: &str, state_key: &str) -> Option<&PduEvent> {
        let id = event_id_at(self.state, event_type, state_key)?;
        self.events.get(id).map(|stored| &stored.event)
    }
}

/// The event ID of `state` at `(event_type, state_key)`, looked up without building a
/// [`StateKey`].
pub(super) fn event_id_at<'s>(
    state: &'s StateMap,
    event_type: &str,
    state_key: &str,
) -> Option<&'s String> {
    state.get(&(event_type, state_key) as &dyn KeyParts)
}

/// A state key as two string slices, owned ([`StateKey`]) or borrowed; ordered like
/// [`StateKey`], so that a borrowed one finds an owned one in a [`StateMap`].
trait KeyParts {
    fn parts(&self) -> (&str, &str);
}

impl KeyParts for (&str, &str) {
    fn parts(&self) -> (&str, &str) {
        *self
    }
}

impl KeyParts for StateKey {
    fn parts(&self) -> (&str, &str) {
        (&self.0, &self.1)
    }
}

impl<'a> Borrow<dyn KeyParts + 'a> for StateKey {
    fn borrow(&self) -> &(dyn KeyParts + 'a) {
        self
    }
}

impl PartialEq for dyn KeyParts + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for dyn KeyParts + '_ {}

impl PartialOrd for dyn KeyParts + '_ {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for dyn KeyParts + '_ {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts().cmp(&other.parts())
    }
}

/// The room's store as state resolution's event provider.
pub(super) struct Provider<'a>(pub &'a HashMap<String, StoredEvent>);

impl EventProvider for Provider<'_> {
    type Event = PduEvent;

    fn event(&self, event_id: &str) -> Option<&PduEvent> {
        self.0.get(event_id).map(|stored| &stored.event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_keys_find_owned_ones() {
        let state: StateMap = [
            (("m.room.member".into(), "@a:x".into()), "$1".into()),
            (("m.room.member".into(), "@b:x".into()), "$2".into()),
            (("m.room.name".into(), String::new()), "$3".into()),
        ]
        .into();
        assert_eq!(event_id_at(&state, "m.room.member", "@b:x").unwrap(), "$2");
        assert_eq!(event_id_at(&state, "m.room.name", "").unwrap(), "$3");
        assert_eq!(event_id_at(&state, "m.room.member", "@c:x"), None);
        assert_eq!(event_id_at(&state, "m.room", "member"), None);
    }
}
