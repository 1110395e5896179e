//! Titanium Guardian, the app: thin Tauri commands over guardian-engine (every check, on
//! the device, offline) and guardian-store (Past checks, call sessions, settings).
//!
//! No scoring here: commands parse, call, and map errors to sentences a person
//! understands. A store that cannot be opened never blocks a check: the answer is given
//! and the reason it was not saved is shown beside it.

#![forbid(unsafe_code)]

mod commands;
mod sync;

use std::path::PathBuf;
use std::sync::RwLock;

use guardian_engine::Engine;
use guardian_store::Store;
use tauri::Manager;

/// What every command shares.
pub struct AppState {
    /// The rules in use: the bundled pack, or a verified signed update (swapped in by the
    /// background sync task; each engine lives as long as the app).
    engine: RwLock<&'static Engine>,
    /// The store, or why it could not be opened (shown on the Past checks screen).
    store: Result<Store, String>,
    /// Holds call sessions when the store cannot be opened.
    scratch: Store,
    /// Where exports are written.
    export_dir: PathBuf,
    /// Sync with the optional server (only with a store).
    sync: Option<sync::SyncHandle>,
}

impl AppState {
    /// The rules in use now.
    fn engine(&self) -> &'static Engine {
        *self.engine.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Switches to other rules for every check from now on.
    fn set_engine(&self, engine: &'static Engine) {
        *self.engine.write().unwrap_or_else(std::sync::PoisonError::into_inner) = engine;
    }
}

/// `--data-dir DIR` (or `GUARDIAN_DATA_DIR`) overrides the per-user app data folder
/// (portable installs on a USB stick, tests).
const DATA_DIR_VARIABLE: &str = "GUARDIAN_DATA_DIR";

fn data_dir_override() -> Option<PathBuf> {
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--data-dir" {
            return args.next().map(PathBuf::from);
        }
    }
    std::env::var_os(DATA_DIR_VARIABLE).map(PathBuf::from)
}

fn open_store(dir: PathBuf) -> Result<Store, String> {
    if let Err(error) = guardian_store::create_private_dir(&dir) {
        return Err(format!("Past checks cannot be kept: the folder {} cannot be created ({error}).", dir.display()));
    }
    Store::open(dir.join("guardian.db")).map_err(|error| format!("Past checks cannot be kept: {error}."))
}

/// Builds and runs the app (desktop `main`, and the mobile entry point).
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let _ = tracing_subscriber::fmt().with_max_level(tracing_subscriber::filter::LevelFilter::WARN).try_init();
    let engine = match Engine::bundled() {
        Ok(engine) => engine,
        Err(error) => {
            // The rule pack is compiled in; this only happens with a broken build.
            eprintln!("titanium-guardian: the built-in rule pack failed to load: {error}");
            std::process::exit(1);
        }
    };
    let result = tauri::Builder::default()
        .setup(move |app| {
            let data_dir = match data_dir_override() {
                Some(dir) => Ok(dir),
                None => app.path().app_data_dir().map_err(|e| e.to_string()),
            };
            let data_dir = data_dir.map_err(|e| format!("Past checks cannot be kept: no data folder ({e})."));
            let store = data_dir.clone().and_then(open_store);
            if let Err(reason) = &store {
                tracing::warn!("{reason}");
            }
            let export_dir =
                app.path().document_dir().or_else(|_| app.path().home_dir()).unwrap_or_else(|_| std::env::temp_dir());
            let scratch = Store::open_in_memory().map_err(|e| e.to_string())?;
            let (sync, wake) = match (&store, &data_dir) {
                (Ok(store), Ok(dir)) => {
                    let (handle, wake) = sync::SyncHandle::new(store.clone(), dir.clone());
                    (Some(handle), Some(wake))
                }
                _ => (None, None),
            };
            // A signed rule-pack update installed earlier, if it still checks out.
            let engine = data_dir.as_ref().ok().and_then(|dir| sync::installed_engine(dir, engine)).unwrap_or(engine);
            app.manage(AppState { engine: RwLock::new(engine), store, scratch, export_dir, sync });
            if let Some(wake) = wake {
                sync::spawn_background(app.handle().clone(), wake);
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::assess_text,
            commands::assess_url,
            commands::assess_money,
            commands::assess_identity,
            commands::call_start,
            commands::call_add,
            commands::call_note,
            commands::call_end,
            commands::history_list,
            commands::history_get,
            commands::history_delete,
            commands::history_delete_all,
            commands::history_export,
            commands::settings_get,
            commands::settings_set,
            commands::read_clipboard,
            sync::sync_status,
            sync::sync_enrol,
            sync::sync_leave,
            sync::sync_set_share,
            sync::sync_now,
            sync::sync_link_code,
            sync::sync_unlink,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("titanium-guardian: {error}");
        std::process::exit(1);
    }
}
