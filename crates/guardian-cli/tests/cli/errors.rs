//! Bad input: exit status 2, nothing on stdout, one stderr line that says what to do.
//! Odd but valid input (unknown method or signal keys) is checked, with notes on stderr.

use crate::util::{TestDir, guardian};

/// One case: arguments → the exact stderr line.
#[track_caller]
fn check(args: &[&str], expected: &str) {
    assert_eq!(guardian(args).bad_input(), expected, "guardian {args:?}");
}

/// One case where the engine words the message: only the prefix is pinned.
#[track_caller]
fn check_prefix(args: &[&str], prefix: &str) {
    let line = guardian(args).bad_input();
    assert!(line.starts_with(prefix), "guardian {args:?}: {line}");
}

#[test]
fn empty_or_blank_text_is_refused() {
    let empty = "guardian: invalid text: is empty; paste the message to check";
    check(&["text", ""], empty);
    check(&["text", "  \t \n "], empty);
    check(&["text", "--channel", "sms", " "], empty);
    assert_eq!(TestDir::new().run_with_stdin(&["text"], b"").bad_input(), empty);
    assert_eq!(TestDir::new().run_with_stdin(&["text", "-"], b"\n\n  \n").bad_input(), empty);
}

#[test]
fn a_link_without_scheme_gets_the_command_to_type() {
    check(
        &["url", "example.com"],
        "guardian: invalid url: 'example.com' is not a full link; type: guardian url https://example.com",
    );
    check(
        &["url", "www.mybank.example/login?id=1&x=2"],
        "guardian: invalid url: 'www.mybank.example/login?id=1&x=2' is not a full link; type: guardian url 'https://www.mybank.example/login?id=1&x=2'",
    );
    check(
        &["url", "hxxps://evil[.]example/pay"],
        "guardian: invalid url: 'hxxps://evil[.]example/pay' is not a full link; type: guardian url https://evil.example/pay",
    );
}

#[test]
fn things_that_are_not_links_are_refused() {
    check_prefix(&["url", "not a link at all"], "guardian: invalid url:");
    check_prefix(&["url", "https://"], "guardian: invalid url:");
    check_prefix(&["url", "http://"], "guardian: invalid url:");
    check_prefix(&["url", "ftp://files.example.com/x"], "guardian: invalid url:");
    check_prefix(&["url", "mailto:someone@example.com"], "guardian: invalid url:");
    check_prefix(&["url", ""], "guardian: invalid url:");
}

#[test]
fn amounts_out_of_range_or_not_numbers_are_refused() {
    for amount in ["-5", "-0.01", "NaN", "nan", "inf", "1e12", "1000000000.5", "1e400"] {
        check_prefix(&["money", "--amount", amount, "--method", "zelle"], "guardian: invalid amount:");
    }
    check(
        &["money", "--amount", "$1,500", "--method", "zelle"],
        "guardian: invalid amount: '$1,500' is not a plain number; type digits only, e.g. --amount 1500",
    );
    check(
        &["money", "--amount", "lots", "--method", "zelle"],
        "guardian: invalid amount: 'lots' is not a number; type digits only, e.g. --amount 250",
    );
    check(
        &["money", "--amount", "", "--method", "zelle"],
        "guardian: invalid amount: is empty; type how much they asked for, e.g. --amount 250",
    );
}

#[test]
fn amount_edges_are_accepted() {
    for amount in ["0", "1000000000", "1e9", "0.01"] {
        guardian(&["money", "--amount", amount, "--method", "zelle"]).success();
    }
}

#[test]
fn blank_method_is_refused() {
    check_prefix(&["money", "--amount", "10", "--method", "  "], "guardian: invalid payment_method:");
}

#[test]
fn unknown_method_is_judged_as_other_with_a_note() {
    let run = guardian(&["--json", "money", "--amount", "500", "--method", "carrier pigeon"]).success();
    let response = run.response();
    assert!(!response.metadata.notes.is_empty(), "{response:#?}");
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].starts_with(
            "guardian: note: payment method 'carrier pigeon' is not one I know, so it was judged as 'other'"
        ),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("known methods are: bank_transfer, cash,"), "{}", lines[0]);

    let near = guardian(&["money", "--amount", "500", "--method", "gift_crad"]).success();
    assert!(near.stderr.contains("(did you mean 'gift_card'?)"), "{}", near.stderr);
}

