//! [`Events`]: a set of events found by their own IDs, each numbered with its auth events, the
//! fastest of the [`EventProvider`](crate::EventProvider)s offered here.

use std::fmt;
use std::hash::BuildHasher;

use foldhash::HashMap;
use hashbrown::HashTable;
use matrix_auth_rules::{CREATE, Event, prefetch};

use crate::kind::{Kind, is_power};
use crate::room::{ClaimedRoom, RoomGuard};

/// Marks an auth event that the store does not have (yet).
pub(crate) const ABSENT: u32 = u32::MAX;

/// What [`Events::class`] tells of an event.
pub(crate) struct Class {
    pub kind: Kind,
    pub power: bool,
    /// Whether its type is `m.room.create` (whatever its state key).
    pub create_type: bool,
    pub in_room: bool,
    /// The number of its room ([`Events::room_name`]), or a number no room has.
    pub room: u32,
}

/// Events found by their own [`event_id`](Event::event_id), each ID kept once, in its event.
///
/// Each event gets a number when it is first added, and keeps the numbers of its auth events
/// (filled in when they arrive, whatever the order). Resolving over an `Events` walks the auth
/// DAG by these numbers instead of hashing and comparing every auth event's ID. The store keeps
/// the ID of each auth event it lacks (once) until that event arrives, and a removed event's
/// number stays its ID's (the events that list it keep it), so that adding it again finds it.
/// Beside the numbers it keeps what the walk needs to know of each event (its kind for the
/// authorization rules, whether it is a power event, its room), 32 bytes apart from the events,
/// so that the walk reads no event: resolution reads an event only where a later step needs it.
///
/// A map from ID to event keeps every ID twice, the key apart from the event: finding an event
/// then reads the key's memory and the event's, which in a room larger than the CPU's caches are
/// two cache misses where this needs one. On the benchmark rooms of 10,000 events,
/// [`resolve`](crate::resolve) took 5–20 % less time over `Events` than over a
/// `HashMap<String, PduEvent>` of the same events with the same hasher (foldhash), before the
/// events were numbered; walking by the numbers takes another 12–25 % less time than walking by
/// the IDs over the same store (rooms of 1,000 to 10,000 events).
pub struct Events<E> {
    /// By number.
    slots: Vec<Slot<E>>,
    /// By number: what the walk over the auth DAG reads, apart from the events.
    meta: Vec<Meta>,
    /// The rooms of the events, by number ([`Meta::room`]), and their numbers.
    rooms: Vec<Box<str>>,
    room_numbers: HashMap<Box<str>, u32>,
    /// Numbers, found by their IDs.
    table: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    /// Auth event IDs not in the store, and the numbers of the events that list them.
    waiting: HashMap<Box<str>, Vec<u32>>,
    len: usize,
}

#[derive(Clone)]
enum Slot<E> {
    Present(E),
    /// A removed event's ID.
    Removed(Box<str>),
}

/// What the walk over the auth DAG reads of an event, worked out when it is added and kept
/// apart from the events: 32 bytes, where reading the event itself reads its struct and its
/// strings. On rooms larger than the CPU's caches, each of those was a cache miss per event.
#[derive(Clone)]
struct Meta {
    /// The numbers of its auth events, in `auth_events` order ([`ABSENT`] where unknown).
    auth: AuthNumbers,
    /// [`Kind::Missing`] for a removed event.
    kind: Kind,
    power: bool,
    /// Whether its type is `m.room.create` (whatever its state key).
    create_type: bool,
    /// The number of its room, or [`NO_ROOM`] or [`UNPREFIXED`].
    room: u32,
}

/// In [`Meta::room`]: an event in no room ([`ClaimedRoom::None`]).
const NO_ROOM: u32 = u32::MAX;
/// In [`Meta::room`]: [`ClaimedRoom::Unprefixed`].
const UNPREFIXED: u32 = u32::MAX - 1;

impl Meta {
    const REMOVED: Meta = Meta {
        auth: AuthNumbers::Inline(0, [ABSENT; INLINE]),
        kind: Kind::Missing,
        power: false,
        create_type: false,
        room: NO_ROOM,
    };
}

/// How many auth events' numbers a slot holds in itself (events have three to five).
const INLINE: usize = 5;

/// The numbers of an event's auth events: in its [`Meta`], unless there are more than
/// [`INLINE`].
#[derive(Clone)]
enum AuthNumbers {
    Inline(u8, [u32; INLINE]),
    Spilled(Box<[u32]>),
}

impl AuthNumbers {
    fn new(numbers: Vec<u32>) -> Self {
        if numbers.len() > INLINE {
            return AuthNumbers::Spilled(numbers.into_boxed_slice());
        }
        let mut inline = [ABSENT; INLINE];
        inline[..numbers.len()].copy_from_slice(&numbers);
        AuthNumbers::Inline(numbers.len() as u8, inline)
    }

