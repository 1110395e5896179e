//! Sessions and their events.

use chrono::{DateTime, Utc};
use guardian_engine::{EngineError, Module, RiskResponse, SessionEvent};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::Value;

use crate::error::{Result, StoreError};
use crate::retention::Retention;
use crate::{Store, check_id, from_millis, millis};

/// What starts a session.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSession {
    /// The user (a UUID in the old API).
    pub user_id: String,
    /// The device the session runs on.
    pub device_id: String,
    /// Which guard the session belongs to.
    pub module: Module,
    /// Anything the client attached (sealed: it may name people).
    pub context: Option<Value>,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    /// Its id (a UUID).
    pub id: String,
    /// The user.
    pub user_id: String,
    /// The device.
    pub device_id: String,
    /// Which guard.
    pub module: Module,
    /// The client's context, if any.
    pub context: Option<Value>,
    /// When it started.
    pub created_at: DateTime<Utc>,
    /// When an event last arrived.
    pub last_accessed_at: DateTime<Utc>,
    /// When it was ended, by the user or by the retention rules.
    pub ended_at: Option<DateTime<Utc>>,
    /// The latest assessment, if any event was assessed.
    pub last_risk: Option<RiskResponse>,
}

impl Session {
    /// True while the session takes events: not ended, not idle too long, not too old.
    pub fn is_open(&self, now: DateTime<Utc>, retention: &Retention) -> bool {
        self.ended_at.is_none()
            && now - self.last_accessed_at < retention.session_idle()
            && now - self.created_at < retention.session_max()
    }
}

/// A stored event of a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    /// Its id (a UUID).
    pub id: String,
    /// `signal`, `note`, `assess`, `text`, `url` or `signals`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The event's body.
    pub payload: Value,
    /// The client's timestamp, as sent.
    pub timestamp: Option<String>,
    /// When the store received it.
    pub recorded_at: DateTime<Utc>,
}

impl StoredEvent {
    /// The event as the engine and the old API see it.
    pub fn to_wire(&self) -> SessionEvent {
        SessionEvent {
            id: Some(self.id.clone()),
            kind: self.kind.clone(),
            payload: self.payload.clone(),
            timestamp: self.timestamp.clone(),
        }
    }
}

/// A session with its events, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionRecord {
    /// The session.
    #[serde(flatten)]
    pub session: Session,
    /// Its events.
    pub events: Vec<StoredEvent>,
}

const SESSION_COLUMNS: &str =
    "id, user_id, device_id, module, context, created_at, last_accessed_at, ended_at, last_risk";

struct SessionRow {
    id: String,
    user_id: String,
    device_id: String,
    module: String,
    context: Option<Vec<u8>>,
    created_at: i64,
    last_accessed_at: i64,
    ended_at: Option<i64>,
    last_risk: Option<Vec<u8>>,
}

impl SessionRow {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<SessionRow> {
        Ok(SessionRow {
            id: row.get(0)?,
            user_id: row.get(1)?,
            device_id: row.get(2)?,
            module: row.get(3)?,
            context: row.get(4)?,
            created_at: row.get(5)?,
            last_accessed_at: row.get(6)?,
            ended_at: row.get(7)?,
            last_risk: row.get(8)?,
        })
    }
}

struct EventRow {
    id: String,
    kind: String,
    payload: Vec<u8>,
    timestamp: Option<String>,
    recorded_at: i64,
}

impl Store {
    /// Starts a session and returns it.
    pub fn start_session(&self, new: &NewSession, now: DateTime<Utc>) -> Result<Session> {
        check_id("user_id", &new.user_id)?;
        check_id("device_id", &new.device_id)?;
        let id = uuid::Uuid::new_v4().to_string();
        let context = new.context.as_ref().map(|c| self.seal_json("sessions.context", &id, c)).transpose()?;
        self.write(|conn| {
            conn.execute(
                "INSERT INTO sessions (id, user_id, device_id, module, context, created_at, last_accessed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![id, new.user_id, new.device_id, new.module.as_str(), context, millis(now)],
            )
        })?;
        Ok(Session {
            id,
            user_id: new.user_id.clone(),
            device_id: new.device_id.clone(),
            module: new.module,
            context: new.context.clone(),
            created_at: now,
            last_accessed_at: now,
            ended_at: None,
            last_risk: None,
        })
    }

    /// A session and its events; [`StoreError::NotFound`] if there is none (or it was purged).
    pub fn get_session(&self, id: &str) -> Result<SessionRecord> {
        self.read_with(|conn| {
            let row = load_session_row(conn, id).map_err(|e| self.sql(e))?.ok_or_else(|| not_found(id))?;
            let events = load_event_rows(conn, id).map_err(|e| self.sql(e))?;
            Ok(SessionRecord { session: self.session_from(row)?, events: self.events_from(events)? })
        })
    }

