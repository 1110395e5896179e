//! Titanium Guardian's local store: the one persistence layer of the app, the CLI and the
//! server.
//!
//! An SQLite file (WAL, foreign keys, busy timeout) holds:
//!
//! | table         | what                                                          | personal columns (sealed)            |
//! |---------------|---------------------------------------------------------------|--------------------------------------|
//! | `meta`        | store id, where the key is, a sealed key-check value          | —                                    |
//! | `sessions`    | module, user/device ids, created/last-accessed/ended, risk    | `context`, `last_risk`               |
//! | `events`      | a session's events: type, client timestamp, time recorded     | `payload`                            |
//! | `assessments` | history: module, score, level, time                           | `summary`, `response`                |
//! | `profiles`    | IdentityWatch profiles                                        | `emails`, `phones`, `full_name`, `state` |
//! | `settings`    | key/value                                                     | `value`                              |
//! | `outbox`      | records waiting for sync: kind, attempts, next try            | `payload`                            |
//! | `sync_*`      | server side of sync: devices, synced records, caregivers, links, one-time codes, alerts (tokens and codes as SHA-256 hashes only) | `sync_records.details`, `sync_caregivers.name` |
//!
//! Ids, modules, scores, levels and times stay in clear so lists, retention and sync can
//! work without the key; everything a person wrote or that names them is sealed.
//!
//! # Encryption at rest
//! Each personal value is sealed with XChaCha20-Poly1305 under a 256-bit data key, with a
//! fresh random nonce per value and the table, column and row id as associated data
//! (see [`crypto`](crate::DataKey)). The key is never written to the database. It lives in
//! the OS keychain (service [`KEYCHAIN_SERVICE`], account `data-key/<store id>`); where no
//! keychain works (headless Linux, CI) it is kept in `<database>.key` beside the file,
//! created with mode 0600, and the choice is logged once. The database records only where
//! the key is and a sealed check value, so a wrong key is reported as
//! [`StoreError::WrongKey`] and a lost one as [`StoreError::MissingKey`] — never garbage.
//!
//! # Retention
//! [`Retention`] (defaults as the old system: sessions end after 24 h idle or 48 h in all,
//! events 30 days, personal data 90 days). [`Store::purge_expired`] deletes for real:
//! `secure_delete` overwrites freed content and the WAL is checkpointed and truncated.
//!
//! # Concurrency
//! A [`Store`] is a cheap clone (`Arc`) and `Send + Sync`: one writer connection behind a
//! mutex, reader connections pooled beside it. Calls block; from async code run them on a
//! blocking thread (`tokio::task::spawn_blocking`).
//!
//! All times are passed in, so callers (and tests) own the clock.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod checked;
mod crypto;
mod db;
mod error;
mod export;
mod history;
mod keys;
mod outbox;
mod private_fs;
mod profiles;
mod retention;
mod schema;
mod sessions;
mod settings;
mod sync_server;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::crypto::Cipher;
use crate::db::Connections;

pub use crate::checked::{Checked, SharedDetails};
pub use crate::crypto::DataKey;
pub use crate::error::{Result, StoreError};
pub use crate::export::{Export, ExportedSession};
pub use crate::history::{HistoryQuery, NewAssessment, SavedAssessment, summarize};
pub use crate::keys::{KEYCHAIN_SERVICE, KeyLocation, KeySource, default_key_file};
pub use crate::outbox::OutboxRecord;
pub use crate::private_fs::{create_private_dir, write_private_file};
pub use crate::profiles::{NewProfile, Profile};
pub use crate::retention::{PurgeReport, Retention};
pub use crate::schema::{APPLICATION_ID, SCHEMA_VERSION};
pub use crate::sessions::{NewSession, Session, SessionRecord, StoredEvent};
pub use crate::sync_server::{
    Alert, CodePurpose, LinkedCaregiver, NewSyncedRecord, SyncCaregiver, SyncDevice, SyncedRecord,
};

