//! The commands the UI may call (and, by the capability file, nothing else). Each parses,
//! calls the engine or the store, and turns errors into one sentence for a person.

use chrono::Utc;
use guardian_engine::{
    AnalyzeTextRequest, AnalyzeUrlRequest, Channel, EngineError, IdentityCheckRequest, Module, MoneyAssessRequest,
    RiskResponse, SessionEvent,
};
use guardian_store::{Checked, HistoryQuery, NewSession, SavedAssessment, Store, StoreError};
use guardian_sync::RecordKind;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tauri::State;

use crate::AppState;

/// A command's answer or a sentence to show.
type Answer<T> = Result<T, String>;

/// A check's answer, and whether it was kept in Past checks.
#[derive(Debug, Serialize)]
pub struct CheckResult {
    response: RiskResponse,
    saved_id: Option<String>,
    save_error: Option<String>,
}

impl AppState {
    fn history(&self) -> Answer<&Store> {
        self.store.as_ref().map_err(Clone::clone)
    }

    /// Keeps the check in Past checks, and queues it for sync when this device is
    /// enrolled (no network here: the background task sends it); a failure is reported
    /// beside the answer, never instead of it.
    fn answer(&self, checked: Checked, kind: RecordKind, response: RiskResponse) -> CheckResult {
        let now = Utc::now();
        let saved = self.history().and_then(|store| {
            let id = store.record_assessment(&checked.as_new(&response), now).map_err(|e| saving_failed(&e))?;
            match guardian_sync::queue_check(store, kind, &checked, &response, now) {
                Ok(Some(_)) => self.wake_sync(),
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "a saved check could not be queued for sync"),
            }
            Ok(id)
        });
        match saved {
            Ok(id) => CheckResult { response, saved_id: Some(id), save_error: None },
            Err(reason) => CheckResult { response, saved_id: None, save_error: Some(reason) },
        }
    }
}

fn saving_failed(error: &StoreError) -> String {
    match error {
        StoreError::DiskFull { .. } => {
            "This check was not added to Past checks: the disk is full. Your earlier checks are safe.".to_owned()
        }
        other => format!("This check was not added to Past checks ({other})."),
    }
}

/// Engine refusals in the words of the screen the person is on.
fn friendly(error: EngineError) -> String {
    match error {
        EngineError::InvalidInput { field: "text", .. } => "Please type or paste the message first.".to_owned(),
        EngineError::InvalidInput { field: "amount", .. } => {
            "Please enter the amount as a number between 0 and 1,000,000,000, like 250.".to_owned()
        }
        EngineError::InvalidInput { field: "payment_method", .. } => {
            "Please choose how they want to be paid.".to_owned()
        }
        EngineError::InvalidUrl(_) => {
            "That doesn't look like a full link. Copy the whole link from the message, starting with https://"
                .to_owned()
        }
        EngineError::InvalidInput { message, .. } => format!("Please check what you entered: {message}."),
        other => format!("Sorry, the check could not be done ({other})."),
    }
}

/// Start-up information; the UI's first call (its answer marks the first screen ready).
#[derive(Debug, Serialize)]
pub struct AppInfo {
    version: &'static str,
    pack_version: String,
    history_available: bool,
    history_error: Option<String>,
}

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> Answer<AppInfo> {
    // scripts/bench-app times start-up to this line: the first screen's first call answered.
    if std::env::var_os("GUARDIAN_REPORT_READY").is_some() {
        println!("guardian-app: ready");
    }
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION"),
        pack_version: state.engine().pack_version().to_owned(),
        history_available: state.store.is_ok(),
        history_error: state.store.as_ref().err().cloned(),
    })
}

#[tauri::command]
pub async fn assess_text(state: State<'_, AppState>, text: String, channel: Option<Channel>) -> Answer<CheckResult> {
    let request = AnalyzeTextRequest { text, channel: channel.unwrap_or_default() };
    let response = state.engine().analyze_text(&request).map_err(friendly)?;
    Ok(state.answer(Checked::text(&request), RecordKind::Assessment, response))
}

#[tauri::command]
pub async fn assess_url(state: State<'_, AppState>, url: String) -> Answer<CheckResult> {
    let request = AnalyzeUrlRequest { url };
    let response = state.engine().analyze_url(&request).map_err(friendly)?;
    Ok(state.answer(Checked::url(&request), RecordKind::Assessment, response))
}

