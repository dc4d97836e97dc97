//! The room state built up during resolution: each `(event type, state_key)` is interned once,
//! and the state is a vector indexed by the key's index. The three keys every authorization
//! check reads (create, power levels, join rules) have fixed indices found without hashing.

use matrix_auth_rules::{AuthKey, CREATE, JOIN_RULES, MEMBER, POWER_LEVELS, THIRD_PARTY_INVITE};

use crate::graph::Node;
use crate::interner::{Id, Interner};
use crate::kind::Kind;

/// Marks a key without an event in the state.
const UNSET: Node = Node::MAX;

/// The keys with fixed indices (`0..3`), all with the state key `""`.
const FIXED: [&str; 3] = [CREATE, POWER_LEVELS, JOIN_RULES];
const CREATE_ID: Id = 0;
const POWER_LEVELS_ID: Id = 1;
const JOIN_RULES_ID: Id = 2;

/// A room state: interned state key → node.
pub(crate) struct WorkingState {
    keys: Interner,
    nodes: Vec<Node>,
    /// Per key: whether it belongs to the unconflicted state (which wins in the result).
    unconflicted: Vec<bool>,
    /// The conflicted keys, in key order.
    conflicted: Vec<Id>,
    /// The keys interned after the state sets' keys are `first_other..`.
    first_other: Id,
}

impl WorkingState {
    /// An empty state with room for about `keys` state keys.
    pub fn with_capacity(keys: usize) -> Self {
        let mut state = WorkingState {
            keys: Interner::with_capacity(keys, keys * 32),
            nodes: Vec::with_capacity(keys),
            unconflicted: Vec::with_capacity(keys),
            conflicted: Vec::new(),
            first_other: 0,
        };
        for event_type in FIXED {
            state.keys.intern((event_type, ""));
            state.nodes.push(UNSET);
            state.unconflicted.push(false);
        }
        state.first_other = FIXED.len() as Id;
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

    /// The index of the key of an event of `kind`, added if it is new: the kind names the fixed
    /// keys without comparing strings.
    pub fn intern_event_key(&mut self, kind: Kind, event_type: &str, state_key: &str) -> Id {
        match kind {
            Kind::Create => CREATE_ID,
            Kind::PowerLevels => POWER_LEVELS_ID,
            Kind::JoinRules => JOIN_RULES_ID,
            _ => self.intern(event_type, state_key),
        }
    }

    /// Interns a key of the unconflicted state. The state sets' keys (unconflicted, then
    /// conflicted) are interned before any other.
    pub fn intern_unconflicted(&mut self, event_type: &str, state_key: &str) -> Id {
        debug_assert_eq!(
            self.first_other as usize,
            self.keys.len(),
            "after another key"
        );
        let id = self.intern(event_type, state_key);
        self.unconflicted[id as usize] = true;
        self.first_other = self.keys.len() as Id;
        id
    }

    /// Interns the conflicted keys, which must come in key order: the resolved entries then
    /// come out in that order without sorting them.
    pub fn intern_conflicted<'k>(&mut self, keys: impl IntoIterator<Item = (&'k str, &'k str)>) {
        debug_assert_eq!(
            self.first_other as usize,
            self.keys.len(),
            "after another key"
        );
        for (event_type, state_key) in keys {
            let id = self.intern(event_type, state_key);
            self.conflicted.push(id);
        }
        self.first_other = self.keys.len() as Id;
    }

    /// The event for an authorization key, if the state has one.
    pub fn get_auth(&self, key: AuthKey<'_>) -> Option<Node> {
        let id = match key {
            AuthKey::Create => CREATE_ID,
            AuthKey::PowerLevels => POWER_LEVELS_ID,
            AuthKey::JoinRules => JOIN_RULES_ID,
            AuthKey::Member(user) => self.keys.find((MEMBER, user))?,
            AuthKey::ThirdPartyInvite(token) => self.keys.find((THIRD_PARTY_INVITE, token))?,
        };
        self.node(id)
    }

    /// The event for an interned key, if the state has one.
    pub fn node(&self, id: Id) -> Option<Node> {
        Some(self.nodes[id as usize]).filter(|&node| node != UNSET)
    }

    /// Sets the event of an interned key.
    pub fn set(&mut self, id: Id, node: Node) {
        self.nodes[id as usize] = node;
    }

