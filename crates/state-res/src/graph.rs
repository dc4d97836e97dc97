//! The auth DAG as indices: every event reachable from the state sets through `auth_events`
//! (and, in room version 12, the create event the room ID implies) becomes a node once, its auth
//! edges stored in one flat array. Each event is classified and checked for its room while it
//! is explored.
//!
//! Over an [`Events`] store the nodes are found by the store's numbers, and the walk reads only
//! what the store keeps apart for it (auth numbers, kind, room): no event is read until a later
//! step needs it. Otherwise event IDs are interned and each event is read once, when it is
//! explored (reading it again later was a cache miss per event); the walk looks events up a
//! few nodes ahead of the one it reads, and tells the provider of those further ahead
//! ([`EventProvider::prefetch`]), so that it seldom waits for memory.

use foldhash::HashMap;
use matrix_auth_rules::{CREATE, Event, prefetch};
use matrix_event_format::RoomVersion;
use matrix_event_format::room_version::RoomIdFormat;

use crate::ResolveError;
use crate::events::{ABSENT, Events};
use crate::interner::Ids;
use crate::kind::{Kind, is_power};
use crate::provider::{EventProvider, Prefetch};
use crate::room::RoomGuard;

/// How many events ahead of the one they read the walks ask for an event's fields (and twice
/// as many for its struct): 16 measured the same as 8.
pub(crate) const LOOKAHEAD: usize = 8;

/// How many nodes a graph holds before its walk looks events up ahead and gives the provider
/// hints, and before the iterative checks give hints. Smaller graphs mostly stay in the CPU's
/// caches, and there the hints only cost: 1–6 % more time on graphs of about 500 and 900
/// events (the iterative checks' about 1 %), against 2–16 % less on graphs of 2,700 and 4,600
/// (in-process A/B on the benchmark rooms).
const HINTS_FROM: usize = 1024;

/// An event's index in an [`AuthGraph`].
pub(crate) type Node = u32;

/// Marks a node number for no node yet.
const NO_NODE: Node = Node::MAX;

/// Marks, in [`AuthGraph::numbers`], an event the store lacks: the rest is its index in `ids`.
const MISSING: u32 = 1 << 31;

/// The auth DAG.
pub(crate) struct AuthGraph<'a, E> {
    /// Event IDs: a node is the index of its ID (with an [`Events`] store, only the events it
    /// lacks are here).
    ids: Ids,
    /// The [`Events`] store whose numbers find the nodes (sparing hashing and comparing IDs).
    store: Option<&'a Events<E>>,
    /// With a store: the node of each store number seen.
    by_number: NodeMap,
    /// With a store, per node: its store number, or [`MISSING`] with the index of its ID in
    /// `ids` (an event the store lacks).
    numbers: Vec<u32>,
    /// With a store, per index in `ids`: its node.
    missing: Vec<Node>,
    /// Without a store, per node: its event (with one, [`event`](Self::event) asks the store).
    events: Vec<Option<&'a E>>,
    kinds: Vec<Kind>,
    /// Per node: whether its event is a power event ([`is_power`]).
    power: Vec<bool>,
    /// Per node: whether its event (if known) is in the room being resolved.
    in_room: Vec<bool>,
    /// Edges of node `i`: `edges[edge_start[i]..edge_start[i + 1]]` (after [`explore`](Self::explore)).
    edge_start: Vec<u32>,
    edges: Vec<Node>,
    /// v12: the create event node each room ID implies, and the last one asked for.
    implied_creates: HashMap<&'a str, Node>,
    last_implied: Option<(&'a str, Node)>,
    explored: usize,
    /// Without a store, nodes whose events were looked up: `0..fetched` (the others are `None`
    /// until then).
    fetched: usize,
}

/// Nodes by an [`Events`] store's numbers: a vector over all the numbers, unless the store is
/// much larger than the graph is expected to be (one store for many rooms, say), then a map.
enum NodeMap {
    Dense(Vec<Node>),
    Sparse(HashMap<u32, Node>),
}

