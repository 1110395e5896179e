//! Titanium Guardian's sync: a device (the app, or the `guardian` command) uses the
//! optional remote server without ever depending on it.
//!
//! - **Enrolment** ([`Device::enrol`]): the server's address plus its API key or an
//!   enrolment code give a device id and a token. The token goes to the OS keychain (or a
//!   0600 file where there is none — [`TokenStore`]), never the database or a log.
//! - **Queueing** ([`queue_check`]): each check a person keeps is queued in the store's
//!   outbox when it is made — no network on that path. Only what the [`SharePolicy`]
//!   allows is queued: by default module, level, score, rule ids, pack version and time.
//! - **Pushing** ([`Device::sync_now`], [`Device::sync_if_due`]): the outbox goes to the
//!   server in batches. A claimed batch is leased; records are removed only once the server
//!   confirmed them, so a crash or kill mid-batch loses nothing, and the server stores each
//!   record id once, so the resend duplicates nothing. Failures back off exponentially
//!   with jitter (honouring `Retry-After`); every call has a connect and an overall timeout.
//! - **Status** ([`Device::status`]): last sync, last error in plain words, what is
//!   waiting, trusted contacts — kept in the store's settings.
//! - **Trusted contact** ([`Device::link_code`], [`Device::unlink_contacts`]).
//! - **Rule packs** ([`Device::check_rule_pack`], [`pack`]): signed, newer, self-tested, or
//!   refused with the reason.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod error;
pub mod pack;
mod policy;
mod token;

use std::collections::HashSet;
use std::path::PathBuf;

use chrono::{DateTime, TimeDelta, Utc};
use guardian_engine::RiskResponse;
use guardian_store::{Checked, Store};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::client::{
    Alert, CaregiverCreated, Client, Contact, OneTimeCode, PushResult, Registered, Timeouts, check_server_url,
};
pub use crate::error::{Result, SyncError};
pub use crate::pack::{PackVerifier, VerifiedPack};
pub use crate::policy::{RecordKind, SharePolicy};
pub use crate::token::{TOKEN_FILE, TokenLocation, TokenStore};

const SERVER_URL: &str = "sync.server_url";
const DEVICE_ID: &str = "sync.device_id";
const TOKEN_AT: &str = "sync.token_location";
const SHARE: &str = "sync.share";
const STATUS: &str = "sync.status";

/// When a record the server refused is tried again.
const REFUSED_RETRY: TimeDelta = TimeDelta::days(1);

/// How sync behaves.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Timeouts of every call.
    pub timeouts: Timeouts,
    /// Records per request.
    pub batch_size: usize,
    /// How long claimed records are held for one sender before they are due again.
    pub lease: TimeDelta,
    /// Batches per run at most.
    pub max_batches: usize,
    /// First wait after a failure.
    pub backoff_base: TimeDelta,
    /// Longest wait after failures.
    pub backoff_max: TimeDelta,
    /// With nothing waiting, how often [`Device::sync_if_due`] still calls (contacts, rule pack).
    pub idle_interval: TimeDelta,
}

impl Default for SyncOptions {
    fn default() -> SyncOptions {
        SyncOptions {
            timeouts: Timeouts::default(),
            batch_size: 50,
            lease: TimeDelta::seconds(60),
            max_batches: 40,
            backoff_base: TimeDelta::seconds(30),
            backoff_max: TimeDelta::hours(1),
            idle_interval: TimeDelta::minutes(30),
        }
    }
}

/// What the person enrols with.
#[derive(Debug, Clone)]
pub enum Enrolment {
    /// The server's API key.
    ApiKey(String),
    /// An enrolment code from the server's operator.
    Code(String),
    /// Nothing (a server on this computer without a key).
    Open,
}

/// What is kept between runs (in the store's settings, sealed like every setting).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Kept {
    last_sync_at: Option<DateTime<Utc>>,
    last_attempt_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    failures: u32,
    next_attempt_at: Option<DateTime<Utc>>,
    contacts: Vec<Contact>,
    rule_pack: Option<String>,
}

