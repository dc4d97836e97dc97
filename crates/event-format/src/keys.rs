//! Ed25519 signing keys (`ed25519:<version>`) and verification keys.
//!
//! Verification follows libsodium, which the reference implementation uses: public keys must
//! be canonical encodings of points that are not of small order, the signature's `S` must be
//! reduced and its `R` must not be of small order, and the check is the cofactorless equation
//! compared byte for byte. A signature accepted here is accepted there and vice versa.

use std::fmt;
use std::sync::OnceLock;

use curve25519_dalek::constants::EIGHT_TORSION;
use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::{Signer as _, Verifier as _};

use crate::base64::{self, Base64Error};

/// The only signing algorithm Matrix defines.
pub const ED25519: &str = "ed25519";

/// Why a key cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("invalid key encoding: {0}")]
    Encoding(#[from] Base64Error),
    #[error("key version {0:?} must be non-empty and consist of a-z, A-Z, 0-9 and _")]
    InvalidVersion(String),
    #[error("key ID {0:?} is not `ed25519:<version>`")]
    UnsupportedKeyId(String),
    #[error("public key is not a canonical encoding of a curve point")]
    InvalidPublicKey,
    #[error("public key is a point of small order")]
    WeakPublicKey,
}

/// A signature that does not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("signature does not verify")]
pub struct BadSignature;

/// Splits a key ID `ed25519:<version>` and checks the version's characters.
pub fn parse_key_id(key_id: &str) -> Result<&str, KeyError> {
    match key_id.split_once(':') {
        Some((ED25519, version)) => {
            check_version(version)?;
            Ok(version)
        }
        _ => Err(KeyError::UnsupportedKeyId(key_id.to_owned())),
    }
}

fn check_version(version: &str) -> Result<(), KeyError> {
    let valid = !version.is_empty()
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(KeyError::InvalidVersion(version.to_owned()))
    }
}

/// A server's ed25519 signing key and its key ID.
pub struct SigningKey {
    key: ed25519_dalek::SigningKey,
    key_id: String,
    verify_key: VerifyKey,
}

impl SigningKey {
    /// The key with the 32-byte `seed` and the ID `ed25519:<version>`.
    pub fn from_seed(seed: &[u8; 32], version: &str) -> Result<Self, KeyError> {
        check_version(version)?;
        let key = ed25519_dalek::SigningKey::from_bytes(seed);
        let verify_key = VerifyKey::from_bytes(key.verifying_key().as_bytes())?;
        Ok(SigningKey {
            key,
            key_id: format!("{ED25519}:{version}"),
            verify_key,
        })
    }

    /// Like [`from_seed`](Self::from_seed), with the seed in unpadded base64.
    pub fn from_base64_seed(seed: &str, version: &str) -> Result<Self, KeyError> {
        Self::from_seed(&base64::decode_array(seed)?, version)
    }

    /// The key ID, e.g. `ed25519:1`.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn verify_key(&self) -> &VerifyKey {
        &self.verify_key
    }

    /// Signs `message` (already canonical JSON); returns the 64-byte signature.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.key_id)
            .field("public_key", &self.verify_key.to_base64())
            .finish_non_exhaustive()
    }
}

/// A validated ed25519 public key, decoded once so that each verification is cheaper.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyKey {
    key: ed25519_dalek::VerifyingKey,
    valid_until_ts: Option<u64>,
}

impl VerifyKey {
    /// Accepts canonical encodings of points that are not of small order.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        let point = CompressedEdwardsY(*bytes)
            .decompress()
            .ok_or(KeyError::InvalidPublicKey)?;
        if point.compress().as_bytes() != bytes {
            return Err(KeyError::InvalidPublicKey);
        }
        if point.is_small_order() {
            return Err(KeyError::WeakPublicKey);
        }
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map_err(|_| KeyError::InvalidPublicKey)?;
        Ok(VerifyKey {
            key,
            valid_until_ts: None,
        })
    }

    /// Like [`from_bytes`](Self::from_bytes), with the key in unpadded base64.
    pub fn from_base64(key: &str) -> Result<Self, KeyError> {
        Self::from_bytes(&base64::decode_array(key)?)
    }

    /// Records the key's `valid_until_ts` (milliseconds): in room versions that enforce key
    /// validity, signatures on events with a later `origin_server_ts` are not checked with it.
    pub fn with_valid_until_ts(mut self, valid_until_ts: u64) -> Self {
        self.valid_until_ts = Some(valid_until_ts);
        self
    }

    pub fn valid_until_ts(&self) -> Option<u64> {
        self.valid_until_ts
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        self.key.as_bytes()
    }

    pub fn to_base64(&self) -> String {
        base64::encode(self.as_bytes())
    }

    /// Checks `signature` over `message` with libsodium's rules.
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> Result<(), BadSignature> {
        let mut r = [0u8; 32];
        r.copy_from_slice(&signature[..32]);
        if is_small_order_encoding(&r) {
            return Err(BadSignature);
        }
        // Rejects a non-reduced `S` and compares the recomputed `R` with the encoded one.
        self.key
            .verify(message, &ed25519_dalek::Signature::from_bytes(signature))
            .map_err(|_| BadSignature)
    }
}

impl fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyKey")
            .field("key", &self.to_base64())
            .field("valid_until_ts", &self.valid_until_ts)
            .finish()
    }
}

