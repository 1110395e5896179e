//! MoneyGuard: should this payment go ahead?

use guardian_engine::{Level, MoneyAssessRequest, PAYMENT_METHODS, canonical_payment_method};

use crate::util::{Failures, HIGH, LOW, WARN, assert_input_error, engine, money, payment, summary};

fn irs_gift_cards() -> MoneyAssessRequest {
    MoneyAssessRequest {
        recipient: "IRS".into(),
        reason: "back taxes, or they said I would be arrested".into(),
        did_they_contact_you_first: true,
        urgency_present: true,
        ..payment(500.0, "gift_card")
    }
}

#[test]
fn gift_cards_for_the_irs_under_pressure_is_high_with_a_cool_off() {
    let r = money(&irs_gift_cards());
    assert_eq!(r.level, Level::High, "{}", summary(&r));
    assert!(r.metadata.rules.iter().any(|id| id == "MONEY_GIFT_CARD"), "{}", summary(&r));
    // The person is told not to pay, and to pause and check before anything else.
    let next = r.next_action.to_lowercase();
    assert!(
        next.contains("don't") || next.contains("do not"),
        "next action should stop the payment: {:?}",
        r.next_action
    );
    let ids: Vec<&str> = r.recommended_actions.iter().map(|a| a.id.as_str()).collect();
    assert!(ids.contains(&"wait_ten_minutes"), "a cool-off step is on the checklist: {ids:?}");
    assert!(r.safe_script.is_some());
}

#[test]
fn high_risk_payments_lead_with_the_cool_off_advice() {
    let r = money(&irs_gift_cards());
    assert!(r.next_action.contains("Wait 10 minutes"), "{:?}", r.next_action);
}

#[test]
fn paying_the_usual_plumber_by_check_is_low() {
    let r = money(&MoneyAssessRequest {
        recipient: "Bob's Plumbing, our usual plumber".into(),
        reason: "fixed the leak under the kitchen sink".into(),
        ..payment(200.0, "check")
    });
    assert_eq!((r.level, r.safe_script.as_ref()), (Level::Low, None), "{}", summary(&r));
}

#[test]
fn realistic_payments() {
    let mut failures = Failures::default();
    let cases: Vec<(&str, MoneyAssessRequest, crate::util::Expect)> = vec![
        (
            "'bank' asks to move savings to a safe account by wire",
            MoneyAssessRequest {
                impersonation_type: Some("bank".into()),
                did_they_contact_you_first: true,
                urgency_present: true,
                asked_to_keep_secret: true,
                reason: "move my savings to a safe account, fraud on my account".into(),
                ..payment(9_500.0, "wire_transfer")
            },
            HIGH,
        ),
        (
            "grandson in jail needs bail in cash, courier collects",
            MoneyAssessRequest {
                impersonation_type: Some("grandson".into()),
                recipient: "a courier for the lawyer".into(),
                reason: "bail money, grandson in jail, don't tell his parents".into(),
                did_they_contact_you_first: true,
                urgency_present: true,
                asked_to_keep_secret: true,
                ..payment(4_000.0, "cash_courier")
            },
            HIGH,
        ),
        (
            "tech support refund with remote access, paid in bitcoin",
            MoneyAssessRequest {
                impersonation_type: Some("microsoft".into()),
                did_they_contact_you_first: true,
                asked_for_remote_access: true,
                ..payment(1_500.0, "bitcoin_atm")
            },
            HIGH,
        ),
        (
            "fee to release lottery winnings by Western Union",
            MoneyAssessRequest {
                impersonation_type: Some("lottery".into()),
                reason: "processing fee to release my prize".into(),
                did_they_contact_you_first: true,
                ..payment(350.0, "western union")
            },
            HIGH,
        ),
        (
            "online sweetheart needs a plane ticket, Zelle",
            MoneyAssessRequest {
                impersonation_type: Some("romance".into()),
                reason: "plane ticket so he can come and visit me".into(),
                ..payment(900.0, "zelle")
            },
            WARN,
        ),
        (
            "birthday money for a grandchild by check",
            MoneyAssessRequest {
                recipient: "Emma".into(),
                reason: "birthday present".into(),
                ..payment(50.0, "check")
            },
            LOW,
        ),
        (
            "electricity bill by debit card",
            MoneyAssessRequest {
                recipient: "City Power & Light".into(),
                reason: "monthly bill".into(),
                ..payment(120.0, "debit_card")
            },
            LOW,
        ),
        (
            "groceries with a credit card",
            MoneyAssessRequest {
                recipient: "Safeway".into(),
                reason: "weekly shopping".into(),
                ..payment(85.0, "credit_card")
            },
            LOW,
        ),
        (
            "cash to the window cleaner",
            MoneyAssessRequest {
                recipient: "Dave the window cleaner".into(),
                reason: "windows".into(),
                ..payment(20.0, "cash")
            },
            LOW,
        ),
    ];
    for (label, request, expected) in cases {
        let r = money(&request);
        failures.check(label, expected, &r);
    }
    failures.finish();
}

