//! Rooms in the JSON format of the Synapse-backed oracle (`stateres_oracle.py`), for tests and
//! tools: a room version, events, and one query (`state_sets`, `resolve_at`, `state_after` or
//! `state_before`), optionally with an `expected` result.
//!
//! For room versions 3 and up the events' `event_id`s are labels. Events are built as the oracle
//! builds them (in topological order; references rewritten to real IDs; `room_id`, `hashes`,
//! `signatures`, `depth` and `origin_server_ts` filled in when absent; in room version 12 the
//! room ID derived from the create event and, unless asked otherwise, a listed create event
//! dropped from `auth_events`), so that their real event IDs, which break ties in state
//! resolution, are the ones Synapse computes. Results are mapped back to labels.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::time::{Duration, Instant};

use matrix_auth_rules::{CREATE, Event, PduError, PduEvent, Rejection, check_event};
use matrix_event_format::room_version::{EventIdFormat, RoomIdFormat};
use matrix_event_format::{JsonObject, RoomVersion};
use matrix_state_res::{
    Events, IndexError, ResolveError, ResolvedState, RoomIndex, StateMap, Stats, resolve_with_stats,
};
use serde_json::{Value, json};

/// Why a room file cannot be read or resolved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RoomFileError {
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("{0}")]
    Format(String),
    #[error("unknown room version {0:?}")]
    UnknownRoomVersion(String),
    #[error("the events contain a reference cycle")]
    Cycle,
    #[error("event {label}: {error}")]
    Event { label: String, error: PduError },
    #[error("unknown event label {0:?}")]
    UnknownLabel(String),
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// How a room file's states are resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolver {
    /// [`matrix_state_res::resolve`]: nothing kept between resolutions; events read from a map
    /// by ID (so the auth graph interns event IDs).
    Stateless,
    /// [`matrix_state_res::resolve`] over an [`Events`] store of the room's events (so the auth
    /// graph follows the store's numbers).
    StatelessEvents,
    /// A [`RoomIndex`] of the room, the events added as they come (in the walks: each event
    /// before the events after it are resolved).
    Index,
}

/// A resolution's state as an owned map (the walks keep it past the state sets).
fn owned(
    resolved: Result<(ResolvedState<'_>, Stats), ResolveError>,
) -> Result<(StateMap, Stats), ResolveError> {
    resolved.map(|(state, stats)| (state.to_state_map(), stats))
}

/// Resolves states with a [`Resolver`], keeping the index if there is one.
struct Resolving<'r> {
    room: &'r RoomFile,
    index: Option<RoomIndex>,
    store: Option<Events<PduEvent>>,
}

impl Resolving<'_> {
    /// Resolves `sets` (real IDs).
    fn resolve(&self, sets: &[StateMap]) -> Result<(StateMap, Stats), ResolveError> {
        match (&self.index, &self.store) {
            (Some(index), _) => owned(index.resolve_with_stats(sets, &self.room.events)),
            (None, Some(store)) => owned(resolve_with_stats(self.room.version, sets, store)),
            (None, None) => self.room.resolve_ids(sets),
        }
    }

    /// Adds an event to the index, if there is one.
    fn add(&mut self, id: &str) -> Result<(), IndexError> {
        match (&mut self.index, self.room.events.get(id)) {
            (Some(index), Some(event)) => index.add(event),
            _ => Ok(()),
        }
    }
}

/// Events by ID (a fast hash map: event lookups are most of what resolution does).
pub type EventMap = foldhash::HashMap<String, PduEvent>;

fn format_error(message: impl Into<String>) -> RoomFileError {
    RoomFileError::Format(message.into())
}

/// What the file asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// Resolve these states (labels).
    StateSets(Vec<StateMap>),
    /// The state before an event with these `prev_events` (labels).
    ResolveAt(Vec<String>),
    /// The state after this event (label).
    StateAfter(String),
    /// The state before this event (label).
    StateBefore(String),
}

/// How to build the events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuildOptions {
    /// Room version 12: drop a listed create event from `auth_events` (the state resolution
    /// oracle does; the auth oracle keeps it to test the rule).
    pub drop_listed_v12_create: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            drop_listed_v12_create: true,
        }
    }
}

