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
