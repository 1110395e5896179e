//! Profiles, settings, the sync outbox and the export.

use chrono::TimeDelta;
use guardian_engine::Module;
use guardian_store::{NewAssessment, NewProfile, NewSession, Store, StoreError};
use serde_json::json;

use crate::util::{SCAM_SMS, TempStore, at, text_risk};

fn profile(user: Option<&str>) -> NewProfile {
    NewProfile {
        emails: vec!["margaret@example.org".to_owned()],
        phones: vec!["+1 555 0100".to_owned()],
        full_name: Some("Margaret Example".to_owned()),
        state: Some("OH".to_owned()),
        user_id: user.map(str::to_owned),
    }
}

#[test]
fn profiles_are_kept_and_validated() {
    let temp = TempStore::new();
    let created = temp.open().create_profile(&profile(None), at(0)).unwrap();
    let read = temp.open().get_profile(&created.id).unwrap();
    assert_eq!(read, created);
    assert_eq!(read.full_name.as_deref(), Some("Margaret Example"));

    let store = temp.open();
    let no_email = store.create_profile(&NewProfile { emails: vec![], ..profile(None) }, at(0)).unwrap_err();
    assert_eq!(no_email.to_string(), "emails: at least one is required");
    let blank_phone =
        store.create_profile(&NewProfile { phones: vec![" ".to_owned()], ..profile(None) }, at(0)).unwrap_err();
    assert_eq!(blank_phone.to_string(), "phones: at least one is required");
    assert!(store.get_profile("missing").unwrap_err().is_not_found());
}

#[test]
fn settings_set_replace_delete() {
    let temp = TempStore::new();
    let store = temp.open();
    assert_eq!(store.setting("trusted_contact.phone").unwrap(), None);
    store.set_setting("trusted_contact.phone", "+44 7700 900123", at(0)).unwrap();
    store.set_setting("trusted_contact.phone", "+44 7700 900456", at(1)).unwrap();
    store.set_setting("text_size", "large", at(1)).unwrap();
    drop(store);

    let store = temp.open();
    assert_eq!(store.setting("trusted_contact.phone").unwrap().as_deref(), Some("+44 7700 900456"));
    assert_eq!(store.settings().unwrap().len(), 2);
    assert!(store.delete_setting("text_size").unwrap());
    assert!(!store.delete_setting("text_size").unwrap());
    let error = store.set_setting("bad key!", "x", at(0)).unwrap_err();
    assert!(matches!(error, StoreError::InvalidInput { field: "key", .. }), "{error}");
    let error = store.set_setting("big", &"x".repeat(70_000), at(0)).unwrap_err();
    assert!(matches!(error, StoreError::InvalidInput { field: "value", .. }), "{error}");
}

#[test]
fn outbox_hands_out_due_records_once_per_lease_until_acknowledged() {
    let temp = TempStore::new();
    let store = temp.open();
    let first = store.enqueue("assessment", &json!({"level": "high", "score": 90}), at(0)).unwrap();
    let second = store.enqueue("assessment", &json!({"level": "low", "score": 5}), at(0)).unwrap();
    let lease = TimeDelta::minutes(5);

    let claimed = store.claim(10, at(0), lease).unwrap();
    assert_eq!(claimed.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), [first.as_str(), second.as_str()]);
    assert_eq!(claimed[0].payload, json!({"level": "high", "score": 90}));
    assert_eq!(claimed[0].attempts, 1);
    assert!(store.claim(10, at(0), lease).unwrap().is_empty(), "leased records are not handed out twice");

    // The sender died without acknowledging: after the lease they come back.
    let again = store.claim(1, at(0) + TimeDelta::minutes(6), lease).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, first);
    assert_eq!(again[0].attempts, 2);

    store.defer(&first, at(1), "HTTP 503").unwrap();
    assert_eq!(store.ack(std::slice::from_ref(&second)).unwrap(), 1);
    assert_eq!(store.ack(std::slice::from_ref(&second)).unwrap(), 0, "acknowledging twice is harmless");
    drop(store);

    let store = temp.open();
    assert_eq!(store.outbox_len().unwrap(), 1, "the queue survives a restart");
    assert!(store.claim(10, at(0) + TimeDelta::minutes(30), lease).unwrap().is_empty(), "deferred until 1 h");
    let due = store.claim(10, at(1), lease).unwrap();
    assert_eq!((due[0].id.as_str(), due[0].attempts), (first.as_str(), 3));
    assert!(store.defer("missing", at(2), "x").unwrap_err().is_not_found());
    assert!(store.claim(1, at(1), TimeDelta::zero()).is_err());
}

#[test]
fn export_holds_everything_about_a_user_decrypted() {
    let store = Store::open_in_memory().unwrap();
    let session = store
        .start_session(
            &NewSession {
                user_id: "u1".to_owned(),
                device_id: "d".to_owned(),
                module: Module::Inboxguard,
                context: None,
            },
            at(0),
        )
        .unwrap();
    store
        .start_session(
            &NewSession {
                user_id: "u2".to_owned(),
                device_id: "d".to_owned(),
                module: Module::Callguard,
                context: None,
            },
            at(0),
        )
        .unwrap();
    let response = text_risk(SCAM_SMS);
    let mine = NewAssessment {
        module: Module::Inboxguard,
        summary: SCAM_SMS,
        response: &response,
        session_id: Some(&session.id),
        user_id: Some("u1"),
    };
    store.record_assessment(&mine, at(0)).unwrap();
    store.record_assessment(&NewAssessment { user_id: Some("u2"), session_id: None, ..mine }, at(0)).unwrap();
    store.create_profile(&profile(Some("u1")), at(0)).unwrap();
    store.set_setting("text_size", "large", at(0)).unwrap();

    let export = serde_json::to_value(store.export(Some("u1"), at(1)).unwrap()).unwrap();
    assert_eq!(export["format"], "titanium-guardian-export");
    assert_eq!(export["user_id"], "u1");
    assert_eq!(export["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(export["sessions"][0]["id"], session.id.as_str());
    assert_eq!(export["assessments"].as_array().unwrap().len(), 1);
    assert_eq!(export["assessments"][0]["response"]["level"], "high");
    assert!(export["assessments"][0]["summary"].as_str().unwrap().starts_with("Royal Mail"));
    assert_eq!(export["profiles"][0]["emails"][0], "margaret@example.org");
    assert_eq!(export["retention"]["personal_data_retention_days"], 90);
    assert!(export["settings"].as_object().unwrap().is_empty(), "device settings are not a user's");

    let everything = store.export(None, at(1)).unwrap();
    assert_eq!((everything.sessions.len(), everything.assessments.len()), (2, 2));
    assert_eq!(everything.settings.get("text_size").map(String::as_str), Some("large"));
}
