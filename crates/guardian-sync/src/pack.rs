//! Signed rule-pack updates.
//!
//! A signed pack is one JSON file, exactly what the server serves at `GET /v1/rule-pack`:
//! `{"version", "bundle", "signature"}`. `bundle` is itself JSON text — the pack's six
//! TOML files and its version — and `signature` is the hex ed25519 signature over the
//! bundle's UTF-8 bytes, made with the private key that only the people who publish rules
//! hold (`guardian-pack sign`). The outer `version` is informational; the signed one counts.
//!
//! A device takes a pack only if, in this order: the signature checks out against a public
//! key compiled into it ([`PackVerifier::production`]); the bundle reads; its version is
//! strictly newer than the rules in use; it loads and passes every rule's own examples
//! (`Engine::from_sources`); and the loaded version is the one signed. Anything else is
//! refused with the reason, and the rules in use stay.

use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use guardian_engine::{Engine, PackSources};
use serde::{Deserialize, Serialize};

use crate::error::{Result, SyncError};

/// The public half of Titanium Guardian's rule-pack signing key (hex). The private half is
/// never in the repository; see docs/deployment.md.
pub const PRODUCTION_PUBLIC_KEY: &str = include_str!("../rule-pack-signing.pub");

/// The file an installed update is kept in, in the data folder.
pub const INSTALLED_PACK_FILE: &str = "rule-pack.json";

/// The served (and installed) form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedPack {
    /// The pack's version (informational; the signed bundle's counts).
    pub version: String,
    /// The bundle, as JSON text.
    pub bundle: String,
    /// ed25519 over `bundle`'s bytes, hex.
    pub signature: String,
}

/// What is signed: the pack's files and its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackBundle {
    /// Always 1.
    pub format: u32,
    /// The version in `pack.toml`.
    pub version: String,
    /// `pack.toml`.
    pub pack: String,
    /// `text.toml`.
    pub text: String,
    /// `url.toml`.
    pub url: String,
    /// `call.toml`.
    pub call: String,
    /// `money.toml`.
    pub money: String,
    /// `identity.toml`.
    pub identity: String,
}

impl PackBundle {
    /// The engine's view of it.
    pub fn sources(&self) -> PackSources<'_> {
        PackSources {
            pack: &self.pack,
            text: &self.text,
            url: &self.url,
            call: &self.call,
            money: &self.money,
            identity: &self.identity,
        }
    }

    /// A bundle from a pack's sources; the version is the one the pack declares, after it
    /// loads and passes its self-tests.
    pub fn from_sources(sources: &PackSources<'_>) -> Result<PackBundle> {
        let engine = Engine::from_sources(sources)
            .map_err(|e| SyncError::PackRefused(format!("it failed its own checks ({e})")))?;
        Ok(PackBundle {
            format: 1,
            version: engine.pack_version().to_owned(),
            pack: sources.pack.to_owned(),
            text: sources.text.to_owned(),
            url: sources.url.to_owned(),
            call: sources.call.to_owned(),
            money: sources.money.to_owned(),
            identity: sources.identity.to_owned(),
        })
    }

    /// Reads the six files from a rules folder.
    pub fn from_dir(dir: &Path) -> Result<PackBundle> {
        let read = |name: &str| {
            std::fs::read_to_string(dir.join(name)).map_err(|e| SyncError::InvalidInput {
                field: "rules",
                message: format!("{} cannot be read ({e})", dir.join(name).display()),
            })
        };
        let (pack, text, url, call, money, identity) = (
            read("pack.toml")?,
            read("text.toml")?,
            read("url.toml")?,
            read("call.toml")?,
            read("money.toml")?,
            read("identity.toml")?,
        );
        PackBundle::from_sources(&PackSources {
            pack: &pack,
            text: &text,
            url: &url,
            call: &call,
            money: &money,
            identity: &identity,
        })
    }
}

/// Signs a bundle; returns the signed pack file's bytes.
pub fn sign(bundle: &PackBundle, key: &SigningKey) -> Result<Vec<u8>> {
    let text = serde_json::to_string(bundle)
        .map_err(|e| SyncError::InvalidInput { field: "bundle", message: e.to_string() })?;
    let signature = key.sign(text.as_bytes());
    let signed = SignedPack { version: bundle.version.clone(), bundle: text, signature: to_hex(&signature.to_bytes()) };
    serde_json::to_vec_pretty(&signed).map_err(|e| SyncError::InvalidInput { field: "bundle", message: e.to_string() })
}

