//! Encryption at rest: no personal data in any file, the key never in the database, and a
//! wrong or missing key is an error, never garbage.

use guardian_engine::{Module, SessionEvent};
use guardian_store::{CodePurpose, NewSyncedRecord};
use guardian_store::{
    DataKey, KeyLocation, KeySource, NewAssessment, NewProfile, NewSession, Store, StoreError, StoreOptions,
};
use serde_json::json;

use crate::util::{TempStore, at, contains, engine, files_in, text_risk};

const MARKER: &str = "ZQXJ-marker-4471";

fn fill_with_marker(store: &Store) {
    let text = format!("URGENT {MARKER}: your bank account is locked, verify at https://{MARKER}.top/login now");
    let response = text_risk(&text);
    assert!(
        serde_json::to_string(&response).unwrap().to_lowercase().contains(&MARKER.to_lowercase()),
        "the answer quotes the link"
    );
    let new = NewAssessment {
        module: Module::Inboxguard,
        summary: &text,
        response: &response,
        session_id: None,
        user_id: None,
    };
    store.record_assessment(&new, at(0)).unwrap();

    let session = store
        .start_session(
            &NewSession {
                user_id: "u".into(),
                device_id: "d".into(),
                module: Module::Inboxguard,
                context: Some(json!({ "from": MARKER })),
            },
            at(0),
        )
        .unwrap();
    let event = SessionEvent {
        id: None,
        kind: "text".into(),
        payload: json!({"text": text, "channel": "sms"}),
        timestamp: None,
    };
    store.append_event(&session.id, &event, at(0), |m, e, ev| engine().assess_event(m, e, ev)).unwrap();
    store
        .create_profile(
            &NewProfile {
                emails: vec![format!("{MARKER}@example.org")],
                phones: vec![format!("+1 555 {MARKER}")],
                full_name: Some(MARKER.to_owned()),
                state: Some(MARKER.to_owned()),
                user_id: None,
            },
            at(0),
        )
        .unwrap();
    store.set_setting("trusted_contact.name", MARKER, at(0)).unwrap();
    store.enqueue("assessment", &json!({ "text": MARKER }), at(0)).unwrap();
    // The server side of sync: a caregiver's name and shared details are sealed too.
    let device = store.register_device(&[1; 32], at(0)).unwrap();
    store.add_sync_code(&[2; 32], CodePurpose::Link { device_id: &device }, at(1)).unwrap();
    store.create_caregiver(&[3; 32], Some(MARKER), &[2; 32], at(0)).unwrap();
    let record = NewSyncedRecord {
        id: "0193e4c1-0000-7000-8000-00000000000a".to_owned(),
        kind: "assessment".to_owned(),
        module: "inboxguard".to_owned(),
        level: "high".to_owned(),
        score: 90,
        rule_ids: vec!["TEXT_GIFT_CARDS".to_owned()],
        pack_version: "1".to_owned(),
        created_at: at(0),
        details: Some(json!({ "text": MARKER })),
        headline: "High risk".to_owned(),
    };
    store.store_synced_records(&device, &[record], at(0)).unwrap();
}

fn assert_marker_nowhere(dir: &std::path::Path) {
    let files = files_in(dir);
    assert!(
        files.len() >= 2,
        "database and key file expected, found {files:?}",
        files = files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (path, bytes) in files {
        for needle in [MARKER.to_owned(), MARKER.to_lowercase(), MARKER.to_uppercase()] {
            assert!(!contains(&bytes, needle.as_bytes()), "{} contains personal data in clear", path.display());
        }
    }
}

#[test]
fn no_personal_data_in_clear_in_any_file_open_or_closed() {
    let temp = TempStore::new();
    let store = temp.open();
    fill_with_marker(&store);
    assert_marker_nowhere(temp.dir.path()); // while open: database, WAL and shared memory
    drop(store);
    assert_marker_nowhere(temp.dir.path());

    let store = temp.open();
    assert_eq!(store.setting("trusted_contact.name").unwrap().as_deref(), Some(MARKER), "and it reads back");
}

#[test]
fn the_key_is_never_in_the_database() {
    let temp = TempStore::new();
    let bytes: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11));
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let options = StoreOptions { key: KeySource::Provided(DataKey::from_bytes(bytes)), ..StoreOptions::default() };
    let store = Store::open_with(temp.db(), options.clone()).unwrap();
    fill_with_marker(&store);
    drop(store);
    for (path, contents) in files_in(temp.dir.path()) {
        assert!(
            !contains(&contents, &bytes) && !contains(&contents, hex.as_bytes()),
            "{} holds the key",
            path.display()
        );
    }
    let reopened = Store::open_with(temp.db(), options).unwrap();
    assert_eq!(reopened.key_location(), &KeyLocation::Provided);
    let export = serde_json::to_string(&reopened.export(None, at(0)).unwrap()).unwrap();
    assert!(export.contains(MARKER), "the same key opens it again");

    // The key file's key, likewise, is only in the key file.
    let with_file = TempStore::new();
    fill_with_marker(&with_file.open());
    let file_hex = std::fs::read_to_string(with_file.key_file()).unwrap();
    for (path, contents) in files_in(with_file.dir.path()) {
        if path != with_file.key_file() {
            assert!(!contains(&contents, file_hex.trim().as_bytes()), "{} holds the key", path.display());
        }
    }
}