/// Sync as a person sees it in Settings or `guardian sync status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncStatus {
    /// Whether this device is enrolled.
    pub enrolled: bool,
    /// The server's address.
    pub server_url: Option<String>,
    /// This device's id on the server.
    pub device_id: Option<String>,
    /// What is shared.
    pub share: SharePolicy,
    /// Checks waiting to be sent.
    pub pending: u64,
    /// When everything waiting was last delivered.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// When sync was last tried.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// What went wrong last time, in plain words (none after a good sync).
    pub last_error: Option<String>,
    /// When the background task tries again after a failure.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Trusted contacts linked (as of the last sync).
    pub contacts: Vec<Contact>,
    /// The last rule-pack update note (installed, or why refused).
    pub rule_pack: Option<String>,
}

/// What one sync run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Records the server stored for the first time.
    pub sent: usize,
    /// Records it already had (a resend after an interruption).
    pub duplicates: usize,
    /// Records it refused (kept, tried again a day later).
    pub refused: usize,
    /// Records still waiting.
    pub pending: u64,
}

/// What a rule-pack check found.
#[derive(Debug)]
pub enum PackUpdate {
    /// A newer pack passed every check and was installed; switch to its engine.
    Installed(Box<VerifiedPack>),
    /// The server's pack is not newer than the rules in use.
    UpToDate,
    /// The server has no pack to offer.
    NoneOnServer,
}

/// True when the device behind `store` is enrolled for sync (one settings read).
pub fn is_enrolled(store: &Store) -> Result<bool> {
    Ok(store.setting(DEVICE_ID)?.is_some())
}

/// Queues a check for sync if this device is enrolled (else does nothing and returns
/// `None`). Only what the share policy allows is queued. No network.
pub fn queue_check(
    store: &Store,
    kind: RecordKind,
    checked: &Checked,
    response: &RiskResponse,
    now: DateTime<Utc>,
) -> Result<Option<String>> {
    if store.setting(DEVICE_ID)?.is_none() {
        return Ok(None);
    }
    let policy = read_share(store)?;
    let payload = policy::payload(kind, checked.module, response, policy.allowed(&checked.shareable), now);
    Ok(Some(store.enqueue(kind.as_str(), &payload, now)?))
}

fn read_share(store: &Store) -> Result<SharePolicy> {
    Ok(store.setting(SHARE)?.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default())
}

/// A device's side of sync, over its store.
#[derive(Debug, Clone)]
pub struct Device {
    store: Store,
    tokens: TokenStore,
    data_dir: PathBuf,
    options: SyncOptions,
}

struct Credentials {
    client: Client,
    device_id: String,
    token: zeroize::Zeroizing<String>,
}

impl Device {
    /// Sync over `store`, keeping the token with `tokens` and rule-pack updates in `data_dir`.
    pub fn new(store: Store, tokens: TokenStore, data_dir: PathBuf) -> Device {
        Device { store, tokens, data_dir, options: SyncOptions::default() }
    }

