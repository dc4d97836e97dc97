//! Strings interned as dense indices: pairs (the working state's `(event type, state_key)`) and
//! event IDs (the auth graph's nodes).
//!
//! The key bytes live in one arena. Keys borrowed from events scattered over the heap made these
//! lookups ~40 % of a resolution: every comparison followed a pointer to memory no longer in
//! cache. State keys (short) are compared inline, a word at a time; event IDs (44 bytes in room
//! versions 4 and up) by the C library's vectorised `memcmp`, which takes fewer instructions for
//! them than words do.

use std::cell::Cell;
use std::hash::BuildHasher;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

/// The index of an interned key.
pub(crate) type Id = u32;

pub(crate) struct Interner {
    /// The keys found or added last, by [`key_slot`]: state keys repeat (the admins' and the
    /// senders' memberships), and a hit here needs no hash. `Id::MAX` marks an empty slot.
    recent: [Cell<Id>; RECENT_KEYS],
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
            recent: [const { Cell::new(Id::MAX) }; RECENT_KEYS],
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
    #[inline]
    pub fn find(&self, key: (&str, &str)) -> Option<Id> {
        let slot = &self.recent[key_slot(key)];
        let cached = slot.get();
        if cached != Id::MAX && same_key(self.key(cached), key) {
            return Some(cached);
        }
        let hash = key_hash(&self.hasher, key);
        let found = *self.table.find(hash, |&id| same_key(self.key(id), key))?;
        slot.set(found);
        Some(found)
    }

    /// The index of `key`, and whether it was added now.
    #[inline]
    pub fn intern(&mut self, key: (&str, &str)) -> (Id, bool) {
        let slot = key_slot(key);
        let cached = self.recent[slot].get();
        if cached != Id::MAX && same_key(self.key(cached), key) {
            return (cached, false);
        }
        let found = self.intern_hashed(key);
        self.recent[slot].set(found.0);
        found
    }

