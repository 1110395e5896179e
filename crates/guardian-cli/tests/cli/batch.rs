//! `guardian batch`: one JSON line out per line in, in order; bad lines become error
//! lines and the batch goes on; the exit status and a summary come at the end.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use serde_json::Value;

use crate::util::{PHARMACY_SMS, SCAM_SMS, TWO_FACTOR_SMS, TestDir};

fn text_line(text: &str, channel: &str) -> String {
    serde_json::json!({"kind": "text", "text": text, "channel": channel}).to_string()
}

/// Parses each output line as JSON.
#[track_caller]
fn lines(stdout: &str) -> Vec<Value> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect()
}

#[test]
fn a_mixed_file_gives_the_same_answers_as_the_single_commands() {
    let dir = TestDir::new();
    let cases: Vec<(String, Vec<&str>)> = vec![
        (text_line(SCAM_SMS, "sms"), vec!["text", "--channel", "sms", SCAM_SMS]),
        (text_line(TWO_FACTOR_SMS, "sms"), vec!["text", "--channel", "sms", TWO_FACTOR_SMS]),
        (text_line(PHARMACY_SMS, "other"), vec!["text", PHARMACY_SMS]),
        (r#"{"kind":"url","url":"http://192.168.4.20:8080/verify"}"#.into(), vec!["url", "http://192.168.4.20:8080/verify"]),
        (
            r#"{"kind":"money","amount":2500,"payment_method":"gift_card","did_they_contact_you_first":true,"urgency_present":true,"asked_to_keep_secret":true,"impersonation_type":"government","reason":"tax debt"}"#.into(),
            vec!["money", "--amount", "2500", "--method", "gift_card", "--contacted-first", "--urgency", "--secret", "--impersonation", "government", "--reason", "tax debt"],
        ),
        (
            r#"{"kind":"money","amount":40,"payment_method":"check","recipient":"school","reason":"class trip"}"#.into(),
            vec!["money", "--amount", "40", "--method", "check", "--recipient", "school", "--reason", "class trip"],
        ),
        (
            r#"{"kind":"call","signals":["bank_impersonation","verification_code_request","nonsense"]}"#.into(),
            vec!["call", "--signal", "bank_impersonation", "--signal", "verification_code_request", "--signal", "nonsense"],
        ),
        (
            r#"{"kind":"call","transcript":"buy gift cards and keep it secret"}"#.into(),
            vec!["call", "--transcript", "buy gift cards and keep it secret"],
        ),
        (
            r#"{"kind":"identity","signals":{"new_device_login":true,"password_reset_unknown":true}}"#.into(),
            vec!["identity", "--signal", "new_device_login", "--signal", "password_reset_unknown"],
        ),
    ];
    let input: String = cases.iter().map(|(line, _)| format!("{line}\n")).collect();
    let file = dir.write("mixed.jsonl", input.as_bytes());
    let run = dir.run(&["batch", &file]).success();
    assert_eq!(run.stderr, "", "batch prints no notes");
    let got = lines(&run.stdout);
    assert_eq!(got.len(), cases.len());
    for ((line, args), answer) in cases.iter().zip(&got) {
        let mut single = vec!["--json"];
        single.extend_from_slice(args);
        let expected: Value = serde_json::from_str(dir.run(&single).success().stdout.trim_end()).unwrap();
        assert_eq!(answer, &expected, "batch line {line}");
    }
}

#[test]
fn bad_lines_become_error_lines_and_the_batch_goes_on() {
    let dir = TestDir::new();
    let mut input = Vec::new();
    input.extend_from_slice(text_line(SCAM_SMS, "sms").as_bytes());
    input.extend_from_slice(b"\n{not json\n");
    input.extend_from_slice(b"{\"kind\":\"text\",\"text\":\"caf\xe9 \xff\"}\n");
    input.extend_from_slice(b"{\"kind\":\"fax\",\"text\":\"hi\"}\n");
    input.extend_from_slice(b"{\"kind\":\"text\",\"channel\":\"sms\"}\n");
    input.extend_from_slice(b"{\"kind\":\"text\",\"text\":\"   \"}\n");
    input.extend_from_slice(b"{\"kind\":\"url\",\"url\":\"example.com\"}\n");
    input.extend_from_slice(b"{\"kind\":\"money\",\"amount\":-5,\"payment_method\":\"zelle\"}\n");
    input.extend_from_slice(b"{\"kind\":\"call\",\"signals\":[]}\n");
    input.extend_from_slice(b"{\"kind\":\"identity\",\"signals\":{}}\n");
    input.extend_from_slice(b"\n");
    input.extend_from_slice(b"[1,2]\n");
    input.extend_from_slice(text_line(PHARMACY_SMS, "sms").as_bytes());
    input.push(b'\n');
    let file = dir.write("bad.jsonl", &input);
    let run = dir.run(&["batch", &file]);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert_eq!(run.stderr, "guardian: 11 of 13 lines failed (first: line 2)\n");
    let got = lines(&run.stdout);
    assert_eq!(got.len(), 13);
    assert_eq!(got[0]["level"], "high");
    assert_eq!(got[12]["level"], "low");
    let errors: Vec<&str> = got[1..12].iter().map(|v| v["error"].as_str().unwrap_or_else(|| panic!("{v}"))).collect();
    let expected_prefixes = [
        "line 2: invalid JSON at column 2: key must be a string",
        "line 3: not valid UTF-8 (bad byte at offset 26); save the file as UTF-8",
        "line 4: unknown variant `fax`, expected one of `text`, `url`, `money`, `call`, `identity`",
        "line 5: text request: missing field `text`",
        "line 6: invalid text: is empty",
        "line 7: invalid url:",
        "line 8: invalid amount:",
        "line 9: nothing to check:",
        "line 10: nothing to check:",
        "line 11: empty line; expected one JSON request",
        r#"line 12: expected a JSON object such as {"kind":"text","text":"…"}, got an array"#,
    ];
    for (error, prefix) in errors.iter().zip(expected_prefixes) {
        assert!(error.starts_with(prefix), "{error:?} should start with {prefix:?}");
    }
    // Each error is an object with exactly one field.
    for v in &got[1..12] {
        assert_eq!(v.as_object().map(|o| o.len()), Some(1), "{v}");
    }
}

#[test]
fn stdin_dash_and_nothing_read_standard_input_and_order_is_kept() {
    let dir = TestDir::new();
    let texts: Vec<String> = (0..3000)
        .map(|i| match i % 3 {
            0 => format!("{SCAM_SMS} ref {i}"),
            1 => format!("{TWO_FACTOR_SMS} ref {i}"),
            _ => format!("{PHARMACY_SMS} ref {i}"),
        })
        .collect();
    let input: String = texts.iter().map(|t| text_line(t, "sms") + "\n").collect();
    let from_dash = dir.run_with_stdin(&["batch", "-"], input.as_bytes()).success();
    let from_nothing = dir.run_with_stdin(&["batch"], input.as_bytes()).success();
    let one_thread = dir.run_with_stdin(&["batch", "--threads", "1"], input.as_bytes()).success();
    let many_threads = dir.run_with_stdin(&["batch", "--threads", "7"], input.as_bytes()).success();
    assert_eq!(from_dash.stdout, from_nothing.stdout);
    assert_eq!(from_dash.stdout, one_thread.stdout);
    assert_eq!(from_dash.stdout, many_threads.stdout);
    let got = lines(&from_dash.stdout);
    assert_eq!(got.len(), texts.len());
    for (i, (answer, text)) in got.iter().zip(&texts).enumerate() {
        let want = if i % 3 == 0 { "high" } else { "low" };
        assert_eq!(answer["level"], want, "line {}: {text}", i + 1);
        // The matched phrases' offsets point into this line's own text: order is kept.
        if let Some(phrases) = answer["metadata"]["matched_phrases"].as_array() {
            for p in phrases {
                let (s, e) = (p["start"].as_u64().unwrap() as usize, p["end"].as_u64().unwrap() as usize);
                assert!(text.get(s..e).is_some(), "line {}: offsets {s}..{e} outside its text", i + 1);
            }
        }
        let reference = format!("ref {i}");
        assert!(text.ends_with(&reference));
    }
}

#[test]
fn empty_input_is_success_with_no_output() {
    let run = TestDir::new().run_with_stdin(&["batch"], b"").success();
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "");
}

#[test]
fn a_missing_file_is_one_line_with_exit_2() {
    let line = TestDir::new().run(&["batch", "nope.jsonl"]).bad_input();
    assert!(line.starts_with("guardian: cannot open 'nope.jsonl': "), "{line}");
}

#[test]
fn a_closed_output_pipe_is_a_quiet_success() {
    let dir = TestDir::new();
    let input: String = (0..50_000).map(|i| text_line(&format!("{SCAM_SMS} {i}"), "sms") + "\n").collect();
    let file = dir.write("big.jsonl", input.as_bytes());
    let mut child = dir.command(&["batch", &file]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    // The reader (and so the pipe) is dropped here, like `| head -1`.
    assert!(first.starts_with("{\"score\":"), "{first}");
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn a_closed_output_pipe_on_a_single_check_is_quiet_too() {
    let dir = TestDir::new();
    let mut child = dir
        .command(&["text", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.stdin.take().unwrap().write_all(SCAM_SMS.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}
