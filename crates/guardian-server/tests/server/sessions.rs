//! Sessions: a call event by event, MoneyGuard assessments recorded in a session, and
//! everything still there after a restart.

use serde_json::json;

use crate::util::Server;

const USER: &str = "7d1f3c2a-5b6e-4c1d-9a0b-2f3e4d5c6b7a";

fn start(server: &Server, module: &str) -> String {
    let started = server
        .post("/v1/session/start", &json!({"user_id": USER, "device_id": "phone-1", "module": module}))
        .expect(200);
    started["session_id"].as_str().unwrap().to_owned()
}

fn signal(key: &str) -> serde_json::Value {
    json!({"type": "signal", "payload": {"signal_key": key}, "timestamp": "2026-11-29T10:00:00Z"})
}

#[test]
fn a_call_session_from_start_to_end_survives_a_restart() {
    let temp = tempfile::tempdir().unwrap();
    let server = Server::start_in(temp.path(), &[]).unwrap();
    let id = start(&server, "callguard");
    let first = server.post(&format!("/v1/session/{id}/event"), &signal("bank_impersonation")).expect(200);
    let second = server.post(&format!("/v1/session/{id}/event"), &signal("verification_code_request")).expect(200);
    assert!(second["score"].as_u64() > first["score"].as_u64());
    assert_eq!(server.get("/health").expect(200)["sessions"], 1);
    drop(server); // killed: no graceful shutdown

    let server = Server::start_in(temp.path(), &[]).unwrap();
    let view = server.get(&format!("/v1/session/{id}")).expect(200);
    assert_eq!(view["events"].as_array().unwrap().len(), 2);
    assert_eq!(view["events"][1]["type"], "signal");
    assert_eq!(view["events"][1]["payload"]["signal_key"], "verification_code_request");
    assert_eq!(view["events"][0]["timestamp"], "2026-11-29T10:00:00Z");
    assert_eq!(view["last_risk"], second);

    let third = server.post(&format!("/v1/session/{id}/event"), &signal("asks_to_keep_secret")).expect(200);
    assert_eq!(third["level"], "high");
    let summary = server.post(&format!("/v1/session/{id}/end"), &json!({})).expect(200);
    assert_eq!(summary["session_id"], id.as_str());
    assert_eq!(summary["module"], "callguard");
    assert_eq!(summary["last_risk"], third);
    assert_eq!(summary["key_takeaways"][0], third["next_action"]);
    let after = server.post(&format!("/v1/session/{id}/event"), &signal("urgency"));
    assert_eq!(after.status, 404, "an ended session takes no more events");
}

#[test]
fn money_assessments_with_a_session_id_are_recorded_in_it() {
    let server = Server::start(&[]);
    let id = start(&server, "moneyguard");
    let body = json!({"amount": 900, "payment_method": "zelle", "urgency_present": true, "session_id": id});
    let answer = server.post("/v1/moneyguard/assess", &body).expect(200);
    let view = server.get(&format!("/v1/session/{id}")).expect(200);
    assert_eq!(view["events"][0]["type"], "assess");
    assert_eq!(view["events"][0]["payload"]["payment_method"], "zelle");
    assert_eq!(view["last_risk"], answer);

    let unknown = json!({"amount": 900, "payment_method": "zelle", "session_id": "no-such-session"});
    assert_eq!(server.post("/v1/moneyguard/assess", &unknown).expect(404)["detail"], "Session not found");
}

#[test]
fn inbox_and_identity_sessions_take_their_own_events() {
    let server = Server::start(&[]);
    let inbox = start(&server, "inboxguard");
    let text = server
        .post(&format!("/v1/session/{inbox}/event"), &json!({"type": "text", "payload": {"text": "Your parcel is held, pay 1.99 at https://royalmail-fee.top", "channel": "sms"}}))
        .expect(200);
    assert_eq!(text["level"], "high");
    let url = server
        .post(
            &format!("/v1/session/{inbox}/event"),
            &json!({"type": "url", "payload": {"url": "https://www.bbc.co.uk/news"}}),
        )
        .expect(200);
    assert!(url["score"].is_u64());

    let identity = start(&server, "identitywatch");
    let risk = server
        .post(
            &format!("/v1/session/{identity}/event"),
            &json!({"type": "signals", "payload": {"account_opened": true, "suspicious_inquiry": true}}),
        )
        .expect(200);
    assert!(risk["score"].as_u64().unwrap() > 0);
}

#[test]
fn unknown_and_unassessed_sessions() {
    let server = Server::start(&[]);
    assert_eq!(server.get("/v1/session/nope").expect(404)["detail"], "Session not found");
    assert_eq!(server.post("/v1/session/nope/event", &signal("urgency")).expect(404)["detail"], "Session not found");
    assert_eq!(server.post("/v1/session/nope/end", &json!({})).status, 404);
    let id = start(&server, "callguard");
    assert_eq!(server.post(&format!("/v1/session/{id}/end"), &json!({})).status, 404, "never assessed");
    server.post(&format!("/v1/session/{id}/event"), &signal("urgency")).expect(200);
}
