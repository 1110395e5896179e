//! From command-line arguments to engine requests: validation the engine leaves to its
//! callers, and the hints that tell a person what to type instead.
//!
//! Nothing here scores anything; the engine does all of that.

use std::fmt;

use guardian_engine::{
    CALL_SIGNALS, CallAssessRequest, IDENTITY_SIGNALS, IdentityCheckRequest, PAYMENT_METHODS, RiskResponse,
    normalize_key,
};

/// Input that cannot be checked. Its `Display` is the whole one-line message (after
/// "guardian: ") and says what to type instead where that is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(pub String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// A call check needs at least one signal or some words from the caller.
pub fn check_call(request: &CallAssessRequest) -> Result<(), InputError> {
    let has_transcript = request.transcript.as_deref().is_some_and(|t| !t.trim().is_empty());
    if request.signals.is_empty() && !has_transcript {
        return Err(InputError(
            "nothing to check: name at least one warning sign or give what the caller said, \
             e.g. guardian call --signal bank_impersonation --transcript \"read me the code\""
                .into(),
        ));
    }
    Ok(())
}

/// An identity check needs at least one signal.
pub fn check_identity(request: &IdentityCheckRequest) -> Result<(), InputError> {
    if request.signals.is_empty() {
        return Err(InputError(
            "nothing to check: name at least one sign you noticed, \
             e.g. guardian identity --signal new_device_login"
                .into(),
        ));
    }
    Ok(())
}

/// Parses `--amount`. Range and NaN are the engine's to judge; here only "is it a number",
/// with a suggestion when it looks like money written for people ("$1,500").
pub fn parse_amount(raw: &str) -> Result<f64, InputError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(InputError("invalid amount: is empty; type how much they asked for, e.g. --amount 250".into()));
    }
    if let Ok(value) = trimmed.parse::<f64>() {
        return Ok(value);
    }
    match plain_number(trimmed) {
        Some(plain) => Err(InputError(format!(
            "invalid amount: '{}' is not a plain number; type digits only, e.g. --amount {plain}",
            crate::render::one_line(trimmed)
        ))),
        None => Err(InputError(format!(
            "invalid amount: '{}' is not a number; type digits only, e.g. --amount 250",
            crate::render::one_line(trimmed)
        ))),
    }
}

/// "$1,500.00" → "1500.00"; "1.500,50 €" → "1500.50"; "12,5" → "12.5"; None if it still
/// is no number.
fn plain_number(raw: &str) -> Option<String> {
    let core: String = raw
        .trim_matches(|c: char| c.is_whitespace() || "$£€¥₹".contains(c) || c.is_ascii_alphabetic())
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\'' && *c != '_')
        .collect();
    if core.is_empty() || !core.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.') {
        return None;
    }
    // The last separator followed by one or two digits is the decimal point; every other
    // separator groups thousands.
    let last_sep = core.rfind([',', '.']);
    let (int_part, frac_part) = match last_sep {
        Some(i) if (1..=2).contains(&(core.len() - i - 1)) => (&core[..i], Some(&core[i + 1..])),
        _ => (core.as_str(), None),
    };
    let digits: String = int_part.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let plain = match frac_part {
        Some(f) => format!("{digits}.{f}"),
        None => digits,
    };
    plain.parse::<f64>().ok().map(|_| plain)
}

/// For a link the engine refused: the link as it should probably have been typed.
pub fn suggest_url(raw: &str) -> Option<String> {
    let t = raw.trim();
    if t.is_empty() || t.chars().any(char::is_whitespace) {
        return None;
    }
    // Defanged links, as shared in security warnings: hxxps://example[.]com
    let refanged = t.replace("[.]", ".").replace("(.)", ".").replace("[:]", ":");
    let lower = refanged.to_ascii_lowercase();
    let fixed = if let Some(i) = lower.find("://") {
        let scheme = &lower[..i];
        let rest = &refanged[i + 3..];
        let new_scheme = match scheme {
            "hxxp" | "htp" | "htttp" | "http" => "http",
            "hxxps" | "htps" | "htttps" | "https" | "http5" | "hhtps" => "https",
            _ => return None,
        };
        if rest.is_empty() {
            return None;
        }
        format!("{new_scheme}://{rest}")
    } else {
        let rest = refanged.trim_start_matches('/');
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        if !host.contains('.') || host.starts_with('.') || host.ends_with('.') {
            return None;
        }
        format!("https://{rest}")
    };
    (fixed != t).then_some(fixed)
}

/// Quotes a word for a POSIX shell, only if it needs it.
pub fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "@%_+=:,./-".contains(c));
    if safe { word.to_string() } else { format!("'{}'", word.replace('\'', r"'\''")) }
}

