//! The room state built up during resolution, keyed by interned state keys.
//!
//! Each `(event type, state_key)` gets a dense index once; the state is then a vector indexed by
//! it. The key bytes live in one arena and are compared inline, a word at a time: with keys
//! borrowed from the events and compared by `memcmp`, state lookups took ~40% of a resolution.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use crate::graph::Node;

/// The index of an interned state key.
pub(crate) type KeyId = u32;

/// Marks a key without an event in the state.
const UNSET: Node = Node::MAX;

/// A room state: interned state key → node.
pub(crate) struct WorkingState {
    table: HashTable<KeyId>,
    /// Per key: start of its bytes in `arena`, and the lengths of the event type and state key.
    spans: Vec<(u32, u32, u32)>,
    arena: String,
    nodes: Vec<Node>,
    hasher: foldhash::fast::RandomState,
}

impl WorkingState {
    /// An empty state with room for about `keys` state keys.
    pub fn with_capacity(keys: usize) -> Self {
        WorkingState {
            table: HashTable::with_capacity(keys),
            spans: Vec::with_capacity(keys),
            arena: String::with_capacity(keys * 32),
            nodes: Vec::with_capacity(keys),
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    /// The index of a key, added (without an event) if it is new.
    pub fn intern(&mut self, event_type: &str, state_key: &str) -> KeyId {
        let hash = self.hasher.hash_one((event_type, state_key));
        let WorkingState {
            table,
            spans,
            arena,
            nodes,
            hasher,
        } = self;
        let key_at = |id: KeyId| key(spans, arena, id);
        if let Some(&id) = table.find(hash, |&id| same_key(key_at(id), (event_type, state_key))) {
            return id;
        }
        let id = spans.len() as KeyId;
        spans.push((
            arena.len() as u32,
            event_type.len() as u32,
            state_key.len() as u32,
        ));
        arena.push_str(event_type);
        arena.push_str(state_key);
        nodes.push(UNSET);
        table.insert_unique(hash, id, |&id| hasher.hash_one(key(spans, arena, id)));
        id
    }

    /// The event for a key, if the state has one.
    pub fn get(&self, event_type: &str, state_key: &str) -> Option<Node> {
        let hash = self.hasher.hash_one((event_type, state_key));
        let id = *self.table.find(hash, |&id| {
            same_key(key(&self.spans, &self.arena, id), (event_type, state_key))
        })?;
        self.node(id)
    }

    /// Sets the event of an interned key.
    pub fn set(&mut self, id: KeyId, node: Node) {
        self.nodes[id as usize] = node;
    }

    /// Sets the event of a key.
    pub fn insert(&mut self, event_type: &str, state_key: &str, node: Node) {
        let id = self.intern(event_type, state_key);
        self.set(id, node);
    }

    fn node(&self, id: KeyId) -> Option<Node> {
        Some(self.nodes[id as usize]).filter(|&node| node != UNSET)
    }

    /// The keys from index `first` on that hold an event, with it.
    pub fn entries_from(&self, first: KeyId) -> impl Iterator<Item = ((&str, &str), Node)> {
        (first..self.spans.len() as KeyId).filter_map(|id| {
            self.node(id)
                .map(|node| (key(&self.spans, &self.arena, id), node))
        })
    }
}

fn same_key(a: (&str, &str), b: (&str, &str)) -> bool {
    same(a.0.as_bytes(), b.0.as_bytes()) && same(a.1.as_bytes(), b.1.as_bytes())
}

/// Byte equality a word at a time, inline: keys are short, and a call into the C library's
/// `memcmp` per lookup cost more than the rest of the lookup.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let word = |chunk: &[u8]| <[u8; 8]>::try_from(chunk).map(u64::from_ne_bytes).ok();
    let mut a_words = a.chunks_exact(8);
    let mut b_words = b.chunks_exact(8);
    a_words
        .by_ref()
        .zip(b_words.by_ref())
        .all(|(x, y)| word(x) == word(y))
        && a_words
            .remainder()
            .iter()
            .zip(b_words.remainder())
            .all(|(x, y)| x == y)
}

fn key<'s>(spans: &[(u32, u32, u32)], arena: &'s str, id: KeyId) -> (&'s str, &'s str) {
    let (start, type_len, key_len) = spans[id as usize];
    let (start, middle) = (start as usize, (start + type_len) as usize);
    (
        &arena[start..middle],
        &arena[middle..middle + key_len as usize],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_interned_once_and_split_where_they_were_joined() {
        let mut state = WorkingState::with_capacity(1);
        let first = state.intern("m.room.member", "@a:x");
        let second = state.intern("m.room.membe", "r@a:x");
        assert_ne!(first, second);
        assert_eq!(state.intern("m.room.member", "@a:x"), first);
        assert_eq!(state.get("m.room.member", "@a:x"), None);
        state.set(second, 7);
        state.insert("m.room.create", "", 3);
        assert_eq!(state.get("m.room.membe", "r@a:x"), Some(7));
        assert_eq!(state.get("m.room.create", ""), Some(3));
        let entries: Vec<_> = state.entries_from(first + 1).collect();
        assert_eq!(
            entries,
            [(("m.room.membe", "r@a:x"), 7), (("m.room.create", ""), 3)]
        );
    }
}
