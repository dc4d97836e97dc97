//! Macros that write the JSON (de)serialisation of the generated types, so that the
//! generated code reads like the types it defines.
//!
//! [`json_object!`](crate::json_object) defines a struct for a JSON object and its `Serialize` and
//! `Deserialize` impls, member by member: no `serde_derive` (the largest cost of compiling
//! generated code), no sequence form, no buffering `flatten`. Each field starts with
//! `#[json("key", mode)]`, its JSON key and how it is present:
//!
//! | mode | field type | absent | written |
//! | --- | --- | --- | --- |
//! | `required` | `T` | error | always |
//! | `required_nullable` | `Option<T>` | error | always (`null` for `None`) |
//! | `optional` | `Option<T>` | `None` (`null` too) | when `Some` |
//! | `optional_nullable` | `Option<Option<T>>` | `None`; `null` is `Some(None)` | when `Some` |
//! | `optional_value` | `Option<Value>` | `None`; `null` is `Some(Null)` | when `Some` |
//! | `default(expr)` | `T` | `expr` (`null` too) | when `!= expr` |
//! | `default_empty` | `T` with `is_empty()` | `T::default()` | when not empty |
//! | `millis`, `optional_millis`, `default_millis(expr)` | `Duration`, `Option<Duration>` | as above | as integer milliseconds |
//!
//! After the fields, a field marked `#[json_extra]` (a `BTreeMap<String, V>`) keeps members
//! the struct does not name, or one marked `#[json_flatten]` hands them to a tagged enum
//! ([`Members`]). A member given twice is an error.
//!
//! [`json_union!`](crate::json_union) defines an untagged enum read by trying each variant in order.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::JsonObject;

/// A duration written as an integer number of milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Millis(pub Duration);

impl Serialize for Millis {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let millis = u64::try_from(self.0.as_millis()).unwrap_or(u64::MAX);
        serializer.serialize_u64(millis)
    }
}

impl<'de> Deserialize<'de> for Millis {
    /// Reads a non-negative integer (or a non-negative float, truncated, which some servers
    /// send).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Number::deserialize(deserializer)?;
        let millis = match (value.as_u64(), value.as_f64()) {
            (Some(n), _) => n,
            (None, Some(f)) if f >= 0.0 && f.is_finite() => f as u64,
            _ => {
                return Err(serde::de::Error::custom(format!(
                    "expected a non-negative number of milliseconds, found {value}"
                )));
            }
        };
        Ok(Millis(Duration::from_millis(millis)))
    }
}

/// A tagged enum whose members sit beside other members of one JSON object (the login
/// request's `type` with `password` or `token`, beside `device_id`).
pub trait Members: Sized {
    /// Writes the tag and the variant's members.
    fn write_members<M: serde::ser::SerializeMap>(&self, map: &mut M) -> Result<(), M::Error>;

    /// Reads the enum from the members its object had beyond the struct's own.
    fn from_members(members: JsonObject) -> Result<Self, serde_json::Error>;
}

/// Writes one member of a [`json_object!`] struct.
#[doc(hidden)]
#[macro_export]
macro_rules! __json_write {
    (required; $map:ident, $json:literal, $value:expr) => {
        $crate::serde::ser::SerializeMap::serialize_entry(&mut $map, $json, &$value)?;
    };
    (required_nullable; $map:ident, $json:literal, $value:expr) => {
        $crate::serde::ser::SerializeMap::serialize_entry(&mut $map, $json, &$value)?;
    };
    (optional; $map:ident, $json:literal, $value:expr) => {
        if let ::std::option::Option::Some(value) = &$value {
            $crate::serde::ser::SerializeMap::serialize_entry(&mut $map, $json, value)?;
        }
    };
    (optional_nullable; $map:ident, $json:literal, $value:expr) => {
        $crate::__json_write!(optional; $map, $json, $value)
    };
    (optional_value; $map:ident, $json:literal, $value:expr) => {
        $crate::__json_write!(optional; $map, $json, $value)
    };
    (default($default:expr); $map:ident, $json:literal, $value:expr) => {
        if $value != $default {
            $crate::serde::ser::SerializeMap::serialize_entry(&mut $map, $json, &$value)?;
        }
    };
    (default_empty; $map:ident, $json:literal, $value:expr) => {
        if !$value.is_empty() {
            $crate::serde::ser::SerializeMap::serialize_entry(&mut $map, $json, &$value)?;
        }
    };
    (millis; $map:ident, $json:literal, $value:expr) => {
        $crate::serde::ser::SerializeMap::serialize_entry(&mut $map, $json, &$crate::json::Millis($value))?;
    };
    (optional_millis; $map:ident, $json:literal, $value:expr) => {
        if let ::std::option::Option::Some(value) = $value {
            $crate::serde::ser::SerializeMap::serialize_entry(&mut $map, $json, &$crate::json::Millis(value))?;
        }
    };
    (default_millis($default:expr); $map:ident, $json:literal, $value:expr) => {
        if $value != $default {
            $crate::serde::ser::SerializeMap::serialize_entry(&mut $map, $json, &$crate::json::Millis($value))?;
        }
    };
}

