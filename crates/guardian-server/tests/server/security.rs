//! Keys, limits, CORS, headers, request ids, and no personal data in the logs.

use serde_json::json;

use crate::util::{SCAM_SMS, Server};

const KEY: &str = "test-key-0123456789abcdef";

#[test]
fn api_key_missing_is_401_wrong_is_403_and_public_paths_stay_open() {
    let server = Server::start(&[("API_KEY", KEY)]);
    let body = json!({"text": "hello"}).to_string();
    let json = ("Content-Type", "application/json");
    let missing = server.request("POST", "/v1/inboxguard/analyze_text", &[json], body.as_bytes()).expect(401);
    assert!(missing["detail"].as_str().unwrap().contains("X-API-Key"));
    let wrong = server.request(
        "POST",
        "/v1/inboxguard/analyze_text",
        &[json, ("X-API-Key", "test-key-0123456789abcdeX")],
        body.as_bytes(),
    );
    assert_eq!(wrong.expect(403)["detail"], "Invalid API key");
    let right = server.request("POST", "/v1/inboxguard/analyze_text", &[json, ("X-API-Key", KEY)], body.as_bytes());
    assert_eq!(right.status, 200);

    assert_eq!(server.get("/health").status, 200);
    assert_eq!(server.get("/openapi.json").status, 200);
    assert_eq!(server.get("/docs").status, 200);
    assert_eq!(server.get("/metrics").status, 401, "metrics need the key");
    assert_eq!(server.request("GET", "/metrics", &[("X-API-Key", KEY)], b"").status, 200);
}

#[test]
fn a_client_over_its_budget_gets_429_with_retry_after() {
    let server = Server::start(&[("RATE_LIMIT_PER_MINUTE", "5")]);
    for _ in 0..5 {
        assert_eq!(server.post("/v1/moneyguard/safe_steps", &json!({})).status, 200);
    }
    let limited = server.post("/v1/moneyguard/safe_steps", &json!({}));
    let body = limited.expect(429);
    assert!(body["detail"].as_str().unwrap().contains("5 requests per minute"));
    let retry: u64 = limited.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(server.get("/health").status, 200, "health checks are never limited");
}

#[test]
fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    let limited = |server: &Server, client: &str| {
        server
            .request(
                "POST",
                "/v1/moneyguard/safe_steps",
                &[("Content-Type", "application/json"), ("X-Forwarded-For", client)],
                b"{}",
            )
            .status
    };
    let proxied = Server::start(&[("RATE_LIMIT_PER_MINUTE", "3"), ("TRUSTED_PROXIES", "127.0.0.1")]);
    for _ in 0..3 {
        assert_eq!(limited(&proxied, "203.0.113.5"), 200);
    }
    assert_eq!(limited(&proxied, "203.0.113.5"), 429);
    assert_eq!(limited(&proxied, "203.0.113.6"), 200, "another client behind the same proxy");
    assert_eq!(limited(&proxied, "198.51.100.7, 203.0.113.5"), 429, "a forged left-most address does not help");

    // Without TRUSTED_PROXIES the header is ignored: it cannot be used to dodge the limit.
    let direct = Server::start(&[("RATE_LIMIT_PER_MINUTE", "3")]);
    for n in 0..3 {
        assert_eq!(limited(&direct, &format!("203.0.113.{n}")), 200);
    }
    assert_eq!(limited(&direct, "203.0.113.99"), 429);
}

#[test]
fn cors_preflight_allows_listed_origins_only() {
    let server = Server::start(&[("CORS_ORIGINS", "https://family.example.org")]);
    let preflight = |origin: &str| {
        server.request(
            "OPTIONS",
            "/v1/inboxguard/analyze_text",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "content-type,x-api-key"),
            ],
            b"",
        )
    };
    let allowed = preflight("https://family.example.org");
    assert!(allowed.status < 300, "{allowed:?}");
    assert_eq!(allowed.header("access-control-allow-origin"), Some("https://family.example.org"));
    assert!(allowed.header("access-control-allow-headers").unwrap().contains("x-api-key"));
    let denied = preflight("https://evil.example.com");
    assert_eq!(denied.header("access-control-allow-origin"), None);

    let simple = server.request("GET", "/health", &[("Origin", "https://family.example.org")], b"");
    assert_eq!(simple.header("access-control-allow-origin"), Some("https://family.example.org"));
    assert!(simple.header("access-control-expose-headers").unwrap().contains("x-request-id"));
}

#[test]
fn security_headers_and_request_ids() {
    let server = Server::start(&[]);
    let response = server.get("/health");
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(response.header("x-frame-options"), Some("DENY"));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let generated = response.header("x-request-id").expect("an id is always given");
    assert_eq!(generated.len(), 36);

    let echoed = server.request("GET", "/health", &[("X-Request-Id", "client-req.42")], b"");
    assert_eq!(echoed.header("x-request-id"), Some("client-req.42"));
    let unsafe_id = server.request("GET", "/health", &[("X-Request-Id", "a b\"c")], b"");
    assert_ne!(unsafe_id.header("x-request-id"), Some("a b\"c"), "ids that could break a log line are replaced");
    assert!(server.wait_for_log("client-req.42"), "the id is in the access log");
}

#[test]
fn no_personal_data_in_the_logs() {
    let server = Server::start(&[("LOG_LEVEL", "debug")]);
    let marker = "Zyxwv-Margaret-07700900123";
    server.post("/v1/inboxguard/analyze_text", &json!({"text": format!("{SCAM_SMS} {marker}")})).expect(200);
    server.post("/v1/inboxguard/analyze_url", &json!({"url": format!("https://{marker}.example.top/x")})).expect(200);
    server
        .post(
            "/v1/identitywatch/profile",
            &json!({"emails": [format!("{marker}@example.org")], "phones": [marker], "full_name": marker}),
        )
        .expect(200);
    server.post("/v1/inboxguard/analyze_text", &json!({"text": format!("{marker}"), "channel": marker})).expect(422);
    server.post("/v1/moneyguard/assess", &json!({"amount": marker, "payment_method": "cash"})).expect(422);
    // Requests are answered one after another, so once this one is logged, all are.
    server.request("GET", "/health", &[("X-Request-Id", "last-request")], b"");
    assert!(server.wait_for_log("last-request"), "requests are logged: {}", server.logs());
    let logs = server.logs();
    assert!(!logs.to_lowercase().contains(&marker.to_lowercase()), "personal data in the logs:\n{logs}");
    for (_, bytes) in std::fs::read_dir(&server.dir).unwrap().map(|e| {
        let path = e.unwrap().path();
        let bytes = std::fs::read(&path).unwrap_or_default();
        (path, bytes)
    }) {
        assert!(!bytes.windows(marker.len()).any(|w| w == marker.as_bytes()), "personal data in clear on disk");
    }
}

#[test]
fn refuses_to_serve_the_network_without_a_key() {
    let temp = tempfile::tempdir().unwrap();
    let error = Server::start_in(temp.path(), &[("HOST", "0.0.0.0")]).err().expect("must not start");
    assert_eq!(error.0, Some(2));
    assert!(error.1.contains("API_KEY") && error.1.contains("0.0.0.0"), "{}", error.1);
    let bad_port = Server::start_in(temp.path(), &[("PORT", "http")]).err().expect("must not start");
    assert!(bad_port.1.contains("PORT"), "{}", bad_port.1);
}
