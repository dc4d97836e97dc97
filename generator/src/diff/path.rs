//! Field paths: where a field sits in a request, response or event.
//!
//! Syntax: segments joined by `.`; `[]` is an array's items, `[0]` a tuple position,
//! `{}` a map's values, `<label>` one object variant of a union (only when a union has
//! several). Property names escape `\`, `.`, `[`, `{` and `<` with a backslash, so
//! `m.account_moderation` is written `m\.account_moderation`. Examples:
//! `request.query.room_id`, `request.body.capabilities.m\.account_moderation.lock`,
//! `response.200.body.chunk[].content`, `response.302.header.Location`, `content.info.w`.

use std::fmt;

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    /// A named part (`request`, `body`, `200`) or an object property.
    Key(String),
    /// An array's items.
    Items,
    /// A tuple's position.
    Position(usize),
    /// A map's values.
    Values,
    /// One object variant of a union.
    Variant(String),
}

/// A path from the root of a request, response or event to a field.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    /// A path of named parts.
    pub fn keys(keys: &[&str]) -> FieldPath {
        FieldPath(keys.iter().map(|k| Segment::Key((*k).to_owned())).collect())
    }

    /// This path extended by one segment.
    pub fn child(&self, segment: Segment) -> FieldPath {
        let mut segments = Vec::with_capacity(self.0.len() + 1);
        segments.extend_from_slice(&self.0);
        segments.push(segment);
        FieldPath(segments)
    }

    /// The path without its last segment.
    pub fn parent(&self) -> Option<FieldPath> {
        let (_, rest) = self.0.split_last()?;
        Some(FieldPath(rest.to_vec()))
    }

    /// The last segment.
    pub fn last(&self) -> Option<&Segment> {
        self.0.last()
    }

    /// Whether `self` is `other` or inside it.
    pub fn starts_with(&self, other: &FieldPath) -> bool {
        self.0.starts_with(&other.0)
    }
}

fn escape(name: &str, out: &mut String) {
    for c in name.chars() {
        if matches!(c, '\\' | '.' | '[' | '{' | '<') {
            out.push('\\');
        }
        out.push(c);
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(name) => {
                    if i > 0 {
                        out.push('.');
                    }
                    escape(name, &mut out);
                }
                Segment::Items => out.push_str("[]"),
                Segment::Position(n) => {
                    out.push('[');
                    out.push_str(&n.to_string());
                    out.push(']');
                }
                Segment::Values => out.push_str("{}"),
                Segment::Variant(label) => {
                    out.push('<');
                    out.push_str(label);
                    out.push('>');
                }
            }
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_with_escapes() {
        let path = FieldPath::keys(&["request", "body", "capabilities", "m.account_moderation"])
            .child(Segment::Key("lock".into()));
        assert_eq!(
            path.to_string(),
            r"request.body.capabilities.m\.account_moderation.lock"
        );
        let path = FieldPath::keys(&["response", "200", "body", "chunk"])
            .child(Segment::Items)
            .child(Segment::Values)
            .child(Segment::Position(1));
        assert_eq!(path.to_string(), "response.200.body.chunk[]{}[1]");
    }
}
