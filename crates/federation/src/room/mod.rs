//! [`Room`]: a room's events and state as a receiving server keeps them (steps 4–6 of the checks
//! on receipt of a PDU), and the events it creates.

mod build;
mod state;

use std::collections::BTreeSet;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use matrix_auth_rules::{
    Event, PduEvent, Rejection, check_against_state, check_event, implied_create_event_id,
    room_id_of,
};
use matrix_event_format::RoomVersion;
use matrix_state_res::{ResolveError, StateMap, resolve};

use state::{Provider, StateView, event_id_at};

pub use build::BuildError;

/// What became of an event given to [`Room::receive`].
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Authorized by its auth events, the state before it and the current state: part of the
    /// room, a forward extremity, shown to clients.
    Accepted,
    /// Authorized by its auth events and the state before it, but not by the current state:
    /// kept (it counts for state resolution when later events reference it) but not shown
    /// to clients nor used as a prev event.
    SoftFailed(Rejection),
    /// Not authorized by its auth events or the state before it: kept as rejected, never
    /// part of the state, never used as a prev or auth event.
    Rejected(Rejection),
    /// The room already has it.
    Duplicate,
}

/// How the room holds an event.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Accepted,
    SoftFailed(Rejection),
    Rejected(Rejection),
    /// Known without its place in the room's history (state or auth events received for a
    /// join or a gap), authorized against its own auth events.
    Outlier,
}

/// An event the room holds, with its status and (unless an outlier) the state before and
/// after it.
#[derive(Clone, Debug)]
pub struct StoredEvent {
    pub event: PduEvent,
    pub status: Status,
    state_before: Option<Arc<StateMap>>,
    state_after: Option<Arc<StateMap>>,
}

impl StoredEvent {
    pub fn state_before(&self) -> Option<&StateMap> {
        self.state_before.as_deref()
    }

    pub fn state_after(&self) -> Option<&StateMap> {
        self.state_after.as_deref()
    }
}

/// Why an event cannot be processed yet, or at all.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RoomError {
    /// The event belongs to another room.
    #[error("event {event_id} is in room {found}, not in this room")]
    WrongRoom { event_id: String, found: String },
    /// Auth events the room does not have: fetch them (`/event_auth`, `/event`) first.
    #[error("auth events unknown: {0:?}")]
    MissingAuthEvents(Vec<String>),
    /// Prev events the room does not have in its history: fill the gap
    /// (`/get_missing_events`) or give the state before the event
    /// ([`Room::receive_with_state`], from `/state_ids`).
    #[error("prev events unknown: {0:?}")]
    MissingPrevEvents(Vec<String>),
    /// Events of a state given to [`Room::receive_with_state`] that the room does not have or
    /// rejected.
    #[error("state events unknown or rejected: {0:?}")]
    UnusableStateEvents(Vec<String>),
    /// State resolution failed (an event of another room among the states).
    #[error(transparent)]
    Resolve(#[from] ResolveError),
}

/// One room as a federating server holds it: every event it knows, the state before and after
/// each event of its history, the forward extremities and the current state (resolved across
/// them).
///
/// Events arrive checked by [`pdu`](crate::pdu) (signatures, hashes). [`receive`](Self::receive)
/// applies the authorization rules three times, as the spec's checks on receipt say: against
/// the event's auth events and against the state before it (else [`Outcome::Rejected`]), then
/// against the current state (else [`Outcome::SoftFailed`]). The state before an event with
/// several prev events is their states resolved (`matrix-state-res`).
#[derive(Debug)]
pub struct Room {
    version: &'static RoomVersion,
    room_id: String,
    events: HashMap<String, StoredEvent>,
    extremities: BTreeSet<String>,
    /// Prev events of accepted events that were not in the history then (only those can still
    /// be received): an event referenced so is never an extremity.
    referenced: HashSet<String>,
    current: Arc<StateMap>,
}

impl Room {
    /// An empty room.
    pub fn new(version: &'static RoomVersion, room_id: impl Into<String>) -> Self {
        Room {
            version,
            room_id: room_id.into(),
            events: HashMap::new(),
            extremities: BTreeSet::new(),
            referenced: HashSet::new(),
            current: Arc::default(),
        }
    }

