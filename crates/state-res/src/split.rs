//! Splitting state sets into the unconflicted state map and the conflicted state set, by a
//! merge of the (sorted) state maps.

use crate::{StateKey, StateMap};

/// Unconflicted `(key, event ID)` pairs and conflicted keys with each state set's event, both in
/// key order.
pub(crate) struct Split<'a> {
    pub unconflicted: Vec<(&'a StateKey, &'a String)>,
    pub conflicted: Vec<&'a StateKey>,
    /// Per conflicted key, the event of each state set (`None` where the set lacks the key).
    ids: Vec<Option<&'a String>>,
    sets: usize,
}

impl<'a> Split<'a> {
    /// The conflicted keys with each state set's event.
    pub fn conflicted_ids(&self) -> impl Iterator<Item = (&'a StateKey, &[Option<&'a String>])> {
        self.conflicted
            .iter()
            .copied()
            .zip(self.ids.chunks(self.sets.max(1)))
    }
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
        conflicted: Vec::with_capacity(largest),
        ids: Vec::with_capacity(largest * sets.len()),
        sets: sets.len(),
    };
    loop {
        // The smallest key among the heads, and whether every set is at it.
        let mut key: Option<&StateKey> = None;
        let mut everywhere = true;
        for (head_key, _) in heads.iter().flatten() {
            match key.map(|key| (*head_key).cmp(key)) {
                None => key = Some(head_key),
                Some(std::cmp::Ordering::Less) => {
                    key = Some(head_key);
                    everywhere = false;
                }
                Some(std::cmp::Ordering::Equal) => {}
                Some(std::cmp::Ordering::Greater) => everywhere = false,
            }
        }
        let Some(key) = key else { break };
        everywhere &= heads.iter().all(Option::is_some);
        // The common case: every set has the key with the same event.
        if everywhere {
            let first = heads[0].map(|(_, id)| id);
            if heads.iter().all(|head| head.map(|(_, id)| id) == first) {
                if let Some(id) = first {
                    split.unconflicted.push((key, id));
                }
                for (head, iterator) in heads.iter_mut().zip(&mut iterators) {
                    *head = iterator.next();
                }
                continue;
            }
        }
        for (head, iterator) in heads.iter_mut().zip(&mut iterators) {
            split.ids.push(match *head {
                Some((head_key, id)) if everywhere || head_key == key => {
                    *head = iterator.next();
                    Some(id)
                }
                _ => None,
            });
        }
        split.conflicted.push(key);
    }
    split
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(entries: &[(&str, &str)]) -> StateMap {
        entries
            .iter()
            .map(|(key, id)| ((key.to_string(), String::new()), id.to_string()))
            .collect()
    }

    #[test]
    fn keys_missing_from_a_set_or_with_different_events_are_conflicted() {
        let sets = [
            state(&[("a", "$1"), ("b", "$2"), ("c", "$3")]),
            state(&[("a", "$1"), ("b", "$9"), ("d", "$4")]),
        ];
        let split = split_v2(&sets);
        let unconflicted: Vec<_> = split
            .unconflicted
            .iter()
            .map(|(k, id)| (k.0.as_str(), id.as_str()))
            .collect();
        assert_eq!(unconflicted, [("a", "$1")]);
        let conflicted: Vec<_> = split
            .conflicted_ids()
            .map(|(k, ids)| {
                (
                    k.0.as_str(),
                    ids.iter()
                        .map(|id| id.map(String::as_str))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(
            conflicted,
            [
                ("b", vec![Some("$2"), Some("$9")]),
                ("c", vec![Some("$3"), None]),
                ("d", vec![None, Some("$4")]),
            ]
        );
    }
}
