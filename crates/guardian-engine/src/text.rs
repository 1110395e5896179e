//! InboxGuard text: a message (SMS, e-mail, WhatsApp…) scored by the text rules, with
//! every link in it scored by the URL analyser.
//!
//! The same text rules also read call transcripts and payment reasons: their categories
//! become facts (`text.gift_cards`, …) that the CallGuard and MoneyGuard rules test.

use crate::error::EngineError;
use crate::matcher::Hit;
use crate::model::{AnalyzeTextRequest, Channel, MatchedPhrase, Metadata, Module, RiskResponse};
use crate::normalize::Normalized;
use crate::pack::{Rule, RuleSet};
use crate::{Engine, classifier, respond::respond, url};

/// Longer texts are cut here (on a character boundary), with a note in the metadata:
/// a scam shows itself long before, and this bounds the time any input can take.
pub(crate) const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Links past this many are listed but not analysed.
const MAX_URLS_ANALYSED: usize = 10;
/// How many of the links' strongest findings join the message's reasons.
const URL_FINDINGS_JOINED: usize = 2;
/// Only findings at least this strong join: a plain-http link alone says little about a
/// message, but a look-alike bank domain says a lot.
const MIN_JOINED_URL_SCORE: u8 = 6;
/// A link whose own rules (model aside) score this much is risky: a raw IP address or a
/// look-alike of a brand does, a plain-http link alone does not.
const RISKY_LINK_POINTS: u32 = 12;
/// Matched phrases reported in metadata, at most.
const MAX_MATCHED_PHRASES: usize = 50;

/// Facts about a message that its code (not its phrases) establishes.
const STATIC_FACTS: &[&str] = &[
    "channel.email",
    "channel.sms",
    "channel.whatsapp",
    "channel.other",
    "has_url",
    "many_urls",
    "link_risky",
    "link_shortened",
    "link_mismatch",
    "has_phone",
    "premium_number",
    "shortcode",
    "pence_price",
    "has_money_amount",
    "has_email_address",
    "shouting",
    "many_exclamations",
    "html_markup",
];

pub(crate) fn facts() -> Vec<String> {
    STATIC_FACTS.iter().map(|s| s.to_string()).chain(classifier::band_fact_names()).collect()
}

/// What scanning a text found, before it becomes a response.
pub(crate) struct TextScan<'e> {
    /// Text rules that fired (building blocks included).
    pub fired: Vec<&'e Rule>,
    /// URL rules from the links, strongest first, to join the reasons.
    pub url_rules: Vec<&'e Rule>,
    pub metadata: Metadata,
    /// What the text model read, when asked for.
    pub model_features: Option<classifier::FeatureVector>,
}

impl<'e> TextScan<'e> {
    /// The scam categories the text rules recognised, e.g. `gift_cards`.
    pub(crate) fn categories(&self, engine: &'e Engine) -> Vec<&'e str> {
        categories_of(engine, self.fired.iter().copied())
    }
}

/// The distinct categories of some fired rules, in order.
fn categories_of<'e>(engine: &'e Engine, rules: impl Iterator<Item = &'e Rule>) -> Vec<&'e str> {
    let mut out: Vec<&str> = Vec::new();
    for c in rules.filter_map(|r| r.category) {
        let id = engine.pack.categories[c].id.as_str();
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// One pass of the text rules' phrases over a normalised text: which rules' phrases hit,
/// and every hit (for highlighting).
fn match_phrases(set: &RuleSet, normalized: &Normalized) -> (Vec<bool>, Vec<Hit>) {
    let mut phrase_hit = vec![false; set.rules.len()];
    let mut hits = Vec::new();
    if let Some(matcher) = &set.matcher {
        matcher.find(normalized, |h| {
            phrase_hit[h.rule] = true;
            hits.push(h);
        });
    }
    (phrase_hit, hits)
}

pub(crate) fn analyze(engine: &Engine, request: &AnalyzeTextRequest) -> Result<RiskResponse, EngineError> {
    if request.text.trim().is_empty() {
        return Err(EngineError::input("text", "is empty; paste the message to check"));
    }
    let scan = scan(engine, &request.text, request.channel);
    let mut fired = scan.fired;
    fired.extend(scan.url_rules);
    Ok(respond(engine, Module::Inboxguard, &fired, scan.metadata))
}

/// The scam categories the text rules find in a short story — a payment's recipient and
/// reason. Phrases only: the payment rules read categories, not links or number shapes,
/// so this skips the link analysis and raw-text features that `scan` does.
pub(crate) fn story_categories<'e>(engine: &'e Engine, story: &str) -> Vec<&'e str> {
    let set = &engine.pack.text;
    let (phrase_hit, _) = match_phrases(set, &Normalized::new(truncate(story, MAX_TEXT_BYTES)));
    let mut facts = set.facts();
    facts.set("channel.other");
    categories_of(engine, set.evaluate(&facts, &phrase_hit).into_iter().map(|i| &set.rules[i]))
}

/// Cuts `text` to at most `max` bytes on a character boundary.
pub(crate) fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Scans a text with the text rules. Never fails: any string gets an answer.
pub(crate) fn scan<'e>(engine: &'e Engine, full_text: &str, channel: Channel) -> TextScan<'e> {
    scan_with(engine, full_text, channel, false)
}

