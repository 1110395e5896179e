//! What a check was about, in a line, for Past checks.

use guardian_engine::{
    AnalyzeTextRequest, AnalyzeUrlRequest, CallAssessRequest, IdentityCheckRequest, Module, MoneyAssessRequest,
    RiskResponse,
};

use crate::history::NewAssessment;

/// What a check was about, ready to save beside its answer: which guard, and a short
/// description in the person's own terms (shared by the CLI and the app, so Past checks
/// read the same wherever the check was made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// Which guard answered.
    pub module: Module,
    /// A short description of what was checked (shortened again when saved).
    pub summary: String,
}

impl Checked {
    /// A message.
    pub fn text(request: &AnalyzeTextRequest) -> Checked {
        Checked { module: Module::Inboxguard, summary: request.text.clone() }
    }

    /// A link.
    pub fn url(request: &AnalyzeUrlRequest) -> Checked {
        Checked { module: Module::Inboxguard, summary: format!("Link: {}", request.url.trim()) }
    }

    /// A payment request: "Pay 500 by gift_card to … : reason".
    pub fn money(request: &MoneyAssessRequest) -> Checked {
        let method = request.payment_method.trim();
        let to = request.recipient.trim();
        let mut summary = format!("Pay {} by {method}", trim_amount(request.amount));
        if !to.is_empty() {
            summary.push_str(&format!(" to {to}"));
        }
        if !request.reason.trim().is_empty() {
            summary.push_str(&format!(": {}", request.reason.trim()));
        }
        Checked { module: Module::Moneyguard, summary }
    }

    /// A call: the signs noticed and what the caller said.
    pub fn call(request: &CallAssessRequest) -> Checked {
        let mut summary = String::from("Call");
        if !request.signals.is_empty() {
            summary.push_str(&format!(": {}", request.signals.join(", ")));
        }
        if let Some(transcript) = request.transcript.as_deref().filter(|t| !t.trim().is_empty()) {
            summary.push_str(&format!(" — \"{}\"", transcript.trim()));
        }
        Checked { module: Module::Callguard, summary }
    }

    /// A call kept as a session: the signs tapped (`signal` events) and what the caller
    /// said (`note` events), in order.
    pub fn call_session(events: &[crate::sessions::StoredEvent]) -> Checked {
        let mut request = CallAssessRequest::default();
        let mut said = Vec::new();
        for event in events {
            let field = |name: &str| event.payload.get(name).and_then(|v| v.as_str()).map(str::to_owned);
            match event.kind.as_str() {
                "signal" => request.signals.extend(field("signal_key")),
                "note" => said.extend(field("text")),
                _ => {}
            }
        }
        if !said.is_empty() {
            request.transcript = Some(said.join(" / "));
        }
        Checked::call(&request)
    }

    /// Identity warning signs.
    pub fn identity(request: &IdentityCheckRequest) -> Checked {
        let signs: Vec<&str> = request.signals.iter().filter(|(_, on)| **on).map(|(k, _)| k.as_str()).collect();
        Checked { module: Module::Identitywatch, summary: format!("Identity signs: {}", signs.join(", ")) }
    }

    /// The record to save with `response`.
    pub fn as_new<'a>(&'a self, response: &'a RiskResponse) -> NewAssessment<'a> {
        NewAssessment { module: self.module, summary: &self.summary, response, session_id: None, user_id: None }
    }
}

fn trim_amount(amount: f64) -> String {
    if amount.fract() == 0.0 { format!("{amount:.0}") } else { format!("{amount:.2}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sessions::StoredEvent;

    #[test]
    fn a_call_session_reads_as_its_signs_and_words() {
        let event = |kind: &str, payload: serde_json::Value| StoredEvent {
            id: "e".to_owned(),
            kind: kind.to_owned(),
            payload,
            timestamp: None,
            recorded_at: chrono::DateTime::default(),
        };
        let events = [
            event("signal", serde_json::json!({"signal_key": "gift_cards"})),
            event("note", serde_json::json!({"text": "buy the cards now"})),
            event("signal", serde_json::json!({"signal_key": "urgency"})),
        ];
        let checked = Checked::call_session(&events);
        assert_eq!(checked.module, Module::Callguard);
        assert_eq!(checked.summary, "Call: gift_cards, urgency — \"buy the cards now\"");
    }
}
