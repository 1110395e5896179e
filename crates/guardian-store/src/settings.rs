//! Settings: small key/value pairs. Values are sealed (a trusted contact's number is one).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use crate::error::{Result, StoreError};
use crate::{Store, millis};

/// The longest value kept, in bytes.
const MAX_VALUE_BYTES: usize = 64 * 1024;

impl Store {
    /// A setting's value, if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        let sealed: Option<Vec<u8>> = self.read(|conn| {
            conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| row.get(0)).optional()
        })?;
        sealed.map(|value| self.open_text("settings.value", key, &value)).transpose()
    }

    /// Sets (or replaces) a setting.
    pub fn set_setting(&self, key: &str, value: &str, now: DateTime<Utc>) -> Result<()> {
        check_key(key)?;
        if value.len() > MAX_VALUE_BYTES {
            return Err(StoreError::InvalidInput { field: "value", message: "must be at most 64 KiB".to_owned() });
        }
        let sealed = self.seal_bytes("settings.value", key, value.as_bytes())?;
        self.write(|conn| {
            conn.execute(
                "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                params![key, sealed, millis(now)],
            )
        })?;
        Ok(())
    }

    /// Removes a setting; true if it was set.
    pub fn delete_setting(&self, key: &str) -> Result<bool> {
        Ok(self.write(|conn| conn.execute("DELETE FROM settings WHERE key = ?1", [key]))? > 0)
    }

    /// Every setting, by key.
    pub fn settings(&self) -> Result<BTreeMap<String, String>> {
        let rows: Vec<(String, Vec<u8>)> = self.read(|conn| {
            let mut stmt = conn.prepare("SELECT key, value FROM settings ORDER BY key")?;
            let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
            rows.collect()
        })?;
        rows.into_iter()
            .map(|(key, value)| Ok((key.clone(), self.open_text("settings.value", &key, &value)?)))
            .collect()
    }
}

fn check_key(key: &str) -> Result<()> {
    let valid = !key.is_empty()
        && key.len() <= 100
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if valid {
        Ok(())
    } else {
        Err(StoreError::InvalidInput {
            field: "key",
            message: "must be 1–100 characters of letters, digits, '.', '_' or '-'".to_owned(),
        })
    }
}
