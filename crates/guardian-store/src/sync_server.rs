//! The server side of sync: enrolled devices, the records they push (stored once per
//! record id), trusted contacts (caregivers) linked to a device, one-time codes, and the
//! alerts a caregiver sees when a linked device syncs a high-risk check.
//!
//! Tokens and codes arrive here already hashed (SHA-256 by the server): the database never
//! holds one that could be replayed. A caregiver's name and any details a person chose to
//! share are sealed like every other personal value; modules, levels, scores, rule ids and
//! times stay in clear.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Result, StoreError};
use crate::{Store, from_millis, millis};

/// An enrolled device, as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncDevice {
    /// Its id.
    pub id: String,
    /// SHA-256 of its token.
    pub token_hash: Vec<u8>,
    /// When it enrolled.
    pub created_at: DateTime<Utc>,
    /// When it last called the server.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// When it was revoked; a revoked device is refused.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A caregiver (trusted contact) account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncCaregiver {
    /// Its id.
    pub id: String,
    /// SHA-256 of its token.
    pub token_hash: Vec<u8>,
    /// The name they gave, if any.
    pub name: Option<String>,
}

/// A caregiver linked to a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkedCaregiver {
    /// The caregiver's id.
    pub caregiver_id: String,
    /// The name they gave, if any.
    pub name: Option<String>,
    /// When the link was made.
    pub linked_at: DateTime<Utc>,
}

/// What a one-time code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose<'a> {
    /// Lets a device enrol without the server's API key.
    Enrolment,
    /// Lets a caregiver link to this device.
    Link {
        /// The device that asked for the code.
        device_id: &'a str,
    },
}

impl CodePurpose<'_> {
    fn tag(self) -> &'static str {
        match self {
            CodePurpose::Enrolment => "enrol",
            CodePurpose::Link { .. } => "link",
        }
    }

    fn device(self) -> Option<String> {
        match self {
            CodePurpose::Enrolment => None,
            CodePurpose::Link { device_id } => Some(device_id.to_owned()),
        }
    }
}

/// A record pushed by a device.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSyncedRecord {
    /// The record's id (a UUID made on the device): the idempotency key.
    pub id: String,
    /// `assessment` or `session_summary`.
    pub kind: String,
    /// Which guard answered (wire name).
    pub module: String,
    /// `low`, `medium` or `high`.
    pub level: String,
    /// 0–100.
    pub score: u8,
    /// The fired rules' ids.
    pub rule_ids: Vec<String>,
    /// The rule pack's version.
    pub pack_version: String,
    /// When the check was made (device clock).
    pub created_at: DateTime<Utc>,
    /// What the person chose to share beyond the defaults (text, link, amount, names); sealed.
    pub details: Option<Value>,
    /// For an alert: the plain-language headline (no message content).
    pub headline: String,
}

/// A record as kept and returned in a device's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncedRecord {
    /// The record's id.
    pub id: String,
    /// `assessment` or `session_summary`.
    pub kind: String,
    /// Which guard answered.
    pub module: String,
    /// `low`, `medium` or `high`.
    pub level: String,
    /// 0–100.
    pub score: u8,
    /// The fired rules' ids.
    pub rule_ids: Vec<String>,
    /// The rule pack's version.
    pub pack_version: String,
    /// When the check was made.
    pub created_at: DateTime<Utc>,
    /// When the server first received it.
    pub received_at: DateTime<Utc>,
    /// Shared details, if the person opted in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

/// An alert for a caregiver: what the server stores and serves, and what a client reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// Its id.
    pub id: String,
    /// The device whose check raised it.
    pub device_id: String,
    /// The synced record it is about.
    pub record_id: String,
    /// Which guard answered.
    pub module: String,
    /// The level (always `high` today).
    pub level: String,
    /// 0–100.
    pub score: u8,
    /// What happened, in plain words, without any message content.
    pub headline: String,
    /// When the check was made.
    pub created_at: DateTime<Utc>,
    /// When the caregiver acknowledged it.
    pub acknowledged_at: Option<DateTime<Utc>>,
}

type AlertRow = (String, String, String, String, String, u8, String, i64, Option<i64>);

fn alert_from(row: AlertRow) -> Alert {
    let (id, device_id, record_id, module, level, score, headline, created_at, acknowledged_at) = row;
    Alert {
        id,
        device_id,
        record_id,
        module,
        level,
        score,
        headline,
        created_at: from_millis(created_at),
        acknowledged_at: acknowledged_at.map(from_millis),
    }
}

const ALERT_COLUMNS: &str = "id, device_id, record_id, module, level, score, headline, created_at, acknowledged_at";

