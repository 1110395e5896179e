//! Look-alike folding and edit distances for host-name labels.
//!
//! Two views of a label are compared against the brand list:
//! - the *folded* label: lower case, accents dropped, letters from other scripts that look
//!   Latin mapped to the Latin letter they imitate (Cyrillic "а" → "a"). Digits, dashes
//!   and anything that has no Latin look-alike stay as they are.
//! - the *skeleton*: the folded label with the remaining visual tricks undone, in the
//!   spirit of Unicode TR39 skeletons: digits standing in for letters ("paypa1",
//!   "g00gle"), the letters `i`, `l` and `1` merged, "rn" → "m", "vv" → "w".
//!   Brand names get the same treatment, so "arnazon" and "amazon" share a skeleton.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

use crate::normalize::fold_confusable;

/// What scripts a label's letters come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Scripts {
    /// Latin letters (ASCII or accented).
    pub latin: bool,
    /// Cyrillic, Greek or Armenian letters: the scripts with Latin look-alikes.
    pub confusable_script: bool,
    /// Letters of those scripts that are not close look-alikes of a Latin letter
    /// (Cyrillic "п", "и"): a sign of a real word in that language.
    pub loose: bool,
    /// Any other non-ASCII letter (CJK, Arabic, …): a genuine foreign-language name.
    pub other: bool,
}

impl Scripts {
    /// Latin letters mixed with Cyrillic/Greek ones in one label ("pаypal" with a Cyrillic
    /// "а"), or a label written wholly in Cyrillic/Greek letters that all look Latin
    /// ("аррӏе"): both exist only to deceive.
    pub(super) fn deceptive(&self) -> bool {
        self.confusable_script && (self.latin || !self.loose) && !self.other
    }
}

/// Folds one label (already lower-cased by the URL parser) into `out` and reports its scripts.
pub(super) fn fold_label(label: &str, out: &mut String) -> Scripts {
    out.clear();
    let mut scripts = Scripts::default();
    if label.is_ascii() {
        out.push_str(label);
        scripts.latin = label.bytes().any(|b| b.is_ascii_alphabetic());
        return scripts;
    }
    for c in label.chars() {
        if c.is_ascii() {
            scripts.latin |= c.is_ascii_alphabetic();
            out.push(c);
            continue;
        }
        match script_of(c) {
            Script::Latin => scripts.latin = true,
            Script::Confusable => {
                scripts.confusable_script = true;
                if !CLOSE_LOOKALIKES.contains(&c) {
                    scripts.loose = true;
                }
            }
            Script::Other => scripts.other = true,
        }
        decompose_compatible(c, |d| {
            if is_combining_mark(d) {
                return;
            }
            let d = d.to_lowercase().next().unwrap_or(d);
            match fold_confusable(d) {
                Some(latin) => out.push_str(latin),
                None => out.push(d),
            }
        });
    }
    scripts
}

/// Cyrillic and Greek letters that are practically indistinguishable from a Latin one.
const CLOSE_LOOKALIKES: &[char] = &[
    'а', 'е', 'о', 'р', 'с', 'у', 'х', 'і', 'ј', 'ѕ', 'ӏ', 'һ', 'ԁ', 'ԛ', 'ԝ', // Cyrillic
    'α', 'ι', 'κ', 'ν', 'ο', 'ρ', 'υ', 'χ', // Greek
];

enum Script {
    Latin,
    Confusable,
    Other,
}

fn script_of(c: char) -> Script {
    match c as u32 {
        0x00C0..=0x024F | 0x1E00..=0x1EFF | 0x0250..=0x02AF => Script::Latin,
        0x0370..=0x03FF | 0x1F00..=0x1FFF | 0x0400..=0x052F | 0x0530..=0x058F => Script::Confusable,
        _ => Script::Other,
    }
}

/// The letter a digit stands in for inside a word.
fn digit_letter(b: u8) -> Option<u8> {
    Some(match b {
        b'0' => b'o',
        b'1' => b'l',
        b'3' => b'e',
        b'4' => b'a',
        b'5' => b's',
        b'7' => b't',
        b'8' => b'b',
        b'9' => b'g',
        _ => return None,
    })
}