    /// The same with other options.
    pub fn with_options(mut self, options: SyncOptions) -> Device {
        self.options = options;
        self
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn kept(&self) -> Result<Kept> {
        Ok(self.store.setting(STATUS)?.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default())
    }

    fn keep(&self, kept: &Kept, now: DateTime<Utc>) -> Result<()> {
        let json = serde_json::to_string(kept)
            .map_err(|e| SyncError::InvalidInput { field: "status", message: e.to_string() })?;
        Ok(self.store.set_setting(STATUS, &json, now)?)
    }

    /// True once enrolled.
    pub fn is_enrolled(&self) -> Result<bool> {
        Ok(self.store.setting(DEVICE_ID)?.is_some())
    }

    /// Sync as it stands.
    pub fn status(&self) -> Result<SyncStatus> {
        let kept = self.kept()?;
        let device_id = self.store.setting(DEVICE_ID)?;
        Ok(SyncStatus {
            enrolled: device_id.is_some(),
            server_url: self.store.setting(SERVER_URL)?,
            device_id,
            share: self.share()?,
            pending: self.store.outbox_len()?,
            last_sync_at: kept.last_sync_at,
            last_attempt_at: kept.last_attempt_at,
            last_error: kept.last_error,
            next_attempt_at: kept.next_attempt_at,
            contacts: kept.contacts,
            rule_pack: kept.rule_pack,
        })
    }

    /// What is shared.
    pub fn share(&self) -> Result<SharePolicy> {
        read_share(&self.store)
    }

    /// Changes what is shared (applies to records not yet sent, too).
    pub fn set_share(&self, policy: SharePolicy, now: DateTime<Utc>) -> Result<()> {
        let json = serde_json::to_string(&policy)
            .map_err(|e| SyncError::InvalidInput { field: "share", message: e.to_string() })?;
        Ok(self.store.set_setting(SHARE, &json, now)?)
    }

    /// Enrols this device with a server. An earlier enrolment is forgotten (its token
    /// deleted); checks already waiting stay queued for the new server.
    pub fn enrol(&self, server_url: &str, enrolment: Enrolment, now: DateTime<Utc>) -> Result<SyncStatus> {
        let client = Client::new(server_url, self.options.timeouts)?;
        let (api_key, code) = match &enrolment {
            Enrolment::ApiKey(key) if key.trim().is_empty() => {
                return Err(SyncError::InvalidInput { field: "API key", message: "is empty".to_owned() });
            }
            Enrolment::Code(code) if code.trim().is_empty() => {
                return Err(SyncError::InvalidInput { field: "enrolment code", message: "is empty".to_owned() });
            }
            Enrolment::ApiKey(key) => (Some(key.trim()), None),
            Enrolment::Code(code) => (None, Some(code.trim())),
            Enrolment::Open => (None, None),
        };
        let registered = client.register(api_key, code)?;
        if let Some(old) = self.store.setting(DEVICE_ID)? {
            self.tokens.delete(&old);
        }
        let location = self.tokens.save(&registered.device_id, &registered.token)?;
        self.store.set_setting(SERVER_URL, client.base(), now)?;
        self.store.set_setting(TOKEN_AT, location.tag(), now)?;
        self.store.set_setting(DEVICE_ID, &registered.device_id, now)?;
        self.keep(&Kept::default(), now)?;
        tracing::info!(token_location = location.tag(), "device enrolled for sync");
        self.status()
    }

    /// Leaves sync: tells the server (best effort, with the usual timeouts) to revoke this
    /// device, forgets the token and the server, and drops what was waiting to be sent.
    pub fn leave(&self) -> Result<()> {
        if let Ok(credentials) = self.credentials()
            && let Err(error) = credentials.client.revoke(&credentials.device_id, &credentials.token)
        {
            tracing::warn!(%error, "the server could not be told that this device left sync");
        }
        if let Some(device_id) = self.store.setting(DEVICE_ID)? {
            self.tokens.delete(&device_id);
        }
        for key in [DEVICE_ID, SERVER_URL, TOKEN_AT, STATUS] {
            self.store.delete_setting(key)?;
        }
        self.store.clear_outbox()?;
        Ok(())
    }

    fn credentials(&self) -> Result<Credentials> {
        let device_id = self.store.setting(DEVICE_ID)?.ok_or(SyncError::NotEnrolled)?;
        let url = self.store.setting(SERVER_URL)?.ok_or(SyncError::NotEnrolled)?;
        let location = self
            .store
            .setting(TOKEN_AT)?
            .and_then(|tag| TokenLocation::from_tag(&tag))
            .ok_or_else(|| SyncError::Token("where the token is kept was not recorded; enrol again".to_owned()))?;
        let token = self.tokens.load(&device_id, location)?;
        Ok(Credentials { client: Client::new(&url, self.options.timeouts)?, device_id, token })
    }

    /// Sends everything waiting, now (whatever the back-off says), then refreshes the
    /// trusted contacts. The outcome is kept as the status.
    pub fn sync_now(&self, now: DateTime<Utc>) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        let outcome = self.credentials().and_then(|credentials| self.push_all(&credentials, now, &mut report));
        let mut kept = self.kept()?;
        kept.last_attempt_at = Some(now);
        match &outcome {
            Ok(contacts) => {
                kept.last_sync_at = Some(now);
                kept.last_error = (report.refused > 0).then(|| {
                    format!(
                        "The server refused {} check{}; {} kept on this device and tried again tomorrow.",
                        report.refused,
                        if report.refused == 1 { "" } else { "s" },
                        if report.refused == 1 { "it is" } else { "they are" }
                    )
                });
                kept.failures = 0;
                kept.next_attempt_at = None;
                kept.contacts = contacts.clone();
            }
            Err(error) => {
                kept.failures = kept.failures.saturating_add(1);
                kept.last_error = Some(error.sentence());
                kept.next_attempt_at = Some(now + self.backoff(kept.failures, error));
                tracing::warn!(error = %error, failures = kept.failures, "sync failed");
            }
        }
        self.keep(&kept, now)?;
        outcome.map(|_| {
            report.pending = self.store.outbox_len().unwrap_or(0);
            report
        })
    }