#[tauri::command]
pub async fn assess_money(state: State<'_, AppState>, request: MoneyAssessRequest) -> Answer<CheckResult> {
    let request = MoneyAssessRequest { session_id: None, ..request };
    let response = state.engine().assess_money(&request).map_err(friendly)?;
    Ok(state.answer(Checked::money(&request), RecordKind::Assessment, response))
}

#[tauri::command]
pub async fn assess_identity(state: State<'_, AppState>, signals: Vec<String>) -> Answer<CheckResult> {
    if signals.is_empty() {
        return Err("Please tick at least one thing you noticed.".to_owned());
    }
    let request = IdentityCheckRequest { signals: signals.into_iter().map(|s| (s, true)).collect() };
    let response = state.engine().check_identity(&request);
    Ok(state.answer(Checked::identity(&request), RecordKind::Assessment, response))
}

// ---- a call, as it happens ----

/// The device's own sessions belong to this one local user.
const LOCAL_USER: &str = "this-device";

#[derive(Debug, Serialize)]
pub struct CallStarted {
    session_id: String,
}

impl AppState {
    /// Calls are kept in the store; without one, in a private in-memory store, so the
    /// call screen works all the same.
    fn sessions(&self) -> &Store {
        self.store.as_ref().unwrap_or(&self.scratch)
    }

    fn add_to_call(&self, session_id: &str, kind: &str, payload: serde_json::Value) -> Answer<RiskResponse> {
        let event = SessionEvent { id: None, kind: kind.to_owned(), payload, timestamp: Some(Utc::now().to_rfc3339()) };
        let engine = self.engine();
        self.sessions()
            .append_event(session_id, &event, Utc::now(), |module, earlier, event| {
                engine.assess_event(module, earlier, event)
            })
            .map(|(_, risk)| risk)
            .map_err(|error| match error {
                StoreError::NotFound { .. } | StoreError::SessionEnded { .. } => {
                    "This call has already ended. Start a new one from the home screen.".to_owned()
                }
                StoreError::Rejected(engine_error) => friendly(engine_error),
                other => format!("Sorry, that could not be added ({other})."),
            })
    }
}

#[tauri::command]
pub async fn call_start(state: State<'_, AppState>) -> Answer<CallStarted> {
    let new = NewSession {
        user_id: LOCAL_USER.to_owned(),
        device_id: LOCAL_USER.to_owned(),
        module: Module::Callguard,
        context: None,
    };
    let session = state
        .sessions()
        .start_session(&new, Utc::now())
        .map_err(|e| format!("Sorry, the call could not be started ({e})."))?;
    Ok(CallStarted { session_id: session.id })
}

#[tauri::command]
pub async fn call_add(state: State<'_, AppState>, session_id: String, signal: String) -> Answer<RiskResponse> {
    state.add_to_call(&session_id, "signal", json!({ "signal_key": signal }))
}

#[tauri::command]
pub async fn call_note(state: State<'_, AppState>, session_id: String, text: String) -> Answer<RiskResponse> {
    if text.trim().is_empty() {
        return Err("Please type what the caller said first.".to_owned());
    }
    state.add_to_call(&session_id, "note", json!({ "text": text }))
}

/// Ends the call and keeps its summary in Past checks.
#[tauri::command]
pub async fn call_end(state: State<'_, AppState>, session_id: String) -> Answer<CheckResult> {
    let store = state.sessions();
    let record = store.get_session(&session_id).map_err(|_| "This call has already ended.".to_owned())?;
    store.end_session(&session_id, Utc::now()).map_err(|e| format!("Sorry, the call could not be ended ({e})."))?;
    let Some(risk) = record.session.last_risk else {
        return Err("Nothing was noted during this call, so there is nothing to keep.".to_owned());
    };
    Ok(state.answer(Checked::call_session(&record.events), RecordKind::SessionSummary, risk))
}

// ---- Past checks ----

fn history_error(error: StoreError) -> String {
    match error {
        StoreError::NotFound { .. } => "That check is no longer in Past checks.".to_owned(),
        other => format!("Sorry, Past checks could not be read ({other})."),
    }
}

#[tauri::command]
pub async fn history_list(state: State<'_, AppState>, limit: Option<usize>) -> Answer<Vec<SavedAssessment>> {
    let query = HistoryQuery { limit: limit.unwrap_or(100).clamp(1, 1000), ..HistoryQuery::default() };
    state.history()?.list_assessments(&query).map_err(history_error)
}

#[tauri::command]
pub async fn history_get(state: State<'_, AppState>, id: String) -> Answer<SavedAssessment> {
    state.history()?.get_assessment(&id).map_err(history_error)
}

