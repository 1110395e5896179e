//! Where the data key lives: the OS keychain, or a key file beside the database.
//!
//! The database records *where* its key is (`meta.key_location`) and a sealed check value
//! (`meta.key_check`), never the key. Opening an existing database looks only where the
//! key was put, so a keychain that is unavailable today is reported as a missing key
//! rather than silently replaced by a new one (which would make every saved value
//! unreadable).

use std::fs;
use std::path::{Path, PathBuf};

use crate::crypto::DataKey;
use crate::error::{Result, StoreError};

/// The keychain service name every entry is filed under.
pub const KEYCHAIN_SERVICE: &str = "Titanium Guardian";

/// How [`crate::Store::open_with`] finds the data key.
#[derive(Debug, Clone, Default)]
pub enum KeySource {
    /// The OS keychain; where none works, a key file beside the database (`<db>.key`,
    /// mode 0600). An existing database is opened with the key from where it was put.
    #[default]
    Auto,
    /// Only this key file, created (mode 0600) if it does not exist yet.
    File(PathBuf),
    /// A key the caller holds, e.g. from a secret manager.
    Provided(DataKey),
}

/// Where the key of an open store is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLocation {
    /// The OS keychain, under [`KEYCHAIN_SERVICE`] and this account name.
    Keychain {
        /// The entry's account name (`data-key/<store id>`).
        account: String,
    },
    /// A key file.
    File(PathBuf),
    /// Held by the program that opened the store.
    Provided,
    /// An in-memory store's throw-away key.
    Ephemeral,
}

impl KeyLocation {
    /// The value recorded in `meta.key_location`.
    pub(crate) fn tag(&self) -> &'static str {
        match self {
            KeyLocation::Keychain { .. } => "keychain",
            KeyLocation::File(_) => "file",
            KeyLocation::Provided => "provided",
            KeyLocation::Ephemeral => "ephemeral",
        }
    }
}

/// The key file used when no keychain works: `<database file name>.key` beside it.
pub fn default_key_file(db_path: &Path) -> PathBuf {
    let mut name = db_path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".key");
    db_path.with_file_name(name)
}

fn keychain_account(store_id: &str) -> String {
    format!("data-key/{store_id}")
}

/// Finds or creates the key for a database that has none recorded yet.
pub(crate) fn create_key(source: &KeySource, db_path: &Path, store_id: &str) -> Result<(DataKey, KeyLocation)> {
    match source {
        KeySource::Provided(key) => Ok((key.clone(), KeyLocation::Provided)),
        KeySource::File(path) => Ok((load_or_create_key_file(path)?, KeyLocation::File(path.clone()))),
        KeySource::Auto => {
            let account = keychain_account(store_id);
            let key = new_key(db_path)?;
            match keychain::store(&account, &key) {
                Ok(()) => Ok((key, KeyLocation::Keychain { account })),
                Err(reason) => {
                    let path = default_key_file(db_path);
                    // Once per database, when its key is made: the only time this choice happens.
                    tracing::warn!(
                        keychain_error = %reason,
                        "no OS keychain available; the data key is kept in a key file beside the database, readable only by this user"
                    );
                    Ok((load_or_create_key_file(&path)?, KeyLocation::File(path)))
                }
            }
        }
    }
}

/// Loads the key of a database from where it was recorded.
pub(crate) fn load_key(
    source: &KeySource,
    db_path: &Path,
    store_id: &str,
    recorded: &str,
) -> Result<(DataKey, KeyLocation)> {
    match source {
        KeySource::Provided(key) => Ok((key.clone(), KeyLocation::Provided)),
        KeySource::File(path) => Ok((read_key_file(db_path, path)?, KeyLocation::File(path.clone()))),
        KeySource::Auto => match recorded {
            "keychain" => {
                let account = keychain_account(store_id);
                match keychain::load(&account) {
                    Ok(Some(key)) => Ok((key, KeyLocation::Keychain { account })),
                    Ok(None) => Err(StoreError::MissingKey {
                        path: db_path.to_path_buf(),
                        detail: format!("the OS keychain has no entry '{KEYCHAIN_SERVICE}' / '{account}'"),
                    }),
                    Err(reason) => Err(StoreError::MissingKey {
                        path: db_path.to_path_buf(),
                        detail: format!("the key is in the OS keychain, which cannot be reached ({reason})"),
                    }),
                }
            }
            "file" => {
                let path = default_key_file(db_path);
                Ok((read_key_file(db_path, &path)?, KeyLocation::File(path)))
            }
            other => Err(StoreError::MissingKey {
                path: db_path.to_path_buf(),
                detail: format!("the key was {other} by the program that created the database; pass it again"),
            }),
        },
    }
}

