//! Shutdown: SIGTERM lets a request in flight finish, then the process exits cleanly.

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use crate::util::{Server, read_response};

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits() {
    let mut server = Server::start(&[]);
    let body = br#"{"text": "Your parcel is held, pay 1.99 at https://royalmail-fee.top", "channel": "sms"}"#;
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let head = format!(
        "POST /v1/inboxguard/analyze_text HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body[..10]).unwrap(); // the request is now in flight
    std::thread::sleep(Duration::from_millis(200));

    let _ = std::process::Command::new("kill").arg("-TERM").arg(server.pid().to_string()).status();
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(&body[10..]).unwrap();
    let response = read_response(&mut stream);
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.json()["level"], "high");

    let status = server.terminate(Duration::from_secs(10)).expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}");
    assert!(server.wait_for_log("shutting down"));
}

#[test]
fn after_sigterm_the_database_file_alone_holds_everything() {
    let mut server = Server::start(&[]);
    let started = server
        .post(
            "/v1/session/start",
            &serde_json::json!({"user_id": "7d1f3c2a-5b6e-4c1d-9a0b-2f3e4d5c6b7a", "device_id": "d", "module": "callguard"}),
        )
        .expect(200);
    let id = started["session_id"].as_str().unwrap().to_owned();
    server
        .post(
            &format!("/v1/session/{id}/event"),
            &serde_json::json!({"type": "signal", "payload": {"signal_key": "gift_cards"}}),
        )
        .expect(200);
    assert!(server.terminate(Duration::from_secs(10)).expect("exits").success());

    // A backup that copied only the database file and its key.
    let copy = tempfile::tempdir().unwrap();
    for name in ["guardian.db", "guardian.db.key"] {
        std::fs::copy(server.dir.join(name), copy.path().join(name)).unwrap();
    }
    let restored = Server::start_in(copy.path(), &[]).unwrap();
    let view = restored.get(&format!("/v1/session/{id}")).expect(200);
    assert_eq!(view["events"][0]["payload"]["signal_key"], "gift_cards");
}
