//! Text normalisation: one pass that turns a message into lower-case words separated by
//! single spaces, undoing the tricks scammers use to slip past filters, while remembering
//! where each output byte came from so matches can be highlighted in the original.
//!
//! What it folds: case; Unicode compatibility forms (NFKC: full-width letters, ligatures,
//! circled letters); accents; look-alike letters from other scripts (Cyrillic "а" → "a");
//! invisible characters (zero-width spaces, soft hyphens) inside words; digits used as
//! letters inside words ("g1ft c0de" → "gift code"); letters spaced or dotted apart
//! ("g i f t  c a r d", "g.i.f.t") — such runs are joined into one word.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// A normalised text: `" word word word "` (a leading and a trailing space make word
/// boundaries uniform) plus, for every byte of it, the byte span of the original
/// character it came from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Normalized {
    text: String,
    /// `origin[i]` = (start, end) in the original text of the char behind output byte i.
    origin: Vec<(u32, u32)>,
}

/// How many single letters in a row count as a spaced-out word ("g i f t").
const MIN_SPACED_RUN: usize = 4;

impl Normalized {
    /// Normalises `input`. Never fails; any string, even empty, gives a result.
    pub(crate) fn new(input: &str) -> Normalized {
        let mut builder = Builder::with_capacity(input.len());
        let bytes = input.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii() {
                // The common case, byte by byte: no decoding, no tables.
                let span = (i as u32, i as u32 + 1);
                match b {
                    b'a'..=b'z' | b'0'..=b'9' => builder.push_ascii(b, span),
                    b'A'..=b'Z' => builder.push_ascii(b.to_ascii_lowercase(), span),
                    // "don't" and "it's" stay one word.
                    b'\'' => {}
                    _ if ends_sentence(bytes, i) => builder.end_sentence(span),
                    _ => builder.end_word(),
                }
                i += 1;
                continue;
            }
            let Some(c) = input[i..].chars().next() else { break };
            let span = (i as u32, (i + c.len_utf8()) as u32);
            i += c.len_utf8();
            if is_invisible(c) || matches!(c, '\u{2019}' | '\u{02BC}') {
                // Invisible characters, and curly apostrophes like the straight one.
                continue;
            }
            let mut any = false;
            decompose_compatible(c, |d| {
                if is_combining_mark(d) {
                    return;
                }
                any = true;
                fold_into(d, span, &mut builder);
            });
            if !any && !is_combining_mark(c) {
                builder.end_word();
            }
        }
        builder.finish()
    }

    /// The normalised text, with a space at each end.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// Maps a byte range of the normalised text back to the original text.
    pub(crate) fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        debug_assert!(start < end && end <= self.origin.len());
        (self.origin[start].0 as usize, self.origin[end - 1].1 as usize)
    }
}

/// Normalises a rule-pack phrase the same way as a message, without the outer spaces.
pub(crate) fn normalize_phrase(phrase: &str) -> String {
    Normalized::new(phrase).text.trim().to_string()
}

/// Folds one already-decomposed character into the builder: lower-cases it and maps
/// look-alikes from other scripts onto the Latin letter they imitate.
fn fold_into(c: char, span: (u32, u32), builder: &mut Builder) {
    for lower in c.to_lowercase() {
        if let Some(latin) = fold_confusable(lower) {
            for l in latin.chars() {
                builder.push_word_char(l, span);
            }
        } else if lower.is_alphanumeric() {
            builder.push_word_char(lower, span);
        } else {
            builder.end_word();
        }
    }
}

/// The mark between sentences in the normalised text. No phrase contains it, so no
/// match runs from one sentence into the next ("…needs attention. Please log in").
pub(crate) const SENTENCE_BREAK: u8 = b'|';

/// `.`, `!`, `?` or `;` followed by white space or the end, or a blank line.
fn ends_sentence(bytes: &[u8], i: usize) -> bool {
    let next = bytes.get(i + 1).copied();
    match bytes[i] {
        b'.' | b'!' | b'?' | b';' => next.is_none_or(|b| b.is_ascii_whitespace()),
        b'\n' => next == Some(b'\n') || (next == Some(b'\r') && bytes.get(i + 2) == Some(&b'\n')),
        _ => false,
    }
}

/// Characters that render as nothing and are used to split words invisibly.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{180E}')
}

