//! [`AuthState`]: the room state (or auth events) the state-dependent rules read.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use crate::auth_types::AuthKey;
use crate::event::Event;

/// The events an event is authorised against, looked up by type and state key: the room state
/// before the event, or the event's own `auth_events`.
pub trait AuthState {
    type Event: Event;
    /// The event for `(event_type, state_key)`, if any.
    fn get(&self, event_type: &str, state_key: &str) -> Option<&Self::Event>;

    /// The event for one of the keys of [`AuthTypes`](crate::AuthTypes), which the rules look up
    /// through this method. The default goes through [`get`](Self::get); implement it where a
    /// key's kind is cheaper to look up than its strings.
    fn get_key(&self, key: AuthKey<'_>) -> Option<&Self::Event> {
        let (event_type, state_key) = key.pair();
        self.get(event_type, state_key)
    }
}

/// A list of events: the last one with a given type and state key counts (as when a map is
/// built from the list).
impl<E: Event> AuthState for [E] {
    type Event = E;
    fn get(&self, event_type: &str, state_key: &str) -> Option<&E> {
        self.iter()
            .rev()
            .find(|event| event.is(event_type, state_key))
    }
}

impl<E: Event> AuthState for Vec<E> {
    type Event = E;
    fn get(&self, event_type: &str, state_key: &str) -> Option<&E> {
        AuthState::get(self.as_slice(), event_type, state_key)
    }
}

/// State as `type → state_key → event`.
impl<E: Event> AuthState for BTreeMap<String, BTreeMap<String, E>> {
    type Event = E;
    fn get(&self, event_type: &str, state_key: &str) -> Option<&E> {
        BTreeMap::get(self, event_type)?.get(state_key)
    }
}

/// State as `type → state_key → event`.
impl<E: Event, S: BuildHasher, T: BuildHasher> AuthState
    for HashMap<String, HashMap<String, E, T>, S>
{
    type Event = E;
    fn get(&self, event_type: &str, state_key: &str) -> Option<&E> {
        HashMap::get(self, event_type)?.get(state_key)
    }
}

impl<A: AuthState + ?Sized> AuthState for &A {
    type Event = A::Event;
    fn get(&self, event_type: &str, state_key: &str) -> Option<&A::Event> {
        (**self).get(event_type, state_key)
    }
    fn get_key(&self, key: AuthKey<'_>) -> Option<&A::Event> {
        (**self).get_key(key)
    }
}
