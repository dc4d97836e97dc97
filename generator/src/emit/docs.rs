//! Spec prose (Markdown written for the spec's website) as rustdoc that builds without
//! warnings: relative links point at spec.matrix.org, brackets that are not links are
//! escaped (rustdoc would read them as intra-doc links), `<…>` outside code is escaped
//! (rustdoc would read it as HTML), bare URLs are wrapped, and fenced blocks without a
//! language are marked `text` (rustdoc would compile them as Rust).

/// Rewrites `markdown` for rustdoc; `page` is the spec page relative `#anchor` links
/// belong to (`https://spec.matrix.org/v1.19/client-server-api/`).
pub fn rustdoc(markdown: &str, site: &str, page: &str) -> String {
    let markdown = shortcodes(markdown);
    let mut out = String::with_capacity(markdown.len() + 16);
    let mut in_fence = false;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            if !in_fence && trimmed.trim_end() == "```" {
                out.push_str(&line[..line.len() - trimmed.len()]);
                out.push_str("```text");
            } else {
                out.push_str(line);
            }
            in_fence = !in_fence;
        } else if in_fence {
            out.push_str(line);
        } else {
            rewrite_line(line, site, page, &mut out);
        }
        out.push('\n');
    }
    while out.ends_with('\n') {
        out.pop();
    }
    out
}

