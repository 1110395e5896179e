//! Past checks: record, list, forget, and still there after a restart.

use guardian_engine::{Level, Module};
use guardian_store::{HistoryQuery, NewAssessment, StoreError};

use crate::util::{BENIGN_SMS, SCAM_SMS, TempStore, at, save_check, text_risk};

fn save(store: &guardian_store::Store, text: &str, hours: i64) -> String {
    save_check(store, text, hours).expect("recorded")
}

#[test]
fn saved_checks_come_back_newest_first_with_the_answer_given() {
    let temp = TempStore::new();
    let store = temp.open();
    let scam = save(&store, SCAM_SMS, 0);
    let benign = save(&store, BENIGN_SMS, 1);

    let listed = store.list_assessments(&HistoryQuery::default()).unwrap();
    assert_eq!(listed.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), [benign.as_str(), scam.as_str()]);
    assert_eq!(listed[1].response, text_risk(SCAM_SMS), "the stored answer is the answer given");
    assert_eq!(listed[1].response.level, Level::High);
    assert_eq!(listed[0].response.level, Level::Low);
    assert_eq!(listed[0].summary, BENIGN_SMS);
    assert!(listed[1].summary.ends_with('…') && listed[1].summary.chars().count() <= 121, "{}", listed[1].summary);
    assert_eq!(listed[1].created_at, at(0));
}

#[test]
fn history_survives_a_restart() {
    let temp = TempStore::new();
    let id = save(&temp.open(), SCAM_SMS, 0);
    let reopened = temp.open();
    let saved = reopened.get_assessment(&id).unwrap();
    assert_eq!(saved.response, text_risk(SCAM_SMS));
    assert_eq!(reopened.count_assessments().unwrap(), 1);
}

#[test]
fn listing_filters_by_module_and_pages_backwards() {
    let temp = TempStore::new();
    let store = temp.open();
    let ids: Vec<String> = (0..7).map(|h| save(&store, BENIGN_SMS, h)).collect();
    let call = guardian_engine::RiskResponse { ..text_risk(BENIGN_SMS) };
    store
        .record_assessment(
            &NewAssessment {
                module: Module::Callguard,
                summary: "call",
                response: &call,
                session_id: None,
                user_id: None,
            },
            at(8),
        )
        .unwrap();

    let first = store
        .list_assessments(&HistoryQuery { limit: 3, module: Some(Module::Inboxguard), ..Default::default() })
        .unwrap();
    assert_eq!(first.iter().map(|a| &a.id).collect::<Vec<_>>(), [&ids[6], &ids[5], &ids[4]]);
    let next = store
        .list_assessments(&HistoryQuery {
            limit: 3,
            module: Some(Module::Inboxguard),
            before: Some(&first[2].id),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(next.iter().map(|a| &a.id).collect::<Vec<_>>(), [&ids[3], &ids[2], &ids[1]]);
    let calls =
        store.list_assessments(&HistoryQuery { module: Some(Module::Callguard), ..Default::default() }).unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].summary, "call");
}

#[test]
fn forget_one_and_forget_all() {
    let temp = TempStore::new();
    let store = temp.open();
    let keep = save(&store, BENIGN_SMS, 0);
    let forget = save(&store, SCAM_SMS, 1);

    store.delete_assessment(&forget).unwrap();
    assert!(matches!(store.get_assessment(&forget), Err(StoreError::NotFound { .. })));
    assert!(store.delete_assessment(&forget).unwrap_err().is_not_found(), "deleting twice says it is gone");
    assert_eq!(store.get_assessment(&keep).unwrap().id, keep);

    save(&store, SCAM_SMS, 2);
    assert_eq!(store.delete_all_history(None).unwrap(), 2);
    assert!(store.list_assessments(&HistoryQuery::default()).unwrap().is_empty());
    drop(store);
    assert_eq!(temp.open().count_assessments().unwrap(), 0, "still gone after a restart");
}

#[test]
fn a_batch_is_saved_whole_or_not_at_all() {
    let temp = TempStore::new();
    let store = temp.open();
    let response = text_risk(SCAM_SMS);
    let good = NewAssessment {
        module: Module::Inboxguard,
        summary: "a",
        response: &response,
        session_id: None,
        user_id: Some("u1"),
    };
    let bad = NewAssessment { user_id: Some(""), ..good };
    let error = store.record_assessments(&[good, bad], at(0)).unwrap_err();
    assert!(matches!(error, StoreError::InvalidInput { field: "user_id", .. }), "{error}");
    assert_eq!(store.count_assessments().unwrap(), 0);

    let ids = store.record_assessments(&[good, good, good], at(0)).unwrap();
    assert_eq!(ids.len(), 3);
    assert_eq!(store.count_assessments().unwrap(), 3);
}

#[test]
fn unknown_session_reference_is_refused() {
    let temp = TempStore::new();
    let store = temp.open();
    let response = text_risk(SCAM_SMS);
    let new = NewAssessment {
        module: Module::Moneyguard,
        summary: "x",
        response: &response,
        session_id: Some("nope"),
        user_id: None,
    };
    let error = store.record_assessment(&new, at(0)).unwrap_err();
    assert!(matches!(error, StoreError::Sqlite { .. }), "{error}");
    assert_eq!(store.count_assessments().unwrap(), 0);
}

#[test]
fn many_threads_write_and_read_at_once_without_losing_a_row() {
    fn assert_shareable<T: Send + Sync + Clone>() {}
    assert_shareable::<guardian_store::Store>();

    let temp = TempStore::new();
    let store = temp.open();
    let response = text_risk(SCAM_SMS);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let (store, response) = (store.clone(), &response);
            scope.spawn(move || {
                for n in 0..100 {
                    let summary = format!("check {n}");
                    let new = NewAssessment {
                        module: Module::Inboxguard,
                        summary: &summary,
                        response,
                        session_id: None,
                        user_id: None,
                    };
                    store.record_assessment(&new, at(0)).unwrap();
                }
            });
        }
        for _ in 0..2 {
            let store = store.clone();
            scope.spawn(move || {
                for _ in 0..50 {
                    for saved in store.list_assessments(&HistoryQuery { limit: 20, ..Default::default() }).unwrap() {
                        assert_eq!(saved.response.level, Level::High, "a reader saw a half-written row");
                    }
                }
            });
        }
    });
    assert_eq!(store.count_assessments().unwrap(), 400);
    store.check_integrity().unwrap();
}