    fn get(&self) -> &[u32] {
        match self {
            AuthNumbers::Inline(len, inline) => &inline[..*len as usize],
            AuthNumbers::Spilled(numbers) => numbers,
        }
    }

    fn get_mut(&mut self) -> &mut [u32] {
        match self {
            AuthNumbers::Inline(len, inline) => &mut inline[..*len as usize],
            AuthNumbers::Spilled(numbers) => numbers,
        }
    }
}

impl<E: Event> Slot<E> {
    fn id(&self) -> &str {
        match self {
            Slot::Present(event) => event.event_id(),
            Slot::Removed(id) => id,
        }
    }

    fn event(&self) -> Option<&E> {
        match self {
            Slot::Present(event) => Some(event),
            Slot::Removed(_) => None,
        }
    }
}

impl<E: Event> Events<E> {
    /// No events.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// No events, with room for `capacity` of them.
    pub fn with_capacity(capacity: usize) -> Self {
        Events {
            slots: Vec::with_capacity(capacity),
            meta: Vec::with_capacity(capacity),
            rooms: Vec::new(),
            room_numbers: HashMap::default(),
            table: HashTable::with_capacity(capacity),
            hasher: foldhash::fast::RandomState::default(),
            waiting: HashMap::default(),
            len: 0,
        }
    }

    /// Adds `event`, returning the event it replaces (the one with the same ID), if any.
    pub fn insert(&mut self, event: E) -> Option<E> {
        let hash = self.hasher.hash_one(event.event_id());
        let found = self
            .find_number(hash, event.event_id())
            .unwrap_or(self.slots.len() as u32);
        let meta = self.meta_of(&event, found);
        let new = Slot::Present(event);
        if found as usize == self.slots.len() {
            let (slots, hasher) = (&self.slots, &self.hasher);
            self.table
                .insert_unique(hash, found, |&n| hasher.hash_one(slots[n as usize].id()));
            self.slots.push(new);
            self.meta.push(meta);
            self.len += 1;
            self.fill_waiting(found);
            return None;
        }
        self.meta[found as usize] = meta;
        match std::mem::replace(&mut self.slots[found as usize], new) {
            Slot::Present(event) => Some(event),
            Slot::Removed(_) => {
                self.len += 1;
                None
            }
        }
    }

    /// What the walk reads of `event`, numbered `number`.
    fn meta_of(&mut self, event: &E, number: u32) -> Meta {
        let kind = Kind::of(Some(event));
        Meta {
            auth: self.auth_numbers(event, number),
            kind,
            power: is_power(kind, Some(event)),
            create_type: event.event_type() == CREATE,
            room: self.room_of(event),
        }
    }

    /// The number of the room `event` claims ([`Meta::room`]); a v12 create event's is named
    /// `!` and its ID after the `$`.
    fn room_of(&mut self, event: &E) -> u32 {
        let derived;
        let room = match ClaimedRoom::of(event) {
            ClaimedRoom::Id(room_id) => room_id,
            ClaimedRoom::OfCreate(hash) => {
                derived = format!("!{hash}");
                &derived
            }
            ClaimedRoom::Unprefixed => return UNPREFIXED,
            ClaimedRoom::None => return NO_ROOM,
        };
        if let Some(&number) = self.room_numbers.get(room) {
            return number;
        }
        let number = self.rooms.len() as u32;
        let room: Box<str> = room.into();
        self.room_numbers.insert(room.clone(), number);
        self.rooms.push(room);
        number
    }

    /// The numbers of `event`'s auth events; those not in the store wait for it, as listed by
    /// the event numbered `number`.
    fn auth_numbers(&mut self, event: &E, number: u32) -> AuthNumbers {
        let numbers = event
            .auth_event_ids()
            .map(|id| match self.number(id) {
                Some(parent) => parent,
                None => {
                    self.waiting.entry(id.into()).or_default().push(number);
                    ABSENT
                }
            })
            .collect();
        AuthNumbers::new(numbers)
    }

    /// Gives the events waiting for the one numbered `number` its number.
    fn fill_waiting(&mut self, number: u32) {
        let Some((id, children)) = self.waiting.remove_entry(self.slots[number as usize].id())
        else {
            return;
        };
        for child in children {
            if let Slot::Present(event) = &self.slots[child as usize] {
                let auth = self.meta[child as usize].auth.get_mut();
                for (slot, auth_id) in auth.iter_mut().zip(event.auth_event_ids()) {
                    if *slot == ABSENT && auth_id == &*id {
                        *slot = number;
                    }
                }
            }
        }
    }

    fn find_number(&self, hash: u64, event_id: &str) -> Option<u32> {
        let slots = &self.slots;
        self.table
            .find(hash, |&n| slots[n as usize].id() == event_id)
            .copied()
    }

