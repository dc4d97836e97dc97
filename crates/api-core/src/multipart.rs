//! `multipart/mixed` bodies (RFC 2046), as federation media downloads use them: a JSON
//! metadata part, then the media bytes or a `Location` redirect.

use http::header::{HeaderMap, HeaderName, HeaderValue};

/// One part: its headers and bytes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Part {
    /// The part's headers (`Content-Type`, `Content-Disposition`, `Location`, …).
    pub headers: HeaderMap,
    /// The part's bytes.
    pub body: Vec<u8>,
}

/// A body that is not `multipart/mixed` as RFC 2046 writes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MultipartError {
    /// The content type has no `boundary` parameter.
    #[error("the content type has no boundary")]
    NoBoundary,
    /// The body does not start with the boundary or never closes it.
    #[error("the body is not delimited by its boundary")]
    Delimiters,
    /// A part's header block is malformed.
    #[error("malformed part headers")]
    Headers,
}

/// The `boundary` parameter of a `multipart/…` content type.
pub fn boundary(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"'))
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Splits a body into its parts.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Vec<Part>, MultipartError> {
    let boundary = boundary(content_type).ok_or(MultipartError::NoBoundary)?;
    let delimiter = format!("--{boundary}");
    let start = find(body, delimiter.as_bytes()).ok_or(MultipartError::Delimiters)?;
    let mut rest = &body[start + delimiter.len()..];
    let separator = format!("\r\n--{boundary}");
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or(MultipartError::Delimiters)?;
        let end = find(rest, separator.as_bytes()).ok_or(MultipartError::Delimiters)?;
        parts.push(part(&rest[..end])?);
        rest = &rest[end + separator.len()..];
    }
}

fn part(raw: &[u8]) -> Result<Part, MultipartError> {
    let (head, body) = match find(raw, b"\r\n\r\n") {
        Some(i) => (&raw[..i], &raw[i + 4..]),
        // No headers: the part starts with the empty line.
        None if raw.starts_with(b"\r\n") => (&raw[..0], &raw[2..]),
        None => return Err(MultipartError::Headers),
    };
    let mut headers = HeaderMap::new();
    let head = std::str::from_utf8(head).map_err(|_| MultipartError::Headers)?;
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').ok_or(MultipartError::Headers)?;
        let name =
            HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| MultipartError::Headers)?;
        let value = HeaderValue::from_str(value.trim()).map_err(|_| MultipartError::Headers)?;
        headers.append(name, value);
    }
    Ok(Part {
        headers,
        body: body.to_vec(),
    })
}

/// Writes parts as a body; returns the content type (with a boundary that occurs in no
/// part) and the bytes.
pub fn write(parts: &[Part]) -> (String, Vec<u8>) {
    let mut n = 0u32;
    let boundary = loop {
        let candidate = format!("matrix-boundary-{n:08x}");
        if !parts
            .iter()
            .any(|p| find(&p.body, candidate.as_bytes()).is_some())
        {
            break candidate;
        }
        n += 1;
    };
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        for (name, value) in &part.headers {
            body.extend_from_slice(name.as_str().as_bytes());
            body.extend_from_slice(b": ");
            body.extend_from_slice(value.as_bytes());
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&part.body);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/mixed; boundary={boundary}"), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn federation_media_round_trips() {
        let mut json = Part::default();
        json.headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        json.body = b"{}".to_vec();
        let mut media = Part::default();
        media.headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("image/png"),
        );
        media.body = vec![0x89, b'P', b'N', b'G', b'\r', b'\n'];
        let (content_type, body) = write(&[json.clone(), media.clone()]);
        assert_eq!(parse(&content_type, &body).unwrap(), vec![json, media]);
    }

    #[test]
    fn parses_a_hand_written_body() {
        let body = b"--xyz\r\nContent-Type: application/json\r\n\r\n{}\r\n--xyz\r\nLocation: https://cdn.example.org/a\r\n\r\n\r\n--xyz--\r\n";
        let parts = parse("multipart/mixed; boundary=\"xyz\"", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].body, b"{}");
        assert_eq!(parts[1].headers["location"], "https://cdn.example.org/a");
        assert!(parts[1].body.is_empty());
    }

    #[test]
    fn malformed_bodies_are_errors() {
        assert_eq!(
            parse("multipart/mixed", b""),
            Err(MultipartError::NoBoundary)
        );
        assert_eq!(
            parse("multipart/mixed; boundary=b", b"nothing"),
            Err(MultipartError::Delimiters)
        );
        assert_eq!(
            parse("multipart/mixed; boundary=b", b"--b\r\nno end"),
            Err(MultipartError::Delimiters)
        );
    }
}
