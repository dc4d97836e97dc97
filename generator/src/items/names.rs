//! How spec names become Rust names: the one place that spells them.
//!
//! **Words.** Text is split into words at characters that are not ASCII letters or digits,
//! where a lower-case letter or a digit is followed by an upper-case one, and where an
//! acronym run ends (`HTTPServer` → `HTTP`, `Server`). Digits stay with the word before
//! them (`sendJoinV2` → `send`, `join`, `v2`), except that a number followed by letters
//! starts a word of its own (`3PIDs`, `3pid`): acronyms and numerals read as words. A few
//! mixed-case acronyms are words as written: `IdP`, `IDs`, `3PIDs`, `OpenID`.
//!
//! **Cases.** Modules, functions and fields are the words in lower case joined by `_`
//! (`getAccount3PIDs` → `get_account_3pids`, `redirectToIdP` → `redirect_to_idp`); types
//! and variants are the words capitalised (`Account3pids`). An identifier cannot start with
//! a digit: a leading number is spelled out (`3pid_creds` → `threepid_creds`). Keywords are
//! raw identifiers (`r#type`), except `self`, `Self`, `super` and `crate`, which get a `_`.
//!
//! **Fields.** A JSON key in the `m.` namespace drops the prefix (`m.relates_to` →
//! `relates_to`) unless that clashes with another member of the same object.
//!
//! **Clashes.** Within one namespace (a module's types, a struct's fields, an enum's
//! variants) names are chosen in the order of the spec's locations; a name already taken
//! gets `2`, `3`, … (fields: `_2`, `_3`, …).

use std::collections::BTreeSet;

use crate::ir::{EventKind, EventSchema};

/// Mixed-case runs that are single words as written.
const MIXED_WORDS: &[&str] = &["3PIDs", "3PID", "OpenID", "IdP", "IDs"];

/// The words of `text`, as written (not yet re-cased).
pub fn words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !c.is_ascii_alphanumeric() {
            flush(&mut words, &mut current);
            i += 1;
            continue;
        }
        if let Some(word) = mixed_word_at(&chars, i) {
            flush(&mut words, &mut current);
            words.push(word.to_owned());
            i += word.len();
            continue;
        }
        if let Some(prev) = current.chars().last() {
            let next = chars.get(i + 1).copied();
            let boundary = (c.is_ascii_uppercase()
                && (prev.is_ascii_lowercase() || prev.is_ascii_digit()))
                // The last capital of an acronym run starts the next word (`HTTPServer`).
                || (c.is_ascii_uppercase()
                    && prev.is_ascii_uppercase()
                    && next.is_some_and(|n| n.is_ascii_lowercase()))
                // A number followed by letters is a word of its own (`to3pid`).
                || (c.is_ascii_digit() && prev.is_ascii_alphabetic() && starts_numeral_word(&chars, i));
            if boundary {
                flush(&mut words, &mut current);
            }
        }
        current.push(c);
        i += 1;
    }
    flush(&mut words, &mut current);
    words
}

fn flush(words: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        words.push(std::mem::take(current));
    }
}

/// A [`MIXED_WORDS`] entry at `i` that ends at a word boundary.
fn mixed_word_at(chars: &[char], i: usize) -> Option<&'static str> {
    MIXED_WORDS.iter().copied().find(|word| {
        let len = word.len();
        let matches = chars.len() >= i + len && word.chars().zip(&chars[i..]).all(|(a, b)| a == *b);
        let ends = chars.get(i + len).is_none_or(|c| !c.is_ascii_lowercase());
        matches && ends
    })
}

/// Whether the digits at `i` are followed by letters (`3pid`), not by the end or a
/// separator (`v2`, `sha256`).
fn starts_numeral_word(chars: &[char], i: usize) -> bool {
    let rest = &chars[i..];
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    rest.get(digits).is_some_and(|c| c.is_ascii_alphabetic())
}

/// `snake_case` of `text`, a valid identifier (see the module docs).
pub fn snake(text: &str) -> String {
    let joined = words(text)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    let joined = if joined.is_empty() {
        "value".to_owned()
    } else {
        joined
    };
    spell_leading_number(&joined)
}

/// `UpperCamelCase` of `text`, a valid identifier (see the module docs).
pub fn camel(text: &str) -> String {
    let joined: String = words(text).iter().map(|w| capitalise(w)).collect();
    let joined = if joined.is_empty() {
        "Value".to_owned()
    } else {
        joined
    };
    let spelled = spell_leading_number(&joined);
    let mut chars = spelled.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => spelled,
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => {
            first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
        }
        None => String::new(),
    }
}

/// `3pid_creds` → `threepid_creds`.
fn spell_leading_number(name: &str) -> String {
    const DIGITS: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return name.to_owned();
    }
    let spelled: String = digits
        .chars()
        .map(|d| DIGITS[d.to_digit(10).unwrap_or(0) as usize])
        .collect();
    spelled + &name[digits.len()..]
}

/// The field name of a JSON key (the `m.` prefix dropped; see the module docs).
pub fn field(json_key: &str) -> String {
    snake(json_key.strip_prefix("m.").unwrap_or(json_key))
}

/// The field name of a JSON key when [`field`] clashes: the key in full.
pub fn field_in_full(json_key: &str) -> String {
    snake(json_key)
}