/// The spec site's Hugo shortcodes as Markdown: `{{% added-in v="1.17" %}}` → "**Added
/// in v1.17:**", `{{% changed-in … %}}` likewise, note and warning boxes → bold labels.
fn shortcodes(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(start) = rest.find("{{%") {
        let Some(len) = rest[start..].find("%}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let inner = rest[start + 3..start + len].trim();
        let version = inner
            .split_once("v=\"")
            .and_then(|(_, v)| v.split_once('"'))
            .map(|(v, _)| v);
        match (inner.split_whitespace().next().unwrap_or_default(), version) {
            ("added-in", Some(v)) => out.push_str(&format!("**Added in v{v}:**")),
            ("changed-in", Some(v)) => out.push_str(&format!("**Changed in v{v}:**")),
            ("boxes/note", _) => out.push_str("**Note:**"),
            ("boxes/warning", _) => out.push_str("**Warning:**"),
            _ => {}
        }
        rest = &rest[start + len + 3..];
    }
    out.push_str(rest);
    out
}

fn rewrite_line(line: &str, site: &str, page: &str, out: &mut String) {
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '`' => {
                // A code span: copy through to the matching run of backticks.
                let run = chars[i..].iter().take_while(|&&b| b == '`').count();
                let close = find_run(&chars, i + run, run);
                let end = close.map_or(chars.len(), |j| j + run);
                if close.is_none() {
                    // An unmatched backtick is literal text.
                    out.push_str("\\`");
                    i += 1;
                    continue;
                }
                out.extend(&chars[i..end]);
                i = end;
            }
            '[' => match link_end(&chars, i) {
                Some((text_end, url_start, url_end)) => {
                    out.push('[');
                    let text: String = chars[i + 1..text_end].iter().collect();
                    rewrite_line(&text, site, page, out);
                    out.push_str("](");
                    let url: String = chars[url_start..url_end].iter().collect();
                    out.push_str(&absolute(&url, site, page));
                    out.push(')');
                    i = url_end + 1;
                }
                None => {
                    out.push_str("\\[");
                    i += 1;
                }
            },
            ']' => {
                out.push_str("\\]");
                i += 1;
            }
            '<' => {
                let rest: String = chars[i + 1..].iter().collect();
                if let Some(end) = rest.find('>').filter(|_| rest.starts_with("http")) {
                    // An autolink `<https://…>` is fine as it is.
                    out.push('<');
                    out.push_str(&rest[..=end]);
                    i += 1 + rest[..=end].chars().count();
                } else {
                    out.push_str("&lt;");
                    i += 1;
                }
            }
            '>' if i > 0 => {
                out.push_str("&gt;");
                i += 1;
            }
            'h' if starts_with(&chars, i, "https://") || starts_with(&chars, i, "http://") => {
                let end = chars[i..]
                    .iter()
                    .position(|c| {
                        c.is_whitespace() || matches!(c, ')' | ']' | '"' | '\'' | '>' | '`')
                    })
                    .map_or(chars.len(), |p| i + p);
                let mut url: String = chars[i..end].iter().collect();
                let mut trailing = String::new();
                while url.ends_with(['.', ',', ';', ':']) {
                    trailing.insert(0, url.pop().unwrap_or_default());
                }
                out.push('<');
                out.push_str(&url);
                out.push('>');
                out.push_str(&trailing);
                i = end;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
}

fn starts_with(chars: &[char], at: usize, text: &str) -> bool {
    text.chars()
        .enumerate()
        .all(|(k, c)| chars.get(at + k) == Some(&c))
}

/// The index where a run of exactly `run` backticks starts, at or after `from`.
fn find_run(chars: &[char], from: usize, run: usize) -> Option<usize> {
    let mut j = from;
    while j < chars.len() {
        if chars[j] == '`' {
            let len = chars[j..].iter().take_while(|&&b| b == '`').count();
            if len == run {
                return Some(j);
            }
            j += len;
        } else {
            j += 1;
        }
    }
    None
}

/// For `[text](url)` starting at `open`: the index of `]`, and the range of the URL.
fn link_end(chars: &[char], open: usize) -> Option<(usize, usize, usize)> {
    let mut depth = 0;
    let mut j = open;
    while j < chars.len() {
        match chars[j] {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            '`' => {
                let run = chars[j..].iter().take_while(|&&b| b == '`').count();
                j = find_run(chars, j + run, run)? + run - 1;
            }
            _ => {}
        }
        j += 1;
    }
    if chars.get(j + 1) != Some(&'(') {
        return None;
    }
    let url_start = j + 2;
    let url_end = url_start + chars[url_start..].iter().position(|&c| c == ')')?;
    Some((j, url_start, url_end))
}

fn absolute(url: &str, site: &str, page: &str) -> String {
    if let Some(anchor) = url.strip_prefix('#') {
        format!("{page}#{anchor}")
    } else if let Some(path) = url.strip_prefix('/') {
        format!("{site}/{path}")
    } else if url.contains("://") || url.starts_with("mailto:") {
        url.to_owned()
    } else {
        format!("{site}/{url}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = "https://spec.matrix.org/v1.19";
    const PAGE: &str = "https://spec.matrix.org/v1.19/client-server-api/";

    fn doc(s: &str) -> String {
        rustdoc(s, SITE, PAGE)
    }

    #[test]
    fn links_become_absolute() {
        assert_eq!(
            doc("See [`/sync`](/client-server-api/#get_matrixclientv3sync)."),
            "See [`/sync`](https://spec.matrix.org/v1.19/client-server-api/#get_matrixclientv3sync)."
        );
        assert_eq!(
            doc("[x](#anchor)"),
            "[x](https://spec.matrix.org/v1.19/client-server-api/#anchor)"
        );
    }

    #[test]
    fn brackets_and_angles_are_escaped_outside_code() {
        assert_eq!(doc("a [b] c"), "a \\[b\\] c");
        assert_eq!(
            doc("(`/rooms/<room id>/invite` etc)"),
            "(`/rooms/<room id>/invite` etc)"
        );
        assert_eq!(doc("the <room id>"), "the &lt;room id&gt;");
        assert_eq!(
            doc("see https://example.org."),
            "see <https://example.org>."
        );
        assert_eq!(doc("<https://example.org>"), "<https://example.org>");
    }

    #[test]
    fn shortcodes_become_labels() {
        assert_eq!(
            doc("{{% added-in v=\"1.17\" %}} `M_X`: y"),
            "**Added in v1.17:** `M_X`: y"
        );
        assert_eq!(
            doc("{{% changed-in v=\"1.8\"%}} z"),
            "**Changed in v1.8:** z"
        );
        assert_eq!(
            doc("{{% boxes/note %}}\nBe careful.\n{{% /boxes/note %}}"),
            "**Note:**\nBe careful."
        );
    }

    #[test]
    fn fences_without_language_are_text() {
        assert_eq!(doc("```\n{\"a\": [1]}\n```"), "```text\n{\"a\": [1]}\n```");
        assert_eq!(doc("```json\n[x]\n```"), "```json\n[x]\n```");
    }
}
