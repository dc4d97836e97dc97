//! Deserialisation helpers for the generated `Deserialize` impls.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// An object key, borrowed from the input when it can be.
#[derive(Debug)]
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Reads a member's value into its slot; a member given twice is an error.
pub fn read<'de, T: Deserialize<'de>, A: de::MapAccess<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Skips a member the struct does not know.
pub fn skip<'de, A: de::MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<de::IgnoredAny>().map(drop)
}

/// Keeps a member the struct does not name.
pub fn read_extra<'de, V: Deserialize<'de>, A: de::MapAccess<'de>>(
    map: &mut A,
    extra: &mut impl Extend<(String, V)>,
    key: &str,
) -> Result<(), A::Error> {
    let value = map.next_value()?;
    extra.extend(std::iter::once((key.to_owned(), value)));
    Ok(())
}

/// The value of a required member, or the error that names it.
pub fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    match slot {
        Some(value) => Ok(value),
        None => Err(E::missing_field(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_borrow_when_unescaped() {
        let key: Key<'_> = serde_json::from_str("\"plain\"").unwrap();
        assert!(matches!(key.0, Cow::Borrowed("plain")));
        let key: Key<'_> = serde_json::from_str("\"esc\\u0061ped\"").unwrap();
        assert_eq!(key.as_str(), "escaped");
    }

    crate::json_object! {
        struct Pair {
            #[json("a", required)]
            pub a: i64,
            #[json("b", optional)]
            pub b: Option<i64>,
        }
    }

    #[test]
    fn duplicates_are_errors() {
        let error = serde_json::from_str::<Pair>(r#"{"a": 1, "a": 2}"#)
            .err()
            .unwrap();
        assert!(
            error.to_string().starts_with("duplicate field `a`"),
            "{error}"
        );
        let error = serde_json::from_str::<Pair>(r#"{"b": 1, "a": 2, "b": null}"#)
            .err()
            .unwrap();
        assert!(
            error.to_string().starts_with("duplicate field `b`"),
            "{error}"
        );
        let error = serde_json::from_str::<Pair>(r#"{"b": 1}"#).err().unwrap();
        assert!(
            error.to_string().starts_with("missing field `a`"),
            "{error}"
        );
    }
}
