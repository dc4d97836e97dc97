//! Identifiers of the `mx-*` string formats, validated when parsed (appendices,
//! "Identifier Grammar").

use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Identifiers are at most this many bytes long, sigil and server name included.
pub const MAX_BYTES: usize = 255;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdParseError {
    /// Empty input.
    #[error("empty identifier")]
    Empty,
    /// Over 255 bytes.
    #[error("identifier longer than {MAX_BYTES} bytes")]
    TooLong,
    /// The first character is not the sigil of this kind of identifier.
    #[error("expected the sigil `{0}`")]
    MissingSigil(char),
    /// There is no `:` before the server name.
    #[error("missing `:server_name`")]
    MissingServerName,
    /// The server name is not a DNS name, IPv4 or IPv6 literal with an optional port (the
    /// appendix's grammar, strictly: IPv4 numbers up to 255, IPv6 addresses as RFC 3513).
    #[error("invalid server name `{0}`")]
    InvalidServerName(String),
    /// The part after the sigil is empty or has characters it may not have.
    #[error("invalid localpart or opaque part")]
    InvalidLocalpart,
    /// Not of the form `mxc://server/media_id`.
    #[error("invalid mxc:// URI")]
    InvalidMxcUri,
}

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident, $validate:path) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Box<str>);

        impl $name {
            /// Parses and validates.
            pub fn parse(s: impl AsRef<str> + Into<Box<str>>) -> Result<Self, IdParseError> {
                if s.as_ref().len() > MAX_BYTES {
                    return Err(IdParseError::TooLong);
                }
                $validate(s.as_ref())?;
                Ok($name(s.into()))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdParseError;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdParseError;

            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), &*self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                Self::parse(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

identifier!(
    /// A user ID, `@localpart:server.name`.
    UserId,
    validate_user_id
);
identifier!(
    /// A room ID: `!opaque:server.name`, or from room version 12 `!` and the create event's
    /// reference hash.
    RoomId,
    validate_room_id
);
identifier!(
    /// An event ID: `$opaque:server.name` (room versions 1–2) or `$` and a hash.
    EventId,
    validate_event_id
);
identifier!(
    /// A room alias, `#alias:server.name`.
    RoomAliasId,
    validate_room_alias
);
identifier!(
    /// A server name: a DNS name, IPv4 address or bracketed IPv6 address, with an optional port.
    ServerName,
    validate_server_name
);
identifier!(
    /// A content URI, `mxc://server.name/media_id`.
    MxcUri,
    validate_mxc_uri
);

impl UserId {
    /// The part between `@` and `:`.
    pub fn localpart(&self) -> &str {
        self.0[1..].split_once(':').map_or("", |(l, _)| l)
    }

    /// The server name.
    pub fn server_name(&self) -> &str {
        self.0.split_once(':').map_or("", |(_, s)| s)
    }
}

impl RoomId {
    /// The server name, for room IDs that have one (room versions 1–11).
    pub fn server_name(&self) -> Option<&str> {
        self.0.split_once(':').map(|(_, s)| s)
    }
}

impl RoomAliasId {
    /// The server name.
    pub fn server_name(&self) -> &str {
        self.0.split_once(':').map_or("", |(_, s)| s)
    }
}

impl MxcUri {
    /// The server name.
    pub fn server_name(&self) -> &str {
        self.0["mxc://".len()..]
            .split_once('/')
            .map_or("", |(s, _)| s)
    }

    /// The media ID.
    pub fn media_id(&self) -> &str {
        self.0["mxc://".len()..]
            .split_once('/')
            .map_or("", |(_, m)| m)
    }
}

fn sigil(s: &str, sigil: char) -> Result<&str, IdParseError> {
    if s.is_empty() {
        return Err(IdParseError::Empty);
    }
    s.strip_prefix(sigil)
        .ok_or(IdParseError::MissingSigil(sigil))
}

fn with_server(rest: &str) -> Result<&str, IdParseError> {
    let (local, server) = rest
        .split_once(':')
        .ok_or(IdParseError::MissingServerName)?;
    validate_server_name(server)?;
    Ok(local)
}

fn no_controls(s: &str) -> Result<(), IdParseError> {
    if s.chars().any(char::is_control) {
        return Err(IdParseError::InvalidLocalpart);
    }
    Ok(())
}

fn validate_user_id(s: &str) -> Result<(), IdParseError> {
    let local = with_server(sigil(s, '@')?)?;
    if local.is_empty() {
        return Err(IdParseError::InvalidLocalpart);
    }
    // Historical user IDs may use any printable characters but `:`.
    no_controls(local)
}

fn validate_room_id(s: &str) -> Result<(), IdParseError> {
    let rest = sigil(s, '!')?;
    let opaque = if rest.contains(':') {
        with_server(rest)?
    } else {
        rest
    };
    if opaque.is_empty() {
        return Err(IdParseError::InvalidLocalpart);
    }
    no_controls(opaque)
}

fn validate_event_id(s: &str) -> Result<(), IdParseError> {
    let rest = sigil(s, '$')?;
    let opaque = if rest.contains(':') {
        with_server(rest)?
    } else {
        rest
    };
    if opaque.is_empty() {
        return Err(IdParseError::InvalidLocalpart);
    }
    no_controls(opaque)
}

fn validate_room_alias(s: &str) -> Result<(), IdParseError> {
    let local = with_server(sigil(s, '#')?)?;
    no_controls(local)
}

/// The strict server name grammar, shared with `matrix-event-format` (one file compiled into
/// both crates, so that they accept the same names).
#[path = "../../event-format/src/server_name.rs"]
mod server_name;

fn validate_server_name(s: &str) -> Result<(), IdParseError> {
    if server_name::is_valid_server_name(s) {
        Ok(())
    } else {
        Err(IdParseError::InvalidServerName(s.to_owned()))
    }
}

fn validate_mxc_uri(s: &str) -> Result<(), IdParseError> {
    let rest = s
        .strip_prefix("mxc://")
        .ok_or(IdParseError::InvalidMxcUri)?;
    let (server, media) = rest.split_once('/').ok_or(IdParseError::InvalidMxcUri)?;
    validate_server_name(server).map_err(|_| IdParseError::InvalidMxcUri)?;
    if media.is_empty()
        || !media
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(IdParseError::InvalidMxcUri);
    }
    Ok(())
}

/// A room ID or a room alias, told apart by the sigil.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoomOrAliasId {
    /// `!…`
    Room(RoomId),
    /// `#…`
    Alias(RoomAliasId),
}