/// The singular of an English plural, for the items of an array or the values of a map
/// (`rooms` → `room`, `children` → `child`, `aliases` → `alias`, `properties` →
/// `property`); `None` when the word is not a plural.
pub fn singular(word: &str) -> Option<String> {
    let lower = word.to_ascii_lowercase();
    for (many, one) in [
        ("children", "child"),
        ("people", "person"),
        ("indices", "index"),
    ] {
        if let Some(stem) = lower.strip_suffix(many) {
            // Keep the case of the word's first letter (`Children` → `Child`).
            let upper = word[stem.len()..].starts_with(|c: char| c.is_ascii_uppercase());
            let one = if upper { camel(one) } else { one.to_owned() };
            return Some(word[..stem.len()].to_owned() + &one);
        }
    }
    if lower.ends_with("ies") && lower.len() > 4 {
        return Some(word[..word.len() - 3].to_owned() + "y");
    }
    if ["sses", "xes", "ches", "shes", "ases"]
        .iter()
        .any(|suffix| lower.ends_with(suffix))
    {
        return Some(word[..word.len() - 2].to_owned());
    }
    if ["ss", "us", "is"]
        .iter()
        .any(|suffix| lower.ends_with(suffix))
    {
        return None;
    }
    lower
        .strip_suffix('s')
        .filter(|stem| stem.len() > 1)
        .map(|_| word[..word.len() - 1].to_owned())
}

/// Whether `name` is a Rust keyword (strict or reserved).
pub fn is_keyword(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
        "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
        "return", "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe",
        "use", "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do",
        "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
        "gen",
    ];
    KEYWORDS.contains(&name)
}

/// Names taken in one namespace; [`Namespace::claim`] applies the clash rule.
#[derive(Debug, Clone, Default)]
pub struct Namespace {
    taken: BTreeSet<String>,
}

impl Namespace {
    /// A namespace where `reserved` are already taken.
    pub fn with_reserved<'a>(reserved: impl IntoIterator<Item = &'a str>) -> Self {
        Namespace {
            taken: reserved.into_iter().map(str::to_owned).collect(),
        }
    }

    /// Whether `name` is taken.
    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// `name`, or `name` + `separator` + the first free number from 2.
    pub fn claim(&mut self, name: &str, separator: &str) -> String {
        let mut candidate = name.to_owned();
        let mut n = 2;
        while !self.taken.insert(candidate.clone()) {
            candidate = format!("{name}{separator}{n}");
            n += 1;
        }
        candidate
    }
}

/// `RoomMemberEvent` for `m.room.member`, `RoomMessageTextEvent` for its `m.text` variant,
/// `TypingEdu` for the server-server EDU.
pub fn event_name(event: &EventSchema) -> String {
    let strip = |s: &str| camel(s.strip_prefix("m.").unwrap_or(s));
    let base = strip(&event.event_type) + &event.variant.as_deref().map(strip).unwrap_or_default();
    match event.kind {
        EventKind::Edu => format!("{base}Edu"),
        _ => format!("{base}Event"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronyms_and_numerals_read_as_words() {
        assert_eq!(snake("getAccount3PIDs"), "get_account_3pids");
        assert_eq!(snake("post3PIDs"), "post_3pids");
        assert_eq!(
            snake("requestTokenTo3PIDMSISDN"),
            "request_token_to_3pid_msisdn"
        );
        assert_eq!(snake("redirectToIdP"), "redirect_to_idp");
        assert_eq!(snake("queryUserByID"), "query_user_by_id");
        assert_eq!(snake("sendJoinV2"), "send_join_v2");
        assert_eq!(snake("getOpenIdUserInfo"), "get_open_id_user_info");
        assert_eq!(snake("m.relates_to"), "m_relates_to");
        assert_eq!(snake("sdpMLineIndex"), "sdp_m_line_index");
        assert_eq!(snake("HTTPServer"), "http_server");
        assert_eq!(snake("3pid_creds"), "threepid_creds");
        assert_eq!(snake("sha256"), "sha256");
    }

    #[test]
    fn types_are_capitalised_words() {
        assert_eq!(camel("m.login.sso flow schema"), "MLoginSsoFlowSchema");
        assert_eq!(camel("Third-party Signed"), "ThirdPartySigned");
        assert_eq!(camel("getAccount3PIDs"), "GetAccount3pids");
        assert_eq!(camel("3pid"), "Threepid");
        assert_eq!(camel("KeyObject"), "KeyObject");
        assert_eq!(camel(""), "Value");
    }

    #[test]
    fn fields_drop_the_m_prefix() {
        assert_eq!(field("m.relates_to"), "relates_to");
        assert_eq!(field_in_full("m.relates_to"), "m_relates_to");
        assert_eq!(field("type"), "type");
    }

    #[test]
    fn plurals_become_singular() {
        assert_eq!(singular("rooms").as_deref(), Some("room"));
        assert_eq!(singular("one_time_keys").as_deref(), Some("one_time_key"));
        assert_eq!(singular("children").as_deref(), Some("child"));
        assert_eq!(singular("RoomChildren").as_deref(), Some("RoomChild"));
        assert_eq!(singular("aliases").as_deref(), Some("alias"));
        assert_eq!(singular("properties").as_deref(), Some("property"));
        assert_eq!(singular("status"), None);
        assert_eq!(singular("chunk"), None);
    }

    #[test]
    fn clashes_get_numbers() {
        let mut ns = Namespace::with_reserved(["Request"]);
        assert_eq!(ns.claim("Request", ""), "Request2");
        assert_eq!(ns.claim("Room", ""), "Room");
        assert_eq!(ns.claim("Room", ""), "Room2");
        assert_eq!(ns.claim("room", "_"), "room");
        assert_eq!(ns.claim("room", "_"), "room_2");
    }
}
