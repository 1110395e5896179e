//! Words in a link: lure words and crypto words in the host and path, word boundaries
//! inside glued-together names, and whether a name looks machine-made.

use super::data::{Data, MAX_SHORT_WORD, PathPattern, StrSet, word};

/// True when `s[start..end]` stands as a word of its own in a host label: what touches it
/// on each side, up to the next dash, dot or number, is nothing or a run of known words.
/// "secure-chase-login", "chaseonline", "5000eth" and "ethpromoget" qualify;
/// "purchase" and "method" do not.
pub(super) fn stands_alone(s: &[u8], start: usize, end: usize, known: &StrSet) -> bool {
    let (left, right) = neighbours(s, start, end);
    segments_into_known(left, known, None) && segments_into_known(right, known, None)
}

/// [`stands_alone`], also letting common web-name words stand next to it.
pub(super) fn stands_alone_among_common(s: &[u8], start: usize, end: usize, data: &Data) -> bool {
    let (left, right) = neighbours(s, start, end);
    let common = Some(&data.common_words);
    segments_into_known(left, &data.known_words, common) && segments_into_known(right, &data.known_words, common)
}

/// What touches `s[start..end]` on each side, up to the next dash, dot or number.
fn neighbours(s: &[u8], start: usize, end: usize) -> (&[u8], &[u8]) {
    let is_sep = |b: u8| b == b'-' || b == b'.';
    let class = |b: u8| b.is_ascii_digit();
    // Left neighbour.
    let mut l = start;
    while l > 0 && !is_sep(s[l - 1]) && class(s[l - 1]) == class(s[start]) {
        l -= 1;
    }
    let mut r = end;
    while r < s.len() && !is_sep(s[r]) && class(s[r]) == class(s[end - 1]) {
        r += 1;
    }
    (&s[l..start], &s[end..r])
}

/// Longest word the segmentation tries (longer list words never sit next to a short one).
const MAX_WORD: usize = 14;

/// True when `s` is empty, or starts (`at_start`) or ends with a known or common word of
/// three letters or more.
fn touches_known(s: &[u8], at_start: bool, data: &Data) -> bool {
    if s.is_empty() {
        return true;
    }
    let Ok(s) = std::str::from_utf8(s) else { return false };
    (3..=s.len().min(MAX_WORD)).any(|n| {
        let part = if at_start { s.get(..n) } else { s.get(s.len() - n..) };
        part.is_some_and(|p| data.known_words.contains(p) || data.common_words.contains(p))
    })
}

/// True when `s` is empty or a concatenation of known words (of two letters or more),
/// or of `also` words.
fn segments_into_known(s: &[u8], known: &StrSet, also: Option<&StrSet>) -> bool {
    if s.is_empty() {
        return true;
    }
    let Ok(s) = std::str::from_utf8(s) else { return false };
    let n = s.len();
    if n > 40 {
        return false;
    }
    let mut ok = [false; 41];
    ok[0] = true;
    for i in 2..=n {
        // Words are at most MAX_WORD letters long.
        ok[i] = (i.saturating_sub(MAX_WORD)..=i - 2).any(|j| {
            ok[j]
                && s.is_char_boundary(j)
                && s.is_char_boundary(i)
                && (known.contains(&s[j..i]) || also.is_some_and(|a| a.contains(&s[j..i])))
        });
    }
    ok[n]
}

/// `word::*` flags of the vocabulary words in one host label (its light form, dashes kept).
pub(super) fn label_words(data: &Data, skel: &str) -> u8 {
    let mut flags = 0;
    for m in data.word_matcher.find_overlapping_iter(skel) {
        let w = &data.words[m.pattern().as_usize()];
        if w.lists & !flags == 0 {
            continue;
        }
        let alone = |among_common: bool| {
            if among_common {
                stands_alone_among_common(skel.as_bytes(), m.start(), m.end(), data)
            } else {
                stands_alone(skel.as_bytes(), m.start(), m.end(), &data.known_words)
            }
        };
        if w.whole_word && !alone(false) {
            if w.lists & word::CRYPTO != 0 {
                let (left, right) = neighbours(skel.as_bytes(), m.start(), m.end());
                // A crypto word may also stand among common words ("lotsofeth"), or
                // between words that end and start with one ("takeethnow"); a stem may
                // be glued to the start or end of any name ("megacoin").
                let between_words = touches_known(left, false, data) && touches_known(right, true, data);
                let stem = w.stem && (left.is_empty() || right.is_empty());
                if alone(true) || between_words || stem {
                    flags |= word::CRYPTO;
                }
            }
            continue;
        }
        flags |= w.lists;
    }
    flags
}

/// What the path (and query) mention: `word::*` flags of lure words, and whether a brand
/// name appears (index into `Data::tokens`).
pub(super) fn path_words(data: &Data, path: &str) -> (u8, Option<usize>) {
    let lower = path.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut flags = 0;
    let mut brand = None;
    for m in data.path_matcher.find_overlapping_iter(lower.as_str()) {
        match data.path_patterns[m.pattern().as_usize()] {
            PathPattern::Word(w) => {
                let w = &data.words[w];
                let alone = (m.start() == 0 || !bytes[m.start() - 1].is_ascii_alphanumeric())
                    && (m.end() == bytes.len() || !bytes[m.end()].is_ascii_alphanumeric());
                if m.end() - m.start() > MAX_SHORT_WORD || alone {
                    flags |= w.lists & (word::LOGIN | word::REWARD);
                }
            }
            PathPattern::Token(t) => brand = brand.or(Some(t)),
        }
    }
    (flags, brand)
}

