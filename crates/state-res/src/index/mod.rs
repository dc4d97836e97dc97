//! [`RoomIndex`]: what a homeserver keeps per room so that resolving a new fork costs what the
//! fork costs, not the room's history.
//!
//! Events are added in an order where auth events come first, so node numbers are a topological
//! order of the auth DAG. Each state event gets a place in Synapse's chain cover (it continues
//! the chain of its first auth event with the same type and state key if that event ends its
//! chain, else it starts a chain), and its reach: for every chain, the highest sequence number
//! in its auth chain (itself included), a persistent trie sharing structure with its auth
//! events' reaches. An event is in another's auth chain if its sequence number is at most the
//! other's reach on its chain: no walk over the history.

mod conflicted;
mod mainline;
mod reach;

use matrix_auth_rules::Event;
use matrix_event_format::RoomVersion;
use matrix_event_format::room_version::RoomIdFormat;

use crate::interner::{Ids, Interner};
use crate::kind::{Kind, is_power};
use crate::provider::EventProvider;
use crate::room::RoomGuard;
use crate::split::split_v2;
use crate::v2::{Stats, finish, unconflicted_state};
use crate::{ResolveError, ResolvedState, StateMap};
use mainline::{IndexMainline, PowerLevelsTree};
use reach::{Reach, Tries};

/// Why an event cannot be added to a [`RoomIndex`] (the index is unchanged).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// An auth event (or, in room version 12, the create event the room ID implies) is not in
    /// the index yet: add it first.
    #[error("event {event_id}: auth event {auth_event_id} is not in the index")]
    UnknownAuthEvent {
        event_id: String,
        auth_event_id: String,
    },
    /// The event belongs to another room.
    #[error("event {event_id} belongs to room {found}, not {expected}")]
    WrongRoom {
        event_id: String,
        expected: String,
        found: String,
    },
}

/// A room's auth DAG kept across resolutions: interned event IDs, auth edges, Synapse's chain
/// cover with each event's reach, and the tree of power levels events. Add events as they
/// arrive ([`add`](Self::add), auth events first); [`resolve`](Self::resolve) then reads only
/// the events around the conflict from the provider.
pub struct RoomIndex {
    version: &'static RoomVersion,
    room: RoomGuard,
    room_id: String,
    /// Event IDs: a node is the index of its ID.
    ids: Ids,
    edge_start: Vec<u32>,
    edges: Vec<u32>,
    kinds: Vec<Kind>,
    /// Per node: whether its event is a power event.
    power: Vec<bool>,
    /// `(type, state_key)` of state events, interned; `NO_KEY` for other events.
    keys: Interner,
    key_of: Vec<u32>,
    /// Per node: its chain and sequence number (from 1).
    place: Vec<(u32, u32)>,
    /// Per chain: its nodes by sequence number.
    chains: Vec<Vec<u32>>,
    reach: Vec<Reach>,
    tries: Tries,
    power_levels: PowerLevelsTree,
}

const NO_KEY: u32 = u32::MAX;

impl std::fmt::Debug for RoomIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomIndex")
            .field("room_id", &self.room_id)
            .field("events", &self.len())
            .field("chains", &self.chains.len())
            .finish_non_exhaustive()
    }
}

impl RoomIndex {
    /// An empty index for the room `room_id` of room version `version`.
    pub fn new(version: &'static RoomVersion, room_id: &str) -> Self {
        RoomIndex {
            version,
            room: RoomGuard::new(room_id.to_owned()),
            room_id: room_id.to_owned(),
            ids: Ids::with_capacity(64),
            edge_start: vec![0],
            edges: Vec::new(),
            kinds: Vec::new(),
            power: Vec::new(),
            keys: Interner::with_capacity(16, 16 * 32),
            key_of: Vec::new(),
            place: Vec::new(),
            chains: Vec::new(),
            reach: Vec::new(),
            tries: Tries::new(),
            power_levels: PowerLevelsTree::default(),
        }
    }

    /// How many events the index holds.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the index holds no event.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the index holds the event `event_id`.
    pub fn contains(&self, event_id: &str) -> bool {
        self.node(event_id).is_some()
    }

    /// An estimate of the memory the index takes, in bytes.
    pub fn memory(&self) -> usize {
        let per_node = 4 + 1 + 4 + 8 + 8 + 4 + 12;
        self.len() * (per_node + 60) + self.edges.len() * 4 + self.tries.bytes()
    }

    fn node(&self, event_id: &str) -> Option<u32> {
        self.ids.find(event_id)
    }

