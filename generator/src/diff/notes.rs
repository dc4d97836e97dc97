//! `x-addedInMatrixVersion` / `x-changedInMatrixVersion` notes, and which of them fall in
//! the compared range of versions.

use std::cmp::Ordering;

use crate::ir::VersionNote;

/// A version note from the spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Note {
    /// The Matrix version it is about (`1.18`), as written.
    pub version: String,
    /// Whether it is `x-addedInMatrixVersion` or `x-changedInMatrixVersion`.
    pub kind: NoteKind,
    /// The note's text (empty for "added in").
    pub text: String,
}

/// Which extension a note comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoteKind {
    /// `x-addedInMatrixVersion`.
    Added,
    /// `x-changedInMatrixVersion`.
    Changed,
}

impl NoteKind {
    /// `added` or `changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Added => "added",
            NoteKind::Changed => "changed",
        }
    }
}

impl Note {
    /// The notes of one place.
    pub fn all(added_in: Option<&str>, changed_in: &[VersionNote]) -> Vec<Note> {
        let added = added_in.map(|version| Note {
            version: version.to_owned(),
            kind: NoteKind::Added,
            text: String::new(),
        });
        added
            .into_iter()
            .chain(changed_in.iter().map(|n| Note {
                version: n.version.clone(),
                kind: NoteKind::Changed,
                text: n.note.trim().to_owned(),
            }))
            .collect()
    }
}

/// The versions after `old` up to and including `new`.
#[derive(Debug, Clone)]
pub struct VersionRange {
    old: Option<Vec<u32>>,
    new: Option<Vec<u32>>,
}

impl VersionRange {
    /// The range between two spec version names (`v1.16`, `r0.6.1`).
    pub fn new(old: &str, new: &str) -> Self {
        VersionRange {
            old: parse_version(old),
            new: parse_version(new),
        }
    }

    /// Whether both ends are known versions (folders with other names are not).
    pub fn is_known(&self) -> bool {
        self.old.is_some() && self.new.is_some()
    }

    /// Whether a note's version is in the range; every note is when the range is unknown.
    pub fn contains(&self, note: &Note) -> bool {
        let (Some(old), Some(new)) = (&self.old, &self.new) else {
            return true;
        };
        match parse_version(&note.version) {
            Some(v) => {
                compare(&v, old) == Ordering::Greater && compare(&v, new) != Ordering::Greater
            }
            None => false,
        }
    }
}

/// `v1.18`, `1.18` → [1, 18]; `r0.6.1` → [0, 6, 1] (the r0 releases precede v1.1).
fn parse_version(text: &str) -> Option<Vec<u32>> {
    let trimmed = text.trim();
    let digits = trimmed
        .strip_prefix('v')
        .or_else(|| trimmed.strip_prefix('r'))
        .unwrap_or(trimmed);
    digits.split('.').map(|p| p.parse().ok()).collect()
}

fn compare(a: &[u32], b: &[u32]) -> Ordering {
    let len = a.len().max(b.len());
    let at = |v: &[u32], i: usize| v.get(i).copied().unwrap_or(0);
    (0..len)
        .map(|i| at(a, i).cmp(&at(b, i)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(version: &str) -> Note {
        Note {
            version: version.into(),
            kind: NoteKind::Changed,
            text: String::new(),
        }
    }

    #[test]
    fn range_excludes_old_and_includes_new() {
        let range = VersionRange::new("v1.16", "v1.19");
        assert!(!range.contains(&note("1.16")));
        assert!(range.contains(&note("1.17")));
        assert!(range.contains(&note("1.19")));
        assert!(!range.contains(&note("1.2")));
        assert!(VersionRange::new("r0.6.1", "v1.1").contains(&note("1.1")));
    }
}
