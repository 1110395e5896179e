//! Every endpoint's happy path, with real scam and real benign inputs.

use serde_json::json;

use crate::util::{BENIGN_SMS, SCAM_SMS, Server};

#[test]
fn inboxguard_scores_real_messages_and_links() {
    let server = Server::start(&[]);
    let scam = server.post("/v1/inboxguard/analyze_text", &json!({"text": SCAM_SMS, "channel": "sms"})).expect(200);
    assert_eq!(scam["level"], "high");
    assert!(scam["reasons"].as_array().unwrap().len() >= 2);
    assert!(scam["next_action"].as_str().unwrap().len() > 10);
    let benign = server.post("/v1/inboxguard/analyze_text", &json!({"text": BENIGN_SMS, "channel": "sms"})).expect(200);
    assert_eq!(benign["level"], "low");

    let fake = server
        .post("/v1/inboxguard/analyze_url", &json!({"url": "https://paypa1.com.account-verify.top/login"}))
        .expect(200);
    assert_eq!(fake["level"], "high");
    assert_eq!(fake["metadata"]["url"]["imitates"], "PayPal");
    let real = server.post("/v1/inboxguard/analyze_url", &json!({"url": "https://www.paypal.com/signin"})).expect(200);
    assert_eq!(real["level"], "low");
}

#[test]
fn moneyguard_assess_and_safe_steps() {
    let server = Server::start(&[]);
    let risky = json!({
        "amount": 2500, "payment_method": "gift_card", "recipient": "IRS agent", "reason": "back taxes or arrest",
        "did_they_contact_you_first": true, "urgency_present": true, "asked_to_keep_secret": true,
        "asked_for_verification_code": false, "asked_for_remote_access": false, "impersonation_type": "government"
    });
    let answer = server.post("/v1/moneyguard/assess", &risky).expect(200);
    assert_eq!(answer["level"], "high");
    assert!(answer["safe_script"]["say_this"].is_string());
    let ordinary = json!({"amount": "40", "payment_method": "debit_card", "recipient": "my plumber", "reason": "invoice for the sink"});
    assert_eq!(server.post("/v1/moneyguard/assess", &ordinary).expect(200)["level"], "low");

    let steps = server.post("/v1/moneyguard/safe_steps", &json!({})).expect(200);
    assert!(!steps["checklist"].as_array().unwrap().is_empty());
    assert!(steps["scripts"][0]["detail"].is_string());
}

#[test]
fn identitywatch_profile_then_check() {
    let server = Server::start(&[]);
    let created = server
        .post("/v1/identitywatch/profile", &json!({"emails": ["ann@example.org"], "phones": ["+1 555 0100"], "full_name": "Ann Example", "state": "OH"}))
        .expect(200);
    assert_eq!(created["created"], true);
    let profile_id = created["profile_id"].as_str().unwrap();
    let risk = server
        .post(
            "/v1/identitywatch/check_risk",
            &json!({"profile_id": profile_id, "signals": {"account_opened": true, "address_change": true, "password_reset_unknown": true}}),
        )
        .expect(200);
    assert_eq!(risk["level"], "high");
    let calm =
        server.post("/v1/identitywatch/check_risk", &json!({"profile_id": profile_id, "signals": {}})).expect(200);
    assert_eq!(calm["level"], "low");
    let missing =
        server.post("/v1/identitywatch/check_risk", &json!({"profile_id": "nope", "signals": {}})).expect(404);
    assert_eq!(missing["detail"], "Profile not found");
    let none = server.post("/v1/identitywatch/profile", &json!({"emails": [], "phones": ["1"]})).expect(422);
    assert_eq!(none["detail"][0]["loc"], json!(["body", "emails"]));
}

#[test]
fn operations_endpoints() {
    let server = Server::start(&[("SESSION_TTL_HOURS", "12")]);
    let health = server.get("/health").expect(200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["sessions"], 0);
    assert!(health["timestamp"].as_str().unwrap().ends_with('Z'));

    let policy = server.get("/v1/data-retention/policy").expect(200);
    assert_eq!(policy["session_idle_hours"], 12);
    assert_eq!(policy["session_max_hours"], 24);
    assert_eq!(policy["event_retention_days"], 30);
    assert_eq!(policy["personal_data_retention_days"], 90);

    let openapi = server.get("/openapi.json").expect(200);
    for path in [
        "/v1/session/start",
        "/v1/moneyguard/assess",
        "/v1/inboxguard/analyze_text",
        "/v1/identitywatch/check_risk",
        "/health",
    ] {
        assert!(openapi["paths"][path].is_object(), "{path} missing from the OpenAPI document");
    }
    assert!(openapi["components"]["schemas"]["RiskResponse"].is_object());
    assert_eq!(openapi["components"]["securitySchemes"]["api_key"]["name"], "X-API-Key");

    let docs = server.get("/docs");
    assert_eq!(docs.status, 200);
    assert!(docs.header("content-type").unwrap().starts_with("text/html"));
    assert!(docs.text().contains("/openapi.json"), "the docs page reads the bundled schema");
    for external in ["src=\"http", "href=\"http", "<link", "@import", "url(http"] {
        assert!(!docs.text().contains(external), "the docs page loads nothing from elsewhere ({external})");
    }
    assert!(docs.header("content-security-policy").unwrap().contains("connect-src 'self'"));

    server.post("/v1/inboxguard/analyze_text", &json!({"text": SCAM_SMS}));
    server.post("/v1/inboxguard/analyze_text", &json!({"text": ""}));
    let metrics = server.get("/metrics");
    assert_eq!(metrics.status, 200);
    let text = metrics.text();
    assert!(
        text.contains(
            r#"guardian_http_requests_total{route="/v1/inboxguard/analyze_text",method="POST",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"guardian_http_requests_total{route="/v1/inboxguard/analyze_text",method="POST",status="422"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"guardian_http_request_duration_seconds_count{route="/v1/inboxguard/analyze_text"} 2"#),
        "{text}"
    );
    assert!(text.contains("guardian_active_sessions 0"), "{text}");
}

#[test]
fn the_web_front_end_is_served_with_a_strict_policy() {
    let server = Server::start(&[("API_KEY", "k-0123456789abcdef")]);
    let redirect = server.get("/app");
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.header("location"), Some("/app/"));
    let page = server.get("/app/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("data-screen=\"home\""), "the app's home screen");
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe"), "{csp}");
    let script = server.get("/app/transport.js");
    assert_eq!(script.status, 200);
    assert!(script.header("content-type").unwrap().starts_with("text/javascript"));
    assert_eq!(server.get("/app/../Cargo.toml").status, 404);
    assert_eq!(server.get("/app/nothing.js").status, 404);
}
