//! Each check, as a person runs it: levels for realistic inputs, the human answer's
//! sections, and `--json` as a RiskResponse.

use guardian_engine::{Level, Module, RiskResponse};

use crate::util::{PHARMACY_SMS, SCAM_SMS, TWO_FACTOR_SMS, TestDir, guardian};

/// `guardian --json args…` must succeed; returns the RiskResponse.
#[track_caller]
fn json(args: &[&str]) -> RiskResponse {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    guardian(&all).success().response()
}

/// Every reason is shown as a bullet, and the level in words with the score heads the answer.
#[track_caller]
fn assert_human_matches(human: &str, response: &RiskResponse) {
    let words = match response.level {
        Level::High => "HIGH RISK",
        Level::Medium => "MEDIUM RISK",
        Level::Low => "LOW RISK",
    };
    let first = human.lines().next().unwrap_or_default();
    assert_eq!(first, format!("{words} ({}/100)", response.score), "{human}");
    for reason in &response.reasons {
        assert!(human.contains(&format!("  • {reason}\n")), "reason {reason:?} missing from\n{human}");
    }
    assert!(human.contains("What to do now:\n"), "{human}");
    assert!(human.contains(response.next_action.as_str()), "{human}");
    for action in &response.recommended_actions {
        assert!(human.contains(action.title.as_str()), "{human}");
    }
    match &response.safe_script {
        Some(script) => {
            assert!(human.contains("Say this:\n"), "{human}");
            assert!(human.contains(script.say_this.as_str()), "{human}");
            assert!(human.contains("If they push back:\n"), "{human}");
            assert!(human.contains(script.if_they_push_back.as_str()), "{human}");
        }
        None => assert!(!human.contains("Say this:"), "{human}"),
    }
    assert!(!human.contains('\x1b'), "no colour when stdout is not a terminal:\n{human}");
}

mod text {
    use super::*;

    #[test]
    fn bank_gift_card_scam_sms_is_high() {
        let response = json(&["text", "--channel", "sms", SCAM_SMS]);
        assert_eq!(response.level, Level::High, "{response:#?}");
        assert!(response.score >= 70);
        assert!(!response.reasons.is_empty());
        assert!(response.safe_script.is_some());
        assert_eq!(response.metadata.module, Some(Module::Inboxguard));
        assert!(!response.metadata.pack_version.is_empty());
        assert!(!response.metadata.matched_phrases.is_empty());
    }

    #[test]
    fn two_factor_code_and_pharmacy_reminder_are_low() {
        for sms in [TWO_FACTOR_SMS, PHARMACY_SMS] {
            let response = json(&["text", "--channel", "sms", sms]);
            assert_eq!(response.level, Level::Low, "{sms}: {response:#?}");
            assert!(response.score < 35);
        }
    }

    #[test]
    fn human_answer_shows_level_score_reasons_advice_script_and_words() {
        let response = json(&["text", "--channel", "sms", SCAM_SMS]);
        let human = guardian(&["text", "--channel", "sms", SCAM_SMS]).success().stdout;
        assert_human_matches(&human, &response);
        assert!(human.contains("Why:\n"), "{human}");
        assert!(human.contains("Words that raised concern:\n"), "{human}");
        assert!(human.to_lowercase().contains("gift card"), "{human}");
    }

    #[test]
    fn low_answer_says_so_without_alarming_words() {
        let response = json(&["text", TWO_FACTOR_SMS]);
        let human = guardian(&["text", TWO_FACTOR_SMS]).success().stdout;
        assert_human_matches(&human, &response);
        assert!(!human.contains("Words that raised concern"), "{human}");
    }

    #[test]
    fn stdin_dash_nothing_and_unquoted_words_are_the_same_message() {
        let dir = TestDir::new();
        let as_arg = dir.run(&["--json", "text", SCAM_SMS]).success().stdout;
        let dash = dir.run_with_stdin(&["--json", "text", "-"], SCAM_SMS.as_bytes()).success().stdout;
        let nothing = dir.run_with_stdin(&["--json", "text"], SCAM_SMS.as_bytes()).success().stdout;
        let words: Vec<&str> = SCAM_SMS.split(' ').collect();
        let mut args = vec!["--json", "text"];
        args.extend(&words);
        let unquoted = dir.run(&args).success().stdout;
        assert_eq!(dash, as_arg);
        assert_eq!(nothing, as_arg);
        assert_eq!(unquoted, as_arg);
    }

    #[test]
    fn json_flag_works_after_the_subcommand_too() {
        let before = guardian(&["--json", "text", SCAM_SMS]).success().stdout;
        let after = guardian(&["text", SCAM_SMS, "--json"]).success().stdout;
        assert_eq!(before, after);
    }

    #[test]
    fn invalid_utf8_on_stdin_is_still_checked_with_a_note() {
        let dir = TestDir::new();
        let mut bytes = SCAM_SMS.as_bytes().to_vec();
        bytes.extend_from_slice(b" \xff\xfe");
        let run = dir.run_with_stdin(&["--json", "text"], &bytes).success();
        assert_eq!(run.response().level, Level::High);
        assert_eq!(
            run.stderr,
            "guardian: note: the message is not valid UTF-8; unreadable characters were replaced before checking\n"
        );
    }

    #[test]
    fn a_file_name_as_text_is_checked_as_words_with_a_hint() {
        let dir = TestDir::new();
        dir.write("message.txt", SCAM_SMS.as_bytes());
        let run = dir.run(&["text", "message.txt"]).success();
        assert_eq!(
            run.stderr,
            "guardian: note: checking the words 'message.txt' themselves; to check what is inside that file, type: guardian text - < message.txt\n"
        );
    }

