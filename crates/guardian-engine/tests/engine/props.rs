//! Properties over arbitrary input: nothing a client sends can make the engine panic or
//! answer outside the contract.

use std::collections::BTreeMap;

use guardian_engine::{
    AnalyzeTextRequest, AnalyzeUrlRequest, CALL_SIGNALS, CallAssessRequest, Channel, IDENTITY_SIGNALS,
    IdentityCheckRequest, MoneyAssessRequest, PAYMENT_METHODS,
};
use proptest::prelude::*;

use crate::util::{assert_invariants, engine, payment};

fn config() -> ProptestConfig {
    ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
}

fn channel() -> impl Strategy<Value = Channel> {
    prop_oneof![Just(Channel::Email), Just(Channel::Sms), Just(Channel::Whatsapp), Just(Channel::Other)]
}

/// Words the rules look for, and the tricks around them, to make hits (and edge cases in
/// span mapping) likely rather than rare.
const SCAM_WORDS: &[&str] = &[
    "gift card",
    "g i f t",
    "gіft",
    "c4rds",
    "IRS",
    "irs",
    "first",
    "bitcoin atm",
    "verify your account",
    "http://",
    "https://",
    "www.",
    "192.168.0.1",
    "@",
    "0906170146",
    "+44 7700 900123",
    "£",
    "$",
    "€",
    "150p",
    "to 80082",
    "\u{200B}",
    "\u{00AD}",
    "\u{FEFF}",
    "ｇｉｆｔ",
    "ﬁ",
    "é",
    "e\u{301}",
    "🚨",
    "\r\n",
    "\t",
    "!!!",
    "<html>",
    "'",
    "don't tell mum",
    "code",
    "send me the code",
    "Hi Mum",
    "new number",
    "arrest",
    "AnyDesk",
    "a",
    "ß",
    "İ",
    "ǅ",
    "\u{0000}",
    "\u{FFFF}",
    "\u{10FFFF}",
];

/// Text built from scam words, arbitrary characters and separators.
fn scammy_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::sample::select(SCAM_WORDS).prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
        1 => "[ .,:/-]{1,3}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

/// Long text of arbitrary characters, up to about 10 KB.
fn long_text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..2_600).prop_map(String::from_iter)
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), scammy_text(), long_text()]
}

fn check_text(text: &str, channel: Channel) -> Result<(), TestCaseError> {
    match engine().analyze_text(&AnalyzeTextRequest { text: text.to_string(), channel }) {
        Ok(r) => {
            prop_assert!(!text.trim().is_empty(), "blank text was assessed");
            assert_invariants(&r);
            for m in &r.metadata.matched_phrases {
                prop_assert!(m.start < m.end && m.end <= text.len(), "{:?} out of range", m);
                prop_assert!(text.get(m.start..m.end).is_some(), "{:?} splits a character", m);
            }
        }
        Err(e) => {
            prop_assert!(text.trim().is_empty(), "non-blank text refused: {}", e);
            prop_assert!(e.is_input_error());
        }
    }
    Ok(())
}

/// Strings shaped like links, valid or not.
fn url_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "(https?|ftp|HTTP|javascript|mailto)?:?/{0,3}[a-z0-9.@:\\[\\]_%-]{0,40}(/[ -~]{0,40})?",
        ("https?://", scammy_text()).prop_map(|(s, rest)| format!("{s}{rest}")),
        ("https?://([a-z0-9-]{1,12}\\.){0,6}[a-z]{2,6}(:[0-9]{1,6})?", "(/[a-zA-Z0-9._~%!$&'()*+,;=:@-]{0,20}){0,5}")
            .prop_map(|(host, path)| format!("{host}{path}")),
    ]
}

/// A signal key as the engine reads it: "Gift Cards" and "gift-cards" are `gift_cards`.
fn normalize(key: &str) -> String {
    key.trim().to_ascii_lowercase().replace([' ', '-'], "_")
}

fn signal_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(CALL_SIGNALS).prop_map(str::to_string),
        1 => any::<String>(),
        1 => "[A-Za-z _-]{0,30}",
    ]
}

fn identity_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(IDENTITY_SIGNALS).prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

fn method_name() -> impl Strategy<Value = String> {
    let known: Vec<&'static str> = PAYMENT_METHODS
        .iter()
        .flat_map(|(name, aliases)| std::iter::once(*name).chain(aliases.iter().copied()))
        .collect();
    prop_oneof![3 => prop::sample::select(known).prop_map(str::to_string), 1 => any::<String>(), 1 => Just(String::new())]
}

