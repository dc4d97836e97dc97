//! YAML (and JSON) into [`Node`]s, with `libyaml-safer`.
//!
//! `serde_yaml` is deprecated, and its serde data model turns the key `1.20:` into the
//! float 1.2. `libyaml-safer` is libyaml (the parser under PyYAML, the spec's own
//! toolchain) ported to safe Rust: its event API gives each scalar's text, style and
//! position, so map keys keep the text they were written as and every node its line.
//! The YAML 1.2 parsers of the `yaml-rust2`/`saphyr` family reject 1,885 of the 7,061
//! spec files (flow mappings whose closing brace sits at the key's indentation), which
//! libyaml and PyYAML accept. Plain scalars are typed here with the YAML 1.2 core schema.

use std::collections::HashMap;

use libyaml_safer::{EventData, Parser, ScalarStyle};

use crate::node::{Node, Number, Value};

/// A YAML syntax problem and the 1-based line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// Line of the problem.
    pub line: u32,
    /// What the problem is.
    pub kind: YamlErrorKind,
}

/// What went wrong while parsing YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YamlErrorKind {
    /// The text is not YAML.
    Syntax(String),
    /// Aliases expand to more nodes than any spec file has.
    TooLarge,
    /// Collections nest deeper than any spec file does.
    TooDeep,
}

/// Collections may not nest deeper than this.
const MAX_DEPTH: usize = 200;

/// Aliases may not expand a document beyond this many nodes.
const MAX_NODES: usize = 5_000_000;

enum Frame {
    Seq {
        line: u32,
        anchor: Option<String>,
        items: Vec<Node>,
    },
    Map {
        line: u32,
        anchor: Option<String>,
        entries: Vec<(String, Node)>,
        key: Option<(String, u32)>,
    },
}

/// Parses one YAML document. An empty document is `null`. A mapping that repeats a key
/// keeps every entry; [`first_duplicate`] finds them.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut input = text.as_bytes();
    let mut parser = Parser::new();
    parser.set_input_string(&mut input);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<String, Node> = HashMap::new();
    let mut root: Option<Node> = None;
    let mut nodes = 0usize;
    loop {
        let event = parser.parse().map_err(|e| YamlError {
            line: e.problem_mark().map_or(0, |m| line_of(m.line)),
            kind: YamlErrorKind::Syntax(match e.context() {
                Some(context) => format!("{}, {context}", e.problem()),
                None => e.problem().to_owned(),
            }),
        })?;
        let line = line_of(event.start_mark.line);
        let (node, anchor) = match event.data {
            EventData::StreamEnd => break,
            EventData::SequenceStart { anchor, .. } => {
                check_depth(&stack, line)?;
                stack.push(Frame::Seq {
                    line,
                    anchor,
                    items: Vec::new(),
                });
                continue;
            }
            EventData::MappingStart { anchor, .. } => {
                check_depth(&stack, line)?;
                stack.push(Frame::Map {
                    line,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
                continue;
            }
            EventData::SequenceEnd | EventData::MappingEnd => match stack.pop() {
                Some(Frame::Seq {
                    line,
                    anchor,
                    items,
                }) => (
                    Node {
                        line,
                        value: Value::Seq(items),
                    },
                    anchor,
                ),
                Some(Frame::Map {
                    line,
                    anchor,
                    entries,
                    ..
                }) => (
                    Node {
                        line,
                        value: Value::Map(entries),
                    },
                    anchor,
                ),
                None => continue,
            },
            EventData::Scalar {
                anchor,
                tag,
                value,
                style,
                ..
            } => {
                if let Some(Frame::Map {
                    key: key @ None, ..
                }) = stack.last_mut()
                {
                    *key = Some((value, line));
                    continue;
                }
                (
                    Node {
                        line,
                        value: scalar(value, style, tag.as_deref()),
                    },
                    anchor,
                )
            }
            EventData::Alias { anchor } => {
                let node = anchors.get(&anchor).cloned().ok_or_else(|| YamlError {
                    line,
                    kind: YamlErrorKind::Syntax(format!("unknown alias `{anchor}`")),
                })?;
                nodes += count(&node);
                if nodes > MAX_NODES {
                    return Err(YamlError {
                        line,
                        kind: YamlErrorKind::TooLarge,
                    });
                }
                (node, None)
            }
            EventData::StreamStart { .. }
            | EventData::DocumentStart { .. }
            | EventData::DocumentEnd { .. } => continue,
        };
        nodes += 1;
        if let Some(anchor) = anchor {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                // Repeated keys are kept (see `first_duplicate`) so that a fix-up can
                // say which one is wrong.
                Some((k, _)) => entries.push((k, node)),
                None => {
                    return Err(YamlError {
                        line: node.line,
                        kind: YamlErrorKind::Syntax("mapping keys must be scalars".to_owned()),
                    });
                }
            },
            None => {
                if root.is_none() {
                    root = Some(node);
                }
            }
        }
    }
    Ok(root.unwrap_or_else(|| Node::synthetic(Value::Null)))
}