    /// What the background task calls: syncs when something is waiting or it is time for
    /// a periodic call, unless a back-off after failures says to wait. `None` when it did
    /// not run.
    pub fn sync_if_due(&self, now: DateTime<Utc>) -> Result<Option<SyncReport>> {
        if !self.is_enrolled()? {
            return Ok(None);
        }
        let kept = self.kept()?;
        if let Some(next) = kept.next_attempt_at {
            // A clock set back must not stall sync for long: never wait beyond the longest back-off.
            if next > now && next - now <= self.options.backoff_max {
                return Ok(None);
            }
        }
        let idle_due = kept.last_attempt_at.is_none_or(|at| now - at >= self.options.idle_interval || at > now);
        if self.store.outbox_len()? == 0 && !idle_due && kept.next_attempt_at.is_none() {
            return Ok(None);
        }
        self.sync_now(now).map(Some)
    }

    fn push_all(&self, credentials: &Credentials, now: DateTime<Utc>, report: &mut SyncReport) -> Result<Vec<Contact>> {
        let policy = self.share()?;
        for _ in 0..self.options.max_batches {
            let batch = self.store.claim(self.options.batch_size, now, self.options.lease)?;
            if batch.is_empty() {
                break;
            }
            let records: Vec<Value> = batch.iter().map(|r| policy::wire_record(&r.id, &r.payload, policy)).collect();
            match credentials.client.push(&credentials.device_id, &credentials.token, &records) {
                Ok(result) => self.settle(&batch, &result, now, report)?,
                Err(SyncError::Refused { status: 400 | 413 | 422, .. }) => {
                    // The server cannot take something in this batch: send one by one, so one
                    // record it refuses never holds up the others. A refused record is kept
                    // and tried again a day later (a newer server may take it).
                    for (i, (record, wire)) in batch.iter().zip(&records).enumerate() {
                        match credentials.client.push(
                            &credentials.device_id,
                            &credentials.token,
                            std::slice::from_ref(wire),
                        ) {
                            Ok(result) => self.settle(std::slice::from_ref(record), &result, now, report)?,
                            Err(SyncError::Refused { status: 400 | 413 | 422, .. }) => {
                                self.store.defer(&record.id, now + REFUSED_RETRY, "refused by the server")?;
                                report.refused += 1;
                            }
                            Err(error) => {
                                for record in &batch[i..] {
                                    self.store.defer(&record.id, now, short_reason(&error))?;
                                }
                                return Err(error);
                            }
                        }
                    }
                }
                Err(error) => {
                    // Put the batch back at once; the back-off is the scheduler's.
                    for record in &batch {
                        self.store.defer(&record.id, now, short_reason(&error))?;
                    }
                    return Err(error);
                }
            }
            if batch.len() < self.options.batch_size {
                break;
            }
        }
        credentials.client.contacts(&credentials.device_id, &credentials.token)
    }

    /// Removes what the server confirmed; anything it did not mention is due again.
    fn settle(
        &self,
        batch: &[guardian_store::OutboxRecord],
        result: &PushResult,
        now: DateTime<Utc>,
        report: &mut SyncReport,
    ) -> Result<()> {
        let confirmed: HashSet<&str> = result.results.iter().map(|r| r.id.as_str()).collect();
        let (done, missing): (Vec<_>, Vec<_>) =
            batch.iter().map(|r| r.id.clone()).partition(|id| confirmed.contains(id.as_str()));
        self.store.ack(&done)?;
        for id in missing {
            self.store.defer(&id, now, "not confirmed by the server")?;
        }
        report.sent += result.stored;
        report.duplicates += result.duplicates;
        Ok(())
    }

