//! Where the device token lives: the OS keychain (service "Titanium Guardian", account
//! `sync-token/<device id>`), or — where no keychain works, as on a headless Linux box — a
//! file readable only by this user in the data folder (`sync-token`, mode 0600). Never in
//! the database, never in a log. The store records only *where* it is.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use zeroize::Zeroizing;

use crate::error::{Result, SyncError};

/// The token file's name in the data folder.
pub const TOKEN_FILE: &str = "sync-token";

/// How tokens are kept.
#[derive(Debug, Clone)]
pub enum TokenStore {
    /// The OS keychain; where none works, a 0600 file in this folder.
    Auto(PathBuf),
    /// Only a file in this folder (headless devices, tests).
    File(PathBuf),
    /// In memory only (tests).
    Memory(Arc<Mutex<Option<String>>>),
}

/// Where a token was put (recorded in the store's settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenLocation {
    /// The OS keychain.
    Keychain,
    /// The token file.
    File,
    /// Memory.
    Memory,
}

impl TokenLocation {
    /// The recorded form.
    pub fn tag(self) -> &'static str {
        match self {
            TokenLocation::Keychain => "keychain",
            TokenLocation::File => "file",
            TokenLocation::Memory => "memory",
        }
    }

    /// From the recorded form.
    pub fn from_tag(tag: &str) -> Option<TokenLocation> {
        match tag {
            "keychain" => Some(TokenLocation::Keychain),
            "file" => Some(TokenLocation::File),
            "memory" => Some(TokenLocation::Memory),
            _ => None,
        }
    }
}

fn account(device_id: &str) -> String {
    format!("sync-token/{device_id}")
}

impl TokenStore {
    /// A store that keeps tokens in memory only.
    pub fn memory() -> TokenStore {
        TokenStore::Memory(Arc::new(Mutex::new(None)))
    }

    fn file(dir: &Path) -> PathBuf {
        dir.join(TOKEN_FILE)
    }

    /// Keeps a device's token; returns where it went.
    pub fn save(&self, device_id: &str, token: &str) -> Result<TokenLocation> {
        match self {
            TokenStore::Memory(slot) => {
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.to_owned());
                Ok(TokenLocation::Memory)
            }
            TokenStore::File(dir) => write_file(&Self::file(dir), token).map(|()| TokenLocation::File),
            TokenStore::Auto(dir) => match keychain::store(&account(device_id), token) {
                Ok(()) => Ok(TokenLocation::Keychain),
                Err(reason) => {
                    tracing::warn!(
                        keychain_error = %reason,
                        "no OS keychain available; the sync token is kept in a file in the data folder, readable only by this user"
                    );
                    write_file(&Self::file(dir), token).map(|()| TokenLocation::File)
                }
            },
        }
    }

    /// The token kept at `location`.
    pub fn load(&self, device_id: &str, location: TokenLocation) -> Result<Zeroizing<String>> {
        let missing = || SyncError::Token("the device token is missing; enrol this device again".to_owned());
        match (self, location) {
            (TokenStore::Memory(slot), _) => {
                slot.lock().unwrap_or_else(|p| p.into_inner()).clone().map(Zeroizing::new).ok_or_else(missing)
            }
            (TokenStore::Auto(_), TokenLocation::Keychain) => match keychain::load(&account(device_id)) {
                Ok(Some(token)) => Ok(Zeroizing::new(token)),
                Ok(None) => Err(missing()),
                Err(reason) => Err(SyncError::Token(format!("the OS keychain cannot be reached ({reason})"))),
            },
            (TokenStore::Auto(dir) | TokenStore::File(dir), _) => read_file(&Self::file(dir))?.ok_or_else(missing),
        }
    }

    /// Forgets a device's token (best effort: a keychain that cannot be reached keeps it).
    pub fn delete(&self, device_id: &str) {
        match self {
            TokenStore::Memory(slot) => *slot.lock().unwrap_or_else(|p| p.into_inner()) = None,
            TokenStore::File(dir) => {
                let _ = std::fs::remove_file(Self::file(dir));
            }
            TokenStore::Auto(dir) => {
                keychain::delete(&account(device_id));
                let _ = std::fs::remove_file(Self::file(dir));
            }
        }
    }
}