/// The folded label with digits read as letters where they stand in for them, written
/// into `out`: a run of one or two digits touching a letter ("g00gle", "paypa1", "fr33")
/// becomes letters; longer runs ("5000eth", "2024") are numbers and stay. This light form
/// is what lure and crypto words are looked for in.
pub(super) fn unleet(folded: &str, out: &mut String) {
    out.clear();
    let bytes = folded.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && !bytes[i].is_ascii_digit() {
                i += 1;
            }
            out.push_str(&folded[start..i]);
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let run = &bytes[start..i];
        let touches_letter = (start > 0 && bytes[start - 1].is_ascii_alphabetic())
            || (i < bytes.len() && bytes[i].is_ascii_alphabetic());
        if run.len() <= 2 && touches_letter && run.iter().all(|&d| digit_letter(d).is_some()) {
            out.extend(run.iter().filter_map(|&d| digit_letter(d)).map(char::from));
        } else {
            out.push_str(&folded[start..i]);
        }
    }
}

/// The skeleton of a light form (see [`unleet`]), written into `out`: the letters `i` and
/// `l` merged, "rn" read as "m" and "vv" as "w". Dashes stay, so callers can still see
/// word boundaries.
pub(super) fn skeleton(light: &str, out: &mut String) {
    out.clear();
    let mut chars = light.chars().map(|c| if c == 'i' { 'l' } else { c }).peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('r', Some('n')) => {
                chars.next();
                out.push('m');
            }
            ('v', Some('v')) => {
                chars.next();
                out.push('w');
            }
            _ => out.push(c),
        }
    }
}

/// The light form and skeleton of a plain word (brand token, lure word).
pub(super) fn forms_of(word: &str) -> (String, String) {
    let mut folded = String::new();
    fold_label(word, &mut folded);
    let mut light = String::new();
    unleet(&folded, &mut light);
    let mut skel = String::new();
    skeleton(&light, &mut skel);
    (light, skel)
}

/// The skeleton of a plain word (brand token), for building matchers.
pub(super) fn skeleton_of(word: &str) -> String {
    forms_of(word).1
}

/// Longest pattern the distance functions accept; longer ones are cut.
const MAX_PATTERN: usize = 32;
/// Longest text the distance functions accept; longer ones are cut.
const MAX_TEXT: usize = 64;

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions) between
/// `a` and `b`, or — with `anywhere` — between `a` and the closest substring of `b`.
/// Byte-wise; both sides are skeletons, which are ASCII for anything a brand could match.
/// Stops early once the distance must exceed `max`, returning some value above it.
pub(super) fn osa_distance(a: &[u8], b: &[u8], anywhere: bool, max: usize) -> usize {
    let a = &a[..a.len().min(MAX_PATTERN)];
    let b = &b[..b.len().min(MAX_TEXT)];
    let (m, n) = (a.len(), b.len());
    if !anywhere && m.abs_diff(n) > max {
        return max + 1;
    }
    const W: usize = MAX_TEXT + 1;
    // Three rows (i-2, i-1, i) in one buffer, row i at (i % 3) * W.
    let mut rows = [0u8; 3 * W];
    for (j, cell) in rows[..=n].iter_mut().enumerate() {
        *cell = if anywhere { 0 } else { j as u8 };
    }
    let cap = (max + 1).min(250) as u8;
    for i in 1..=m {
        let (cur, prev, prev2) = ((i % 3) * W, ((i - 1) % 3) * W, ((i + 1) % 3) * W);
        rows[cur] = i.min(250) as u8;
        let mut row_min = rows[cur];
        for j in 1..=n {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[prev + j] + 1).min(rows[cur + j - 1] + 1).min(rows[prev + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[prev2 + j - 2] + 1);
            }
            let d = d.min(cap);
            rows[cur + j] = d;
            row_min = row_min.min(d);
        }
        // Every later cell comes from this row or the one before, plus a cost: once two
        // rows in a row are over the limit, the answer is too.
        let prev_min = rows[prev..=prev + n].iter().copied().min().unwrap_or(0);
        if row_min >= cap && prev_min >= cap {
            return max + 1;
        }
    }
    let last = (m % 3) * W;
    let d = if anywhere { rows[last..=last + n].iter().copied().min().unwrap_or(0) } else { rows[last + n] };
    usize::from(d)
}

/// How often each letter a-z occurs in a string.
pub(super) fn letter_counts(s: &[u8]) -> [u8; 26] {
    let mut counts = [0u8; 26];
    for &b in s {
        if b.is_ascii_lowercase() {
            counts[usize::from(b - b'a')] = counts[usize::from(b - b'a')].saturating_add(1);
        }
    }
    counts
}