/// Whether a point encoding, sign bit ignored, is one of the points of order 1, 2, 4 or 8
/// (including the non-canonical encodings `p` and `p + 1` of `y = 0` and `y = 1`), as
/// libsodium's `ge25519_has_small_order` checks.
fn is_small_order_encoding(encoding: &[u8; 32]) -> bool {
    static BLOCKLIST: OnceLock<Vec<[u8; 32]>> = OnceLock::new();
    let blocklist = BLOCKLIST.get_or_init(|| {
        let mut list: Vec<[u8; 32]> = EIGHT_TORSION
            .iter()
            .map(|point| without_sign(point.compress().as_bytes()))
            .collect();
        let mut p = [0xff; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        let mut p_plus_one = p;
        p_plus_one[0] = 0xee;
        list.extend([p, p_plus_one]);
        list.sort_unstable();
        list.dedup();
        list
    });
    blocklist.contains(&without_sign(encoding))
}

fn without_sign(encoding: &[u8; 32]) -> [u8; 32] {
    let mut masked = *encoding;
    masked[31] &= 0x7f;
    masked
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1";

    #[test]
    fn key_ids() {
        let key = SigningKey::from_base64_seed(SEED, "1").unwrap();
        assert_eq!(key.key_id(), "ed25519:1");
        assert_eq!(parse_key_id("ed25519:a_bC9"), Ok("a_bC9"));
        assert!(matches!(
            parse_key_id("curve25519:1"),
            Err(KeyError::UnsupportedKeyId(_))
        ));
        assert!(matches!(
            parse_key_id("ed25519:"),
            Err(KeyError::InvalidVersion(_))
        ));
        assert!(matches!(
            SigningKey::from_base64_seed(SEED, "a-b"),
            Err(KeyError::InvalidVersion(_))
        ));
        assert!(matches!(
            SigningKey::from_base64_seed("YJDB", "1"),
            Err(KeyError::Encoding(Base64Error::WrongLength { .. }))
        ));
        // The seed never appears in debug output.
        assert!(!format!("{key:?}").contains(SEED));
    }

    #[test]
    fn sign_and_verify() {
        let key = SigningKey::from_base64_seed(SEED, "1").unwrap();
        let signature = key.sign(b"message");
        let verify_key = VerifyKey::from_base64(&key.verify_key().to_base64()).unwrap();
        assert_eq!(verify_key.verify(b"message", &signature), Ok(()));
        assert_eq!(verify_key.verify(b"messagf", &signature), Err(BadSignature));
        let mut tampered = signature;
        tampered[40] ^= 1;
        assert_eq!(verify_key.verify(b"message", &tampered), Err(BadSignature));
    }

    #[test]
    fn rejects_weak_and_non_canonical_public_keys() {
        for point in EIGHT_TORSION {
            assert_eq!(
                VerifyKey::from_bytes(point.compress().as_bytes()),
                Err(KeyError::WeakPublicKey)
            );
        }
        // y = p + 1 is a non-canonical encoding of the identity.
        let mut p_plus_one = [0xff; 32];
        p_plus_one[0] = 0xee;
        p_plus_one[31] = 0x7f;
        assert_eq!(
            VerifyKey::from_bytes(&p_plus_one),
            Err(KeyError::InvalidPublicKey)
        );
    }

    #[test]
    fn small_order_blocklist() {
        // Orders 1, 2, 4 and 8: five y values, plus the two non-canonical ones.
        assert!(is_small_order_encoding(&[0; 32]));
        let mut one = [0; 32];
        one[0] = 1;
        assert!(is_small_order_encoding(&one));
        one[31] = 0x80;
        assert!(is_small_order_encoding(&one));
        for point in EIGHT_TORSION {
            assert!(is_small_order_encoding(point.compress().as_bytes()));
        }
        let key = SigningKey::from_base64_seed(SEED, "1").unwrap();
        assert!(!is_small_order_encoding(key.verify_key().as_bytes()));
        let signature = key.sign(b"x");
        let mut r = [0; 32];
        r.copy_from_slice(&signature[..32]);
        assert!(!is_small_order_encoding(&r));
    }

    /// A signature with the identity as `R` and `S = k·a` satisfies the cofactorless equation
    /// (`S·B - k·A` is the identity), so plain ed25519-dalek accepts it; libsodium, and so
    /// this crate, reject it because `R` has small order.
    #[test]
    fn rejects_small_order_r_that_satisfies_the_equation() {
        use curve25519_dalek::scalar::{Scalar, clamp_integer};
        use sha2::{Digest, Sha512};

        let seed: [u8; 32] = base64::decode_array(SEED).unwrap();
        let key = SigningKey::from_seed(&seed, "1").unwrap();
        let expanded: [u8; 64] = Sha512::digest(seed).into();
        let mut secret = [0u8; 32];
        secret.copy_from_slice(&expanded[..32]);
        let a = Scalar::from_bytes_mod_order(clamp_integer(secret));
        let mut r = [0u8; 32];
        r[0] = 1; // the identity
        let message = b"forged";
        let k_hash: [u8; 64] = Sha512::new()
            .chain_update(r)
            .chain_update(key.verify_key().as_bytes())
            .chain_update(message)
            .finalize()
            .into();
        let k = Scalar::from_bytes_mod_order_wide(&k_hash);
        let mut signature = [0u8; 64];
        signature[..32].copy_from_slice(&r);
        signature[32..].copy_from_slice((k * a).as_bytes());

        let dalek = ed25519_dalek::VerifyingKey::from_bytes(key.verify_key().as_bytes()).unwrap();
        assert!(
            dalek
                .verify(message, &ed25519_dalek::Signature::from_bytes(&signature))
                .is_ok()
        );
        assert_eq!(
            key.verify_key().verify(message, &signature),
            Err(BadSignature)
        );
    }
}