/// Reads one member of a [`json_object!`] struct into its slot.
#[doc(hidden)]
#[macro_export]
macro_rules! __json_read {
    (millis; $map:ident, $slot:ident, $json:literal) => {
        $crate::de::set(&mut $slot, $json, $crate::serde::de::MapAccess::next_value::<$crate::json::Millis>(&mut $map)?)?
    };
    (optional_millis; $map:ident, $slot:ident, $json:literal) => {
        $crate::de::set(&mut $slot, $json, $crate::serde::de::MapAccess::next_value::<::std::option::Option<$crate::json::Millis>>(&mut $map)?)?
    };
    (default_millis($default:expr); $map:ident, $slot:ident, $json:literal) => {
        $crate::__json_read!(optional_millis; $map, $slot, $json)
    };
    ($mode:ident $(($default:expr))?; $map:ident, $slot:ident, $json:literal) => {
        $crate::de::set(&mut $slot, $json, $crate::serde::de::MapAccess::next_value(&mut $map)?)?
    };
}

/// The field's value from its slot once the object is read.
#[doc(hidden)]
#[macro_export]
macro_rules! __json_finish {
    (required; $slot:ident, $json:literal, $err:ty) => {
        $slot.ok_or_else(|| <$err as $crate::serde::de::Error>::missing_field($json))?
    };
    (required_nullable; $slot:ident, $json:literal, $err:ty) => {
        $crate::__json_finish!(required; $slot, $json, $err)
    };
    (optional; $slot:ident, $json:literal, $err:ty) => {
        $slot.flatten()
    };
    (optional_nullable; $slot:ident, $json:literal, $err:ty) => {
        $slot
    };
    (optional_value; $slot:ident, $json:literal, $err:ty) => {
        $slot
    };
    (default($default:expr); $slot:ident, $json:literal, $err:ty) => {
        $slot.flatten().unwrap_or_else(|| $default)
    };
    (default_empty; $slot:ident, $json:literal, $err:ty) => {
        $slot.flatten().unwrap_or_default()
    };
    (millis; $slot:ident, $json:literal, $err:ty) => {
        $crate::__json_finish!(required; $slot, $json, $err).0
    };
    (optional_millis; $slot:ident, $json:literal, $err:ty) => {
        $slot.flatten().map(|m: $crate::json::Millis| m.0)
    };
    (default_millis($default:expr); $slot:ident, $json:literal, $err:ty) => {
        $slot.flatten().map_or_else(|| $default, |m: $crate::json::Millis| m.0)
    };
}

/// Defines a struct for a JSON object, with its `Serialize` and `Deserialize` impls (see
/// the [module docs](crate::json)).
#[macro_export]
macro_rules! json_object {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                #[json($json:literal, $mode:ident $(($default:expr))?)]
                $(#[$fmeta:meta])*
                pub $field:ident : $fty:ty,
            )*
            $(#[json_extra] $(#[$xmeta:meta])* pub $extra:ident : $xty:ty,)?
            $(#[json_flatten] $(#[$lmeta:meta])* pub $flat:ident : $lty:ty,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$fmeta])* pub $field: $fty,)*
            $($(#[$xmeta])* pub $extra: $xty,)?
            $($(#[$lmeta])* pub $flat: $lty,)?
        }

        #[allow(deprecated)]
        impl $crate::serde::Serialize for $name {
            fn serialize<S: $crate::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                #[allow(unused_mut)]
                let mut map = serializer.serialize_map(::std::option::Option::None)?;
                $($crate::__json_write!($mode $(($default))?; map, $json, self.$field);)*
                $(
                    for (key, value) in &self.$extra {
                        $crate::serde::ser::SerializeMap::serialize_entry(&mut map, key, value)?;
                    }
                )?
                $($crate::json::Members::write_members(&self.$flat, &mut map)?;)?
                $crate::serde::ser::SerializeMap::end(map)
            }
        }

        #[allow(deprecated)]
        impl<'de> $crate::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                struct Visitor;
                impl<'de> $crate::serde::de::Visitor<'de> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a JSON object (", stringify!($name), ")"))
                    }
                    fn visit_map<A: $crate::serde::de::MapAccess<'de>>(self, mut map: A) -> ::std::result::Result<$name, A::Error> {
                        $(let mut $field = ::std::option::Option::None;)*
                        $(let mut $extra: $xty = ::std::default::Default::default();)?
                        $(let mut $flat = $crate::JsonObject::new();)?
                        while let ::std::option::Option::Some(key) =
                            $crate::serde::de::MapAccess::next_key::<$crate::de::Key<'de>>(&mut map)?
                        {
                            match key.as_str() {
                                $($json => $crate::__json_read!($mode $(($default))?; map, $field, $json),)*
                                #[allow(unused_variables)]
                                other => {
                                    $crate::json_object!(@rest map, other $(, $extra)? $(, $flat)?);
                                }
                            }
                        }
                        ::std::result::Result::Ok($name {
                            $($field: $crate::__json_finish!($mode $(($default))?; $field, $json, A::Error),)*
                            $($extra,)?
                            $($flat: $crate::json::Members::from_members($flat)
                                .map_err(<A::Error as $crate::serde::de::Error>::custom)?,)?
                        })
                    }
                }
                deserializer.deserialize_map(Visitor)
            }
        }
    };
    (@rest $map:ident, $key:ident) => {
        $crate::serde::de::MapAccess::next_value::<$crate::serde::de::IgnoredAny>(&mut $map)?;
    };
    (@rest $map:ident, $key:ident, $into:ident) => {
        $into.insert(::std::borrow::ToOwned::to_owned($key), $crate::serde::de::MapAccess::next_value(&mut $map)?);
    };
}