    pub fn version(&self) -> &'static RoomVersion {
        self.version
    }

    pub fn room_id(&self) -> &str {
        &self.room_id
    }

    /// The event with this ID, if the room has it.
    pub fn event(&self, event_id: &str) -> Option<&StoredEvent> {
        self.events.get(event_id)
    }

    pub fn contains(&self, event_id: &str) -> bool {
        self.events.contains_key(event_id)
    }

    /// Every event the room holds, in no order.
    pub fn events(&self) -> impl Iterator<Item = &StoredEvent> {
        self.events.values()
    }

    /// The accepted events no other accepted event follows: the prev events of a new event.
    pub fn extremities(&self) -> &BTreeSet<String> {
        &self.extremities
    }

    /// The current state: the states after the forward extremities, resolved.
    pub fn current_state(&self) -> &StateMap {
        &self.current
    }

    /// The event of the current state for `(event_type, state_key)`.
    pub fn current_event(&self, event_type: &str, state_key: &str) -> Option<&PduEvent> {
        let id = event_id_at(&self.current, event_type, state_key)?;
        self.events.get(id).map(|stored| &stored.event)
    }

    /// The prev events of `event` whose state the room does not know.
    pub fn missing_prev_events(&self, event: &impl Event) -> Vec<String> {
        event
            .prev_event_ids()
            .filter(|id| self.events.get(*id).is_none_or(|s| s.state_after.is_none()))
            .map(str::to_owned)
            .collect()
    }

    /// The auth events of `event` (and in v12 its implied create event) the room lacks.
    pub fn missing_auth_events(&self, event: &impl Event) -> Vec<String> {
        let implied = implied_create_event_id(self.version, event);
        event
            .auth_event_ids()
            .chain(implied.as_deref())
            .filter(|id| !self.events.contains_key(*id))
            .map(str::to_owned)
            .collect()
    }

    /// Adds events known without their place in history (the state and auth chain of a join,
    /// or the state at a gap): each is checked against its own auth events, which must be
    /// among `events` or in the room. Processed auth events first; either all are added, or
    /// none and the missing auth events are named. Returns the status of each new event.
    pub fn insert_outliers(
        &mut self,
        events: Vec<PduEvent>,
    ) -> Result<Vec<(String, Status)>, RoomError> {
        let mut pending: HashMap<String, PduEvent> = HashMap::new();
        for event in events {
            self.check_room(&event)?;
            if !self.events.contains_key(event.event_id()) {
                pending.insert(event.event_id().to_owned(), event);
            }
        }
        let missing: BTreeSet<String> = pending
            .values()
            .flat_map(|event| self.missing_auth_events(event))
            .filter(|id| !pending.contains_key(id))
            .collect();
        if !missing.is_empty() {
            return Err(RoomError::MissingAuthEvents(missing.into_iter().collect()));
        }
        let mut results = Vec::with_capacity(pending.len());
        let version = self.version;
        let order = topological_order(&pending, |event| {
            let implied = implied_create_event_id(version, event);
            event
                .auth_event_ids()
                .map(str::to_owned)
                .chain(implied)
                .collect()
        });
        for id in order {
            let Some(mut event) = pending.remove(&id) else {
                continue;
            };
            let status = {
                let fetch = |id: &str| self.events.get(id).map(|stored| &stored.event);
                let no_state: Option<&StateView<'_>> = None;
                match check_event(self.version, &event, fetch, no_state) {
                    Ok(()) => Status::Outlier,
                    Err(rejection) => Status::Rejected(rejection),
                }
            };
            event.set_rejected(matches!(status, Status::Rejected(_)));
            results.push((id.clone(), status.clone()));
            self.events.insert(
                id,
                StoredEvent {
                    event,
                    status,
                    state_before: None,
                    state_after: None,
                },
            );
        }
        Ok(results)
    }

    /// Processes an event whose prev events the room has in its history: the state before it
    /// is theirs, resolved; then the authorization checks, as the type documents.
    pub fn receive(&mut self, event: PduEvent) -> Result<Outcome, RoomError> {
        if self.is_known_in_history(event.event_id()) {
            return Ok(Outcome::Duplicate);
        }
        self.check_room(&event)?;
        let missing = self.missing_auth_events(&event);
        if !missing.is_empty() {
            return Err(RoomError::MissingAuthEvents(missing));
        }
        let missing = self.missing_prev_events(&event);
        if !missing.is_empty() {
            return Err(RoomError::MissingPrevEvents(missing));
        }
        let state_before = self.resolved(event.prev_event_ids())?;
        self.apply(event, state_before)
    }

    /// Processes events fetched to fill a gap (`/get_missing_events`, `/event`) in their
    /// topological order: each after its prev events among `events` (by depth where the graph
    /// leaves a choice), each like [`receive`](Self::receive). Returns every event's result;
    /// one whose prev events are still unknown fails with [`RoomError::MissingPrevEvents`] and
    /// the others go on.
    pub fn receive_batch(
        &mut self,
        events: Vec<PduEvent>,
    ) -> Vec<(String, Result<Outcome, RoomError>)> {
        let mut pending: HashMap<String, PduEvent> = events
            .into_iter()
            .map(|event| (event.event_id().to_owned(), event))
            .collect();
        let order = topological_order(&pending, |event| {
            event.prev_event_ids().map(str::to_owned).collect()
        });
        order
            .into_iter()
            .filter_map(|id| {
                let event = pending.remove(&id)?;
                Some((id, self.receive(event)))
            })
            .collect()
    }

    /// Processes an event with the state before it given (from `/state_ids`, or the state a
    /// resident server sent with a join), when its prev events are not in the room's history.
    /// The state's events must be in the room (as outliers, say) and not rejected.
    pub fn receive_with_state(
        &mut self,
        event: PduEvent,
        state_before: StateMap,
    ) -> Result<Outcome, RoomError> {
        if self.is_known_in_history(event.event_id()) {
            return Ok(Outcome::Duplicate);
        }
        self.check_room(&event)?;
        let missing = self.missing_auth_events(&event);
        if !missing.is_empty() {
            return Err(RoomError::MissingAuthEvents(missing));
        }
        let unusable: Vec<String> = state_before
            .values()
            .filter(|id| {
                self.events
                    .get(*id)
                    .is_none_or(|stored| stored.event.rejected())
            })
            .cloned()
            .collect();
        if !unusable.is_empty() {
            return Err(RoomError::UnusableStateEvents(unusable));
        }
        self.apply(event, Arc::new(state_before))
    }

    /// Whether the event is in the room's history (outliers are not).
    fn is_known_in_history(&self, event_id: &str) -> bool {
        self.events
            .get(event_id)
            .is_some_and(|stored| stored.state_after.is_some())
    }

    fn check_room(&self, event: &PduEvent) -> Result<(), RoomError> {
        let room = room_id_of(event);
        if room.as_deref() == Some(self.room_id.as_str()) {
            Ok(())
        } else {
            Err(RoomError::WrongRoom {
                event_id: event.event_id().to_owned(),
                found: room.unwrap_or_default().into_owned(),
            })
        }
    }

    /// The states after `event_ids` (which must have them), resolved.
    fn resolved<'a>(
        &self,
        event_ids: impl Iterator<Item = &'a str>,
    ) -> Result<Arc<StateMap>, RoomError> {
        let mut states: Vec<&Arc<StateMap>> = event_ids
            .filter_map(|id| self.events.get(id)?.state_after.as_ref())
            .collect();
        states.dedup_by(|a, b| Arc::ptr_eq(a, b));
        match states.as_slice() {
            [] => Ok(Arc::default()),
            [only] => Ok(Arc::clone(only)),
            _ if states.windows(2).all(|w| w[0] == w[1]) => Ok(Arc::clone(states[0])),
            _ => {
                let sets: Vec<StateMap> = states.iter().map(|s| StateMap::clone(s)).collect();
                let state = resolve(self.version, &sets, &Provider(&self.events))?.to_state_map();
                Ok(Arc::new(state))
            }
        }
    }

    /// Steps 4–6 against the known state before `event`, then stores it.
    fn apply(
        &mut self,
        mut event: PduEvent,
        state_before: Arc<StateMap>,
    ) -> Result<Outcome, RoomError> {
        let verdict = {
            let fetch = |id: &str| self.events.get(id).map(|stored| &stored.event);
            let view = StateView {
                state: &state_before,
                events: &self.events,
            };
            check_event(self.version, &event, fetch, Some(&view))
        };
        let id = event.event_id().to_owned();
        if let Err(rejection) = verdict {
            event.set_rejected(true);
            self.events.insert(
                id,
                StoredEvent {
                    event,
                    status: Status::Rejected(rejection.clone()),
                    state_after: Some(Arc::clone(&state_before)),
                    state_before: Some(state_before),
                },
            );
            return Ok(Outcome::Rejected(rejection));
        }
        let state_after = match event.state_key() {
            Some(state_key) => {
                let mut state = StateMap::clone(&state_before);
                state.insert(
                    (event.event_type().to_owned(), state_key.to_owned()),
                    id.clone(),
                );
                Arc::new(state)
            }
            None => Arc::clone(&state_before),
        };
        let outcome = match self.soft_failure(&event, &state_before)? {
            Some(rejection) => Outcome::SoftFailed(rejection),
            None => Outcome::Accepted,
        };
        let status = match &outcome {
            Outcome::SoftFailed(rejection) => Status::SoftFailed(rejection.clone()),
            _ => Status::Accepted,
        };
        if outcome == Outcome::Accepted {
            for prev in event.prev_event_ids() {
                self.extremities.remove(prev);
                if !self.is_known_in_history(prev) {
                    self.referenced.insert(prev.to_owned());
                }
            }
            if !self.referenced.contains(&id) {
                self.extremities.insert(id.clone());
            }
        }
        self.events.insert(
            id,
            StoredEvent {
                event,
                status,
                state_before: Some(state_before),
                state_after: Some(state_after),
            },
        );
        if outcome == Outcome::Accepted {
            self.current = self.resolved(self.extremities.iter().map(String::as_str))?;
        }
        Ok(outcome)
    }

    /// Step 6: the rules against the current state, which is the forward extremities' states
    /// and the state before the event, resolved. Nothing to check when the event follows
    /// exactly the forward extremities (its state is the current state).
    fn soft_failure(
        &self,
        event: &PduEvent,
        state_before: &Arc<StateMap>,
    ) -> Result<Option<Rejection>, RoomError> {
        // The prev events, as a set, are the extremities (no set is built: there are few).
        let follows_extremities = self.extremities.len() <= event.prev_event_ids().count()
            && event
                .prev_event_ids()
                .all(|id| self.extremities.contains(id))
            && self
                .extremities
                .iter()
                .all(|id| event.prev_event_ids().any(|prev| prev == id));
        if follows_extremities || self.extremities.is_empty() {
            return Ok(None);
        }
        let mut sets: Vec<StateMap> = self
            .extremities
            .iter()
            .filter_map(|id| self.events.get(id)?.state_after.as_deref().cloned())
            .collect();
        sets.push(StateMap::clone(state_before));
        let current = resolve(self.version, &sets, &Provider(&self.events))?.to_state_map();
        let view = StateView {
            state: &current,
            events: &self.events,
        };
        Ok(check_against_state(self.version, event, &view).err())
    }
}