/// The first mapping key that occurs twice: the JSON pointer of the mapping, the key and
/// the line of its second occurrence.
pub fn first_duplicate(node: &Node) -> Option<(String, String, u32)> {
    let mut todo = vec![(String::new(), node)];
    while let Some((pointer, node)) = todo.pop() {
        match &node.value {
            Value::Map(entries) => {
                for (i, (key, value)) in entries.iter().enumerate() {
                    if entries[..i].iter().any(|(k, _)| k == key) {
                        return Some((pointer, key.clone(), value.line));
                    }
                }
                for (key, value) in entries.iter().rev() {
                    todo.push((crate::node::push_token(&pointer, key), value));
                }
            }
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate().rev() {
                    todo.push((crate::node::push_index(&pointer, i), item));
                }
            }
            _ => {}
        }
    }
    None
}

fn check_depth(stack: &[Frame], line: u32) -> Result<(), YamlError> {
    if stack.len() >= MAX_DEPTH {
        return Err(YamlError {
            line,
            kind: YamlErrorKind::TooDeep,
        });
    }
    Ok(())
}

/// libyaml counts lines from 0.
fn line_of(line: u64) -> u32 {
    u32::try_from(line + 1).unwrap_or(u32::MAX)
}

fn count(node: &Node) -> usize {
    let mut n = 0;
    let mut todo = vec![node];
    while let Some(node) = todo.pop() {
        n += 1;
        match &node.value {
            Value::Seq(items) => todo.extend(items),
            Value::Map(entries) => todo.extend(entries.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    n
}

/// Resolves a scalar with the YAML 1.2 core schema; only plain scalars are typed.
fn scalar(text: String, style: ScalarStyle, tag: Option<&str>) -> Value {
    if style != ScalarStyle::Plain || tag == Some("tag:yaml.org,2002:str") {
        return Value::String(text);
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    match number(&text) {
        Some(json) => Value::Number(Number { raw: text, json }),
        None => Value::String(text),
    }
}

fn number(text: &str) -> Option<serde_json::Number> {
    let bytes = text.as_bytes();
    let first = *bytes.first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return u64::from_str_radix(hex, 16).ok().map(Into::into);
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return u64::from_str_radix(oct, 8).ok().map(Into::into);
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = text.parse::<i64>() {
            return Some(i.into());
        }
        if let Ok(u) = unsigned.parse::<u64>() {
            if !text.starts_with('-') {
                return Some(u.into());
            }
        }
    }
    if is_core_float(unsigned) {
        return text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64);
    }
    None
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_core_float(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match frac {
        Some(f) => digits(int) && digits(f) && !(int.is_empty() && f.is_empty()),
        None => !int.is_empty() && digits(int),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_as_written() {
        let node = parse("x:\n  1.18: a\n  1.20: b\n  200: c\n").unwrap();
        let keys: Vec<_> = node
            .get("x")
            .unwrap()
            .as_map()
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(keys, ["1.18", "1.20", "200"]);
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let node = parse("[1, -2, 1.10, '1.10', true, ~, abc, 1e3, .5, 0x1F, 12abc]").unwrap();
        let json = node.to_json();
        assert_eq!(
            json,
            serde_json::json!([
                1, -2, 1.1, "1.10", true, null, "abc", 1000.0, 0.5, 31, "12abc"
            ])
        );
        let Value::Seq(items) = &node.value else {
            panic!()
        };
        assert_eq!(items[2].scalar_text().as_deref(), Some("1.10"));
    }

    #[test]
    fn lines_are_recorded() {
        let node = parse("a: 1\nb:\n  c: [1,\n    2]\n").unwrap();
        assert_eq!(node.get("b").unwrap().line, 3);
        assert_eq!(node.pointer("/b/c/1").unwrap().line, 4);
    }

    #[test]
    fn duplicate_keys_are_found() {
        let node = parse("x:\n  a: 1\n  b: 2\n  a: 3\n").unwrap();
        assert_eq!(first_duplicate(&node), Some(("/x".into(), "a".into(), 4)));
        assert_eq!(
            first_duplicate(&parse("a: {b: 1}\nc: [{b: 2}]\n").unwrap()),
            None
        );
    }

    #[test]
    fn syntax_errors_have_lines() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(matches!(err.kind, YamlErrorKind::Syntax(_)));
        assert!(err.line >= 1);
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let text = "[".repeat(10_000);
        assert_eq!(parse(&text).unwrap_err().kind, YamlErrorKind::TooDeep);
    }

    #[test]
    fn aliases_are_expanded() {
        let node = parse("a: &x {k: v}\nb: *x\n").unwrap();
        assert_eq!(node.get("b").unwrap().get("k").unwrap().as_str(), Some("v"));
    }

    #[test]
    fn json_documents_parse() {
        let node = parse("{\n  \"a\": [1, {\"b\": null}],\n  \"c\": \"d\"\n}").unwrap();
        assert_eq!(
            node.to_json(),
            serde_json::json!({"a": [1, {"b": null}], "c": "d"})
        );
    }
}