    /// [`intern`](Self::intern) past the cache of recent keys.
    #[inline(never)]
    fn intern_hashed(&mut self, key: (&str, &str)) -> (Id, bool) {
        let hash = key_hash(&self.hasher, key);
        let Interner {
            table,
            spans,
            arena,
            hasher,
            ..
        } = self;
        let entry = table.entry(
            hash,
            |&id| same_key(part(spans, arena, id), key),
            |&id| key_hash(hasher, part(spans, arena, id)),
        );
        match entry {
            Entry::Occupied(found) => (*found.get(), false),
            Entry::Vacant(slot) => {
                let id = spans.len() as Id;
                let start = arena.len() as u32;
                arena.push_str(key.0);
                let middle = arena.len() as u32;
                arena.push_str(key.1);
                spans.push((start, middle, arena.len() as u32));
                slot.insert(id);
                (id, true)
            }
        }
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

/// A key's hash: the state key's bytes, with the event type's length and last (up to) eight
/// bytes, which tell the few types a state has apart, as one word rather than more bytes.
#[inline]
fn key_hash(hasher: &foldhash::fast::RandomState, (event_type, state_key): (&str, &str)) -> u64 {
    let bytes = event_type.as_bytes();
    let tail = match bytes.last_chunk::<8>() {
        Some(last) => u64::from_le_bytes(*last),
        None => bytes
            .iter()
            .fold(0u64, |word, &byte| (word << 8) | u64::from(byte)),
    };
    hasher.hash_one((tail ^ ((bytes.len() as u64) << 56), state_key))
}

fn same_key(a: (&str, &str), b: (&str, &str)) -> bool {
    same(a.0.as_bytes(), b.0.as_bytes()) && same(a.1.as_bytes(), b.1.as_bytes())
}

/// Byte equality a word at a time, inline: state keys are short, and a call into the C
/// library's `memcmp` per lookup cost more than the rest of the lookup. The bytes after the last whole
/// word are compared as the last eight bytes (overlapping the word before), not one by one.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let word = |chunk: &[u8]| <[u8; 8]>::try_from(chunk).map(u64::from_ne_bytes).ok();
    match (a.last_chunk::<8>(), b.last_chunk::<8>()) {
        (Some(a_last), Some(b_last)) => {
            a_last == b_last
                && a.chunks_exact(8)
                    .zip(b.chunks_exact(8))
                    .all(|(x, y)| word(x) == word(y))
        }
        // Shorter than a word: the first and last four bytes (overlapping), or byte by byte.
        _ => match (a.first_chunk::<4>(), b.first_chunk::<4>()) {
            (Some(a_first), Some(b_first)) => {
                a_first == b_first && a.last_chunk::<4>() == b.last_chunk::<4>()
            }
            _ => a.iter().zip(b).all(|(x, y)| x == y),
        },
    }
}

/// Event IDs interned as dense indices: the IDs' bytes in one arena.
/// Most auth edges point at a few events (the create, power levels and join rules events, the
/// admins' memberships), so a small cache of recent IDs, checked byte for byte, answers most
/// lookups without hashing the ID.
pub(crate) struct Ids {
    recent: [Id; RECENT],
    table: HashTable<Id>,
    /// Where each ID ends in `arena` (it starts where the previous one ends).
    ends: Vec<u32>,
    /// Each ID's hash, so that growing the table does not hash the IDs again.
    hashes: Vec<u64>,
    arena: String,
    hasher: foldhash::fast::RandomState,
}

impl Ids {
    /// An empty table with room for about `ids` IDs.
    pub fn with_capacity(ids: usize) -> Self {
        Ids {
            recent: [Id::MAX; RECENT],
            table: HashTable::with_capacity(ids),
            ends: Vec::with_capacity(ids),
            hashes: Vec::with_capacity(ids),
            arena: String::with_capacity(ids * 44),
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The index of `id`, if interned.
    pub fn find(&self, id: &str) -> Option<Id> {
        let hash = self.hasher.hash_one(id);
        let found = self.table.find(hash, |&i| {
            bytes(&self.ends, &self.arena, i) == id.as_bytes()
        });
        found.copied()
    }

    /// The index of `id`, and whether it was added now.
    #[inline]
    pub fn intern(&mut self, id: &str) -> (Id, bool) {
        let slot = recent_slot(id);
        let cached = self.recent[slot];
        if cached != Id::MAX && bytes(&self.ends, &self.arena, cached) == id.as_bytes() {
            return (cached, false);
        }
        self.intern_hashed(id, slot)
    }

    /// [`intern`](Self::intern) past the cache of recent IDs: kept out of line, so that the
    /// cache's hits (most lookups) do not pay for the table's registers.
    #[inline(never)]
    fn intern_hashed(&mut self, id: &str, slot: usize) -> (Id, bool) {
        let hash = self.hasher.hash_one(id);
        let Ids {
            recent,
            table,
            ends,
            hashes,
            arena,
            ..
        } = self;
        let entry = table.entry(
            hash,
            |&i| bytes(ends, arena, i) == id.as_bytes(),
            |&i| hashes[i as usize],
        );
        let found = match entry {
            Entry::Occupied(found) => (*found.get(), false),
            Entry::Vacant(vacant) => {
                let index = ends.len() as Id;
                arena.push_str(id);
                ends.push(arena.len() as u32);
                hashes.push(hash);
                vacant.insert(index);
                (index, true)
            }
        };
        recent[slot] = found.0;
        found
    }

    /// The ID with index `index`.
    #[inline]
    pub fn get(&self, index: Id) -> &str {
        text(&self.ends, &self.arena, index)
    }
}

/// Slots of the cache of recent IDs.
const RECENT: usize = 1024;

/// Slots of the cache of recent state keys.
const RECENT_KEYS: usize = 256;

/// An ID's slot in the cache: from the (up to) eight bytes after the sigil, random in hashed
/// IDs; IDs that are not share slots more often, which costs hits, not correctness.
#[inline]
fn recent_slot(id: &str) -> usize {
    slot(after_sigil(id), RECENT)
}

/// A state key's slot in the cache of recent keys: the (up to) eight bytes after the user ID's
/// sigil, with the event type's length.
#[inline]
fn key_slot((event_type, state_key): (&str, &str)) -> usize {
    slot(
        after_sigil(state_key) ^ event_type.len() as u64,
        RECENT_KEYS,
    )
}

/// The (up to) eight bytes after the first as a word, zero-padded.
#[inline]
fn after_sigil(text: &str) -> u64 {
    let bytes = text.as_bytes();
    match bytes.get(1..9) {
        Some(next) => <[u8; 8]>::try_from(next).map_or(0, u64::from_le_bytes),
        // Shorter strings (test rooms' `$1`, `$e42`): the bytes there are, zero-padded.
        None => {
            let mut padded = [0u8; 8];
            let tail = bytes.get(1..).unwrap_or_default();
            padded[..tail.len()].copy_from_slice(tail);
            u64::from_le_bytes(padded)
        }
    }
}

/// One of `slots` (a power of two) slots, by Fibonacci hashing of `word`.
#[inline]
fn slot(word: u64, slots: usize) -> usize {
    (word.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - slots.trailing_zeros())) as usize
}

#[inline]
fn bounds(ends: &[u32], index: Id) -> (usize, usize) {
    let index = index as usize;
    let start = if index == 0 { 0 } else { ends[index - 1] };
    (start as usize, ends[index] as usize)
}

#[inline]
fn bytes<'s>(ends: &[u32], arena: &'s str, index: Id) -> &'s [u8] {
    let (start, end) = bounds(ends, index);
    &arena.as_bytes()[start..end]
}

