//! Path templates: filling them with percent-encoded parameters, and matching a request
//! path against one.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Everything but RFC 3986 unreserved characters is encoded (`!room:server` →
/// `%21room%3Aserver`, `#alias` → `%23alias`, `$event` → `%24event`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment.
pub fn encode(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// Fills the `{…}` segments of `template` with `values` in order, percent-encoded.
/// Missing values leave the segment empty (the optional final `{stateKey}`).
pub fn fill(template: &str, values: &[&str]) -> String {
    let mut values = values.iter();
    let mut out = String::with_capacity(template.len() + 32);
    for (i, segment) in template.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if segment.starts_with('{') && segment.ends_with('}') {
            out.push_str(&encode(values.next().copied().unwrap_or_default()));
        } else {
            out.push_str(segment);
        }
    }
    out
}

/// Matches `path` against `template` (`/rooms/{roomId}/join`); returns the decoded values
/// of the `{…}` segments in order. A final parameter may be empty, with or without its
/// slash (the spec's `{stateKey}` is optional this way).
pub fn match_template(template: &str, path: &str) -> Option<Vec<String>> {
    let template: Vec<&str> = template.split('/').collect();
    let mut segments: Vec<&str> = path.split('/').collect();
    let last_is_param = template.last().is_some_and(|s| s.starts_with('{'));
    if last_is_param && segments.len() + 1 == template.len() {
        segments.push("");
    }
    if segments.len() != template.len() {
        return None;
    }
    let mut values = Vec::new();
    for (pattern, segment) in template.iter().zip(&segments) {
        if pattern.starts_with('{') && pattern.ends_with('}') {
            values.push(percent_decode_str(segment).decode_utf8().ok()?.into_owned());
        } else if pattern != segment {
            return None;
        }
    }
    Some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigils_are_encoded() {
        assert_eq!(encode("!room:example.org"), "%21room%3Aexample.org");
        assert_eq!(encode("#alias:example.org"), "%23alias%3Aexample.org");
        assert_eq!(encode("$event"), "%24event");
        assert_eq!(encode("m.room.member"), "m.room.member");
        assert_eq!(encode("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn templates_fill_in_order() {
        assert_eq!(
            fill(
                "/_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}",
                &["!r:a", "m.room.name", ""]
            ),
            "/_matrix/client/v3/rooms/%21r%3Aa/state/m.room.name/"
        );
        assert_eq!(fill("/a/b", &[]), "/a/b");
    }

    #[test]
    fn templates_match() {
        let t = "/_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}";
        assert_eq!(
            match_template(t, "/_matrix/client/v3/rooms/%21r%3Aa.b/state/m.room.name/"),
            Some(vec!["!r:a.b".into(), "m.room.name".into(), String::new()])
        );
        assert_eq!(
            match_template(t, "/_matrix/client/v3/rooms/%21r%3Aa.b/state/m.room.name"),
            Some(vec!["!r:a.b".into(), "m.room.name".into(), String::new()])
        );
        assert_eq!(match_template("/a/{x}/b", "/a/1/c"), None);
        assert_eq!(match_template("/a/{x}", "/a/%FF"), None);
    }
}
