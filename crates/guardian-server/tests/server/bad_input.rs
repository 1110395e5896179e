//! Bad input of every kind: a 4xx whose detail says what was wrong, never a 5xx, and the
//! server keeps serving.

use serde_json::json;

use crate::util::Server;

const JSON: (&str, &str) = ("Content-Type", "application/json");

fn first_loc(body: &serde_json::Value) -> serde_json::Value {
    body["detail"][0]["loc"].clone()
}

#[test]
fn malformed_bodies_get_422_naming_the_field() {
    let server = Server::start(&[]);
    let post = |path: &str, raw: &[u8]| server.request("POST", path, &[JSON], raw);

    let broken = post("/v1/inboxguard/analyze_text", br#"{"text": "hello"#).expect(422);
    assert_eq!(broken["detail"][0]["type"], "json_invalid");
    let wrong_type = post("/v1/moneyguard/assess", br#"{"amount": [1], "payment_method": "cash"}"#).expect(422);
    assert_eq!(first_loc(&wrong_type), json!(["body", "amount"]));
    let missing = post("/v1/moneyguard/assess", br#"{"amount": 5}"#).expect(422);
    assert!(missing["detail"][0]["msg"].as_str().unwrap().contains("payment_method"));
    let huge = post("/v1/moneyguard/assess", br#"{"amount": 1e300, "payment_method": "cash"}"#).expect(422);
    assert_eq!(first_loc(&huge), json!(["body", "amount"]));
    let negative = post("/v1/moneyguard/assess", br#"{"amount": -5, "payment_method": "cash"}"#).expect(422);
    assert_eq!(first_loc(&negative), json!(["body", "amount"]));
    assert_eq!(post("/v1/moneyguard/assess", br#"{"amount": NaN, "payment_method": "cash"}"#).status, 422);
    let not_utf8 = post("/v1/inboxguard/analyze_text", b"{\"text\": \"\xff\xfe\"}").expect(422);
    assert!(not_utf8["detail"][0]["msg"].as_str().unwrap().contains("UTF-8"));
    assert_eq!(post("/v1/inboxguard/analyze_text", b"[1, 2]").status, 422);
    assert_eq!(post("/v1/inboxguard/analyze_text", b"").status, 422);

    let empty = post("/v1/inboxguard/analyze_text", br#"{"text": "   "}"#).expect(422);
    assert_eq!(first_loc(&empty), json!(["body", "text"]));
    let no_scheme = post("/v1/inboxguard/analyze_url", br#"{"url": "ftp://example.com/x"}"#).expect(422);
    assert_eq!(first_loc(&no_scheme), json!(["body", "url"]));
    let channel = post("/v1/inboxguard/analyze_text", br#"{"text": "hi", "channel": "pigeon"}"#).expect(422);
    assert_eq!(first_loc(&channel), json!(["body", "channel"]));

    let module = post(
        "/v1/session/start",
        br#"{"user_id": "7d1f3c2a-5b6e-4c1d-9a0b-2f3e4d5c6b7a", "device_id": "d", "module": "fortune"}"#,
    )
    .expect(422);
    assert_eq!(first_loc(&module), json!(["body", "module"]));
    let user = post("/v1/session/start", br#"{"user_id": "bob", "device_id": "d", "module": "callguard"}"#).expect(422);
    assert_eq!(first_loc(&user), json!(["body", "user_id"]));

    let id = post(
        "/v1/session/start",
        br#"{"user_id": "7d1f3c2a-5b6e-4c1d-9a0b-2f3e4d5c6b7a", "device_id": "d", "module": "callguard"}"#,
    )
    .expect(200)["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let event_type = post(&format!("/v1/session/{id}/event"), br#"{"type": "dance", "payload": {}}"#);
    assert_eq!(event_type.status, 422, "{}", event_type.text());

    // Unknown extra fields are ignored, as the old server did.
    let extra =
        post("/v1/inboxguard/analyze_text", br#"{"text": "hello there", "channel": "sms", "app_version": "3.1"}"#);
    assert_eq!(extra.status, 200);
    assert_eq!(server.get("/health").status, 200, "still serving");
}

#[test]
fn size_type_route_and_method_errors() {
    let server = Server::start(&[]);
    let big = format!(r#"{{"text": "{}"}}"#, "a".repeat(10 * 1024 * 1024));
    let too_big = server.request("POST", "/v1/inboxguard/analyze_text", &[JSON], big.as_bytes()).expect(413);
    assert!(too_big["detail"].as_str().unwrap().contains("too large"));

    let form = server
        .request("POST", "/v1/inboxguard/analyze_text", &[("Content-Type", "text/plain")], b"text=hi")
        .expect(415);
    assert!(form["detail"].as_str().unwrap().contains("application/json"));
    let none = server.request("POST", "/v1/inboxguard/analyze_text", &[], br#"{"text": "hi"}"#);
    assert_eq!(none.status, 415);

    assert_eq!(server.get("/v1/nothing-here").expect(404)["detail"], "Not Found");
    assert_eq!(server.get("/v1/inboxguard/analyze_text").expect(405)["detail"], "Method Not Allowed");
    assert_eq!(server.get("/health").status, 200, "still serving");
}

#[test]
fn random_bodies_never_get_a_5xx() {
    let server = Server::start(&[]);
    let paths = [
        "/v1/inboxguard/analyze_text",
        "/v1/inboxguard/analyze_url",
        "/v1/moneyguard/assess",
        "/v1/identitywatch/profile",
        "/v1/identitywatch/check_risk",
        "/v1/session/start",
        "/v1/moneyguard/safe_steps",
    ];
    let pieces: [&[u8]; 14] = [
        b"{",
        b"}",
        b"\"text\":",
        b"\"amount\":",
        b"1e999",
        b"-0",
        b"null",
        b"[",
        b"]",
        b"\"\\ud800\"",
        b"\xc3\x28",
        b",",
        b"\"url\":\"http://\"",
        b"\"emails\":[\"\"]",
    ];
    // A small deterministic generator: the same bodies every run.
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    for n in 0..300 {
        let mut body = Vec::new();
        for _ in 0..(n % 9) + 1 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            body.extend_from_slice(pieces[(seed % pieces.len() as u64) as usize]);
        }
        let path = paths[n % paths.len()];
        let response = server.request("POST", path, &[JSON], &body);
        assert!(response.status < 500, "{path} answered {} to {:?}", response.status, String::from_utf8_lossy(&body));
        if response.status >= 400 {
            assert!(response.json()["detail"].is_string() || response.json()["detail"].is_array());
        }
    }
    assert_eq!(server.get("/health").status, 200);
}
