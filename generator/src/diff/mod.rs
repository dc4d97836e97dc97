//! Semantic diff of two spec versions: which operations, fields and event schemas
//! changed, and whom each change breaks. See docs/diff.md.
//!
//! Both versions are compared on the IR, so Swagger 2.0 and OpenAPI 3.1 releases compare
//! like any other pair. Operations are keyed by (API, method, full path), and operations
//! that share those (the `/events` and `/rooms/{roomId}/invite` pairs told apart by a
//! trailing space in the spec) also by their file. Each operation's parameters, bodies
//! and responses are flattened into fields ([`flatten`]) and compared ([`compare`]);
//! each change gets a named [`Rule`] that classifies it, the version notes that explain
//! it, and the generated Rust item it touches ([`rust_impact`]).

pub mod compare;
mod events;
pub mod flatten;
mod model;
pub mod notes;
mod operations;
mod pair;
pub mod path;
pub mod report;
pub mod rules;
pub mod rust_impact;
pub mod security;

use crate::error::SpecError;
use crate::ir::{Api, Spec};
use crate::source::SpecSource;

pub use self::model::{Change, Changed, Entry, EventInfo, OperationInfo, Report, Section};
pub use self::notes::{Note, NoteKind, VersionRange};
pub use self::path::{FieldPath, Segment};
pub use self::rules::{Impact, Rule, Side};
pub use self::rust_impact::{Namer, RustItem};

/// What to compare.
#[derive(Debug, Clone)]
pub struct Options {
    /// The APIs whose operations are compared.
    pub apis: Vec<Api>,
    /// Whether event schemas are compared (those of the client-server API, and the EDUs
    /// of the server-server API, when those APIs are compared).
    pub events: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            apis: Api::ALL.to_vec(),
            events: true,
        }
    }
}

/// Loads both versions (in parallel) and compares them.
pub fn load_and_diff(
    old: &SpecSource,
    new: &SpecSource,
    options: &Options,
) -> Result<Report, Box<SpecError>> {
    let (old, new) = std::thread::scope(|scope| {
        let old = scope.spawn(|| crate::load(old));
        let new = crate::load(new);
        (old.join(), new)
    });
    let old = old.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    Ok(diff(&old, &new?, options))
}

/// Compares two loaded versions.
pub fn diff(old: &Spec, new: &Spec, options: &Options) -> Report {
    let range = VersionRange::new(&old.version, &new.version);
    let (old_names, new_names) = std::thread::scope(|scope| {
        let old_names = scope.spawn(|| Namer::new(old, &options.apis));
        let new_names = Namer::new(new, &options.apis);
        (old_names.join(), new_names)
    });
    let old_names = old_names.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    let namers = [&old_names, &new_names];
    Report {
        old_version: old.version.clone(),
        new_version: new.version.clone(),
        apis: options.apis.clone(),
        operations: operations::operations(old, new, &options.apis, &range, namers),
        events: if options.events {
            events::events(old, new, &options.apis, &range, namers)
        } else {
            Section {
                added: Vec::new(),
                removed: Vec::new(),
                changed: Vec::new(),
            }
        },
    }
}
