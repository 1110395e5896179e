//! Sealing personal values with XChaCha20-Poly1305.
//!
//! A sealed value is `version (1 byte) || nonce (24 bytes) || ciphertext || tag (16 bytes)`.
//! The nonce is random per value (XChaCha's 192-bit nonce makes collisions negligible
//! without a counter to keep). The associated data names the column and the row id, so a
//! value copied into another row or column fails to open instead of being read as
//! someone else's data.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, ZeroizeOnDrop};

const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// A 256-bit data key. Wiped from memory when dropped; never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; 32]);

impl DataKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<DataKey, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        Ok(DataKey(bytes))
    }

    /// A key from its 32 raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> DataKey {
        DataKey(bytes)
    }

    /// The key as 64 lowercase hex digits (the key file's format and the keychain secret).
    pub(crate) fn to_hex(&self) -> String {
        let mut out = String::with_capacity(64);
        for byte in self.0 {
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        out
    }

    /// Parses 64 hex digits (surrounding whitespace allowed).
    pub(crate) fn from_hex(text: &str) -> Option<DataKey> {
        let digits = text.trim().as_bytes();
        if digits.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            *byte = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
        }
        Some(DataKey(bytes))
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Why a value could not be sealed or opened.
#[derive(Debug)]
pub(crate) enum CryptoError {
    /// The random source failed (no nonce, so nothing is written).
    Random,
    /// The value is too short, of an unknown format, or fails authentication.
    Unauthentic,
}

/// Seals and opens values with one data key.
pub(crate) struct Cipher {
    aead: XChaCha20Poly1305,
}

impl Cipher {
    pub(crate) fn new(key: &DataKey) -> Cipher {
        Cipher { aead: XChaCha20Poly1305::new((&key.0).into()) }
    }

    /// Encrypts `plain`, bound to `context` (table, column and row id).
    pub(crate) fn seal(&self, context: &str, plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| CryptoError::Random)?;
        let sealed = self
            .aead
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad: context.as_bytes() })
            .map_err(|_| CryptoError::Random)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts a value sealed with [`Cipher::seal`] under the same context.
    pub(crate) fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != FORMAT_V1 {
            return Err(CryptoError::Unauthentic);
        }
        let (nonce, body) = sealed[1..].split_at(NONCE_LEN);
        self.aead
            .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad: context.as_bytes() })
            .map_err(|_| CryptoError::Unauthentic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> Cipher {
        Cipher::new(&DataKey::from_bytes([7; 32]))
    }

    #[test]
    fn sealed_value_opens_only_in_its_own_context() {
        let sealed = cipher().seal("assessments.summary:1", b"call me on 07700 900123").unwrap();
        assert_eq!(cipher().open("assessments.summary:1", &sealed).unwrap(), b"call me on 07700 900123");
        assert!(cipher().open("assessments.summary:2", &sealed).is_err());
        assert!(Cipher::new(&DataKey::from_bytes([8; 32])).open("assessments.summary:1", &sealed).is_err());
    }

    #[test]
    fn same_value_sealed_twice_differs() {
        let a = cipher().seal("c", b"same").unwrap();
        let b = cipher().seal("c", b"same").unwrap();
        assert_ne!(a, b, "nonces must be fresh");
    }

    #[test]
    fn flipped_or_truncated_bytes_are_refused() {
        let mut sealed = cipher().seal("c", b"value").unwrap();
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(cipher().open("c", &sealed).is_err());
        assert!(cipher().open("c", &sealed[..10]).is_err());
        assert!(cipher().open("c", &[]).is_err());
    }

    #[test]
    fn hex_round_trip_and_bad_hex() {
        let key = DataKey::generate().unwrap();
        let again = DataKey::from_hex(&format!("  {}\n", key.to_hex())).unwrap();
        assert_eq!(key.0, again.0);
        assert!(DataKey::from_hex("abc").is_none());
        assert!(DataKey::from_hex(&"zz".repeat(32)).is_none());
        assert_eq!(format!("{key:?}"), "DataKey(..)");
    }
}
