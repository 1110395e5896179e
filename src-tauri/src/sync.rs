//! Sync with the optional server, for the app: the Settings screen's commands and the
//! background task.
//!
//! Nothing here runs on the UI path of a check: a check is saved and queued locally (in
//! `commands.rs`), then the background thread is woken. Every network call has a connect
//! and an overall timeout and runs on a blocking thread, so the app stays usable with no
//! network or a server that hangs.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::Utc;
use guardian_engine::Engine;
use guardian_store::Store;
use guardian_sync::pack::{self, PackVerifier};
use guardian_sync::{
    Device, Enrolment, OneTimeCode, PackUpdate, SharePolicy, SyncError, SyncReport, SyncStatus, TokenStore,
};
use serde::Serialize;
use tauri::{AppHandle, Manager, State};

use crate::AppState;

/// How often the background task looks at the outbox when nothing wakes it.
const TICK: Duration = Duration::from_secs(30);
/// How often it asks for a newer rule pack.
const PACK_EVERY: Duration = Duration::from_secs(6 * 60 * 60);

/// The app's sync: the device, and a way to wake the background task.
pub struct SyncHandle {
    device: Device,
    wake: Mutex<Sender<()>>,
}

impl SyncHandle {
    /// Sync over the app's store; the receiver is the background task's.
    pub fn new(store: Store, data_dir: PathBuf) -> (SyncHandle, Receiver<()>) {
        let (tx, rx) = mpsc::channel();
        let device = Device::new(store, TokenStore::Auto(data_dir.clone()), data_dir);
        (SyncHandle { device, wake: Mutex::new(tx) }, rx)
    }
}

impl AppState {
    /// Tells the background task there is something to send (never blocks).
    pub(crate) fn wake_sync(&self) {
        if let Some(sync) = &self.sync {
            let _ = sync.wake.lock().unwrap_or_else(PoisonError::into_inner).send(());
        }
    }

    fn device(&self) -> Result<Device, String> {
        match (&self.sync, &self.store) {
            (Some(sync), _) => Ok(sync.device.clone()),
            (None, Err(reason)) => Err(format!("Sharing cannot be set up: {reason}")),
            (None, Ok(_)) => Err("Sharing cannot be set up on this device.".to_owned()),
        }
    }
}

/// A signed rule-pack update installed earlier, if it still verifies and is newer.
pub fn installed_engine(data_dir: &Path, bundled: &'static Engine) -> Option<&'static Engine> {
    if !pack::installed_path(data_dir).exists() {
        return None;
    }
    let update = pack::load_installed(data_dir, &PackVerifier::production(), bundled.pack_version())?;
    Some(Box::leak(Box::new(update.engine)))
}

/// The background task: sends what is waiting (when woken, or every half minute), backs
/// off after failures as guardian-sync decides, and now and then takes a newer signed
/// rule pack. It never touches the UI thread.
pub fn spawn_background(app: AppHandle, wake: Receiver<()>) {
    let spawned = std::thread::Builder::new().name("guardian-sync".to_owned()).spawn(move || {
        let mut last_pack_check: Option<Instant> = None;
        loop {
            match wake.recv_timeout(TICK) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            // Several wakes in a row make one run.
            while wake.try_recv().is_ok() {}
            let state = app.state::<AppState>();
            let Some(sync) = &state.sync else { return };
            match sync.device.sync_if_due(Utc::now()) {
                Ok(Some(_)) if last_pack_check.is_none_or(|at| at.elapsed() >= PACK_EVERY) => {
                    last_pack_check = Some(Instant::now());
                    take_rule_pack(&state, &sync.device);
                }
                Ok(_) => {}
                // Already kept as the status Settings shows; the log gets the cause only.
                Err(error) => tracing::warn!(%error, "background sync failed"),
            }
        }
    });
    if let Err(error) = spawned {
        tracing::warn!(%error, "the background sync task could not be started; use Sync now in Settings");
    }
}

/// Asks for a newer rule pack; switches to it when it passes every check.
fn take_rule_pack(state: &AppState, device: &Device) -> Option<String> {
    let current = state.engine().pack_version().to_owned();
    match device.check_rule_pack(&current, &PackVerifier::production(), Utc::now()) {
        Ok(PackUpdate::Installed(update)) => {
            let version = update.bundle.version.clone();
            state.set_engine(Box::leak(Box::new(update.engine)));
            Some(format!("The warning-sign rules were updated to version {version}."))
        }
        Ok(PackUpdate::UpToDate | PackUpdate::NoneOnServer) => None,
        Err(error) => {
            tracing::warn!(%error, "rule-pack update not taken");
            None
        }
    }
}

/// Sync as Settings shows it.
#[derive(Debug, Serialize)]
pub struct SyncView {
    /// False when there is no store to keep sync's state in.
    available: bool,
    /// Why not.
    unavailable_reason: Option<String>,
    /// The rules in use.
    rules_version: String,
    /// Everything else, when available.
    #[serde(flatten)]
    status: Option<SyncStatus>,
}

fn view(state: &AppState) -> Result<SyncView, String> {
    let rules_version = state.engine().pack_version().to_owned();
    match state.device() {
        Ok(device) => Ok(SyncView {
            available: true,
            unavailable_reason: None,
            rules_version,
            status: Some(device.status().map_err(say)?),
        }),
        Err(reason) => Ok(SyncView { available: false, unavailable_reason: Some(reason), rules_version, status: None }),
    }
}

/// A sync error as a sentence for Settings.
fn say(error: SyncError) -> String {
    error.sentence()
}

/// Runs network work on a blocking thread, off the UI path.
async fn off_ui<T: Send + 'static>(work: impl FnOnce() -> Result<T, String> + Send + 'static) -> Result<T, String> {
    tauri::async_runtime::spawn_blocking(work).await.map_err(|_| "Sorry, that could not be done.".to_owned())?
}

