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

impl Millis {
    /// The duration of an optional value.
    pub fn inner(millis: Option<Millis>) -> Option<Duration> {
        millis.map(|m| m.0)
    }
}

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

/// Writes the members of a [`json_object!`] struct, keeping the first error so that the
/// generated code needs no `?` per member.
#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct MapWriter<M: serde::ser::SerializeMap> {
    map: M,
    error: Option<M::Error>,
}

impl<M: serde::ser::SerializeMap> MapWriter<M> {
    /// Starts writing into `map`.
    pub fn new(map: M) -> Self {
        MapWriter { map, error: None }
    }

    /// Writes a member.
    pub fn entry<V: Serialize + ?Sized>(&mut self, key: &'static str, value: &V) {
        if self.error.is_none() {
            if let Err(error) = self.map.serialize_entry(key, value) {
                self.error = Some(error);
            }
        }
    }

    /// Writes a member when it has a value.
    pub fn optional<V: Serialize>(&mut self, key: &'static str, value: &Option<V>) {
        if let Some(value) = value {
            self.entry(key, value);
        }
    }

    /// Writes a duration in milliseconds when it has a value.
    pub fn optional_millis(&mut self, key: &'static str, value: Option<Duration>) {
        if let Some(value) = value {
            self.entry(key, &Millis(value));
        }
    }

    /// Writes the members a struct keeps beyond its own.
    pub fn extra<'a, V: Serialize + 'a>(
        &mut self,
        extra: impl IntoIterator<Item = (&'a String, &'a V)>,
    ) {
        for (key, value) in extra {
            if self.error.is_some() {
                return;
            }
            if let Err(error) = self.map.serialize_entry(key, value) {
                self.error = Some(error);
            }
        }
    }

    /// Writes the members of a flattened tagged enum.
    pub fn members<T: Members>(&mut self, members: &T) {
        if self.error.is_none() {
            if let Err(error) = members.write_members(&mut self.map) {
                self.error = Some(error);
            }
        }
    }

    /// Ends the object, or gives the first error.
    pub fn end(self) -> Result<M::Ok, M::Error> {
        match self.error {
            Some(error) => Err(error),
            None => self.map.end(),
        }
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
    (required; $w:ident, $json:literal, $value:expr) => {
        $w.entry($json, &$value)
    };
    (required_nullable; $w:ident, $json:literal, $value:expr) => {
        $w.entry($json, &$value)
    };
    (optional; $w:ident, $json:literal, $value:expr) => {
        $w.optional($json, &$value)
    };
    (optional_nullable; $w:ident, $json:literal, $value:expr) => {
        $w.optional($json, &$value)
    };
    (optional_value; $w:ident, $json:literal, $value:expr) => {
        $w.optional($json, &$value)
    };
    (default($default:expr); $w:ident, $json:literal, $value:expr) => {
        if $value != $default {
            $w.entry($json, &$value)
        }
    };
    (default_empty; $w:ident, $json:literal, $value:expr) => {
        if !$value.is_empty() {
            $w.entry($json, &$value)
        }
    };
    (millis; $w:ident, $json:literal, $value:expr) => {
        $w.entry($json, &$crate::json::Millis($value))
    };
    (optional_millis; $w:ident, $json:literal, $value:expr) => {
        $w.optional_millis($json, $value)
    };
    (default_millis($default:expr); $w:ident, $json:literal, $value:expr) => {
        if $value != $default {
            $w.entry($json, &$crate::json::Millis($value))
        }
    };
}

/// The type of the slot a [`json_object!`] field is read into.
#[doc(hidden)]
#[macro_export]
macro_rules! __json_slot {
    (optional_nullable; $fty:ty) => { $fty };
    (optional_value; $fty:ty) => { $fty };
    (default($default:expr); $fty:ty) => { ::std::option::Option<::std::option::Option<$fty>> };
    (default_empty; $fty:ty) => { ::std::option::Option<::std::option::Option<$fty>> };
    (millis; $fty:ty) => { ::std::option::Option<$crate::json::Millis> };
    (optional_millis; $fty:ty) => { ::std::option::Option<::std::option::Option<$crate::json::Millis>> };
    (default_millis($default:expr); $fty:ty) => { ::std::option::Option<::std::option::Option<$crate::json::Millis>> };
    ($mode:ident; $fty:ty) => { ::std::option::Option<$fty> };
}

/// Reads one member of a [`json_object!`] struct into its slot.
#[doc(hidden)]
#[macro_export]
macro_rules! __json_read {
    (millis; $map:ident, $slot:ident, $json:literal) => {
        $crate::de::read(&mut $map, &mut $slot, $json)
    };
    (optional_millis; $map:ident, $slot:ident, $json:literal) => {
        $crate::de::read(&mut $map, &mut $slot, $json)
    };
    (default_millis($default:expr); $map:ident, $slot:ident, $json:literal) => {
        $crate::__json_read!(optional_millis; $map, $slot, $json)
    };
    ($mode:ident $(($default:expr))?; $map:ident, $slot:ident, $json:literal) => {
        $crate::de::read(&mut $map, &mut $slot, $json)
    };
}

/// The field's value from its slot once the object is read.
#[doc(hidden)]
#[macro_export]
macro_rules! __json_finish {
    (required; $slot:ident, $json:literal, $err:ty) => {
        $crate::de::required::<_, $err>($slot, $json)?
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
        match $slot.flatten() {
            ::std::option::Option::Some(value) => value,
            ::std::option::Option::None => $default,
        }
    };
    (default_empty; $slot:ident, $json:literal, $err:ty) => {
        $slot.flatten().unwrap_or_default()
    };
    (millis; $slot:ident, $json:literal, $err:ty) => {
        $crate::__json_finish!(required; $slot, $json, $err).0
    };
    (optional_millis; $slot:ident, $json:literal, $err:ty) => {
        $crate::json::Millis::inner($slot.flatten())
    };
    (default_millis($default:expr); $slot:ident, $json:literal, $err:ty) => {
        match $slot.flatten() {
            ::std::option::Option::Some(value) => value.0,
            ::std::option::Option::None => $default,
        }
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
                let mut w = $crate::json::MapWriter::new(serializer.serialize_map(::std::option::Option::None)?);
                $($crate::__json_write!($mode $(($default))?; w, $json, self.$field);)*
                $(w.extra(&self.$extra);)?
                $(w.members(&self.$flat);)?
                w.end()
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
                        $(let mut $field: $crate::__json_slot!($mode $(($default))?; $fty) = ::std::option::Option::None;)*
                        $(let mut $extra: $xty = ::std::default::Default::default();)?
                        $(let mut $flat = $crate::JsonObject::new();)?
                        while let ::std::option::Option::Some(key) =
                            $crate::serde::de::MapAccess::next_key::<$crate::de::Key<'de>>(&mut map)?
                        {
                            match key.as_str() {
                                $($json => $crate::__json_read!($mode $(($default))?; map, $field, $json),)*
                                #[allow(unused_variables)]
                                other => $crate::json_object!(@rest map, other $(, $extra)? $(, $flat)?),
                            }?
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
        $crate::de::skip(&mut $map)
    };
    (@rest $map:ident, $key:ident, $into:ident) => {
        $crate::de::read_extra(&mut $map, &mut $into, $key)
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
