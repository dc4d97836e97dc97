//! Limits on JSON bodies that `serde_json` does not enforce for the generated types: nesting
//! depth, and duplicate keys (which `serde_json` resolves silently, last one wins, in
//! free-form objects such as event content).
//!
//! One pass over the structure: string contents are skipped to the next quote or backslash.
//! Everything else about the JSON (its grammar, UTF-8, escapes, numbers) is left to the
//! generated parser, which answers `M_NOT_JSON` or `M_BAD_JSON`; where the scan cannot follow
//! the structure it stops and leaves the verdict to that parser.

use std::borrow::Cow;

use http::StatusCode;
use matrix_api_core::ErrorCode;
use smallvec::SmallVec;

use crate::rejection::Rejection;

/// A JSON body over the limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum JsonLimitError {
    #[error("JSON nested deeper than {0} levels")]
    TooDeep(usize),
    #[error("duplicate key {0:?} in a JSON object")]
    DuplicateKey(String),
}

impl From<JsonLimitError> for Rejection {
    fn from(error: JsonLimitError) -> Self {
        Rejection::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadJson,
            error.to_string(),
        )
    }
}

/// Checks `body` against the depth limit and for duplicate keys, in reading order.
pub(crate) fn check(body: &[u8], max_depth: usize) -> Result<(), JsonLimitError> {
    let mut scan = Scan {
        body,
        containers: SmallVec::new(),
        keys: SmallVec::new(),
        expect_key: false,
    };
    scan.run(max_depth)
}

/// An open array (`None`) or object (`Some(index of its first key in `keys`)`).
type Container = Option<usize>;

/// Open containers and keys kept inline up to this many (typical bodies never allocate).
const INLINE: usize = 16;

struct Scan<'b> {
    body: &'b [u8],
    containers: SmallVec<[Container; INLINE]>,
    /// The keys of the open objects, innermost last; escaped keys decoded.
    keys: SmallVec<[Cow<'b, [u8]>; INLINE]>,
    /// Whether the next string is an object key.
    expect_key: bool,
}

impl<'b> Scan<'b> {
    fn run(&mut self, max_depth: usize) -> Result<(), JsonLimitError> {
        let mut index = 0;
        while let Some(&byte) = self.body.get(index) {
            match byte {
                b'"' => {
                    let Some(end) = self.string_end(index + 1) else {
                        return Ok(());
                    };
                    if std::mem::take(&mut self.expect_key) {
                        let Some(key) = self.key(index, end) else {
                            return Ok(());
                        };
                        self.keys.push(key);
                    }
                    index = end + 1;
                    continue;
                }
                b'{' | b'[' => {
                    if self.containers.len() >= max_depth {
                        return Err(JsonLimitError::TooDeep(max_depth));
                    }
                    let object = byte == b'{';
                    self.containers.push(object.then_some(self.keys.len()));
                    self.expect_key = object;
                }
                b'}' | b']' => {
                    let Some(container) = self.containers.pop() else {
                        return Ok(());
                    };
                    if let Some(first_key) = container {
                        check_unique(&mut self.keys[first_key..])?;
                        self.keys.truncate(first_key);
                    }
                    self.expect_key = false;
                }
                b',' => self.expect_key = matches!(self.containers.last(), Some(Some(_))),
                _ => {}
            }
            index += 1;
        }
        Ok(())
    }

    /// The index of the quote closing the string whose contents start at `start`.
    fn string_end(&self, mut index: usize) -> Option<usize> {
        loop {
            let offset = memchr::memchr2(b'"', b'\\', &self.body[index..])?;
            index += offset;
            if self.body[index] == b'"' {
                return Some(index);
            }
            index += 2;
            if index > self.body.len() {
                return None;
            }
        }
    }

    /// The key between the quotes at `open` and `close`, decoded if it has escapes.
    fn key(&self, open: usize, close: usize) -> Option<Cow<'b, [u8]>> {
        let raw = &self.body[open + 1..close];
        if !raw.contains(&b'\\') {
            return Some(Cow::Borrowed(raw));
        }
        serde_json::from_slice::<String>(&self.body[open..=close])
            .ok()
            .map(|key| Cow::Owned(key.into_bytes()))
    }
}

/// The keys of one object must differ.
fn check_unique(keys: &mut [Cow<'_, [u8]>]) -> Result<(), JsonLimitError> {
    let duplicate = if keys.len() <= 16 {
        keys.iter()
            .enumerate()
            .find(|(i, key)| keys[..*i].contains(key))
            .map(|(_, key)| key)
    } else {
        keys.sort_unstable();
        keys.windows(2)
            .find(|pair| pair[0] == pair[1])
            .map(|pair| &pair[0])
    };
    match duplicate {
        Some(key) => Err(JsonLimitError::DuplicateKey(
            String::from_utf8_lossy(key).into_owned(),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_bounded() {
        assert_eq!(check(br#"{"a":[{"b":[]}]}"#, 4), Ok(()));
        assert_eq!(
            check(br#"{"a":[{"b":[]}]}"#, 3),
            Err(JsonLimitError::TooDeep(3))
        );
        // Brackets inside strings are text.
        assert_eq!(check(br#"{"a":"[[[[[[","b\"[[":1}"#, 1), Ok(()));
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            check(deep.as_bytes(), 100),
            Err(JsonLimitError::TooDeep(100))
        );
    }

    #[test]
    fn duplicate_keys_are_found_at_any_depth_and_through_escapes() {
        assert_eq!(
            check(br#"{"a":1,"a":2}"#, 10),
            Err(JsonLimitError::DuplicateKey("a".into()))
        );
        assert_eq!(
            check(br#"{"x":{"b":1,"\u0062":2}}"#, 10),
            Err(JsonLimitError::DuplicateKey("b".into()))
        );
        // The same key in sibling and nested objects, and as a value, is fine.
        assert_eq!(
            check(br#"{"a":{"a":"a"},"b":[{"a":1},{"a":2}],"c":"a"}"#, 10),
            Ok(())
        );
        let many: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{i}")).collect();
        let unique = format!("{{{}}}", many.join(","));
        assert_eq!(check(unique.as_bytes(), 10), Ok(()));
        let doubled = format!("{{{},\"k7\":0}}", many.join(","));
        assert_eq!(
            check(doubled.as_bytes(), 10),
            Err(JsonLimitError::DuplicateKey("k7".into()))
        );
    }

    #[test]
    fn malformed_json_is_left_to_the_parser() {
        for body in [
            &b"{\"a"[..],
            b"]]]",
            b"{\"a\\",
            b"\"\\u12",
            b"{\"\\uZZZZ\":1}",
        ] {
            assert_eq!(check(body, 10), Ok(()), "{body:?}");
        }
    }
}
