//! Reach maps: for an event, chain → the highest sequence number of that chain in its auth chain
//! (the event included), as persistent 16-ary tries keyed by chain, which share every subtree
//! they have in common with the tries they were made from.

use foldhash::{HashMap, HashSet};

/// A trie node: child nodes, or (at level 0) sequence numbers; 0 is empty either way.
type Node = [u32; FANOUT];

const FANOUT: usize = 16;
const BITS: u32 = 4;

/// A reach map: its root node and height (it covers chains below `16^height`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Reach {
    root: u32,
    height: u8,
}

/// All trie nodes of a room index; node 0 is the empty node.
pub(crate) struct Tries {
    nodes: Vec<Node>,
}

impl Tries {
    pub fn new() -> Self {
        Tries {
            nodes: vec![[0; FANOUT]],
        }
    }

    /// How many bytes the nodes take.
    pub fn bytes(&self) -> usize {
        self.nodes.len() * std::mem::size_of::<Node>()
    }

    fn push(&mut self, node: Node) -> u32 {
        self.nodes.push(node);
        (self.nodes.len() - 1) as u32
    }

    /// The sequence number of `chain` in `reach` (0 if absent).
    #[cfg(test)]
    pub fn get(&self, reach: Reach, chain: u32) -> u32 {
        if u64::from(chain) >> (BITS * u32::from(reach.height)) != 0 {
            return 0;
        }
        let mut node = reach.root;
        for level in (0..u32::from(reach.height)).rev() {
            if node == 0 {
                return 0;
            }
            node = self.nodes[node as usize][digit(chain, level)];
        }
        node
    }

    /// `reach` with `chain` at least at `seq`.
    pub fn with(&mut self, reach: Reach, chain: u32, seq: u32) -> Reach {
        let mut height = reach.height.max(1);
        while u64::from(chain) >> (BITS * u32::from(height)) != 0 {
            height += 1;
        }
        let root = match reach.root {
            0 => 0,
            _ if reach.height < height => self.lift(reach, height),
            root => root,
        };
        let root = self.insert(root, u32::from(height) - 1, chain, seq);
        Reach { root, height }
    }

    fn insert(&mut self, node: u32, level: u32, chain: u32, seq: u32) -> u32 {
        let mut copy = self.nodes[node as usize];
        let slot = &mut copy[digit(chain, level)];
        if level == 0 {
            if *slot >= seq {
                return node;
            }
            *slot = seq;
        } else {
            let child = self.insert(*slot, level - 1, chain, seq);
            if child == *slot {
                return node;
            }
            *slot = child;
        }
        self.push(copy)
    }

    /// The union of two reach maps (the higher sequence number per chain).
    pub fn union(&mut self, a: Reach, b: Reach) -> Reach {
        if a.root == 0 {
            return b;
        }
        if b.root == 0 {
            return a;
        }
        let (low, high) = if a.height <= b.height { (a, b) } else { (b, a) };
        let root = self.merge_lifted(low, high.root, high.height);
        Reach {
            root,
            height: high.height,
        }
    }

    /// Merges `low` (lifted to `height`) with the node `high` of that height.
    fn merge_lifted(&mut self, low: Reach, high: u32, height: u8) -> u32 {
        if low.height == height {
            return self.merge(low.root, high, u32::from(height) - 1);
        }
        let mut node = self.nodes[high as usize];
        let child = node[0];
        node[0] = if child == 0 {
            self.lift(low, height - 1)
        } else {
            self.merge_lifted(low, child, height - 1)
        };
        if node[0] == child {
            return high;
        }
        self.push(node)
    }

    /// `low` as a node of `height` (child 0 of new nodes above it).
    fn lift(&mut self, low: Reach, height: u8) -> u32 {
        let mut root = low.root;
        for _ in low.height..height {
            let mut node = [0; FANOUT];
            node[0] = root;
            root = self.push(node);
        }
        root
    }

    fn merge(&mut self, a: u32, b: u32, level: u32) -> u32 {
        if a == b || b == 0 {
            return a;
        }
        if a == 0 {
            return b;
        }
        let (x, y) = (self.nodes[a as usize], self.nodes[b as usize]);
        let mut out = [0; FANOUT];
        for i in 0..FANOUT {
            out[i] = if level == 0 {
                x[i].max(y[i])
            } else {
                self.merge(x[i], y[i], level - 1)
            };
        }
        if out == x {
            a
        } else if out == y {
            b
        } else {
            self.push(out)
        }
    }

    /// Raises `into` to hold every entry of `reach`, skipping the trie nodes in `seen` (already
    /// taken in: a node always covers the same chains).
    pub fn absorb(&self, reach: Reach, into: &mut HashMap<u32, u32>, seen: &mut HashSet<u32>) {
        if reach.root != 0 {
            self.absorb_node(reach.root, u32::from(reach.height) - 1, 0, into, seen);
        }
    }