/// Defines an untagged enum whose variants are tried in order when reading.
#[macro_export]
macro_rules! json_union {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident($vty:ty),)*
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $($(#[$vmeta])* $variant($vty),)*
        }

        impl $crate::serde::Serialize for $name {
            fn serialize<S: $crate::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    $($name::$variant(value) => $crate::serde::Serialize::serialize(value, serializer),)*
                }
            }
        }

        impl<'de> $crate::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let json = <$crate::serde_json::Value as $crate::serde::Deserialize>::deserialize(deserializer)?;
                $(
                    if let ::std::result::Result::Ok(value) = <$vty as $crate::serde::Deserialize>::deserialize(&json) {
                        return ::std::result::Result::Ok($name::$variant(value));
                    }
                )*
                ::std::result::Result::Err(<D::Error as $crate::serde::de::Error>::custom(
                    concat!("the value matches no variant of ", stringify!($name)),
                ))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use serde_json::json;

    crate::json_object! {
        /// A test object.
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct Sample {
            #[json("name", optional)]
            /// Kept.
            pub name: Option<String>,
            #[json("full_state", default(false))]
            pub full_state: bool,
            #[json("limit", default(10))]
            pub limit: i64,
            #[json("via", default_empty)]
            pub via: Vec<String>,
            #[json("displayname", optional_nullable)]
            pub displayname: Option<Option<String>>,
            #[json("timeout", optional_millis)]
            pub timeout: Option<Duration>,
            #[json("type", optional)]
            pub r#type: Option<String>,
            #[json_extra]
            pub additional_properties: BTreeMap<String, serde_json::Value>,
        }
    }

    crate::json_object! {
        #[derive(Debug, PartialEq)]
        pub struct Required {
            #[json("map", required)]
            pub map: String,
            #[json("wait", millis)]
            pub wait: Duration,
        }
    }

    crate::json_union! {
        #[derive(Debug, PartialEq)]
        pub enum Key {
            Object(Required),
            String(String),
        }
    }

    #[test]
    fn defaults_fill_in_and_are_not_written() {
        let value: Sample =
            serde_json::from_value(json!({"limit": 10, "full_state": null})).unwrap();
        assert_eq!(
            value,
            Sample {
                limit: 10,
                ..Sample::default()
            }
        );
        assert_eq!(serde_json::to_value(&value).unwrap(), json!({}));
        let value: Sample =
            serde_json::from_value(json!({"full_state": true, "limit": 5, "via": ["a"]})).unwrap();
        assert_eq!(
            serde_json::to_value(&value).unwrap(),
            json!({"full_state": true, "limit": 5, "via": ["a"]})
        );
    }

    #[test]
    fn null_absent_unknown_and_durations() {
        let input = json!({"displayname": null, "timeout": 1500, "type": "x", "other": [1]});
        let value: Sample = serde_json::from_value(input.clone()).unwrap();
        assert_eq!(value.displayname, Some(None));
        assert_eq!(value.timeout, Some(Duration::from_millis(1500)));
        assert_eq!(value.additional_properties["other"], json!([1]));
        assert_eq!(serde_json::to_value(&value).unwrap(), input);
        assert!(serde_json::from_value::<Sample>(json!({"timeout": -1})).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"name": "a", "name": "b"}"#).is_err());
    }

    #[test]
    fn required_members_and_unions() {
        let err = serde_json::from_value::<Required>(json!({"map": "m"})).unwrap_err();
        assert!(err.to_string().contains("missing field `wait`"), "{err}");
        let key: Key = serde_json::from_value(json!({"map": "m", "wait": 2})).unwrap();
        assert_eq!(
            key,
            Key::Object(Required {
                map: "m".into(),
                wait: Duration::from_millis(2)
            })
        );
        assert_eq!(
            serde_json::from_value::<Key>(json!("k")).unwrap(),
            Key::String("k".into())
        );
        assert!(serde_json::from_value::<Key>(json!(1)).is_err());
    }
}
