//! CallGuard: a call in progress, judged from the warning signs the person taps as they
//! happen (signal keys) and, optionally, what the caller said (read by the text rules).

use crate::error::EngineError;
use crate::model::{CallAssessRequest, Channel, Metadata, Module, RiskResponse};
use crate::pack::Rule;
use crate::{Engine, respond::respond, text};

/// The signal keys the old clients send, in the order the app shows them.
pub const CALL_SIGNALS: &[&str] = &[
    "urgency",
    "bank_impersonation",
    "government_impersonation",
    "tech_support",
    "remote_access_request",
    "verification_code_request",
    "gift_cards",
    "crypto_payment",
    "threats_or_arrest",
    "too_good_to_be_true",
    "asks_to_keep_secret",
    "caller_id_mismatch",
    "grandparent_scam",
    "family_emergency_scam",
    "medicare_scam",
    "health_insurance_scam",
    "romance_scam",
    "lottery_scam",
    "sweepstakes_scam",
    "investment_scam",
    "charity_scam",
    "disaster_relief_scam",
    "contractor_scam",
    "home_repair_scam",
    "upfront_payment_request",
    "wont_meet_in_person",
    "refuses_video_chat",
];

/// `signal.<key>` for every known key, and `text.<category>` for what the transcript shows.
pub(crate) fn facts(categories: &[String]) -> Vec<String> {
    CALL_SIGNALS.iter().map(|k| format!("signal.{k}")).chain(categories.iter().map(|c| format!("text.{c}"))).collect()
}

/// Normalises a signal key, payment method or claimed identity as clients send it
/// ("Gift Cards", "gift-cards" → "gift_cards").
pub fn normalize_key(key: &str) -> String {
    key.trim().to_ascii_lowercase().replace([' ', '-'], "_")
}

/// The rules fired for a call, plus metadata (unknown keys, transcript phrases).
pub(crate) fn fired<'e>(engine: &'e Engine, request: &CallAssessRequest) -> (Vec<&'e Rule>, Metadata) {
    let set = &engine.pack.call;
    let mut facts = set.facts();
    let mut metadata = Metadata::default();
    for raw in &request.signals {
        let key = normalize_key(raw);
        let known = CALL_SIGNALS.contains(&key.as_str()) && facts.set_joined("signal.", &key);
        if !known && !metadata.unknown_signals.contains(raw) {
            metadata.unknown_signals.push(raw.clone());
        }
    }
    if let Some(transcript) = request.transcript.as_deref().filter(|t| !t.trim().is_empty()) {
        let scan = text::scan(engine, transcript, Channel::Other);
        for category in scan.categories(engine) {
            facts.set_joined("text.", category);
        }
        metadata.matched_phrases = scan.metadata.matched_phrases;
        metadata.phone_numbers = scan.metadata.phone_numbers;
        metadata.urls = scan.metadata.urls;
        metadata.notes = scan.metadata.notes;
    }
    let fired = set.evaluate(&facts, &[]).into_iter().map(|i| &set.rules[i]).collect();
    (fired, metadata)
}

pub(crate) fn assess(engine: &Engine, request: &CallAssessRequest) -> RiskResponse {
    let (fired, metadata) = fired(engine, request);
    respond(engine, Module::Callguard, &fired, metadata)
}

/// Reads an example: `"signal_a signal_b"` or `{ signals = [...], transcript = "..." }`.
pub(crate) fn example_request(example: &toml::Value) -> Result<CallAssessRequest, EngineError> {
    match example {
        toml::Value::String(s) => {
            Ok(CallAssessRequest { signals: s.split_whitespace().map(str::to_string).collect(), transcript: None })
        }
        other => other.clone().try_into().map_err(|e: toml::de::Error| EngineError::input("example", e.to_string())),
    }
}

pub(crate) fn check_examples(engine: &Engine) -> Result<(), EngineError> {
    crate::run_examples(&engine.pack.call, |example| {
        let (fired, _) = fired(engine, &example_request(example)?);
        Ok(fired.iter().map(|r| r.id.clone()).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_list_is_unique() {
        let mut sorted = CALL_SIGNALS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), CALL_SIGNALS.len());
    }

    #[test]
    fn keys_are_normalised() {
        assert_eq!(normalize_key(" Gift-Cards "), "gift_cards");
    }
}