#[test]
fn every_payment_method_name_and_alias_is_understood() {
    for &(name, aliases) in PAYMENT_METHODS {
        let spellings = std::iter::once(name).chain(aliases.iter().copied());
        for spelling in spellings {
            assert_eq!(canonical_payment_method(spelling), Some(name), "{spelling}");
            // As typed by people: spaces or hyphens for underscores, any case.
            let typed = spelling.replace('_', " ").to_uppercase();
            assert_eq!(canonical_payment_method(&typed), Some(name), "{typed}");
            let r = money(&MoneyAssessRequest { did_they_contact_you_first: true, ..payment(100.0, spelling) });
            assert!(
                r.metadata.notes.iter().all(|n| !n.contains("not one I know")),
                "{spelling}: {:?}",
                r.metadata.notes
            );
            let canonical = money(&MoneyAssessRequest { did_they_contact_you_first: true, ..payment(100.0, name) });
            assert_eq!(r, canonical, "{spelling} is assessed exactly as {name}");
        }
    }
}

#[test]
fn an_unknown_payment_method_is_assessed_as_other_with_a_note() {
    for method in ["carrier pigeon", "goats", "Бартер"] {
        let request =
            MoneyAssessRequest { did_they_contact_you_first: true, urgency_present: true, ..payment(700.0, method) };
        let r = money(&request);
        assert!(
            r.metadata.notes.iter().any(|n| n.contains(method)),
            "a note names the unknown method {method:?}: {:?}",
            r.metadata.notes
        );
        let as_other = money(&MoneyAssessRequest { payment_method: "other".into(), ..request });
        assert_eq!(
            (r.score, &r.metadata.rules),
            (as_other.score, &as_other.metadata.rules),
            "{method} is judged as 'other'"
        );
    }
}

#[test]
fn impossible_amounts_are_refused_naming_the_amount() {
    for amount in [-0.01, -500.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e9 + 1.0, 1e12, f64::MAX] {
        assert_input_error(engine().assess_money(&payment(amount, "check")), "amount");
    }
    for amount in [0.0, 0.01, 1e9] {
        money(&payment(amount, "check"));
    }
}

#[test]
fn a_missing_payment_method_is_refused() {
    for method in ["", "   ", "\t\n"] {
        assert_input_error(engine().assess_money(&payment(100.0, method)), "payment_method");
    }
}

#[test]
fn larger_amounts_never_lower_the_risk() {
    let mut last = 0;
    for amount in [10.0, 499.0, 501.0, 1_999.0, 2_001.0, 9_999.0, 10_001.0, 49_999.0, 50_001.0, 1e9] {
        let r = money(&MoneyAssessRequest { did_they_contact_you_first: true, ..payment(amount, "wire") });
        assert!(r.score >= last, "{amount}: {}", summary(&r));
        last = r.score;
    }
}

#[test]
fn safe_steps_give_a_checklist_and_scripts() {
    let steps = engine().safe_steps();
    assert!(!steps.checklist.is_empty());
    assert!(!steps.scripts.is_empty());
    for list in [&steps.checklist, &steps.scripts] {
        let mut ids: Vec<&str> = list.iter().map(|a| a.id.as_str()).collect();
        assert!(ids.iter().all(|id| !id.is_empty()), "{ids:?}");
        assert!(list.iter().all(|a| !a.title.is_empty() && !a.detail.is_empty()));
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "ids are unique");
    }
    assert_eq!(engine().safe_steps(), steps, "the same every time");
}