/// A signing key from 64 hex digits (the 32-byte seed).
pub fn signing_key_from_hex(hex: &str) -> Result<SigningKey> {
    let bytes: [u8; 32] = from_hex(hex.trim())
        .and_then(|b| b.try_into().ok())
        .ok_or(SyncError::InvalidInput { field: "signing key", message: "expected 64 hex digits".to_owned() })?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// A new random signing key.
pub fn generate_signing_key() -> Result<SigningKey> {
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut())
        .map_err(|e| SyncError::InvalidInput { field: "signing key", message: format!("no random source: {e}") })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Hex of bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok()).collect()
}

/// Checks signed packs against trusted public keys.
#[derive(Debug, Clone)]
pub struct PackVerifier {
    keys: Vec<VerifyingKey>,
}

/// A pack that passed every check.
pub struct VerifiedPack {
    /// Its bundle.
    pub bundle: PackBundle,
    /// The engine over it, ready to use.
    pub engine: Engine,
}

impl std::fmt::Debug for VerifiedPack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedPack").field("version", &self.bundle.version).finish()
    }
}

impl PackVerifier {
    /// The key compiled into this build.
    pub fn production() -> PackVerifier {
        // The key file is checked by a test; a broken one trusts nothing.
        PackVerifier { keys: PackVerifier::from_hex(PRODUCTION_PUBLIC_KEY).map(|v| v.keys).unwrap_or_default() }
    }

    /// Trusts exactly this public key (64 hex digits) — tests and private deployments.
    pub fn from_hex(public_key: &str) -> Result<PackVerifier> {
        let bytes: [u8; 32] = from_hex(public_key.trim())
            .and_then(|b| b.try_into().ok())
            .ok_or(SyncError::InvalidInput { field: "public key", message: "expected 64 hex digits".to_owned() })?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| SyncError::InvalidInput { field: "public key", message: "not an ed25519 key".to_owned() })?;
        Ok(PackVerifier { keys: vec![key] })
    }

    /// Trusts this key.
    pub fn from_key(key: VerifyingKey) -> PackVerifier {
        PackVerifier { keys: vec![key] }
    }

    /// Checks a signed pack and that it is newer than `current_version`; see the module
    /// docs for the order of checks.
    pub fn verify(&self, signed: &[u8], current_version: &str) -> Result<VerifiedPack> {
        let bundle = self.verify_signature(signed)?;
        if !is_newer(&bundle.version, current_version)? {
            return Err(SyncError::PackRefused(format!(
                "its version {} is not newer than the rules in use ({current_version})",
                bundle.version
            )));
        }
        self.load(bundle)
    }

    /// The signature and the bundle, nothing else.
    pub fn verify_signature(&self, signed: &[u8]) -> Result<PackBundle> {
        let refuse = |why: &str| SyncError::PackRefused(why.to_owned());
        let signed: SignedPack =
            serde_json::from_slice(signed).map_err(|_| refuse("it is not a signed rule pack (unreadable)"))?;
        let signature = from_hex(&signed.signature)
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .map(|b| Signature::from_bytes(&b))
            .ok_or_else(|| refuse("its signature is not an ed25519 signature"))?;
        if !self.keys.iter().any(|key| key.verify(signed.bundle.as_bytes(), &signature).is_ok()) {
            return Err(refuse("its signature does not match: it was changed, or not signed by Titanium Guardian"));
        }
        let bundle: PackBundle =
            serde_json::from_str(&signed.bundle).map_err(|_| refuse("its contents cannot be read"))?;
        if bundle.format != 1 {
            return Err(refuse("it is in a format this version does not know; update the app"));
        }
        Ok(bundle)
    }

    fn load(&self, bundle: PackBundle) -> Result<VerifiedPack> {
        let engine = Engine::from_sources(&bundle.sources())
            .map_err(|e| SyncError::PackRefused(format!("it failed its own checks ({e})")))?;
        if engine.pack_version() != bundle.version {
            return Err(SyncError::PackRefused(format!(
                "it says version {} but its rules say {}",
                bundle.version,
                engine.pack_version()
            )));
        }
        Ok(VerifiedPack { bundle, engine })
    }
}

/// True when `candidate` is a strictly newer version than `current` (dotted numbers, e.g.
/// `2026.11.2`).
pub fn is_newer(candidate: &str, current: &str) -> Result<bool> {
    let parse = |v: &str| -> Result<Vec<u64>> {
        v.split('.')
            .map(|part| part.parse::<u64>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| SyncError::PackRefused(format!("its version '{v}' is not in the form YEAR.MONTH.NUMBER")))
    };
    Ok(parse(candidate)? > parse(current)?)
}

/// The installed update's file in `data_dir`.
pub fn installed_path(data_dir: &Path) -> PathBuf {
    data_dir.join(INSTALLED_PACK_FILE)
}