fn read_alert(row: &rusqlite::Row<'_>) -> rusqlite::Result<AlertRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
    ))
}

impl Store {
    /// Enrols a new device holding a token with this hash; returns its id.
    pub fn register_device(&self, token_hash: &[u8], now: DateTime<Utc>) -> Result<String> {
        let id = uuid::Uuid::new_v4().to_string();
        self.write(|conn| {
            conn.execute(
                "INSERT INTO sync_devices (id, token_hash, created_at) VALUES (?1, ?2, ?3)",
                params![id, token_hash, millis(now)],
            )
        })?;
        Ok(id)
    }

    /// An enrolled device (revoked ones included).
    pub fn sync_device(&self, id: &str) -> Result<SyncDevice> {
        let row = self.read(|conn| {
            conn.query_row(
                "SELECT id, token_hash, created_at, last_seen_at, revoked_at FROM sync_devices WHERE id = ?1",
                [id],
                |row| {
                    Ok(SyncDevice {
                        id: row.get(0)?,
                        token_hash: row.get(1)?,
                        created_at: from_millis(row.get(2)?),
                        last_seen_at: row.get::<_, Option<i64>>(3)?.map(from_millis),
                        revoked_at: row.get::<_, Option<i64>>(4)?.map(from_millis),
                    })
                },
            )
            .optional()
        })?;
        row.ok_or_else(|| StoreError::NotFound { what: "device", id: id.to_owned() })
    }

    /// Notes that a device called.
    pub fn touch_device(&self, id: &str, now: DateTime<Utc>) -> Result<()> {
        self.write(|conn| {
            conn.execute("UPDATE sync_devices SET last_seen_at = ?2 WHERE id = ?1", params![id, millis(now)])
        })?;
        Ok(())
    }

    /// Revokes a device: its token stops working, its caregiver links and codes go, so no
    /// alert is raised for it again. Its synced history stays until retention removes it.
    pub fn revoke_device(&self, id: &str, now: DateTime<Utc>) -> Result<()> {
        let changed = self.write(|conn| {
            let tx = conn.transaction()?;
            let changed = tx.execute(
                "UPDATE sync_devices SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
                params![id, millis(now)],
            )?;
            tx.execute("DELETE FROM sync_links WHERE device_id = ?1", [id])?;
            tx.execute("DELETE FROM sync_codes WHERE device_id = ?1", [id])?;
            tx.commit()?;
            Ok(changed)
        })?;
        if changed == 0 {
            return Err(StoreError::NotFound { what: "device", id: id.to_owned() });
        }
        Ok(())
    }

    /// Keeps a one-time code (by its hash) until `expires_at`.
    pub fn add_sync_code(&self, code_hash: &[u8], purpose: CodePurpose<'_>, expires_at: DateTime<Utc>) -> Result<()> {
        self.write(|conn| {
            conn.execute(
                "INSERT INTO sync_codes (code_hash, purpose, device_id, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![code_hash, purpose.tag(), purpose.device(), millis(expires_at)],
            )
        })?;
        Ok(())
    }

    /// Uses up an enrolment code; false if there is no such code or it has expired.
    pub fn take_enrolment_code(&self, code_hash: &[u8], now: DateTime<Utc>) -> Result<bool> {
        self.write(|conn| take_code(conn, code_hash, CodePurpose::Enrolment.tag(), now).map(|row| row.is_some()))
    }

