//! `guardian enrol` and `guardian sync` against a stand-in server on loopback: bad
//! addresses, a server that is down or failing, and checks kept with --save queued (never
//! lost) until the server takes them. The real server is exercised end to end in
//! guardian-server's tests.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use crate::util::{SCAM_SMS, TestDir};

/// Answers each connection with the next canned HTTP answer.
fn stand_in(answers: Vec<String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for (stream, answer) in listener.incoming().zip(answers) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
            let mut buf = [0u8; 65536];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    format!("http://{addr}")
}

fn http(status: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn sync_before_enrolment_says_how_to_enrol() {
    let dir = TestDir::new();
    let message = dir.run(&["sync"]).bad_input();
    assert!(message.contains("guardian enrol"), "{message}");
    let status = dir.run(&["sync", "status"]).success();
    assert!(status.stdout.contains("Sync is off"), "{}", status.stdout);
    // Without enrolment nothing is queued.
    dir.run(&["text", "--save", SCAM_SMS]).success();
    let status = dir.run(&["--json", "sync", "status"]).success();
    let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!((status["enrolled"].as_bool(), status["pending"].as_u64()), (Some(false), Some(0)));
}

#[test]
fn bad_server_addresses_are_refused_with_a_reason() {
    let dir = TestDir::new();
    let message = dir.run(&["enrol", "guardian.example.org"]).bad_input();
    assert!(message.contains("not a web address"), "{message}");
    let message = dir.run(&["enrol", "http://guardian.example.org"]).bad_input();
    assert!(message.contains("https://"), "{message}");
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let run = dir.run(&["enrol", &format!("http://127.0.0.1:{closed}")]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("cannot be reached"), "{}", run.stderr);
}

#[test]
fn kept_checks_wait_in_the_queue_while_the_server_fails() {
    let dir = TestDir::new();
    let registered = http(
        "200 OK",
        &format!(r#"{{"device_id": "0193e4c1-0000-7000-8000-000000000001", "token": "{}"}}"#, "t".repeat(64)),
    );
    let server = stand_in(vec![
        registered,
        http("503 Service Unavailable", r#"{"detail": "The request took too long and was stopped"}"#),
    ]);
    let enrolled = dir.run(&["enrol", &server, "--code", "k7qm x3rt hp9a"]).success();
    assert!(enrolled.stdout.contains("now enrolled"), "{}", enrolled.stdout);
    assert!(enrolled.stdout.contains("level, score, rule ids and time only"), "{}", enrolled.stdout);
    assert!(
        !std::fs::read(dir.path().join("xdg-data/titanium-guardian/guardian.db"))
            .unwrap_or_default()
            .windows(64)
            .any(|w| w == "t".repeat(64).as_bytes()),
        "the token is not in the database"
    );

    dir.run(&["text", "--save", SCAM_SMS]).success();
    dir.run(&["url", "--save", "https://paypa1.com/signin"]).success();
    let failed = dir.run(&["sync"]);
    assert_eq!(failed.code, Some(1), "{}", failed.stderr);
    assert!(failed.stderr.contains("had a problem (HTTP 503"), "{}", failed.stderr);
    let status = dir.run(&["sync", "status"]).success();
    assert!(status.stdout.contains("Waiting to send: 2 checks"), "{}", status.stdout);
    assert!(status.stdout.contains("Last problem: The server had a problem"), "{}", status.stdout);

    let shared = dir.run(&["sync", "share", "--amounts", "--url"]).success();
    assert!(shared.stdout.contains("links, amounts"), "{}", shared.stdout);
    let left = dir.run(&["sync", "leave"]).success();
    assert!(left.stdout.contains("left sync"), "{}", left.stdout);
    let status = dir.run(&["sync", "status"]).success();
    assert!(status.stdout.contains("Sync is off"), "{}", status.stdout);
}
