//! What the spec says an operation answers: its first documented success status (the lowest
//! `2xx`, or the lowest `3xx` when it documents no `2xx`), with that response's JSON example
//! (or else its schema's), `{}` for a JSON body without one, no bytes for other media, and no body when none is
//! documented; and the comparison of an answer with it.

use std::collections::HashSet;

use matrix_codegen::ir::{Additional, Kind, Operation, SchemaId, Spec, StatusCode};
use matrix_codegen::items::types::prose_default;
use serde_json::{Value, json};

/// The answer the spec's example gives.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub status: u16,
    pub body: ExpectedBody,
    /// Members the generated types leave out when written: `(name, value as text)` of the
    /// defaults (the schema's, or the description's, as the generator reads them) reachable
    /// from the response schema; a member equal to its default is not written.
    pub defaults: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExpectedBody {
    /// No body documented.
    None,
    /// JSON, equal as JSON.
    Json(Value),
    /// Bytes of another media type: the mock has none to give.
    Media,
}

/// The expected answer of `op`; `None` when it documents no success.
pub fn of(spec: &Spec, op: &Operation) -> Option<Expected> {
    let status_of = |status: &StatusCode| match *status {
        StatusCode::Code(code) => code,
        StatusCode::Range(range) => range * 100,
    };
    let first_in = |class: u16| {
        op.responses
            .iter()
            .filter(|r| status_of(&r.status) / 100 == class)
            .min_by_key(|r| status_of(&r.status))
    };
    let response = first_in(2).or_else(|| first_in(3))?;
    let defaults = response
        .body
        .as_ref()
        .and_then(|body| body.json()?.schema)
        .map(|schema| defaults(spec, schema))
        .unwrap_or_default();
    let body = match &response.body {
        None => ExpectedBody::None,
        Some(body) => match body.json() {
            Some(json) => ExpectedBody::Json(
                json.examples
                    .first()
                    .map(|e| e.value.clone())
                    .or_else(|| json.schema.and_then(|s| spec.types.example(s)))
                    .unwrap_or_else(|| json!({})),
            ),
            None if body.content.is_empty() => ExpectedBody::None,
            None => ExpectedBody::Media,
        },
    };
    Some(Expected {
        status: status_of(&response.status),
        body,
        defaults,
    })
}

/// `(name, default as text)` of every property with a default among the schemas reachable
/// from `root`.
fn defaults(spec: &Spec, root: SchemaId) -> Vec<(String, String)> {
    let (mut out, mut seen, mut queue) = (Vec::new(), HashSet::new(), vec![root]);
    while let Some(id) = queue.pop() {
        if !seen.insert(id) {
            continue;
        }
        match &spec.types.get(id).kind {
            Kind::Ref(next) | Kind::Recursive(next) | Kind::Array { items: next, .. } => {
                queue.push(*next);
            }
            Kind::Tuple { items }
            | Kind::Union {
                variants: items, ..
            } => queue.extend(items),
            Kind::Object(object) => {
                for property in &object.properties {
                    let target = spec.types.target(property.schema);
                    let annotations =
                        [property.schema, target].map(|s| &spec.types.get(s).annotations);
                    let default = annotations
                        .iter()
                        .find_map(|a| a.default.as_ref().map(text))
                        .or_else(|| {
                            let doc = annotations.iter().find_map(|a| a.description.as_deref())?;
                            prose_default(doc)
                        });
                    if let Some(default) = default {
                        out.push((property.name.clone(), default));
                    }
                    queue.push(property.schema);
                }
                if let Additional::Schema(values) = &object.additional {
                    queue.push(*values);
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether an answer (status and body bytes) is the expected one; the difference if not.
pub fn compare(expected: &Expected, status: u16, body: &[u8]) -> Result<(), String> {
    if status != expected.status {
        return Err(format!(
            "status {status}, expected {}: {}",
            expected.status,
            String::from_utf8_lossy(&body[..body.len().min(300)])
        ));
    }
    match &expected.body {
        ExpectedBody::None | ExpectedBody::Media => {
            if body.is_empty() || body == b"{}" {
                Ok(())
            } else {
                Err(format!(
                    "expected no body, got {}",
                    String::from_utf8_lossy(&body[..body.len().min(300)])
                ))
            }
        }
        ExpectedBody::Json(example) => {
            let actual: Value =
                serde_json::from_slice(body).map_err(|e| format!("the answer is not JSON: {e}"))?;
            let mut differences = Vec::new();
            let omissible = |key: &str, value: &Value| {
                matches!(value, Value::Object(m) if m.is_empty())
                    || matches!(value, Value::Array(a) if a.is_empty())
                    || expected
                        .defaults
                        .iter()
                        .any(|(k, v)| k == key && *v == text(value))
            };
            diff(
                example,
                &actual,
                String::new(),
                &omissible,
                &mut differences,
            );
            match differences.is_empty() {
                true => Ok(()),
                false => Err(format!(
                    "differs from the example: {}",
                    differences.join("; ")
                )),
            }
        }
    }
}

/// Where `b` differs from `a` (JSON pointers); numbers are equal when their values are, and
/// a member of `a` may be missing from `b` when `omissible` says the generated types do not
/// write it (an empty collection, a default).
fn diff(
    a: &Value,
    b: &Value,
    at: String,
    omissible: &dyn Fn(&str, &Value) -> bool,
    out: &mut Vec<String>,
) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => {}
        (Value::Object(x), Value::Object(y)) => {
            for (key, value) in x {
                let here = format!("{at}/{key}");
                match y.get(key) {
                    Some(other) => diff(value, other, here, omissible, out),
                    None if omissible(key, value) => {}
                    None => out.push(format!("{here} missing (was {value})")),
                }
            }
            for key in y.keys().filter(|k| !x.contains_key(*k)) {
                out.push(format!("{at}/{key} added ({})", y[key]));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (index, (v, w)) in x.iter().zip(y).enumerate() {
                diff(v, w, format!("{at}/{index}"), omissible, out);
            }
        }
        _ if a == b => {}
        _ => out.push(format!("{at}: {a} became {b}")),
    }
}

/// A value as the text of a default: strings without quotes, other values as JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
