//! The identifier checks of the authorization rules, as lenient or strict as the reference
//! implementation: domains are everything after the first colon, power-level user IDs need only
//! `@` and a colon, `additional_creators` must be fully valid user IDs.

use std::net::Ipv6Addr;

/// The domain of a user, room or (v1–v2) event ID: everything after the first `:`.
pub fn domain_of(id: &str) -> Option<&str> {
    // A byte loop: IDs are short, and this runs for every event checked.
    let colon = id.bytes().position(|b| b == b':')?;
    Some(&id[colon + 1..])
}

/// `@localpart:domain` with any localpart and domain: what a key of `users` in
/// `m.room.power_levels` must look like.
pub(crate) fn looks_like_user_id(id: &str) -> bool {
    id.starts_with('@') && id.bytes().any(|b| b == b':')
}

/// A user ID whose domain is a valid server name and which is at most 255 bytes long: what
/// `additional_creators` entries must be (room version 12).
pub fn is_valid_user_id(id: &str) -> bool {
    looks_like_user_id(id) && id.len() <= 255 && domain_of(id).is_some_and(is_valid_server_name)
}

/// A host name (letters, digits, `-`, dot-separated non-empty labels) or bracketed IPv6 literal,
/// with an optional port.
pub(crate) fn is_valid_server_name(name: &str) -> bool {
    let host = if name.ends_with(']') {
        name
    } else {
        match name.rsplit_once(':') {
            Some((host, port)) => {
                if !is_python_int(port) {
                    return false;
                }
                host
            }
            None => name,
        }
    };
    if let Some(literal) = host.strip_prefix('[') {
        return literal
            .strip_suffix(']')
            .is_some_and(|address| address.parse::<Ipv6Addr>().is_ok());
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn is_python_int(text: &str) -> bool {
    crate::python_int::python_int(&serde_json::Value::String(text.to_owned())).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids() {
        for valid in [
            "@a:example.org",
            "@a:example.org:8448",
            "@a:[::1]",
            "@a:[::1]:80",
            "@:x",
        ] {
            assert!(is_valid_user_id(valid), "{valid}");
        }
        for invalid in [
            "a:example.org",
            "@example.org",
            "@a:",
            "@a:exa mple",
            "@a:a..b",
            "@a:[::1",
            "@a:[zz]",
            "@a:example.org:",
            "@a:example.org:x",
            "@a:b:c:1",
        ] {
            assert!(!is_valid_user_id(invalid), "{invalid}");
        }
        assert_eq!(domain_of("@a:b:c"), Some("b:c"));
        assert_eq!(domain_of("$abc"), None);
    }
}
