//! Room state as the authorization rules and state resolution read it: event IDs by state key,
//! the events themselves in the room's store.

use std::collections::HashMap;

use matrix_auth_rules::{AuthState, PduEvent};
use matrix_state_res::{EventProvider, StateMap};

use super::StoredEvent;

/// A state (key → event ID) whose events are looked up in the room's store.
pub(super) struct StateView<'a> {
    pub state: &'a StateMap,
    pub events: &'a HashMap<String, StoredEvent>,
}

impl AuthState for StateView<'_> {
    type Event = PduEvent;

    fn get(&self, event_type: &str, state_key: &str) -> Option<&PduEvent> {
        let id = self
            .state
            .get(&(event_type.to_owned(), state_key.to_owned()))?;
        self.events.get(id).map(|stored| &stored.event)
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
