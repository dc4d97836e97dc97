//! Splitting state sets into the unconflicted state map and the conflicted state set, by a
//! merge of the (sorted) state maps.

use crate::{StateKey, StateMap};

/// Unconflicted `(key, event ID)` pairs and conflicted keys with their distinct event IDs, both
/// in key order.
pub(crate) struct Split<'a> {
    pub unconflicted: Vec<(&'a StateKey, &'a String)>,
    pub conflicted: Vec<(&'a StateKey, Vec<&'a String>)>,
}

/// State resolution v2: a key is unconflicted if every state set has it with the same event;
/// otherwise its events are conflicted (a key missing from some set is conflicted too).
pub(crate) fn split_v2(sets: &[StateMap]) -> Split<'_> {
    let mut iterators: Vec<_> = sets.iter().map(|set| set.iter()).collect();
    let mut heads: Vec<Option<(&StateKey, &String)>> =
        iterators.iter_mut().map(Iterator::next).collect();
    let largest = sets.iter().map(StateMap::len).max().unwrap_or(0);
    let mut split = Split {
        unconflicted: Vec::with_capacity(largest),
        conflicted: Vec::new(),
    };
    let mut values: Vec<Option<&String>> = Vec::with_capacity(sets.len());
    while let Some(key) = heads.iter().flatten().map(|(key, _)| *key).min() {
        values.clear();
        for (head, iterator) in heads.iter_mut().zip(&mut iterators) {
            match *head {
                Some((head_key, id)) if head_key == key => {
                    values.push(Some(id));
                    *head = iterator.next();
                }
                _ => values.push(None),
            }
        }
        let first = values.first().copied().flatten();
        match first {
            Some(id) if values.iter().all(|value| *value == first) => {
                split.unconflicted.push((key, id));
            }
            _ => {
                let mut ids: Vec<&String> = values.iter().flatten().copied().collect();
                ids.sort_unstable();
                ids.dedup();
                split.conflicted.push((key, ids));
            }
        }
    }
    split
}
