//! Shared helpers: the engine, request builders, the `check` helpers and the invariants
//! every answer must keep, whatever the module.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;

use guardian_engine::{
    AnalyzeTextRequest, AnalyzeUrlRequest, CallAssessRequest, Channel, Engine, EngineError, IdentityCheckRequest,
    Level, MoneyAssessRequest, RiskResponse,
};

/// The bundled engine; a broken pack fails every test with the pack's own error.
pub fn engine() -> &'static Engine {
    Engine::bundled().unwrap_or_else(|e| panic!("the bundled rule pack does not load: {e}"))
}

/// What a case expects of the level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Exactly this level.
    Is(Level),
    /// This level or a higher one.
    AtLeast(Level),
}

pub const LOW: Expect = Expect::Is(Level::Low);
pub const MEDIUM: Expect = Expect::Is(Level::Medium);
pub const HIGH: Expect = Expect::Is(Level::High);
/// Medium or high: "at least be careful".
pub const WARN: Expect = Expect::AtLeast(Level::Medium);

impl Expect {
    pub fn accepts(self, level: Level) -> bool {
        match self {
            Expect::Is(want) => level == want,
            Expect::AtLeast(min) => level >= min,
        }
    }
}

/// One line about an answer, for failure messages: score, level and fired rules.
pub fn summary(r: &RiskResponse) -> String {
    format!("score {} ({}) rules {:?}", r.score, r.level, r.metadata.rules)
}

/// The invariants every answer keeps: score within 0..=100, the level agrees with the
/// score (≥ 70 high, ≥ 35 medium), one reason per fired rule, no building blocks shown,
/// the pack version stamped, a next action to take.
pub fn assert_invariants(r: &RiskResponse) {
    assert!(r.score <= 100, "score out of range: {}", summary(r));
    let level = match r.score {
        70.. => Level::High,
        35.. => Level::Medium,
        _ => Level::Low,
    };
    assert_eq!(r.level, level, "level does not match the score: {}", summary(r));
    assert_eq!(r.reasons.len(), r.metadata.rules.len(), "reasons must be exactly the fired rules': {}", summary(r));
    assert!(r.reasons.iter().all(|s| !s.trim().is_empty()), "empty reason: {:?}", r.reasons);
    let mut ids = r.metadata.rules.clone();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), r.metadata.rules.len(), "a rule is listed twice: {}", summary(r));
    assert!(
        r.metadata.rules.iter().all(|id| !id.starts_with("__")),
        "building blocks score nothing and are not shown: {}",
        summary(r)
    );
    assert!(
        r.score == 0 || !r.metadata.rules.is_empty(),
        "every point of score comes from a named rule: {}",
        summary(r)
    );
    assert!(!r.metadata.pack_version.is_empty(), "no pack version");
    assert!(!r.next_action.trim().is_empty(), "no next action: {}", summary(r));
    assert!(!r.recommended_actions.is_empty(), "no checklist: {}", summary(r));
    for a in &r.recommended_actions {
        assert!(!a.id.is_empty() && !a.title.is_empty() && !a.detail.is_empty(), "incomplete action {a:?}");
    }
}

/// Collects failed cases so one test reports every failing line of its table at once.
#[derive(Default)]
pub struct Failures(String);

impl Failures {
    pub fn add(&mut self, case: impl std::fmt::Display, expected: impl std::fmt::Debug, got: impl std::fmt::Display) {
        let _ = writeln!(self.0, "\n  case:     {case}\n  expected: {expected:?}\n  got:      {got}");
    }

    pub fn check(&mut self, case: impl std::fmt::Display, expected: Expect, r: &RiskResponse) {
        assert_invariants(r);
        if !expected.accepts(r.level) {
            self.add(case, expected, summary(r));
        }
    }

    pub fn finish(self) {
        assert!(self.0.is_empty(), "cases failed:{}", self.0);
    }
}

// ------------------------------------------------------------------ InboxGuard text

pub fn text_request(channel: Channel, text: &str) -> AnalyzeTextRequest {
    AnalyzeTextRequest { text: text.to_string(), channel }
}

/// Analyses a message that must be accepted.
pub fn analyze(channel: Channel, text: &str) -> RiskResponse {
    let r = engine()
        .analyze_text(&text_request(channel, text))
        .unwrap_or_else(|e| panic!("analyze_text({text:?}) failed: {e}"));
    assert_invariants(&r);
    r
}