    /// The events of the keys outside the unconflicted state that hold one, in key order: the
    /// conflicted keys' (interned in key order), merged with those of the few other keys (the
    /// keys of events of the full conflicted set that no state set has), sorted here.
    pub fn resolved_nodes(&self) -> Vec<Node> {
        let is_other = |id: Id| !self.unconflicted[id as usize] && !self.conflicted.contains(&id);
        let mut others: Vec<Id> = (0..FIXED.len() as Id)
            .filter(|&id| is_other(id))
            .chain(self.first_other..self.keys.len() as Id)
            .filter(|&id| self.node(id).is_some())
            .collect();
        others.sort_unstable_by(|&a, &b| self.keys.key(a).cmp(&self.keys.key(b)));
        let mut others = others.into_iter().peekable();
        let mut nodes = Vec::with_capacity(self.conflicted.len() + others.len());
        for &id in &self.conflicted {
            while let Some(other) =
                others.next_if(|&other| self.keys.key(other) < self.keys.key(id))
            {
                nodes.push(self.nodes[other as usize]);
            }
            nodes.extend(self.node(id));
        }
        nodes.extend(others.map(|other| self.nodes[other as usize]));
        nodes
    }
}

/// The fixed index of a key, if it has one.
fn fixed(event_type: &str, state_key: &str) -> Option<Id> {
    if !state_key.is_empty() {
        return None;
    }
    match event_type {
        CREATE => Some(CREATE_ID),
        POWER_LEVELS => Some(POWER_LEVELS_ID),
        JOIN_RULES => Some(JOIN_RULES_ID),
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
    fn resolved_nodes_come_in_key_order() {
        let conflicted = [
            (CREATE, ""),
            (MEMBER, "@user0001"),
            (MEMBER, "@user0001:b"),
            ("m.room.topic", ""),
        ];
        // Keys no state set has, interned as the checks meet them.
        let others = [
            (MEMBER, "@user0001:a"),
            (MEMBER, "@user000"),
            (POWER_LEVELS, ""),
            (MEMBER, "@user000\u{0}"),
            (MEMBER, "@b"),
            ("m.room.name", ""),
            (MEMBER, ""),
            ("m.room.aliases", "x"),
            ("m.room.zzz", ""),
        ];
        let mut state = WorkingState::with_capacity(16);
        for (node, (event_type, state_key)) in [(JOIN_RULES, ""), (MEMBER, "@a")].iter().enumerate()
        {
            let id = state.intern_unconflicted(event_type, state_key);
            state.set(id, 90 + node as Node);
        }
        state.intern_conflicted(conflicted);
        let mut expected = Vec::new();
        for (node, key) in conflicted.iter().chain(&others).enumerate() {
            let id = state.intern(key.0, key.1);
            // One conflicted key is left without an event.
            if *key != (MEMBER, "@user0001") {
                state.set(id, node as Node);
                expected.push((*key, node as Node));
            }
        }
        expected.sort();
        let expected: Vec<Node> = expected.into_iter().map(|(_, node)| node).collect();
        assert_eq!(state.resolved_nodes(), expected);
    }

    #[test]
    fn keys_hold_events_once_set() {
        let mut state = WorkingState::with_capacity(1);
        let member = state.intern_unconflicted("m.room.member", "@a:x");
        assert_eq!(state.get_auth(AuthKey::Member("@a:x")), None);
        for (event_type, node) in [(CREATE, 3), ("m.room.topic", 4)] {
            let id = state.intern(event_type, "");
            state.set(id, node);
        }
        state.set(member, 7);
        assert_eq!(state.get_auth(AuthKey::Member("@a:x")), Some(7));
        assert_eq!(state.get_auth(AuthKey::Create), Some(3));
        assert_eq!(state.get_auth(AuthKey::PowerLevels), None);
        assert_eq!(state.resolved_nodes(), [3, 4]);
    }

    #[test]
    fn auth_keys_and_event_kinds_name_the_same_slots_as_strings() {
        let mut state = WorkingState::with_capacity(2);
        let kinds = [
            (Kind::Create, CREATE, ""),
            (Kind::PowerLevels, POWER_LEVELS, ""),
            (Kind::JoinRules, JOIN_RULES, ""),
            (Kind::Member, MEMBER, "@a:x"),
            (Kind::ThirdPartyInvite, THIRD_PARTY_INVITE, "token"),
        ];
        for (node, (kind, event_type, state_key)) in kinds.into_iter().enumerate() {
            let id = state.intern_event_key(kind, event_type, state_key);
            assert_eq!(id, state.intern(event_type, state_key));
            state.set(id, node as Node);
        }
        let auth_keys = [
            AuthKey::Create,
            AuthKey::PowerLevels,
            AuthKey::JoinRules,
            AuthKey::Member("@a:x"),
            AuthKey::ThirdPartyInvite("token"),
        ];
        for (node, key) in auth_keys.into_iter().enumerate() {
            assert_eq!(state.get_auth(key), Some(node as Node), "{key:?}");
            let (event_type, state_key) = key.pair();
            let id = state.intern(event_type, state_key);
            assert_eq!(state.node(id), Some(node as Node));
        }
        assert_eq!(state.get_auth(AuthKey::Member("@b:x")), None);
        assert_eq!(state.get_auth(AuthKey::ThirdPartyInvite("@a:x")), None);
    }
}
