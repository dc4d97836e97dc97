//! [`EventProvider`]: how state resolution reads events.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use matrix_auth_rules::Event;

use crate::Events;

/// Gives state resolution the events it asks for by ID: the events of the state sets and,
/// transitively, their auth events. An event the provider does not have is treated as unknown
/// (left out, as the reference implementation does). Implement it over your storage, or use
/// [`Events`] or a map from event ID to event.
///
/// Resolution itself never blocks: async callers first fetch what [`missing_events`] lists (in
/// batches, as often as needed), add it to the provider, then resolve.
///
/// [`missing_events`]: crate::missing_events
pub trait EventProvider {
    type Event: Event;
    /// The event with this ID, if known.
    fn event(&self, event_id: &str) -> Option<&Self::Event>;

    /// A hint that [`event`](Self::event) will be asked for `event_id` soon: an implementation
    /// may start loading `what` that lookup reads into the CPU's caches (as [`Events`] does).
    /// Does nothing by default.
    fn prefetch(&self, event_id: &str, what: Prefetch) {
        let _ = (event_id, what);
    }

    /// This provider as an [`Events`] store, if it is one (or wraps one): resolution then walks
    /// the auth DAG by the store's numbers for events and their auth events, without hashing
    /// or comparing their IDs. `None` by default.
    fn as_events(&self) -> Option<&Events<Self::Event>> {
        None
    }
}

/// What an [`EventProvider::prefetch`] hint asks for. The walk over the auth DAG hints at each
/// event twice before looking it up: at its slot, then (a few events later, when the slot is
/// likely in cache, so that reading it does not wait) at its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prefetch {
    /// Where the event is kept: what a lookup reads first.
    Slot,
    /// The event's fields (see [`Event::prefetch`]).
    Fields,
}

impl<E: Event> EventProvider for Events<E> {
    type Event = E;
    #[inline]
    fn event(&self, event_id: &str) -> Option<&E> {
        self.get(event_id)
    }

    /// Hints at the slot of the event with this ID (the event's struct, which
    /// [`get`](Events::get) reads after its number), or at its fields ([`Event::prefetch`]).
    #[inline]
    fn prefetch(&self, event_id: &str, what: Prefetch) {
        self.hint_id(event_id, what == Prefetch::Fields);
    }

    #[inline]
    fn as_events(&self) -> Option<&Events<E>> {
        Some(self)
    }
}

impl<E: Event, S: BuildHasher> EventProvider for HashMap<String, E, S> {
    type Event = E;
    fn event(&self, event_id: &str) -> Option<&E> {
        self.get(event_id)
    }
}

impl<E: Event> EventProvider for BTreeMap<String, E> {
    type Event = E;
    fn event(&self, event_id: &str) -> Option<&E> {
        self.get(event_id)
    }
}

impl<P: EventProvider + ?Sized> EventProvider for &P {
    type Event = P::Event;
    fn event(&self, event_id: &str) -> Option<&P::Event> {
        (**self).event(event_id)
    }
    fn prefetch(&self, event_id: &str, what: Prefetch) {
        (**self).prefetch(event_id, what)
    }
    fn as_events(&self) -> Option<&Events<P::Event>> {
        (**self).as_events()
    }
}
