//! What is shared with the server, and the records queued for it.
//!
//! By default a record carries only the module, the level, the score, the fired rules' ids,
//! the rule pack's version and the time — never what was checked. A person may opt in to
//! share more: the message text (shortened), the link, amounts, names (e.g. a payee).

use chrono::{DateTime, Utc};
use guardian_engine::{Module, RiskResponse};
use guardian_store::SharedDetails;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What the person agreed to share beyond the defaults. All off by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharePolicy {
    /// The message text or what a caller said (shortened to 120 characters).
    #[serde(default)]
    pub text: bool,
    /// Links.
    #[serde(default)]
    pub url: bool,
    /// Amounts of money.
    #[serde(default)]
    pub amounts: bool,
    /// Names (e.g. who the money was for).
    #[serde(default)]
    pub names: bool,
}

impl SharePolicy {
    /// The parts of `details` this policy allows; `None` when that is nothing.
    pub fn allowed(self, details: &SharedDetails) -> Option<SharedDetails> {
        let kept = SharedDetails {
            text: details.text.clone().filter(|_| self.text),
            url: details.url.clone().filter(|_| self.url),
            amount: details.amount.filter(|_| self.amounts),
            names: if self.names { details.names.clone() } else { Vec::new() },
        };
        (kept != SharedDetails::default()).then_some(kept)
    }
}

/// What kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// One check.
    Assessment,
    /// A call (or other session) as a whole, when it ended.
    SessionSummary,
}

impl RecordKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Assessment => "assessment",
            RecordKind::SessionSummary => "session_summary",
        }
    }
}

/// The payload queued in the outbox (the record's id is the outbox record's).
pub(crate) fn payload(
    kind: RecordKind,
    module: Module,
    response: &RiskResponse,
    details: Option<SharedDetails>,
    now: DateTime<Utc>,
) -> Value {
    let mut value = json!({
        "kind": kind.as_str(),
        "module": module.as_str(),
        "level": response.level.as_str(),
        "score": response.score,
        "rule_ids": response.metadata.rules.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
        "pack_version": response.metadata.pack_version.to_string(),
        "created_at": now,
    });
    if let Some(details) = details {
        value["details"] = json!(details);
    }
    value
}

/// The record as sent: the queued payload with its id, details cut to the policy in force
/// now (a person who shares less since the check was queued is obeyed).
pub(crate) fn wire_record(id: &str, payload: &Value, policy: SharePolicy) -> Value {
    let mut record = payload.clone();
    record["id"] = json!(id);
    let details = payload
        .get("details")
        .and_then(|d| serde_json::from_value::<SharedDetails>(d.clone()).ok())
        .and_then(|d| policy.allowed(&d));
    match details {
        Some(details) => record["details"] = json!(details),
        None => {
            if let Some(map) = record.as_object_mut() {
                map.remove("details");
            }
        }
    }
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardian_engine::MoneyAssessRequest;
    use guardian_store::Checked;

    #[test]
    fn by_default_nothing_that_was_checked_is_shared() {
        let request = MoneyAssessRequest {
            amount: 2500.0,
            payment_method: "gift_card".to_owned(),
            recipient: "Officer Smith".to_owned(),
            reason: "tax debt".to_owned(),
            ..serde_json::from_value(json!({"amount": 1, "payment_method": "cash"})).unwrap()
        };
        let details = Checked::money(&request).shareable;
        assert_eq!(SharePolicy::default().allowed(&details), None);
        let some = SharePolicy { amounts: true, ..SharePolicy::default() }.allowed(&details).unwrap();
        assert_eq!((some.amount, some.text.as_deref(), some.names.len()), (Some(2500.0), None, 0));
        let payload = json!({"kind": "assessment", "details": {"text": "tax debt", "names": ["Officer Smith"]}});
        let sent = wire_record("id-1", &payload, SharePolicy { names: true, ..SharePolicy::default() });
        assert_eq!(sent["details"], json!({"names": ["Officer Smith"]}));
        assert_eq!(sent["id"], "id-1");
        let sent = wire_record("id-1", &payload, SharePolicy::default());
        assert!(sent.get("details").is_none());
    }
}
