//! MoneyGuard: should this payment go ahead? Payment methods are weighed by how hard the
//! money is to get back; the story around it (who asked, how, why) by the rules.

use crate::error::EngineError;
use crate::model::{MAX_AMOUNT, Metadata, Module, MoneyAssessRequest, RiskResponse, SafeSteps};
use crate::pack::Rule;
use crate::{Engine, call::normalize_key, respond::respond, text};

/// Canonical payment methods (the `method.*` facts) and the names clients use for them.
/// Sorted by canonical name; a test keeps it so.
pub const PAYMENT_METHODS: &[(&str, &[&str])] = &[
    (
        "bank_transfer",
        &["ach", "transfer", "faster_payment", "direct_deposit", "online_banking", "e_transfer", "interac"],
    ),
    ("cash", &["cash_in_hand"]),
    ("cash_app", &["cashapp", "square_cash"]),
    ("cash_courier", &["courier", "cash_pickup", "cash_in_person", "cash_to_courier"]),
    ("cash_mail", &["mail_cash", "cash_by_mail", "cash_in_mail", "cash_mailed", "mailed_cash"]),
    ("check", &["cheque", "personal_check", "cashiers_check"]),
    ("credit_card", &["card", "credit", "creditcard"]),
    ("crypto", &["cryptocurrency", "bitcoin", "btc", "ethereum", "eth", "usdt", "tether", "bitcoin_atm", "crypto_atm"]),
    ("debit_card", &["debit", "debitcard"]),
    (
        "gift_card",
        &[
            "gift_cards",
            "giftcard",
            "giftcards",
            "itunes",
            "apple_gift_card",
            "google_play",
            "steam",
            "amazon_gift_card",
            "ebay_gift_card",
        ],
    ),
    ("moneygram", &["money_gram"]),
    ("other", &[]),
    ("paypal", &["pay_pal"]),
    ("prepaid_card", &["prepaid", "prepaid_debit", "green_dot", "vanilla", "reloadable_card"]),
    ("venmo", &[]),
    ("western_union", &["westernunion", "wu", "money_transfer"]),
    ("wire_transfer", &["wire", "bank_wire", "swift", "international_wire"]),
    ("zelle", &[]),
];

/// Who the requester claims to be (the `impersonation.*` facts) and aliases.
const IMPERSONATION_KINDS: &[(&str, &[&str])] = &[
    ("bank", &["your_bank", "bank_fraud_department", "credit_card_company"]),
    ("business", &["company", "retailer", "amazon", "store", "employer"]),
    ("charity", &["church", "nonprofit"]),
    ("family", &["grandchild", "grandson", "granddaughter", "relative", "friend", "family_member"]),
    (
        "government",
        &["irs", "ssa", "social_security", "medicare", "hmrc", "tax", "government_agency", "court", "immigration"],
    ),
    ("investment", &["broker", "crypto_exchange", "financial_advisor"]),
    ("lottery", &["sweepstakes", "prize"]),
    ("none", &["", "no", "nobody", "n/a", "na"]),
    ("other", &["unknown", "someone_else"]),
    ("police", &["sheriff", "law_enforcement", "fbi", "lawyer", "attorney"]),
    ("romance", &["partner", "online_friend", "dating", "boyfriend", "girlfriend"]),
    ("tech_support", &["microsoft", "apple", "computer_support", "antivirus", "internet_provider"]),
    ("utility", &["electric", "gas", "water", "power_company", "phone_company"]),
];

/// Amount bands, as `amount.over_N` facts.
const AMOUNT_BANDS: &[(f64, &str)] = &[
    (500.0, "amount.over_500"),
    (2_000.0, "amount.over_2000"),
    (10_000.0, "amount.over_10000"),
    (50_000.0, "amount.over_50000"),
];

const FLAGS: &[&str] = &[
    "flag.contacted_first",
    "flag.urgency",
    "flag.secret",
    "flag.code",
    "flag.remote_access",
    "flag.recipient_unknown",
];

pub(crate) fn facts(categories: &[String]) -> Vec<String> {
    PAYMENT_METHODS
        .iter()
        .map(|(m, _)| format!("method.{m}"))
        .chain(IMPERSONATION_KINDS.iter().map(|(k, _)| format!("impersonation.{k}")))
        .chain(AMOUNT_BANDS.iter().map(|(_, f)| f.to_string()))
        .chain(FLAGS.iter().map(|f| f.to_string()))
        .chain(categories.iter().map(|c| format!("text.{c}")))
        .collect()
}

/// Looks a client's name for something up in an alias table: the canonical name, or None.
fn canonical(table: &'static [(&'static str, &'static [&'static str])], raw: &str) -> Option<&'static str> {
    let key = normalize_key(raw);
    table.iter().find(|(name, aliases)| *name == key || aliases.contains(&key.as_str())).map(|(name, _)| *name)
}