    /// Exponential back-off with jitter: base · 2^(failures−1), capped, then a random
    /// point in its upper half; at least what `Retry-After` asked for. Failures a retry
    /// cannot fix (revoked, refused, a bad address) wait the longest.
    fn backoff(&self, failures: u32, error: &SyncError) -> TimeDelta {
        let max = self.options.backoff_max;
        if !error.is_retryable() {
            return max;
        }
        let exponent = failures.saturating_sub(1).min(20);
        let delay = (self.options.backoff_base * 2i32.pow(exponent)).min(max);
        let mut random = [0u8; 4];
        let fraction = match getrandom::fill(&mut random) {
            Ok(()) => f64::from(u32::from_le_bytes(random)) / f64::from(u32::MAX),
            Err(_) => 1.0,
        };
        let jittered = delay / 2 + TimeDelta::milliseconds((delay.num_milliseconds() as f64 / 2.0 * fraction) as i64);
        match error {
            SyncError::RateLimited { retry_after_secs } => jittered.max(TimeDelta::seconds(*retry_after_secs as i64)),
            _ => jittered,
        }
    }

    /// A code for a trusted contact to link to this device (valid 24 hours, once).
    pub fn link_code(&self) -> Result<OneTimeCode> {
        let credentials = self.credentials()?;
        credentials.client.link_code(&credentials.device_id, &credentials.token)
    }

    /// Unlinks every trusted contact on the server: their alerts stop at once.
    pub fn unlink_contacts(&self, now: DateTime<Utc>) -> Result<u64> {
        let credentials = self.credentials()?;
        let removed = credentials.client.unlink(&credentials.device_id, &credentials.token)?;
        let mut kept = self.kept()?;
        kept.contacts.clear();
        self.keep(&kept, now)?;
        Ok(removed)
    }

    /// This device's records on the server, newest first.
    pub fn server_history(&self, limit: usize) -> Result<Vec<Value>> {
        let credentials = self.credentials()?;
        credentials.client.history(&credentials.device_id, &credentials.token, limit)
    }

    /// Asks the server for a newer rule pack. A pack that passes every check is installed
    /// in the data folder and returned (switch to its engine); one that fails any is
    /// refused with the reason (kept in the status) and nothing changes.
    pub fn check_rule_pack(
        &self,
        current_version: &str,
        verifier: &PackVerifier,
        now: DateTime<Utc>,
    ) -> Result<PackUpdate> {
        let credentials = self.credentials()?;
        let outcome = (|| {
            let Some(signed) = credentials.client.rule_pack()? else { return Ok(PackUpdate::NoneOnServer) };
            let bundle = verifier.verify_signature(&signed)?;
            if !pack::is_newer(&bundle.version, current_version)? {
                return Ok(PackUpdate::UpToDate);
            }
            let verified = verifier.verify(&signed, current_version)?;
            pack::install(&self.data_dir, &signed)?;
            Ok(PackUpdate::Installed(Box::new(verified)))
        })();
        let note = match &outcome {
            Ok(PackUpdate::Installed(pack)) => Some(format!("Rules updated to version {}.", pack.bundle.version)),
            Err(error @ SyncError::PackRefused(_)) => Some(error.sentence()),
            _ => None,
        };
        if let Some(note) = note {
            let mut kept = self.kept()?;
            kept.rule_pack = Some(note);
            self.keep(&kept, now)?;
        }
        outcome
    }
}

