//! Unpadded base64 (standard and URL-safe alphabets), as the appendix prescribes.
//!
//! Encoding never pads; decoding accepts input with or without padding, and ignores non-zero
//! bits after the last full byte as Python's decoder does (the appendix's own test seed
//! `YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1` has such bits).

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

const DECODE_CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD_ANY_PAD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, DECODE_CONFIG);
const URL_SAFE_ANY_PAD: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, DECODE_CONFIG);

/// Why a string is not the expected base64 data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Base64Error {
    #[error("invalid base64: {0}")]
    Invalid(#[from] base64::DecodeError),
    #[error("base64 data has {found} bytes, expected {expected}")]
    WrongLength { expected: usize, found: usize },
}

/// Standard alphabet, no padding.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
}

/// URL-safe alphabet (`-` and `_`), no padding.
pub fn encode_url_safe(bytes: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// [`encode`], appended to `out`.
pub(crate) fn append(out: &mut String, bytes: &[u8]) {
    base64::engine::general_purpose::STANDARD_NO_PAD.encode_string(bytes, out);
}

/// [`encode_url_safe`], appended to `out`.
pub(crate) fn append_url_safe(out: &mut String, bytes: &[u8]) {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(bytes, out);
}

/// Decodes the standard alphabet, with or without padding.
pub fn decode(text: &str) -> Result<Vec<u8>, Base64Error> {
    Ok(STANDARD_ANY_PAD.decode(text)?)
}

/// Decodes the URL-safe alphabet, with or without padding.
pub fn decode_url_safe(text: &str) -> Result<Vec<u8>, Base64Error> {
    Ok(URL_SAFE_ANY_PAD.decode(text)?)
}

/// Decodes the standard alphabet into exactly `N` bytes (keys, seeds, signatures, hashes).
pub fn decode_array<const N: usize>(text: &str) -> Result<[u8; N], Base64Error> {
    let bytes = decode(text)?;
    bytes
        .try_into()
        .map_err(|bytes: Vec<u8>| Base64Error::WrongLength {
            expected: N,
            found: bytes.len(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The examples of the appendix's Unpadded Base64 section.
    #[test]
    fn appendix_examples() {
        let examples = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in examples {
            assert_eq!(encode(plain), encoded);
            assert_eq!(decode(encoded).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn padding_is_optional_when_decoding() {
        assert_eq!(decode("Zg==").unwrap(), b"f");
        assert_eq!(decode("Zm8=").unwrap(), b"fo");
        assert_eq!(decode_url_safe("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(encode_url_safe([0xfb, 0xff]), "-_8");
        assert_eq!(encode([0xfb, 0xff]), "+/8");
        assert_eq!(decode("Zh").unwrap(), b"f");
    }

    #[test]
    fn rejects_wrong_input() {
        assert!(decode("Zm9v!").is_err());
        assert!(decode("-_8").is_err());
        assert!(decode("Z").is_err());
        assert_eq!(
            decode_array::<4>("Zm9v"),
            Err(Base64Error::WrongLength {
                expected: 4,
                found: 3
            })
        );
    }
}