#[test]
fn unknown_call_signals_are_reported_with_the_valid_keys() {
    let run =
        guardian(&["--json", "call", "--signal", "gift_card", "--signal", "bank_impersonation", "--signal", "xyzzy"])
            .success();
    let response = run.response();
    assert_eq!(response.metadata.unknown_signals, ["gift_card", "xyzzy"]);
    assert_eq!(
        run.stderr_lines()[..2],
        [
            "guardian: note: unknown signal 'gift_card' was ignored (did you mean 'gift_cards'?)",
            "guardian: note: unknown signal 'xyzzy' was ignored",
        ]
    );
    assert!(
        run.stderr_lines()[2].starts_with("guardian: note: valid call signals are: urgency, bank_impersonation,"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr_lines().len(), 3, "{}", run.stderr);
}

#[test]
fn a_signal_of_the_other_check_points_there() {
    // With no known signal left there is nothing to check: bad input, with the hint.
    assert_eq!(
        guardian(&["call", "--signal", "new_device_login"]).bad_input(),
        "guardian: no known call signal given: 'new_device_login' is not a call signal; it belongs to: guardian identity --signal new_device_login; see `guardian call --help` for the valid ones"
    );
    assert_eq!(
        guardian(&["identity", "--signal", "acount_opened"]).bad_input(),
        "guardian: no known identity signal given: unknown signal 'acount_opened' (did you mean 'account_opened'?); see `guardian identity --help` for the valid ones"
    );
    let run = guardian(&["--json", "identity", "--signal", "gift_cards", "--signal", "new_device_login"]).success();
    assert_eq!(run.response().metadata.unknown_signals, ["gift_cards"]);
    assert_eq!(
        run.stderr_lines()[0],
        "guardian: note: 'gift_cards' is not a identity signal and was ignored; it belongs to: guardian call --signal gift_cards"
    );
    assert!(run.stderr_lines()[1].starts_with("guardian: note: valid identity signals are: account_opened,"));
}

#[test]
fn no_signals_is_refused() {
    check(
        &["call"],
        "guardian: nothing to check: name at least one warning sign or give what the caller said, e.g. guardian call --signal bank_impersonation --transcript \"read me the code\"",
    );
    check_prefix(&["call", "--transcript", "   "], "guardian: nothing to check:");
    check_prefix(&["call", "--signal", ""], "guardian: nothing to check:");
    check(
        &["identity"],
        "guardian: nothing to check: name at least one sign you noticed, e.g. guardian identity --signal new_device_login",
    );
}

#[test]
fn only_unknown_signals_is_bad_input() {
    // Nothing known is left to check; a "low" answer would falsely reassure.
    assert_eq!(
        guardian(&["--json", "identity", "--signal", "xyzzy"]).bad_input(),
        "guardian: no known identity signal given: unknown signal 'xyzzy'; see `guardian identity --help` for the valid ones"
    );
}

#[test]
fn usage_mistakes_are_one_line_with_exit_2() {
    check(
        &["money", "--amount", "5"],
        "guardian: the following required arguments were not provided: --method <METHOD>; usage: guardian money --amount <N> --method <METHOD>",
    );
    check(&["bogus"], "guardian: unrecognized subcommand 'bogus'; usage: guardian [OPTIONS] <COMMAND>");
    check_prefix(
        &["text", "--chanel", "sms", "hi"],
        "guardian: unexpected argument '--chanel' found; tip: a similar argument exists: '--channel'",
    );
    check(
        &["text", "--channel", "fax", "hi"],
        "guardian: invalid value 'fax' for '--channel <CHANNEL>': unknown channel 'fax' (expected sms, email, whatsapp or other)",
    );
    check_prefix(&["batch", "--threads", "0"], "guardian: invalid value '0' for '--threads <N>'");
    check_prefix(&["url"], "guardian: the following required arguments were not provided: <URL>");
}
