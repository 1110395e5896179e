//! CallGuard: the warning signs a person taps during a call, and what the caller said.

use guardian_engine::{CALL_SIGNALS, Level};

use crate::util::{Failures, HIGH, WARN, assert_each_signal_fires, assert_table_covers, call, summary};

/// Each signal key the old clients send, and the rule it must fire on its own.
const SIGNAL_RULES: &[(&str, &str)] = &[
    ("urgency", "CALL_URGENCY"),
    ("bank_impersonation", "CALL_BANK_IMPERSONATION"),
    ("government_impersonation", "CALL_GOVERNMENT_IMPERSONATION"),
    ("tech_support", "CALL_TECH_SUPPORT"),
    ("remote_access_request", "CALL_REMOTE_ACCESS"),
    ("verification_code_request", "CALL_CODE_REQUEST"),
    ("gift_cards", "CALL_GIFT_CARDS"),
    ("crypto_payment", "CALL_CRYPTO_PAYMENT"),
    ("threats_or_arrest", "CALL_THREATS"),
    ("too_good_to_be_true", "CALL_TOO_GOOD"),
    ("asks_to_keep_secret", "CALL_SECRECY"),
    ("caller_id_mismatch", "CALL_CALLER_ID_MISMATCH"),
    ("grandparent_scam", "CALL_GRANDPARENT"),
    ("family_emergency_scam", "CALL_FAMILY_EMERGENCY"),
    ("medicare_scam", "CALL_MEDICARE"),
    ("health_insurance_scam", "CALL_HEALTH_INSURANCE"),
    ("romance_scam", "CALL_ROMANCE"),
    ("lottery_scam", "CALL_LOTTERY"),
    ("sweepstakes_scam", "CALL_SWEEPSTAKES"),
    ("investment_scam", "CALL_INVESTMENT"),
    ("charity_scam", "CALL_CHARITY"),
    ("disaster_relief_scam", "CALL_DISASTER_RELIEF"),
    ("contractor_scam", "CALL_CONTRACTOR"),
    ("home_repair_scam", "CALL_HOME_REPAIR"),
    ("upfront_payment_request", "CALL_UPFRONT_PAYMENT"),
    ("wont_meet_in_person", "CALL_WONT_MEET"),
    ("refuses_video_chat", "CALL_REFUSES_VIDEO"),
];

#[test]
fn the_signal_table_covers_every_key_the_old_clients_send() {
    assert_table_covers(SIGNAL_RULES, CALL_SIGNALS);
}

#[test]
fn every_signal_alone_fires_its_rule() {
    assert_each_signal_fires(SIGNAL_RULES, |key| call(&[key], None));
}

#[test]
fn signal_keys_are_read_the_way_clients_write_them() {
    for key in ["Gift Cards", "gift-cards", " GIFT_CARDS "] {
        let r = call(&[key], None);
        assert!(r.metadata.rules.iter().any(|id| id == "CALL_GIFT_CARDS"), "{key:?}: {}", summary(&r));
        assert!(r.metadata.unknown_signals.is_empty(), "{key:?}");
    }
}

#[test]
fn a_repeated_signal_counts_once() {
    assert_eq!(call(&["urgency", "urgency", "urgency"], None), call(&["urgency"], None));
}

#[test]
fn dangerous_pairs_are_high_and_fire_their_combination_rule() {
    for (pair, combo) in [
        (["bank_impersonation", "verification_code_request"], "CALL_BANK_AND_CODE"),
        (["government_impersonation", "gift_cards"], "CALL_OFFICIAL_DEMANDS_UNUSUAL_PAYMENT"),
        (["tech_support", "remote_access_request"], "CALL_TECH_SUPPORT_REMOTE"),
        (["bank_impersonation", "crypto_payment"], "CALL_OFFICIAL_DEMANDS_UNUSUAL_PAYMENT"),
    ] {
        let both = call(&pair, None);
        assert_eq!(both.level, Level::High, "{pair:?}: {}", summary(&both));
        assert!(both.metadata.rules.iter().any(|id| id == combo), "{pair:?} should fire {combo}: {}", summary(&both));
        let parts = u16::from(call(&pair[..1], None).score) + u16::from(call(&pair[1..], None).score);
        assert!(
            u16::from(both.score) >= parts.min(100),
            "{pair:?}: together ({}) should score at least the sum of the parts ({parts})",
            both.score
        );
        assert_eq!(call(&[pair[1], pair[0]], None), both, "order of signals does not matter");
    }
}