fn write_file(path: &Path, token: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        guardian_store::create_private_dir(dir)
            .map_err(|e| SyncError::Token(format!("the folder {} cannot be created ({e})", dir.display())))?;
    }
    guardian_store::write_private_file(path, format!("{token}\n").as_bytes(), true)
        .map_err(|e| SyncError::Token(format!("{} cannot be written ({e})", path.display())))
}

fn read_file(path: &Path) -> Result<Option<Zeroizing<String>>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => Zeroizing::new(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(SyncError::Token(format!("{} cannot be read ({e})", path.display()))),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map(|m| m.permissions().mode()).unwrap_or(0);
        if mode & 0o077 != 0 {
            return Err(SyncError::Token(format!(
                "{} can be read by other users (mode {:o}); run `chmod 600` on it",
                path.display(),
                mode & 0o777
            )));
        }
    }
    let token = text.trim();
    Ok((!token.is_empty()).then(|| Zeroizing::new(token.to_owned())))
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "ios", windows))]
mod keychain {
    use guardian_store::KEYCHAIN_SERVICE;

    pub(super) fn store(account: &str, token: &str) -> Result<(), String> {
        let entry = keyring::Entry::new(KEYCHAIN_SERVICE, account).map_err(|e| e.to_string())?;
        entry.set_password(token).map_err(|e| e.to_string())?;
        // Read it back: some back ends accept a write they cannot keep.
        match load(account)? {
            Some(kept) if kept == token => Ok(()),
            _ => Err("the keychain did not keep the token".to_owned()),
        }
    }

    pub(super) fn load(account: &str) -> Result<Option<String>, String> {
        let entry = keyring::Entry::new(KEYCHAIN_SERVICE, account).map_err(|e| e.to_string())?;
        match entry.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(error.to_string()),
        }
    }

    pub(super) fn delete(account: &str) {
        if let Ok(entry) = keyring::Entry::new(KEYCHAIN_SERVICE, account) {
            let _ = entry.delete_credential();
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "ios", windows)))]
mod keychain {
    const UNAVAILABLE: &str = "this platform has no keychain back end";

    pub(super) fn store(_account: &str, _token: &str) -> Result<(), String> {
        Err(UNAVAILABLE.to_owned())
    }

    pub(super) fn load(_account: &str) -> Result<Option<String>, String> {
        Err(UNAVAILABLE.to_owned())
    }

    pub(super) fn delete(_account: &str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With a real OS keychain the token goes there and no file is written.
    /// `scripts/test-keychain` runs it inside a private D-Bus session with a keyring.
    #[test]
    #[ignore = "needs a real OS keychain: scripts/test-keychain runs it"]
    fn keychain_holds_the_token_when_there_is_one() {
        let dir = tempfile::tempdir().unwrap();
        let tokens = TokenStore::Auto(dir.path().to_path_buf());
        let device = format!("test-{}", std::process::id());
        assert_eq!(tokens.save(&device, "secret-token-0123").unwrap(), TokenLocation::Keychain);
        assert!(!dir.path().join(TOKEN_FILE).exists(), "no token file when the keychain works");
        assert_eq!(tokens.load(&device, TokenLocation::Keychain).unwrap().as_str(), "secret-token-0123");
        tokens.delete(&device);
        assert!(
            tokens.load(&device, TokenLocation::Keychain).unwrap_err().to_string().contains("enrol this device again")
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_token_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let tokens = TokenStore::File(dir.path().to_path_buf());
        assert_eq!(tokens.save("d", "secret-token").unwrap(), TokenLocation::File);
        let path = dir.path().join(TOKEN_FILE);
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(tokens.load("d", TokenLocation::File).unwrap().as_str(), "secret-token");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(tokens.load("d", TokenLocation::File).unwrap_err().to_string().contains("chmod 600"));
        tokens.delete("d");
        assert!(tokens.load("d", TokenLocation::File).is_err());
    }
}