/// A lower bound of the edit distance between two strings from their letter counts
/// alone (the "bag distance"): letters one has and the other lacks need an edit each.
pub(super) fn bag_distance(a: &[u8; 26], b: &[u8; 26]) -> usize {
    let (mut more, mut fewer) = (0usize, 0usize);
    for (x, y) in a.iter().zip(b) {
        if x > y {
            more += usize::from(x - y);
        } else {
            fewer += usize::from(y - x);
        }
    }
    more.max(fewer)
}

/// Bit set of the letter pairs in a string (26 × 26 bits).
#[derive(Default, Clone, Copy)]
pub(super) struct Bigrams([u64; 11]);

impl Bigrams {
    pub(super) fn contains(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    /// Adds a pair; true if it was not there yet.
    pub(super) fn insert(&mut self, i: usize) -> bool {
        let had = self.contains(i);
        self.0[i / 64] |= 1 << (i % 64);
        !had
    }
}

/// Index of a letter pair in a [`Bigrams`] set; `None` unless both are a-z.
pub(super) fn bigram_index(a: u8, b: u8) -> Option<usize> {
    (a.is_ascii_lowercase() && b.is_ascii_lowercase()).then(|| usize::from(a - b'a') * 26 + usize::from(b - b'a'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skel(s: &str) -> String {
        skeleton_of(s)
    }

    #[test]
    fn skeletons_undo_visual_tricks() {
        assert_eq!(skel("paypa1"), skel("paypal"));
        assert_eq!(skel("g00gle"), skel("google"));
        assert_eq!(skel("arnazon"), skel("amazon"));
        assert_eq!(skel("rnetamask"), skel("metamask"));
        assert_eq!(skel("vvellsfargo"), skel("wellsfargo"));
        assert_eq!(skel("bitcoln"), skel("bitcoin"));
        assert_eq!(skel("раypal"), skel("paypal"), "Cyrillic р and а");
        assert_eq!(skel("аррӏе"), skel("apple"), "all-Cyrillic apple");
        assert_eq!(skel("pàypal"), skel("paypal"), "accents dropped");
        // Numbers stay numbers.
        assert_eq!(skel("5000eth"), "5000eth");
        assert_eq!(skel("erc20"), "erc20");
        assert_eq!(skel("2024"), "2024");
        assert_eq!(forms_of("fr33-l0gin").0, "free-login", "light form: digits only");
        assert_eq!(forms_of("getethernow").0, "getethernow", "light form keeps rn");
        assert_ne!(skel("chase"), skel("chose"));
    }

    #[test]
    fn scripts_flag_mixed_and_whole_script_lookalikes() {
        let mut out = String::new();
        assert!(fold_label("pаypal", &mut out).deceptive(), "Latin + Cyrillic");
        assert!(fold_label("аррӏе", &mut out).deceptive(), "all Cyrillic, all look-alikes");
        assert!(!fold_label("пример", &mut out).deceptive(), "real Russian word");
        assert!(!fold_label("münchen", &mut out).deceptive(), "German accents");
        assert!(!fold_label("例え", &mut out).deceptive());
        assert!(!fold_label("paypal", &mut out).deceptive());
    }

    #[test]
    fn osa_distance_global_and_anywhere() {
        let d = |a: &str, b: &str, any| osa_distance(a.as_bytes(), b.as_bytes(), any, 9);
        assert_eq!(d("paypal", "paypal", false), 0);
        assert_eq!(d("paypal", "paypall", false), 1);
        assert_eq!(d("myetherwallet", "myehterwallet", false), 1, "transposition is one edit");
        assert_eq!(d("metamask", "metamsk", false), 1);
        assert_eq!(d("metamask", "secure-metamsk-login", true), 1);
        assert_eq!(d("metamask", "metamask", true), 0);
        assert_eq!(d("abc", "", false), 3);
        assert_eq!(d("", "abc", false), 3);
        assert!(osa_distance(b"metamask", b"zzzzzzzzzz", true, 1) > 1, "stops early");
        assert!(osa_distance(b"paypal", b"paypal-and-more", false, 2) > 2);
    }

    #[test]
    fn counts_and_bigrams() {
        assert_eq!(letter_counts(b"abca-1")[0], 2);
        assert_eq!(bag_distance(&letter_counts(b"paypal"), &letter_counts(b"paypall")), 1);
        assert_eq!(bag_distance(&letter_counts(b"coinbase"), &letter_counts(b"coinbsae")), 0);
        let mut set = Bigrams::default();
        for p in b"paypal".windows(2) {
            set.insert(bigram_index(p[0], p[1]).unwrap());
        }
        assert!(set.contains(bigram_index(b'p', b'a').unwrap()));
        assert!(!set.contains(bigram_index(b'z', b'z').unwrap()));
    }
}
