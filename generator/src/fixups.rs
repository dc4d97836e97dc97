//! Named fix-ups for known spec bugs, one file each in `api-defs/fixups/`.
//!
//! A fix-up names the bug, gives the evidence and lists patches: in a file, at a JSON
//! pointer, the value the spec has (`expect`) and one action: put another value there
//! (`replace`), drop the key (`remove`), drop the key and move its mapping's entries up into
//! the parent where the parent lacks them (`hoist`), move the value to another key
//! (`rename`), add a key that is absent (`add`, without `expect`), or drop the second of two
//! entries with the same key (`drop_duplicate`). A fix-up can also provide a file the spec
//! refers to but a release lacks (`provide`). A patch applies only
//! where the spec has exactly the expected value (or, for `add`, lacks the key), so a
//! release that fixed the bug is left alone. Fix-ups apply in name order. Patches are applied to
//! the parsed documents before anything reads them, in every format alike.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::node::{Node, Value};

include!(concat!(env!("OUT_DIR"), "/fixups.rs"));

/// One fix-up file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixup {
    /// The file name without `.toml`.
    #[serde(skip)]
    pub name: String,
    /// What is wrong in the spec.
    pub bug: String,
    /// Why the fix is right (prose, schema or other releases that show the intent).
    pub evidence: String,
    /// The changes.
    #[serde(rename = "patch", default)]
    pub patches: Vec<Patch>,
    /// Files the spec refers to but the release lacks.
    #[serde(rename = "provide", default)]
    pub provided: Vec<ProvidedFile>,
}

/// A file the spec refers to that a release does not contain, given here; it is used only
/// where the release lacks it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvidedFile {
    /// The path, relative to the version's data folder.
    pub file: PathBuf,
    /// Its content.
    pub content: serde_json::Value,
}

/// One change to one node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// The file, relative to the version's data folder.
    pub file: PathBuf,
    /// JSON pointer to the node.
    pub pointer: String,
    /// The value the spec has there (the bug); absent for `add`.
    pub expect: Option<serde_json::Value>,
    /// The value to put there instead.
    pub replace: Option<serde_json::Value>,
    /// Remove the key instead.
    #[serde(default)]
    pub remove: bool,
    /// Remove the key and move its entries into the parent mapping.
    #[serde(default)]
    pub hoist: bool,
    /// Move the value to this key (which must be absent).
    pub rename: Option<String>,
    /// Add this value at the pointer, whose key must be absent.
    pub add: Option<serde_json::Value>,
    /// Of a key that occurs twice, remove the later occurrence (which has `expect`).
    #[serde(default)]
    pub drop_duplicate: bool,
}

/// A fix-up file that cannot be read (a build-time problem; tested).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("api-defs/fixups/{name}.toml: {problem}")]
pub struct FixupError {
    /// The fix-up.
    pub name: String,
    /// What is wrong with it.
    pub problem: String,
}

/// Every fix-up, by name.
pub fn all() -> Result<Vec<Fixup>, FixupError> {
    FIXUPS
        .iter()
        .map(|(name, text)| {
            let mut fixup: Fixup = toml::from_str(text).map_err(|e| FixupError {
                name: (*name).to_owned(),
                problem: e.to_string(),
            })?;
            fixup.name = (*name).to_owned();
            for patch in &fixup.patches {
                let actions = usize::from(patch.remove)
                    + usize::from(patch.hoist)
                    + usize::from(patch.drop_duplicate)
                    + usize::from(patch.replace.is_some())
                    + usize::from(patch.rename.is_some())
                    + usize::from(patch.add.is_some());
                if actions != 1 || patch.expect.is_some() == patch.add.is_some() {
                    return Err(FixupError {
                        name: fixup.name.clone(),
                        problem: format!(
                            "patch at {}: give exactly one action (`replace`, `remove`, `hoist`, `rename`, `add`, `drop_duplicate`), and `expect` unless it is `add`",
                            patch.pointer
                        ),
                    });
                }
            }
            Ok(fixup)
        })
        .collect()
}

/// The patches of all fix-ups, grouped by file, with the fix-up each belongs to.
#[derive(Debug, Default)]
pub struct PatchSet {
    by_file: HashMap<PathBuf, Vec<(String, Patch)>>,
    provided: HashMap<PathBuf, (String, serde_json::Value)>,
}

impl PatchSet {
    /// All fix-ups' patches.
    pub fn new(fixups: &[Fixup]) -> Self {
        let mut by_file: HashMap<PathBuf, Vec<(String, Patch)>> = HashMap::new();
        let mut provided = HashMap::new();
        for fixup in fixups {
            for file in &fixup.provided {
                provided.insert(
                    file.file.clone(),
                    (fixup.name.clone(), file.content.clone()),
                );
            }
            for patch in &fixup.patches {
                by_file
                    .entry(patch.file.clone())
                    .or_default()
                    .push((fixup.name.clone(), patch.clone()));
            }
        }
        PatchSet { by_file, provided }
    }

    /// The fix-up that provides `file`, if any, and the content as a document.
    pub fn provided(&self, file: &Path) -> Option<(&str, Node)> {
        self.provided
            .get(file)
            .map(|(name, content)| (name.as_str(), Node::from_json(content, 0)))
    }

    /// Applies the patches for `file` to its parsed document; returns the names of the
    /// fix-ups that applied.
    pub fn apply(&self, file: &Path, doc: &mut Node) -> Vec<String> {
        let mut applied = Vec::new();
        for (name, patch) in self.by_file.get(file).into_iter().flatten() {
            if apply_patch(doc, patch) && !applied.contains(name) {
                applied.push(name.clone());
            }
        }
        applied
    }
}

