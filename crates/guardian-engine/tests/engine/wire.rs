//! The wire model, pinned field for field against the old v1 API (DESIGN.md, "Wire
//! model"): what the server, the app and the CLI send and receive.

use guardian_engine::{
    AnalyzeTextRequest, AnalyzeUrlRequest, CallAssessRequest, Channel, IdentityCheckRequest, Level, Module,
    MoneyAssessRequest, RiskResponse, SafeSteps, SessionEvent,
};
use serde_json::{Value, json};

use crate::util::{call, engine, identity, money, payment, sms};

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> =
        v.as_object().unwrap_or_else(|| panic!("not an object: {v}")).keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

fn assert_action(v: &Value) {
    assert_eq!(keys(v), ["detail", "id", "title"], "an action is {{id, title, detail}}: {v}");
    for k in ["id", "title", "detail"] {
        assert!(v[k].as_str().is_some_and(|s| !s.is_empty()), "action {k} must be a non-empty string: {v}");
    }
}

/// Checks a serialised RiskResponse against the old API's shape, key by key and type by type.
fn assert_risk_response_shape(v: &Value) {
    assert_eq!(
        keys(v),
        ["level", "metadata", "next_action", "reasons", "recommended_actions", "safe_script", "score"],
        "RiskResponse keys: {v}"
    );
    let score = v["score"].as_u64().unwrap_or_else(|| panic!("score must be a whole number: {}", v["score"]));
    assert!(score <= 100);
    assert!(["low", "medium", "high"].contains(&v["level"].as_str().unwrap_or_default()), "level: {}", v["level"]);
    let reasons = v["reasons"].as_array().expect("reasons is an array");
    assert!(reasons.iter().all(Value::is_string), "reasons are strings: {reasons:?}");
    assert!(v["next_action"].is_string());
    let actions = v["recommended_actions"].as_array().expect("recommended_actions is an array");
    actions.iter().for_each(assert_action);
    match &v["safe_script"] {
        Value::Null => {}
        script @ Value::Object(_) => {
            assert_eq!(keys(script), ["if_they_push_back", "say_this"], "safe_script keys: {script}");
            assert!(script["say_this"].is_string() && script["if_they_push_back"].is_string());
        }
        other => panic!("safe_script must be null or an object, got {other}"),
    }
    let metadata = &v["metadata"];
    assert!(metadata.is_object(), "metadata is an object");
    let rules = metadata["rules"].as_array().expect("metadata.rules is an array");
    assert!(rules.iter().all(Value::is_string));
    assert_eq!(rules.len(), reasons.len(), "one reason per rule");
    assert!(metadata["pack_version"].as_str().is_some_and(|s| !s.is_empty()), "metadata.pack_version: {metadata}");
}

fn to_json(r: &RiskResponse) -> Value {
    let v = serde_json::to_value(r).expect("a RiskResponse serialises");
    let back: RiskResponse = serde_json::from_value(v.clone()).expect("and deserialises again");
    assert_eq!(&back, r, "round trip");
    v
}

#[test]
fn risk_response_json_matches_the_old_api() {
    let high = sms(
        "IRS: a warrant for your arrest has been issued. Pay the $900 you owe immediately with Google Play gift cards.",
    );
    let low = sms("Hi Mum, running a bit late, be there by 6. Love you x");
    assert_eq!(high.level, Level::High);
    assert_eq!(low.level, Level::Low);
    for r in [&high, &low] {
        assert_risk_response_shape(&to_json(r));
    }
    let v = to_json(&high);
    assert!(v["safe_script"].is_object(), "a high-risk answer carries a script");
    assert_eq!(v["level"], "high");
    assert!(!v["reasons"].as_array().unwrap().is_empty());
    assert_eq!(to_json(&low)["level"], "low");
}