    /// The number of the event with this ID (also of a removed one).
    #[inline]
    pub(crate) fn number(&self, event_id: &str) -> Option<u32> {
        self.find_number(self.hasher.hash_one(event_id), event_id)
    }

    /// How many numbers were given out.
    pub(crate) fn numbers(&self) -> usize {
        self.slots.len()
    }

    /// The event numbered `number` (`None` if removed).
    #[inline]
    pub(crate) fn by_number(&self, number: u32) -> Option<&E> {
        self.slots[number as usize].event()
    }

    /// The ID numbered `number`.
    #[inline]
    pub(crate) fn id_of(&self, number: u32) -> &str {
        self.slots[number as usize].id()
    }

    /// The numbers of the auth events of the event numbered `number` (empty if removed).
    #[inline]
    pub(crate) fn auth_of(&self, number: u32) -> &[u32] {
        self.meta[number as usize].auth.get()
    }

    /// The event numbered `number` as [`Kind::of`] and [`is_power`] see it, and whether it is
    /// in `room` ([`room_number`](Self::room_number) of the guard), read without the event.
    #[inline]
    pub(crate) fn class(&self, number: u32, room: Option<u32>, guard: &RoomGuard) -> Class {
        let meta = &self.meta[number as usize];
        let in_room = match meta.room {
            _ if meta.kind == Kind::Missing => true,
            UNPREFIXED => guard.accepts(ClaimedRoom::Unprefixed),
            own => Some(own) == room,
        };
        Class {
            kind: meta.kind,
            power: meta.power,
            create_type: meta.create_type,
            in_room,
            room: meta.room,
        }
    }

    /// The number of a room ID, if an event of the store is in that room.
    pub(crate) fn room_number(&self, room_id: &str) -> Option<u32> {
        self.room_numbers.get(room_id).copied()
    }

    /// The room ID numbered `number` ([`Class::room`]).
    pub(crate) fn room_name(&self, number: u32) -> Option<&str> {
        self.rooms.get(number as usize).map(|room| &**room)
    }

    /// Hints that the event numbered `number` will be read soon: its slot (the event's struct),
    /// or (which reads the slot) its fields ([`Event::prefetch`]).
    #[inline]
    pub(crate) fn hint_number(&self, number: u32, fields: bool) {
        let slot = &self.slots[number as usize];
        if !fields {
            prefetch::value(slot);
        } else if let Some(event) = slot.event() {
            event.prefetch();
        }
    }

    /// Hints that the walk will read what it keeps of the event numbered `number`.
    #[inline]
    pub(crate) fn hint_class(&self, number: u32) {
        if let Some(meta) = self.meta.get(number as usize) {
            prefetch::value(meta);
        }
    }

    /// [`hint_number`](Self::hint_number) for the event with this ID: each number its hash could
    /// name (answering "no" keeps the search going), so that nothing waits for the event's ID.
    #[inline]
    pub(crate) fn hint_id(&self, event_id: &str, fields: bool) {
        let hash = self.hasher.hash_one(event_id);
        self.table.find(hash, |&number| {
            self.hint_number(number, fields);
            false
        });
    }

    /// The event with this ID.
    #[inline]
    pub fn get(&self, event_id: &str) -> Option<&E> {
        self.by_number(self.number(event_id)?)
    }

    /// Removes the event with this ID, returning it.
    pub fn remove(&mut self, event_id: &str) -> Option<E> {
        let number = self.number(event_id)?;
        let slot = &mut self.slots[number as usize];
        if matches!(slot, Slot::Removed(_)) {
            return None;
        }
        self.meta[number as usize] = Meta::REMOVED;
        match std::mem::replace(slot, Slot::Removed(event_id.into())) {
            Slot::Present(event) => {
                self.len -= 1;
                Some(event)
            }
            Slot::Removed(_) => None,
        }
    }

    pub fn contains(&self, event_id: &str) -> bool {
        self.get(event_id).is_some()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The events, in the order they were first added.
    pub fn iter(&self) -> impl Iterator<Item = &E> {
        self.slots.iter().filter_map(Slot::event)
    }
}

impl<E: Event> Default for Events<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Event + Clone> Clone for Events<E> {
    fn clone(&self) -> Self {
        Events {
            slots: self.slots.clone(),
            meta: self.meta.clone(),
            rooms: self.rooms.clone(),
            room_numbers: self.room_numbers.clone(),
            table: self.table.clone(),
            hasher: self.hasher.clone(),
            waiting: self.waiting.clone(),
            len: self.len,
        }
    }
}

impl<E: Event + fmt::Debug> fmt::Debug for Events<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<E: Event> Extend<E> for Events<E> {
    fn extend<I: IntoIterator<Item = E>>(&mut self, events: I) {
        for event in events {
            self.insert(event);
        }
    }
}

impl<E: Event> FromIterator<E> for Events<E> {
    fn from_iter<I: IntoIterator<Item = E>>(events: I) -> Self {
        let events = events.into_iter();
        let mut set = Self::with_capacity(events.size_hint().0);
        set.extend(events);
        set
    }
}

#[cfg(test)]
mod tests {
    use matrix_auth_rules::PduEvent;
    use matrix_event_format::RoomVersion;
    use serde_json::{Value, json};