    /// Creates a caregiver account with a link code the person shared: the code is used up
    /// and the caregiver linked to its device, in one transaction. Returns the new
    /// caregiver's id and the device's; [`StoreError::NotFound`] for an unknown or expired code.
    pub fn create_caregiver(
        &self,
        token_hash: &[u8],
        name: Option<&str>,
        link_code_hash: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(String, String)> {
        let id = uuid::Uuid::new_v4().to_string();
        let sealed_name = name.map(|name| self.seal_bytes("sync_caregivers.name", &id, name.as_bytes())).transpose()?;
        let device = self.write(|conn| {
            let tx = conn.transaction()?;
            let Some(Some(device_id)) = take_code(&tx, link_code_hash, "link", now)? else {
                return Ok(None);
            };
            tx.execute(
                "INSERT INTO sync_caregivers (id, token_hash, name, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, token_hash, sealed_name, millis(now)],
            )?;
            tx.execute(
                "INSERT INTO sync_links (device_id, caregiver_id, created_at) VALUES (?1, ?2, ?3)",
                params![device_id, id, millis(now)],
            )?;
            tx.commit()?;
            Ok(Some(device_id))
        })?;
        device.map(|device| (id, device)).ok_or_else(code_not_found)
    }

    /// Links an existing caregiver to the device that made this link code; returns the
    /// device's id.
    pub fn link_caregiver(&self, caregiver_id: &str, link_code_hash: &[u8], now: DateTime<Utc>) -> Result<String> {
        let device = self.write(|conn| {
            let tx = conn.transaction()?;
            let Some(Some(device_id)) = take_code(&tx, link_code_hash, "link", now)? else {
                return Ok(None);
            };
            tx.execute(
                "INSERT INTO sync_links (device_id, caregiver_id, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                params![device_id, caregiver_id, millis(now)],
            )?;
            tx.commit()?;
            Ok(Some(device_id))
        })?;
        device.ok_or_else(code_not_found)
    }

    /// A caregiver account.
    pub fn sync_caregiver(&self, id: &str) -> Result<SyncCaregiver> {
        let row: Option<(String, Vec<u8>, Option<Vec<u8>>)> = self.read(|conn| {
            conn.query_row("SELECT id, token_hash, name FROM sync_caregivers WHERE id = ?1", [id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .optional()
        })?;
        let (id, token_hash, name) =
            row.ok_or_else(|| StoreError::NotFound { what: "caregiver", id: id.to_owned() })?;
        let name = name.map(|sealed| self.open_text("sync_caregivers.name", &id, &sealed)).transpose()?;
        Ok(SyncCaregiver { id, token_hash, name })
    }

    /// The caregivers linked to a device.
    pub fn device_caregivers(&self, device_id: &str) -> Result<Vec<LinkedCaregiver>> {
        let rows: Vec<(String, Option<Vec<u8>>, i64)> = self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT c.id, c.name, l.created_at FROM sync_links l JOIN sync_caregivers c ON c.id = l.caregiver_id
                 WHERE l.device_id = ?1 ORDER BY l.created_at",
            )?;
            let rows = stmt.query_map([device_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
            rows.collect()
        })?;
        rows.into_iter()
            .map(|(caregiver_id, name, linked_at)| {
                Ok(LinkedCaregiver {
                    name: name
                        .map(|sealed| self.open_text("sync_caregivers.name", &caregiver_id, &sealed))
                        .transpose()?,
                    caregiver_id,
                    linked_at: from_millis(linked_at),
                })
            })
            .collect()
    }

    /// Unlinks one caregiver (or every one, with `None`) from a device, at once: no alert
    /// is raised for them again, and their alerts from this device not yet acknowledged
    /// are withdrawn. Returns how many links were removed.
    pub fn unlink_caregivers(&self, device_id: &str, caregiver_id: Option<&str>) -> Result<u64> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            let removed = tx.execute(
                "DELETE FROM sync_links WHERE device_id = ?1 AND (?2 IS NULL OR caregiver_id = ?2)",
                params![device_id, caregiver_id],
            )?;
            tx.execute(
                "DELETE FROM sync_alerts WHERE device_id = ?1 AND (?2 IS NULL OR caregiver_id = ?2)
                 AND acknowledged_at IS NULL",
                params![device_id, caregiver_id],
            )?;
            tx.commit()?;
            Ok(removed as u64)
        })
    }

    /// Stores a device's records, each at most once (a record id seen before is left as it
    /// was), and raises an alert for every linked caregiver for each new `high` record —
    /// all in one transaction. Returns, per record, whether it was new.
    pub fn store_synced_records(
        &self,
        device_id: &str,
        records: &[NewSyncedRecord],
        now: DateTime<Utc>,
    ) -> Result<Vec<bool>> {
        let sealed = records
            .iter()
            .map(|record| {
                let aad = format!("{device_id}/{}", record.id);
                record.details.as_ref().map(|details| self.seal_json("sync_records.details", &aad, details)).transpose()
            })
            .collect::<Result<Vec<_>>>()?;
        let rule_ids = records
            .iter()
            .map(|record| {
                serde_json::to_string(&record.rule_ids).map_err(|e| StoreError::InvalidInput {
                    field: "rule_ids",
                    message: format!("cannot be stored: {e}"),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.write(|conn| {
            let tx = conn.transaction()?;
            let mut stored = Vec::with_capacity(records.len());
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO sync_records (device_id, id, kind, module, level, score, rule_ids, pack_version,
                                               created_at, received_at, details)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING",
                )?;
                let mut alert = tx.prepare_cached(
                    "INSERT INTO sync_alerts (id, caregiver_id, device_id, record_id, module, level, score, headline, created_at)
                     SELECT lower(hex(randomblob(16))), caregiver_id, device_id, ?2, ?3, ?4, ?5, ?6, ?7
                     FROM sync_links WHERE device_id = ?1
                     ON CONFLICT DO NOTHING",
                )?;
                for ((record, details), rule_ids) in records.iter().zip(&sealed).zip(&rule_ids) {
                    let new = insert.execute(params![
                        device_id,
                        record.id,
                        record.kind,
                        record.module,
                        record.level,
                        record.score,
                        rule_ids,
                        record.pack_version,
                        millis(record.created_at),
                        millis(now),
                        details,
                    ])? > 0;
                    if new && record.level == "high" {
                        alert.execute(params![
                            device_id,
                            record.id,
                            record.module,
                            record.level,
                            record.score,
                            record.headline,
                            millis(record.created_at),
                        ])?;
                    }
                    stored.push(new);
                }
                tx.execute("UPDATE sync_devices SET last_seen_at = ?2 WHERE id = ?1", params![device_id, millis(now)])?;
            }
            tx.commit()?;
            Ok(stored)
        })
    }

    /// A device's synced records, newest first (at most `limit`, 0 meaning 100).
    pub fn synced_records(&self, device_id: &str, limit: usize) -> Result<Vec<SyncedRecord>> {
        let limit = if limit == 0 { 100 } else { limit };
        type Row = (String, String, String, String, u8, String, String, i64, i64, Option<Vec<u8>>);
        let rows: Vec<Row> = self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, kind, module, level, score, rule_ids, pack_version, created_at, received_at, details
                 FROM sync_records WHERE device_id = ?1 ORDER BY seq DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![device_id, limit as i64], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                    row.get(6)?,
                    row.get(7)?,
                    row.get(8)?,
                    row.get(9)?,
                ))
            })?;
            rows.collect()
        })?;
        rows.into_iter()
            .map(|(id, kind, module, level, score, rule_ids, pack_version, created_at, received_at, details)| {
                let aad = format!("{device_id}/{id}");
                Ok(SyncedRecord {
                    details: details.map(|sealed| self.open_json("sync_records.details", &aad, &sealed)).transpose()?,
                    rule_ids: serde_json::from_str(&rule_ids).map_err(|_| StoreError::Tampered {
                        path: self.path().to_path_buf(),
                        what: "sync_records.rule_ids".to_owned(),
                    })?,
                    id,
                    kind,
                    module,
                    level,
                    score,
                    pack_version,
                    created_at: from_millis(created_at),
                    received_at: from_millis(received_at),
                })
            })
            .collect()
    }

    /// A caregiver's alerts, newest first; acknowledged ones only when asked for.
    pub fn caregiver_alerts(&self, caregiver_id: &str, include_acknowledged: bool, limit: usize) -> Result<Vec<Alert>> {
        let limit = if limit == 0 { 100 } else { limit };
        let rows: Vec<AlertRow> = self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ALERT_COLUMNS} FROM sync_alerts
                 WHERE caregiver_id = ?1 AND (?2 OR acknowledged_at IS NULL) ORDER BY seq DESC LIMIT ?3"
            ))?;
            let rows = stmt.query_map(params![caregiver_id, include_acknowledged, limit as i64], read_alert)?;
            rows.collect()
        })?;
        Ok(rows.into_iter().map(alert_from).collect())
    }

    /// Marks one of a caregiver's alerts as seen.
    pub fn acknowledge_alert(&self, caregiver_id: &str, alert_id: &str, now: DateTime<Utc>) -> Result<Alert> {
        let row: Option<AlertRow> = self.write(|conn| {
            conn.query_row(
                &format!(
                    "UPDATE sync_alerts SET acknowledged_at = coalesce(acknowledged_at, ?3)
                     WHERE caregiver_id = ?1 AND id = ?2 RETURNING {ALERT_COLUMNS}"
                ),
                params![caregiver_id, alert_id, millis(now)],
                read_alert,
            )
            .optional()
        })?;
        row.map(alert_from).ok_or_else(|| StoreError::NotFound { what: "alert", id: alert_id.to_owned() })
    }
}

fn take_code(
    conn: &rusqlite::Connection,
    code_hash: &[u8],
    purpose: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<Option<String>>> {
    // Expired codes go on every use, so the table stays small.
    conn.execute("DELETE FROM sync_codes WHERE expires_at <= ?1", [millis(now)])?;
    conn.query_row(
        "DELETE FROM sync_codes WHERE code_hash = ?1 AND purpose = ?2 RETURNING device_id",
        params![code_hash, purpose],
        |row| row.get(0),
    )
    .optional()
}

fn code_not_found() -> StoreError {
    StoreError::NotFound { what: "link code", id: "(hidden)".to_owned() }
}
