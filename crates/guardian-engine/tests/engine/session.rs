//! Sessions: a session's risk is a pure function of its events, folded in order, as the
//! old API's `/v1/session/{id}/event` endpoint reported it.

use guardian_engine::{AnalyzeTextRequest, Channel, Level, Module, SessionEvent};
use serde_json::{Value, json};

use crate::util::{assert_invariants, engine, summary};

fn event(kind: &str, payload: Value) -> SessionEvent {
    serde_json::from_value(json!({"type": kind, "payload": payload, "timestamp": "2024-05-14T10:30:00Z"}))
        .expect("a well-formed event")
}

fn signal(key: &str) -> SessionEvent {
    event("signal", json!({"signal_key": key, "phone_number": "+1 202 555 0147"}))
}

fn risk(module: Module, events: &[SessionEvent]) -> Option<guardian_engine::RiskResponse> {
    let r = engine().session_risk(module, events).unwrap_or_else(|e| panic!("session_risk failed: {e}"));
    if let Some(r) = &r {
        assert_invariants(r);
    }
    r
}

fn has(r: &guardian_engine::RiskResponse, rule: &str) -> bool {
    r.metadata.rules.iter().any(|id| id == rule)
}

// ------------------------------------------------------------------ CallGuard

#[test]
fn call_signals_accumulate_over_the_session() {
    let events = [signal("bank_impersonation"), signal("verification_code_request")];
    let r = risk(Module::Callguard, &events).expect("assessed");
    assert!(has(&r, "CALL_BANK_IMPERSONATION") && has(&r, "CALL_CODE_REQUEST"), "{}", summary(&r));
    assert!(has(&r, "CALL_BANK_AND_CODE"), "signals from different events combine: {}", summary(&r));
    assert_eq!(r.level, Level::High);

    let first = risk(Module::Callguard, &events[..1]).unwrap();
    assert!(r.score > first.score);
}

#[test]
fn call_notes_and_free_text_are_read() {
    let events = [
        signal("government_impersonation"),
        event("note", json!({"text": "He says I have to go to the store and buy Google Play gift cards"})),
    ];
    let r = risk(Module::Callguard, &events).unwrap();
    assert!(has(&r, "CALL_GIFT_CARDS"), "the note's words count: {}", summary(&r));
    assert!(has(&r, "CALL_OFFICIAL_DEMANDS_UNUSUAL_PAYMENT"), "{}", summary(&r));

    let events = [event("signal", json!({"signal_key": "urgency", "free_text": "please download anydesk right now"}))];
    let r = risk(Module::Callguard, &events).unwrap();
    assert!(has(&r, "CALL_URGENCY") && has(&r, "CALL_REMOTE_ACCESS"), "{}", summary(&r));
}

#[test]
fn a_note_alone_is_assessed() {
    let r = risk(Module::Callguard, &[event("note", json!({"text": "caller was friendly, asked about the weather"}))]);
    assert_eq!(r.expect("a note is an assessable event").level, Level::Low);
}

// ------------------------------------------------------------------ MoneyGuard

fn assess(amount: f64, method: &str, contacted: bool, urgency: bool) -> SessionEvent {
    event(
        "assess",
        json!({
            "amount": amount,
            "payment_method": method,
            "recipient": "",
            "reason": "",
            "did_they_contact_you_first": contacted,
            "urgency_present": urgency,
            "asked_to_keep_secret": false,
            "asked_for_verification_code": false,
            "asked_for_remote_access": false,
            "impersonation_type": "government"
        }),
    )
}

#[test]
fn money_the_latest_assessment_wins() {
    let scary = assess(2_500.0, "gift_card", true, true);
    let calm = event("assess", json!({"amount": 200, "payment_method": "check", "recipient": "Bob's Plumbing"}));
    let r = risk(Module::Moneyguard, &[scary.clone(), calm.clone()]).unwrap();
    assert_eq!(r.level, Level::Low, "the later, calmer payment is the session's risk: {}", summary(&r));
    let r = risk(Module::Moneyguard, &[calm, scary]).unwrap();
    assert_eq!(r.level, Level::High, "{}", summary(&r));
}

#[test]
fn money_a_bad_amount_is_an_error() {
    let e = engine().session_risk(Module::Moneyguard, &[assess(-5.0, "check", false, false)]).unwrap_err();
    assert!(e.is_input_error() && e.to_string().contains("amount"), "{e}");
}

// ------------------------------------------------------------------ InboxGuard

#[test]
fn inbox_the_riskiest_item_counts() {
    let scam = event(
        "text",
        json!({"text": "IRS: a warrant for your arrest has been issued. Pay now with Google Play gift cards.", "channel": "sms"}),
    );
    let fine = event("text", json!({"text": "Hi Mum, see you at 6", "channel": "sms"}));
    let link = event("url", json!({"url": "https://www.bbc.co.uk/news"}));
    let r = risk(Module::Inboxguard, &[scam.clone(), fine.clone(), link.clone()]).unwrap();
    assert_eq!(r.level, Level::High, "{}", summary(&r));
    let r2 = risk(Module::Inboxguard, &[fine.clone(), link.clone(), scam]).unwrap();
    assert_eq!(r2, r, "order does not matter: the riskiest item is the session's risk");
    let r = risk(Module::Inboxguard, &[fine, link]).unwrap();
    assert_eq!(r.level, Level::Low);
    let r = risk(Module::Inboxguard, &[event("url", json!({"url": "http://192.168.4.20/login"}))]).unwrap();
    assert!(r.level >= Level::Medium, "{}", summary(&r));
}

