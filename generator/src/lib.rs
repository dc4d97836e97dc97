//! Reads the Matrix specification (Swagger 2.0 and OpenAPI 3.1 releases) into one
//! intermediate representation and generates typed Rust from it.
//!
//! Data flows spec files → [`documents`] (parsed once, `$ref`s resolved per file) →
//! [`load`] (operations, schemas, events) → [`ir::Spec`] → emitters and the spec diff.
//! See ARCHITECTURE.md.

#[cfg(feature = "diff")]
pub mod diff;
pub mod documents;
pub mod emit;
pub mod error;
pub mod fixups;
pub mod ir;
pub mod items;
pub mod load;
pub mod node;
pub mod source;
pub mod yaml;

pub use error::{Problem, SpecError};
pub use ir::Spec;
pub use source::SpecSource;

/// Loads and resolves the spec version in `source`.
pub fn load(source: &SpecSource) -> Result<Spec, Box<SpecError>> {
    load::load(source)
}
