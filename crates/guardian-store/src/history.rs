//! Assessment history: "Past checks".

use chrono::{DateTime, Utc};
use guardian_engine::{Module, RiskResponse};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use crate::error::{Result, StoreError};
use crate::{Store, check_id, from_millis, millis};

/// The longest summary kept, in characters.
const SUMMARY_CHARS: usize = 120;

/// A check to save.
#[derive(Debug, Clone, Copy)]
pub struct NewAssessment<'a> {
    /// Which guard answered.
    pub module: Module,
    /// A short description of what was checked (see [`summarize`]); sealed.
    pub summary: &'a str,
    /// The answer; sealed.
    pub response: &'a RiskResponse,
    /// The session it belongs to, if any.
    pub session_id: Option<&'a str>,
    /// The user it belongs to, if the store serves several.
    pub user_id: Option<&'a str>,
}

/// A saved check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavedAssessment {
    /// Its id (a UUID).
    pub id: String,
    /// Which guard answered.
    pub module: Module,
    /// What was checked, shortened.
    pub summary: String,
    /// The answer as it was given.
    pub response: RiskResponse,
    /// The session it belongs to, if any.
    pub session_id: Option<String>,
    /// The user, if any.
    pub user_id: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// Which saved checks to list.
#[derive(Debug, Clone, Default)]
pub struct HistoryQuery<'a> {
    /// At most this many (newest first); 0 means 50.
    pub limit: usize,
    /// Only checks of this module.
    pub module: Option<Module>,
    /// Only checks of this user.
    pub user_id: Option<&'a str>,
    /// Only checks older than the one with this id (for paging).
    pub before: Option<&'a str>,
}

/// Shortens what was checked into a one-line summary: whitespace folded, at most 120
/// characters, an ellipsis where it was cut.
pub fn summarize(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(SUMMARY_CHARS * 4));
    let mut chars = 0;
    for word in text.split_whitespace() {
        let needed = word.chars().count() + usize::from(chars > 0);
        if chars + needed > SUMMARY_CHARS {
            if chars == 0 {
                out.extend(word.chars().take(SUMMARY_CHARS - 1));
            }
            out.push('…');
            return out;
        }
        if chars > 0 {
            out.push(' ');
        }
        out.push_str(word);
        chars += needed;
    }
    out
}

struct AssessmentRow {
    id: String,
    module: String,
    summary: Vec<u8>,
    response: Vec<u8>,
    session_id: Option<String>,
    user_id: Option<String>,
    created_at: i64,
}

const COLUMNS: &str = "id, module, summary, response, session_id, user_id, created_at";

impl AssessmentRow {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<AssessmentRow> {
        Ok(AssessmentRow {
            id: row.get(0)?,
            module: row.get(1)?,
            summary: row.get(2)?,
            response: row.get(3)?,
            session_id: row.get(4)?,
            user_id: row.get(5)?,
            created_at: row.get(6)?,
        })
    }
}

/// An assessment sealed and ready to insert.
struct SealedAssessment<'a> {
    id: String,
    new: &'a NewAssessment<'a>,
    summary: Vec<u8>,
    response: Vec<u8>,
}

impl Store {
    /// Saves one check; returns its id.
    pub fn record_assessment(&self, new: &NewAssessment<'_>, now: DateTime<Utc>) -> Result<String> {
        let mut ids = self.record_assessments(std::slice::from_ref(new), now)?;
        Ok(ids.pop().unwrap_or_default())
    }