fn amount() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::num::f64::ANY,
        0.0..=1e9,
        Just(0.0),
        Just(1e9),
        Just(-0.0),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::MIN_POSITIVE),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn analyze_text_never_panics(text in any_text(), channel in channel()) {
        check_text(&text, channel)?;
    }

    #[test]
    fn analyze_url_never_panics(url in url_like()) {
        if let Ok(r) = engine().analyze_url(&AnalyzeUrlRequest { url: url.clone() }) {
            assert_invariants(&r);
            prop_assert!(!url.trim().is_empty());
        }
    }

    #[test]
    fn assess_money_never_panics(
        amount in amount(),
        method in method_name(),
        recipient in any_text(),
        reason in any_text(),
        flags in prop::array::uniform5(any::<bool>()),
        impersonation in prop::option::of(prop_oneof![
            Just("bank".to_string()), Just("irs".to_string()), Just("grandson".to_string()), any::<String>()
        ]),
    ) {
        let request = MoneyAssessRequest {
            recipient,
            reason,
            did_they_contact_you_first: flags[0],
            urgency_present: flags[1],
            asked_to_keep_secret: flags[2],
            asked_for_verification_code: flags[3],
            asked_for_remote_access: flags[4],
            impersonation_type: impersonation,
            ..payment(amount, &method)
        };
        let valid = (0.0..=1e9).contains(&amount) && !method.trim().is_empty();
        match engine().assess_money(&request) {
            Ok(r) => {
                prop_assert!(valid, "accepted amount {} method {:?}", amount, method);
                assert_invariants(&r);
            }
            Err(e) => {
                prop_assert!(!valid, "refused a valid request: {}", e);
                prop_assert!(e.is_input_error());
            }
        }
    }

    #[test]
    fn assess_call_never_panics(
        signals in prop::collection::vec(signal_key(), 0..40),
        transcript in prop::option::of(any_text()),
    ) {
        let r = engine().assess_call(&CallAssessRequest { signals: signals.clone(), transcript });
        assert_invariants(&r);
        for key in &signals {
            let known = CALL_SIGNALS.contains(&normalize(key).as_str());
            prop_assert_eq!(known, !r.metadata.unknown_signals.contains(key), "{:?}", key);
        }
        prop_assert!(signals.is_empty() || !CALL_SIGNALS.contains(&signals[0].as_str()) || r.score > 0);
    }

    #[test]
    fn check_identity_never_panics(signals in prop::collection::btree_map(identity_key(), any::<bool>(), 0..20)) {
        let r = engine().check_identity(&IdentityCheckRequest { signals: signals.clone() });
        assert_invariants(&r);
        let known = |k: &str| IDENTITY_SIGNALS.contains(&normalize(k).as_str());
        let any_known_true = signals.iter().any(|(k, &v)| v && known(k));
        prop_assert_eq!(any_known_true, r.score > 0);
        for key in signals.keys() {
            prop_assert_eq!(known(key), !r.metadata.unknown_signals.contains(key), "{:?}", key);
        }
    }

    #[test]
    fn the_same_input_always_gets_the_same_answer(text in scammy_text(), channel in channel()) {
        let request = AnalyzeTextRequest { text, channel };
        prop_assert_eq!(engine().analyze_text(&request), engine().analyze_text(&request));
    }
}

#[test]
fn a_one_megabyte_message_is_checked_in_part_with_a_note() {
    let scam = "URGENT: this is the IRS. Pay the fine today with Google Play gift cards. ";
    let filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ";
    let mut text = String::from(scam);
    while text.len() < 1_000_000 {
        text.push_str(filler);
    }
    text.push_str("é🚨"); // multi-byte characters near the end must not break the cut
    let r = engine().analyze_text(&AnalyzeTextRequest { text: text.clone(), channel: Channel::Sms }).unwrap();
    assert_invariants(&r);
    assert!(!r.metadata.notes.is_empty(), "the answer says the text was cut");
    assert!(
        r.metadata.notes.iter().any(|n| n.contains("longer") || n.contains("truncat") || n.contains("first part")),
        "{:?}",
        r.metadata.notes
    );
    assert!(
        r.metadata.rules.iter().any(|id| id.contains("GIFT_CARD")),
        "the start is still read: {:?}",
        r.metadata.rules
    );

    // A message cut in the middle of a multi-byte character is handled too.
    let awkward: String = "🚨".repeat(300_000);
    let r = engine().analyze_text(&AnalyzeTextRequest { text: awkward, channel: Channel::Email }).unwrap();
    assert_invariants(&r);
    assert!(!r.metadata.notes.is_empty());

    // A short message has no such note.
    let r = engine().analyze_text(&AnalyzeTextRequest { text: scam.into(), channel: Channel::Sms }).unwrap();
    assert!(r.metadata.notes.is_empty(), "{:?}", r.metadata.notes);
}

#[test]
fn a_huge_call_transcript_and_payment_reason_are_handled() {
    let huge = "buy gift cards now ".repeat(60_000);
    let r =
        engine().assess_call(&CallAssessRequest { signals: vec!["urgency".into()], transcript: Some(huge.clone()) });
    assert_invariants(&r);
    let r = engine().assess_money(&MoneyAssessRequest { reason: huge, ..payment(100.0, "check") }).unwrap();
    assert_invariants(&r);
    let many: BTreeMap<String, bool> = (0..10_000).map(|i| (format!("signal_{i}"), i % 2 == 0)).collect();
    let r = engine().check_identity(&IdentityCheckRequest { signals: many });
    assert_eq!(r.metadata.unknown_signals.len(), 10_000);
}