#[test]
fn more_warning_signs_never_lower_the_score() {
    let mut signals: Vec<&str> = Vec::new();
    let mut last = 0;
    for &key in CALL_SIGNALS {
        signals.push(key);
        let r = call(&signals, None);
        assert!(r.score >= last, "adding {key} lowered the score: {}", summary(&r));
        last = r.score;
    }
    assert_eq!(last, 100);
}

#[test]
fn unknown_signals_are_reported_not_fatal() {
    let r = call(&["gift_cards", "asked_for_pin", "caller_was_rude", "asked_for_pin"], None);
    assert!(r.metadata.rules.iter().any(|id| id == "CALL_GIFT_CARDS"));
    assert_eq!(r.metadata.unknown_signals, ["asked_for_pin", "caller_was_rude"]);
    let r = call(&["made_up"], None);
    assert_eq!(r.level, Level::Low);
    assert_eq!(r.metadata.unknown_signals, ["made_up"]);
}

#[test]
fn a_script_is_offered_whenever_the_call_is_risky() {
    let mut cases: Vec<Vec<&str>> = CALL_SIGNALS.iter().map(|k| vec![*k]).collect();
    cases.push(vec!["bank_impersonation", "verification_code_request"]);
    cases.push(vec!["government_impersonation", "gift_cards", "threats_or_arrest"]);
    cases.push(vec!["urgency", "asks_to_keep_secret"]);
    for signals in cases {
        let r = call(&signals, None);
        if r.level >= Level::Medium {
            let script = r.safe_script.as_ref().unwrap_or_else(|| panic!("{signals:?}: no script at {}", summary(&r)));
            assert!(!script.say_this.is_empty() && !script.if_they_push_back.is_empty(), "{signals:?}");
        }
    }
}

#[test]
fn no_signals_at_all_is_low() {
    let r = call(&[], None);
    assert_eq!((r.score, r.level), (0, Level::Low));
    let r = call(&[], Some("Hello, is that Mrs Smith? I'm calling about the church bake sale on Saturday."));
    assert_eq!(r.level, Level::Low, "{}", summary(&r));
}

#[test]
fn the_callers_words_alone_can_raise_the_alarm() {
    #[rustfmt::skip]
    let cases = [
        ("I'm from Microsoft, download AnyDesk", WARN),
        ("This is the fraud department of your bank. Read me the verification code we just texted you.", HIGH),
        ("This is the IRS. There is a warrant for your arrest. Pay with Google Play gift cards today.", HIGH),
        ("Grandma it's me, I'm in jail and need bail money. Please don't tell mom.", HIGH),
    ];
    let mut failures = Failures::default();
    for (transcript, expected) in cases {
        let r = call(&[], Some(transcript));
        failures.check(transcript, expected, &r);
    }
    failures.finish();
}

#[test]
fn signals_and_transcript_add_up() {
    let signals_only = call(&["bank_impersonation"], None);
    let both = call(&["bank_impersonation"], Some("read me the verification code we just texted you"));
    assert!(both.score > signals_only.score, "{} vs {}", summary(&both), summary(&signals_only));
    assert!(both.metadata.rules.iter().any(|id| id == "CALL_BANK_AND_CODE"), "{}", summary(&both));
    assert!(!both.metadata.matched_phrases.is_empty(), "the transcript's matched words are shown");
}
