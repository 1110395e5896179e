//! The app's build step (the root package's): compiles the Tauri context from the root
//! `tauri.conf.json` and declares the app's commands, so the capability file can allow
//! exactly these and nothing else.

const COMMANDS: &[&str] = &[
    "app_info",
    "assess_text",
    "assess_url",
    "assess_money",
    "assess_identity",
    "call_start",
    "call_add",
    "call_note",
    "call_end",
    "history_list",
    "history_get",
    "history_delete",
    "history_delete_all",
    "history_export",
    "settings_get",
    "settings_set",
    "read_clipboard",
    "sync_status",
    "sync_enrol",
    "sync_leave",
    "sync_set_share",
    "sync_now",
    "sync_link_code",
    "sync_unlink",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
