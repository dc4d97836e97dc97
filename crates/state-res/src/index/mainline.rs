//! Mainline positions from the room index: power levels events form a forest (each one's parent
//! is its first power levels auth event), and an event's mainline position is the depth of the
//! lowest common ancestor of its power levels event and the resolved one. Skew-binary jump
//! pointers make that O(log depth), however long the room's history of power levels.

use matrix_auth_rules::Event;

use super::RoomIndex;
use crate::ResolveError;
use crate::graph::{AuthGraph, Node, NodeRooms};
use crate::mainline::Mainline;

const NONE: u32 = u32::MAX;

/// A power levels event's place in the forest.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Place {
    parent: u32,
    jump: u32,
    depth: u32,
    root: u32,
}

/// The forest of power levels events, by index node.
#[derive(Default)]
pub(crate) struct PowerLevelsTree {
    places: foldhash::HashMap<u32, Place>,
}

impl PowerLevelsTree {
    /// Adds a power levels event whose first power levels auth event is `parent`.
    pub fn add(&mut self, node: u32, parent: Option<u32>) {
        let place = match parent.and_then(|parent| Some((parent, *self.places.get(&parent)?))) {
            None => Place {
                parent: NONE,
                jump: node,
                depth: 1,
                root: node,
            },
            Some((parent, up)) => {
                let jump_up = self.place(up.jump);
                let jump = if up.jump != parent
                    && up.depth - jump_up.depth == jump_up.depth - self.place(jump_up.jump).depth
                {
                    jump_up.jump
                } else {
                    parent
                };
                Place {
                    parent,
                    jump,
                    depth: up.depth + 1,
                    root: up.root,
                }
            }
        };
        self.places.insert(node, place);
    }

    fn place(&self, node: u32) -> Place {
        self.places[&node]
    }

    /// The ancestor of `node` (itself included) at `depth`.
    fn ancestor(&self, mut node: u32, depth: u32) -> u32 {
        loop {
            let place = self.place(node);
            if place.depth <= depth {
                return node;
            }
            node = if self.place(place.jump).depth >= depth {
                place.jump
            } else {
                place.parent
            };
        }
    }

    /// The depth of the lowest common ancestor of two power levels events, or 0 if they are
    /// in different trees.
    pub fn meeting_depth(&self, a: u32, b: u32) -> u32 {
        let (pa, pb) = (self.place(a), self.place(b));
        if pa.root != pb.root {
            return 0;
        }
        let depth = pa.depth.min(pb.depth);
        let (mut a, mut b) = (self.ancestor(a, depth), self.ancestor(b, depth));
        while a != b {
            let (pa, pb) = (self.place(a), self.place(b));
            if pa.jump != pb.jump {
                (a, b) = (pa.jump, pb.jump);
            } else {
                (a, b) = (pa.parent, pb.parent);
            }
        }
        self.place(a).depth
    }

    pub fn contains(&self, node: u32) -> bool {
        self.places.contains_key(&node)
    }
}

/// [`Mainline`] for a graph built from the index: `nodes` maps its nodes to index nodes.
pub(crate) struct IndexMainline<'i> {
    pub index: &'i RoomIndex,
    pub nodes: Vec<u32>,
}

impl<E: Event> Mainline<E> for IndexMainline<'_> {
    fn positions(
        &self,
        _graph: &AuthGraph<'_, E>,
        power_levels: Option<Node>,
        events: &[Node],
        _rooms: &NodeRooms,
    ) -> Result<Vec<u32>, ResolveError> {
        let tree = &self.index.power_levels;
        let resolved = power_levels
            .map(|node| self.nodes[node as usize])
            .filter(|&resolved| tree.contains(resolved));
        // Most events share a few power levels events: each one's meeting depth once.
        let mut depths: foldhash::HashMap<u32, u32> = foldhash::HashMap::default();
        Ok(events
            .iter()
            .map(|&event| {
                let event = self.nodes[event as usize];
                let own = if tree.contains(event) {
                    Some(event)
                } else {
                    self.index.power_levels_parent(event)
                };
                match (own, resolved) {
                    (Some(own), Some(resolved)) => *depths
                        .entry(own)
                        .or_insert_with(|| tree.meeting_depth(own, resolved)),
                    _ => 0,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The depth of the lowest common ancestor, the slow way.
    fn naive(parents: &[Option<u32>], a: u32, b: u32) -> u32 {
        let path = |mut n: u32| {
            let mut path = vec![n];
            while let Some(p) = parents[n as usize] {
                path.push(p);
                n = p;
            }
            path
        };
        let (pa, pb) = (path(a), path(b));
        pa.iter()
            .find(|n| pb.contains(n))
            .map_or(0, |&n| path(n).len() as u32)
    }

    #[test]
    fn meeting_depths_match_walking_the_parents() {
        // Two trees: a long chain with branches, and a small separate one.
        let mut parents: Vec<Option<u32>> = Vec::new();
        let mut rng = 12345u64;
        for node in 0..400u32 {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let parent = match node {
                0 | 390 => None,
                n if n > 390 => Some(n - 1),
                n => Some(((rng >> 33) as u32 % n).max(n.saturating_sub(3))),
            };
            parents.push(parent);
        }
        let mut tree = PowerLevelsTree::default();
        for (node, parent) in parents.iter().enumerate() {
            tree.add(node as u32, *parent);
        }
        for a in (0..400).step_by(7) {
            for b in (0..400).step_by(11) {
                assert_eq!(tree.meeting_depth(a, b), naive(&parents, a, b), "{a} {b}");
            }
        }
    }
}