/// What the text model reads of a message (for training).
pub(crate) fn model_features(engine: &Engine, text: &str, channel: Channel) -> classifier::FeatureVector {
    scan_with(engine, text, channel, true).model_features.unwrap_or_default()
}

fn scan_with<'e>(engine: &'e Engine, full_text: &str, channel: Channel, want_features: bool) -> TextScan<'e> {
    let set = &engine.pack.text;
    let mut metadata = Metadata::default();
    let text = truncate(full_text, MAX_TEXT_BYTES);
    if text.len() < full_text.len() {
        metadata.notes.push(format!("text longer than {} KiB: only the first part was checked", MAX_TEXT_BYTES / 1024));
    }
    let mut facts = set.facts();
    facts.set(match channel {
        Channel::Email => "channel.email",
        Channel::Sms => "channel.sms",
        Channel::Whatsapp => "channel.whatsapp",
        Channel::Other => "channel.other",
    });

    // Links: find them, score each, keep the strongest findings.
    let found = url::find_urls(text);
    let mut url_rules: Vec<&Rule> = Vec::new();
    for link in found.iter().take(MAX_URLS_ANALYSED) {
        let Ok((rules, analysis)) = url::fired_rules(engine, &link.url, false) else { continue };
        let total: u32 = rules.iter().filter(|r| !r.hidden).map(|r| u32::from(r.score)).sum();
        if total >= RISKY_LINK_POINTS {
            facts.set("link_risky");
        }
        if analysis.facts.contains(&"url.shortener") {
            facts.set("link_shortened");
        }
        if analysis.details.imitates.is_some() {
            facts.set("link_mismatch");
        }
        url_rules.extend(rules.into_iter().filter(|r| !r.hidden && r.score >= MIN_JOINED_URL_SCORE));
    }
    url_rules.sort_by_key(|r| std::cmp::Reverse(r.score));
    let mut seen = std::collections::HashSet::new();
    url_rules.retain(|r| seen.insert(r.id.as_str()));
    url_rules.truncate(URL_FINDINGS_JOINED);
    if !found.is_empty() {
        facts.set("has_url");
    }
    if found.len() >= 3 {
        facts.set("many_urls");
    }
    metadata.urls = found.iter().map(|u| u.url.clone()).collect();

    let features = Features::of(text);
    metadata.phone_numbers = features.phones.clone();
    for (on, name) in [
        (!features.phones.is_empty(), "has_phone"),
        (features.premium_number, "premium_number"),
        (features.shortcode, "shortcode"),
        (features.pence_price, "pence_price"),
        (features.money_amount, "has_money_amount"),
        (features.email_address, "has_email_address"),
        (features.shouting, "shouting"),
        (features.exclamations >= 3, "many_exclamations"),
        (features.html, "html_markup"),
    ] {
        if on {
            facts.set(name);
        }
    }

    // Phrases: one pass over the normalised text.
    let normalized = Normalized::new(text);
    let (phrase_hit, hits) = match_phrases(set, &normalized);

    let mut fired_idx = set.evaluate(&facts, &phrase_hit);

    // The learned model reads the same normalised text and what the rules found; its band
    // is then a fact for the rules that score it.
    let mut model_phrases = Vec::new();
    let mut model_features = None;
    if want_features {
        let mut features = classifier::FeatureVector::default();
        read_for_model(text, &normalized, set, &facts, &fired_idx, &mut features);
        model_features = Some(features);
    } else if let Some(model) = &engine.models.text {
        let mut scorer = classifier::Scorer::new(model);
        read_for_model(text, &normalized, set, &facts, &fired_idx, &mut scorer);
        let scored = scorer.finish();
        for fact in classifier::band_facts(scored.probability) {
            facts.set(fact);
        }
        metadata.model_score = Some(classifier::percent(scored.probability));
        model_phrases = scored.phrases;
        fired_idx = set.reevaluate_model_rules(&facts, &phrase_hit, &fired_idx);
    }
    let fired: Vec<&Rule> = fired_idx.iter().map(|&i| &set.rules[i]).collect();

    // The phrases that weighed most with the model, credited to the band rule that scored.
    if let Some(&model_rule) = fired_idx.iter().find(|&&i| !set.rules[i].hidden && set.reads_model(i)) {
        for c in model_phrases {
            let (start, end) = normalized.original_span(c.start, c.end);
            metadata.matched_phrases.push(MatchedPhrase {
                rule: set.rules[model_rule].id.clone(),
                phrase: normalized.as_str()[c.start..c.end].into(),
                start,
                end,
            });
        }
    }

    if let Some(matcher) = &set.matcher {
        // Highlight only what the person is shown: phrases of fired, visible rules.
        let mut is_shown = vec![false; set.rules.len()];
        for &i in &fired_idx {
            is_shown[i] = !set.rules[i].hidden;
        }
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for h in &hits {
            if metadata.matched_phrases.len() == MAX_MATCHED_PHRASES {
                break;
            }
            if !is_shown[h.rule] {
                continue;
            }
            let (start, end) = normalized.original_span(h.start, h.end);
            if spans.contains(&(start, end)) {
                continue;
            }
            spans.push((start, end));
            metadata.matched_phrases.push(MatchedPhrase {
                rule: set.rules[h.rule].id.clone(),
                phrase: matcher.phrase(h.phrase).clone(),
                start,
                end,
            });
        }
    }
    TextScan { fired, url_rules, metadata, model_features }
}

