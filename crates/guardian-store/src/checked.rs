//! What a check was about: a line for Past checks, and the parts a person may opt in to
//! share with their family's server.

use guardian_engine::{
    AnalyzeTextRequest, AnalyzeUrlRequest, CallAssessRequest, IdentityCheckRequest, Module, MoneyAssessRequest,
    RiskResponse,
};

use serde::{Deserialize, Serialize};

use crate::history::{NewAssessment, summarize};

/// What a check was about, ready to save beside its answer: which guard, a short
/// description in the person's own terms (shared by the CLI and the app, so Past checks
/// read the same wherever the check was made), and what could be shared if the person
/// opts in.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// Which guard answered.
    pub module: Module,
    /// A short description of what was checked (shortened again when saved).
    pub summary: String,
    /// The parts of the check a person may choose to share (sync sends only what their
    /// share settings allow).
    pub shareable: SharedDetails,
}

/// What was checked, beyond the module, level, score and rules that a synced record always
/// carries: each part is sent only if the person opted in to it. The sync wire shape (the
/// device sends it, the server stores it sealed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SharedDetails {
    /// The message text, or what a caller said (shortened).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The link checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The amount of money asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    /// Names (e.g. the payee), shortened.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
}

impl Checked {
    /// A message.
    pub fn text(request: &AnalyzeTextRequest) -> Checked {
        let shareable = SharedDetails { text: Some(summarize(&request.text)), ..SharedDetails::default() };
        Checked { module: Module::Inboxguard, summary: request.text.clone(), shareable }
    }

    /// A link.
    pub fn url(request: &AnalyzeUrlRequest) -> Checked {
        let url = request.url.trim();
        let shareable = SharedDetails { url: Some(url.to_owned()), ..SharedDetails::default() };
        Checked { module: Module::Inboxguard, summary: format!("Link: {url}"), shareable }
    }

    /// A payment request: "Pay 500 by gift_card to … : reason".
    pub fn money(request: &MoneyAssessRequest) -> Checked {
        let method = request.payment_method.trim();
        let to = request.recipient.trim();
        let mut summary = format!("Pay {} by {method}", trim_amount(request.amount));
        if !to.is_empty() {
            summary.push_str(&format!(" to {to}"));
        }
        let reason = request.reason.trim();
        if !reason.is_empty() {
            summary.push_str(&format!(": {reason}"));
        }
        let shareable = SharedDetails {
            text: (!reason.is_empty()).then(|| summarize(reason)),
            url: None,
            amount: Some(request.amount),
            names: if to.is_empty() { Vec::new() } else { vec![summarize(to)] },
        };
        Checked { module: Module::Moneyguard, summary, shareable }
    }

    /// A call: the signs noticed and what the caller said.
    pub fn call(request: &CallAssessRequest) -> Checked {
        let mut summary = String::from("Call");
        if !request.signals.is_empty() {
            summary.push_str(&format!(": {}", request.signals.join(", ")));
        }
        let transcript = request.transcript.as_deref().filter(|t| !t.trim().is_empty());
        if let Some(transcript) = transcript {
            summary.push_str(&format!(" — \"{}\"", transcript.trim()));
        }
        let shareable = SharedDetails { text: transcript.map(summarize), ..SharedDetails::default() };
        Checked { module: Module::Callguard, summary, shareable }
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
        let summary = format!("Identity signs: {}", signs.join(", "));
        Checked { module: Module::Identitywatch, summary, shareable: SharedDetails::default() }
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
        assert_eq!(checked.shareable.text.as_deref(), Some("buy the cards now"));
    }
}