#[test]
fn every_module_answers_in_the_same_shape() {
    let url = engine().analyze_url(&AnalyzeUrlRequest { url: "http://192.168.4.20/login".into() }).unwrap();
    let mut gift = payment(500.0, "gift_card");
    gift.did_they_contact_you_first = true;
    for r in [
        url,
        call(&["bank_impersonation", "verification_code_request"], None),
        call(&[], None),
        money(&gift),
        money(&payment(20.0, "check")),
        identity(&[("account_opened", true)]),
        identity(&[]),
    ] {
        assert_risk_response_shape(&to_json(&r));
    }
}

#[test]
fn levels_and_modules_use_the_old_names() {
    for (level, name) in [(Level::Low, "low"), (Level::Medium, "medium"), (Level::High, "high")] {
        assert_eq!(serde_json::to_value(level).unwrap(), name);
        assert_eq!(serde_json::from_value::<Level>(json!(name)).unwrap(), level);
    }
    for (module, name) in [
        (Module::Callguard, "callguard"),
        (Module::Moneyguard, "moneyguard"),
        (Module::Inboxguard, "inboxguard"),
        (Module::Identitywatch, "identitywatch"),
    ] {
        assert_eq!(serde_json::to_value(module).unwrap(), name);
        assert_eq!(serde_json::from_value::<Module>(json!(name)).unwrap(), module);
        assert_eq!(name.parse::<Module>().unwrap(), module);
    }
}

#[test]
fn analyze_text_request_reads_every_old_channel() {
    for (name, channel) in
        [("email", Channel::Email), ("sms", Channel::Sms), ("whatsapp", Channel::Whatsapp), ("other", Channel::Other)]
    {
        let r: AnalyzeTextRequest = serde_json::from_value(json!({"text": "hello", "channel": name})).unwrap();
        assert_eq!(r, AnalyzeTextRequest { text: "hello".into(), channel });
        assert_eq!(serde_json::to_value(&r).unwrap(), json!({"text": "hello", "channel": name}));
    }
}

#[test]
fn analyze_url_request_is_just_the_url() {
    let r: AnalyzeUrlRequest = serde_json::from_value(json!({"url": "https://example.com/"})).unwrap();
    assert_eq!(r.url, "https://example.com/");
    assert_eq!(serde_json::to_value(&r).unwrap(), json!({"url": "https://example.com/"}));
}

#[test]
fn money_assess_request_reads_the_old_clients_json() {
    let old = json!({
        "amount": 500,
        "payment_method": "gift_card",
        "recipient": "IRS",
        "reason": "back taxes",
        "did_they_contact_you_first": true,
        "urgency_present": true,
        "asked_to_keep_secret": false,
        "asked_for_verification_code": false,
        "asked_for_remote_access": true,
        "impersonation_type": "government",
        "session_id": "3f2b6c1e-8f4e-4d6a-9a1b-2c3d4e5f6a7b"
    });
    let r: MoneyAssessRequest = serde_json::from_value(old.clone()).unwrap();
    assert_eq!(r.amount, 500.0);
    assert_eq!(r.payment_method, "gift_card");
    assert_eq!(r.recipient, "IRS");
    assert_eq!(r.reason, "back taxes");
    assert!(r.did_they_contact_you_first && r.urgency_present && r.asked_for_remote_access);
    assert!(!r.asked_to_keep_secret && !r.asked_for_verification_code);
    assert_eq!(r.impersonation_type.as_deref(), Some("government"));
    assert_eq!(r.session_id.as_deref(), Some("3f2b6c1e-8f4e-4d6a-9a1b-2c3d4e5f6a7b"));

    // Written back out, it has exactly the old fields.
    let mut out = serde_json::to_value(&r).unwrap();
    assert_eq!(keys(&out), keys(&old));
    out["amount"] = json!(500);
    assert_eq!(out, old);
}

#[test]
fn money_assess_request_fills_in_what_old_clients_leave_out() {
    let r: MoneyAssessRequest =
        serde_json::from_value(json!({"amount": 25.5, "payment_method": "zelle", "impersonation_type": null})).unwrap();
    assert_eq!(r, payment(25.5, "zelle"));
    // Fields a newer or older client adds are ignored, not refused.
    let r: MoneyAssessRequest =
        serde_json::from_value(json!({"amount": 1, "payment_method": "cash", "currency": "USD"})).unwrap();
    assert_eq!(r.payment_method, "cash");
}