/// Keeps a verified signed pack in `data_dir`, replacing any earlier one at once (written
/// beside it, then renamed).
pub fn install(data_dir: &Path, signed: &[u8]) -> Result<()> {
    let target = installed_path(data_dir);
    let temp = data_dir.join(format!("{INSTALLED_PACK_FILE}.new"));
    let fail = |e: std::io::Error| SyncError::InvalidInput {
        field: "rule pack",
        message: format!("{} cannot be written ({e})", target.display()),
    };
    guardian_store::write_private_file(&temp, signed, true).map_err(fail)?;
    std::fs::rename(&temp, &target).map_err(fail)
}

/// The installed update, if there is one that still verifies and is newer than the bundled
/// rules; a file that fails any check is ignored (and logged without its content).
pub fn load_installed(data_dir: &Path, verifier: &PackVerifier, bundled_version: &str) -> Option<VerifiedPack> {
    let bytes = std::fs::read(installed_path(data_dir)).ok()?;
    match verifier.verify(&bytes, bundled_version) {
        Ok(pack) => Some(pack),
        Err(error) => {
            tracing::warn!(%error, "the installed rule-pack update is not used");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn newer_bundle(version: &str) -> PackBundle {
        let pack = PackSources::BUNDLED.pack.replacen(
            &format!("version = \"{}\"", Engine::bundled().unwrap().pack_version()),
            &format!("version = \"{version}\""),
            1,
        );
        PackBundle::from_sources(&PackSources { pack: &pack, ..PackSources::BUNDLED }).unwrap()
    }

    #[test]
    fn the_production_key_is_a_key() {
        assert!(PackVerifier::from_hex(PRODUCTION_PUBLIC_KEY).is_ok());
    }

    #[test]
    fn versions_compare_as_numbers() {
        assert!(is_newer("2026.11.10", "2026.11.9").unwrap());
        assert!(is_newer("2027.1.0", "2026.12.99").unwrap());
        assert!(!is_newer("2026.11.2", "2026.11.2").unwrap());
        assert!(!is_newer("2026.11.1", "2026.11.2").unwrap());
        assert!(is_newer("2026.x", "2026.1").is_err());
    }

    #[test]
    fn a_signed_newer_pack_is_taken_and_anything_else_refused() {
        let key = generate_signing_key().unwrap();
        let verifier = PackVerifier::from_key(key.verifying_key());
        let current = Engine::bundled().unwrap().pack_version();
        let signed = sign(&newer_bundle("9999.1.0"), &key).unwrap();
        let pack = verifier.verify(&signed, current).unwrap();
        assert_eq!(pack.engine.pack_version(), "9999.1.0");

        // One flipped byte anywhere in the bundle.
        let mut tampered = signed.clone();
        let at = tampered.windows(4).position(|w| w == b"gift").unwrap();
        tampered[at] ^= 0x01;
        let error = verifier.verify(&tampered, current).unwrap_err().to_string();
        assert!(error.contains("signature does not match"), "{error}");

        // Another key.
        let other = PackVerifier::from_key(generate_signing_key().unwrap().verifying_key());
        assert!(other.verify(&signed, current).unwrap_err().to_string().contains("signature does not match"));

        // Older or the same.
        let same = sign(&newer_bundle(current), &key).unwrap();
        assert!(verifier.verify(&same, current).unwrap_err().to_string().contains("not newer"));

        // Signed but broken: a rule whose example no longer holds.
        let mut broken = newer_bundle("9999.2.0");
        broken.text = broken.text.replacen("[[rule]]", "[[rule]]\nnonsense = = 1", 1);
        let error = verifier.verify(&sign(&broken, &key).unwrap(), current).unwrap_err().to_string();
        assert!(error.contains("failed its own checks"), "{error}");

        // Signed but lying about its version.
        let mut lying = newer_bundle("9999.3.0");
        lying.version = "9999.4.0".to_owned();
        let error = verifier.verify(&sign(&lying, &key).unwrap(), current).unwrap_err().to_string();
        assert!(error.contains("says version"), "{error}");

        // Garbage.
        assert!(verifier.verify(b"<html>", current).is_err());
    }

    #[test]
    fn an_installed_pack_is_reloaded_only_while_it_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let key = generate_signing_key().unwrap();
        let verifier = PackVerifier::from_key(key.verifying_key());
        let current = Engine::bundled().unwrap().pack_version();
        assert!(load_installed(dir.path(), &verifier, current).is_none());
        install(dir.path(), &sign(&newer_bundle("9999.1.0"), &key).unwrap()).unwrap();
        assert_eq!(load_installed(dir.path(), &verifier, current).unwrap().bundle.version, "9999.1.0");
        let path = installed_path(dir.path());
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 10;
        bytes[last] ^= 0x01;
        std::fs::write(&path, bytes).unwrap();
        assert!(load_installed(dir.path(), &verifier, current).is_none());
    }
}
