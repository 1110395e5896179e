//! The store's one error type.
//!
//! Every variant that concerns a file names it, and none carries personal data: the
//! messages may be shown to a person or written to a log.

use std::path::PathBuf;

/// Anything that can go wrong opening or using the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file exists but is not an SQLite database (or is encrypted by something else).
    #[error("{path} is not a Titanium Guardian database (not an SQLite file)")]
    NotADatabase {
        /// The database file.
        path: PathBuf,
    },
    /// The file is an SQLite database whose pages are damaged.
    #[error("{path} is damaged: {detail}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What SQLite reported.
        detail: String,
    },
    /// The file was written by a newer version of the app; it is left untouched.
    #[error(
        "{path} was written by a newer version of Titanium Guardian (schema {found}, this version reads up to {supported}); update the app — the file was not changed"
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// The schema version found in the file.
        found: i64,
        /// The newest schema version this build knows.
        supported: i64,
    },
    /// The file or its directory cannot be written.
    #[error("cannot write to {path}: permission denied or read-only file system")]
    ReadOnly {
        /// The database file.
        path: PathBuf,
    },
    /// The file or its directory cannot be opened at all.
    #[error("cannot open {path}: {detail}")]
    CannotOpen {
        /// The database file.
        path: PathBuf,
        /// Why, as the system or SQLite put it.
        detail: String,
    },
    /// The disk (or the file system's quota) is full; the write was rolled back.
    #[error("{path}: the disk is full; nothing was written — free some space and try again")]
    DiskFull {
        /// The database file.
        path: PathBuf,
    },
    /// The database holds encrypted data but its key cannot be found.
    #[error("the key for {path} is missing: {detail}; without it the saved data cannot be read")]
    MissingKey {
        /// The database file.
        path: PathBuf,
        /// Where the key was looked for.
        detail: String,
    },
    /// A key was found but it is not the one the database was written with.
    #[error("the key for {path} does not match the data in it (wrong key file or keychain entry)")]
    WrongKey {
        /// The database file.
        path: PathBuf,
    },
    /// The key file exists but cannot be used.
    #[error("key file {path}: {detail}")]
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// A stored value failed its integrity check: it was altered outside the app.
    #[error("a stored value ({what}) failed its integrity check in {path}; it was changed outside the app")]
    Tampered {
        /// The database file.
        path: PathBuf,
        /// Which value (table and column), never its content.
        what: String,
    },
    /// No record with that id.
    #[error("no {what} with id {id}")]
    NotFound {
        /// `session`, `assessment`, `profile`…
        what: &'static str,
        /// The id asked for.
        id: String,
    },
    /// The session ended or passed its time limit; it takes no more events.
    #[error("session {id} has ended")]
    SessionEnded {
        /// The session id.
        id: String,
    },
    /// A value given to the store is not acceptable.
    #[error("{field}: {message}")]
    InvalidInput {
        /// The offending field.
        field: &'static str,
        /// What was wrong with it.
        message: String,
    },
    /// The engine refused what was to be stored (an event it cannot read).
    #[error(transparent)]
    Rejected(guardian_engine::EngineError),
    /// Any other SQLite failure.
    #[error("database {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: rusqlite::Error,
    },
}

impl StoreError {
    /// True when the caller asked for something that does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, StoreError::NotFound { .. })
    }

    /// True when the caller's input was refused (as opposed to a storage failure).
    pub fn is_input_error(&self) -> bool {
        match self {
            StoreError::InvalidInput { .. } | StoreError::SessionEnded { .. } => true,
            StoreError::Rejected(error) => error.is_input_error(),
            _ => false,
        }
    }

    /// Turns an SQLite error into the specific variant a person can act on.
    pub(crate) fn from_sqlite(path: &std::path::Path, error: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode;
        let path = path.to_path_buf();
        let code = match &error {
            rusqlite::Error::SqliteFailure(failure, _) => failure.code,
            _ => return StoreError::Sqlite { path, source: error },
        };
        match code {
            ErrorCode::NotADatabase => StoreError::NotADatabase { path },
            ErrorCode::DatabaseCorrupt => StoreError::Corrupt { path, detail: error.to_string() },
            ErrorCode::DiskFull => StoreError::DiskFull { path },
            ErrorCode::ReadOnly | ErrorCode::PermissionDenied => StoreError::ReadOnly { path },
            ErrorCode::CannotOpen => StoreError::CannotOpen { path, detail: error.to_string() },
            _ => StoreError::Sqlite { path, source: error },
        }
    }
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