impl NodeMap {
    /// For a store of `numbers` numbers and a graph of about `capacity` nodes.
    fn new(numbers: usize, capacity: usize) -> Self {
        if numbers <= 16 * capacity.max(64) {
            NodeMap::Dense(vec![NO_NODE; numbers])
        } else {
            NodeMap::Sparse(HashMap::default())
        }
    }

    /// The node of `number`, which becomes `next` if it has none.
    #[inline]
    fn node(&mut self, number: u32, next: Node) -> (Node, bool) {
        let node = match self {
            NodeMap::Dense(nodes) => &mut nodes[number as usize],
            NodeMap::Sparse(nodes) => nodes.entry(number).or_insert(NO_NODE),
        };
        if *node == NO_NODE {
            *node = next;
            return (next, true);
        }
        (*node, false)
    }
}

impl<'a, E: Event> AuthGraph<'a, E> {
    /// An empty graph with room for about `capacity` events, which interns event IDs.
    pub fn with_capacity(capacity: usize) -> Self {
        Self::empty(capacity, None)
    }

    fn empty(capacity: usize, store: Option<&'a Events<E>>) -> Self {
        let (ids, by_number, numbers, events) = match store {
            None => (
                Ids::with_capacity(capacity),
                NodeMap::Dense(Vec::new()),
                Vec::new(),
                Vec::with_capacity(capacity),
            ),
            Some(store) => (
                Ids::with_capacity(0),
                NodeMap::new(store.numbers(), capacity),
                Vec::with_capacity(capacity),
                Vec::new(),
            ),
        };
        AuthGraph {
            ids,
            store,
            by_number,
            numbers,
            missing: Vec::new(),
            events,
            kinds: Vec::with_capacity(capacity),
            power: Vec::with_capacity(capacity),
            in_room: Vec::with_capacity(capacity),
            edge_start: Vec::with_capacity(capacity + 1),
            edges: Vec::with_capacity(capacity * 4),
            implied_creates: HashMap::default(),
            last_implied: None,
            explored: 0,
            fetched: 0,
        }
        .started()
    }

