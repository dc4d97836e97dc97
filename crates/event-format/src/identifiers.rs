//! The identifier grammars this crate needs: server names and the domain of an ID.

/// Whether `name` matches the appendix's server name grammar: a DNS name, dotted IPv4 literal
/// or bracketed IPv6 literal, optionally followed by `:` and a port of 1–5 digits.
pub fn is_valid_server_name(name: &str) -> bool {
    let (host, port) = if name.starts_with('[') {
        match name.find(']') {
            Some(end) => (&name[..=end], &name[end + 1..]),
            None => return false,
        }
    } else {
        match name.find(':') {
            Some(colon) => (&name[..colon], &name[colon..]),
            None => (name, ""),
        }
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|digits| {
            (1..=5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
        });
    let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(ipv6) => {
            (2..=45).contains(&ipv6.len())
                && ipv6
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        }
        // Dotted IPv4 literals are a subset of this character set.
        None => {
            (1..=255).contains(&host.len())
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        }
    };
    port_ok && host_ok
}

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
    fn appendix_server_name_examples() {
        for valid in [
            "matrix.org",
            "matrix.org:8888",
            "1.2.3.4",
            "1.2.3.4:1234",
            "[1234:5678::abcd]",
            "[1234:5678::abcd]:5678",
            "localhost",
            "a-b.example",
        ] {
            assert!(is_valid_server_name(valid), "{valid}");
        }
        for invalid in [
            "",
            "matrix.org:",
            "matrix.org:123456",
            "matrix.org:80a",
            "exa mple.org",
            "[1234:5678::abcd",
            "[xyz]",
            "[1234::1]x",
            "example.org/path",
            "ü.example",
        ] {
            assert!(!is_valid_server_name(invalid), "{invalid}");
        }
    }

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
