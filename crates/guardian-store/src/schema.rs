//! The schema and its migrations.
//!
//! `PRAGMA user_version` holds the schema version and `PRAGMA application_id` marks the
//! file as ours. Migrations run in order inside one write transaction, so a file is either
//! fully at the old version or fully at the new one. A file from a newer version is refused
//! before anything is written to it.

use rusqlite::Connection;

/// `PRAGMA application_id` of every Titanium Guardian database ("TGrd").
pub const APPLICATION_ID: i32 = 0x5447_7264;

/// Each entry upgrades the schema by one version; the index + 1 is the version it produces.
/// Never edit a released entry: add a new one.
const MIGRATIONS: &[&str] = &[
    // 1: sessions, their events, assessment history, identity profiles, settings.
    "
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE sessions (
        id               TEXT PRIMARY KEY,
        user_id          TEXT NOT NULL,
        device_id        TEXT NOT NULL,
        module           TEXT NOT NULL,
        context          BLOB,
        created_at       INTEGER NOT NULL,
        last_accessed_at INTEGER NOT NULL,
        ended_at         INTEGER,
        last_score       INTEGER,
        last_level       TEXT,
        last_risk        BLOB
    );
    CREATE INDEX sessions_by_user ON sessions(user_id);
    CREATE INDEX sessions_by_access ON sessions(last_accessed_at);

    CREATE TABLE events (
        id               TEXT PRIMARY KEY,
        session_id       TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        seq              INTEGER NOT NULL,
        kind             TEXT NOT NULL,
        payload          BLOB NOT NULL,
        client_timestamp TEXT,
        recorded_at      INTEGER NOT NULL,
        UNIQUE (session_id, seq)
    );
    CREATE INDEX events_by_time ON events(recorded_at);

    CREATE TABLE assessments (
        seq        INTEGER PRIMARY KEY,
        id         TEXT NOT NULL UNIQUE,
        user_id    TEXT,
        session_id TEXT REFERENCES sessions(id) ON DELETE SET NULL,
        module     TEXT NOT NULL,
        score      INTEGER NOT NULL,
        level      TEXT NOT NULL,
        summary    BLOB NOT NULL,
        response   BLOB NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX assessments_by_time ON assessments(created_at, seq);
    CREATE INDEX assessments_by_session ON assessments(session_id);

    CREATE TABLE profiles (
        id         TEXT PRIMARY KEY,
        user_id    TEXT,
        emails     BLOB NOT NULL,
        phones     BLOB NOT NULL,
        full_name  BLOB,
        state      BLOB,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX profiles_by_update ON profiles(updated_at);

    CREATE TABLE settings (
        key        TEXT PRIMARY KEY,
        value      BLOB NOT NULL,
        updated_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    ",
    // 2: the sync outbox.
    "
    CREATE TABLE outbox (
        seq         INTEGER PRIMARY KEY,
        id          TEXT NOT NULL UNIQUE,
        kind        TEXT NOT NULL,
        payload     BLOB NOT NULL,
        created_at  INTEGER NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        next_try_at INTEGER NOT NULL,
        last_error  TEXT
    );
    CREATE INDEX outbox_due ON outbox(next_try_at, seq);
    ",
    // 3: the server side of sync: devices, their synced records, trusted contacts
    // (caregivers), link and enrolment codes, alerts. Tokens and codes are kept only as
    // SHA-256 hashes; a caregiver's name and any opt-in details are sealed.
    "
    CREATE TABLE sync_devices (
        id           TEXT PRIMARY KEY,
        token_hash   BLOB NOT NULL,
        created_at   INTEGER NOT NULL,
        last_seen_at INTEGER,
        revoked_at   INTEGER
    ) WITHOUT ROWID;

    CREATE TABLE sync_records (
        seq         INTEGER PRIMARY KEY,
        device_id   TEXT NOT NULL REFERENCES sync_devices(id) ON DELETE CASCADE,
        id          TEXT NOT NULL,
        kind        TEXT NOT NULL,
        module      TEXT NOT NULL,
        level       TEXT NOT NULL,
        score       INTEGER NOT NULL,
        rule_ids    TEXT NOT NULL,
        pack_version TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        details     BLOB,
        UNIQUE (device_id, id)
    );
    CREATE INDEX sync_records_by_time ON sync_records(received_at);
    CREATE INDEX sync_records_by_device ON sync_records(device_id, seq);

    CREATE TABLE sync_caregivers (
        id         TEXT PRIMARY KEY,
        token_hash BLOB NOT NULL,
        name       BLOB,
        created_at INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE sync_links (
        device_id    TEXT NOT NULL REFERENCES sync_devices(id) ON DELETE CASCADE,
        caregiver_id TEXT NOT NULL REFERENCES sync_caregivers(id) ON DELETE CASCADE,
        created_at   INTEGER NOT NULL,
        PRIMARY KEY (device_id, caregiver_id)
    ) WITHOUT ROWID;
    CREATE INDEX sync_links_by_caregiver ON sync_links(caregiver_id);

    CREATE TABLE sync_codes (
        code_hash  BLOB PRIMARY KEY,
        purpose    TEXT NOT NULL,
        device_id  TEXT REFERENCES sync_devices(id) ON DELETE CASCADE,
        expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE sync_alerts (
        seq             INTEGER PRIMARY KEY,
        id              TEXT NOT NULL UNIQUE,
        caregiver_id    TEXT NOT NULL REFERENCES sync_caregivers(id) ON DELETE CASCADE,
        device_id       TEXT NOT NULL REFERENCES sync_devices(id) ON DELETE CASCADE,
        record_id       TEXT NOT NULL,
        module          TEXT NOT NULL,
        level           TEXT NOT NULL,
        score           INTEGER NOT NULL,
        headline        TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        acknowledged_at INTEGER,
        UNIQUE (caregiver_id, device_id, record_id)
    );
    CREATE INDEX sync_alerts_by_caregiver ON sync_alerts(caregiver_id, seq);
    ",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// What the file says about itself before anything is changed.
pub(crate) struct FileHeader {
    pub(crate) version: i64,
    pub(crate) application_id: i32,
    pub(crate) has_tables: bool,
}

/// Reads the header without writing; this is also where a non-SQLite file fails.
pub(crate) fn read_header(conn: &Connection) -> rusqlite::Result<FileHeader> {
    let version = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let application_id = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    let has_tables = conn.query_row("SELECT count(*) > 0 FROM sqlite_schema", [], |row| row.get(0))?;
    Ok(FileHeader { version, application_id, has_tables })
}

/// Brings the schema from `from` to [`SCHEMA_VERSION`] in one transaction.
pub(crate) fn migrate(conn: &mut Connection, from: i64) -> rusqlite::Result<()> {
    if from >= SCHEMA_VERSION {
        return Ok(());
    }
    migrate_to(conn, from, SCHEMA_VERSION)
}

/// Applies the migrations after `from` up to and including `to`.
pub(crate) fn migrate_to(conn: &mut Connection, from: i64, to: i64) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version > from && version <= to {
            tx.execute_batch(sql)?;
        }
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", to)?;
    tx.commit()
}
