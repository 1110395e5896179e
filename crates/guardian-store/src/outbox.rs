//! The sync outbox: records waiting to be sent, each with a UUID so a resend is
//! recognised by the server. A claimed record is leased: if the sender dies before
//! acknowledging it, it becomes due again when the lease runs out — at-least-once
//! delivery, made exactly-once by the server's idempotency on the id.

use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::params;
use serde::Serialize;
use serde_json::Value;

use crate::error::{Result, StoreError};
use crate::{Store, check_id, from_millis, millis};

/// A record waiting to be sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxRecord {
    /// Its id (a UUID), sent along so the server stores it once.
    pub id: String,
    /// What it is (`assessment`, `session_summary`…).
    pub kind: String,
    /// What to send.
    pub payload: Value,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// How many times it has been claimed for sending, this claim included.
    pub attempts: u32,
}

impl Store {
    /// Queues a record to send; returns its id.
    pub fn enqueue(&self, kind: &str, payload: &Value, now: DateTime<Utc>) -> Result<String> {
        check_id("kind", kind)?;
        let id = crate::record_id();
        let sealed = self.seal_json("outbox.payload", &id, payload)?;
        self.write(|conn| {
            conn.execute(
                "INSERT INTO outbox (id, kind, payload, created_at, next_try_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                params![id, kind, sealed, millis(now)],
            )
        })?;
        Ok(id)
    }

    /// Takes up to `limit` due records, oldest first, and leases them for `lease`: they
    /// are not handed out again until then unless [`Store::defer`]red.
    pub fn claim(&self, limit: usize, now: DateTime<Utc>, lease: TimeDelta) -> Result<Vec<OutboxRecord>> {
        if lease <= TimeDelta::zero() {
            return Err(StoreError::InvalidInput { field: "lease", message: "must be positive".to_owned() });
        }
        let rows: Vec<(String, String, Vec<u8>, i64, u32)> = self.write(|conn| {
            let tx = conn.transaction()?;
            let rows = {
                let mut stmt = tx.prepare_cached(
                    "UPDATE outbox SET attempts = attempts + 1, next_try_at = ?2
                     WHERE seq IN (SELECT seq FROM outbox WHERE next_try_at <= ?1 ORDER BY seq LIMIT ?3)
                     RETURNING id, kind, payload, created_at, attempts, seq",
                )?;
                let mut rows = stmt
                    .query_map(params![millis(now), millis(now + lease), limit as i64], |row| {
                        Ok((row.get::<_, i64>(5)?, (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                rows.sort_by_key(|(seq, _)| *seq);
                rows.into_iter().map(|(_, row)| row).collect()
            };
            tx.commit()?;
            Ok(rows)
        })?;
        rows.into_iter()
            .map(|(id, kind, payload, created_at, attempts)| {
                Ok(OutboxRecord {
                    payload: self.open_json("outbox.payload", &id, &payload)?,
                    id,
                    kind,
                    created_at: from_millis(created_at),
                    attempts,
                })
            })
            .collect()
    }

    /// Removes delivered records; returns how many there were.
    pub fn ack(&self, ids: &[String]) -> Result<u64> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            let mut removed = 0;
            {
                let mut delete = tx.prepare_cached("DELETE FROM outbox WHERE id = ?1")?;
                for id in ids {
                    removed += delete.execute([id])? as u64;
                }
            }
            tx.commit()?;
            Ok(removed)
        })
    }

    /// Puts a claimed record back for a later try, noting why the send failed (a status,
    /// never the payload).
    pub fn defer(&self, id: &str, next_try_at: DateTime<Utc>, reason: &str) -> Result<()> {
        let changed = self.write(|conn| {
            conn.execute(
                "UPDATE outbox SET next_try_at = ?2, last_error = ?3 WHERE id = ?1",
                params![id, millis(next_try_at), reason],
            )
        })?;
        if changed == 0 {
            return Err(StoreError::NotFound { what: "outbox record", id: id.to_owned() });
        }
        Ok(())
    }

    /// Drops every waiting record (sync was turned off); returns how many there were.
    pub fn clear_outbox(&self) -> Result<u64> {
        let removed = self.write(|conn| conn.execute("DELETE FROM outbox", []))? as u64;
        if removed > 0 {
            self.checkpoint()?;
        }
        Ok(removed)
    }

    /// How many records are waiting (due or leased).
    pub fn outbox_len(&self) -> Result<u64> {
        self.read(|conn| conn.query_row("SELECT count(*) FROM outbox", [], |row| row.get(0)))
    }
}
