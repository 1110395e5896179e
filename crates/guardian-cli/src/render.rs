//! The human-readable answer: for a person, not a program. Level in words with the score,
//! the reasons as bullets, what to do now, the checklist and the words to say.

use std::io::{self, Write};

use guardian_engine::{Level, RiskResponse};

/// Whether to colour the output. Colour only on a terminal and never under `NO_COLOR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    color: bool,
}

impl Style {
    /// Colour when `is_terminal` and `NO_COLOR` is unset or empty (no-color.org).
    pub fn detect(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> Style {
        let no_color = no_color.is_some_and(|v| !v.is_empty());
        Style { color: is_terminal && !no_color }
    }

    /// No colour at all.
    #[cfg(test)]
    pub fn plain() -> Style {
        Style { color: false }
    }

    fn paint(self, w: &mut impl Write, sgr: &str, text: &str) -> io::Result<()> {
        if self.color { write!(w, "\x1b[{sgr}m{text}\x1b[0m") } else { w.write_all(text.as_bytes()) }
    }

    fn heading(self, w: &mut impl Write, text: &str) -> io::Result<()> {
        self.paint(w, "1", text)?;
        writeln!(w)
    }
}

/// The level in words, as the first line shows it.
pub fn level_words(level: Level) -> &'static str {
    match level {
        Level::High => "HIGH RISK",
        Level::Medium => "MEDIUM RISK",
        Level::Low => "LOW RISK",
    }
}

fn level_summary(level: Level) -> &'static str {
    match level {
        Level::High => "This looks like a scam. Stop: do not pay, click, or share anything.",
        Level::Medium => "Some warning signs. Slow down and check before you do anything.",
        Level::Low => "No strong signs of a scam found. If something still feels wrong, trust that feeling.",
    }
}

/// What was checked, shown above the answer's details when it helps.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A message or call transcript: matched phrases are cut from it.
    Text(&'a str),
    /// A link.
    Url,
    /// Anything else.
    Other,
}

/// Writes the whole answer.
pub fn human(w: &mut impl Write, style: Style, response: &RiskResponse, source: Source<'_>) -> io::Result<()> {
    let sgr = match response.level {
        Level::High => "1;31",
        Level::Medium => "1;33",
        Level::Low => "1;32",
    };
    style.paint(w, sgr, &format!("{} ({}/100)", level_words(response.level), response.score))?;
    writeln!(w)?;
    writeln!(w, "{}", level_summary(response.level))?;

    writeln!(w)?;
    style.heading(w, "Why:")?;
    if response.reasons.is_empty() {
        writeln!(w, "  • No common warning signs were found.")?;
    }
    for reason in &response.reasons {
        writeln!(w, "  • {}", one_line(reason))?;
    }

    match source {
        // On a low answer the matched words are building blocks that came to nothing;
        // listing them as "concern" would alarm for no reason.
        Source::Text(text) if response.level != Level::Low => {
            let phrases = matched_phrases(response, text);
            if !phrases.is_empty() {
                writeln!(w)?;
                style.heading(w, "Words that raised concern:")?;
                for p in phrases {
                    writeln!(w, "  • \"{p}\"")?;
                }
            }
        }
        Source::Url => {
            if let Some(url) = &response.metadata.url {
                writeln!(w)?;
                style.heading(w, "The link:")?;
                writeln!(w, "  • goes to: {}", one_line(&url.host))?;
                if let Some(domain) = &url.registrable_domain
                    && domain != &url.host
                {
                    writeln!(w, "  • owned by whoever owns: {}", one_line(domain))?;
                }
                if let Some(brand) = &url.imitates {
                    writeln!(w, "  • seems to imitate: {}", one_line(brand))?;
                }
            }
        }
        Source::Text(_) | Source::Other => {}
    }

    writeln!(w)?;
    style.heading(w, "What to do now:")?;
    writeln!(w, "  {}", one_line(&response.next_action))?;

    if !response.recommended_actions.is_empty() {
        writeln!(w)?;
        style.heading(w, "Checklist:")?;
        for (i, action) in response.recommended_actions.iter().enumerate() {
            writeln!(w, "  {}. {}", i + 1, one_line(&action.title))?;
            if !action.detail.trim().is_empty() {
                writeln!(w, "     {}", one_line(&action.detail))?;
            }
        }
    }

    if let Some(script) = &response.safe_script {
        writeln!(w)?;
        style.heading(w, "Say this:")?;
        writeln!(w, "  \"{}\"", one_line(&script.say_this))?;
        style.heading(w, "If they push back:")?;
        writeln!(w, "  \"{}\"", one_line(&script.if_they_push_back))?;
    }
    Ok(())
}