/// A room read from the oracle's format, its events built with their real IDs.
#[derive(Debug)]
pub struct RoomFile {
    pub version: &'static RoomVersion,
    /// The room ID (for room version 12, derived from the create event).
    pub room_id: String,
    events: EventMap,
    order: Vec<String>,
    label_to_id: HashMap<String, String>,
    id_to_label: HashMap<String, String>,
    query: Option<Query>,
    spec: JsonObject,
}

/// The result of [`RoomFile::authorize_walk`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Walk {
    /// Each event's verdict (real IDs), in walk order.
    pub verdicts: Vec<(String, Result<(), Rejection>)>,
    /// The state after every event (real IDs).
    pub state_after: HashMap<String, StateMap>,
}

/// The answer to a room file's query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    /// The resolved state, with labels.
    pub state: StateMap,
    /// Statistics of the last resolution (for `state_sets`: the one resolution).
    pub stats: Stats,
    /// Time spent resolving (not building events).
    pub elapsed: Duration,
}

/// An ID without its first character (the sigil), as Python's `id[1:]`.
fn without_sigil(id: &str) -> &str {
    id.char_indices()
        .nth(1)
        .map_or("", |(index, _)| &id[index..])
}

fn python_truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(Value::Number(number)) => number.as_f64() != Some(0.0),
        Some(Value::String(text)) => !text.is_empty(),
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::Object(map)) => !map.is_empty(),
    }
}

/// A `prev_events`/`auth_events` entry: an ID or an `[id, hashes]` pair.
fn reference(value: &Value) -> Option<&str> {
    match value {
        Value::String(id) => Some(id),
        Value::Array(pair) => pair.first()?.as_str(),
        _ => None,
    }
}

fn references<'v>(raw: &'v JsonObject, field: &str) -> Result<Vec<&'v str>, RoomFileError> {
    match raw.get(field) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                reference(item).ok_or_else(|| format_error(format!("bad entry in {field}")))
            })
            .collect(),
        Some(_) => Err(format_error(format!("{field} must be an array"))),
    }
}

fn redacts_of(raw: &JsonObject) -> Option<&str> {
    raw.get("redacts")
        .and_then(Value::as_str)
        .or_else(|| raw.get("content")?.get("redacts")?.as_str())
}

fn integer_or_zero(raw: &JsonObject, field: &str) -> Result<i64, RoomFileError> {
    match raw.get(field) {
        None => Ok(0),
        Some(value) => value
            .as_i64()
            .ok_or_else(|| format_error(format!("{field} must be an integer"))),
    }
}

/// A state in either of the oracle's forms: `{"type": {"state_key": id}}` or
/// `[["type", "state_key", id], …]`.
pub fn parse_state(value: &Value) -> Result<StateMap, RoomFileError> {
    let mut state = StateMap::new();
    match value {
        Value::Object(types) => {
            for (event_type, keys) in types {
                let Value::Object(keys) = keys else {
                    return Err(format_error("a state maps types to objects"));
                };
                for (state_key, id) in keys {
                    let id = id
                        .as_str()
                        .ok_or_else(|| format_error("state values are event IDs"))?;
                    state.insert((event_type.clone(), state_key.clone()), id.to_owned());
                }
            }
        }
        Value::Array(entries) => {
            for entry in entries {
                match entry.as_array().map(Vec::as_slice) {
                    Some([Value::String(t), Value::String(k), Value::String(id)]) => {
                        state.insert((t.clone(), k.clone()), id.clone());
                    }
                    _ => return Err(format_error("state entries are [type, state_key, id]")),
                }
            }
        }
        _ => return Err(format_error("a state is an object or an array")),
    }
    Ok(state)
}

/// A state in the oracle's nested output form.
pub fn nest_state(state: &StateMap) -> Value {
    let mut nested: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for ((event_type, state_key), id) in state {
        nested.entry(event_type).or_default().insert(state_key, id);
    }
    json!(nested)
}

