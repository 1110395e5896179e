//! Sessions: a call as it happens, event by event, kept across restarts.

use guardian_engine::{Level, Module, SessionEvent};
use guardian_store::{NewSession, Retention, Store, StoreError};
use serde_json::json;

use crate::util::{TempStore, at, engine};

fn new_call() -> NewSession {
    NewSession {
        user_id: "7d1f3c2a-0000-4000-8000-000000000001".to_owned(),
        device_id: "phone-1".to_owned(),
        module: Module::Callguard,
        context: Some(json!({"caller": "+44 20 7946 0000"})),
    }
}

fn signal(key: &str) -> SessionEvent {
    SessionEvent {
        id: None,
        kind: "signal".to_owned(),
        payload: json!({"signal_key": key}),
        timestamp: Some("2026-11-29T10:00:00Z".to_owned()),
    }
}

fn add(store: &Store, id: &str, event: &SessionEvent, hours: i64) -> Result<guardian_engine::RiskResponse, StoreError> {
    store
        .append_event(id, event, at(hours), |module, earlier, event| engine().assess_event(module, earlier, event))
        .map(|(_, risk)| risk)
}

#[test]
fn a_call_rises_in_risk_as_signals_arrive_and_is_kept() {
    let temp = TempStore::new();
    let store = temp.open();
    let session = store.start_session(&new_call(), at(0)).unwrap();
    assert!(session.last_risk.is_none());

    let first = add(&store, &session.id, &signal("bank_impersonation"), 0).unwrap();
    let second = add(&store, &session.id, &signal("verification_code_request"), 0).unwrap();
    let third = add(&store, &session.id, &signal("asks_to_keep_secret"), 0).unwrap();
    assert!(first.score < third.score, "{} then {}", first.score, third.score);
    assert_eq!(third.level, Level::High);
    assert!(second.score >= first.score);

    drop(store);
    let record = temp.open().get_session(&session.id).unwrap();
    assert_eq!(record.events.len(), 3);
    assert_eq!(record.events[2].payload, json!({"signal_key": "asks_to_keep_secret"}));
    assert_eq!(record.events[0].timestamp.as_deref(), Some("2026-11-29T10:00:00Z"));
    assert_eq!(record.session.last_risk.as_ref(), Some(&third));
    assert_eq!(record.session.context, new_call().context);
    assert_eq!(record.session.user_id, new_call().user_id);
}

#[test]
fn an_event_the_engine_refuses_leaves_the_session_unchanged() {
    let temp = TempStore::new();
    let store = temp.open();
    let session = store.start_session(&new_call(), at(0)).unwrap();
    add(&store, &session.id, &signal("urgency"), 0).unwrap();
    let bad = SessionEvent { kind: "signal".to_owned(), payload: json!({"signal_key": 42}), ..signal("x") };
    let error = add(&store, &session.id, &bad, 0).unwrap_err();
    assert!(error.is_input_error(), "{error}");
    let record = store.get_session(&session.id).unwrap();
    assert_eq!(record.events.len(), 1);
}

#[test]
fn ended_and_idle_sessions_take_no_more_events() {
    let temp = TempStore::new();
    let store = temp.open();
    let ended = store.start_session(&new_call(), at(0)).unwrap();
    let summary = store.end_session(&ended.id, at(1)).unwrap();
    assert_eq!(summary.ended_at, Some(at(1)));
    assert_eq!(store.end_session(&ended.id, at(2)).unwrap().ended_at, Some(at(1)), "ending twice keeps the first end");
    assert!(matches!(add(&store, &ended.id, &signal("urgency"), 1), Err(StoreError::SessionEnded { .. })));

    let idle = store.start_session(&new_call(), at(0)).unwrap();
    add(&store, &idle.id, &signal("urgency"), 10).unwrap();
    assert!(matches!(add(&store, &idle.id, &signal("urgency"), 34), Err(StoreError::SessionEnded { .. })), "24 h idle");

    let busy = store.start_session(&new_call(), at(0)).unwrap();
    for hour in (0..48).step_by(12) {
        add(&store, &busy.id, &signal("urgency"), hour).unwrap();
    }
    assert!(
        matches!(add(&store, &busy.id, &signal("urgency"), 48), Err(StoreError::SessionEnded { .. })),
        "48 h in all"
    );
}

#[test]
fn active_sessions_are_counted_by_the_retention_rules() {
    let temp = TempStore::new();
    let store = temp.open();
    let a = store.start_session(&new_call(), at(0)).unwrap();
    store.start_session(&new_call(), at(0)).unwrap();
    assert_eq!(store.active_sessions(at(1)).unwrap(), 2);
    store.end_session(&a.id, at(1)).unwrap();
    assert_eq!(store.active_sessions(at(1)).unwrap(), 1);
    assert_eq!(store.active_sessions(at(25)).unwrap(), 0);

    let short = Store::open_in_memory_with(Retention { session_idle_hours: 1, ..Retention::default() }).unwrap();
    short.start_session(&new_call(), at(0)).unwrap();
    assert_eq!(short.active_sessions(at(2)).unwrap(), 0);
}

#[test]
fn unknown_sessions_and_bad_ids_are_named() {
    let store = Store::open_in_memory().unwrap();
    let error = store.get_session("no-such-session").unwrap_err();
    assert_eq!(error.to_string(), "no session with id no-such-session");
    assert!(add(&store, "no-such-session", &signal("urgency"), 0).unwrap_err().is_not_found());
    assert!(store.end_session("no-such-session", at(0)).unwrap_err().is_not_found());
    let error = store.start_session(&NewSession { device_id: " ".to_owned(), ..new_call() }, at(0)).unwrap_err();
    assert_eq!(error.to_string(), "device_id: must not be empty");
}