    /// Appends an event to an open session in one transaction: `assess` sees the earlier
    /// events and the new one and returns the risk, which becomes the session's
    /// `last_risk`. If `assess` refuses the event, nothing is written.
    pub fn append_event<F>(
        &self,
        session_id: &str,
        event: &SessionEvent,
        now: DateTime<Utc>,
        assess: F,
    ) -> Result<(StoredEvent, RiskResponse)>
    where
        F: FnOnce(Module, &[SessionEvent], &SessionEvent) -> Result<RiskResponse, EngineError>,
    {
        check_id("type", &event.kind)?;
        self.write_with(|conn| {
            let tx = conn.transaction().map_err(|e| self.sql(e))?;
            let row = load_session_row(&tx, session_id).map_err(|e| self.sql(e))?.ok_or_else(|| not_found(session_id))?;
            let session = self.session_from(row)?;
            if !session.is_open(now, self.retention()) {
                return Err(StoreError::SessionEnded { id: session_id.to_owned() });
            }
            let earlier: Vec<SessionEvent> = self
                .events_from(load_event_rows(&tx, session_id).map_err(|e| self.sql(e))?)?
                .iter()
                .map(StoredEvent::to_wire)
                .collect();
            let risk = assess(session.module, &earlier, event).map_err(StoreError::Rejected)?;

            let stored = StoredEvent {
                id: crate::record_id(),
                kind: event.kind.clone(),
                payload: event.payload.clone(),
                timestamp: event.timestamp.clone(),
                recorded_at: now,
            };
            let payload = self.seal_json("events.payload", &stored.id, &stored.payload)?;
            let sealed_risk = self.seal_json("sessions.last_risk", session_id, &risk)?;
            (|| {
                tx.execute(
                    "INSERT INTO events (id, session_id, seq, kind, payload, client_timestamp, recorded_at)
                     VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM events WHERE session_id = ?2), ?3, ?4, ?5, ?6)",
                    params![stored.id, session_id, stored.kind, payload, stored.timestamp, millis(now)],
                )?;
                tx.execute(
                    "UPDATE sessions SET last_accessed_at = ?2, last_score = ?3, last_level = ?4, last_risk = ?5 WHERE id = ?1",
                    params![session_id, millis(now), risk.score, risk.level.as_str(), sealed_risk],
                )?;
                tx.commit()
            })()
            .map_err(|e| self.sql(e))?;
            Ok((stored, risk))
        })
    }

    /// Ends a session (idempotent: ending it again keeps the first end time).
    pub fn end_session(&self, id: &str, now: DateTime<Utc>) -> Result<Session> {
        let changed = self.write(|conn| {
            conn.execute(
                "UPDATE sessions SET ended_at = coalesce(ended_at, ?2) WHERE id = ?1",
                params![id, millis(now)],
            )
        })?;
        if changed == 0 {
            return Err(not_found(id));
        }
        Ok(self.get_session(id)?.session)
    }

    /// How many sessions are open at `now`.
    pub fn active_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        let retention = self.retention();
        self.read(|conn| {
            conn.query_row(
                "SELECT count(*) FROM sessions WHERE ended_at IS NULL AND last_accessed_at > ?1 AND created_at > ?2",
                params![millis(now - retention.session_idle()), millis(now - retention.session_max())],
                |row| row.get(0),
            )
        })
    }

    /// Every session of a user (all users when `None`), oldest first, with events.
    pub(crate) fn sessions_of(&self, user_id: Option<&str>) -> Result<Vec<SessionRecord>> {
        self.read_with(|conn| {
            let rows = (|| {
                let mut stmt = conn.prepare(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions WHERE ?1 IS NULL OR user_id = ?1 ORDER BY created_at, id"
                ))?;
                let rows = stmt.query_map([user_id], SessionRow::from_row)?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })()
            .map_err(|e| self.sql(e))?;
            rows.into_iter()
                .map(|row| {
                    let events = load_event_rows(conn, &row.id).map_err(|e| self.sql(e))?;
                    Ok(SessionRecord { session: self.session_from(row)?, events: self.events_from(events)? })
                })
                .collect()
        })
    }

    fn session_from(&self, row: SessionRow) -> Result<Session> {
        let module = row.module.parse::<Module>().map_err(|_| StoreError::Tampered {
            path: self.path().to_path_buf(),
            what: "sessions.module".to_owned(),
        })?;
        Ok(Session {
            context: row.context.map(|c| self.open_json("sessions.context", &row.id, &c)).transpose()?,
            last_risk: row.last_risk.map(|r| self.open_json("sessions.last_risk", &row.id, &r)).transpose()?,
            id: row.id,
            user_id: row.user_id,
            device_id: row.device_id,
            module,
            created_at: from_millis(row.created_at),
            last_accessed_at: from_millis(row.last_accessed_at),
            ended_at: row.ended_at.map(from_millis),
        })
    }

    fn events_from(&self, rows: Vec<EventRow>) -> Result<Vec<StoredEvent>> {
        rows.into_iter()
            .map(|row| {
                Ok(StoredEvent {
                    payload: self.open_json("events.payload", &row.id, &row.payload)?,
                    id: row.id,
                    kind: row.kind,
                    timestamp: row.timestamp,
                    recorded_at: from_millis(row.recorded_at),
                })
            })
            .collect()
    }
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound { what: "session", id: id.to_owned() }
}

fn load_session_row(conn: &rusqlite::Connection, id: &str) -> rusqlite::Result<Option<SessionRow>> {
    conn.query_row(&format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1"), [id], SessionRow::from_row)
        .optional()
}

fn load_event_rows(conn: &rusqlite::Connection, session_id: &str) -> rusqlite::Result<Vec<EventRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, payload, client_timestamp, recorded_at FROM events WHERE session_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([session_id], |row| {
        Ok(EventRow {
            id: row.get(0)?,
            kind: row.get(1)?,
            payload: row.get(2)?,
            timestamp: row.get(3)?,
            recorded_at: row.get(4)?,
        })
    })?;
    rows.collect()
}