/// True when a label looks machine-made rather than chosen by a person: long and random
/// ("x7k2q9zt4m", "qwxzjkvbn", a long hex string). Takes the folded label.
pub(super) fn looks_random(label: &str) -> bool {
    if !label.is_ascii() {
        return false;
    }
    let chars = || label.bytes().filter(|&b| b != b'-');
    let len = chars().count();
    if len < 8 {
        return false;
    }
    let letters = chars().filter(u8::is_ascii_alphabetic).count();
    let digits = len - letters;
    let mut transitions = 0;
    let mut prev_digit = None;
    for b in chars() {
        let digit = b.is_ascii_digit();
        if prev_digit.is_some_and(|p| p != digit) {
            transitions += 1;
        }
        prev_digit = Some(digit);
    }
    if transitions >= 4 && digits >= 3 {
        return true;
    }
    if len >= 16 && chars().all(|b| b.is_ascii_hexdigit()) && digits >= 4 {
        return true;
    }
    if letters < 8 {
        return false;
    }
    let is_vowel = |b: u8| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
    let vowels = chars().filter(|&b| is_vowel(b)).count();
    let mut run = 0;
    let mut longest = 0;
    for b in chars() {
        if b.is_ascii_alphabetic() && !is_vowel(b) {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    vowels * 5 < letters || longest >= 6
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url::data::data;
    use crate::url::skeleton::forms_of;

    fn skeleton_of(s: &str) -> String {
        forms_of(s).0
    }

    fn flags(label: &str) -> u8 {
        label_words(data().unwrap(), &skeleton_of(label))
    }

    #[test]
    fn word_boundaries_in_glued_names() {
        let known = &data().unwrap().known_words;
        let alone = |s: &str, w: &str| {
            let s = skeleton_of(s);
            let w = skeleton_of(w);
            let at = s.find(&w).unwrap();
            stands_alone(s.as_bytes(), at, at + w.len(), known)
        };
        assert!(alone("secure-chase-login", "chase"));
        assert!(alone("chaseonline", "chase"));
        assert!(alone("mychase", "chase"));
        assert!(alone("5000eth", "eth"));
        assert!(alone("eth-drop", "eth"));
        assert!(alone("freeeth", "eth"));
        assert!(!alone("purchase", "chase"));
        assert!(!alone("method", "eth"));
        assert!(!alone("together", "eth"));
        assert!(!alone("startups", "ups"), "common words don't free brand names");
    }

    #[test]
    fn lure_and_crypto_words() {
        assert_ne!(flags("secure-login") & word::LOGIN, 0);
        assert_ne!(flags("claim-airdrop") & word::REWARD, 0);
        assert_ne!(flags("5000eth") & word::CRYPTO, 0);
        assert_ne!(flags("bitcoingiveaway") & word::REWARD, 0);
        assert_eq!(flags("method") & word::CRYPTO, 0);
        assert_eq!(flags("wikipedia"), 0);
        assert_eq!(flags("dropbox") & word::REWARD, 0, "drop is short: needs to stand alone");
        assert_ne!(flags("megacoin") & word::CRYPTO, 0, "crypto stem at the end");
        assert_ne!(flags("coinvault") & word::CRYPTO, 0, "crypto stem at the start");
        assert_eq!(flags("bitcoinage") & word::REWARD, 0);
        assert_eq!(flags("definitely") & word::CRYPTO, 0, "defi is no stem");
        assert_ne!(flags("lotsofeth") & word::CRYPTO, 0, "among common words");
        assert_ne!(flags("getethernow") & word::CRYPTO, 0, "rn stays rn for words");
        assert_ne!(flags("fr33-l0gin") & word::REWARD, 0, "digits read as letters");
        assert_ne!(flags("validbtc") & word::CRYPTO, 0, "btc is a stem");
        assert_eq!(flags("together") & word::CRYPTO, 0);
        assert_ne!(flags("ethfreebies") & word::CRYPTO, 0, "next to the start of a word");
        for word in ["method", "ethics", "ethan", "bethany", "whether", "teeth", "ethnic", "kenneth", "ethanol"] {
            assert_eq!(flags(word) & word::CRYPTO, 0, "{word}");
        }
    }

    #[test]
    fn path_lures_and_brands() {
        let d = data().unwrap();
        let (f, b) = path_words(d, "/www.paypal.com/signin/verify");
        assert_ne!(f & word::LOGIN, 0);
        assert_eq!(b.map(|t| d.tokens[t].text.as_str()), Some("paypal"));
        assert_eq!(path_words(d, "/recipes/apple-pie"), (0, None));
        assert_eq!(path_words(d, "/freedom").0, 0, "free only as a word");
        assert_ne!(path_words(d, "/free-gift").0 & word::REWARD, 0);
    }

    #[test]
    fn random_looking_labels() {
        assert!(looks_random("x7k2q9zt4m"));
        assert!(looks_random("qwxzjkvbnm"));
        assert!(looks_random("3f9a0c7e5b1d2a4c"));
        assert!(!looks_random("wikipedia"));
        assert!(!looks_random("stackoverflow"));
        assert!(!looks_random("myetherwallet"));
        assert!(!looks_random("web3"));
        assert!(!looks_random("techcrunch"));
    }
}