/// The canonical payment method for a client's name for it, if known.
pub fn canonical_payment_method(raw: &str) -> Option<&'static str> {
    canonical(PAYMENT_METHODS, raw)
}

fn validate(request: &MoneyAssessRequest) -> Result<(), EngineError> {
    let a = request.amount;
    if a.is_nan() {
        return Err(EngineError::input("amount", "is not a number"));
    }
    if !(0.0..=MAX_AMOUNT).contains(&a) {
        return Err(EngineError::input("amount", format!("must be between 0 and {MAX_AMOUNT:.0}, got {a}")));
    }
    if request.payment_method.trim().is_empty() {
        return Err(EngineError::input(
            "payment_method",
            "is empty; say how they want to be paid (e.g. gift_card, wire_transfer, zelle)",
        ));
    }
    Ok(())
}

fn fired<'e>(engine: &'e Engine, request: &MoneyAssessRequest) -> Result<(Vec<&'e Rule>, Metadata), EngineError> {
    validate(request)?;
    let set = &engine.pack.money;
    let mut facts = set.facts();
    let mut metadata = Metadata::default();

    let method = canonical(PAYMENT_METHODS, &request.payment_method).unwrap_or_else(|| {
        metadata
            .notes
            .push(format!("payment method '{}' is not one I know; judged as 'other'", request.payment_method.trim()));
        "other"
    });
    facts.set_joined("method.", method);

    let claimed = request.impersonation_type.as_deref().unwrap_or("none");
    let kind = canonical(IMPERSONATION_KINDS, claimed).unwrap_or_else(|| {
        metadata.notes.push(format!("impersonation type '{}' is not one I know; judged as 'other'", claimed.trim()));
        "other"
    });
    facts.set_joined("impersonation.", kind);

    for &(limit, fact) in AMOUNT_BANDS {
        if request.amount > limit {
            facts.set(fact);
        }
    }
    for (on, flag) in [
        (request.did_they_contact_you_first, "flag.contacted_first"),
        (request.urgency_present, "flag.urgency"),
        (request.asked_to_keep_secret, "flag.secret"),
        (request.asked_for_verification_code, "flag.code"),
        (request.asked_for_remote_access, "flag.remote_access"),
        (request.recipient.trim().is_empty(), "flag.recipient_unknown"),
    ] {
        if on {
            facts.set(flag);
        }
    }

    let story = format!("{}\n{}", request.recipient, request.reason);
    if !story.trim().is_empty() {
        for category in text::story_categories(engine, &story) {
            facts.set_joined("text.", category);
        }
    }
    let fired = set.evaluate(&facts, &[]).into_iter().map(|i| &set.rules[i]).collect();
    Ok((fired, metadata))
}

pub(crate) fn assess(engine: &Engine, request: &MoneyAssessRequest) -> Result<RiskResponse, EngineError> {
    let (fired, metadata) = fired(engine, request)?;
    Ok(respond(engine, Module::Moneyguard, &fired, metadata))
}

pub(crate) fn safe_steps(engine: &Engine) -> SafeSteps {
    let pack = &engine.pack;
    SafeSteps {
        checklist: pack.safe_steps.checklist.iter().map(|&i| pack.actions[i].clone()).collect(),
        scripts: pack.safe_steps.scripts.clone(),
    }
}

pub(crate) fn check_examples(engine: &Engine) -> Result<(), EngineError> {
    crate::run_examples(&engine.pack.money, |example| {
        let request: MoneyAssessRequest =
            example.clone().try_into().map_err(|e: toml::de::Error| EngineError::input("example", e.to_string()))?;
        let (fired, _) = fired(engine, &request)?;
        Ok(fired.iter().map(|r| r.id.clone()).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_tables_are_sorted_and_unambiguous() {
        for table in [PAYMENT_METHODS, IMPERSONATION_KINDS] {
            for pair in table.windows(2) {
                assert!(pair[0].0 < pair[1].0, "{} must sort before {}", pair[0].0, pair[1].0);
            }
            let mut names: Vec<&str> =
                table.iter().flat_map(|(n, a)| std::iter::once(*n).chain(a.iter().copied())).collect();
            let n = names.len();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), n, "an alias appears twice");
        }
    }

    #[test]
    fn clients_names_for_methods_are_understood() {
        assert_eq!(canonical_payment_method("Gift Cards"), Some("gift_card"));
        assert_eq!(canonical_payment_method("bitcoin-atm"), Some("crypto"));
        assert_eq!(canonical_payment_method("Western Union"), Some("western_union"));
        assert_eq!(canonical_payment_method("carrier pigeon"), None);
    }
}