impl RoomFile {
    /// Reads a room file.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, RoomFileError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| RoomFileError::Json(e.to_string()))?;
        Self::from_value(value, BuildOptions::default())
    }

    /// Reads a room from its JSON value.
    pub fn from_value(value: Value, options: BuildOptions) -> Result<Self, RoomFileError> {
        let Value::Object(spec) = value else {
            return Err(format_error("a room file is a JSON object"));
        };
        let version_id = match spec.get("room_version") {
            Some(Value::String(id)) => id.clone(),
            Some(Value::Number(number)) => number.to_string(),
            _ => return Err(format_error("room_version is missing")),
        };
        let version = RoomVersion::from_id(&version_id)
            .ok_or(RoomFileError::UnknownRoomVersion(version_id))?;
        let Some(Value::Array(raw_events)) = spec.get("events") else {
            return Err(format_error("events must be an array"));
        };
        let mut raw: BTreeMap<String, &JsonObject> = BTreeMap::new();
        for event in raw_events {
            let Value::Object(event) = event else {
                return Err(format_error("every event is an object"));
            };
            let label = event
                .get("event_id")
                .and_then(Value::as_str)
                .ok_or_else(|| format_error("every event needs an event_id (a label for v3+)"))?;
            raw.insert(label.to_owned(), event);
        }
        let mut room_id = match spec.get("room_id") {
            Some(Value::String(id)) if !id.is_empty() => id.clone(),
            _ => raw_events
                .iter()
                .filter_map(|e| e.get("room_id")?.as_str())
                .find(|id| !id.is_empty())
                .unwrap_or("!oracle:example.com")
                .to_owned(),
        };

        let order = topological_order(&raw)?;
        let position: HashMap<&str, i64> = order
            .iter()
            .enumerate()
            .map(|(index, label)| (label.as_str(), index as i64))
            .collect();
        let create_label = order
            .iter()
            .find(|label| {
                let event = raw[label.as_str()];
                event.get("type").and_then(Value::as_str) == Some(CREATE)
                    && event.get("state_key").and_then(Value::as_str) == Some("")
            })
            .cloned();

        let mut room = RoomFile {
            version,
            room_id: String::new(),
            events: EventMap::default(),
            order: Vec::with_capacity(order.len()),
            label_to_id: HashMap::new(),
            id_to_label: HashMap::new(),
            query: None,
            spec: JsonObject::new(),
        };
        let hashed_ids = version.event_id_format != EventIdFormat::ServerAssigned;
        let hashed_room = version.room_id_format == RoomIdFormat::CreateEventHash;
        for label in &order {
            let source = raw[label.as_str()];
            let map = |id: &str| {
                room.label_to_id
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| id.to_owned())
            };
            let mut pdu = source.clone();
            pdu.remove("rejected");
            pdu.remove("rejected_reason");
            let prev: Vec<String> = references(source, "prev_events")?
                .into_iter()
                .map(map)
                .collect();
            let mut auth: Vec<String> = references(source, "auth_events")?
                .into_iter()
                .map(map)
                .collect();
            let is_create = source.get("type").and_then(Value::as_str) == Some(CREATE)
                && source.get("state_key").and_then(Value::as_str) == Some("");
            if hashed_room {
                if is_create {
                    pdu.remove("room_id");
                } else if let Some(create) = &create_label {
                    let create_id = map(create);
                    pdu.insert(
                        "room_id".into(),
                        json!(format!("!{}", without_sigil(&create_id))),
                    );
                    if options.drop_listed_v12_create {
                        auth.retain(|id| *id != create_id);
                    }
                }
            } else {
                let own = source
                    .get("room_id")
                    .cloned()
                    .unwrap_or_else(|| json!(room_id));
                pdu.insert("room_id".into(), own);
            }
            if hashed_ids {
                pdu.remove("event_id");
                pdu.insert("prev_events".into(), json!(prev));
                pdu.insert("auth_events".into(), json!(auth));
            } else {
                let pairs =
                    |ids: &[String]| ids.iter().map(|id| json!([id, {}])).collect::<Vec<_>>();
                pdu.insert("prev_events".into(), json!(pairs(&prev)));
                pdu.insert("auth_events".into(), json!(pairs(&auth)));
            }
            if let Some(Value::String(redacts)) = source.get("redacts") {
                pdu.insert("redacts".into(), json!(map(redacts)));
            }
            if let Some(Value::String(redacts)) =
                source.get("content").and_then(|c| c.get("redacts"))
            {
                let mapped = map(redacts);
                if let Some(Value::Object(content)) = pdu.get_mut("content") {
                    content.insert("redacts".into(), json!(mapped));
                }
            }
            pdu.entry("content").or_insert_with(|| json!({}));
            pdu.entry("hashes")
                .or_insert_with(|| json!({"sha256": "AAAA"}));
            pdu.entry("signatures").or_insert_with(|| json!({}));
            if !pdu.contains_key("depth") {
                let depth = prev
                    .iter()
                    .filter_map(|id| room.events.get(id))
                    .map(|event| event.depth())
                    .max()
                    .unwrap_or(0);
                pdu.insert("depth".into(), json!(depth + 1));
            }
            pdu.entry("origin_server_ts")
                .or_insert_with(|| json!(position[label.as_str()]));
            let rejected = python_truthy(source.get("rejected_reason"))
                || python_truthy(source.get("rejected"));
            let event = PduEvent::new(pdu, version)
                .map_err(|error| RoomFileError::Event {
                    label: label.clone(),
                    error,
                })?
                .with_rejected(rejected);
            let id = event.event_id().to_owned();
            room.label_to_id.insert(label.clone(), id.clone());
            room.id_to_label.insert(id.clone(), label.clone());
            room.order.push(id.clone());
            room.events.insert(id, event);
        }
        if hashed_room {
            if let Some(create) = &create_label {
                room_id = format!("!{}", without_sigil(&room.label_to_id[create]));
            }
        }
        room.room_id = room_id;
        room.query = room.read_query(&spec)?;
        room.spec = spec;
        Ok(room)
    }

    fn read_query(&self, spec: &JsonObject) -> Result<Option<Query>, RoomFileError> {
        let label = |value: &Value| {
            value
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format_error("labels are strings"))
        };
        Ok(Some(if let Some(sets) = spec.get("state_sets") {
            let Value::Array(sets) = sets else {
                return Err(format_error("state_sets must be an array"));
            };
            Query::StateSets(sets.iter().map(parse_state).collect::<Result<_, _>>()?)
        } else if let Some(Value::Array(prev)) = spec.get("resolve_at") {
            Query::ResolveAt(prev.iter().map(label).collect::<Result<_, _>>()?)
        } else if let Some(event) = spec.get("state_after") {
            Query::StateAfter(label(event)?)
        } else if let Some(event) = spec.get("state_before") {
            Query::StateBefore(label(event)?)
        } else {
            return Ok(None);
        }))
    }

    /// The events by real ID.
    pub fn events(&self) -> &EventMap {
        &self.events
    }

    /// Real event IDs in the order events were built (topological).
    pub fn order(&self) -> &[String] {
        &self.order
    }

    /// The query of the file, if any.
    pub fn query(&self) -> Option<&Query> {
        self.query.as_ref()
    }

    /// The real ID of a label.
    pub fn id_of(&self, label: &str) -> Result<&str, RoomFileError> {
        self.label_to_id
            .get(label)
            .map(String::as_str)
            .ok_or_else(|| RoomFileError::UnknownLabel(label.to_owned()))
    }

    /// The label of a real ID (the ID itself if it is not an event of the file).
    pub fn label_of<'s>(&'s self, id: &'s str) -> &'s str {
        self.id_to_label.get(id).map_or(id, String::as_str)
    }

    /// A state with real IDs, from one with labels.
    pub fn to_ids(&self, state: &StateMap) -> StateMap {
        state
            .iter()
            .map(|(key, label)| {
                let id = self.label_to_id.get(label).unwrap_or(label);
                (key.clone(), id.clone())
            })
            .collect()
    }

    /// A state with labels, from one with real IDs.
    pub fn to_labels(&self, state: &StateMap) -> StateMap {
        state
            .iter()
            .map(|(key, id)| (key.clone(), self.label_of(id).to_owned()))
            .collect()
    }

    /// Resolves states given with real IDs, as the oracle does: none gives the empty state, one
    /// gives itself.
    pub fn resolve_ids(&self, sets: &[StateMap]) -> Result<(StateMap, Stats), ResolveError> {
        owned(resolve_with_stats(self.version, sets, &self.events))
    }

    fn resolving(&self, resolver: Resolver) -> Resolving<'_> {
        Resolving {
            room: self,
            index: (resolver == Resolver::Index)
                .then(|| RoomIndex::new(self.version, &self.room_id)),
            store: self.store(resolver),
        }
    }

    /// For [`Resolver::StatelessEvents`]: the room's events in an [`Events`] store, added newest
    /// first, so that every auth event's number reaches the events listing it late (the store's
    /// waiting list), the order a server backfilling a room adds them in.
    fn store(&self, resolver: Resolver) -> Option<Events<PduEvent>> {
        (resolver == Resolver::StatelessEvents).then(|| {
            self.order
                .iter()
                .rev()
                .map(|id| self.events[id].clone())
                .collect()
        })
    }

    /// The state after every event (real IDs), walking the events in topological order and
    /// resolving the states after each event's `prev_events`; rejected events do not change
    /// the state.
    pub fn state_after_every_event(
        &self,
        resolver: Resolver,
    ) -> Result<HashMap<String, StateMap>, RoomFileError> {
        let mut resolving = self.resolving(resolver);
        let mut after: HashMap<String, StateMap> = HashMap::with_capacity(self.order.len());
        for id in &self.order {
            let event = &self.events[id];
            let mut state = self.state_before(event, &after, &resolving)?.0;
            resolving.add(id)?;
            if let Some(state_key) = event.state_key() {
                if !event.rejected() {
                    state.insert(
                        (event.event_type().to_owned(), state_key.to_owned()),
                        id.clone(),
                    );
                }
            }
            after.insert(id.clone(), state);
        }
        Ok(after)
    }

    fn state_before(
        &self,
        event: &PduEvent,
        after: &HashMap<String, StateMap>,
        resolving: &Resolving<'_>,
    ) -> Result<(StateMap, Stats), ResolveError> {
        let sets: Vec<StateMap> = event
            .prev_event_ids()
            .filter_map(|prev| after.get(prev).cloned())
            .collect();
        resolving.resolve(&sets)
    }

    /// Walks the events in topological order as a receiving server does: the state before
    /// each event is the resolution of the states after its `prev_events`; each event goes
    /// through the authorization rules (its auth events, then that state) and is marked
    /// rejected if it fails (events already marked rejected stay so). Returns each event's
    /// verdict (real IDs, in walk order) and the state after every event.
    pub fn authorize_walk(&mut self, resolver: Resolver) -> Result<Walk, RoomFileError> {
        let mut walk = Walk {
            verdicts: Vec::with_capacity(self.order.len()),
            state_after: HashMap::with_capacity(self.order.len()),
        };
        // The index holds events, not verdicts: resolution reads rejections from the events.
        let mut index =
            (resolver == Resolver::Index).then(|| RoomIndex::new(self.version, &self.room_id));
        let mut store = self.store(resolver);
        for id in self.order.clone() {
            let resolving = Resolving {
                room: self,
                index: index.take(),
                store: store.take(),
            };
            let event = &self.events[&id];
            let before = self.state_before(event, &walk.state_after, &resolving);
            (index, store) = (resolving.index, resolving.store);
            let before = before?.0;
            let verdict = {
                let fetch = |id: &str| self.events.get(id);
                let mut nested: BTreeMap<String, BTreeMap<String, &PduEvent>> = BTreeMap::new();
                for ((event_type, state_key), state_id) in &before {
                    if let Some(state_event) = self.events.get(state_id) {
                        nested
                            .entry(event_type.clone())
                            .or_default()
                            .insert(state_key.clone(), state_event);
                    }
                }
                let has_prev = event.prev_event_ids().next().is_some();
                check_event(self.version, event, fetch, has_prev.then_some(&nested))
            };
            let mut state = before;
            if let Some(event) = self.events.get_mut(&id) {
                if verdict.is_err() {
                    event.set_rejected(true);
                    if let Some(store) = &mut store {
                        store.insert(event.clone());
                    }
                }
                if let Some(state_key) = event.state_key() {
                    if !event.rejected() {
                        let key = (event.event_type().to_owned(), state_key.to_owned());
                        state.insert(key, id.clone());
                    }
                }
            }
            if let (Some(index), Some(event)) = (&mut index, self.events.get(&id)) {
                index.add(event)?;
            }
            walk.state_after.insert(id.clone(), state);
            walk.verdicts.push((id, verdict));
        }
        Ok(walk)
    }

    /// Answers the file's query (a state with labels); `elapsed` is the time spent resolving
    /// (with an index: not building it).
    pub fn resolve(&self, resolver: Resolver) -> Result<Resolution, RoomFileError> {
        let query = self.query.as_ref().ok_or_else(|| {
            format_error("need one of state_sets, resolve_at, state_after, state_before")
        })?;
        let mut resolving = self.resolving(resolver);
        for id in &self.order {
            resolving.add(id)?;
        }
        let start = Instant::now();
        let (state, stats) = match query {
            Query::StateSets(sets) => {
                let sets: Vec<StateMap> = sets.iter().map(|set| self.to_ids(set)).collect();
                resolving.resolve(&sets)?
            }
            Query::ResolveAt(labels) => {
                let after = self.state_after_every_event(resolver)?;
                let sets = labels
                    .iter()
                    .map(|label| Ok(after[self.id_of(label)?].clone()))
                    .collect::<Result<Vec<_>, RoomFileError>>()?;
                resolving.resolve(&sets)?
            }
            Query::StateAfter(label) => {
                let after = self.state_after_every_event(resolver)?;
                (after[self.id_of(label)?].clone(), Stats::default())
            }
            Query::StateBefore(label) => {
                let after = self.state_after_every_event(resolver)?;
                self.state_before(&self.events[self.id_of(label)?], &after, &resolving)?
            }
        };
        Ok(Resolution {
            state: self.to_labels(&state),
            stats,
            elapsed: start.elapsed(),
        })
    }

    /// Compares a resolved state (labels) with the file's `expected` state, or with its
    /// `expected_changed` keys relative to `baseline` / `baseline_state` (the rule of Synapse's
    /// state resolution tests); `None` if the file has no expectation.
    pub fn check(&self, resolved: &StateMap) -> Result<Option<bool>, RoomFileError> {
        if let Some(expected) = self.spec.get("expected") {
            return Ok(Some(parse_state(expected)? == *resolved));
        }
        let Some(expected) = self.spec.get("expected_changed") else {
            return Ok(None);
        };
        let expected = parse_state(expected)?;
        let baseline = if let Some(state) = self.spec.get("baseline_state") {
            parse_state(state)?
        } else if let Some(Value::String(label)) = self.spec.get("baseline") {
            let after = self.state_after_every_event(Resolver::Stateless)?;
            self.to_labels(&after[self.id_of(label)?])
        } else {
            return Err(format_error(
                "expected_changed needs baseline or baseline_state",
            ));
        };
        let changed: StateMap = resolved
            .iter()
            .filter(|(key, id)| expected.contains_key(*key) || baseline.get(*key) != Some(*id))
            .map(|(key, id)| (key.clone(), id.clone()))
            .collect();
        Ok(Some(changed == expected))
    }
}