#[tauri::command]
pub async fn history_delete(state: State<'_, AppState>, id: String) -> Answer<()> {
    state.history()?.delete_assessment(&id).map_err(history_error)
}

#[tauri::command]
pub async fn history_delete_all(state: State<'_, AppState>) -> Answer<u64> {
    state.history()?.delete_all_history(None).map_err(history_error)
}

#[derive(Debug, Serialize)]
pub struct Exported {
    path: String,
}

/// Writes everything kept, decrypted, to a JSON file in the Documents folder (readable
/// only by this user).
#[tauri::command]
pub async fn history_export(state: State<'_, AppState>) -> Answer<Exported> {
    let export = state.history()?.export(None, Utc::now()).map_err(history_error)?;
    let json = serde_json::to_vec_pretty(&export).map_err(|e| format!("Sorry, the copy could not be made ({e})."))?;
    let path = state.export_dir.join(format!("titanium-guardian-{}.json", Utc::now().format("%Y-%m-%d-%H%M%S")));
    guardian_store::write_private_file(&path, &json, false)
        .map_err(|e| format!("Sorry, the copy could not be saved in {} ({e}).", state.export_dir.display()))?;
    Ok(Exported { path: path.display().to_string() })
}

// ---- settings ----

const NAME_KEY: &str = "trusted_contact.name";
const PHONE_KEY: &str = "trusted_contact.phone";

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Settings {
    #[serde(default)]
    trusted_contact_name: String,
    #[serde(default)]
    trusted_contact_phone: String,
}

#[tauri::command]
pub async fn settings_get(state: State<'_, AppState>) -> Answer<Settings> {
    let Ok(store) = state.history() else { return Ok(Settings::default()) };
    let read = |key| {
        store
            .setting(key)
            .map(Option::unwrap_or_default)
            .map_err(|e| format!("Sorry, settings could not be read ({e})."))
    };
    Ok(Settings { trusted_contact_name: read(NAME_KEY)?, trusted_contact_phone: read(PHONE_KEY)? })
}

#[tauri::command]
pub async fn settings_set(state: State<'_, AppState>, settings: Settings) -> Answer<Settings> {
    let name = settings.trusted_contact_name.trim().to_owned();
    let phone = settings.trusted_contact_phone.trim().to_owned();
    if name.chars().count() > 80 {
        return Err("Please keep the name shorter (80 letters at most).".to_owned());
    }
    let phone_ok = phone.len() <= 40 && phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !phone_ok || (!phone.is_empty() && !phone.chars().any(|c| c.is_ascii_digit())) {
        return Err("Please enter the phone number with digits only, like +44 7700 900123.".to_owned());
    }
    let store = state.history().map_err(|reason| format!("Settings cannot be kept: {reason}"))?;
    let now = Utc::now();
    for (key, value) in [(NAME_KEY, &name), (PHONE_KEY, &phone)] {
        store.set_setting(key, value, now).map_err(|e| format!("Sorry, settings could not be saved ({e})."))?;
    }
    Ok(Settings { trusted_contact_name: name, trusted_contact_phone: phone })
}

// ---- clipboard ----

/// The most text taken from the clipboard (the check reads the first 64 KiB anyway).
const MAX_CLIPBOARD_BYTES: usize = 1024 * 1024;

#[tauri::command]
pub async fn read_clipboard() -> Answer<String> {
    let text = clipboard_text()?;
    if text.trim().is_empty() {
        return Err("The clipboard is empty. Copy the message first, then press Paste.".to_owned());
    }
    let mut end = text.len().min(MAX_CLIPBOARD_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Ok(text[..end].to_owned())
}

#[cfg(not(any(target_os = "android", target_os = "ios")))]
fn clipboard_text() -> Answer<String> {
    let mut clipboard =
        arboard::Clipboard::new().map_err(|_| "The clipboard cannot be read on this computer.".to_owned())?;
    clipboard.get_text().map_err(|error| match error {
        arboard::Error::ContentNotAvailable => {
            "The clipboard has no text in it (perhaps a picture). Copy the message's words, then press Paste."
                .to_owned()
        }
        _ => "The clipboard cannot be read right now. Type or paste the message into the box instead.".to_owned(),
    })
}

#[cfg(any(target_os = "android", target_os = "ios"))]
fn clipboard_text() -> Answer<String> {
    Err("Press and hold in the box, then choose Paste.".to_owned())
}