/// A short reason kept beside a deferred record (no personal data, no token).
fn short_reason(error: &SyncError) -> &'static str {
    match error {
        SyncError::Timeout => "timeout",
        SyncError::Unreachable(_) => "unreachable",
        SyncError::Tls(_) => "tls",
        SyncError::RateLimited { .. } => "rate limited",
        SyncError::Server { .. } => "server error",
        SyncError::Unauthorized(_) => "unauthorized",
        SyncError::Revoked(_) => "revoked",
        SyncError::BadAnswer(_) => "bad answer",
        _ => "refused",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardian_engine::{AnalyzeTextRequest, Channel, Engine};

    const SCAM: &str = "Your bank account is locked. Buy $500 in gift cards and text us the codes now.";

    /// An address where nothing listens.
    fn nowhere() -> String {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        format!("http://127.0.0.1:{port}")
    }

    fn enrolled(url: &str) -> Device {
        let store = Store::open_in_memory().unwrap();
        let tokens = TokenStore::memory();
        tokens.save("dev-1", &"t".repeat(64)).unwrap();
        let now = Utc::now();
        store.set_setting(SERVER_URL, url, now).unwrap();
        store.set_setting(DEVICE_ID, "dev-1", now).unwrap();
        store.set_setting(TOKEN_AT, TokenLocation::Memory.tag(), now).unwrap();
        Device::new(store, tokens, std::env::temp_dir())
    }

    fn queue(device: &Device) {
        let request = AnalyzeTextRequest { text: SCAM.to_owned(), channel: Channel::Sms };
        let response = Engine::bundled().unwrap().analyze_text(&request).unwrap();
        let queued =
            queue_check(device.store(), RecordKind::Assessment, &Checked::text(&request), &response, Utc::now());
        assert!(queued.unwrap().is_some());
    }

    #[test]
    fn only_what_the_policy_allows_is_queued() {
        let device = enrolled(&nowhere());
        queue(&device);
        device.set_share(SharePolicy { text: true, ..SharePolicy::default() }, Utc::now()).unwrap();
        queue(&device);
        let queued = device.store().claim(10, Utc::now(), TimeDelta::seconds(60)).unwrap();
        assert!(queued[0].payload.get("details").is_none(), "{}", queued[0].payload);
        assert!(!queued[0].payload.to_string().contains("gift cards"));
        assert_eq!(queued[1].payload["details"]["text"].as_str(), Some(SCAM));
        assert_eq!(queued[0].payload["level"], "high");
        assert!(queued[0].payload["rule_ids"].as_array().is_some_and(|r| !r.is_empty()));
    }

    #[test]
    fn the_back_off_is_honoured_but_a_clock_set_back_cannot_stall_sync() {
        let device = enrolled(&nowhere());
        queue(&device);
        let now = Utc::now();
        let error = device.sync_now(now).unwrap_err();
        assert!(matches!(error, SyncError::Unreachable(_)), "{error}");
        let next = device.status().unwrap().next_attempt_at.unwrap();
        assert!(next > now + TimeDelta::seconds(14) && next <= now + TimeDelta::seconds(30), "{next} vs {now}");
        assert_eq!(device.sync_if_due(now + TimeDelta::seconds(5)).unwrap(), None, "waits its back-off");
        assert!(device.sync_if_due(now + TimeDelta::seconds(31)).is_err(), "then tries again");
        let second = device.status().unwrap().next_attempt_at.unwrap();
        assert!(second >= now + TimeDelta::seconds(31) + TimeDelta::seconds(29), "the wait doubles: {second}");

        // The clock was set back a day: the recorded next try is far ahead, but not trusted.
        let mut kept = device.kept().unwrap();
        kept.next_attempt_at = Some(now + TimeDelta::days(1));
        device.keep(&kept, now).unwrap();
        assert!(device.sync_if_due(now).is_err(), "ran (and failed: nothing listens there)");
        assert_eq!(device.status().unwrap().pending, 1, "and kept the check");
    }

    #[test]
    fn nothing_is_queued_or_sent_before_enrolment() {
        let store = Store::open_in_memory().unwrap();
        let device = Device::new(store, TokenStore::memory(), std::env::temp_dir());
        let request = Default::default();
        let response = Engine::bundled().unwrap().check_identity(&request);
        let checked = Checked::identity(&request);
        assert_eq!(queue_check(device.store(), RecordKind::Assessment, &checked, &response, Utc::now()).unwrap(), None);
        assert!(matches!(device.sync_now(Utc::now()).unwrap_err(), SyncError::NotEnrolled));
        assert_eq!(device.sync_if_due(Utc::now()).unwrap(), None);
        assert!(!device.status().unwrap().enrolled);
    }
}