fn apply_patch(doc: &mut Node, patch: &Patch) -> bool {
    let Some((parent, last)) = patch.pointer.rsplit_once('/') else {
        return false;
    };
    let key = crate::node::unescape_token(last);
    let Some(parent) = pointer_mut(doc, parent) else {
        return false;
    };
    match &mut parent.value {
        Value::Map(entries) if patch.drop_duplicate => {
            let matching: Vec<usize> = entries
                .iter()
                .enumerate()
                .filter(|(_, (k, _))| *k == key)
                .map(|(i, _)| i)
                .collect();
            match matching[..] {
                [_, .., last] if patch.expect.as_ref() == Some(&entries[last].1.to_json()) => {
                    entries.remove(last);
                    true
                }
                _ => false,
            }
        }
        Value::Map(entries) => {
            let position = entries.iter().position(|(k, _)| *k == key);
            let Some(index) = position else {
                if let Some(value) = &patch.add {
                    entries.push((key, Node::from_json(value, parent.line)));
                    return true;
                }
                return false;
            };
            if patch.expect.as_ref() != Some(&entries[index].1.to_json()) {
                return false;
            }
            if let Some(value) = &patch.replace {
                let line = entries[index].1.line;
                entries[index].1 = Node::from_json(value, line);
                return true;
            }
            if let Some(new_key) = &patch.rename {
                if entries.iter().any(|(k, _)| k == new_key) {
                    return false;
                }
                entries[index].0 = new_key.clone();
                return true;
            }
            let (_, removed) = entries.remove(index);
            if patch.hoist {
                if let Value::Map(children) = removed.value {
                    for (k, v) in children {
                        if !entries.iter().any(|(existing, _)| *existing == k) {
                            entries.push((k, v));
                        }
                    }
                }
            }
            true
        }
        Value::Seq(items) => {
            let Some(slot) = key.parse::<usize>().ok().and_then(|i| items.get_mut(i)) else {
                return false;
            };
            if patch.expect.as_ref() != Some(&slot.to_json()) {
                return false;
            }
            match &patch.replace {
                Some(value) => *slot = Node::from_json(value, slot.line),
                None => return false,
            }
            true
        }
        _ => false,
    }
}

fn pointer_mut<'n>(node: &'n mut Node, pointer: &str) -> Option<&'n mut Node> {
    if pointer.is_empty() {
        return Some(node);
    }
    let mut node = node;
    for token in pointer.strip_prefix('/')?.split('/') {
        let token = crate::node::unescape_token(token);
        node = match &mut node.value {
            Value::Map(entries) => entries
                .iter_mut()
                .find(|(k, _)| *k == token)
                .map(|(_, v)| v)?,
            Value::Seq(items) => items.get_mut(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixup_file_parses() {
        let fixups = all().unwrap();
        assert_eq!(fixups.len(), FIXUPS.len());
        for fixup in fixups {
            assert!(
                !fixup.bug.is_empty() && !fixup.evidence.is_empty(),
                "{}",
                fixup.name
            );
        }
    }

    #[test]
    fn renames_and_adds() {
        let mut doc = crate::yaml::parse("a:\n  name: ServerName\n").unwrap();
        let mut patch = Patch {
            file: PathBuf::from("a.yaml"),
            pointer: "/a/name".into(),
            expect: Some(serde_json::json!("ServerName")),
            replace: None,
            remove: false,
            hoist: false,
            rename: Some("title".into()),
            add: None,
            drop_duplicate: false,
        };
        assert!(apply_patch(&mut doc, &patch));
        patch.pointer = "/a/required".into();
        patch.expect = None;
        patch.rename = None;
        patch.add = Some(serde_json::json!(["x"]));
        assert!(apply_patch(&mut doc, &patch));
        assert!(
            !apply_patch(&mut doc, &patch),
            "add needs the key to be absent"
        );
        assert_eq!(
            doc.to_json(),
            serde_json::json!({"a": {"title": "ServerName", "required": ["x"]}})
        );
    }

    #[test]
    fn patches_apply_only_where_the_bug_is() {
        let patch = Patch {
            file: PathBuf::from("a.yaml"),
            pointer: "/x/properties".into(),
            expect: Some(serde_json::json!([])),
            replace: Some(serde_json::json!({})),
            remove: false,
            hoist: false,
            rename: None,
            add: None,
            drop_duplicate: false,
        };
        let mut buggy = crate::yaml::parse("x:\n  properties: []\n").unwrap();
        assert!(apply_patch(&mut buggy, &patch));
        assert_eq!(
            buggy.to_json(),
            serde_json::json!({"x": {"properties": {}}})
        );
        let mut fixed = crate::yaml::parse("x:\n  properties: {a: 1}\n").unwrap();
        assert!(!apply_patch(&mut fixed, &patch));
    }

    #[test]
    fn hoisting_moves_entries_up() {
        let patch = Patch {
            file: PathBuf::from("a.yaml"),
            pointer: "/items/schema".into(),
            expect: Some(serde_json::json!({"$ref": "pdu.yaml"})),
            replace: None,
            remove: false,
            hoist: true,
            rename: None,
            add: None,
            drop_duplicate: false,
        };
        let mut doc =
            crate::yaml::parse("items:\n  title: PDU\n  schema: {$ref: pdu.yaml}\n").unwrap();
        assert!(apply_patch(&mut doc, &patch));
        assert_eq!(
            doc.to_json(),
            serde_json::json!({"items": {"title": "PDU", "$ref": "pdu.yaml"}})
        );
    }
}