/// The plain text sealed as `meta.key_check`; opening it proves the key is the right one.
const KEY_CHECK: &[u8] = b"titanium-guardian data key check v1";

/// How to open a store.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// Where the data key comes from.
    pub key: KeySource,
    /// How long things are kept.
    pub retention: Retention,
    /// Refuse to grow the file beyond this many bytes (a quota; writes past it fail with
    /// [`StoreError::DiskFull`] and change nothing).
    pub max_file_bytes: Option<u64>,
}

/// A handle on one database. Clone it freely; all clones share the connections.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: Connections,
    cipher: Cipher,
    key_location: KeyLocation,
    retention: Retention,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path()).field("key", &self.inner.key_location).finish()
    }
}

impl Store {
    /// Opens (or creates) the database at `path` with the default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Store::open_with(path, StoreOptions::default())
    }

    /// A private database in memory with a throw-away key; gone when the last clone drops.
    pub fn open_in_memory() -> Result<Store> {
        Store::open_in_memory_with(Retention::default())
    }

    /// [`Store::open_in_memory`] with other retention rules.
    pub fn open_in_memory_with(retention: Retention) -> Result<Store> {
        retention.validate()?;
        let path = PathBuf::from(":memory:");
        let sql = |e| StoreError::from_sqlite(&path, e);
        let mut conn = Connection::open_in_memory().map_err(sql)?;
        db::configure_writer(&conn, None).map_err(sql)?;
        schema::migrate(&mut conn, 0).map_err(sql)?;
        let key = DataKey::generate()
            .map_err(|e| StoreError::CannotOpen { path: path.clone(), detail: format!("no random source: {e}") })?;
        Ok(Store::assemble(Connections::new(path, conn, false), &key, KeyLocation::Ephemeral, retention))
    }

    /// Opens (or creates) the database at `path`.
    ///
    /// An existing file is checked before anything is written: not SQLite, another
    /// program's database, or a newer schema are refused and the file is left as it was.
    pub fn open_with(path: impl AsRef<Path>, options: StoreOptions) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        options.retention.validate()?;
        if path.is_dir() {
            return Err(StoreError::CannotOpen { path, detail: "it is a folder, not a database file".to_owned() });
        }
        if path.exists() {
            inspect_existing(&path)?;
        } else {
            create_private_file(&path)?;
        }
        let sql = |e| StoreError::from_sqlite(&path, e);
        let mut conn = db::open_writer(&path).map_err(|e| explain_open_failure(&path, e))?;
        let max_pages = match options.max_file_bytes {
            Some(bytes) => Some((bytes / page_size(&conn).map_err(sql)?.max(1)).max(1)),
            None => None,
        };
        db::configure_writer(&conn, max_pages).map_err(|e| explain_open_failure(&path, e))?;
        let header = schema::read_header(&conn).map_err(sql)?;
        if header.version > SCHEMA_VERSION {
            // A newer app wrote it between our inspection and now: still refuse.
            return Err(StoreError::NewerSchema { path, found: header.version, supported: SCHEMA_VERSION });
        }
        schema::migrate(&mut conn, header.version).map_err(sql)?;
        let (key, key_location) = unlock(&mut conn, &path, &options.key)?;
        Ok(Store::assemble(Connections::new(path, conn, true), &key, key_location, options.retention))
    }

    fn assemble(db: Connections, key: &DataKey, key_location: KeyLocation, retention: Retention) -> Store {
        Store { inner: Arc::new(Inner { db, cipher: Cipher::new(key), key_location, retention }) }
    }

    /// The database file (`:memory:` for an in-memory store).
    pub fn path(&self) -> &Path {
        self.inner.db.path()
    }

    /// Where this store's data key is kept.
    pub fn key_location(&self) -> &KeyLocation {
        &self.inner.key_location
    }

    /// The retention rules in force.
    pub fn retention(&self) -> &Retention {
        &self.inner.retention
    }

    /// SQLite's full integrity check; `Ok(())` or [`StoreError::Corrupt`] with its findings.
    pub fn check_integrity(&self) -> Result<()> {
        let findings: Vec<String> = self.read(|conn| {
            let mut stmt = conn.prepare("PRAGMA integrity_check")?;
            let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
            rows.collect()
        })?;
        if findings.len() == 1 && findings[0] == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt { path: self.path().to_path_buf(), detail: findings.join("; ") })
        }
    }

    /// Folds the write-ahead log back into the database file and truncates it.
    pub fn checkpoint(&self) -> Result<()> {
        self.write(|conn| {
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            Ok(())
        })
    }

    // ---- plumbing shared by the record modules ----

    fn write<T>(&self, work: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T> {
        self.inner.db.write(|conn| work(conn).map_err(|e| self.inner.db.sql_error(e)))
    }

    fn read<T>(&self, work: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        self.inner.db.read(|conn| work(conn).map_err(|e| self.inner.db.sql_error(e)))
    }

    /// Like [`Store::write`] for work that can also fail for other reasons.
    fn write_with<T>(&self, work: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        self.inner.db.write(work)
    }

    fn read_with<T>(&self, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.inner.db.read(work)
    }

    fn sql(&self, error: rusqlite::Error) -> StoreError {
        self.inner.db.sql_error(error)
    }

    fn seal_bytes(&self, column: &str, id: &str, plain: &[u8]) -> Result<Vec<u8>> {
        self.inner.cipher.seal(&format!("{column}:{id}"), plain).map_err(|_| StoreError::CannotOpen {
            path: self.path().to_path_buf(),
            detail: "the system's random source failed; nothing was written".to_owned(),
        })
    }

    fn seal_json<T: Serialize + ?Sized>(&self, column: &str, id: &str, value: &T) -> Result<Vec<u8>> {
        let json = serde_json::to_vec(value).map_err(|e| StoreError::InvalidInput {
            field: "value",
            message: format!("cannot be stored as JSON: {e}"),
        })?;
        self.seal_bytes(column, id, &json)
    }

    fn open_bytes(&self, column: &str, id: &str, sealed: &[u8]) -> Result<Vec<u8>> {
        self.inner
            .cipher
            .open(&format!("{column}:{id}"), sealed)
            .map_err(|_| StoreError::Tampered { path: self.path().to_path_buf(), what: column.to_owned() })
    }

    fn open_text(&self, column: &str, id: &str, sealed: &[u8]) -> Result<String> {
        String::from_utf8(self.open_bytes(column, id, sealed)?)
            .map_err(|_| StoreError::Tampered { path: self.path().to_path_buf(), what: column.to_owned() })
    }

    fn open_json<T: DeserializeOwned>(&self, column: &str, id: &str, sealed: &[u8]) -> Result<T> {
        serde_json::from_slice(&self.open_bytes(column, id, sealed)?)
            .map_err(|_| StoreError::Tampered { path: self.path().to_path_buf(), what: column.to_owned() })
    }
}

