//! Schema versions: new files are current, older files are upgraded in place, newer or
//! foreign files are refused untouched.

use guardian_store::{APPLICATION_ID, SCHEMA_VERSION, Store, StoreError};
use serde_json::json;

use crate::util::{SCAM_SMS, TempStore, at, save_check, text_risk};

fn pragma(path: &std::path::Path, name: &str) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_query_value(None, name, |row| row.get::<_, rusqlite::types::Value>(0))
        .map(|v| match v {
            rusqlite::types::Value::Integer(i) => i.to_string(),
            rusqlite::types::Value::Text(t) => t,
            other => format!("{other:?}"),
        })
        .unwrap()
}

#[test]
fn a_new_file_is_current_ours_and_in_wal_mode() {
    let temp = TempStore::new();
    let _store = temp.open();
    assert_eq!(pragma(&temp.db(), "user_version"), SCHEMA_VERSION.to_string());
    assert_eq!(pragma(&temp.db(), "application_id"), APPLICATION_ID.to_string());
    assert_eq!(pragma(&temp.db(), "journal_mode"), "wal");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in [temp.db(), temp.key_file()] {
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{} is readable by others", file.display());
        }
    }
}

#[test]
fn a_version_one_file_is_upgraded_and_keeps_its_data() {
    let temp = TempStore::new();
    let response = text_risk(SCAM_SMS);
    let id = save_check(&temp.open(), SCAM_SMS, 0).unwrap();
    // What a file written by schema 1 looks like: migrations only ever add, so removing
    // what version 2 added gives exactly that.
    let raw = rusqlite::Connection::open(temp.db()).unwrap();
    raw.execute_batch(
        "DROP TABLE outbox; DROP TABLE sync_alerts; DROP TABLE sync_codes; DROP TABLE sync_links;
         DROP TABLE sync_caregivers; DROP TABLE sync_records; DROP TABLE sync_devices; PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(raw);

    let store = temp.open();
    assert_eq!(pragma(&temp.db(), "user_version"), SCHEMA_VERSION.to_string());
    assert_eq!(store.get_assessment(&id).unwrap().response, response);
    store.enqueue("assessment", &json!({"id": id}), at(0)).unwrap();
    assert_eq!(store.outbox_len().unwrap(), 1, "the new table works");
}

#[test]
fn a_file_from_a_newer_version_is_refused_untouched() {
    let temp = TempStore::new();
    temp.open().set_setting("k", "v", at(0)).unwrap();
    let raw = rusqlite::Connection::open(temp.db()).unwrap();
    raw.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    drop(raw);
    let before = std::fs::read(temp.db()).unwrap();

    let error = Store::open_with(temp.db(), temp.options()).unwrap_err();
    assert!(
        matches!(error, StoreError::NewerSchema { found, supported, .. } if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains("newer version") && message.contains(&temp.db().display().to_string()), "{message}");
    assert_eq!(std::fs::read(temp.db()).unwrap(), before, "not a byte changed");
}

#[test]
fn another_programs_database_and_a_non_database_are_refused_untouched() {
    let temp = TempStore::new();
    let foreign = temp.dir.path().join("photos.db");
    let raw = rusqlite::Connection::open(&foreign).unwrap();
    raw.execute_batch(
        "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO photos (name) VALUES ('x');",
    )
    .unwrap();
    drop(raw);
    let before = std::fs::read(&foreign).unwrap();
    let error = Store::open(&foreign).unwrap_err();
    assert!(matches!(error, StoreError::NotADatabase { .. }), "{error}");
    assert_eq!(std::fs::read(&foreign).unwrap(), before);

    let text = temp.dir.path().join("notes.txt");
    std::fs::write(&text, "shopping list: milk, eggs, and a few more things to make this long enough").unwrap();
    let error = Store::open(&text).unwrap_err();
    assert!(matches!(error, StoreError::NotADatabase { .. }), "{error}");
    assert!(error.to_string().contains("notes.txt"), "{error}");
    assert_eq!(
        std::fs::read_to_string(&text).unwrap(),
        "shopping list: milk, eggs, and a few more things to make this long enough"
    );
    assert!(!temp.dir.path().join("notes.txt.key").exists(), "no key made for a file that was refused");
}
