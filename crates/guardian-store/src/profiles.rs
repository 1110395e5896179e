//! IdentityWatch profiles: the e-mails, phones and name a person wants watched.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::error::{Result, StoreError};
use crate::{Store, check_id, from_millis, millis};

/// A profile to create. The old API requires at least one e-mail and one phone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewProfile {
    /// E-mail addresses (at least one).
    pub emails: Vec<String>,
    /// Phone numbers (at least one).
    pub phones: Vec<String>,
    /// The person's name.
    pub full_name: Option<String>,
    /// Their state or region.
    pub state: Option<String>,
    /// The user it belongs to, if the store serves several.
    pub user_id: Option<String>,
}

/// A stored profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// Its id (a UUID).
    pub id: String,
    /// E-mail addresses.
    pub emails: Vec<String>,
    /// Phone numbers.
    pub phones: Vec<String>,
    /// The person's name.
    pub full_name: Option<String>,
    /// Their state or region.
    pub state: Option<String>,
    /// The user it belongs to, if any.
    pub user_id: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

type ProfileRow = (String, Vec<u8>, Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>, Option<String>, i64);

impl Store {
    /// Stores a new profile; every personal field is sealed.
    pub fn create_profile(&self, new: &NewProfile, now: DateTime<Utc>) -> Result<Profile> {
        check_list("emails", &new.emails)?;
        check_list("phones", &new.phones)?;
        if let Some(user) = &new.user_id {
            check_id("user_id", user)?;
        }
        let id = uuid::Uuid::new_v4().to_string();
        let emails = self.seal_json("profiles.emails", &id, &new.emails)?;
        let phones = self.seal_json("profiles.phones", &id, &new.phones)?;
        let full_name =
            new.full_name.as_ref().map(|n| self.seal_bytes("profiles.full_name", &id, n.as_bytes())).transpose()?;
        let state = new.state.as_ref().map(|s| self.seal_bytes("profiles.state", &id, s.as_bytes())).transpose()?;
        self.write(|conn| {
            conn.execute(
                "INSERT INTO profiles (id, user_id, emails, phones, full_name, state, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                params![id, new.user_id, emails, phones, full_name, state, millis(now)],
            )
        })?;
        Ok(Profile {
            id,
            emails: new.emails.clone(),
            phones: new.phones.clone(),
            full_name: new.full_name.clone(),
            state: new.state.clone(),
            user_id: new.user_id.clone(),
            created_at: now,
        })
    }

    /// One profile; [`StoreError::NotFound`] if there is none.
    pub fn get_profile(&self, id: &str) -> Result<Profile> {
        let row = self.read(|conn| {
            conn.query_row(
                "SELECT id, emails, phones, full_name, state, user_id, created_at FROM profiles WHERE id = ?1",
                [id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?)),
            )
            .optional()
        })?;
        self.profile_from(row.ok_or_else(|| StoreError::NotFound { what: "profile", id: id.to_owned() })?)
    }

    /// Every profile of a user (all when `None`).
    pub(crate) fn profiles_of(&self, user_id: Option<&str>) -> Result<Vec<Profile>> {
        let rows: Vec<ProfileRow> = self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, emails, phones, full_name, state, user_id, created_at FROM profiles
                 WHERE ?1 IS NULL OR user_id = ?1 ORDER BY created_at, id",
            )?;
            let rows = stmt.query_map([user_id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?))
            })?;
            rows.collect()
        })?;
        rows.into_iter().map(|row| self.profile_from(row)).collect()
    }

    fn profile_from(&self, (id, emails, phones, full_name, state, user_id, created_at): ProfileRow) -> Result<Profile> {
        Ok(Profile {
            emails: self.open_json("profiles.emails", &id, &emails)?,
            phones: self.open_json("profiles.phones", &id, &phones)?,
            full_name: full_name.map(|n| self.open_text("profiles.full_name", &id, &n)).transpose()?,
            state: state.map(|s| self.open_text("profiles.state", &id, &s)).transpose()?,
            id,
            user_id,
            created_at: from_millis(created_at),
        })
    }
}

fn check_list(field: &'static str, values: &[String]) -> Result<()> {
    if values.iter().all(|v| v.trim().is_empty()) {
        return Err(StoreError::InvalidInput { field, message: "at least one is required".to_owned() });
    }
    Ok(())
}
