//! Shared fixtures: real engine answers, a fixed clock, stores in temporary folders.

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use guardian_engine::{AnalyzeTextRequest, Channel, Engine, Module, RiskResponse};
use guardian_store::{KeySource, NewAssessment, Store, StoreError, StoreOptions};

pub const SCAM_SMS: &str = "Royal Mail: your parcel is held due to an unpaid shipping fee of £1.99. \
Pay within 24 hours at https://royalmail-redelivery.top/pay or it will be returned.";
pub const BENIGN_SMS: &str = "Hi Mum, running late, be there about 6. Love you x";

pub fn engine() -> &'static Engine {
    Engine::bundled().expect("bundled pack loads")
}

pub fn text_risk(text: &str) -> RiskResponse {
    engine().analyze_text(&AnalyzeTextRequest { text: text.to_owned(), channel: Channel::Sms }).expect("engine answers")
}

/// Saves the engine's answer to an SMS `text`, as checked `hours` after [`at`]`(0)`.
pub fn save_check(store: &Store, text: &str, hours: i64) -> Result<String, StoreError> {
    let response = text_risk(text);
    let new = NewAssessment {
        module: Module::Inboxguard,
        summary: text,
        response: &response,
        session_id: None,
        user_id: None,
    };
    store.record_assessment(&new, at(hours))
}

/// 2026-11-29 10:00 UTC plus `hours`.
pub fn at(hours: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 10, 0, 0).unwrap() + chrono::TimeDelta::hours(hours)
}

pub struct TempStore {
    pub dir: tempfile::TempDir,
}

impl TempStore {
    pub fn new() -> TempStore {
        TempStore { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("guardian.db")
    }

    pub fn key_file(&self) -> PathBuf {
        self.dir.path().join("guardian.db.key")
    }

    pub fn options(&self) -> StoreOptions {
        StoreOptions { key: KeySource::File(self.key_file()), ..StoreOptions::default() }
    }

    pub fn open(&self) -> Store {
        Store::open_with(self.db(), self.options()).expect("store opens")
    }
}

/// Every file in `dir`, with its bytes.
pub fn files_in(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| {
            let path = entry.expect("entry").path();
            let bytes = std::fs::read(&path).expect("read file");
            (path, bytes)
        })
        .collect()
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}
