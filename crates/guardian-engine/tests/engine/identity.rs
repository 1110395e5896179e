//! IdentityWatch: signs that someone else is using the person's identity.

use guardian_engine::{IDENTITY_SIGNALS, Level};

use crate::util::{assert_each_signal_fires, assert_table_covers, identity, summary};

const SIGNAL_RULES: &[(&str, &str)] = &[
    ("account_opened", "ID_ACCOUNT_OPENED"),
    ("suspicious_inquiry", "ID_SUSPICIOUS_INQUIRY"),
    ("password_reset_unknown", "ID_PASSWORD_RESET_UNKNOWN"),
    ("new_device_login", "ID_NEW_DEVICE_LOGIN"),
    ("address_change", "ID_ADDRESS_CHANGE"),
    ("credit_freeze_request", "ID_CREDIT_FREEZE_REQUEST"),
    ("reused_passwords", "ID_REUSED_PASSWORDS"),
    ("clicked_suspicious_link", "ID_CLICKED_SUSPICIOUS_LINK"),
    ("ssn_requested_unexpectedly", "ID_SSN_REQUESTED"),
];

#[test]
fn the_signal_table_covers_every_key_the_old_clients_send() {
    assert_table_covers(SIGNAL_RULES, IDENTITY_SIGNALS);
}

#[test]
fn every_signal_alone_fires_its_rule() {
    assert_each_signal_fires(SIGNAL_RULES, |key| identity(&[(key, true)]));
}

#[test]
fn a_new_account_and_a_credit_check_mean_freeze_your_credit() {
    let r = identity(&[("account_opened", true), ("suspicious_inquiry", true)]);
    assert_eq!(r.level, Level::High, "{}", summary(&r));
    assert!(r.next_action.to_lowercase().contains("freeze"), "{:?}", r.next_action);
    assert!(r.recommended_actions.iter().any(|a| a.id == "freeze_credit"), "{:?}", r.recommended_actions);
}

#[test]
fn account_takeover_signs_together_are_at_least_medium() {
    for pair in [
        [("password_reset_unknown", true), ("new_device_login", true)],
        [("reused_passwords", true), ("new_device_login", true)],
        [("address_change", true), ("credit_freeze_request", true)],
    ] {
        let r = identity(&pair);
        assert!(r.level >= Level::Medium, "{pair:?}: {}", summary(&r));
    }
}

#[test]
fn nothing_wrong_is_low() {
    let all_false: Vec<(&str, bool)> = IDENTITY_SIGNALS.iter().map(|k| (*k, false)).collect();
    for r in [identity(&all_false), identity(&[])] {
        assert_eq!((r.score, r.level), (0, Level::Low), "{}", summary(&r));
        assert!(r.metadata.rules.is_empty());
        assert!(r.metadata.unknown_signals.is_empty());
    }
}

#[test]
fn every_signal_together_is_high() {
    let all: Vec<(&str, bool)> = IDENTITY_SIGNALS.iter().map(|k| (*k, true)).collect();
    let r = identity(&all);
    assert_eq!((r.score, r.level), (100, Level::High));
}

#[test]
fn unknown_signals_are_reported_not_fatal() {
    let r = identity(&[("account_opened", true), ("dark_web_alert", true), ("pet_name_guessed", false)]);
    assert!(r.metadata.rules.iter().any(|id| id == "ID_ACCOUNT_OPENED"));
    assert!(r.metadata.unknown_signals.contains(&"dark_web_alert".to_string()), "{:?}", r.metadata.unknown_signals);
    let r = identity(&[("dark_web_alert", true)]);
    assert_eq!(r.level, Level::Low);
    assert_eq!(r.metadata.unknown_signals, ["dark_web_alert"]);
}

#[test]
fn signal_names_are_read_the_way_clients_write_them() {
    let r = identity(&[("Account Opened", true)]);
    assert!(r.metadata.rules.iter().any(|id| id == "ID_ACCOUNT_OPENED"), "{}", summary(&r));
    assert!(r.metadata.unknown_signals.is_empty());
}