/// One line per unknown signal key (with the nearest known one, and a pointer to the other
/// command when the key belongs there), then one line listing the valid keys.
pub fn unknown_signal_notes(unknown: &[String], command: Command) -> Vec<String> {
    if unknown.is_empty() {
        return Vec::new();
    }
    let (valid, other, other_name) = match command {
        Command::Call => (CALL_SIGNALS, IDENTITY_SIGNALS, "identity"),
        Command::Identity => (IDENTITY_SIGNALS, CALL_SIGNALS, "call"),
    };
    let mut notes: Vec<String> = unknown
        .iter()
        .map(|key| {
            let shown = crate::render::one_line(key);
            let normal = normalize_key(key);
            if other.contains(&normal.as_str()) {
                format!("note: '{shown}' is not a {} signal and was ignored; it belongs to: guardian {other_name} --signal {normal}", command.name())
            } else if let Some(near) = nearest(&normal, valid) {
                format!("note: unknown signal '{shown}' was ignored (did you mean '{near}'?)")
            } else {
                format!("note: unknown signal '{shown}' was ignored")
            }
        })
        .collect();
    notes.push(format!("note: valid {} signals are: {}", command.name(), valid.join(", ")));
    notes
}

/// With nothing but unknown signal keys there is nothing to assess: that is bad input
/// (exit 2, one line naming the first unknown key and the nearest known one), not a
/// reassuring "low".
pub fn require_known_signal(given: usize, response: &RiskResponse, command: Command) -> Result<(), InputError> {
    let unknown = &response.metadata.unknown_signals;
    if given == 0 || unknown.len() < given {
        return Ok(());
    }
    let first = unknown_signal_notes(&unknown[..1], command).into_iter().next().unwrap_or_default();
    let first =
        first.strip_prefix("note: ").unwrap_or(&first).replace(" and was ignored", "").replace(" was ignored", "");
    Err(InputError(format!(
        "no known {} signal given: {first}; see `guardian {} --help` for the valid ones",
        command.name(),
        command.name()
    )))
}

/// A note when the payment method is not one the engine knows (it is then judged as
/// `other`), listing the known ones.
pub fn unknown_method_note(method: &str) -> Option<String> {
    if guardian_engine::canonical_payment_method(method).is_some() {
        return None;
    }
    let names: Vec<&str> = PAYMENT_METHODS.iter().map(|(name, _)| *name).collect();
    let hint = nearest(&normalize_key(method), &names).map(|n| format!(" (did you mean '{n}'?)")).unwrap_or_default();
    Some(format!(
        "note: payment method '{}' is not one I know, so it was judged as 'other'{hint}; known methods are: {}",
        crate::render::one_line(method.trim()),
        names.join(", ")
    ))
}

/// Which signal command a note is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Call,
    Identity,
}

impl Command {
    fn name(self) -> &'static str {
        match self {
            Command::Call => "call",
            Command::Identity => "identity",
        }
    }
}

/// The known name closest to `key`, if it is close enough to be a typo or a variant.
fn nearest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    if key.is_empty() {
        return None;
    }
    let (best, distance) = known.iter().map(|k| (*k, edit_distance(key, k))).min_by_key(|&(_, d)| d)?;
    let prefix = known.iter().find(|k| k.starts_with(key) || key.starts_with(**k)).copied();
    if distance <= 2.max(key.len() / 4) {
        Some(best)
    } else if key.len() >= 4 {
        prefix
    } else {
        None
    }
}

/// Levenshtein distance on chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_for_people_get_a_plain_suggestion() {
        let cases = [
            ("$1,500", Some("1500")),
            ("1,500.00", Some("1500.00")),
            ("£ 2 000", Some("2000")),
            ("12,5", Some("12.5")),
            ("1.500,50 €", Some("1500.50")),
            ("500 USD", Some("500")),
            ("lots", None),
            ("", None),
        ];
        for (raw, want) in cases {
            assert_eq!(plain_number(raw).as_deref(), want, "{raw}");
        }
        assert_eq!(parse_amount(" 250.5 "), Ok(250.5));
        assert!(parse_amount("-5").is_ok_and(|v| v == -5.0), "range is the engine's job");
        assert_eq!(
            parse_amount("$1,500").unwrap_err().to_string(),
            "invalid amount: '$1,500' is not a plain number; type digits only, e.g. --amount 1500"
        );
    }

    #[test]
    fn links_without_scheme_or_defanged_get_a_suggestion() {
        let cases = [
            ("example.com", Some("https://example.com")),
            ("www.bank.example/login?x=1", Some("https://www.bank.example/login?x=1")),
            ("hxxps://evil[.]example/pay", Some("https://evil.example/pay")),
            ("htps://example.com", Some("https://example.com")),
            ("//example.com/a", Some("https://example.com/a")),
            ("not a link", None),
            ("hello", None),
            ("ftp://example.com", None),
            ("https://", None),
        ];
        for (raw, want) in cases {
            assert_eq!(suggest_url(raw).as_deref(), want, "{raw}");
        }
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("https://a.example/x"), "https://a.example/x");
        assert_eq!(shell_quote("https://a.example/?a=1&b=2"), "'https://a.example/?a=1&b=2'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn near_misses_are_named() {
        assert_eq!(nearest("gift_card", CALL_SIGNALS), Some("gift_cards"));
        assert_eq!(nearest("remote_access", CALL_SIGNALS), Some("remote_access_request"));
        assert_eq!(nearest("xyzzy", CALL_SIGNALS), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn signals_of_the_other_command_are_pointed_there() {
        let notes = unknown_signal_notes(&["new_device_login".into()], Command::Call);
        assert!(notes[0].contains("guardian identity --signal new_device_login"), "{notes:?}");
        assert!(notes[1].starts_with("note: valid call signals are: urgency,"), "{notes:?}");
    }
}