    /// A graph of given nodes (IDs, events, their kinds and power flags, parents as ranges of
    /// `edges`), explored elsewhere: by the room index, which classified the events when they
    /// were added. The events still come from the caller's provider, so each is checked against
    /// `guard`.
    pub fn from_parts<'i>(
        ids: impl ExactSizeIterator<Item = &'i str>,
        events: Vec<Option<&'a E>>,
        (kinds, power): (Vec<Kind>, Vec<bool>),
        guard: &RoomGuard,
        edge_start: Vec<u32>,
        edges: Vec<Node>,
    ) -> Self {
        let mut interner = Ids::with_capacity(ids.len());
        for id in ids {
            interner.intern(id);
        }
        AuthGraph {
            explored: interner.len(),
            fetched: interner.len(),
            ids: interner,
            store: None,
            by_number: NodeMap::Dense(Vec::new()),
            numbers: Vec::new(),
            missing: Vec::new(),
            kinds,
            power,
            in_room: events.iter().map(|event| in_room(guard, *event)).collect(),
            events,
            edge_start,
            edges,
            implied_creates: HashMap::default(),
            last_implied: None,
        }
    }

    fn started(mut self) -> Self {
        self.edge_start.push(0);
        self
    }

    /// An empty graph for resolving over `provider`: by its numbers if it is an [`Events`]
    /// store.
    pub fn for_provider<P>(capacity: usize, provider: &'a P) -> Self
    where
        P: EventProvider<Event = E> + ?Sized,
    {
        Self::empty(capacity, provider.as_events())
    }

    pub fn len(&self) -> usize {
        match self.store {
            Some(_) => self.numbers.len(),
            None => self.events.len(),
        }
    }

    /// The node for `id`. A new node's event is looked up when [`explore`](Self::explore)
    /// nears it.
    pub fn intern(&mut self, id: &str) -> Node {
        let Some(store) = self.store else {
            let (node, added) = self.ids.intern(id);
            if added {
                self.events.push(None);
            }
            return node;
        };
        if let Some(number) = store.number(id) {
            return self.numbered_node(number);
        }
        let (index, added) = self.ids.intern(id);
        if !added {
            return self.missing[index as usize];
        }
        let node = self.numbers.len() as Node;
        self.missing.push(node);
        self.numbers.push(MISSING | index);
        node
    }

    /// The node of the event numbered `number` in the store.
    fn numbered_node(&mut self, number: u32) -> Node {
        let (node, added) = self.by_number.node(number, self.numbers.len() as Node);
        if added {
            self.numbers.push(number);
        }
        node
    }

    /// Whether the graph is large enough for hints ([`HINTS_FROM`]).
    fn hinted(&self) -> bool {
        self.len() >= HINTS_FROM
    }

    /// Without a store: fetches the events of the nodes up to `last` (or the last node) not
    /// fetched yet, hinting (in a large graph) that each one's fields will be read.
    fn fetch_through<P>(&mut self, provider: &'a P, last: usize)
    where
        P: EventProvider<Event = E> + ?Sized,
    {
        let end = (last + 1).min(self.events.len());
        let hinted = self.hinted();
        while self.fetched < end {
            let event = provider.event(self.ids.get(self.fetched as Node));
            if let Some(event) = event.filter(|_| hinted) {
                event.prefetch();
            }
            self.events[self.fetched] = event;
            self.fetched += 1;
        }
    }

    /// Looks up the events of the nodes interned so far and interns everything reachable from
    /// them through auth edges, classifying each event and checking it against `guard`.
    pub fn explore<P>(&mut self, version: &RoomVersion, provider: &'a P, guard: &RoomGuard)
    where
        P: EventProvider<Event = E> + ?Sized,
    {
        let implied = version.room_id_format == RoomIdFormat::CreateEventHash;
        let room = self
            .store
            .and_then(|store| store.room_number(guard.room_id()));
        while self.explored < self.len() {
            let node = self.explored;
            self.explored += 1;
            match self.store {
                Some(store) => self.explore_numbered(store, node, (room, guard), implied),
                None => self.explore_interned(provider, node, guard, implied),
            }
            self.edge_start.push(self.edges.len() as u32);
        }
    }

    /// Explores `node` from what the store keeps of its event (`room`: the number of the guard's
    /// room in the store), reading the event only for auth events the store lacks.
    fn explore_numbered(
        &mut self,
        store: &'a Events<E>,
        node: usize,
        (room, guard): (Option<u32>, &RoomGuard),
        implied: bool,
    ) {
        if self.hinted() {
            if let Some(&ahead) = self.numbers.get(node + LOOKAHEAD) {
                if ahead & MISSING == 0 {
                    store.hint_class(ahead);
                }
            }
        }
        let number = self.numbers[node];
        if number & MISSING != 0 {
            self.kinds.push(Kind::Missing);
            self.power.push(false);
            self.in_room.push(true);
            return;
        }
        let class = store.class(number, room, guard);
        self.kinds.push(class.kind);
        self.power.push(class.power);
        self.in_room.push(class.in_room);
        for (k, &parent) in store.auth_of(number).iter().enumerate() {
            let parent = match parent {
                ABSENT => {
                    let event = store.by_number(number);
                    let id = event.and_then(|event| event.auth_event_ids().nth(k));
                    self.intern(id.unwrap_or_default())
                }
                number => self.numbered_node(number),
            };
            self.edges.push(parent);
        }
        // Only events of other types than `m.room.create` with a room ID have a room name here.
        if implied && !class.create_type {
            if let Some(room_id) = store.room_name(class.room) {
                self.add_implied_create(node, room_id);
            }
        }
    }

    /// Explores `node` by its event, interning the IDs of its auth events.
    fn explore_interned<P>(
        &mut self,
        provider: &'a P,
        node: usize,
        guard: &RoomGuard,
        implied: bool,
    ) where
        P: EventProvider<Event = E> + ?Sized,
    {
        // In a large graph, lookups run ahead of the walk: the provider is told of the slot of
        // the node twice the distance ahead, then of its fields, then the event the distance
        // ahead is fetched, so that none of the three waits for memory.
        if self.hinted() {
            self.fetch_through(provider, node + LOOKAHEAD);
            for (distance, what) in [
                (2 * LOOKAHEAD, Prefetch::Slot),
                (LOOKAHEAD + LOOKAHEAD / 2, Prefetch::Fields),
            ] {
                let ahead = node + distance;
                if ahead < self.events.len() && ahead >= self.fetched {
                    provider.prefetch(self.ids.get(ahead as Node), what);
                }
            }
        } else {
            self.fetch_through(provider, node);
        }
        let event = self.events[node];
        let kind = Kind::of(event);
        self.kinds.push(kind);
        // Classified now, while the event is in cache: the power sort would read it again.
        self.power.push(is_power(kind, event));
        self.in_room.push(in_room(guard, event));
        let Some(event) = event else {
            return;
        };
        for auth_id in event.auth_event_ids() {
            let parent = self.intern(auth_id);
            self.edges.push(parent);
        }
        if implied && event.event_type() != CREATE {
            if let Some(room_id) = event.room_id() {
                self.add_implied_create(node, room_id);
            }
        }
    }

    /// Adds the edge from `node` to the create event `room_id` implies, unless listed.
    fn add_implied_create(&mut self, node: usize, room_id: &'a str) {
        let create = self.implied_create(room_id);
        let listed = &self.edges[self.edge_start[node] as usize..];
        if !listed.contains(&create) {
            self.edges.push(create);
        }
    }

    fn implied_create(&mut self, room_id: &'a str) -> Node {
        // Nearly every event is in the room of the event explored before it.
        if let Some((last, node)) = self.last_implied {
            if last == room_id {
                return node;
            }
        }
        if let Some(&node) = self.implied_creates.get(room_id) {
            self.last_implied = Some((room_id, node));
            return node;
        }
        let id = format!("${}", room_id.strip_prefix('!').unwrap_or(room_id));
        let node = self.intern(&id);
        self.implied_creates.insert(room_id, node);
        self.last_implied = Some((room_id, node));
        node
    }

    /// Hints for a walk that reads `near` soon and `far` later: `near`'s fields (see
    /// [`Event::prefetch`]), and `far`'s struct, which `far`'s hint will need by then. The events
    /// of the larger rooms are spread over more memory than the caches hold, and a walk that
    /// waits for each event's struct, then for its strings, spends most of its time waiting.
    /// Like the walk's own hints, given only in graphs of [`HINTS_FROM`] nodes or more.
    #[inline]
    pub fn prefetch(&self, near: Option<Node>, far: Option<Node>) {
        if !self.hinted() {
            return;
        }
        if let Some(store) = self.store {
            for (node, fields) in [(near, true), (far, false)] {
                match node.and_then(|node| self.numbers.get(node as usize)) {
                    Some(&number) if number & MISSING == 0 => store.hint_number(number, fields),
                    _ => {}
                }
            }
            return;
        }
        if let Some(Some(event)) = near.and_then(|node| self.events.get(node as usize)) {
            event.prefetch();
        }
        if let Some(Some(event)) = far.and_then(|node| self.events.get(node as usize)) {
            prefetch::value(*event);
        }
    }

    pub fn id(&self, node: Node) -> &str {
        let Some(store) = self.store else {
            return self.ids.get(node);
        };
        match self.numbers[node as usize] {
            number if number & MISSING != 0 => self.ids.get(number & !MISSING),
            number => store.id_of(number),
        }
    }

    pub fn event(&self, node: Node) -> Option<&'a E> {
        match self.store {
            Some(store) => match self.numbers[node as usize] {
                number if number & MISSING != 0 => None,
                number => store.by_number(number),
            },
            None => self.events[node as usize],
        }
    }

    /// The auth edges of `node`, in `auth_events` order (v12's implied create event last).
    pub fn parents(&self, node: Node) -> &[Node] {
        let node = node as usize;
        &self.edges[self.edge_start[node] as usize..self.edge_start[node + 1] as usize]
    }

    pub fn kind(&self, node: Node) -> Kind {
        self.kinds[node as usize]
    }

    /// Whether the event of `node` is a power event.
    pub fn is_power(&self, node: Node) -> bool {
        self.power[node as usize]
    }

    /// Whether the event of `node` (if known) is in the room being resolved.
    pub fn in_room(&self, node: Node) -> bool {
        self.in_room[node as usize]
    }

    /// The first `m.room.power_levels` event among the (known) auth events of `node`.
    pub fn power_levels_parent(&self, node: Node) -> Option<Node> {
        self.parents(node)
            .iter()
            .copied()
            .find(|&parent| self.kind(parent) == Kind::PowerLevels)
    }
}

fn in_room<E: Event>(guard: &RoomGuard, event: Option<&E>) -> bool {
    event.is_none_or(|event| guard.belongs(event))
}

/// [`RoomGuard`] over the nodes of an auth graph, which knows which of its events are in the room.
pub(crate) struct NodeRooms {
    guard: RoomGuard,
}

impl NodeRooms {
    pub fn new(guard: RoomGuard) -> Self {
        NodeRooms { guard }
    }

    /// An error unless the event of `node` (if known) is in the room. Inlined: the walks check
    /// every event they read, and nearly every one is in the room.
    #[inline]
    pub fn check<E: Event>(
        &self,
        graph: &AuthGraph<'_, E>,
        node: Node,
    ) -> Result<(), ResolveError> {
        if graph.in_room(node) {
            return Ok(());
        }
        self.check_event(graph, node)
    }

    #[cold]
    #[inline(never)]
    fn check_event<E: Event>(
        &self,
        graph: &AuthGraph<'_, E>,
        node: Node,
    ) -> Result<(), ResolveError> {
        match graph.event(node) {
            Some(event) => self.guard.check(event),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use matrix_auth_rules::PduEvent;
    use serde_json::json;

    use super::*;
    use crate::Events;
    use crate::test_events::{event, topic};

    /// Events fetched ahead of the walk land on their own nodes: a DAG large enough for the
    /// walk to run ahead (each event authorised by the two before it and the first), some
    /// events missing, explored from several starts, one of them in the middle of the order.
    #[test]
    fn every_node_gets_its_own_event_when_lookups_run_ahead() {
        let version = RoomVersion::from_id("10").expect("a known room version");
        let count = HINTS_FROM + 20 * LOOKAHEAD;
        let missing = |i: usize| i % 7 == 3;
        let events: Events<PduEvent> = (0..count)
            .filter(|&i| !missing(i))
            .map(|i| {
                let auth: Vec<usize> = [0, i.saturating_sub(1), i.saturating_sub(2)]
                    .into_iter()
                    .filter(|&a| a < i)
                    .collect();
                topic(version, i, &auth)
            })
            .collect();
        let mut graph = AuthGraph::with_capacity(4);
        for start in [count - 1, count / 2, count - 2] {
            graph.intern(&format!("$e{start}"));
        }
        graph.explore(version, &events, &RoomGuard::new("!r:x".to_owned()));
        // Every event below the starts is reachable (the missing ones through the ones after).
        assert_eq!(graph.len(), count);
        for node in 0..graph.len() as Node {
            let id = graph.id(node);
            let index: usize = id[2..].parse().expect("an index");
            match graph.event(node) {
                Some(event) => assert_eq!(event.event_id(), id),
                None => assert!(missing(index), "{id} was not fetched"),
            }
            let parents: Vec<&str> = graph.parents(node).iter().map(|&p| graph.id(p)).collect();
            let listed: Vec<&str> = graph
                .event(node)
                .map(|event| event.auth_event_ids().collect())
                .unwrap_or_default();
            assert_eq!(parents, listed);
        }
    }

    /// Over an `Events` store the graph is walked by the store's numbers: it has the same
    /// nodes, in the same order, with the same events and edges, as when interned by ID. The
    /// events come in a shuffled order (most listed before their auth events), some are missing
    /// and one was removed; the walk is large enough for the hints.
    #[test]
    fn numbered_and_interned_graphs_are_the_same() {
        for version in ["10", "12"] {
            let version = RoomVersion::from_id(version).expect("a known room version");
            numbered_and_interned_walks_agree(version);
        }
    }

    /// Events of every class the walk reads (power levels, a kick, a join, an event of another
    /// room, a v12 create event without a room ID), some missing, one removed, added in a
    /// shuffled order.
    fn numbered_and_interned_walks_agree(version: &'static RoomVersion) {
        let count = HINTS_FROM + 300;
        let missing = |i: usize| i % 11 == 5;
        let mut order: Vec<usize> = (0..count).filter(|&i| !missing(i)).collect();
        // A fixed shuffle: reversed, then every third one moved to the front.
        order.reverse();
        let (front, back): (Vec<usize>, Vec<usize>) = order.iter().partition(|&&i| i % 3 == 0);
        let mut events: Events<PduEvent> = front
            .into_iter()
            .chain(back)
            .map(|i| {
                let auth: Vec<usize> = [0, i / 2, i.saturating_sub(1), i.saturating_sub(7)]
                    .into_iter()
                    .filter(|&a| a < i)
                    .collect();
                let fields = match i {
                    0 if version.id == "12" => {
                        json!({"type": "m.room.create", "room_id": null, "content": {}})
                    }
                    0 => json!({"type": "m.room.create", "content": {}}),
                    i if i % 13 == 0 => json!({"type": "m.room.power_levels"}),
                    i if i % 17 == 0 => json!({"type": "m.room.member", "state_key": "@b:x",
                        "content": {"membership": "leave"}}),
                    i if i % 19 == 0 => json!({"room_id": "!other:x"}),
                    i if i % 23 == 0 => json!({"type": "m.room.member", "state_key": "@a:x",
                        "content": {"membership": "join"}}),
                    _ => json!({}),
                };
                event(version, i, &auth, fields)
            })
            .collect();
        assert!(events.remove("$e40").is_some());
        /// ID, event, parents, kind, power, in the room.
        type WalkedNode = (String, Option<*const PduEvent>, Vec<Node>, Kind, bool, bool);
        type Walked = Vec<WalkedNode>;
        fn walk<'a>(
            mut graph: AuthGraph<'a, PduEvent>,
            events: &'a Events<PduEvent>,
            version: &RoomVersion,
            count: usize,
        ) -> Walked {
            for start in [count - 1, count - 3, count / 3, 5] {
                graph.intern(&format!("$e{start}"));
            }
            graph.intern("$unknown");
            graph.explore(version, events, &RoomGuard::new("!r:x".to_owned()));
            (0..graph.len() as Node)
                .map(|node| {
                    let event = graph.event(node).map(|event| event as *const PduEvent);
                    let parents = graph.parents(node).to_vec();
                    let (kind, power, in_room) =
                        (graph.kind(node), graph.is_power(node), graph.in_room(node));
                    (
                        graph.id(node).to_owned(),
                        event,
                        parents,
                        kind,
                        power,
                        in_room,
                    )
                })
                .collect()
        }
        let by_id = walk(AuthGraph::with_capacity(16), &events, version, count);
        assert!(by_id.len() > HINTS_FROM);
        // Nodes by number in a vector (a store not much larger than the graph), and in a map.
        for capacity in [4096, 16] {
            let numbered = AuthGraph::for_provider(capacity, &events);
            assert_eq!(
                matches!(numbered.by_number, NodeMap::Dense(_)),
                capacity == 4096
            );
            assert_eq!(walk(numbered, &events, version, count), by_id);
        }
        let has = |id: &str, test: &dyn Fn(&WalkedNode) -> bool| {
            by_id.iter().any(|node| node.0 == id && test(node))
        };
        assert!(has("$e40", &|node| node.1.is_none()));
        assert!(has("$e5", &|node| node.1.is_none()));
        assert!(has("$e13", &|node| node.3 == Kind::PowerLevels && node.4));
        assert!(has("$e17", &|node| node.3 == Kind::Member && node.4));
        assert!(has("$e19", &|node| !node.5));
        assert!(has("$e23", &|node| node.3 == Kind::Member
            && !node.4
            && node.5));
        assert!(has("$e0", &|node| node.3 == Kind::Create
            && node.5 == (version.id != "12")));
    }
}
