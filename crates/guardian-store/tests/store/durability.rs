//! A writer killed with SIGKILL mid-stream loses nothing it reported as saved.
//!
//! The child is this test binary itself, running the ignored `child_writer` test with the
//! database path in an environment variable.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use guardian_engine::Module;
use guardian_store::{KeySource, NewAssessment, Store, StoreOptions};

use crate::util::{SCAM_SMS, TempStore, at, text_risk};

const DB_VAR: &str = "GUARDIAN_STORE_TEST_CHILD_DB";

#[test]
#[ignore = "run by sigkill_mid_stream_loses_nothing_committed as its child process"]
fn child_writer() {
    let db = std::env::var(DB_VAR).expect("run only as the durability test's child");
    let key = format!("{db}.key");
    let store =
        Store::open_with(&db, StoreOptions { key: KeySource::File(key.into()), ..StoreOptions::default() }).unwrap();
    let response = text_risk(SCAM_SMS);
    let mut out = std::io::stdout().lock();
    for n in 0u64.. {
        let summary = format!("check {n}");
        // Alternate single commits and small batches, as the CLI and the app do.
        let new = NewAssessment {
            module: Module::Inboxguard,
            summary: &summary,
            response: &response,
            session_id: None,
            user_id: None,
        };
        let ids = if n % 3 == 0 {
            store.record_assessments(&[new, new], at(0)).unwrap()
        } else {
            vec![store.record_assessment(&new, at(0)).unwrap()]
        };
        for id in ids {
            writeln!(out, "committed {id}").unwrap();
        }
        out.flush().unwrap();
    }
}

#[test]
fn sigkill_mid_stream_loses_nothing_committed() {
    let temp = TempStore::new();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "durability::child_writer", "--nocapture", "--test-threads=1"])
        .env(DB_VAR, temp.db())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut committed = Vec::new();
    while committed.len() < 1500 {
        let line = lines.next().expect("child still writing").unwrap();
        if let Some(id) = line.strip_prefix("committed ") {
            committed.push(id.to_owned());
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    // Lines already in the pipe were committed too.
    committed.extend(lines.map_while(Result::ok).filter_map(|l| l.strip_prefix("committed ").map(str::to_owned)));

    let store = temp.open();
    store.check_integrity().unwrap();
    let missing: Vec<_> = committed.iter().filter(|id| store.get_assessment(id).is_err()).collect();
    assert!(missing.is_empty(), "{} of {} committed checks lost: {missing:?}", missing.len(), committed.len());
    assert!(store.count_assessments().unwrap() >= committed.len() as u64);
}