/// The oracle's order: Kahn's algorithm over prev, auth and redacts references, smallest
/// `(depth, origin_server_ts, label)` first.
fn topological_order(raw: &BTreeMap<String, &JsonObject>) -> Result<Vec<String>, RoomFileError> {
    let mut indegree: HashMap<&str, usize> = raw.keys().map(|label| (label.as_str(), 0)).collect();
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    for (label, event) in raw {
        let mut refs: Vec<&str> = references(event, "prev_events")?;
        refs.extend(references(event, "auth_events")?);
        refs.extend(redacts_of(event));
        refs.retain(|r| raw.contains_key(*r));
        refs.sort_unstable();
        refs.dedup();
        for parent in refs {
            *indegree.entry(label.as_str()).or_default() += 1;
            children.entry(parent).or_default().push(label.as_str());
        }
    }
    let key = |label: &str| -> Result<(i64, i64), RoomFileError> {
        let event = raw[label];
        Ok((
            integer_or_zero(event, "depth")?,
            integer_or_zero(event, "origin_server_ts")?,
        ))
    };
    let mut heap = BinaryHeap::new();
    for (label, &degree) in &indegree {
        if degree == 0 {
            let (depth, ts) = key(label)?;
            heap.push(Reverse((depth, ts, *label)));
        }
    }
    let mut order = Vec::with_capacity(raw.len());
    while let Some(Reverse((_, _, label))) = heap.pop() {
        order.push(label.to_owned());
        for &child in children.get(label).map(Vec::as_slice).unwrap_or_default() {
            let degree = indegree.entry(child).or_default();
            *degree -= 1;
            if *degree == 0 {
                let (depth, ts) = key(child)?;
                heap.push(Reverse((depth, ts, child)));
            }
        }
    }
    if order.len() != raw.len() {
        return Err(RoomFileError::Cycle);
    }
    Ok(order)
}
