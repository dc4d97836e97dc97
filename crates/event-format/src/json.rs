//! Strict JSON parsing for untrusted input: duplicate keys and deep nesting are errors.
//!
//! `serde_json` alone keeps the last of duplicate keys, which would let two servers see
//! different events in the same bytes; this parser rejects them instead.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Value};

/// A JSON object, the representation of events and signed objects throughout this crate.
pub type JsonObject = Map<String, Value>;

/// Deepest nesting of arrays and objects accepted by [`from_slice`] (`{"a":1}` has depth 1).
pub const MAX_DEPTH: usize = 100;

/// Why bytes are not acceptable JSON.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("duplicate key {0:?} in a JSON object")]
    DuplicateKey(String),
    #[error("JSON nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("expected a JSON object at the top level")]
    NotAnObject,
    /// Malformed JSON, invalid UTF-8, lone surrogates, numbers out of `f64` range…
    #[error("invalid JSON: {0}")]
    Syntax(#[source] serde_json::Error),
}

/// Parses one JSON value, rejecting duplicate keys and nesting deeper than [`MAX_DEPTH`].
pub fn from_slice(bytes: &[u8]) -> Result<Value, ParseError> {
    // Text found to be UTF-8 in one pass is read without checking each string again; other
    // input goes to the byte reader, which says where it fails.
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(serde_json::Deserializer::from_str(text)),
        Err(_) => parse(serde_json::Deserializer::from_slice(bytes)),
    }
}

fn parse<'de, R: serde_json::de::Read<'de>>(
    mut deserializer: serde_json::Deserializer<R>,
) -> Result<Value, ParseError> {
    let failure = Cell::new(None);
    let result = StrictValue {
        depth: 0,
        failure: &failure,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    result.map_err(|error| failure.take().unwrap_or(ParseError::Syntax(error)))
}

/// Parses a JSON object (an event, a signed object) with the checks of [`from_slice`].
pub fn object_from_slice(bytes: &[u8]) -> Result<JsonObject, ParseError> {
    match from_slice(bytes)? {
        Value::Object(object) => Ok(object),
        _ => Err(ParseError::NotAnObject),
    }
}

/// Builds a `serde_json::Value` while checking depth and duplicate keys; the typed cause of a
/// failure is kept in `failure`, since serde only carries error messages.
#[derive(Clone, Copy)]
struct StrictValue<'f> {
    depth: usize,
    failure: &'f Cell<Option<ParseError>>,
}

impl StrictValue<'_> {
    fn nested(&self) -> Result<Self, ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(ParseError::TooDeep);
        }
        Ok(StrictValue {
            depth: self.depth + 1,
            failure: self.failure,
        })
    }

    fn fail<E: de::Error>(&self, error: ParseError) -> E {
        let message = error.to_string();
        self.failure.set(Some(error));
        E::custom(message)
    }
}

impl<'de> DeserializeSeed<'de> for StrictValue<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        // serde_json never produces non-finite numbers, so this always succeeds.
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let child = self.nested().map_err(|error| self.fail(error))?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(child)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let child = self.nested().map_err(|error| self.fail(error))?;
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match object.entry(key) {
                Entry::Occupied(entry) => {
                    return Err(self.fail(ParseError::DuplicateKey(entry.key().clone())));
                }
                Entry::Vacant(entry) => {
                    entry.insert(map.next_value_seed(child)?);
                }
            }
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ordinary_json() {
        let value = from_slice(br#"{"a":[1,-2,3.5,"x",null,true],"b":{}}"#).unwrap();
        assert_eq!(value["a"][1], -2);
        assert_eq!(value["a"][2], 3.5);
        assert_eq!(value["b"], serde_json::json!({}));
        // Escapes, surrogate pairs and raw UTF-8, read from text checked as UTF-8.
        let value = from_slice(r#"{"a":"\ud83d\ude00\n\u00e9é"}"#.as_bytes()).unwrap();
        assert_eq!(value["a"], "😀\néé");
    }

    #[test]
    fn rejects_duplicate_keys_at_any_depth() {
        assert!(matches!(
            from_slice(br#"{"a":1,"a":2}"#),
            Err(ParseError::DuplicateKey(key)) if key == "a"
        ));
        assert!(matches!(
            from_slice(br#"{"x":[{"b":1,"c":2,"b":3}]}"#),
            Err(ParseError::DuplicateKey(key)) if key == "b"
        ));
        // The same key in sibling objects is fine.
        assert!(from_slice(br#"[{"a":1},{"a":2}]"#).is_ok());
    }

    #[test]
    fn rejects_deep_nesting_without_overflowing_the_stack() {
        let at_limit = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(from_slice(at_limit.as_bytes()).is_ok());
        let too_deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(matches!(
            from_slice(too_deep.as_bytes()),
            Err(ParseError::TooDeep)
        ));
        let hostile = "{\"a\":".repeat(1_000_000);
        assert!(matches!(
            from_slice(hostile.as_bytes()),
            Err(ParseError::TooDeep)
        ));
    }

    #[test]
    fn rejects_invalid_utf8_surrogates_and_garbage() {
        assert!(matches!(
            from_slice(b"{\"a\":\"\xff\"}"),
            Err(ParseError::Syntax(_))
        ));
        assert!(matches!(
            from_slice(br#"{"a":"\ud800"}"#),
            Err(ParseError::Syntax(_))
        ));
        assert!(matches!(from_slice(b"{} x"), Err(ParseError::Syntax(_))));
        assert!(matches!(from_slice(b"1e999"), Err(ParseError::Syntax(_))));
        assert!(matches!(
            object_from_slice(b"[]"),
            Err(ParseError::NotAnObject)
        ));
    }
}
