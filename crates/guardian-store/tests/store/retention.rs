//! Retention: what expires goes, for real, and nothing else does.

use guardian_engine::{Module, SessionEvent};
use guardian_store::{NewProfile, NewSession, Retention, Store, StoreError, StoreOptions};
use serde_json::json;

use crate::util::{BENIGN_SMS, SCAM_SMS, TempStore, at, contains, engine, files_in, save_check};

const DAY: i64 = 24;

fn session(store: &Store, hours: i64) -> String {
    let new =
        NewSession { user_id: "u".to_owned(), device_id: "d".to_owned(), module: Module::Callguard, context: None };
    let id = store.start_session(&new, at(hours)).unwrap().id;
    let event = SessionEvent {
        id: None,
        kind: "signal".to_owned(),
        payload: json!({"signal_key": "urgency"}),
        timestamp: None,
    };
    store.append_event(&id, &event, at(hours), |m, e, ev| engine().assess_event(m, e, ev)).unwrap();
    id
}

fn check(store: &Store, text: &str, hours: i64) -> String {
    save_check(store, text, hours).unwrap()
}

#[test]
fn defaults_are_the_old_systems() {
    let rules = Retention::default();
    assert_eq!(
        (
            rules.session_idle_hours,
            rules.session_max_hours,
            rules.event_retention_days,
            rules.personal_data_retention_days
        ),
        (24, 48, 30, 90)
    );
}

#[test]
fn purge_follows_each_rule_at_its_boundary() {
    let temp = TempStore::new();
    let store = temp.open();
    let old_session = session(&store, 0);
    let recent_session = session(&store, 29 * DAY);
    let old_check = check(&store, SCAM_SMS, 0);
    let recent_check = check(&store, BENIGN_SMS, 60 * DAY);
    let profile =
        NewProfile { emails: vec!["a@example.org".into()], phones: vec!["1".into()], ..NewProfile::default() };
    let old_profile = store.create_profile(&profile, at(0)).unwrap().id;
    store.enqueue("assessment", &json!({"n": 1}), at(0)).unwrap();

    // Day 1: the first session has been idle 24 h; nothing is old enough to delete.
    let day_one = store.purge_expired(at(DAY)).unwrap();
    assert_eq!(day_one.sessions_ended, 1);
    assert_eq!(day_one.deleted(), 0);
    assert_eq!(
        store.get_session(&old_session).unwrap().session.ended_at,
        Some(at(DAY)),
        "ended when the limit was reached"
    );

    // Day 30: the first session's event and the session itself go; the recent one stays.
    let day_thirty = store.purge_expired(at(30 * DAY)).unwrap();
    assert_eq!((day_thirty.events_deleted, day_thirty.sessions_deleted), (1, 1));
    assert!(store.get_session(&old_session).unwrap_err().is_not_found());
    assert_eq!(store.get_session(&recent_session).unwrap().events.len(), 1);
    assert!(store.get_assessment(&old_check).is_ok(), "checks are kept 90 days");

    // Day 90: the first check, the profile and the undelivered record go.
    let day_ninety = store.purge_expired(at(90 * DAY)).unwrap();
    assert_eq!((day_ninety.assessments_deleted, day_ninety.profiles_deleted, day_ninety.outbox_deleted), (1, 1, 1));
    assert!(store.get_assessment(&old_check).unwrap_err().is_not_found());
    assert!(store.get_assessment(&recent_check).is_ok());
    assert!(store.get_profile(&old_profile).unwrap_err().is_not_found());

    assert_eq!(store.purge_expired(at(90 * DAY)).unwrap().deleted(), 0, "a second purge finds nothing");
}

#[test]
fn purged_values_leave_no_copy_in_the_files() {
    let temp = TempStore::new();
    let store = temp.open();
    let id = check(&store, SCAM_SMS, 0);
    check(&store, BENIGN_SMS, 80 * DAY);
    store.checkpoint().unwrap();
    let raw = rusqlite::Connection::open(temp.db()).unwrap();
    let sealed: Vec<u8> = raw.query_row("SELECT response FROM assessments WHERE id = ?1", [&id], |r| r.get(0)).unwrap();
    drop(raw);
    let fingerprint = &sealed[1..33];
    assert!(
        files_in(temp.dir.path()).iter().any(|(_, bytes)| contains(bytes, fingerprint)),
        "the value is on disk first"
    );

    assert_eq!(store.purge_expired(at(90 * DAY)).unwrap().assessments_deleted, 1);
    for (path, bytes) in files_in(temp.dir.path()) {
        assert!(!contains(&bytes, fingerprint), "{} still holds the purged value", path.display());
    }
}

#[test]
fn custom_rules_apply_and_nonsense_rules_are_refused() {
    let temp = TempStore::new();
    let week = Retention { personal_data_retention_days: 7, ..Retention::default() };
    let store = Store::open_with(temp.db(), StoreOptions { retention: week, ..temp.options() }).unwrap();
    check(&store, SCAM_SMS, 0);
    assert_eq!(store.purge_expired(at(7 * DAY)).unwrap().assessments_deleted, 1);

    let zero = Retention { event_retention_days: 0, ..Retention::default() };
    let error = Store::open_with(temp.db(), StoreOptions { retention: zero, ..temp.options() }).unwrap_err();
    assert!(matches!(error, StoreError::InvalidInput { field: "retention", .. }), "{error}");
    let inverted = Retention { session_idle_hours: 72, ..Retention::default() };
    assert!(Store::open_in_memory_with(inverted).is_err());
}
