//! The identifier grammars this crate needs: server names (the strict grammar shared with
//! `matrix-api-core`, in `server_name.rs`) and the domain of an ID.

pub use crate::server_name::is_valid_server_name;

/// The domain of a `&localpart:domain` identifier (user ID, room alias, v1–v11 room ID,
/// v1–v2 event ID): everything after the first colon, or `None` if there is no colon or
/// the domain is not a valid server name.
pub fn server_name_of(id: &str) -> Option<&str> {
    let (_, domain) = id.split_once(':')?;
    is_valid_server_name(domain).then_some(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_of_ids() {
        assert_eq!(server_name_of("@alice:example.org"), Some("example.org"));
        assert_eq!(
            server_name_of("$abc:example.org:8448"),
            Some("example.org:8448")
        );
        assert_eq!(server_name_of("!r:[::1]:80"), Some("[::1]:80"));
        assert_eq!(server_name_of("@alice"), None);
        assert_eq!(server_name_of("@alice:bad domain"), None);
    }
}