/// Look-alike letters (after lower-casing and NFKD) and the Latin text they imitate.
/// Sorted by char; a test keeps it so, which lets lookups use binary search.
const CONFUSABLES: &[(char, &str)] = &[
    ('ß', "ss"),
    ('æ', "ae"),
    ('ð', "d"),
    ('ø', "o"),
    ('đ', "d"),
    ('ħ', "h"),
    ('ı', "i"),
    ('ł', "l"),
    ('œ', "oe"),
    ('ƅ', "b"),
    ('ɑ', "a"),
    ('ɡ', "g"),
    ('ɩ', "i"),
    ('ɪ', "i"),
    ('ʀ', "r"),
    ('ʏ', "y"),
    ('α', "a"),
    ('β', "b"),
    ('γ', "y"),
    ('ε', "e"),
    ('η', "n"),
    ('ι', "i"),
    ('κ', "k"),
    ('ν', "v"),
    ('ο', "o"),
    ('ρ', "p"),
    ('ς', "c"),
    ('τ', "t"),
    ('υ', "u"),
    ('χ', "x"),
    ('ω', "w"),
    ('а', "a"),
    ('в', "b"),
    ('г', "r"),
    ('е', "e"),
    ('з', "3"),
    ('и', "u"),
    ('к', "k"),
    ('м', "m"),
    ('н', "h"),
    ('о', "o"),
    ('п', "n"),
    ('р', "p"),
    ('с', "c"),
    ('т', "t"),
    ('у', "y"),
    ('х', "x"),
    ('ь', "b"),
    ('ѕ', "s"),
    ('і', "i"),
    ('ј', "j"),
    ('ӏ', "l"),
    ('ԁ', "d"),
    ('ԛ', "q"),
    ('ԝ', "w"),
];

/// The Latin letters a look-alike character stands for, if it is one.
pub(crate) fn fold_confusable(c: char) -> Option<&'static str> {
    CONFUSABLES.binary_search_by_key(&c, |&(k, _)| k).ok().map(|i| CONFUSABLES[i].1)
}

/// Digits that stand in for letters inside a word ("fr33", "g1ft", "p4ssw0rd").
fn leet_letter(b: u8) -> Option<u8> {
    match b {
        b'0' => Some(b'o'),
        b'1' => Some(b'i'),
        b'3' => Some(b'e'),
        b'4' => Some(b'a'),
        b'5' => Some(b's'),
        b'7' => Some(b't'),
        _ => None,
    }
}

struct Builder {
    out: Normalized,
    /// Start of the word being built, in `out.text`.
    word_start: usize,
    /// Where the current run of single-letter words starts, and how long it is.
    run_start: usize,
    run_len: usize,
    /// The current word so far: its length in chars, whether it has a digit, whether it
    /// is letters only. Kept as chars arrive so closing a word needs no rescan.
    word_chars: usize,
    word_has_digit: bool,
    word_letters_only: bool,
}

impl Builder {
    fn with_capacity(n: usize) -> Builder {
        let mut out = Normalized { text: String::with_capacity(n + 2), origin: Vec::with_capacity(n + 2) };
        out.text.push(' ');
        out.origin.push((0, 0));
        Builder {
            out,
            word_start: 1,
            run_start: 1,
            run_len: 0,
            word_chars: 0,
            word_has_digit: false,
            word_letters_only: true,
        }
    }

    /// An ASCII letter (already lower-case) or digit.
    fn push_ascii(&mut self, b: u8, span: (u32, u32)) {
        self.word_chars += 1;
        self.word_has_digit |= b.is_ascii_digit();
        self.word_letters_only &= b.is_ascii_alphabetic();
        self.out.text.push(b as char);
        self.out.origin.push(span);
    }

    fn push_word_char(&mut self, c: char, span: (u32, u32)) {
        self.word_chars += 1;
        self.word_has_digit |= c.is_ascii_digit();
        self.word_letters_only &= c.is_alphabetic();
        self.push_raw(c, span);
    }

    fn push_raw(&mut self, c: char, span: (u32, u32)) {
        self.out.text.push(c);
        for _ in 0..c.len_utf8() {
            self.out.origin.push(span);
        }
    }

    /// Closes the current word, if any: applies digit-for-letter folding, then either
    /// extends a run of single letters or ends it (joining a long run into one word).
    fn end_word(&mut self) {
        let len = self.out.text.len();
        if len == self.word_start {
            return;
        }
        if self.word_has_digit {
            self.fold_leet();
        }
        let single_letter = self.word_chars == 1 && self.word_letters_only;
        self.word_chars = 0;
        self.word_has_digit = false;
        self.word_letters_only = true;
        if single_letter {
            if self.run_len == 0 {
                self.run_start = self.word_start;
            }
            self.run_len += 1;
        } else {
            self.close_run(self.word_start);
        }
        self.out.text.push(' ');
        let last = self.out.origin.last().map_or((0, 0), |&(_, e)| (e, e));
        self.out.origin.push(last);
        self.word_start = self.out.text.len();
    }

    /// Closes the current word and sentence: `… word | next …`.
    fn end_sentence(&mut self, span: (u32, u32)) {
        self.end_word();
        self.close_run(self.out.text.len());
        let text = self.out.text.as_bytes();
        let already = text.len() < 2 || text[text.len() - 2] == SENTENCE_BREAK;
        if !already {
            self.push_raw(SENTENCE_BREAK as char, span);
            self.push_raw(' ', span);
        }
        self.word_start = self.out.text.len();
    }