impl RoomOrAliasId {
    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        match self {
            RoomOrAliasId::Room(id) => id.as_str(),
            RoomOrAliasId::Alias(alias) => alias.as_str(),
        }
    }
}

impl FromStr for RoomOrAliasId {
    type Err = IdParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with('#') {
            RoomAliasId::parse(s).map(RoomOrAliasId::Alias)
        } else {
            RoomId::parse(s).map(RoomOrAliasId::Room)
        }
    }
}

impl fmt::Display for RoomOrAliasId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RoomOrAliasId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RoomOrAliasId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_identifiers() {
        let user = UserId::parse("@alice:example.org").unwrap();
        assert_eq!(
            (user.localpart(), user.server_name()),
            ("alice", "example.org")
        );
        assert!(UserId::parse("@bob:[::1]:8448").is_ok());
        assert!(RoomId::parse("!abc:example.org").is_ok());
        assert!(RoomId::parse("!31hneApxJ_1o-63DmFrpeqnkFfWppnzWso1JvH3ogLM").is_ok());
        assert!(EventId::parse("$acR1l0raoZnm60CBwAVgqbZqoO/mYU81xysh1u7XcJk").is_ok());
        assert!(EventId::parse("$abc:example.org").is_ok());
        assert!(RoomAliasId::parse("#room:example.org").is_ok());
        assert!(ServerName::parse("127.0.0.1:8448").is_ok());
        let mxc = MxcUri::parse("mxc://example.org/SEsfnsuifSDFSSEF").unwrap();
        assert_eq!(
            (mxc.server_name(), mxc.media_id()),
            ("example.org", "SEsfnsuifSDFSSEF")
        );
    }

    #[test]
    fn invalid_identifiers() {
        assert_eq!(
            UserId::parse("alice:example.org"),
            Err(IdParseError::MissingSigil('@'))
        );
        assert_eq!(
            UserId::parse("@alice"),
            Err(IdParseError::MissingServerName)
        );
        assert!(UserId::parse("@alice:exa mple.org").is_err());
        assert!(RoomAliasId::parse("#room").is_err());
        assert!(ServerName::parse("example.org:port").is_err());
        assert!(ServerName::parse("[::1").is_err());
        // The strict grammar: IPv4 numbers up to 255, IPv6 literals that are addresses.
        assert!(ServerName::parse("1.2.3.256").is_err());
        assert!(ServerName::parse("[1:2:3]").is_err());
        assert!(UserId::parse("@a:[::1]:80").is_ok());
        assert!(UserId::parse("@a:[]").is_err());
        assert!(MxcUri::parse("mxc://example.org/").is_err());
        assert!(MxcUri::parse("https://example.org/x").is_err());
        assert_eq!(
            UserId::parse(format!("@{}:a.b", "x".repeat(300))),
            Err(IdParseError::TooLong)
        );
        assert_eq!(RoomId::parse(""), Err(IdParseError::Empty));
    }

    #[test]
    fn room_or_alias_by_sigil() {
        assert!(matches!("!r:a.b".parse(), Ok(RoomOrAliasId::Room(_))));
        assert!(matches!("#r:a.b".parse(), Ok(RoomOrAliasId::Alias(_))));
        assert!("@r:a.b".parse::<RoomOrAliasId>().is_err());
        let json: RoomOrAliasId = serde_json::from_str("\"#r:a.b\"").unwrap();
        assert_eq!(serde_json::to_string(&json).unwrap(), "\"#r:a.b\"");
    }
}