#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncView, String> {
    view(&state)
}

#[tauri::command]
pub async fn sync_enrol(
    state: State<'_, AppState>,
    server_url: String,
    code: Option<String>,
    api_key: Option<String>,
) -> Result<SyncView, String> {
    if server_url.trim().is_empty() {
        return Err("Please type the service address you were given, like https://guardian.example.org".to_owned());
    }
    let code = code.filter(|c| !c.trim().is_empty());
    let api_key = api_key.filter(|k| !k.trim().is_empty());
    let enrolment = match (code, api_key) {
        (Some(code), _) => Enrolment::Code(code),
        (None, Some(key)) => Enrolment::ApiKey(key),
        (None, None) => Enrolment::Open,
    };
    let device = state.device()?;
    off_ui(move || device.enrol(&server_url, enrolment, Utc::now()).map(|_| ()).map_err(say)).await?;
    state.wake_sync();
    view(&state)
}

#[tauri::command]
pub async fn sync_leave(state: State<'_, AppState>) -> Result<SyncView, String> {
    let device = state.device()?;
    off_ui(move || device.leave().map_err(say)).await?;
    view(&state)
}

#[tauri::command]
pub async fn sync_set_share(state: State<'_, AppState>, share: SharePolicy) -> Result<SyncView, String> {
    state.device()?.set_share(share, Utc::now()).map_err(say)?;
    view(&state)
}

/// What "Sync now" did.
#[derive(Debug, Serialize)]
pub struct SyncNow {
    report: SyncReport,
    /// A rule-pack update taken on the way, in words.
    rules_note: Option<String>,
    status: SyncView,
}

#[tauri::command]
pub async fn sync_now(app: AppHandle, state: State<'_, AppState>) -> Result<SyncNow, String> {
    let device = state.device()?;
    let (report, rules_note) = off_ui(move || {
        let report = device.sync_now(Utc::now()).map_err(say)?;
        let state = app.state::<AppState>();
        Ok((report, take_rule_pack(&state, &device)))
    })
    .await?;
    Ok(SyncNow { report, rules_note, status: view(&state)? })
}

#[tauri::command]
pub async fn sync_link_code(state: State<'_, AppState>) -> Result<OneTimeCode, String> {
    let device = state.device()?;
    off_ui(move || device.link_code().map_err(say)).await
}

#[tauri::command]
pub async fn sync_unlink(state: State<'_, AppState>) -> Result<SyncView, String> {
    let device = state.device()?;
    off_ui(move || device.unlink_contacts(Utc::now()).map(|_| ()).map_err(say)).await?;
    view(&state)
}