    /// Joins a run of spaced single letters ending before `run_end` into one word.
    fn close_run(&mut self, run_end: usize) {
        if self.run_len >= MIN_SPACED_RUN {
            // The run is "g i f t " (each letter followed by one space); drop those spaces.
            let region: Vec<(char, (u32, u32))> = self.out.text[self.run_start..run_end]
                .char_indices()
                .filter(|&(_, c)| c != ' ')
                .map(|(i, c)| (c, self.out.origin[self.run_start + i]))
                .collect();
            let tail_text = self.out.text[run_end..].to_string();
            let tail_origin = self.out.origin[run_end..].to_vec();
            self.out.text.truncate(self.run_start);
            self.out.origin.truncate(self.run_start);
            for (c, span) in region {
                self.push_raw(c, span);
            }
            self.out.text.push(' ');
            let last = self.out.origin.last().map_or((0, 0), |&(_, e)| (e, e));
            self.out.origin.push(last);
            let shift = run_end - self.out.text.len();
            self.out.text.push_str(&tail_text);
            self.out.origin.extend(tail_origin);
            self.word_start -= shift;
        }
        self.run_len = 0;
    }

    /// "g1ft", "fr33" → "gift", "free": in a word that starts with a letter and has at
    /// least two, digits become the letters they imitate when one sits before a letter,
    /// or when the word ends in exactly two of them. "150p", "mp3", "4u", "win100" stay.
    fn fold_leet(&mut self) {
        let word = &self.out.text.as_bytes()[self.word_start..];
        if !word.is_ascii() || !word.first().is_some_and(u8::is_ascii_alphabetic) {
            return;
        }
        let letters = word.iter().filter(|b| b.is_ascii_alphabetic()).count();
        let inner = word.windows(2).any(|w| leet_letter(w[0]).is_some() && w[1].is_ascii_alphabetic());
        let trailing = word.iter().rev().take_while(|b| b.is_ascii_digit()).count();
        let trailing_pair =
            trailing == 2 && word.len() >= 4 && word[word.len() - 2..].iter().all(|&b| leet_letter(b).is_some());
        if letters < 2 || !(inner || trailing_pair) {
            return;
        }
        let folded: String = word.iter().map(|&b| leet_letter(b).unwrap_or(b) as char).collect();
        self.out.text.replace_range(self.word_start.., &folded);
    }

    fn finish(mut self) -> Normalized {
        self.end_word();
        self.close_run(self.out.text.len());
        if self.out.text.len() == 1 {
            // Nothing but separators: keep a single space.
            return self.out;
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        Normalized::new(s).as_str().to_string()
    }

    #[test]
    fn confusables_sorted_and_unique() {
        for pair in CONFUSABLES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{:?} must sort before {:?}", pair[0], pair[1]);
        }
    }

    #[test]
    fn folds_case_punctuation_and_whitespace() {
        assert_eq!(norm("  URGENT!!  Your   account\n\tis LOCKED. "), " urgent | your account is locked | ");
        assert_eq!(norm(""), " ");
        assert_eq!(norm("   \n "), " ");
        assert_eq!(norm("don't"), " dont ");
        assert_eq!(norm("It needs attention. Please log in! Now?"), " it needs attention | please log in | now | ");
        assert_eq!(norm("Visit example.co.uk today.\n\nThanks"), " visit example co uk today | thanks ");
    }

    #[test]
    fn folds_lookalike_letters_and_accents() {
        // Cyrillic а, е, о and р mixed with Latin letters.
        assert_eq!(norm("Ρаyраl ассоunt"), " paypal account ");
        assert_eq!(norm("Ｇｉｆｔ ｃａｒｄ"), " gift card ");
        assert_eq!(norm("café résumé"), " cafe resume ");
        assert_eq!(norm("gi\u{200B}ft ca\u{00AD}rd"), " gift card ");
    }

    #[test]
    fn joins_spaced_and_dotted_letters() {
        assert_eq!(norm("buy g i f t c a r d s now"), " buy giftcards now ");
        assert_eq!(norm("G.I.F.T card"), " gift card ");
        // Short runs are ordinary words.
        assert_eq!(norm("u r a winner"), " u r a winner ");
    }

    #[test]
    fn folds_digits_used_as_letters() {
        assert_eq!(norm("fr33 g1ft c0de p4ssw0rd"), " free gift code password ");
        assert_eq!(norm("win100 iphone7"), " win100 iphone7 ");
        assert_eq!(norm("150p per msg, call 08001234567, mp3 4u"), " 150p per msg call 08001234567 mp3 4u ");
    }

    #[test]
    fn maps_spans_back_to_the_original() {
        let original = "Please buy a Gіft Card today";
        let n = Normalized::new(original);
        let at = n.as_str().find("gift card").unwrap();
        let (s, e) = n.original_span(at, at + "gift card".len());
        assert_eq!(&original[s..e], "Gіft Card");

        let spaced = "pay with g i f t c a r d s!";
        let n = Normalized::new(spaced);
        let at = n.as_str().find("giftcards").unwrap();
        let (s, e) = n.original_span(at, at + "giftcards".len());
        assert_eq!(&spaced[s..e], "g i f t c a r d s");
    }
}
