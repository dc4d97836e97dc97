//! The JSON path (`chunk[3].content`) at which parsing a body failed, found from the parse
//! error's line and column after the fact, so that a successful parse pays nothing for it
//! and any generated type (whose wire structs are private) can be located.
//!
//! The body is scanned up to the error's position, keeping the stack of open objects (with
//! their current key) and arrays (with their current index); the path is that of the
//! member being read. An error about a container as a whole (a duplicate field, a wrong
//! length) is reported at the container: the one just closed, else the innermost open one.
//! (A missing field is reported after serde_json read the closing brace, so at the object
//! too.) Paths are written like `serde_path_to_error` writes them, which the tests check.

use serde_json::error::Category;

/// Where in `body` the parse that gave `error` failed.
pub(crate) fn locate(body: &[u8], error: &serde_json::Error) -> String {
    let end = offset(body, error.line(), error.column());
    let whole_object = error.classify() == Category::Data && {
        let message = error.to_string();
        ["duplicate field", "invalid length"]
            .iter()
            .any(|start| message.starts_with(start))
    };
    let mut scanner = Scanner::default();
    scanner.scan(&body[..end]);
    scanner.path(whole_object)
}

/// The byte offset of a 1-based line and a column counted in bytes from the line's start.
fn offset(body: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match body[start..].iter().position(|&b| b == b'\n') {
            Some(newline) => start += newline + 1,
            None => return body.len(),
        }
    }
    start.saturating_add(column).min(body.len())
}

#[derive(Debug)]
enum Frame {
    /// An object, with its current key, and whether the next string is a key.
    Object { key: Option<String>, in_key: bool },
    /// An array, with the index of its current element once one started.
    Array { index: Option<usize> },
}

#[derive(Debug, Default)]
struct Scanner {
    stack: Vec<Frame>,
    /// Whether the last byte read closed an object or array.
    just_closed: bool,
}

impl Scanner {
    fn scan(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while let Some(&byte) = bytes.get(i) {
            i += 1;
            if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                self.just_closed = matches!(byte, b'}' | b']');
            }
            match byte {
                b' ' | b'\t' | b'\n' | b'\r' => {}
                b'{' => {
                    self.begin_value();
                    self.stack.push(Frame::Object {
                        key: None,
                        in_key: true,
                    });
                }
                b'[' => {
                    self.begin_value();
                    self.stack.push(Frame::Array { index: None });
                }
                b'}' | b']' => {
                    self.stack.pop();
                }
                b':' => {
                    if let Some(Frame::Object { in_key, .. }) = self.stack.last_mut() {
                        *in_key = false;
                    }
                }
                b',' => match self.stack.last_mut() {
                    Some(Frame::Object { key, in_key }) => {
                        *key = None;
                        *in_key = true;
                    }
                    Some(Frame::Array { index }) => *index = Some(index.map_or(1, |i| i + 1)),
                    None => {}
                },
                b'"' => {
                    let start = i - 1;
                    let end = string_end(bytes, i);
                    i = end.map_or(bytes.len(), |end| end + 1);
                    match self.stack.last_mut() {
                        Some(Frame::Object { key, in_key: true }) => {
                            *key = Some(match end {
                                Some(end) => serde_json::from_slice(&bytes[start..=end])
                                    .unwrap_or_else(|_| lossy(&bytes[start + 1..end])),
                                None => lossy(&bytes[start + 1..]),
                            });
                        }
                        _ => self.begin_value(),
                    }
                }
                _ => {
                    // A number, `true`, `false` or `null`.
                    while bytes.get(i).is_some_and(|b| is_scalar_byte(*b)) {
                        i += 1;
                    }
                    self.begin_value();
                }
            }
        }
    }

    /// A value starts: the first element of an array has index 0.
    fn begin_value(&mut self) {
        if let Some(Frame::Array { index }) = self.stack.last_mut() {
            index.get_or_insert(0);
        }
    }

    /// The path to the member being read; with `whole_object`, to the container just
    /// closed, or else the innermost open one.
    fn path(&self, whole_object: bool) -> String {
        let mut out = String::new();
        let open_object = whole_object && !self.just_closed;
        let last = self.stack.len().saturating_sub(1);
        for (depth, frame) in self.stack.iter().enumerate() {
            if open_object && depth == last {
                break;
            }
            match frame {
                Frame::Object { key: Some(key), .. } => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                }
                Frame::Array { index: Some(index) } => {
                    out.push('[');
                    out.push_str(&index.to_string());
                    out.push(']');
                }
                _ => {}
            }
        }
        if out.is_empty() {
            out.push('.');
        }
        out
    }
}

