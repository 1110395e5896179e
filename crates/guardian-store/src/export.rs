//! Data portability: everything stored about a user, decrypted, as one JSON document.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::Store;
use crate::error::Result;
use crate::history::{HistoryQuery, SavedAssessment};
use crate::profiles::Profile;
use crate::retention::Retention;
use crate::sessions::SessionRecord;

/// The export format's name and version, so a reader knows what it holds.
const FORMAT: &str = "titanium-guardian-export";
const FORMAT_VERSION: u32 = 1;

/// Everything stored about one user (or everyone), decrypted.
#[derive(Debug, Clone, Serialize)]
pub struct Export {
    /// Always `titanium-guardian-export`.
    pub format: &'static str,
    /// The export format version.
    pub format_version: u32,
    /// When it was made.
    pub exported_at: DateTime<Utc>,
    /// The user exported, or `null` for everything in the store.
    pub user_id: Option<String>,
    /// The retention rules the data is kept under.
    pub retention: Retention,
    /// Sessions with their events.
    pub sessions: Vec<ExportedSession>,
    /// Saved checks, newest first.
    pub assessments: Vec<SavedAssessment>,
    /// Identity profiles.
    pub profiles: Vec<Profile>,
    /// Settings (only in a whole-store export: they belong to the device, not a user).
    pub settings: BTreeMap<String, String>,
}

/// A session in an export.
pub type ExportedSession = SessionRecord;

impl Store {
    /// Everything stored about `user_id` (everything when `None`), decrypted.
    pub fn export(&self, user_id: Option<&str>, now: DateTime<Utc>) -> Result<Export> {
        let mut assessments = Vec::new();
        loop {
            let before = assessments.last().map(|a: &SavedAssessment| a.id.clone());
            let page =
                self.list_assessments(&HistoryQuery { limit: 500, user_id, before: before.as_deref(), module: None })?;
            let done = page.len() < 500;
            assessments.extend(page);
            if done {
                break;
            }
        }
        Ok(Export {
            format: FORMAT,
            format_version: FORMAT_VERSION,
            exported_at: now,
            user_id: user_id.map(str::to_owned),
            retention: *self.retention(),
            sessions: self.sessions_of(user_id)?,
            assessments,
            profiles: self.profiles_of(user_id)?,
            settings: if user_id.is_none() { self.settings()? } else { BTreeMap::new() },
        })
    }
}