/// The IDs of `pending` with each event after the events `before` names (among `pending`),
/// shallower events first where that leaves a choice; events in a cycle (which cannot be
/// valid) come after the rest of it.
fn topological_order(
    pending: &HashMap<String, PduEvent>,
    before: impl Fn(&PduEvent) -> Vec<String>,
) -> Vec<String> {
    let mut order = Vec::with_capacity(pending.len());
    let mut placed: HashSet<&str> = HashSet::with_capacity(pending.len());
    let mut roots: Vec<(i64, &str)> = pending
        .iter()
        .map(|(id, event)| (event.depth(), id.as_str()))
        .collect();
    roots.sort_unstable();
    // Iterative depth-first walk: an event is placed once the events before it are.
    for (_, root) in roots {
        let mut stack = vec![(root, false)];
        let mut on_path: HashSet<&str> = HashSet::new();
        while let Some((id, expanded)) = stack.pop() {
            if placed.contains(id) {
                continue;
            }
            if expanded {
                on_path.remove(id);
                placed.insert(id);
                order.push(id.to_owned());
                continue;
            }
            if !on_path.insert(id) {
                continue;
            }
            stack.push((id, true));
            if let Some(event) = pending.get(id) {
                for earlier in before(event) {
                    if let Some((key, _)) = pending.get_key_value(&earlier) {
                        if !placed.contains(key.as_str()) && !on_path.contains(key.as_str()) {
                            stack.push((key.as_str(), false));
                        }
                    }
                }
            }
        }
    }
    order
}