/// What the text model reads of a message: its words and what the rules found in it. One
/// function for training (a vector) and assessing (a running score), so they cannot differ.
/// Forced inline: it runs once per feature-heavy scan, and out of line the per-feature
/// sink calls inside it were not inlined (one benchmark run showed 26 µs for a 1 KB text
/// instead of 18; this machine's noise is large, so treat that as a hint).
#[inline(always)]
fn read_for_model(
    text: &str,
    normalized: &Normalized,
    set: &RuleSet,
    facts: &crate::pack::Facts<'_>,
    fired: &[usize],
    sink: &mut impl classifier::FeatureSink,
) {
    classifier::text_features_normalized(text, normalized, sink);
    for name in set.evidence(facts, fired) {
        classifier::push_evidence(sink, name);
    }
}

/// Features computed from the raw text (case, punctuation, numbers).
#[derive(Debug, Default)]
struct Features {
    phones: Vec<String>,
    /// A premium-rate number (UK 09…, 087…; US 1-900).
    premium_number: bool,
    /// "text WORD to 80082": a reply to a 4–6 digit short code.
    shortcode: bool,
    /// A price in pence ("150p", "35p/msg"), the currency of premium text services.
    pence_price: bool,
    money_amount: bool,
    email_address: bool,
    shouting: bool,
    exclamations: usize,
    html: bool,
}

/// Fewest digits in a phone number; shorter runs are short codes, prices or dates.
const MIN_PHONE_DIGITS: usize = 7;
const MAX_PHONE_DIGITS: usize = 15;
/// Letters needed before the upper-case share means anything.
const MIN_LETTERS_FOR_SHOUTING: usize = 20;

