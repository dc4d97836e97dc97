//! The room state built up during resolution: each `(event type, state_key)` is interned once,
//! and the state is a vector indexed by the key's index.

use crate::graph::Node;
use crate::interner::{Id, Interner};

/// Marks a key without an event in the state.
const UNSET: Node = Node::MAX;

/// A room state: interned state key → node.
pub(crate) struct WorkingState {
    keys: Interner,
    nodes: Vec<Node>,
}

impl WorkingState {
    /// An empty state with room for about `keys` state keys.
    pub fn with_capacity(keys: usize) -> Self {
        WorkingState {
            keys: Interner::with_capacity(keys, keys * 32),
            nodes: Vec::with_capacity(keys),
        }
    }

    /// The index of a key, added (without an event) if it is new.
    pub fn intern(&mut self, event_type: &str, state_key: &str) -> Id {
        let (id, added) = self.keys.intern((event_type, state_key));
        if added {
            self.nodes.push(UNSET);
        }
        id
    }

    /// The event for a key, if the state has one.
    pub fn get(&self, event_type: &str, state_key: &str) -> Option<Node> {
        self.node(self.keys.find((event_type, state_key))?)
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

    /// The keys from index `first` on that hold an event, with it.
    pub fn entries_from(&self, first: Id) -> impl Iterator<Item = ((&str, &str), Node)> {
        (first..self.keys.len() as Id)
            .filter_map(|id| self.node(id).map(|node| (self.keys.key(id), node)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_hold_events_once_set() {
        let mut state = WorkingState::with_capacity(1);
        let member = state.intern("m.room.member", "@a:x");
        assert_eq!(state.get("m.room.member", "@a:x"), None);
        state.insert("m.room.create", "", 3);
        state.set(member, 7);
        assert_eq!(state.get("m.room.member", "@a:x"), Some(7));
        assert_eq!(state.get("m.room.create", ""), Some(3));
        let entries: Vec<_> = state.entries_from(member + 1).collect();
        assert_eq!(entries, [(("m.room.create", ""), 3)]);
    }
}
