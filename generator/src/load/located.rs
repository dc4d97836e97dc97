//! Errors located in the spec: the file, the JSON pointer and the line of a node.

use crate::documents::Location;
use crate::error::{Problem, SpecError};
use crate::node::Node;

/// `problem` at `node`, which is at `location`.
pub fn error(location: &Location, node: &Node, problem: Problem) -> Box<SpecError> {
    Box::new(SpecError {
        file: location.file.to_path_buf(),
        pointer: location.pointer.clone(),
        line: (node.line > 0).then_some(node.line),
        problem,
    })
}

/// `node` is not what the loader needs there (`expected`).
pub fn expected(location: &Location, node: &Node, expected: &'static str) -> Box<SpecError> {
    error(
        location,
        node,
        Problem::Expected {
            expected,
            found: node.kind_name(),
        },
    )
}