impl Features {
    /// One look at the raw text; each feature is a cheap byte test, so a long e-mail
    /// costs a few passes over its bytes and no allocation beyond the phone list.
    fn of(text: &str) -> Features {
        let mut f = Features::default();
        let bytes = text.as_bytes();

        // Counting letters is a simple loop the compiler vectorises; the rarer marks are
        // found with memchr rather than a test per byte.
        let (upper, letters) = if text.is_ascii() {
            (
                bytes.iter().filter(|b| b.is_ascii_uppercase()).count(),
                bytes.iter().filter(|b| b.is_ascii_alphabetic()).count(),
            )
        } else {
            text.chars()
                .filter(|c| c.is_alphabetic())
                .fold((0, 0), |(u, l), c| (u + usize::from(c.is_uppercase()), l + 1))
        };
        f.exclamations = memchr::memchr_iter(b'!', bytes).count();
        for i in memchr::memchr3_iter(b'@', b'<', b'$', bytes) {
            match bytes[i] {
                b'@' => f.email_address |= is_email_at(bytes, i),
                b'<' => f.html |= is_html_tag(&bytes[i + 1..]),
                _ => f.money_amount |= is_money_amount(bytes, i),
            }
        }
        if !f.money_amount {
            f.money_amount = memchr::memchr2_iter(0xC2, 0xE2, bytes).any(|i| is_money_amount(bytes, i));
        }
        f.shouting = letters >= MIN_LETTERS_FOR_SHOUTING && upper * 10 >= letters * 6;

        f.scan_phone_numbers(text);
        f.scan_words(bytes);
        f
    }

    /// Phone numbers: a run of digits with the separators people write inside numbers.
    fn scan_phone_numbers(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let starts_number = bytes[i].is_ascii_digit()
                || (matches!(bytes[i], b'+' | b'(') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
            if !starts_number || (i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'/')) {
                i += 1;
                continue;
            }
            let start = i;
            let mut digits = 0;
            let mut end = i;
            while i < bytes.len() {
                let b = bytes[i];
                if b.is_ascii_digit() {
                    digits += 1;
                    end = i + 1;
                } else if !matches!(b, b' ' | b'-' | b'.' | b'(' | b')' | b'+')
                    || (b == b'+' && i != start)
                    || (b == b' ' && bytes.get(i + 1).is_some_and(|n| !n.is_ascii_digit() && *n != b'('))
                {
                    break;
                }
                i += 1;
            }
            let glued_after = bytes.get(end).is_some_and(u8::is_ascii_alphabetic);
            if (MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS).contains(&digits) && !glued_after {
                let raw = text[start..end].trim();
                self.premium_number |= is_premium_rate(raw);
                if !self.phones.iter().any(|p| p == raw) {
                    self.phones.push(raw.to_string());
                }
            }
            i = i.max(start + 1);
        }
    }

    /// Word-level features: "to 80082" short codes and pence prices ("150p", "£1/min").
    fn scan_words(&mut self, bytes: &[u8]) {
        let mut previous: &[u8] = b"";
        for word in bytes.split(u8::is_ascii_whitespace).filter(|w| !w.is_empty()) {
            if !self.shortcode && previous.eq_ignore_ascii_case(b"to") {
                let number =
                    word.strip_suffix(b".").or(word.strip_suffix(b",")).or(word.strip_suffix(b"!")).unwrap_or(word);
                self.shortcode = (4..=6).contains(&number.len()) && number.iter().all(u8::is_ascii_digit);
            }
            if !self.pence_price {
                self.pence_price = is_pence_price(word);
            }
            previous = word;
        }
    }
}

/// `bytes[i]` is an '@' between a name and a domain with a dot: an e-mail address.
fn is_email_at(bytes: &[u8], i: usize) -> bool {
    i > 0
        && bytes[i - 1].is_ascii_alphanumeric()
        && bytes.get(i + 1).is_some_and(u8::is_ascii_alphanumeric)
        && bytes[i + 1..].iter().take_while(|c| !c.is_ascii_whitespace() && **c != b'>').any(|c| *c == b'.')
}

/// What follows a '<' opens a web-page tag.
fn is_html_tag(after: &[u8]) -> bool {
    ["html", "body", "table", "font", "a href", "br>", "p>", "div"]
        .iter()
        .any(|tag| after.get(..tag.len()).is_some_and(|w| w.eq_ignore_ascii_case(tag.as_bytes())))
}

/// A currency sign at `bytes[i]` ($ £ ¥ € ₹) with a number right before or after it.
fn is_money_amount(bytes: &[u8], i: usize) -> bool {
    let sign_len = match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
        (b'$', _, _) => 1,
        (0xC2, Some(0xA3 | 0xA5), _) => 2,          // £ ¥
        (0xE2, Some(0x82), Some(0xAC | 0xB9)) => 3, // € ₹
        _ => return false,
    };
    let after = bytes[i + sign_len..].iter().find(|b| **b != b' ');
    let before = bytes[..i].iter().rev().find(|b| **b != b' ');
    after.is_some_and(u8::is_ascii_digit) || before.is_some_and(u8::is_ascii_digit)
}

