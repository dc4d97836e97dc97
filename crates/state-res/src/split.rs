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
    // Per set: whether its head holds the smallest key found so far in this step (valid from
    // `first`, the first set found at that key, on), so that the sets are compared once a step.
    let mut at = vec![false; sets.len()];
    loop {
        // The smallest key among the heads, and which sets are at it.
        let mut key: Option<&StateKey> = None;
        let mut first = 0;
        for (set, head) in heads.iter().enumerate() {
            let Some((head_key, _)) = head else {
                at[set] = false;
                continue;
            };
            at[set] = match key.map(|key| (*head_key).cmp(key)) {
                Some(std::cmp::Ordering::Greater) => false,
                Some(std::cmp::Ordering::Equal) => true,
                None | Some(std::cmp::Ordering::Less) => {
                    key = Some(head_key);
                    first = set;
                    true
                }
            };
        }
        let Some(key) = key else { break };
        let everywhere = first == 0 && at.iter().all(|&at| at);
        // The common case: every set has the key with the same event.
        if everywhere {
            let event = heads[0].map(|(_, id)| id);
            if heads.iter().all(|head| head.map(|(_, id)| id) == event) {
                if let Some(id) = event {
                    split.unconflicted.push((key, id));
                }
                for (head, iterator) in heads.iter_mut().zip(&mut iterators) {
                    *head = iterator.next();
                }
                continue;
            }
        }
        for (set, (head, iterator)) in heads.iter_mut().zip(&mut iterators).enumerate() {
            split.ids.push(match *head {
                Some((_, id)) if set >= first && at[set] => {
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
    use std::collections::BTreeSet;

    use matrix_test_support::Rng;

    use super::*;

    fn state(entries: &[(&str, &str)]) -> StateMap {
        entries
            .iter()
            .map(|(key, id)| ((key.to_string(), String::new()), id.to_string()))
            .collect()
    }

    /// Unconflicted entries, and conflicted keys with each set's event.
    type Owned = (
        Vec<(StateKey, String)>,
        Vec<(StateKey, Vec<Option<String>>)>,
    );

    /// What [`split_v2`] computes, key by key: each set's event, and whether they all agree.
    fn naive(sets: &[StateMap]) -> Owned {
        let keys: BTreeSet<&StateKey> = sets.iter().flat_map(StateMap::keys).collect();
        let (mut unconflicted, mut conflicted) = (Vec::new(), Vec::new());
        for key in keys {
            let ids: Vec<Option<String>> = sets.iter().map(|set| set.get(key).cloned()).collect();
            match &ids[0] {
                Some(id) if ids.iter().all(|other| other.as_ref() == Some(id)) => {
                    unconflicted.push((key.clone(), id.clone()))
                }
                _ => conflicted.push((key.clone(), ids)),
            }
        }
        (unconflicted, conflicted)
    }

    #[test]
    fn the_merge_agrees_with_a_key_by_key_split_on_random_sets() {
        let mut rng = Rng(11);
        let mut next = |n| rng.below(n);
        let mut conflicted_keys = 0;
        for _ in 0..300 {
            let sets: Vec<StateMap> = (0..1 + next(9))
                .map(|_| {
                    (0..next(12))
                        .map(|_| {
                            let key = (format!("t{}", next(3)), format!("@u{}", next(6)));
                            (key, format!("${}", next(3)))
                        })
                        .collect()
                })
                .collect();
            let split = split_v2(&sets);
            let unconflicted = split
                .unconflicted
                .iter()
                .map(|&(key, id)| (key.clone(), id.clone()))
                .collect();
            let conflicted = split
                .conflicted_ids()
                .map(|(key, ids)| (key.clone(), ids.iter().map(|id| id.cloned()).collect()))
                .collect();
            let found: Owned = (unconflicted, conflicted);
            conflicted_keys += found.1.len();
            assert_eq!(found, naive(&sets), "{sets:?}");
        }
        assert!(conflicted_keys > 1000, "{conflicted_keys} conflicted keys");
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
