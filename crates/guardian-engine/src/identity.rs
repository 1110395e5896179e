//! IdentityWatch: signs that someone else is using a person's identity.

use crate::error::EngineError;
use crate::model::{IdentityCheckRequest, Metadata, Module, RiskResponse};
use crate::pack::Rule;
use crate::{Engine, call::normalize_key, respond::respond};

/// The signals the old clients send.
pub const IDENTITY_SIGNALS: &[&str] = &[
    "account_opened",
    "suspicious_inquiry",
    "password_reset_unknown",
    "new_device_login",
    "address_change",
    "credit_freeze_request",
    "reused_passwords",
    "clicked_suspicious_link",
    "ssn_requested_unexpectedly",
];

pub(crate) fn facts() -> Vec<String> {
    IDENTITY_SIGNALS.iter().map(|k| format!("signal.{k}")).collect()
}

fn fired<'e>(engine: &'e Engine, request: &IdentityCheckRequest) -> (Vec<&'e Rule>, Metadata) {
    let set = &engine.pack.identity;
    let mut facts = set.facts();
    let mut metadata = Metadata::default();
    for (raw, &present) in &request.signals {
        let key = normalize_key(raw);
        if !IDENTITY_SIGNALS.contains(&key.as_str()) {
            metadata.unknown_signals.push(raw.clone());
        } else if present {
            facts.set_joined("signal.", &key);
        }
    }
    let fired = set.evaluate(&facts, &[]).into_iter().map(|i| &set.rules[i]).collect();
    (fired, metadata)
}

pub(crate) fn assess(engine: &Engine, request: &IdentityCheckRequest) -> RiskResponse {
    let (fired, metadata) = fired(engine, request);
    respond(engine, Module::Identitywatch, &fired, metadata)
}

pub(crate) fn check_examples(engine: &Engine) -> Result<(), EngineError> {
    crate::run_examples(&engine.pack.identity, |example| {
        let keys = example
            .as_str()
            .ok_or_else(|| EngineError::input("example", "identity examples are strings of signal keys"))?;
        let request =
            IdentityCheckRequest { signals: keys.split_whitespace().map(|k| (k.to_string(), true)).collect() };
        let (fired, _) = fired(engine, &request);
        Ok(fired.iter().map(|r| r.id.clone()).collect())
    })
}