    use super::*;
    use crate::provider::{EventProvider, Prefetch};

    fn event(id: &str, body: &str) -> PduEvent {
        let Value::Object(pdu) = json!({
            "type": "m.room.message", "sender": "@a:x", "room_id": "!r:x",
            "content": {"body": body}, "prev_events": [], "auth_events": [],
            "depth": 1, "origin_server_ts": 1,
        }) else {
            unreachable!()
        };
        let version = RoomVersion::from_id("10").expect("a known room version");
        PduEvent::with_event_id(pdu, version, id.to_owned()).expect("a valid PDU")
    }

    fn body(event: Option<&PduEvent>) -> Option<&str> {
        event?.content().get("body")?.as_str()
    }

    #[test]
    fn events_are_found_replaced_and_removed_by_their_own_ids() {
        let mut events: Events<PduEvent> = (0..1000)
            .map(|i| event(&format!("$event{i}"), "first"))
            .collect();
        assert_eq!(events.len(), 1000);
        for i in 0..1000 {
            assert_eq!(body(events.get(&format!("$event{i}"))), Some("first"));
        }
        assert!(events.get("$event1000").is_none());
        assert!(events.get("").is_none());

        let replaced = events.insert(event("$event7", "second"));
        assert_eq!(body(replaced.as_ref()), Some("first"));
        assert_eq!(body(events.event("$event7")), Some("second"));
        assert_eq!(events.len(), 1000);

        assert_eq!(body(events.remove("$event7").as_ref()), Some("second"));
        assert!(!events.contains("$event7"));
        assert!(events.remove("$event7").is_none());
        assert_eq!(events.len(), 999);
        assert_eq!(events.iter().count(), 999);
    }

    #[test]
    fn hints_change_nothing() {
        let events: Events<PduEvent> = (0..100)
            .map(|i| event(&format!("$event{i}"), "body"))
            .collect();
        for id in ["$event5", "$event7", "$absent", ""] {
            for what in [Prefetch::Slot, Prefetch::Fields] {
                events.prefetch(id, what);
            }
        }
        assert_eq!(events.len(), 100);
        assert_eq!(body(events.event("$event5")), Some("body"));
        assert!(events.event("$absent").is_none());
    }

    /// Auth events added after the events that list them get their numbers then; a removed
    /// event keeps its number, and comes back to it.
    #[test]
    fn auth_events_are_numbered_whatever_the_order() {
        let version = RoomVersion::from_id("10").expect("a known room version");
        let mut events = Events::new();
        // $e3 lists $e0, $e1 (twice: a duplicate) and $e2, before any of them is there.
        events.insert(crate::test_events::topic(version, 3, &[0, 1, 1, 2]));
        events.insert(crate::test_events::topic(version, 1, &[0]));
        events.insert(crate::test_events::topic(version, 0, &[]));
        assert_eq!(events.number("$e3"), Some(0));
        assert_eq!(events.auth_of(0), [2, 1, 1, ABSENT]);
        assert_eq!(events.auth_of(1), [2]);

        assert!(events.remove("$e1").is_some());
        assert_eq!(events.len(), 2);
        assert_eq!(events.number("$e1"), Some(1));
        assert!(events.by_number(1).is_none() && events.auth_of(1).is_empty());
        assert_eq!(events.id_of(1), "$e1");
        assert!(events.remove("$e1").is_none());

        events.insert(crate::test_events::topic(version, 2, &[0]));
        events.insert(crate::test_events::topic(version, 1, &[0]));
        assert_eq!(events.number("$e1"), Some(1));
        assert_eq!(events.auth_of(0), [2, 1, 1, 3]);
        assert_eq!(events.len(), 4);
        assert_eq!(events.numbers(), 4);
        let ids: Vec<&str> = events.iter().map(|event| event.event_id()).collect();
        assert_eq!(ids, ["$e3", "$e1", "$e0", "$e2"]);

        // More auth events than a slot holds in itself.
        events.insert(crate::test_events::topic(
            version,
            9,
            &[0, 1, 2, 3, 8, 1, 0],
        ));
        assert_eq!(events.auth_of(4), [2, 1, 3, 0, ABSENT, 1, 2]);
        events.insert(crate::test_events::topic(version, 8, &[]));
        assert_eq!(events.auth_of(4), [2, 1, 3, 0, 5, 1, 2]);
    }
}
