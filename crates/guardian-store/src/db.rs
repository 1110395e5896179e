//! Connections: one writer, a few readers.
//!
//! SQLite allows one writer at a time; WAL lets readers run beside it without blocking.
//! The writer sits behind a mutex (callers queue instead of spinning on SQLITE_BUSY);
//! readers are opened on demand and kept for reuse. An in-memory store has only the writer,
//! since a second connection would see a different, empty database.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Result, StoreError};

/// How long a statement waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle reader connections kept for reuse.
const MAX_IDLE_READERS: usize = 4;

pub(crate) struct Connections {
    path: PathBuf,
    writer: Mutex<Connection>,
    /// `None` for an in-memory store: reads go through the writer.
    readers: Option<Mutex<Vec<Connection>>>,
}

impl Connections {
    pub(crate) fn new(path: PathBuf, writer: Connection, file_backed: bool) -> Connections {
        Connections { path, writer: Mutex::new(writer), readers: file_backed.then(|| Mutex::new(Vec::new())) }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn sql_error(&self, error: rusqlite::Error) -> StoreError {
        StoreError::from_sqlite(&self.path, error)
    }

    /// Runs `work` with the writer connection.
    pub(crate) fn write<T>(&self, work: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        work(&mut lock(&self.writer))
    }

    /// Runs `work` with a reader (or the writer, in memory).
    pub(crate) fn read<T>(&self, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let Some(readers) = &self.readers else {
            return work(&lock(&self.writer));
        };
        let idle = lock(readers).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => open_reader(&self.path).map_err(|e| self.sql_error(e))?,
        };
        let result = work(&conn);
        let mut idle = lock(readers);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        result
    }
}

/// A poisoned lock only means another thread panicked mid-call; SQLite rolled its
/// transaction back when the guard dropped, so the connection is still sound.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn open_writer(path: &Path) -> rusqlite::Result<Connection> {
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
}

/// A read-only look at an existing file, used to check it before anything is written.
pub(crate) fn open_inspector(path: &Path) -> rusqlite::Result<Connection> {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
}

fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Settings of the writer connection. `synchronous = NORMAL` in WAL mode keeps every
/// committed transaction through a crash of the program (the SIGKILL test); only a power
/// cut can lose the last commits, never corrupt the file. `secure_delete` overwrites
/// deleted rows so "forget this" and retention really remove them from the file.
pub(crate) fn configure_writer(conn: &Connection, max_page_count: Option<u64>) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
            Some(format!("cannot switch to write-ahead logging (journal mode stays {mode})")),
        ));
    }
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "secure_delete", true)?;
    if let Some(pages) = max_page_count {
        conn.pragma_update(None, "max_page_count", pages)?;
    }
    Ok(())
}