    /// Adds an event (rejected ones too: resolution reads whether an event was rejected from the
    /// event provider). Its auth events must be in the index; adding an event again does nothing.
    /// Only events that can be auth events or state need adding: state events, and whatever a
    /// later event lists in `auth_events`.
    pub fn add<E: Event>(&mut self, event: &E) -> Result<(), IndexError> {
        let event_id = event.event_id();
        if self.contains(event_id) {
            return Ok(());
        }
        self.room.check(event).map_err(|_| IndexError::WrongRoom {
            event_id: event_id.to_owned(),
            expected: self.room_id.clone(),
            found: RoomGuard::room_of(event),
        })?;
        let unknown = |auth_event_id: &str| IndexError::UnknownAuthEvent {
            event_id: event_id.to_owned(),
            auth_event_id: auth_event_id.to_owned(),
        };
        let mut parents = Vec::new();
        for auth_id in event.auth_event_ids() {
            parents.push(self.node(auth_id).ok_or_else(|| unknown(auth_id))?);
        }
        let kind = Kind::of(Some(event));
        if self.version.room_id_format == RoomIdFormat::CreateEventHash && kind != Kind::Create {
            let create = format!(
                "${}",
                self.room_id.strip_prefix('!').unwrap_or(&self.room_id)
            );
            let node = self.node(&create).ok_or_else(|| unknown(&create))?;
            if !parents.contains(&node) {
                parents.push(node);
            }
        }

        let (node, _) = self.ids.intern(event_id);
        self.edges.extend_from_slice(&parents);
        self.edge_start.push(self.edges.len() as u32);
        self.kinds.push(kind);
        self.power.push(is_power(kind, Some(event)));
        let key = match event.state_key() {
            Some(state_key) => self.keys.intern((event.event_type(), state_key)).0,
            None => NO_KEY,
        };
        self.key_of.push(key);

        // The chain of the first auth event with the same key, if this event can continue it.
        let same_key = parents
            .iter()
            .copied()
            .find(|&parent| key != NO_KEY && self.key_of[parent as usize] == key);
        let place = match same_key.map(|parent| self.place[parent as usize]) {
            Some((chain, seq)) if self.chains[chain as usize].len() == seq as usize => {
                self.chains[chain as usize].push(node);
                (chain, seq + 1)
            }
            _ => {
                self.chains.push(vec![node]);
                ((self.chains.len() - 1) as u32, 1)
            }
        };
        self.place.push(place);
        let mut reach = Reach::default();
        for &parent in &parents {
            reach = self.tries.union(reach, self.reach[parent as usize]);
        }
        let reach = self.tries.with(reach, place.0, place.1);
        self.reach.push(reach);

        if kind == Kind::PowerLevels {
            let parent = self.power_levels_parent(node);
            self.power_levels.add(node, parent);
        }
        Ok(())
    }

    fn parents(&self, node: u32) -> &[u32] {
        let node = node as usize;
        &self.edges[self.edge_start[node] as usize..self.edge_start[node + 1] as usize]
    }

    /// The first power levels event among the auth events of `node`.
    fn power_levels_parent(&self, node: u32) -> Option<u32> {
        self.parents(node)
            .iter()
            .copied()
            .find(|&parent| self.kinds[parent as usize] == Kind::PowerLevels)
    }

    /// [`resolve`](crate::resolve) over this index: every event of the state sets must be in
    /// it, and the provider must have the events the index holds (those it lacks are left out,
    /// as by `resolve`). Room version 1 does not use the index.
    pub fn resolve<'a, P: EventProvider + ?Sized>(
        &self,
        state_sets: &'a [StateMap],
        events: &'a P,
    ) -> Result<ResolvedState<'a>, ResolveError> {
        self.resolve_with_stats(state_sets, events)
            .map(|(state, _)| state)
    }

    /// [`resolve`](Self::resolve), with statistics of the work done.
    pub fn resolve_with_stats<'a, P: EventProvider + ?Sized>(
        &self,
        state_sets: &'a [StateMap],
        events: &'a P,
    ) -> Result<(ResolvedState<'a>, Stats), ResolveError> {
        crate::by_algorithm(self.version, state_sets, events, |stats| {
            let split = split_v2(state_sets);
            stats.conflicted_keys = split.conflicted.len();
            if split.conflicted.is_empty() {
                return Ok(unconflicted_state(&split));
            }
            let (prepared, nodes) = conflicted::prepare(self, state_sets, &split, events, stats)?;
            let mainline = IndexMainline { index: self, nodes };
            finish(self.version, &split, prepared, &mainline, stats)
        })
    }
}

#[cfg(test)]
mod tests;