pub fn sms(text: &str) -> RiskResponse {
    analyze(Channel::Sms, text)
}

pub fn email(text: &str) -> RiskResponse {
    analyze(Channel::Email, text)
}

/// Runs a table of `(channel, message, expected level)` and reports every miss.
pub fn check_texts(cases: &[(Channel, &str, Expect)]) {
    let mut failures = Failures::default();
    for &(channel, text, expected) in cases {
        let r = analyze(channel, text);
        failures.check(format!("[{}] {text}", channel.as_str()), expected, &r);
    }
    failures.finish();
}

// ------------------------------------------------------------------ InboxGuard URL

pub fn url_request(url: &str) -> AnalyzeUrlRequest {
    AnalyzeUrlRequest { url: url.to_string() }
}

pub fn analyze_url(url: &str) -> Result<RiskResponse, EngineError> {
    let r = engine().analyze_url(&url_request(url));
    if let Ok(r) = &r {
        assert_invariants(r);
    }
    r
}

pub fn check_urls(cases: &[(&str, Expect)]) {
    let mut failures = Failures::default();
    for &(url, expected) in cases {
        match analyze_url(url) {
            Ok(r) => failures.check(url, expected, &r),
            Err(e) => failures.add(url, expected, format!("error: {e}")),
        }
    }
    failures.finish();
}

// ------------------------------------------------------------------ CallGuard

pub fn call(signals: &[&str], transcript: Option<&str>) -> RiskResponse {
    let r = engine().assess_call(&CallAssessRequest {
        signals: signals.iter().map(|s| s.to_string()).collect(),
        transcript: transcript.map(str::to_string),
    });
    assert_invariants(&r);
    r
}

// ------------------------------------------------------------------ MoneyGuard

/// A payment request with every yes/no answer "no".
pub fn payment(amount: f64, method: &str) -> MoneyAssessRequest {
    MoneyAssessRequest {
        amount,
        payment_method: method.to_string(),
        recipient: String::new(),
        reason: String::new(),
        did_they_contact_you_first: false,
        urgency_present: false,
        asked_to_keep_secret: false,
        asked_for_verification_code: false,
        asked_for_remote_access: false,
        impersonation_type: None,
        session_id: None,
    }
}

pub fn money(request: &MoneyAssessRequest) -> RiskResponse {
    let r = engine().assess_money(request).unwrap_or_else(|e| panic!("assess_money({request:?}) failed: {e}"));
    assert_invariants(&r);
    r
}

// ------------------------------------------------------------------ IdentityWatch

pub fn identity(signals: &[(&str, bool)]) -> RiskResponse {
    let request =
        IdentityCheckRequest { signals: signals.iter().map(|&(k, v)| (k.to_string(), v)).collect::<BTreeMap<_, _>>() };
    let r = engine().check_identity(&request);
    assert_invariants(&r);
    r
}

// ------------------------------------------------------------------ errors

/// Asserts an input error that names `field` (the old API's 4xx, with a message that
/// says what was wrong).
pub fn assert_input_error(result: Result<RiskResponse, EngineError>, field: &str) -> EngineError {
    let e = match result {
        Ok(r) => panic!("expected an error naming {field}, got an answer: {}", summary(&r)),
        Err(e) => e,
    };
    assert!(e.is_input_error(), "{e} should be an input error");
    assert!(e.to_string().contains(field), "error {e:?} should name {field}");
    e
}

/// A `(signal key, rule id)` table names exactly the keys the engine knows.
pub fn assert_table_covers(table: &[(&str, &str)], known: &[&str]) {
    let mut ours: Vec<&str> = table.iter().map(|(k, _)| *k).collect();
    let mut engine: Vec<&str> = known.to_vec();
    ours.sort_unstable();
    engine.sort_unstable();
    assert_eq!(ours, engine);
}

/// Each signal alone scores and fires its rule, and is not reported unknown.
pub fn assert_each_signal_fires(table: &[(&str, &str)], assess: impl Fn(&str) -> RiskResponse) {
    let mut failures = Failures::default();
    for &(key, rule) in table {
        let r = assess(key);
        if r.score == 0 || !r.metadata.rules.iter().any(|id| id == rule) {
            failures.add(key, rule, summary(&r));
        }
        assert!(r.metadata.unknown_signals.is_empty(), "{key} is a known signal");
    }
    failures.finish();
}
