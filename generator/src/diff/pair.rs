//! Matching the items of two versions by key.

use std::collections::BTreeMap;

/// Pairs keys exactly, then the rest by a coarser key when that is unique on both sides
/// (an operation that stops sharing its path keeps its identity). Returns the pairs, the
/// old keys left over and the new keys left over.
pub fn pair<'k, K: Ord, C: Ord, V>(
    old: &'k BTreeMap<K, V>,
    new: &'k BTreeMap<K, V>,
    coarse: impl Fn(&K) -> C,
) -> (Vec<(&'k K, &'k K)>, Vec<&'k K>, Vec<&'k K>) {
    let mut pairs: Vec<(&K, &K)> = Vec::new();
    let mut old_left: Vec<&K> = Vec::new();
    for key in old.keys() {
        match new.get_key_value(key) {
            Some((other, _)) => pairs.push((key, other)),
            None => old_left.push(key),
        }
    }
    let new_left: Vec<&K> = new.keys().filter(|k| !old.contains_key(*k)).collect();
    let count = |keys: &[&K], c: &C| keys.iter().filter(|k| coarse(k) == *c).count();
    let mut added = Vec::new();
    for key in &new_left {
        let c = coarse(key);
        if count(&old_left, &c) == 1 && count(&new_left, &c) == 1 {
            if let Some(i) = old_left.iter().position(|k| coarse(k) == c) {
                pairs.push((old_left.remove(i), key));
                continue;
            }
        }
        added.push(*key);
    }
    (pairs, old_left, added)
}

/// The file name of a path (`peeking_events.yaml`).
pub fn file_name(file: &std::path::Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
