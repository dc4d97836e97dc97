//! The room state built up during resolution: each `(event type, state_key)` is interned once,
//! and the state is a vector indexed by the key's index. The three keys every authorization
//! check reads (create, power levels, join rules) have fixed indices found without hashing.

use matrix_auth_rules::{CREATE, JOIN_RULES, POWER_LEVELS};

use crate::graph::Node;
use crate::interner::{Id, Interner};

/// Marks a key without an event in the state.
const UNSET: Node = Node::MAX;

/// The keys with fixed indices (`0..3`), all with the state key `""`.
const FIXED: [&str; 3] = [CREATE, POWER_LEVELS, JOIN_RULES];

/// A room state: interned state key → node.
pub(crate) struct WorkingState {
    keys: Interner,
    nodes: Vec<Node>,
    /// Per key: whether it belongs to the unconflicted state (which wins in the result).
    unconflicted: Vec<bool>,
}

impl WorkingState {
    /// An empty state with room for about `keys` state keys.
    pub fn with_capacity(keys: usize) -> Self {
        let mut state = WorkingState {
            keys: Interner::with_capacity(keys, keys * 32),
            nodes: Vec::with_capacity(keys),
            unconflicted: Vec::with_capacity(keys),
        };
        for event_type in FIXED {
            state.keys.intern((event_type, ""));
            state.nodes.push(UNSET);
            state.unconflicted.push(false);
        }
        state
    }

    /// The index of a key, added (without an event) if it is new.
    pub fn intern(&mut self, event_type: &str, state_key: &str) -> Id {
        if let Some(id) = fixed(event_type, state_key) {
            return id;
        }
        let (id, added) = self.keys.intern((event_type, state_key));
        if added {
            self.nodes.push(UNSET);
            self.unconflicted.push(false);
        }
        id
    }

    /// Interns a key of the unconflicted state.
    pub fn intern_unconflicted(&mut self, event_type: &str, state_key: &str) -> Id {
        let id = self.intern(event_type, state_key);
        self.unconflicted[id as usize] = true;
        id
    }

    /// The event for a key, if the state has one.
    pub fn get(&self, event_type: &str, state_key: &str) -> Option<Node> {
        let id = match fixed(event_type, state_key) {
            Some(id) => id,
            None => self.keys.find((event_type, state_key))?,
        };
        self.node(id)
    }

    /// Sets the event of an interned key.
    pub fn set(&mut self, id: Id, node: Node) {
        self.nodes[id as usize] = node;
    }

    /// Sets the event of a key.
    pub fn insert(&mut self, event_type: &str, state_key: &str, node: Node) {
        let id = self.intern(event_type, state_key);
        self.set(id, node);
    }

    fn node(&self, id: Id) -> Option<Node> {
        Some(self.nodes[id as usize]).filter(|&node| node != UNSET)
    }

    /// The keys outside the unconflicted state that hold an event, with it, in key order.
    pub fn resolved_entries(&self) -> Vec<((&str, &str), Node)> {
        let entries: Vec<((&str, &str), Node)> = (0..self.keys.len() as Id)
            .filter(|&id| !self.unconflicted[id as usize])
            .filter_map(|id| self.node(id).map(|node| (self.keys.key(id), node)))
            .collect();
        // Sorted as integers where they decide: the event type's rank among the few types
        // present and the state key's first eight bytes; the runs those leave equal by the
        // whole state key.
        let mut types: Vec<&str> = Vec::new();
        for ((event_type, _), _) in &entries {
            if !types.contains(event_type) {
                types.push(event_type);
            }
        }
        types.sort_unstable();
        let rank = |event_type: &str| types.binary_search(&event_type).unwrap_or_else(|at| at);
        let mut keyed: Vec<(usize, u64, u32)> = entries
            .iter()
            .enumerate()
            .map(|(index, ((event_type, state_key), _))| {
                (rank(event_type), prefix(state_key), index as u32)
            })
            .collect();
        keyed.sort_unstable();
        let state_key = |&(_, _, index): &(usize, u64, u32)| entries[index as usize].0.1;
        for run in keyed.chunk_by_mut(|a, b| a.0 == b.0 && a.1 == b.1) {
            if run.len() > 1 {
                run.sort_unstable_by(|a, b| state_key(a).cmp(state_key(b)));
            }
        }
        keyed
            .iter()
            .map(|&(_, _, index)| entries[index as usize])
            .collect()
    }
}

/// The first eight bytes of `text` (zero-padded) as a big-endian integer: ordered as the bytes
/// are, up to ties that only the whole strings decide.
fn prefix(text: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let head = &text.as_bytes()[..text.len().min(8)];
    bytes[..head.len()].copy_from_slice(head);
    u64::from_be_bytes(bytes)
}

/// The fixed index of a key, if it has one.
fn fixed(event_type: &str, state_key: &str) -> Option<Id> {
    if !state_key.is_empty() {
        return None;
    }
    match event_type {
        CREATE => Some(0),
        POWER_LEVELS => Some(1),
        JOIN_RULES => Some(2),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_keys_are_where_the_state_put_them() {
        let state = WorkingState::with_capacity(0);
        for (index, event_type) in FIXED.iter().enumerate() {
            assert_eq!(fixed(event_type, ""), Some(index as Id));
            assert_eq!(state.keys.key(index as Id), (*event_type, ""));
        }
        assert_eq!(fixed(CREATE, "x"), None);
    }

    #[test]
    fn resolved_entries_come_in_key_order() {
        let keys = [
            ("m.room.member", "@user0001:b"),
            ("m.room.topic", ""),
            ("m.room.member", "@user0001:a"),
            ("m.room.member", "@user0001"),
            ("m.room.member", "@user000"),
            ("m.room.member", "@user000\u{0}"),
            ("m.room.member", "@b"),
            ("m.room.name", ""),
            ("m.room.member", ""),
            ("m.room.create", ""),
            ("m.room.aliases", "x"),
        ];
        let mut state = WorkingState::with_capacity(keys.len());
        for (node, (event_type, state_key)) in keys.iter().enumerate() {
            state.insert(event_type, state_key, node as Node);
        }
        let unconflicted = state.intern_unconflicted("m.room.member", "@a");
        state.set(unconflicted, 99);
        let mut expected: Vec<_> = keys
            .iter()
            .enumerate()
            .map(|(node, key)| (*key, node as Node))
            .collect();
        expected.sort();
        assert_eq!(state.resolved_entries(), expected);
    }

    #[test]
    fn keys_hold_events_once_set() {
        let mut state = WorkingState::with_capacity(1);
        let member = state.intern_unconflicted("m.room.member", "@a:x");
        assert_eq!(state.get("m.room.member", "@a:x"), None);
        state.insert(CREATE, "", 3);
        state.insert("m.room.topic", "", 4);
        state.set(member, 7);
        assert_eq!(state.get("m.room.member", "@a:x"), Some(7));
        assert_eq!(state.get(CREATE, ""), Some(3));
        assert_eq!(state.get(POWER_LEVELS, ""), None);
        let entries = state.resolved_entries();
        assert_eq!(entries, [((CREATE, ""), 3), (("m.room.topic", ""), 4)]);
    }
}
