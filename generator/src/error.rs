//! Errors for a spec that cannot be read: each names the file, the JSON pointer inside it,
//! the line where known, and the problem.

use std::fmt;
use std::path::PathBuf;

/// A problem in the specification input, located precisely enough to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SpecError {
    /// The file the problem is in (or, for a missing file, the file that needs it).
    pub file: PathBuf,
    /// JSON pointer to the offending node inside `file` (empty for the whole file).
    pub pointer: String,
    /// 1-based line of the offending node, when the parser knows it.
    pub line: Option<u32>,
    /// What is wrong.
    pub problem: Problem,
}

/// What is wrong with a spec file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The file could not be read.
    #[error("cannot read file: {0}")]
    Unreadable(String),
    /// The file is not valid YAML (or JSON).
    #[error("invalid YAML: {0}")]
    InvalidYaml(String),
    /// A mapping repeats a key.
    #[error("duplicate key `{0}`")]
    DuplicateKey(String),
    /// A `$ref` points at a file that does not exist.
    #[error("`$ref: {reference}` names a missing file ({target})")]
    MissingFile {
        /// The reference as written.
        reference: String,
        /// The path it resolves to.
        target: String,
    },
    /// A `$ref` points inside a file at a node that does not exist.
    #[error("`$ref: {reference}` points at nothing: no node at `{fragment}` in {target}")]
    DanglingRef {
        /// The reference as written.
        reference: String,
        /// The path of the target file.
        target: String,
        /// The fragment that was not found.
        fragment: String,
    },
    /// Following `$ref`s leads back to where it started.
    #[error("`$ref` cycle: {0}")]
    RefCycle(String),
    /// A `type` the loader does not know.
    #[error("unknown type `{0}`")]
    UnknownType(String),
    /// A node has the wrong shape.
    #[error("expected {expected}, found {found}")]
    Expected {
        /// What the loader needs here.
        expected: &'static str,
        /// What the file has.
        found: String,
    },
    /// A required key is absent.
    #[error("missing required key `{0}`")]
    MissingKey(&'static str),
    /// A value is present but not allowed here.
    #[error("{0}")]
    Invalid(String),
    /// The spec collection or version folder cannot be found or is not a spec.
    #[error("{0}")]
    NotASpec(String),
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.pointer.is_empty() {
            write!(f, ": at {}", self.pointer)?;
        }
        write!(f, ": {}", self.problem)
    }
}

/// Result type of the loader (the error is boxed: it is large and rare).
pub type Result<T, E = Box<SpecError>> = std::result::Result<T, E>;
