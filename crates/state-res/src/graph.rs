//! The auth DAG as indices: every event reachable from the state sets through `auth_events`
//! (and, in room version 12, the create event the room ID implies) is interned once, its auth
//! edges stored in one flat array.

use std::borrow::Cow;

use foldhash::HashMap;
use matrix_auth_rules::{CREATE, Event, POWER_LEVELS};
use matrix_event_format::RoomVersion;
use matrix_event_format::room_version::RoomIdFormat;

use crate::provider::EventProvider;

/// An event's index in an [`AuthGraph`].
pub(crate) type Node = u32;

/// The interned auth DAG.
pub(crate) struct AuthGraph<'a, E> {
    ids: Vec<Cow<'a, str>>,
    events: Vec<Option<&'a E>>,
    index: HashMap<Cow<'a, str>, Node>,
    /// Edges of node `i`: `edges[edge_start[i]..edge_start[i + 1]]` (after [`explore`](Self::explore)).
    edge_start: Vec<u32>,
    edges: Vec<Node>,
    /// v12: the create event node each room ID implies.
    implied_creates: HashMap<&'a str, Node>,
    explored: usize,
}

impl<'a, E: Event> AuthGraph<'a, E> {
    pub fn new() -> Self {
        AuthGraph {
            ids: Vec::new(),
            events: Vec::new(),
            index: HashMap::default(),
            edge_start: vec![0],
            edges: Vec::new(),
            implied_creates: HashMap::default(),
            explored: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// The node for `id`, fetching the event on first sight.
    pub fn intern<P>(&mut self, provider: &'a P, id: Cow<'a, str>) -> Node
    where
        P: EventProvider<Event = E> + ?Sized,
    {
        if let Some(&node) = self.index.get(id.as_ref()) {
            return node;
        }
        let node = self.ids.len() as Node;
        let event = provider.event(&id);
        // Key the map by the provider's copy of the ID where there is one (no allocation).
        let id = match event {
            Some(event) if event.event_id() == id.as_ref() => Cow::Borrowed(event.event_id()),
            _ => id,
        };
        self.index.insert(id.clone(), node);
        self.ids.push(id);
        self.events.push(event);
        node
    }

    /// The node for `id` if it was interned.
    pub fn lookup(&self, id: &str) -> Option<Node> {
        self.index.get(id).copied()
    }

    /// Interns everything reachable from the nodes interned so far through auth edges.
    pub fn explore<P>(&mut self, version: &RoomVersion, provider: &'a P)
    where
        P: EventProvider<Event = E> + ?Sized,
    {
        let implied = version.room_id_format == RoomIdFormat::CreateEventHash;
        while self.explored < self.ids.len() {
            let node = self.explored;
            self.explored += 1;
            if let Some(event) = self.events[node] {
                for auth_id in event.auth_event_ids() {
                    let parent = self.intern(provider, Cow::Borrowed(auth_id));
                    self.edges.push(parent);
                }
                if implied && event.event_type() != CREATE {
                    if let Some(room_id) = event.room_id() {
                        let create = self.implied_create(provider, room_id);
                        let listed = &self.edges[self.edge_start[node] as usize..];
                        if !listed.contains(&create) {
                            self.edges.push(create);
                        }
                    }
                }
            }
            self.edge_start.push(self.edges.len() as u32);
        }
    }

    fn implied_create<P>(&mut self, provider: &'a P, room_id: &'a str) -> Node
    where
        P: EventProvider<Event = E> + ?Sized,
    {
        if let Some(&node) = self.implied_creates.get(room_id) {
            return node;
        }
        let id = format!("${}", room_id.strip_prefix('!').unwrap_or(room_id));
        let node = self.intern(provider, Cow::Owned(id));
        self.implied_creates.insert(room_id, node);
        node
    }

    pub fn id(&self, node: Node) -> &str {
        &self.ids[node as usize]
    }

    pub fn event(&self, node: Node) -> Option<&'a E> {
        self.events[node as usize]
    }

    /// The auth edges of `node`, in `auth_events` order (v12's implied create event last).
    pub fn parents(&self, node: Node) -> &[Node] {
        let node = node as usize;
        &self.edges[self.edge_start[node] as usize..self.edge_start[node + 1] as usize]
    }

    /// The first `m.room.power_levels` event among the (known) auth events of `node`.
    pub fn power_levels_parent(&self, node: Node) -> Option<Node> {
        self.parents(node).iter().copied().find(|&parent| {
            self.event(parent)
                .is_some_and(|event| event.is(POWER_LEVELS, ""))
        })
    }
}