/// Checks an existing file read-only: is it SQLite, is it ours, is its schema one we know.
fn inspect_existing(path: &Path) -> Result<()> {
    let conn = db::open_inspector(path).map_err(|e| explain_open_failure(path, e))?;
    let header = schema::read_header(&conn).map_err(|e| explain_open_failure(path, e))?;
    if header.application_id != schema::APPLICATION_ID && (header.application_id != 0 || header.has_tables) {
        return Err(StoreError::NotADatabase { path: path.to_path_buf() });
    }
    if header.version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: header.version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// Creates the empty database file readable by its owner only; SQLite gives the WAL and
/// shared-memory files the same permissions.
fn create_private_file(path: &Path) -> Result<()> {
    match private_fs::write_private_file(path, b"", false) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(explain_io_failure(path, e)),
    }
}

/// SQLite says only "unable to open database file"; the file system can say why.
fn explain_open_failure(path: &Path, error: rusqlite::Error) -> StoreError {
    let generic = StoreError::from_sqlite(path, error);
    if !matches!(generic, StoreError::CannotOpen { .. } | StoreError::ReadOnly { .. }) {
        return generic;
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return StoreError::CannotOpen {
            path: path.to_path_buf(),
            detail: format!("folder {} does not exist", folder.display()),
        };
    }
    let probe = folder.join(format!(".guardian-write-test-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            generic
        }
        Err(e) => explain_io_failure(path, e),
    }
}