/// The distinct phrases of the original text that made rules fire, in text order, with
/// overlapping matches joined ("Reply STOP" + "STOP to opt out" → "Reply STOP to opt out").
/// Offsets come from the engine; a bad one is skipped, never trusted.
fn matched_phrases(response: &RiskResponse, text: &str) -> Vec<String> {
    let mut spans: Vec<(usize, usize)> = response
        .metadata
        .matched_phrases
        .iter()
        .map(|m| (m.start, m.end))
        .filter(|&(s, e)| s < e && text.get(s..e).is_some())
        .collect();
    spans.sort_unstable();
    let mut joined: Vec<(usize, usize)> = Vec::new();
    for (start, end) in spans {
        match joined.last_mut() {
            Some(last) if start < last.1 => last.1 = last.1.max(end),
            _ => joined.push((start, end)),
        }
    }
    let mut out: Vec<String> = Vec::new();
    for (start, end) in joined {
        let Some(piece) = text.get(start..end) else { continue };
        let piece = one_line(piece.trim());
        if !piece.is_empty() && !out.iter().any(|p| p.eq_ignore_ascii_case(&piece)) {
            out.push(piece);
        }
    }
    out
}

/// Text from the pack or the user, made safe for one terminal line: control characters
/// (escape sequences included) become spaces.
pub fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardian_engine::{MatchedPhrase, Metadata, RecommendedAction, SafeScript};

    fn response(level: Level) -> RiskResponse {
        RiskResponse {
            score: 88,
            level,
            reasons: vec!["Nobody official asks to be paid in gift cards.".into()],
            next_action: "Hang up.".into(),
            recommended_actions: vec![RecommendedAction {
                id: "hang_up".into(),
                title: "Hang up".into(),
                detail: "It is not rude.".into(),
            }],
            safe_script: Some(SafeScript {
                say_this: "I will call my bank myself.".into(),
                if_they_push_back: "No.".into(),
            }),
            metadata: Metadata {
                matched_phrases: vec![
                    MatchedPhrase { rule: "A".into(), phrase: "gift card".into(), start: 7, end: 17 },
                    MatchedPhrase { rule: "B".into(), phrase: "bad".into(), start: 5, end: 500 },
                    MatchedPhrase { rule: "C".into(), phrase: "cards now".into(), start: 11, end: 21 },
                    MatchedPhrase { rule: "D".into(), phrase: "pay".into(), start: 0, end: 3 },
                ],
                ..Metadata::default()
            },
        }
    }

    #[test]
    fn plain_output_has_every_section_and_no_escapes() {
        let mut out = Vec::new();
        human(&mut out, Style::plain(), &response(Level::High), Source::Text("Pay in gift cards now")).unwrap();
        let out = String::from_utf8(out).unwrap();
        for want in [
            "HIGH RISK (88/100)",
            "  • Nobody official",
            "\"gift cards now\"",
            "• \"Pay\"",
            "What to do now:",
            "1. Hang up",
            "Say this:",
            "If they push back:",
        ] {
            assert!(out.contains(want), "missing {want:?} in\n{out}");
        }
        assert!(!out.contains('\x1b'));
    }

    #[test]
    fn colour_follows_terminal_and_no_color() {
        use std::ffi::OsStr;
        assert!(Style::detect(true, None).color);
        assert!(Style::detect(true, Some(OsStr::new(""))).color);
        assert!(!Style::detect(true, Some(OsStr::new("1"))).color);
        assert!(!Style::detect(false, None).color);
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(one_line("a\x1b[2Jb\nc"), "a [2Jb c");
    }
}