    #[test]
    fn no_color_and_a_pipe_mean_no_escape_codes() {
        let dir = TestDir::new();
        let out = dir.command(&["text", SCAM_SMS]).env("NO_COLOR", "1").output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert!(!out.stdout.contains(&0x1b));
    }
}

mod url {
    use super::*;

    #[test]
    fn a_link_is_checked_and_its_host_shown() {
        let link = "https://www.example.com/account/login";
        let response = json(&["url", link]);
        assert_eq!(response.metadata.module, Some(Module::Inboxguard));
        let details = response.metadata.url.as_ref().expect("url details");
        assert_eq!(details.host, "www.example.com");
        let human = guardian(&["url", link]).success().stdout;
        assert_human_matches(&human, &response);
        assert!(human.contains("goes to: www.example.com"), "{human}");
        assert!(human.contains("owned by whoever owns: example.com"), "{human}");
    }

    #[test]
    fn raw_ip_plain_http_link_scores_above_a_plain_https_one() {
        let risky = json(&["url", "http://user:pass@192.168.4.20:8080/verify-account"]);
        let plain = json(&["url", "https://www.example.com/"]);
        assert!(risky.score > plain.score, "{risky:#?}");
        assert!(!risky.reasons.is_empty());
    }
}

mod money {
    use super::*;

    #[test]
    fn gift_cards_for_the_government_in_secret_is_high() {
        let args = [
            "money",
            "--amount",
            "2500",
            "--method",
            "gift_card",
            "--contacted-first",
            "--urgency",
            "--secret",
            "--impersonation",
            "government",
            "--reason",
            "tax debt, or I will be arrested today",
        ];
        let mut with_json = vec!["--json"];
        with_json.extend_from_slice(&args);
        let response = guardian(&with_json).success().response();
        assert_eq!(response.level, Level::High, "{response:#?}");
        assert_eq!(response.metadata.module, Some(Module::Moneyguard));
        let human = guardian(&args).success().stdout;
        assert_human_matches(&human, &response);
    }

    #[test]
    fn a_small_cheque_to_family_with_no_pressure_is_low() {
        let response = json(&[
            "money",
            "--amount",
            "40",
            "--method",
            "check",
            "--recipient",
            "my granddaughter's school",
            "--reason",
            "the class trip to the museum",
            "--impersonation",
            "none",
        ]);
        assert_eq!(response.level, Level::Low, "{response:#?}");
    }

    #[test]
    fn clients_names_for_methods_are_understood() {
        let named = json(&["money", "--amount", "500", "--method", "Google Play", "--urgency"]);
        let canonical = json(&["money", "--amount", "500", "--method", "gift_card", "--urgency"]);
        assert_eq!(named, canonical);
    }
}

mod call {
    use super::*;

    #[test]
    fn bank_caller_asking_for_a_code_is_high() {
        let response = json(&[
            "call",
            "--signal",
            "bank_impersonation",
            "--signal",
            "verification_code_request",
            "--signal",
            "urgency",
        ]);
        assert_eq!(response.level, Level::High, "{response:#?}");
        assert_eq!(response.metadata.module, Some(Module::Callguard));
        assert!(response.safe_script.is_some());
        let human = guardian(&[
            "call",
            "--signal",
            "bank_impersonation",
            "--signal",
            "verification_code_request",
            "--signal",
            "urgency",
        ])
        .success()
        .stdout;
        assert_human_matches(&human, &response);
    }

    #[test]
    fn comma_separated_and_loosely_spelled_signals_are_the_same() {
        let repeated = json(&["call", "--signal", "gift_cards", "--signal", "asks_to_keep_secret"]);
        let commas = json(&["call", "--signal", "Gift-Cards,asks to keep secret"]);
        assert_eq!(repeated.score, commas.score);
        assert_eq!(repeated.reasons, commas.reasons);
        assert!(commas.metadata.unknown_signals.is_empty(), "{commas:#?}");
    }

    #[test]
    fn a_transcript_alone_is_enough() {
        let run =
            guardian(&["--json", "call", "--transcript", "This is your bank. Read me the code we just texted you."])
                .success();
        assert_eq!(run.stderr, "");
        let response = run.response();
        assert_eq!(response.metadata.module, Some(Module::Callguard));
    }
}

mod identity {
    use super::*;

    #[test]
    fn several_takeover_signs_are_not_low() {
        let response = json(&[
            "identity",
            "--signal",
            "password_reset_unknown",
            "--signal",
            "new_device_login",
            "--signal",
            "account_opened",
        ]);
        assert_ne!(response.level, Level::Low, "{response:#?}");
        assert_eq!(response.metadata.module, Some(Module::Identitywatch));
        let human = guardian(&[
            "identity",
            "--signal",
            "password_reset_unknown",
            "--signal",
            "new_device_login",
            "--signal",
            "account_opened",
        ])
        .success()
        .stdout;
        assert_human_matches(&human, &response);
    }
}

mod help {
    use super::*;

    #[test]
    fn help_and_version_succeed_on_stdout() {
        let help = guardian(&["--help"]).success();
        assert!(help.stdout.contains("Exit status:"), "{}", help.stdout);
        assert_eq!(help.stderr, "");
        let version = guardian(&["--version"]).success();
        assert!(version.stdout.starts_with("guardian "), "{}", version.stdout);
        for sub in ["text", "url", "money", "call", "identity", "batch"] {
            let run = guardian(&[sub, "--help"]).success();
            assert!(run.stdout.contains("Example"), "{sub}: {}", run.stdout);
        }
    }

    #[test]
    fn bare_guardian_shows_help_and_exits_2() {
        let run = guardian(&[]);
        assert_eq!(run.code, Some(2));
        assert!(run.stderr.contains("Usage: guardian"), "{}", run.stderr);
    }
}