    fn absorb_node(
        &self,
        node: u32,
        level: u32,
        prefix: u32,
        into: &mut HashMap<u32, u32>,
        seen: &mut HashSet<u32>,
    ) {
        if !seen.insert(node) {
            return;
        }
        for (i, &entry) in self.nodes[node as usize].iter().enumerate() {
            if entry == 0 {
                continue;
            }
            let key = (prefix << BITS) | i as u32;
            if level == 0 {
                let seq = into.entry(key).or_insert(0);
                *seq = (*seq).max(entry);
            } else {
                self.absorb_node(entry, level - 1, key, into, seen);
            }
        }
    }

    /// Whether `reach` holds some chain at or above its entry in `lowest`. Only the subtrees
    /// holding a chain of `lowest` are visited, and `lowest` keeps the answer of each trie node
    /// visited: reaches share most of their nodes, so each is scanned once per `lowest`.
    pub fn reaches_any(&self, reach: Reach, lowest: &mut Lowest) -> bool {
        reach.root != 0 && self.any_node(reach.root, u32::from(reach.height) - 1, 0, lowest)
    }

    fn any_node(&self, node: u32, level: u32, prefix: u32, lowest: &mut Lowest) -> bool {
        if let Some(&hit) = lowest.memo.get(&node) {
            return hit;
        }
        let hit = self.nodes[node as usize]
            .iter()
            .enumerate()
            .any(|(i, &entry)| {
                let key = (prefix << BITS) | i as u32;
                match (entry, level) {
                    (0, _) => false,
                    (seq, 0) => lowest.seq.get(&key).is_some_and(|&low| seq >= low),
                    (child, _) => {
                        lowest.prefixes.contains(&(level, key))
                            && self.any_node(child, level - 1, key, lowest)
                    }
                }
            });
        lowest.memo.insert(node, hit);
        hit
    }
}

/// Chains with the lowest sequence number asked for (`Tries::reaches_any`), the prefixes of those
/// chains at each trie level, and the answers found so far per trie node.
#[derive(Default)]
pub(crate) struct Lowest {
    seq: HashMap<u32, u32>,
    prefixes: HashSet<(u32, u32)>,
    memo: HashMap<u32, bool>,
}

impl Lowest {
    /// Asks for `chain` at `seq` or above (the lowest `seq` given for a chain counts).
    pub fn insert(&mut self, chain: u32, seq: u32) {
        let low = self.seq.entry(chain).or_insert(seq);
        *low = (*low).min(seq);
        for level in 1..u32::BITS / BITS {
            self.prefixes.insert((level, chain >> (BITS * level)));
        }
    }
}

fn digit(chain: u32, level: u32) -> usize {
    ((u64::from(chain) >> (BITS * level)) & (FANOUT as u64 - 1)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_kept_at_their_highest_and_shared() {
        let mut tries = Tries::new();
        let a = tries.with(Reach::default(), 3, 7);
        let b = tries.with(a, 300, 2);
        let c = tries.with(b, 3, 5);
        assert_eq!(c, b, "a lower sequence number changes nothing");
        let d = tries.with(Reach::default(), 70_000, 1);
        let e = tries.union(b, d);
        for (reach, chain, seq) in [
            (e, 3, 7),
            (e, 300, 2),
            (e, 70_000, 1),
            (e, 4, 0),
            (a, 300, 0),
        ] {
            assert_eq!(tries.get(reach, chain), seq, "chain {chain}");
        }
        assert_eq!(tries.union(e, b), e);
        let mut into = HashMap::default();
        tries.absorb(e, &mut into, &mut HashSet::default());
        let mut entries: Vec<_> = into.into_iter().collect();
        entries.sort_unstable();
        assert_eq!(entries, [(3, 7), (300, 2), (70_000, 1)]);
    }

    #[test]
    fn reaches_any_agrees_with_lookups() {
        let mut tries = Tries::new();
        let mut rng = matrix_test_support::Rng(14);
        let mut reaches = vec![Reach::default()];
        for _ in 0..300 {
            let base = reaches[rng.below(reaches.len())];
            let other = reaches[rng.below(reaches.len())];
            let chain = rng.below(600) as u32;
            let grown = tries.with(base, chain, 1 + rng.below(20) as u32);
            reaches.push(tries.union(grown, other));
        }
        let (mut passed, mut failed) = (0, 0);
        for _ in 0..50 {
            let asked: Vec<(u32, u32)> = (0..1 + rng.below(8))
                .map(|_| (rng.below(600) as u32, 1 + rng.below(20) as u32))
                .collect();
            let mut lowest = Lowest::default();
            for &(chain, seq) in &asked {
                lowest.insert(chain, seq);
            }
            for &reach in &reaches {
                let expected = asked
                    .iter()
                    .any(|&(chain, low)| tries.get(reach, chain) >= low);
                if tries.reaches_any(reach, &mut lowest) == expected {
                    passed += 1;
                } else {
                    failed += 1;
                }
            }
        }
        println!("{passed} passed, {failed} failed");
        assert_eq!(failed, 0);
    }
}