#[test]
fn inbox_channel_may_be_left_out() {
    let r = risk(Module::Inboxguard, &[event("text", json!({"text": "Your verification code is 482913."}))]);
    assert_eq!(r.unwrap().level, Level::Low);
}

#[test]
fn inbox_an_empty_text_or_bad_link_is_an_error() {
    for bad in
        [event("text", json!({"text": "   ", "channel": "sms"})), event("url", json!({"url": "ftp://example.com"}))]
    {
        let e = engine().session_risk(Module::Inboxguard, &[bad]).unwrap_err();
        assert!(e.is_input_error(), "{e}");
    }
}

// ------------------------------------------------------------------ IdentityWatch

#[test]
fn identity_later_answers_override_earlier_ones() {
    let yes = event("signals", json!({"account_opened": true, "suspicious_inquiry": true}));
    let r = risk(Module::Identitywatch, std::slice::from_ref(&yes)).unwrap();
    assert!(has(&r, "ID_ACCOUNT_OPENED"));
    let no = event("signals", json!({"account_opened": false}));
    let r = risk(Module::Identitywatch, &[yes, no]).unwrap();
    assert!(!has(&r, "ID_ACCOUNT_OPENED"), "the later false wins: {}", summary(&r));
    assert!(has(&r, "ID_SUSPICIOUS_INQUIRY"), "signals not mentioned again are kept: {}", summary(&r));
}

#[test]
fn identity_accepts_the_wrapped_form_too() {
    let plain = event("signals", json!({"account_opened": true, "address_change": true}));
    let wrapped = event("signals", json!({"signals": {"account_opened": true, "address_change": true}}));
    assert_eq!(risk(Module::Identitywatch, &[plain]), risk(Module::Identitywatch, &[wrapped]));
}

// ------------------------------------------------------------------ all modules

#[test]
fn an_event_of_the_wrong_type_is_an_error_naming_the_type() {
    let cases = [
        (Module::Callguard, event("assess", json!({"amount": 10, "payment_method": "check"}))),
        (Module::Moneyguard, signal("gift_cards")),
        (Module::Inboxguard, event("signals", json!({"account_opened": true}))),
        (Module::Identitywatch, event("note", json!({"text": "hello"}))),
        (Module::Callguard, event("banana", json!({}))),
    ];
    for (module, bad) in cases {
        let e = engine().session_risk(module, std::slice::from_ref(&bad)).unwrap_err();
        assert!(e.is_input_error(), "{module}: {e}");
        assert!(e.to_string().contains(&format!("'{}'", bad.kind)), "{module}: {e} should name the type {}", bad.kind);
        let e = engine().assess_event(module, &[], &bad).unwrap_err();
        assert!(e.to_string().contains(&bad.kind), "{e}");
    }
}

#[test]
fn a_bad_event_later_in_the_session_is_reported_with_its_position() {
    let events = [signal("urgency"), signal("gift_cards"), event("signal", json!({"key": "oops"}))];
    let e = engine().session_risk(Module::Callguard, &events).unwrap_err();
    assert!(e.is_input_error());
    assert!(e.to_string().contains("event 3"), "{e}");
}

#[test]
fn no_assessable_event_means_no_risk_yet() {
    for module in Module::ALL {
        assert_eq!(engine().session_risk(module, &[]).unwrap(), None, "{module}");
    }
}

#[test]
fn assess_event_returns_the_running_result() {
    let earlier = [signal("bank_impersonation")];
    let next = signal("verification_code_request");
    let r = engine().assess_event(Module::Callguard, &earlier, &next).unwrap();
    assert!(has(&r, "CALL_BANK_AND_CODE"), "the event is judged with what came before: {}", summary(&r));
    assert_eq!(Some(r), risk(Module::Callguard, &[earlier[0].clone(), next]));

    let earlier = [event("signals", json!({"account_opened": true}))];
    let next = event("signals", json!({"suspicious_inquiry": true}));
    let r = engine().assess_event(Module::Identitywatch, &earlier, &next).unwrap();
    assert_eq!(Some(r.clone()), risk(Module::Identitywatch, &[earlier[0].clone(), next]));
    assert_eq!(r.level, Level::High);

    let earlier = [assess(2_500.0, "gift_card", true, true)];
    let next = assess(100.0, "check", false, false);
    let r = engine().assess_event(Module::Moneyguard, &earlier, &next).unwrap();
    assert_eq!(Some(r), risk(Module::Moneyguard, &[earlier[0].clone(), next]));
}

#[test]
fn assess_event_for_inbox_judges_the_item_itself() {
    let scam = event(
        "text",
        json!({"text": "IRS: a warrant for your arrest has been issued. Pay now with Google Play gift cards.", "channel": "sms"}),
    );
    let fine = event("text", json!({"text": "Hi Mum, see you at 6", "channel": "sms"}));
    let r = engine().assess_event(Module::Inboxguard, std::slice::from_ref(&scam), &fine).unwrap();
    let alone = engine()
        .analyze_text(&AnalyzeTextRequest { text: "Hi Mum, see you at 6".into(), channel: Channel::Sms })
        .unwrap();
    assert_eq!(r, alone, "each message is judged on its own; the session keeps the riskiest");
    assert_eq!(risk(Module::Inboxguard, &[scam, fine]).unwrap().level, Level::High);
}

#[test]
fn sessions_are_deterministic() {
    let events =
        [signal("urgency"), event("note", json!({"text": "buy gift cards now"})), signal("asks_to_keep_secret")];
    let a = risk(Module::Callguard, &events);
    let b = risk(Module::Callguard, &events);
    assert_eq!(a, b);
}