fn new_key(db_path: &Path) -> Result<DataKey> {
    DataKey::generate().map_err(|error| StoreError::CannotOpen {
        path: db_path.to_path_buf(),
        detail: format!("no random source for a new key: {error}"),
    })
}

fn load_or_create_key_file(path: &Path) -> Result<DataKey> {
    let key_file_error = |detail: String| StoreError::KeyFile { path: path.to_path_buf(), detail };
    let key = new_key(path)?;
    match crate::private_fs::write_private_file(path, format!("{}\n", key.to_hex()).as_bytes(), false) {
        Ok(()) => Ok(key),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => read_key_file(path, path),
        Err(error) => Err(key_file_error(format!("cannot create it: {error}"))),
    }
}

fn read_key_file(db_path: &Path, path: &Path) -> Result<DataKey> {
    let key_file_error = |detail: String| StoreError::KeyFile { path: path.to_path_buf(), detail };
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::MissingKey {
                path: db_path.to_path_buf(),
                detail: format!("key file {} does not exist", path.display()),
            });
        }
        Err(error) => return Err(key_file_error(format!("cannot read it: {error}"))),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path).map_err(|e| key_file_error(e.to_string()))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(key_file_error(format!(
                "other users can read it (mode {:o}); run `chmod 600` on it",
                mode & 0o777
            )));
        }
    }
    DataKey::from_hex(&text).ok_or_else(|| key_file_error("not a key file (expected 64 hex digits)".to_owned()))
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "ios", windows))]
mod keychain {
    use super::KEYCHAIN_SERVICE;
    use crate::crypto::DataKey;

    pub(super) fn store(account: &str, key: &DataKey) -> Result<(), String> {
        let entry = keyring::Entry::new(KEYCHAIN_SERVICE, account).map_err(|e| e.to_string())?;
        entry.set_password(&key.to_hex()).map_err(|e| e.to_string())?;
        // Read it back: some back ends accept a write they cannot keep.
        match load(account)? {
            Some(_) => Ok(()),
            None => Err("the keychain did not keep the key".to_owned()),
        }
    }

    pub(super) fn load(account: &str) -> Result<Option<DataKey>, String> {
        let entry = keyring::Entry::new(KEYCHAIN_SERVICE, account).map_err(|e| e.to_string())?;
        match entry.get_password() {
            Ok(secret) => {
                DataKey::from_hex(&secret).map(Some).ok_or_else(|| "the keychain entry is not a key".to_owned())
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(error.to_string()),
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "ios", windows)))]
mod keychain {
    use crate::crypto::DataKey;

    const UNAVAILABLE: &str = "this platform has no keychain back end";

    pub(super) fn store(_account: &str, _key: &DataKey) -> Result<(), String> {
        Err(UNAVAILABLE.to_owned())
    }

    pub(super) fn load(_account: &str) -> Result<Option<DataKey>, String> {
        Err(UNAVAILABLE.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::OpenOptions;
    use std::io::Write;

    #[test]
    fn key_file_sits_beside_the_database() {
        assert_eq!(default_key_file(Path::new("/data/guardian.db")), PathBuf::from("/data/guardian.db.key"));
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_private_and_reused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        let first = load_or_create_key_file(&path).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let second = load_or_create_key_file(&path).unwrap();
        assert_eq!(first.to_hex(), second.to_hex());
    }

    #[cfg(unix)]
    #[test]
    fn key_file_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        load_or_create_key_file(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let error = read_key_file(&path, &path).unwrap_err().to_string();
        assert!(error.contains("chmod 600"), "{error}");
    }

    #[test]
    fn garbage_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&path).unwrap().write_all(b"hello").unwrap();
        let error = read_key_file(&path, &path).unwrap_err().to_string();
        assert!(error.contains("not a key file"), "{error}");
    }
}
