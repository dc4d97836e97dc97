//! Serde helpers the generated code uses.

use serde::{Deserialize, Deserializer};

/// For optional fields that may also be `null`: absent is `None`, `null` is `Some(None)`.
/// Use with `#[serde(default, deserialize_with = "…", skip_serializing_if = "Option::is_none")]`.
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// For optional fields of any JSON value: absent is `None`, `null` is `Some(Value::Null)`
/// (serde would read a `null` as absent).
pub fn double_option_value<'de, D>(deserializer: D) -> Result<Option<serde_json::Value>, D::Error>
where
    D: Deserializer<'de>,
{
    serde_json::Value::deserialize(deserializer).map(Some)
}

/// Declares a unit struct that (de)serialises as exactly one string: a single-value enum
/// of the spec, used as a fixed discriminator (`"type": "m.login.password"`).
#[macro_export]
macro_rules! fixed_string {
    ($(#[$doc:meta])* $name:ident = $value:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name;

        impl $name {
            /// The value.
            pub const VALUE: &'static str = $value;
        }

        impl $crate::serde::Serialize for $name {
            #[inline]
            fn serialize<S: $crate::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str($value)
            }
        }

        impl<'de> $crate::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as $crate::serde::Deserialize>::deserialize(deserializer)?;
                if s == $value {
                    ::std::result::Result::Ok($name)
                } else {
                    ::std::result::Result::Err(<D::Error as $crate::serde::de::Error>::invalid_value(
                        $crate::serde::de::Unexpected::Str(&s),
                        &$value,
                    ))
                }
            }
        }

        impl $crate::query::QueryValue for $name {
            #[inline]
            fn to_query(&self) -> ::std::string::String {
                ::std::borrow::ToOwned::to_owned($value)
            }
            #[inline]
            fn from_query(s: &str) -> ::std::result::Result<Self, ::std::string::String> {
                if s == $value { ::std::result::Result::Ok($name) } else { ::std::result::Result::Err(::std::format!("expected `{}`", $value)) }
            }
        }
    };
}

/// Declares a string enum that keeps values it does not know in `Other`, so that a new value
/// in a later spec version does not fail deserialisation.
#[macro_export]
macro_rules! string_enum {
    ($(#[$doc:meta])* $vis:vis enum $name:ident { $($(#[$vdoc:meta])* $variant:ident = $value:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        $vis enum $name {
            $($(#[$vdoc])* $variant,)*
            /// A value this version of the spec does not define.
            Other(::std::string::String),
        }

        impl $name {
            /// The value as sent on the wire.
            #[inline]
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $value,)*
                    $name::Other(s) => s,
                }
            }
        }

        impl ::std::convert::From<&str> for $name {
            #[inline]
            fn from(s: &str) -> Self {
                match s {
                    $($value => $name::$variant,)*
                    other => $name::Other(::std::borrow::ToOwned::to_owned(other)),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            #[inline]
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::serde::Serialize for $name {
            #[inline]
            fn serialize<S: $crate::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as $crate::serde::Deserialize>::deserialize(deserializer)?;
                ::std::result::Result::Ok($name::from(&*s))
            }
        }

        impl $crate::query::QueryValue for $name {
            #[inline]
            fn to_query(&self) -> ::std::string::String {
                ::std::borrow::ToOwned::to_owned(self.as_str())
            }
            #[inline]
            fn from_query(s: &str) -> ::std::result::Result<Self, ::std::string::String> {
                ::std::result::Result::Ok($name::from(s))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    crate::fixed_string!(
        /// Test.
        Password = "m.login.password"
    );
    crate::string_enum!(
        /// Test.
        pub enum Dir {
            /// Backwards.
            Backward = "b",
            /// Forwards.
            Forward = "f",
        }
    );

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Profile {
        #[serde(
            default,
            deserialize_with = "super::double_option",
            skip_serializing_if = "Option::is_none"
        )]
        displayname: Option<Option<String>>,
    }

    #[test]
    fn absent_and_null_differ() {
        let absent: Profile = serde_json::from_str("{}").unwrap();
        let null: Profile = serde_json::from_str(r#"{"displayname": null}"#).unwrap();
        assert_eq!(absent.displayname, None);
        assert_eq!(null.displayname, Some(None));
        assert_eq!(
            serde_json::to_string(&null).unwrap(),
            r#"{"displayname":null}"#
        );
        assert_eq!(serde_json::to_string(&absent).unwrap(), "{}");
    }

    #[test]
    fn fixed_strings_and_open_enums() {
        assert!(serde_json::from_str::<Password>("\"m.login.password\"").is_ok());
        assert_eq!(
            serde_json::to_string(&Password).unwrap(),
            format!("\"{}\"", Password::VALUE)
        );
        assert!(serde_json::from_str::<Password>("\"m.login.token\"").is_err());
        assert_eq!(serde_json::from_str::<Dir>("\"b\"").unwrap(), Dir::Backward);
        let other: Dir = serde_json::from_str("\"x\"").unwrap();
        assert_eq!(other, Dir::Other("x".into()));
        assert_eq!(serde_json::to_string(&other).unwrap(), "\"x\"");
    }
}