    /// Saves several checks in one transaction (all or none); returns their ids in order.
    pub fn record_assessments(&self, batch: &[NewAssessment<'_>], now: DateTime<Utc>) -> Result<Vec<String>> {
        // Seal outside the write lock: encryption is the costly part and needs no database.
        let sealed = batch.iter().map(|new| self.seal_assessment(new)).collect::<Result<Vec<_>>>()?;
        self.write(|conn| {
            let tx = conn.transaction()?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO assessments (id, user_id, session_id, module, score, level, summary, response, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?;
                for item in &sealed {
                    insert.execute(params![
                        item.id,
                        item.new.user_id,
                        item.new.session_id,
                        item.new.module.as_str(),
                        item.new.response.score,
                        item.new.response.level.as_str(),
                        item.summary,
                        item.response,
                        millis(now)
                    ])?;
                }
            }
            tx.commit()
        })?;
        Ok(sealed.into_iter().map(|item| item.id).collect())
    }

    fn seal_assessment<'a>(&self, new: &'a NewAssessment<'a>) -> Result<SealedAssessment<'a>> {
        if let Some(user) = new.user_id {
            check_id("user_id", user)?;
        }
        let id = crate::record_id();
        let summary = self.seal_bytes("assessments.summary", &id, summarize(new.summary).as_bytes())?;
        let response = self.seal_json("assessments.response", &id, new.response)?;
        Ok(SealedAssessment { id, new, summary, response })
    }

    /// Saved checks, newest first.
    pub fn list_assessments(&self, query: &HistoryQuery<'_>) -> Result<Vec<SavedAssessment>> {
        let limit = if query.limit == 0 { 50 } else { query.limit };
        let rows = self.read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM assessments
                 WHERE (?1 IS NULL OR module = ?1) AND (?2 IS NULL OR user_id = ?2)
                   AND (?3 IS NULL OR seq < (SELECT seq FROM assessments WHERE id = ?3))
                 ORDER BY seq DESC LIMIT ?4"
            ))?;
            let rows = stmt.query_map(
                params![query.module.map(Module::as_str), query.user_id, query.before, limit as i64],
                AssessmentRow::from_row,
            )?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?;
        rows.into_iter().map(|row| self.assessment_from(row)).collect()
    }

    /// One saved check.
    pub fn get_assessment(&self, id: &str) -> Result<SavedAssessment> {
        let row = self.read(|conn| {
            conn.query_row(&format!("SELECT {COLUMNS} FROM assessments WHERE id = ?1"), [id], AssessmentRow::from_row)
                .optional()
        })?;
        self.assessment_from(row.ok_or_else(|| not_found(id))?)
    }

    /// Forgets one saved check, for real (its bytes are overwritten in the file).
    pub fn delete_assessment(&self, id: &str) -> Result<()> {
        let deleted = self.write(|conn| conn.execute("DELETE FROM assessments WHERE id = ?1", [id]))?;
        if deleted == 0 {
            return Err(not_found(id));
        }
        self.checkpoint()
    }

    /// Forgets every saved check and every session (with its events) of a user, or of
    /// everyone when `user_id` is `None`. Profiles and settings stay. Returns how many
    /// checks and sessions were deleted.
    pub fn delete_all_history(&self, user_id: Option<&str>) -> Result<u64> {
        let deleted = self.write(|conn| {
            let tx = conn.transaction()?;
            let checks = tx.execute("DELETE FROM assessments WHERE ?1 IS NULL OR user_id = ?1", [user_id])?;
            let sessions = tx.execute("DELETE FROM sessions WHERE ?1 IS NULL OR user_id = ?1", [user_id])?;
            tx.commit()?;
            Ok((checks + sessions) as u64)
        })?;
        self.checkpoint()?;
        Ok(deleted)
    }

    /// How many checks are saved.
    pub fn count_assessments(&self) -> Result<u64> {
        self.read(|conn| conn.query_row("SELECT count(*) FROM assessments", [], |row| row.get(0)))
    }

    fn assessment_from(&self, row: AssessmentRow) -> Result<SavedAssessment> {
        let module = row.module.parse::<Module>().map_err(|_| StoreError::Tampered {
            path: self.path().to_path_buf(),
            what: "assessments.module".to_owned(),
        })?;
        Ok(SavedAssessment {
            summary: self.open_text("assessments.summary", &row.id, &row.summary)?,
            response: self.open_json("assessments.response", &row.id, &row.response)?,
            id: row.id,
            module,
            session_id: row.session_id,
            user_id: row.user_id,
            created_at: from_millis(row.created_at),
        })
    }
}

fn not_found(id: &str) -> StoreError {
    StoreError::NotFound { what: "saved check", id: id.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::summarize;

    #[test]
    fn summary_folds_whitespace_and_cuts_at_a_word() {
        assert_eq!(summarize("  Your parcel\n\n is   held "), "Your parcel is held");
        let long = "word ".repeat(100);
        let short = summarize(&long);
        assert!(short.ends_with('…'));
        assert!(short.chars().count() <= 121);
        assert!(!short.contains("wor…"));
        let one_word = "x".repeat(500);
        assert_eq!(summarize(&one_word).chars().count(), 120);
        assert_eq!(summarize(""), "");
    }
}
