//! The server side of sync: records stored once, alerts only for linked caregivers and
//! high-risk records, one-time codes, unlinking and revoking.

use guardian_store::{CodePurpose, NewSyncedRecord, Store};

use crate::util::{TempStore, at};

fn record(n: u32, level: &str) -> NewSyncedRecord {
    NewSyncedRecord {
        id: format!("0193e4c1-0000-7000-8000-{n:012}"),
        kind: "assessment".to_owned(),
        module: "callguard".to_owned(),
        level: level.to_owned(),
        score: if level == "high" { 90 } else { 10 },
        rule_ids: vec!["CALL_GIFT_CARDS".to_owned()],
        pack_version: "2026.11.2".to_owned(),
        created_at: at(0),
        details: None,
        headline: "High risk: a phone call showed strong signs of a scam".to_owned(),
    }
}

fn linked(store: &Store) -> (String, String) {
    let device = store.register_device(&[1; 32], at(0)).unwrap();
    store.add_sync_code(b"code-hash", CodePurpose::Link { device_id: &device }, at(24)).unwrap();
    let (caregiver, linked_device) = store.create_caregiver(&[9; 32], Some("Anna"), b"code-hash", at(0)).unwrap();
    assert_eq!(linked_device, device);
    (device, caregiver)
}

#[test]
fn a_record_is_stored_once_and_alerts_only_when_high_and_linked() {
    let temp = TempStore::new();
    let store = temp.open();
    let (device, caregiver) = linked(&store);
    assert_eq!(
        store.store_synced_records(&device, &[record(1, "high"), record(2, "low")], at(1)).unwrap(),
        [true, true]
    );
    assert_eq!(
        store.store_synced_records(&device, &[record(1, "high"), record(3, "medium")], at(2)).unwrap(),
        [false, true]
    );
    assert_eq!(store.synced_records(&device, 0).unwrap().len(), 3);
    let alerts = store.caregiver_alerts(&caregiver, false, 0).unwrap();
    assert_eq!(alerts.len(), 1, "one alert for the one high record, resent or not");
    assert_eq!(alerts[0].record_id, record(1, "high").id);
    let acked = store.acknowledge_alert(&caregiver, &alerts[0].id, at(3)).unwrap();
    assert!(acked.acknowledged_at.is_some());
    assert!(store.caregiver_alerts(&caregiver, false, 0).unwrap().is_empty());
    assert_eq!(store.caregiver_alerts(&caregiver, true, 0).unwrap().len(), 1);
    assert!(store.acknowledge_alert("someone-else", &alerts[0].id, at(3)).unwrap_err().is_not_found());

    // Unlinked: no new alerts, pending ones withdrawn.
    store.store_synced_records(&device, &[record(4, "high")], at(4)).unwrap();
    assert_eq!(store.caregiver_alerts(&caregiver, false, 0).unwrap().len(), 1);
    assert_eq!(store.unlink_caregivers(&device, None).unwrap(), 1);
    assert!(store.caregiver_alerts(&caregiver, false, 0).unwrap().is_empty());
    store.store_synced_records(&device, &[record(5, "high")], at(5)).unwrap();
    assert!(store.caregiver_alerts(&caregiver, false, 0).unwrap().is_empty());
    assert!(store.device_caregivers(&device).unwrap().is_empty());
}

#[test]
fn codes_work_once_and_not_after_they_expire() {
    let store = Store::open_in_memory().unwrap();
    store.add_sync_code(b"enrol", CodePurpose::Enrolment, at(24)).unwrap();
    assert!(!store.take_enrolment_code(b"other", at(0)).unwrap());
    assert!(store.take_enrolment_code(b"enrol", at(0)).unwrap());
    assert!(!store.take_enrolment_code(b"enrol", at(0)).unwrap(), "once");
    store.add_sync_code(b"late", CodePurpose::Enrolment, at(1)).unwrap();
    assert!(!store.take_enrolment_code(b"late", at(2)).unwrap(), "expired");
    let device = store.register_device(&[1; 32], at(0)).unwrap();
    store.add_sync_code(b"link", CodePurpose::Link { device_id: &device }, at(24)).unwrap();
    assert!(!store.take_enrolment_code(b"link", at(0)).unwrap(), "a link code does not enrol");
    assert!(store.create_caregiver(&[2; 32], None, b"nope", at(0)).unwrap_err().is_not_found());
}

#[test]
fn a_revoked_device_loses_its_links_and_codes() {
    let store = Store::open_in_memory().unwrap();
    let (device, caregiver) = linked(&store);
    store.add_sync_code(b"second", CodePurpose::Link { device_id: &device }, at(24)).unwrap();
    store.revoke_device(&device, at(1)).unwrap();
    assert!(store.sync_device(&device).unwrap().revoked_at.is_some());
    assert!(store.device_caregivers(&device).unwrap().is_empty());
    assert!(store.link_caregiver(&caregiver, b"second", at(2)).unwrap_err().is_not_found());
    assert!(store.revoke_device("missing", at(1)).unwrap_err().is_not_found());
}
