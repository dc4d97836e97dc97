//! Examples with `$ref` composition: a `$ref` inside an example is replaced by the
//! (composed) value it names, and the keys beside it override that value's keys.

use serde_json::{Map, Value as Json};

use crate::documents::{Documents, Location};
use crate::error::{Problem, Result};
use crate::load::located::{error, expected};
use crate::node::{Node, Value};

/// `$ref`s may not chain deeper than this (a guard against reference cycles).
const MAX_DEPTH: usize = 32;

/// The example written at `location` as JSON, with every `$ref` composed.
pub fn compose(docs: &Documents, location: &Location, node: &Node) -> Result<Json> {
    compose_at(docs, location, node, 0)
}

fn compose_at(docs: &Documents, location: &Location, node: &Node, depth: usize) -> Result<Json> {
    if depth > MAX_DEPTH {
        return Err(error(
            location,
            node,
            Problem::RefCycle(format!("example `$ref`s chain deeper than {MAX_DEPTH}")),
        ));
    }
    Ok(match &node.value {
        Value::Map(entries) => {
            let mut out = Map::new();
            let mut siblings_at = location.clone();
            if let Some(reference) = node.get("$ref") {
                let Some(text) = reference.as_str() else {
                    return Err(expected(&location.key("$ref"), reference, "a string"));
                };
                let target = docs.resolve(location, text, node.line)?;
                if docs.example_refs_follow_target {
                    siblings_at = Location {
                        file: target.location.file.clone(),
                        pointer: location.pointer.clone(),
                    };
                }
                match compose_at(docs, &target.location, target.node(), depth + 1)? {
                    Json::Object(base) => out = base,
                    other if entries.len() == 1 => return Ok(other),
                    _ => {
                        return Err(error(
                            location,
                            node,
                            Problem::Invalid(
                                "an example `$ref` with override keys must name an object".into(),
                            ),
                        ));
                    }
                }
            }
            for (key, value) in entries {
                if key != "$ref" {
                    let composed = compose_at(docs, &siblings_at.key(key), value, depth)?;
                    out.insert(key.clone(), composed);
                }
            }
            Json::Object(out)
        }
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| compose_at(docs, &location.index(i), item, depth))
            .collect::<Result<_>>()?,
        _ => node.to_json(),
    })
}
