//! The spec's files, parsed once each, and `$ref` resolution relative to the file that
//! holds the reference.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::error::{Problem, Result, SpecError};
use crate::fixups::PatchSet;
use crate::node::Node;
use crate::yaml::{self, YamlErrorKind};

/// A place in the spec: a file and a JSON pointer inside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// The file, as a path under the spec folder.
    pub file: Arc<Path>,
    /// RFC 6901 pointer into the file ("" for the whole document).
    pub pointer: String,
}

impl Location {
    /// The location of a child by key.
    pub fn key(&self, key: &str) -> Location {
        Location {
            file: self.file.clone(),
            pointer: crate::node::push_token(&self.pointer, key),
        }
    }

    /// The location of a child by index.
    pub fn index(&self, index: usize) -> Location {
        Location {
            file: self.file.clone(),
            pointer: crate::node::push_index(&self.pointer, index),
        }
    }

    /// `file#pointer`, relative to the spec folder.
    pub fn display(&self) -> String {
        format!("{}#{}", self.file.display(), self.pointer)
    }
}

/// Parsed files of one spec version, loaded on first use.
#[derive(Debug)]
pub struct Documents {
    root: PathBuf,
    aliases: Vec<(PathBuf, PathBuf)>,
    /// Keys beside an example `$ref` resolve relative to the referenced file (r0.4.0).
    pub example_refs_follow_target: bool,
    patches: PatchSet,
    applied: RefCell<BTreeSet<String>>,
    files: RefCell<HashMap<Arc<Path>, Arc<Node>>>,
}

/// A node inside a parsed document, and where it is.
#[derive(Debug, Clone)]
pub struct Located {
    /// Where the node is.
    pub location: Location,
    doc: Arc<Node>,
}

impl Located {
    /// The node itself.
    pub fn node(&self) -> &Node {
        // The pointer was checked when this value was made.
        self.doc
            .pointer(&self.location.pointer)
            .unwrap_or(&self.doc)
    }
}

impl Documents {
    /// A store for the spec folder `root`; file paths are relative to it. A path under
    /// the first folder of an alias pair is read from under the second.
    pub fn new(root: PathBuf, aliases: Vec<(PathBuf, PathBuf)>, patches: PatchSet) -> Self {
        Documents {
            root,
            aliases,
            example_refs_follow_target: false,
            patches,
            applied: RefCell::new(BTreeSet::new()),
            files: RefCell::new(HashMap::new()),
        }
    }

    fn unalias(&self, path: PathBuf) -> PathBuf {
        for (from, to) in &self.aliases {
            if let Ok(rest) = path.strip_prefix(from) {
                return to.join(rest);
            }
        }
        path
    }

    /// The spec folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Number of files parsed so far.
    pub fn len(&self) -> usize {
        self.files.borrow().len()
    }

    /// Whether no file has been parsed yet.
    pub fn is_empty(&self) -> bool {
        self.files.borrow().is_empty()
    }

    /// Stores a parsed file (parsed in parallel ahead of use, or on first use), after
    /// applying the fix-ups for it; a key still repeated after that is an error.
    pub fn insert(&self, file: Arc<Path>, mut node: Node) -> Result<Arc<Node>> {
        self.applied
            .borrow_mut()
            .extend(self.patches.apply(&file, &mut node));
        if let Some((pointer, key, line)) = yaml::first_duplicate(&node) {
            return Err(Box::new(SpecError {
                file: file.to_path_buf(),
                pointer,
                line: Some(line),
                problem: Problem::DuplicateKey(key),
            }));
        }
        let node = Arc::new(node);
        self.files.borrow_mut().insert(file, node.clone());
        Ok(node)
    }

    /// The names of the fix-ups applied so far.
    pub fn fixups_applied(&self) -> Vec<String> {
        self.applied.borrow().iter().cloned().collect()
    }

    /// The parsed document `file` (relative to the spec folder).
    pub fn file(&self, file: &Arc<Path>) -> Result<Arc<Node>> {
        if let Some(node) = self.files.borrow().get(file) {
            return Ok(node.clone());
        }
        let node = match self.patches.provided(file) {
            Some((fixup, node)) if !self.root.join(file).is_file() => {
                self.applied.borrow_mut().insert(fixup.to_owned());
                node
            }
            _ => parse_file(&self.root, file)?,
        };
        self.insert(file.clone(), node)
    }

    /// Resolves `reference`, written at `from` on `line`, to the node it names.
    pub fn resolve(&self, from: &Location, reference: &str, line: u32) -> Result<Located> {
        // A fragment is a JSON pointer; r0-era file names contain `#` themselves
        // (`m.room.message#m.text`), which is then part of the path.
        let (path, fragment) = match reference.split_once('#') {
            Some((path, fragment)) if fragment.is_empty() || fragment.starts_with('/') => {
                (path, fragment)
            }
            _ => (reference, ""),
        };
        let file: Arc<Path> = if path.is_empty() {
            from.file.clone()
        } else {
            let dir = from.file.parent().unwrap_or(Path::new(""));
            self.unalias(normalize(&dir.join(path))).into()
        };
        let error = |problem| {
            Box::new(SpecError {
                file: from.file.to_path_buf(),
                pointer: crate::node::push_token(&from.pointer, "$ref"),
                line: Some(line),
                problem,
            })
        };
        let known =
            self.files.borrow().contains_key(&file) || self.patches.provided(&file).is_some();
        if !known && !self.root.join(&file).is_file() {
            return Err(error(Problem::MissingFile {
                reference: reference.to_owned(),
                target: file.display().to_string(),
            }));
        }
        let doc = self.file(&file)?;
        if doc.pointer(fragment).is_none() {
            return Err(error(Problem::DanglingRef {
                reference: reference.to_owned(),
                target: file.display().to_string(),
                fragment: fragment.to_owned(),
            }));
        }
        Ok(Located {
            location: Location {
                file,
                pointer: fragment.to_owned(),
            },
            doc,
        })
    }
}

/// Reads and parses one file; `file` is relative to `root`.
pub fn parse_file(root: &Path, file: &Path) -> Result<Node> {
    let text = std::fs::read(root.join(file)).map_err(|e| {
        Box::new(SpecError {
            file: file.to_path_buf(),
            pointer: String::new(),
            line: None,
            problem: Problem::Unreadable(e.to_string()),
        })
    })?;
    let text = String::from_utf8(text).map_err(|e| {
        Box::new(SpecError {
            file: file.to_path_buf(),
            pointer: String::new(),
            line: None,
            problem: Problem::Unreadable(format!("not UTF-8: {e}")),
        })
    })?;
    yaml::parse(&text).map_err(|e| {
        Box::new(SpecError {
            file: file.to_path_buf(),
            pointer: String::new(),
            line: Some(e.line),
            problem: match e.kind {
                YamlErrorKind::Syntax(message) => Problem::InvalidYaml(message),
                YamlErrorKind::TooLarge => Problem::InvalidYaml("aliases expand too far".into()),
                YamlErrorKind::TooDeep => Problem::InvalidYaml("nesting too deep".into()),
            },
        })
    })
}

/// Removes `.` and resolves `..` lexically (no file system access).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}