#[test]
fn safe_steps_json_is_checklist_and_scripts() {
    let v = serde_json::to_value(engine().safe_steps()).unwrap();
    assert_eq!(keys(&v), ["checklist", "scripts"]);
    for item in v["checklist"].as_array().unwrap().iter().chain(v["scripts"].as_array().unwrap()) {
        assert_action(item);
    }
    let back: SafeSteps = serde_json::from_value(v).unwrap();
    assert_eq!(back, engine().safe_steps());
}

#[test]
fn session_event_reads_type_payload_timestamp() {
    let v = json!({
        "type": "signal",
        "payload": {"signal_key": "gift_cards", "phone_number": "+1 202 555 0147"},
        "timestamp": "2024-05-14T10:30:00Z"
    });
    let e: SessionEvent = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(e.kind, "signal");
    assert_eq!(e.payload["signal_key"], "gift_cards");
    assert_eq!(e.timestamp.as_deref(), Some("2024-05-14T10:30:00Z"));
    assert_eq!(e.id, None);
    assert_eq!(serde_json::to_value(&e).unwrap(), v, "written back with `type`, not the Rust field name");

    // As GET /v1/session/{id} returns it: with the stored id.
    let stored = json!({"id": "7", "type": "note", "payload": {"text": "he said he is from the bank"}, "timestamp": "2024-05-14T10:31:00Z"});
    let e: SessionEvent = serde_json::from_value(stored.clone()).unwrap();
    assert_eq!(e.id.as_deref(), Some("7"));
    assert_eq!(serde_json::to_value(&e).unwrap(), stored);
}

#[test]
fn call_and_identity_requests_read_their_json() {
    let c: CallAssessRequest =
        serde_json::from_value(json!({"signals": ["urgency", "gift_cards"], "transcript": "buy the cards now"}))
            .unwrap();
    assert_eq!(c.signals, ["urgency", "gift_cards"]);
    assert_eq!(c.transcript.as_deref(), Some("buy the cards now"));
    let c: CallAssessRequest = serde_json::from_value(json!({"signals": ["urgency"]})).unwrap();
    assert_eq!(c.transcript, None);

    let i: IdentityCheckRequest =
        serde_json::from_value(json!({"signals": {"account_opened": true, "new_device_login": false}})).unwrap();
    assert_eq!(i.signals.get("account_opened"), Some(&true));
    assert_eq!(i.signals.get("new_device_login"), Some(&false));
    // The old check_risk body also carries the profile id; the engine ignores it.
    let i: IdentityCheckRequest =
        serde_json::from_value(json!({"profile_id": "p1", "signals": {"address_change": true}})).unwrap();
    assert_eq!(i.signals.len(), 1);
}

#[test]
fn free_functions_agree_with_the_bundled_engine() {
    let text = AnalyzeTextRequest { text: "Your account has been suspended, verify now".into(), channel: Channel::Sms };
    assert_eq!(guardian_engine::analyze_text(&text).unwrap(), engine().analyze_text(&text).unwrap());
    let url = AnalyzeUrlRequest { url: "https://www.paypal.com@evil.example/".into() };
    assert_eq!(guardian_engine::analyze_url(&url).unwrap(), engine().analyze_url(&url).unwrap());
    let m = payment(300.0, "zelle");
    assert_eq!(guardian_engine::assess_money(&m).unwrap(), engine().assess_money(&m).unwrap());
    let c = CallAssessRequest { signals: vec!["urgency".into()], transcript: None };
    assert_eq!(guardian_engine::assess_call(&c).unwrap(), engine().assess_call(&c));
    let i = IdentityCheckRequest { signals: [("account_opened".to_string(), true)].into() };
    assert_eq!(guardian_engine::check_identity(&i).unwrap(), engine().check_identity(&i));
    assert_eq!(engine().analyze_text(&text).unwrap().metadata.pack_version, engine().pack_version());
}
