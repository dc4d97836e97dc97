//! Unpadded base64 (`mx-unpadded-base64`) and its URL-safe variant.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes that travel as unpadded standard base64. Padded input is accepted and
/// re-encoded without padding.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Base64(pub Vec<u8>);

/// Bytes that travel as unpadded URL-safe base64.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Base64UrlSafe(pub Vec<u8>);

/// Text that is not base64.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid base64: {0}")]
pub struct Base64Error(String);

macro_rules! base64_type {
    ($ty:ident, $engine:expr) => {
        impl $ty {
            /// The encoded text.
            pub fn encode(&self) -> String {
                $engine.encode(&self.0)
            }
        }

        impl FromStr for $ty {
            type Err = Base64Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $engine
                    .decode(s.trim_end_matches('='))
                    .map($ty)
                    .map_err(|e| Base64Error(e.to_string()))
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.encode())
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($ty), self.encode())
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.encode())
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

base64_type!(Base64, STANDARD_NO_PAD);
base64_type!(Base64UrlSafe, URL_SAFE_NO_PAD);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpadded_round_trip() {
        let b: Base64 = "aGVsbG8".parse().unwrap();
        assert_eq!(b.0, b"hello");
        assert_eq!(b.to_string(), "aGVsbG8");
        assert_eq!("aGVsbG8=".parse::<Base64>().unwrap(), b);
        assert!("a$b".parse::<Base64>().is_err());
        let u: Base64UrlSafe = "_-8".parse().unwrap();
        assert_eq!(u.to_string(), "_-8");
    }
}
