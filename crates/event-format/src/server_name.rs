//! The server name grammar of the appendices ("Server Name"), applied strictly.
//!
//! This one file is compiled into both `matrix-event-format` (as `identifiers`'s grammar) and
//! `matrix-api-core` (for `ServerName` and the domains of identifiers, by a `#[path]` module),
//! so that the two crates accept exactly the same names. It uses `core` only.
//!
//! ```text
//! server_name = hostname [ ":" port ]
//! port        = 1*5DIGIT
//! hostname    = IPv4address / "[" IPv6address "]" / dns-name
//! IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT
//! IPv6address = 2*45IPv6char
//! IPv6char    = DIGIT / %x41-46 / %x61-66 / ":" / "."
//! dns-name    = 1*255dns-char
//! dns-char    = DIGIT / ALPHA / "-" / "."
//! ```
//!
//! plus the two requirements the appendix states in prose: an IPv4 literal is four decimal
//! numbers from 0 to 255, and an IPv6 literal is an address as RFC 3513 writes it. A name of
//! four dot-separated runs of digits is read as an IPv4 literal (RFC 1123: a host name never
//! has that form), so `1.2.3.256` is refused rather than taken for a DNS name.
//!
//! The authorization rules (`matrix-auth-rules`) keep their own, more lenient check on
//! purpose: it matches what the reference implementation accepts in room state.

use core::net::Ipv6Addr;

/// Whether `name` is a server name: a DNS name, an IPv4 literal or a bracketed IPv6 literal,
/// optionally followed by `:` and a port of one to five digits.
pub fn is_valid_server_name(name: &str) -> bool {
    let (host, port) = if name.starts_with('[') {
        match name.find(']') {
            Some(end) => name.split_at(end + 1),
            None => return false,
        }
    } else {
        match name.find(':') {
            Some(colon) => name.split_at(colon),
            None => (name, ""),
        }
    };
    is_valid_port(port) && is_valid_host(host)
}

/// Empty, or `:` and one to five digits.
fn is_valid_port(port: &str) -> bool {
    port.is_empty()
        || port.strip_prefix(':').is_some_and(|digits| {
            (1..=5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
        })
}

fn is_valid_host(host: &str) -> bool {
    if let Some(bracketed) = host.strip_prefix('[') {
        let Some(address) = bracketed.strip_suffix(']') else {
            return false;
        };
        return (2..=45).contains(&address.len())
            && address
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
            && address.parse::<Ipv6Addr>().is_ok();
    }
    let dns_chars = (1..=255).contains(&host.len())
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    dns_chars && (!is_dotted_quad(host) || is_ipv4_literal(host))
}

/// Four dot-separated runs of digits (of any length).
fn is_dotted_quad(host: &str) -> bool {
    host.split('.').count() == 4
        && host
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// Four decimal numbers of one to three digits, each at most 255 (leading zeros allowed, as
/// the grammar's `1*3DIGIT` allows them).
fn is_ipv4_literal(host: &str) -> bool {
    host.split('.').all(|part| {
        (1..=3).contains(&part.len())
            && part
                .bytes()
                .fold(0u32, |value, b| value * 10 + u32::from(b - b'0'))
                <= 255
    })
}

#[cfg(test)]
mod tests {
    use super::is_valid_server_name;

    #[test]
    fn the_appendix_examples_and_their_neighbours() {
        for valid in [
            "matrix.org",
            "matrix.org:8888",
            "1.2.3.4",
            "1.2.3.4:1234",
            "[1234:5678::abcd]",
            "[1234:5678::abcd]:5678",
            "localhost",
            "a-b.example",
            "127.0.0.1:8448",
            "255.255.255.255",
            "001.002.003.004",
            "[::1]",
            "[::1]:80",
            "[::ffff:1.2.3.4]",
            "1.2.3.4.5",
            "1.2.3",
            "example.org:0",
            "example.org:99999",
        ] {
            assert!(is_valid_server_name(valid), "{valid}");
        }
        let long_dns_name = "a".repeat(255);
        assert!(is_valid_server_name(&long_dns_name));
        for invalid in [
            "",
            ":80",
            "matrix.org:",
            "matrix.org:123456",
            "matrix.org:80a",
            "matrix.org:-1",
            "matrix.org:8:8",
            "exa mple.org",
            "example.org/path",
            "ü.example",
            "exa_mple.org",
            "1.2.3.256",
            "1.2.3.1000",
            "[1234:5678::abcd",
            "[xyz]",
            "[1234::1]x",
            "[]",
            "[:]",
            "[1]",
            "[1:2:3]",
            "[::1%eth0]",
            "[::1]:",
            "::1",
        ] {
            assert!(!is_valid_server_name(invalid), "{invalid:?}");
        }
        assert!(!is_valid_server_name(&"a".repeat(256)));
        let too_long_ipv6 = format!("[{}::1]", "0".repeat(44));
        assert!(!is_valid_server_name(&too_long_ipv6));
    }
}