/// A premium-rate number: UK 09… and 087…, US 1-900.
fn is_premium_rate(number: &str) -> bool {
    let mut digits = number.bytes().filter(u8::is_ascii_digit).peekable();
    let mut national: Vec<u8> = Vec::with_capacity(16);
    if number.starts_with('+') || number.starts_with("44") {
        // +44 9… → 09…
        let country: Vec<u8> = digits.by_ref().take(2).collect();
        if country == b"44" {
            national.push(b'0');
        } else {
            national.extend(country);
        }
    }
    national.extend(digits);
    national.starts_with(b"09")
        || national.starts_with(b"087")
        || national.starts_with(b"1900")
        || (national.starts_with(b"900") && national.len() == 10)
}

/// "150p", "35p/msg", "150ppm", "£1/min", "£1.50perweeksub".
fn is_pence_price(word: &[u8]) -> bool {
    // Every form has a digit; most words have none.
    if !word.iter().any(u8::is_ascii_digit) {
        return false;
    }
    let word = match word.iter().position(|b| !matches!(b, b'(' | b'@')) {
        Some(i) => &word[i..],
        None => return false,
    };
    let digits = word.iter().take_while(|b| b.is_ascii_digit()).count();
    let pence = (1..=3).contains(&digits) && {
        let rest = &word[digits..];
        rest == b"p" || [&b"p/"[..], b"ppm", b"p.", b"p,"].iter().any(|s| rest.starts_with(s))
    };
    pence
        || (word.len() > 4
            && [&b"/min"[..], b"/msg", b"/wk", b"perweek", b"permin"]
                .iter()
                .any(|unit| word.windows(unit.len()).any(|w| w.eq_ignore_ascii_case(unit))))
}

pub(crate) fn check_examples(engine: &Engine) -> Result<(), EngineError> {
    crate::run_examples(&engine.pack.text, |example| {
        let (text, channel) = match example {
            toml::Value::String(s) => (s.clone(), Channel::Sms),
            toml::Value::Table(t) => {
                let text = t.get("text").and_then(|v| v.as_str()).unwrap_or_default().to_string();
                let channel = t
                    .get("channel")
                    .and_then(|v| v.as_str())
                    .map(str::parse)
                    .transpose()
                    .map_err(|e: String| EngineError::input("channel", e))?
                    .unwrap_or(Channel::Sms);
                (text, channel)
            }
            _ => return Err(EngineError::input("example", "is neither a text nor a table")),
        };
        let scan = scan(engine, &text, channel);
        Ok(scan.fired.iter().map(|r| r.id.clone()).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_phone_numbers_but_not_prices_or_dates() {
        let f = Features::of("Call 0800 123 4567 or +44 7700 900123 now. Ref 2024, costs 150p, code 123456.");
        assert_eq!(f.phones, vec!["0800 123 4567", "+44 7700 900123"]);
        assert_eq!(Features::of("call (555) 123-4567").phones, vec!["(555) 123-4567"]);
    }

    #[test]
    fn notices_premium_numbers_short_codes_and_pence_prices() {
        assert!(Features::of("Chat now 09099726429").premium_number);
        assert!(Features::of("call +44 9099 726429").premium_number);
        assert!(!Features::of("call 07700 900123").premium_number);
        assert!(Features::of("Txt WIN to 80082.").shortcode);
        assert!(!Features::of("from 9 to 5 today").shortcode);
        assert!(Features::of("cost 150p per msg").pence_price);
        assert!(Features::of("Calls£1/minMobsmore").pence_price);
        assert!(!Features::of("I'm at 5pm, top up").pence_price);
    }

    #[test]
    fn notices_shouting_money_and_markup() {
        let f = Features::of("CONGRATULATIONS YOU HAVE WON A PRIZE!!! CLAIM $1,000 NOW");
        assert!(f.shouting && f.money_amount && f.exclamations == 3);
        let f = Features::of("<html><body>Hello</body></html>");
        assert!(f.html && !f.shouting);
        assert!(Features::of("write to me at jo@example.org").email_address);
        assert!(!Features::of("meet @ 5").email_address);
    }

    #[test]
    fn truncates_on_a_char_boundary() {
        let s = "ééé";
        assert_eq!(truncate(s, 3), "é");
        assert_eq!(truncate(s, 10), s);
    }
}
