//! `--save` and `guardian history`: checks kept on disk, encrypted, listed, forgotten,
//! exported; a killed batch keeps every answer it wrote.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use serde_json::Value;

use crate::util::{PHARMACY_SMS, SCAM_SMS, TestDir};

fn saved(dir: &TestDir, data: &str) -> Vec<Value> {
    let run = dir.run(&["--data-dir", data, "--json", "history", "--limit", "100000"]).success();
    match serde_json::from_str(run.stdout.trim()).expect("history --json is JSON") {
        Value::Array(items) => items,
        other => panic!("expected an array, got {other}"),
    }
}

#[test]
fn saved_checks_are_listed_newest_first_decrypted() {
    let dir = TestDir::new();
    dir.run(&["--data-dir", "data", "text", "--save", "--channel", "sms", SCAM_SMS]).success();
    dir.run(&["--data-dir", "data", "money", "--save", "--amount", "900", "--method", "gift_card", "--urgency"])
        .success();
    dir.run(&["--data-dir", "data", "text", PHARMACY_SMS]).success(); // not saved

    let items = saved(&dir, "data");
    assert_eq!(items.len(), 2, "{items:#?}");
    assert_eq!(items[0]["module"], "moneyguard");
    assert_eq!(items[0]["summary"], "Pay 900 by gift_card");
    assert_eq!(items[1]["module"], "inboxguard");
    assert_eq!(items[1]["response"]["level"], "high");
    assert!(items[1]["summary"].as_str().unwrap().starts_with("Chase Bank Fraud Alert"));

    let human = dir.run(&["--data-dir", "data", "history"]).success().stdout;
    assert!(human.contains("HIGH RISK") && human.contains("moneyguard") && human.contains("Chase Bank"), "{human}");

    let one = dir.run(&["--data-dir", "data", "history", "show", items[1]["id"].as_str().unwrap()]).success().stdout;
    assert!(one.contains("Chase Bank") && one.contains("HIGH RISK"), "{one}");

    // The file itself holds none of the message.
    for entry in std::fs::read_dir(dir.path().join("data")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(10).any(|w| w == b"Chase Bank"), "message text in clear on disk");
    }
}

#[test]
fn forget_one_then_all() {
    let dir = TestDir::new();
    for text in [SCAM_SMS, PHARMACY_SMS] {
        dir.run(&["--data-dir", "d", "text", "--save", text]).success();
    }
    let items = saved(&dir, "d");
    let first = items[0]["id"].as_str().unwrap();
    let out = dir.run(&["--data-dir", "d", "history", "delete", first]).success().stdout;
    assert_eq!(out, format!("Deleted check {first}.\n"));
    assert_eq!(saved(&dir, "d").len(), 1);

    let again = dir.run(&["--data-dir", "d", "history", "delete", first]).bad_input();
    assert!(again.contains("no saved check with id") && again.contains("guardian history"), "{again}");

    // Without a terminal to confirm on, --all needs --yes.
    let refused = dir.run(&["--data-dir", "d", "history", "delete", "--all"]).bad_input();
    assert!(refused.contains("--all --yes"), "{refused}");
    assert_eq!(saved(&dir, "d").len(), 1);
    dir.run(&["--data-dir", "d", "history", "delete", "--all", "--yes"]).success();
    assert!(saved(&dir, "d").is_empty());
}

#[test]
fn export_writes_a_private_file_with_everything() {
    let dir = TestDir::new();
    dir.run(&[
        "--data-dir",
        "d",
        "call",
        "--save",
        "--signal",
        "bank_impersonation",
        "--transcript",
        "read me the code",
    ])
    .success();
    let out = dir.run(&["--data-dir", "d", "history", "export", "backup.json"]).success().stdout;
    assert!(out.contains("Exported 1 saved checks"), "{out}");
    let export: Value = serde_json::from_slice(&std::fs::read(dir.path().join("backup.json")).unwrap()).unwrap();
    assert_eq!(export["format"], "titanium-guardian-export");
    assert_eq!(export["assessments"][0]["summary"], "Call: bank_impersonation — \"read me the code\"");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("backup.json")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let to_stdout: Value =
        serde_json::from_str(&dir.run(&["--data-dir", "d", "history", "export"]).success().stdout).unwrap();
    assert_eq!(to_stdout["assessments"].as_array().unwrap().len(), 1);
}

#[test]
fn the_default_data_folder_is_used_and_only_when_saving() {
    let dir = TestDir::new();
    let folder = dir.path().join("xdg-data/titanium-guardian");
    dir.run(&["url", "https://example.com"]).success();
    assert!(!folder.exists(), "a check without --save writes nothing");
    assert!(dir.run(&["history"]).success().stdout.starts_with("No saved checks"));
    assert!(!folder.exists(), "listing an empty history writes nothing");

    dir.run(&["url", "--save", "https://example.com"]).success();
    assert!(folder.join("guardian.db").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&folder).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(std::fs::metadata(folder.join("guardian.db")).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let items: Value = serde_json::from_str(&dir.run(&["--json", "history"]).success().stdout).unwrap();
    assert_eq!(items[0]["summary"], "Link: https://example.com");
}

#[test]
fn a_store_that_cannot_be_used_still_answers_and_says_why() {
    let dir = TestDir::new();
    std::fs::create_dir_all(dir.path().join("bad")).unwrap();
    std::fs::write(dir.path().join("bad/guardian.db"), "these are my notes, not a database at all, really").unwrap();
    let run = dir.run(&["--data-dir", "bad", "--json", "text", "--save", SCAM_SMS]);
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert_eq!(run.response().level, guardian_engine::Level::High, "the answer is still given");
    let last = run.stderr_lines().last().copied().unwrap_or_default();
    assert!(
        last.contains("not saved")
            && last.contains("bad/guardian.db")
            && last.contains("not a Titanium Guardian database"),
        "{last}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("bad/guardian.db")).unwrap(),
        "these are my notes, not a database at all, really"
    );

    let history = dir.run(&["--data-dir", "bad", "history"]);
    assert_eq!(history.code, Some(1));
    assert!(history.stderr.contains("bad/guardian.db"), "{history:#?}");
}

#[test]
fn a_killed_batch_keeps_every_answer_it_wrote() {
    let dir = TestDir::new();
    let lines: String = (0..200_000)
        .map(|n| format!("{{\"kind\":\"text\",\"text\":\"message number {n}: your parcel is held\"}}\n"))
        .collect();
    dir.write("big.jsonl", lines.as_bytes());
    let mut child = dir
        .command(&["--data-dir", "d", "batch", "--save", "big.jsonl"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut answered = 0usize;
    let mut line = String::new();
    while answered < 5_000 {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "batch ended early");
        answered += 1;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    answered += reader.lines().map_while(Result::ok).count();
    assert!(answered < 200_000, "the batch finished before it was killed; make the input bigger");

    let items = saved(&dir, "d");
    assert!(items.len() >= answered, "{} answers written but only {} saved", answered, items.len());
    let summaries: std::collections::HashSet<&str> = items.iter().filter_map(|i| i["summary"].as_str()).collect();
    for n in 0..answered {
        let expected = format!("message number {n}: your parcel is held");
        assert!(summaries.contains(expected.as_str()), "answer {n} was written but not saved");
    }
}