#[inline]
fn text<'s>(ends: &[u32], arena: &'s str, index: Id) -> &'s str {
    let (start, end) = bounds(ends, index);
    &arena[start..end]
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
    fn keys_sharing_a_cache_slot_keep_their_own_indices() {
        let mut keys = Interner::with_capacity(1, 1);
        // Same state key, event types of the same length: the same slot of the recent cache.
        let (a, b) = (("m.room.member", "@alice:x"), ("m.room.create", "@alice:x"));
        assert_eq!(key_slot(a), key_slot(b));
        let (first, _) = keys.intern(a);
        let (second, added) = keys.intern(b);
        assert!(added);
        for _ in 0..3 {
            assert_eq!(keys.find(a), Some(first));
            assert_eq!(keys.intern(b), (second, false));
            assert_eq!(keys.intern(a), (first, false));
            assert_eq!(keys.find(b), Some(second));
        }
        assert_eq!(keys.find(("m.room.topic", "@alice:x")), None);
        assert_eq!(keys.len(), 2);
    }

    #[test]
    fn ids_are_interned_once() {
        let mut ids = Ids::with_capacity(1);
        assert_eq!(ids.intern("$a"), (0, true));
        assert_eq!(ids.intern("$bb"), (1, true));
        assert_eq!(ids.intern("$a"), (0, false));
        assert_eq!(ids.find("$bb"), Some(1));
        assert_eq!(ids.find("$b"), None);
        assert_eq!((ids.get(0), ids.get(1), ids.len()), ("$a", "$bb", 2));
    }

    #[test]
    fn short_ids_spread_over_the_recent_cache() {
        let slots: std::collections::BTreeSet<usize> = (0..RECENT)
            .map(|n| recent_slot(&format!("$e{n}")))
            .collect();
        assert!(slots.len() > RECENT / 2, "{} slots", slots.len());
        assert_eq!(recent_slot(""), recent_slot("$"));
    }

    #[test]
    fn equality_reads_every_byte_at_every_length() {
        for len in 0..=40 {
            let a: Vec<u8> = (0..len as u8).map(|i| b'a' + i % 26).collect();
            assert!(same(&a, &a.clone()), "length {len}");
            for at in 0..len {
                let mut b = a.clone();
                b[at] ^= 0x20;
                assert!(!same(&a, &b), "length {len}, byte {at}");
            }
            assert!(!same(&a, &a[..len.saturating_sub(1)]) || len == 0);
        }
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
