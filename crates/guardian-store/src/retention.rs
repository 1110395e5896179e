//! How long things are kept, and the purge that enforces it.

use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};
use crate::{Store, millis};

/// Retention rules. Defaults are the old system's; the field names are those of its
/// `GET /v1/data-retention/policy` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    /// A session with no event for this long is ended.
    pub session_idle_hours: u32,
    /// A session older than this is ended, however busy.
    pub session_max_hours: u32,
    /// Session events (and ended sessions) are deleted after this many days.
    pub event_retention_days: u32,
    /// Saved checks, identity profiles and unsent sync records are deleted after this many days.
    pub personal_data_retention_days: u32,
}

impl Default for Retention {
    fn default() -> Retention {
        Retention {
            session_idle_hours: 24,
            session_max_hours: 48,
            event_retention_days: 30,
            personal_data_retention_days: 90,
        }
    }
}

impl Retention {
    /// Checks the rules make sense (every period at least one unit, idle within max).
    pub fn validate(&self) -> Result<()> {
        let fail = |message: &str| Err(StoreError::InvalidInput { field: "retention", message: message.to_owned() });
        if self.session_idle_hours == 0
            || self.session_max_hours == 0
            || self.event_retention_days == 0
            || self.personal_data_retention_days == 0
        {
            return fail("every period must be at least 1");
        }
        if self.session_idle_hours > self.session_max_hours {
            return fail("the idle limit cannot be longer than the session limit");
        }
        Ok(())
    }

    pub(crate) fn session_idle(&self) -> TimeDelta {
        TimeDelta::hours(i64::from(self.session_idle_hours))
    }

    pub(crate) fn session_max(&self) -> TimeDelta {
        TimeDelta::hours(i64::from(self.session_max_hours))
    }

    fn events(&self) -> TimeDelta {
        TimeDelta::days(i64::from(self.event_retention_days))
    }

    fn personal_data(&self) -> TimeDelta {
        TimeDelta::days(i64::from(self.personal_data_retention_days))
    }
}

/// What one purge did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    /// Sessions ended for being idle or too old.
    pub sessions_ended: u64,
    /// Ended sessions deleted with whatever events they had left.
    pub sessions_deleted: u64,
    /// Events deleted for age.
    pub events_deleted: u64,
    /// Saved checks deleted for age.
    pub assessments_deleted: u64,
    /// Identity profiles deleted for age.
    pub profiles_deleted: u64,
    /// Sync records never delivered, deleted for age.
    pub outbox_deleted: u64,
    /// Server side: synced records and acknowledged alerts deleted for age.
    pub synced_deleted: u64,
}

impl PurgeReport {
    /// Rows deleted in all.
    pub fn deleted(&self) -> u64 {
        self.sessions_deleted
            + self.events_deleted
            + self.assessments_deleted
            + self.profiles_deleted
            + self.outbox_deleted
            + self.synced_deleted
    }
}

impl Store {
    /// Applies the retention rules at `now`, in one transaction, and really removes what
    /// they expire: freed pages are overwritten (`secure_delete`) and the write-ahead log
    /// is checkpointed and truncated, so no copy stays in the files.
    pub fn purge_expired(&self, now: DateTime<Utc>) -> Result<PurgeReport> {
        let rules = *self.retention();
        let idle_cutoff = millis(now - rules.session_idle());
        let max_cutoff = millis(now - rules.session_max());
        let event_cutoff = millis(now - rules.events());
        let personal_cutoff = millis(now - rules.personal_data());
        let report = self.write(|conn| {
            let tx = conn.transaction()?;
            let as_count = |n: usize| n as u64;
            let report = PurgeReport {
                // The end time is when the limit was reached, not when the purge ran.
                sessions_ended: as_count(tx.execute(
                    "UPDATE sessions SET ended_at = min(last_accessed_at + ?3, created_at + ?4)
                     WHERE ended_at IS NULL AND (last_accessed_at <= ?1 OR created_at <= ?2)",
                    params![
                        idle_cutoff,
                        max_cutoff,
                        rules.session_idle().num_milliseconds(),
                        rules.session_max().num_milliseconds()
                    ],
                )?),
                events_deleted: as_count(tx.execute("DELETE FROM events WHERE recorded_at <= ?1", [event_cutoff])?),
                sessions_deleted: as_count(tx.execute(
                    "DELETE FROM sessions WHERE ended_at IS NOT NULL AND last_accessed_at <= ?1",
                    [event_cutoff],
                )?),
                assessments_deleted: as_count(
                    tx.execute("DELETE FROM assessments WHERE created_at <= ?1", [personal_cutoff])?,
                ),
                profiles_deleted: as_count(
                    tx.execute("DELETE FROM profiles WHERE updated_at <= ?1", [personal_cutoff])?,
                ),
                outbox_deleted: as_count(tx.execute("DELETE FROM outbox WHERE created_at <= ?1", [personal_cutoff])?),
                synced_deleted: as_count(
                    tx.execute("DELETE FROM sync_records WHERE received_at <= ?1", [personal_cutoff])?,
                ) + as_count(tx.execute(
                    "DELETE FROM sync_alerts WHERE acknowledged_at IS NOT NULL AND created_at <= ?1",
                    [personal_cutoff],
                )?),
            };
            tx.commit()?;
            Ok(report)
        })?;
        if report.deleted() > 0 {
            self.checkpoint()?;
        }
        Ok(report)
    }
}