fn explain_io_failure(path: &Path, error: std::io::Error) -> StoreError {
    use std::io::ErrorKind;
    let path = path.to_path_buf();
    match error.kind() {
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => StoreError::ReadOnly { path },
        ErrorKind::StorageFull => StoreError::DiskFull { path },
        ErrorKind::NotFound => {
            let folder = path.parent().map(|p| p.display().to_string()).unwrap_or_default();
            StoreError::CannotOpen { path, detail: format!("folder {folder} does not exist") }
        }
        _ => StoreError::CannotOpen { path, detail: error.to_string() },
    }
}

fn page_size(conn: &Connection) -> rusqlite::Result<u64> {
    conn.pragma_query_value(None, "page_size", |row| row.get(0))
}

fn get_meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0)).optional()
}

/// Finds the data key (creating it for a new database) and proves it is the right one.
fn unlock(conn: &mut Connection, path: &Path, source: &KeySource) -> Result<(DataKey, KeyLocation)> {
    let sql = |e| StoreError::from_sqlite(path, e);
    let recorded = (|| -> rusqlite::Result<_> {
        Ok((get_meta(conn, "store_id")?, get_meta(conn, "key_location")?, get_meta(conn, "key_check")?))
    })()
    .map_err(sql)?;
    let (Some(store_id), Some(location), Some(check)) = recorded else {
        return create_key_records(conn, path, source);
    };
    let store_id = String::from_utf8_lossy(&store_id).into_owned();
    let (key, key_location) = keys::load_key(source, path, &store_id, &String::from_utf8_lossy(&location))?;
    Cipher::new(&key).open("meta.key_check", &check).map_err(|_| StoreError::WrongKey { path: path.to_path_buf() })?;
    Ok((key, key_location))
}

fn create_key_records(conn: &mut Connection, path: &Path, source: &KeySource) -> Result<(DataKey, KeyLocation)> {
    let sql = |e| StoreError::from_sqlite(path, e);
    let store_id = uuid::Uuid::new_v4().to_string();
    let (key, key_location) = keys::create_key(source, path, &store_id)?;
    let check = Cipher::new(&key).seal("meta.key_check", KEY_CHECK).map_err(|_| StoreError::CannotOpen {
        path: path.to_path_buf(),
        detail: "the system's random source failed".to_owned(),
    })?;
    let tx = conn.transaction().map_err(sql)?;
    for (key, value) in [
        ("store_id", store_id.as_bytes()),
        ("key_location", key_location.tag().as_bytes()),
        ("key_check", check.as_slice()),
    ] {
        tx.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", rusqlite::params![key, value]).map_err(sql)?;
    }
    tx.commit().map_err(sql)?;
    Ok((key, key_location))
}

/// Milliseconds since the Unix epoch, the stored form of every time.
fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

/// The stored form back to a time (out-of-range values clamp to the epoch).
fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Checks a caller-supplied identifier: non-empty, short, printable.
fn check_id(field: &'static str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(StoreError::InvalidInput { field, message: "must not be empty".to_owned() });
    }
    if value.len() > 200 || value.chars().any(char::is_control) {
        return Err(StoreError::InvalidInput {
            field,
            message: "must be at most 200 characters, without control characters".to_owned(),
        });
    }
    Ok(())
}

/// A new id for a row that is written often (checks, events, outbox records): a UUID v7,
/// whose time-ordered prefix makes its index grow at one end instead of touching a random
/// page per insert. Ids handed out as capabilities (sessions, profiles) stay random v4.
fn record_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