#[test]
fn a_wrong_key_is_refused_clearly() {
    let temp = TempStore::new();
    fill_with_marker(&temp.open());
    let other = TempStore::new();
    other.open(); // creates another key file
    let options = StoreOptions { key: KeySource::File(other.key_file()), ..StoreOptions::default() };
    let error = Store::open_with(temp.db(), options).unwrap_err();
    assert!(matches!(error, StoreError::WrongKey { .. }), "{error}");
    assert!(error.to_string().contains(&temp.db().display().to_string()), "{error}");
    assert!(
        temp.open().setting("trusted_contact.name").unwrap().is_some(),
        "the data is still there for the right key"
    );
}

#[test]
fn a_missing_key_is_refused_and_nothing_is_replaced() {
    let temp = TempStore::new();
    fill_with_marker(&temp.open());
    let saved_key = std::fs::read(temp.key_file()).unwrap();
    std::fs::remove_file(temp.key_file()).unwrap();
    let error =
        Store::open_with(temp.db(), StoreOptions { key: KeySource::File(temp.key_file()), ..StoreOptions::default() })
            .unwrap_err();
    assert!(matches!(error, StoreError::MissingKey { .. }), "{error}");
    assert!(error.to_string().contains("does not exist"), "{error}");
    assert!(!temp.key_file().exists(), "no new key was made in its place");

    std::fs::write(temp.key_file(), saved_key).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(temp.key_file(), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    assert!(temp.open().setting("trusted_contact.name").unwrap().is_some(), "the key back, the data back");
}

#[test]
fn automatic_key_uses_the_keychain_or_a_private_file_and_reopens() {
    let temp = TempStore::new();
    let store = Store::open(temp.db()).unwrap();
    store.set_setting("k", "v", at(0)).unwrap();
    let location = store.key_location().clone();
    drop(store);
    match &location {
        KeyLocation::File(path) => {
            assert_eq!(path, &temp.key_file());
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                assert_eq!(std::fs::metadata(path).unwrap().permissions().mode() & 0o777, 0o600);
            }
        }
        KeyLocation::Keychain { account } => assert!(account.starts_with("data-key/")),
        other => panic!("unexpected key location {other:?}"),
    }
    let again = Store::open(temp.db()).unwrap();
    assert_eq!(again.key_location(), &location);
    assert_eq!(again.setting("k").unwrap().as_deref(), Some("v"));
}

#[test]
fn values_altered_or_moved_outside_the_app_are_detected() {
    let temp = TempStore::new();
    let store = temp.open();
    let response = text_risk("hello");
    let new = NewAssessment {
        module: Module::Inboxguard,
        summary: "first",
        response: &response,
        session_id: None,
        user_id: None,
    };
    let first = store.record_assessment(&new, at(0)).unwrap();
    let second = store.record_assessment(&NewAssessment { summary: "second", ..new }, at(0)).unwrap();
    drop(store);

    let raw = rusqlite::Connection::open(temp.db()).unwrap();
    // Move the first row's sealed summary into the second row.
    raw.execute(
        "UPDATE assessments SET summary = (SELECT summary FROM assessments WHERE id = ?1) WHERE id = ?2",
        [&first, &second],
    )
    .unwrap();
    drop(raw);
    let store = temp.open();
    let error = store.get_assessment(&second).unwrap_err();
    assert!(matches!(&error, StoreError::Tampered { what, .. } if what == "assessments.summary"), "{error}");
    assert_eq!(store.get_assessment(&first).unwrap().summary, "first", "the other rows still read");
}

/// With a real OS keychain (the Secret Service on Linux) the key goes there, not into a
/// file; a keychain that has lost it gives a clear error. `scripts/test-keychain` runs
/// this inside a private D-Bus session with gnome-keyring.
#[test]
#[ignore = "needs a real OS keychain: scripts/test-keychain runs it"]
fn keychain_holds_the_key_when_there_is_one() {
    let temp = TempStore::new();
    let store = Store::open(temp.db()).unwrap();
    let KeyLocation::Keychain { account } = store.key_location().clone() else {
        panic!("expected the keychain, got {:?}", store.key_location());
    };
    store.set_setting("k", "v", at(0)).unwrap();
    drop(store);
    assert!(!temp.key_file().exists(), "no key file when the keychain works");
    assert_eq!(Store::open(temp.db()).unwrap().setting("k").unwrap().as_deref(), Some("v"));

    let cleared = std::process::Command::new("secret-tool")
        .args(["clear", "service", guardian_store::KEYCHAIN_SERVICE, "username", &account])
        .status()
        .unwrap();
    assert!(cleared.success());
    let error = Store::open(temp.db()).unwrap_err();
    assert!(matches!(error, StoreError::MissingKey { .. }), "{error}");
    assert!(error.to_string().contains("keychain has no entry"), "{error}");
    assert!(!temp.key_file().exists(), "a lost keychain key is not silently replaced by a file");
}