/// The index of the quote closing the string whose content starts at `from`.
fn string_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn is_scalar_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'+' | b'.')
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Response {
        next_batch: String,
        chunk: Vec<Event>,
        #[serde(default)]
        rooms: BTreeMap<String, Room>,
        #[serde(default)]
        count: Option<u32>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Event {
        #[serde(rename = "type")]
        kind: String,
        content: Content,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Content {
        body: String,
        #[serde(default)]
        size: Option<u64>,
        #[serde(default)]
        tags: Vec<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Room {
        joined: bool,
        pair: Option<(u8, u8)>,
    }

    /// The path `serde_path_to_error` gives, and ours, for the same failed parse.
    fn both(json: &str) -> (String, String) {
        let mut de = serde_json::Deserializer::from_str(json);
        let tracked = serde_path_to_error::deserialize::<_, Response>(&mut de)
            .expect_err(json)
            .path()
            .to_string();
        let error = serde_json::from_str::<Response>(json).expect_err(json);
        (tracked, locate(json.as_bytes(), &error))
    }

    #[test]
    fn agrees_with_serde_path_to_error() {
        let cases = [
            r#"{"next_batch": 5, "chunk": []}"#,
            r#"{"next_batch": "b", "chunk": {}}"#,
            r#"{"next_batch": "b", "chunk": [{"type": "m.x", "content": {"body": 1}}]}"#,
            r#"{"next_batch": "b", "chunk": [{"type": "m.x", "content": {"body": "a"}},
                {"type": "m.y", "content": {"body": "b", "size": -1}}]}"#,
            r#"{"next_batch": "b", "chunk": [{"type": "m.x", "content": {"body": "a", "tags": ["x", 2]}}]}"#,
            r#"{"next_batch": "b", "chunk": [{"type": "m.x", "content": {"size": 3}}]}"#,
            r#"{"next_batch": "b", "chunk": [{"type": "m.x", "content": {"body": "a"}}, {"content": {"body": "b"}}]}"#,
            r#"{"chunk": []}"#,
            r#"{"next_batch": "b", "chunk": [], "rooms": {"!a:b": {"joined": "yes"}}}"#,
            r#"{"next_batch": "b", "chunk": [], "rooms": {"!a:b": {"joined": true, "extra": 1}}}"#,
            r#"{"next_batch": "b", "chunk": [], "rooms": {"!a:b": {"joined": true, "pair": [1]}}}"#,
            r#"{"next_batch": "b", "chunk": [], "rooms": {"!a:b": {"joined": true, "pair": [1, 300]}}}"#,
            r#"{"next_batch": "b", "chunk": [], "count": "many"}"#,
            r#"{"next_batch": "b", "chunk": [{"type": "m.x", "content": {"body": {"nested": [1, {"x": 2}]}}}]}"#,
            "{\n  \"next_batch\": \"b\",\n  \"chunk\": [\n    {\"type\": \"m.x\", \"content\": {\"body\": null}}\n  ]\n}",
            r#"{"next_batch": "with \"quotes\" and \\", "chunk": [{"type": "m.\"x", "content": {"body": false}}]}"#,
            r#"{"next_b\u0061tch": "b", "chunk": [{"type": "é", "content": {"body": 1.5}}]}"#,
            r#"{"next_batch": "b", "next_batch": "c", "chunk": []}"#,
            r#"{"next_batch": "b", "chunk": [], "next_batch": "c"}"#,
            r#"{"next_batch": "b", "chunk": [{"type": "m.x", "type": "m.y", "content": {"body": ""}}]}"#,
            r#"[1, 2]"#,
            r#"7"#,
        ];
        for json in cases {
            let (tracked, ours) = both(json);
            assert_eq!(ours, tracked, "{json}");
        }
    }

    #[test]
    fn truncated_bodies_point_at_where_they_end() {
        let cut = r#"{"next_batch": "b", "chunk": [{"type": "m.x", "content": {"body": "hel"#;
        let error = serde_json::from_str::<Response>(cut).unwrap_err();
        assert_eq!(locate(cut.as_bytes(), &error), "chunk[0].content.body");
        let cut = r#"{"next_batch": "b", "chunk": [{"type": "m.x", "content": {"body": ""}}, "#;
        let error = serde_json::from_str::<Response>(cut).unwrap_err();
        assert_eq!(locate(cut.as_bytes(), &error), "chunk[1]");
    }

    #[test]
    fn bodies_that_are_not_json_are_the_root() {
        for body in ["", "<html>", "\u{0}\u{1}", "{\"a\"", "}}}]]]"] {
            let error = serde_json::from_str::<Response>(body).unwrap_err();
            let path = locate(body.as_bytes(), &error);
            assert!(!path.is_empty(), "{body:?}");
        }
    }
}
