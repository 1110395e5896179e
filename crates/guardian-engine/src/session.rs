//! Sessions: a session is its list of events (the old API's event types); its risk is a
//! pure function of them, folded in order.
//!
//! - CallGuard: `signal` events add warning signs (`signal_key`, optional `free_text`);
//!   `note` events add to what the caller said. The risk is the call so far.
//! - MoneyGuard: `assess` events carry a payment; the latest one is the session's risk.
//! - InboxGuard: `text` and `url` events are checked one by one; the riskiest counts.
//! - IdentityWatch: `signals` events set signals; later values override earlier ones.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::Engine;
use crate::error::EngineError;
use crate::model::{
    AnalyzeTextRequest, AnalyzeUrlRequest, CallAssessRequest, IdentityCheckRequest, Module, MoneyAssessRequest,
    RiskResponse, SessionEvent,
};

/// An event, understood.
enum Parsed {
    Signal { key: String, free_text: Option<String> },
    Note(String),
    Money(Box<MoneyAssessRequest>),
    Text(AnalyzeTextRequest),
    Url(AnalyzeUrlRequest),
    Identity(IdentityCheckRequest),
}

#[derive(Deserialize)]
struct SignalPayload {
    signal_key: String,
    #[serde(default)]
    free_text: Option<String>,
    // phone_number is accepted and kept by the store, but says nothing about the risk.
}

#[derive(Deserialize)]
struct NotePayload {
    text: String,
}

fn payload<T: DeserializeOwned>(event: &SessionEvent) -> Result<T, EngineError> {
    T::deserialize(&event.payload)
        .map_err(|e| EngineError::input("payload", format!("for a '{}' event: {e}", event.kind)))
}

/// The event types each module accepts, for error messages.
fn accepted(module: Module) -> &'static str {
    match module {
        Module::Callguard => "'signal' or 'note'",
        Module::Moneyguard => "'assess'",
        Module::Inboxguard => "'text' or 'url'",
        Module::Identitywatch => "'signals'",
    }
}

fn parse(module: Module, event: &SessionEvent) -> Result<Parsed, EngineError> {
    let parsed = match (module, event.kind.as_str()) {
        (Module::Callguard, "signal") => {
            let p: SignalPayload = payload(event)?;
            Parsed::Signal { key: p.signal_key, free_text: p.free_text }
        }
        (Module::Callguard, "note") => Parsed::Note(payload::<NotePayload>(event)?.text),
        (Module::Moneyguard, "assess") => Parsed::Money(Box::new(payload(event)?)),
        (Module::Inboxguard, "text") => Parsed::Text(payload(event)?),
        (Module::Inboxguard, "url") => Parsed::Url(payload(event)?),
        (Module::Identitywatch, "signals") => {
            // Accept both `{name: bool}` and `{signals: {name: bool}}`.
            let wrapped = event.payload.get("signals").filter(|v| v.is_object()).is_some();
            if wrapped {
                Parsed::Identity(payload(event)?)
            } else {
                Parsed::Identity(IdentityCheckRequest { signals: payload(event)? })
            }
        }
        (m, other) => {
            return Err(EngineError::input("type", format!("'{other}' is not a {m} event (expected {})", accepted(m))));
        }
    };
    Ok(parsed)
}

/// Running state of a fold.
#[derive(Default)]
struct Fold {
    call: CallAssessRequest,
    call_seen: bool,
    identity: IdentityCheckRequest,
    identity_seen: bool,
    latest_money: Option<RiskResponse>,
    riskiest_item: Option<RiskResponse>,
}

impl Fold {
    /// Applies one event and returns that event's own assessment.
    fn apply(&mut self, engine: &Engine, parsed: Parsed) -> Result<RiskResponse, EngineError> {
        Ok(match parsed {
            Parsed::Signal { key, free_text } => {
                self.call_seen = true;
                self.call.signals.push(key);
                if let Some(t) = free_text {
                    self.add_transcript(&t);
                }
                engine.assess_call(&self.call)
            }
            Parsed::Note(text) => {
                self.call_seen = true;
                self.add_transcript(&text);
                engine.assess_call(&self.call)
            }
            Parsed::Money(request) => {
                let r = engine.assess_money(&request)?;
                self.latest_money = Some(r.clone());
                r
            }
            Parsed::Text(request) => self.keep_riskiest(engine.analyze_text(&request)?),
            Parsed::Url(request) => self.keep_riskiest(engine.analyze_url(&request)?),
            Parsed::Identity(request) => {
                self.identity_seen = true;
                self.identity.signals.extend(request.signals);
                engine.check_identity(&self.identity)
            }
        })
    }

    fn add_transcript(&mut self, text: &str) {
        let transcript = self.call.transcript.get_or_insert_with(String::new);
        if !transcript.is_empty() {
            transcript.push('\n');
        }
        transcript.push_str(text);
    }

    fn keep_riskiest(&mut self, r: RiskResponse) -> RiskResponse {
        if self.riskiest_item.as_ref().is_none_or(|best| r.score >= best.score) {
            self.riskiest_item = Some(r.clone());
        }
        r
    }

    fn risk(self, engine: &Engine, module: Module) -> Option<RiskResponse> {
        match module {
            Module::Callguard => self.call_seen.then(|| engine.assess_call(&self.call)),
            Module::Moneyguard => self.latest_money,
            Module::Inboxguard => self.riskiest_item,
            Module::Identitywatch => self.identity_seen.then(|| engine.check_identity(&self.identity)),
        }
    }
}

fn replay(engine: &Engine, module: Module, events: &[SessionEvent]) -> Result<Fold, EngineError> {
    let mut fold = Fold::default();
    for (i, event) in events.iter().enumerate() {
        let parsed = parse(module, event).map_err(|e| match e {
            EngineError::InvalidInput { field, message } => {
                EngineError::InvalidInput { field, message: format!("{message} (event {})", i + 1) }
            }
            other => other,
        })?;
        fold.apply(engine, parsed)?;
    }
    Ok(fold)
}

pub(crate) fn fold(
    engine: &Engine,
    module: Module,
    events: &[SessionEvent],
) -> Result<Option<RiskResponse>, EngineError> {
    Ok(replay(engine, module, events)?.risk(engine, module))
}

pub(crate) fn assess_event(
    engine: &Engine,
    module: Module,
    earlier: &[SessionEvent],
    event: &SessionEvent,
) -> Result<RiskResponse, EngineError> {
    let parsed = parse(module, event)?;
    let mut fold = replay(engine, module, earlier)?;
    fold.apply(engine, parsed)
}
