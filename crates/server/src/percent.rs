//! Strict percent-encoding: every `%` starts a two-digit hex escape, and the decoded bytes are
//! UTF-8. `percent_decode` and `form_urlencoded` pass malformed escapes through and replace
//! invalid UTF-8, so the runtime checks path and query first, without allocating.

use http::StatusCode;
use matrix_api_core::ErrorCode;

use crate::rejection::Rejection;

/// A path or query whose escapes do not decode to text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PercentError {
    #[error("`%` at byte {0} does not start a two-digit hex escape")]
    MalformedEscape(usize),
    #[error("percent-decoded text is not UTF-8")]
    NotUtf8,
}

impl From<PercentError> for Rejection {
    fn from(error: PercentError) -> Self {
        Rejection::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidParam,
            error.to_string(),
        )
    }
}

/// Checks that `text` percent-decodes to UTF-8.
pub(crate) fn check(text: &str) -> Result<(), PercentError> {
    let bytes = text.as_bytes();
    let Some(mut index) = memchr::memchr(b'%', bytes) else {
        return Ok(());
    };
    let mut utf8 = Utf8Check::default();
    while index < bytes.len() {
        if utf8.needed == 0 {
            // Between escapes `text` is whole characters (`%` is never inside one).
            match memchr::memchr(b'%', &bytes[index..]) {
                Some(offset) => index += offset,
                None => break,
            }
        }
        let byte = if bytes[index] == b'%' {
            let digit = |offset: usize| bytes.get(index + offset).and_then(|b| hex(*b));
            match (digit(1), digit(2)) {
                (Some(high), Some(low)) => {
                    index += 3;
                    high << 4 | low
                }
                _ => return Err(PercentError::MalformedEscape(index)),
            }
        } else {
            index += 1;
            bytes[index - 1]
        };
        utf8.push(byte)?;
    }
    utf8.finish()
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

/// Validates UTF-8 one byte at a time (Unicode Table 3-7: no overlong forms, surrogates or
/// code points above U+10FFFF).
#[derive(Debug, Default)]
struct Utf8Check {
    /// Continuation bytes still expected.
    needed: u8,
    /// The range the next continuation byte must be in.
    lower: u8,
    upper: u8,
}

impl Utf8Check {
    fn push(&mut self, byte: u8) -> Result<(), PercentError> {
        if self.needed > 0 {
            if !(self.lower..=self.upper).contains(&byte) {
                return Err(PercentError::NotUtf8);
            }
            self.needed -= 1;
            (self.lower, self.upper) = (0x80, 0xBF);
            return Ok(());
        }
        (self.needed, self.lower, self.upper) = match byte {
            0x00..=0x7F => return Ok(()),
            0xC2..=0xDF => (1, 0x80, 0xBF),
            0xE0 => (2, 0xA0, 0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => (2, 0x80, 0xBF),
            0xED => (2, 0x80, 0x9F),
            0xF0 => (3, 0x90, 0xBF),
            0xF1..=0xF3 => (3, 0x80, 0xBF),
            0xF4 => (3, 0x80, 0x8F),
            _ => return Err(PercentError::NotUtf8),
        };
        Ok(())
    }

    fn finish(&self) -> Result<(), PercentError> {
        if self.needed == 0 {
            Ok(())
        } else {
            Err(PercentError::NotUtf8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(bytes: &[u8]) -> String {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut text = String::with_capacity(bytes.len() * 3);
        for byte in bytes {
            text.push('%');
            text.push(HEX[usize::from(byte >> 4)] as char);
            text.push(HEX[usize::from(byte & 15)] as char);
        }
        text
    }

    #[test]
    fn escapes_must_be_complete() {
        assert_eq!(check("/rooms/%21a%3Ab/join"), Ok(()));
        assert_eq!(check("a=%e2%82%ac&b=%2F"), Ok(()));
        assert_eq!(check("no escapes at all"), Ok(()));
        assert_eq!(check("%"), Err(PercentError::MalformedEscape(0)));
        assert_eq!(check("ab%4"), Err(PercentError::MalformedEscape(2)));
        assert_eq!(check("%ZZ"), Err(PercentError::MalformedEscape(0)));
        assert_eq!(check("%FF"), Err(PercentError::NotUtf8));
        assert_eq!(check("%E2%82"), Err(PercentError::NotUtf8));
        assert_eq!(check("%E2/%82%AC"), Err(PercentError::NotUtf8));
    }

    /// Every sequence of one or two bytes, every three-byte sequence with a three-byte lead,
    /// and four-byte sequences around each boundary of Table 3-7, judged as
    /// `std::str::from_utf8` judges them.
    #[test]
    fn agrees_with_std_on_utf8() {
        let (mut passed, mut failed) = (0u32, 0u32);
        let mut judge = |bytes: &[u8]| {
            let expected = std::str::from_utf8(bytes).is_ok();
            if check(&escaped(bytes)).is_ok() == expected {
                passed += 1;
            } else {
                failed += 1;
                eprintln!("disagree on {bytes:02X?}");
            }
        };
        for a in 0..=255u8 {
            judge(&[a]);
            for b in 0..=255u8 {
                judge(&[a, b]);
            }
        }
        for a in 0xE0..=0xEFu8 {
            for b in 0..=255u8 {
                for c in 0..=255u8 {
                    judge(&[a, b, c]);
                }
            }
        }
        let edges = [0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF];
        for a in 0xF0..=0xF5u8 {
            for b in edges {
                for c in edges {
                    for d in edges {
                        judge(&[a, b, c, d]);
                    }
                }
            }
        }
        println!("{passed} passed, {failed} failed");
        assert_eq!(failed, 0);
    }
}
