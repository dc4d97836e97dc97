//! [`ResolvedState`]: what resolution returns, borrowed from its inputs.

use crate::{StateKey, StateMap};

/// One entry of a [`ResolvedState`]: `((event type, state key), event ID)`.
pub type StateEntry<'a> = ((&'a str, &'a str), &'a str);

/// A resolved room state: state key → event ID, in key order (as a [`StateMap`] iterates).
///
/// Its strings are borrowed from what it was resolved from: the state sets' keys and IDs, and
/// the events' types, state keys and IDs. Resolution copies no string; a caller that keeps the
/// state past its inputs makes an owned copy with [`to_state_map`](Self::to_state_map).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ResolvedState<'a> {
    /// Sorted by key, each key once.
    entries: Vec<StateEntry<'a>>,
}

impl<'a> ResolvedState<'a> {
    /// The state of `entries`, which must be sorted by key with each key once.
    pub(crate) fn from_sorted(entries: Vec<StateEntry<'a>>) -> Self {
        debug_assert!(entries.windows(2).all(|pair| pair[0].0 < pair[1].0));
        ResolvedState { entries }
    }

    /// The event ID of a state key, if the state has one.
    pub fn get(&self, event_type: &str, state_key: &str) -> Option<&'a str> {
        self.entries
            .binary_search_by(|((t, k), _)| (*t, *k).cmp(&(event_type, state_key)))
            .ok()
            .map(|index| self.entries[index].1)
    }

    /// The number of state keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the state is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in key order.
    pub fn iter(&self) -> std::iter::Copied<std::slice::Iter<'_, StateEntry<'a>>> {
        self.entries.iter().copied()
    }

    /// The entries, in key order, as a slice.
    pub fn as_slice(&self) -> &[StateEntry<'a>] {
        &self.entries
    }

    /// An owned copy, which outlives the inputs.
    pub fn to_state_map(&self) -> StateMap {
        self.iter()
            .map(|((event_type, state_key), event_id)| {
                (owned_key(event_type, state_key), event_id.to_owned())
            })
            .collect()
    }
}

/// A state key as the pair of strings a [`StateEntry`] holds.
pub(crate) fn borrowed_key(key: &StateKey) -> (&str, &str) {
    (&key.0, &key.1)
}

fn owned_key(event_type: &str, state_key: &str) -> StateKey {
    (event_type.to_owned(), state_key.to_owned())
}

impl<'a> From<&'a StateMap> for ResolvedState<'a> {
    fn from(map: &'a StateMap) -> Self {
        ResolvedState::from_sorted(
            map.iter()
                .map(|(key, id)| (borrowed_key(key), id.as_str()))
                .collect(),
        )
    }
}

impl From<ResolvedState<'_>> for StateMap {
    fn from(state: ResolvedState<'_>) -> Self {
        state.to_state_map()
    }
}

impl PartialEq<StateMap> for ResolvedState<'_> {
    fn eq(&self, map: &StateMap) -> bool {
        self.len() == map.len()
            && self
                .iter()
                .zip(map)
                .all(|(((t, k), id), ((map_t, map_k), map_id))| {
                    t == map_t && k == map_k && id == map_id
                })
    }
}

impl PartialEq<ResolvedState<'_>> for StateMap {
    fn eq(&self, state: &ResolvedState<'_>) -> bool {
        state == self
    }
}

impl<'a> IntoIterator for ResolvedState<'a> {
    type Item = StateEntry<'a>;
    type IntoIter = std::vec::IntoIter<StateEntry<'a>>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'s, 'a> IntoIterator for &'s ResolvedState<'a> {
    type Item = StateEntry<'a>;
    type IntoIter = std::iter::Copied<std::slice::Iter<'s, StateEntry<'a>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, &str, &str)]) -> StateMap {
        entries
            .iter()
            .map(|&(t, k, id)| (owned_key(t, k), id.to_owned()))
            .collect()
    }

    #[test]
    fn a_borrowed_state_reads_and_copies_as_the_map_it_came_from() {
        let source = map(&[
            ("m.room.member", "@b:x", "$3"),
            ("m.room.create", "", "$1"),
            ("m.room.member", "@a:x", "$2"),
        ]);
        let state = ResolvedState::from(&source);
        assert_eq!(state.len(), 3);
        assert_eq!(state.get("m.room.member", "@a:x"), Some("$2"));
        assert_eq!(state.get("m.room.create", ""), Some("$1"));
        assert_eq!(state.get("m.room.member", "@c:x"), None);
        assert_eq!(state, source);
        assert_eq!(source, state);
        assert_eq!(state.to_state_map(), source);
        let keys: Vec<_> = state.iter().map(|(key, _)| key).collect();
        assert_eq!(
            keys,
            [
                ("m.room.create", ""),
                ("m.room.member", "@a:x"),
                ("m.room.member", "@b:x")
            ]
        );
    }

    #[test]
    fn states_differing_in_a_key_or_an_id_are_not_equal() {
        let source = map(&[("m.room.create", "", "$1"), ("m.room.name", "", "$2")]);
        let state = ResolvedState::from(&source);
        for other in [
            map(&[("m.room.create", "", "$1")]),
            map(&[("m.room.create", "", "$1"), ("m.room.name", "", "$9")]),
            map(&[("m.room.create", "", "$1"), ("m.room.topic", "", "$2")]),
        ] {
            assert_ne!(state, other);
        }
        assert!(ResolvedState::default().is_empty());
        assert_eq!(ResolvedState::default(), StateMap::new());
    }
}
