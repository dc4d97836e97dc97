//! Pairs of strings (the working state's `(event type, state_key)`, the auth graph's
//! `(event ID, "")`) interned as dense indices for one resolution.
//!
//! The key bytes live in one arena and are compared inline, a word at a time. Keys borrowed
//! from events scattered over the heap, compared by `memcmp`, made these lookups ~40 % of a
//! resolution: every comparison followed a pointer to memory no longer in cache.

use std::hash::BuildHasher;

use hashbrown::HashTable;

/// The index of an interned key.
pub(crate) type Id = u32;

pub(crate) struct Interner {
    table: HashTable<Id>,
    /// Per key: where its first string starts, where its second starts, and where it ends.
    spans: Vec<(u32, u32, u32)>,
    arena: String,
    hasher: foldhash::fast::RandomState,
}

impl Interner {
    /// An empty interner with room for about `keys` keys of `bytes` bytes in all.
    pub fn with_capacity(keys: usize, bytes: usize) -> Self {
        Interner {
            table: HashTable::with_capacity(keys),
            spans: Vec::with_capacity(keys),
            arena: String::with_capacity(bytes),
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    /// How many keys there are (their indices are `0..len`).
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// The index of `key`, if interned.
    pub fn find(&self, key: (&str, &str)) -> Option<Id> {
        let hash = self.hasher.hash_one(key);
        let found = self.table.find(hash, |&id| same_key(self.key(id), key));
        found.copied()
    }

    /// The index of `key`, and whether it was added now.
    pub fn intern(&mut self, key: (&str, &str)) -> (Id, bool) {
        let hash = self.hasher.hash_one(key);
        let Interner {
            table,
            spans,
            arena,
            hasher,
        } = self;
        if let Some(&id) = table.find(hash, |&id| same_key(part(spans, arena, id), key)) {
            return (id, false);
        }
        let id = spans.len() as Id;
        let start = arena.len() as u32;
        arena.push_str(key.0);
        let middle = arena.len() as u32;
        arena.push_str(key.1);
        spans.push((start, middle, arena.len() as u32));
        table.insert_unique(hash, id, |&id| hasher.hash_one(part(spans, arena, id)));
        (id, true)
    }

    /// The key with index `id`.
    #[inline]
    pub fn key(&self, id: Id) -> (&str, &str) {
        part(&self.spans, &self.arena, id)
    }
}

#[inline]
fn part<'s>(spans: &[(u32, u32, u32)], arena: &'s str, id: Id) -> (&'s str, &'s str) {
    let (start, middle, end) = spans[id as usize];
    let (start, middle, end) = (start as usize, middle as usize, end as usize);
    (&arena[start..middle], &arena[middle..end])
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_interned_once_and_split_where_they_were_joined() {
        let mut keys = Interner::with_capacity(1, 1);
        let (member, added) = keys.intern(("m.room.member", "@a:x"));
        assert!(added);
        let (shifted, added) = keys.intern(("m.room.membe", "r@a:x"));
        assert!(added);
        assert_ne!(member, shifted);
        assert_eq!(keys.intern(("m.room.member", "@a:x")), (member, false));
        assert_eq!(keys.find(("m.room.membe", "r@a:x")), Some(shifted));
        assert_eq!(keys.find(("m.room.member", "@b:x")), None);
        assert_eq!(keys.key(shifted), ("m.room.membe", "r@a:x"));
        assert_eq!(keys.len(), 2);
    }

    #[test]
    fn long_keys_compare_every_word() {
        let mut keys = Interner::with_capacity(2, 64);
        let a = "$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let b = "$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab";
        let (first, _) = keys.intern((a, ""));
        let (second, added) = keys.intern((b, ""));
        assert!(added);
        assert_ne!(first, second);
        assert_eq!(keys.find((b, "")), Some(second));
    }
}
