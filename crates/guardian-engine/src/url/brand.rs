//! Which brand, if any, a host name imitates — and how convincingly.
//!
//! Each label of the host (except the public suffix) is compared with every brand token:
//! - exactly, on skeletons, with one Aho-Corasick pass: the token is in the label. If the
//!   label's own letters spell the token it is a plain *mention* ("paypal-login"); if only
//!   the skeleton does, a *homoglyph* look-alike ("paypa1", "arnazon", Cyrillic letters).
//!   Tokens that are everyday words ("chase", "target") or short ("ups", "irs") count only
//!   as whole words: next to a dash, a digit, the end of the label or another known word
//!   ("secure-chase-login", "chaseonline"), never inside another word ("purchase").
//! - by edit distance (optimal string alignment, on skeletons), for tokens of five or more
//!   letters. How much a distance means depends on the name's length: one edit on a
//!   5-letter name is weak evidence, on a 13-letter name strong (see [`fuzzy_evidence`]).
//!   Misspellings of everyday-word names count only as weak evidence, and a longer word
//!   that starts with the name ("discovery", "targets") is no misspelling at all.
//!
//! A hit on the brand's own registrable domain does not count; the caller skips
//! well-known domains altogether.

use super::data::{Data, Kind, MIN_FUZZY_TOKEN};
use super::skeleton::{Bigrams, bag_distance, bigram_index, letter_counts, osa_distance};
use super::words::{stands_alone, stands_alone_among_common};

/// How a label resembles a brand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Evidence {
    /// Within a few edits, on a short name: could be chance.
    Weak,
    /// Within few edits for the name's length.
    Strong,
    /// The same skeleton, different letters: a deliberate look-alike.
    Homoglyph,
    /// The brand's name spelled out in someone else's domain.
    Mention,
}

/// One brand resemblance in one label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Hit {
    pub brand: usize,
    pub evidence: Evidence,
    pub in_subdomain: bool,
}

/// A host label in the forms the matchers need.
#[derive(Debug, Default)]
pub(super) struct Label<'a> {
    /// As in the host, in Unicode, lower case.
    pub orig: &'a str,
    /// Skeleton with dashes kept.
    pub skel: String,
    /// Skeleton without dashes.
    pub compact: String,
    pub in_subdomain: bool,
}

/// How strong an edit-distance match is: `distance` edits between a token of `len`
/// letters and a whole label word (`embedded` = false) or part of a longer word
/// (`embedded` = true, weaker because a longer word has more chances to come close).
/// The evidence scales with the name's length:
///
/// | edits | whole word: weak / strong | inside a longer word: weak / strong |
/// |---|---|---|
/// | 1 | 5–7 / 8+ letters | 7–8 / 9+ letters |
/// | 2 | 10–12 / 13+ letters | 13+ / – |
/// | 3 | 12+ / – | – |
/// | 4 | 16+ / – | – |
pub(super) fn fuzzy_evidence(len: usize, distance: usize, embedded: bool) -> Option<Evidence> {
    use Evidence::{Strong, Weak};
    match (distance, embedded) {
        (1, false) if len >= 8 => Some(Strong),
        (1, false) if len >= 5 => Some(Weak),
        (2, false) if len >= 13 => Some(Strong),
        (2, false) if len >= 10 => Some(Weak),
        (3, false) if len >= 12 => Some(Weak),
        (4, false) if len >= 16 => Some(Weak),
        (1, true) if len >= 9 => Some(Strong),
        (1, true) if len >= 7 => Some(Weak),
        (2, true) if len >= 13 => Some(Weak),
        _ => None,
    }
}

/// Most edits [`fuzzy_evidence`] accepts for a token of `len` letters.
pub(super) fn max_distance(len: usize, embedded: bool) -> usize {
    (1..=4).rev().find(|&d| fuzzy_evidence(len, d, embedded).is_some()).unwrap_or(0)
}

/// Finds every brand the labels resemble, appending to `hits` (one per brand and label,
/// the strongest).
pub(super) fn find(data: &Data, labels: &[Label<'_>], hits: &mut Vec<Hit>) {
    let mut seen: Vec<(usize, Evidence)> = Vec::new();
    for label in labels {
        seen.clear();
        let mut note = |token: usize, evidence: Evidence| {
            let brand = data.tokens[token].brand;
            match seen.iter_mut().find(|(b, _)| *b == brand) {
                Some((_, e)) => *e = (*e).max(evidence),
                None => seen.push((brand, evidence)),
            }
        };
        let mut exact_tokens: Vec<usize> = Vec::new();
        // Exact skeleton matches, dashes kept: whole-word tokens need their boundaries.
        for m in data.token_matcher.find_overlapping_iter(label.skel.as_str()) {
            let t = &data.tokens[m.pattern().as_usize()];
            if t.whole_word {
                // Famous people's names are glued to everyday words in giveaway names
                // ("fundmusk", "wintesla"); company names only to lure and filler words.
                let celebrity = data.brands[t.brand].kind == Kind::Celebrity;
                let alone = if celebrity {
                    stands_alone_among_common(label.skel.as_bytes(), m.start(), m.end(), data)
                } else {
                    stands_alone(label.skel.as_bytes(), m.start(), m.end(), &data.known_words)
                };
                if !alone {
                    continue;
                }
            }
            exact_tokens.push(m.pattern().as_usize());
            let evidence = if label.orig.contains(t.text.as_str()) { Evidence::Mention } else { Evidence::Homoglyph };
            note(m.pattern().as_usize(), evidence);
        }
        // Dashes dropped ("pay-pal", "my-ether-wallet"): long tokens only.
        if label.compact.len() != label.skel.len() {
            let orig_compact: String = label.orig.chars().filter(|&c| c != '-').collect();
            for m in data.token_matcher.find_overlapping_iter(label.compact.as_str()) {
                let i = m.pattern().as_usize();
                let t = &data.tokens[i];
                if t.whole_word || exact_tokens.contains(&i) {
                    continue;
                }
                exact_tokens.push(i);
                let evidence =
                    if orig_compact.contains(t.text.as_str()) { Evidence::Mention } else { Evidence::Homoglyph };
                note(i, evidence);
            }
        }
        fuzzy(data, label, &exact_tokens, &mut note);
        hits.extend(seen.iter().map(|&(brand, evidence)| Hit { brand, evidence, in_subdomain: label.in_subdomain }));
    }
}

/// Edit-distance matches of the fuzzy tokens against the label's words and whole label.
///
/// Only tokens that share enough letter pairs with the label are compared (q-gram lemma:
/// one edit destroys at most three of a name's letter pairs, a swap of neighbours
/// included), found through an inverted index, so a label costs a few dozen counter
/// increments rather than a comparison per brand.
fn fuzzy(data: &Data, label: &Label<'_>, exact_tokens: &[usize], note: &mut impl FnMut(usize, Evidence)) {
    let compact = label.compact.as_bytes();
    if compact.len() < MIN_FUZZY_TOKEN - 1 || !compact.is_ascii() {
        return;
    }
    // Count, per token, the distinct letter pairs it shares with the label; a token
    // becomes a candidate when the count reaches its threshold.
    let mut shared = vec![0u8; data.tokens.len()];
    let mut candidates: Vec<usize> = data.always_fuzzy.clone();
    let mut seen = Bigrams::default();
    for pair in compact.windows(2) {
        if let Some(bg) = bigram_index(pair[0], pair[1])
            && seen.insert(bg)
        {
            for &t in &data.bigram_postings[bg] {
                let t = usize::from(t);
                shared[t] = shared[t].saturating_add(1);
                if usize::from(shared[t]) == data.tokens[t].min_shared {
                    candidates.push(t);
                }
            }
        }
    }
    if candidates.is_empty() {
        return;
    }
    // Candidate words: the dash-separated parts (split at number runs too), plus the whole
    // label without dashes when that differs.
    let mut words: Vec<&[u8]> = label
        .skel
        .as_bytes()
        .split(|&b| b == b'-')
        .flat_map(|part| part.split(u8::is_ascii_digit))
        .filter(|w| w.len() >= MIN_FUZZY_TOKEN - 1)
        .collect();
    if words.len() != 1 || words[0].len() != compact.len() {
        words.push(compact);
    }
    let counts: Vec<[u8; 26]> = words.iter().map(|w| letter_counts(w)).collect();
    for i in candidates {
        let t = &data.tokens[i];
        let len = t.text.len();
        let (max_global, max_embedded) = (t.max_global, t.max_embedded);
        if exact_tokens.contains(&i) {
            continue;
        }
        let tok = t.skeleton.as_bytes();
        let mut best: Option<Evidence> = None;
        // Whole-word comparisons.
        for (w, letters) in words.iter().zip(&counts) {
            // Everyday words: a word that starts with the name is usually just another
            // form of it ("discovery", "targets"), not a misspelling ("ledgre", "lledger").
            if t.everyday && w.starts_with(tok) {
                continue;
            }
            if w.len().abs_diff(tok.len()) > max_global || bag_distance(&t.letters, letters) > max_global {
                continue;
            }
            let d = osa_distance(tok, w, false, max_global);
            if d > 0 {
                best = best.max(fuzzy_evidence(len, d, false));
            }
        }
        // The token inside a longer label (not for everyday words: too many near misses).
        if max_embedded > 0
            && compact.len() > tok.len() + 1
            && usize::from(shared[i]) + 3 * max_embedded >= t.bigram_count
        {
            let d = osa_distance(tok, compact, true, max_embedded);
            if d > 0 {
                best = best.max(fuzzy_evidence(len, d, true));
            }
        }
        if t.everyday {
            best = best.min(Some(Evidence::Weak));
        }
        if let Some(e) = best {
            note(i, e);
        }
    }
}

/// True when `registrable` (with public suffix `suffix`) is the brand's own domain.
pub(super) fn is_official(data: &Data, brand: usize, registrable: &str, suffix: &str) -> bool {
    let b = &data.brands[brand];
    if b.domains.iter().any(|d| d == registrable) {
        return true;
    }
    // Local sites of global brands: amazon.co.jp, google.de — a country ending that is not
    // on the risky list.
    if b.global {
        let label = registrable.strip_suffix(suffix).and_then(|s| s.strip_suffix('.')).unwrap_or("");
        let tld = suffix.rsplit('.').next().unwrap_or(suffix);
        return b.tokens.iter().any(|t| t == label) && tld.len() == 2 && !data.risky_tlds.contains(tld);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url::data::data;
    use crate::url::skeleton::forms_of;

    /// The strongest evidence for each brand name a single label gives.
    fn check(label: &str) -> Vec<(String, Evidence)> {
        let d = data().unwrap();
        let skel = forms_of(label).1;
        let l = Label { orig: label, compact: skel.replace('-', ""), skel, in_subdomain: false };
        let mut hits = Vec::new();
        find(d, std::slice::from_ref(&l), &mut hits);
        hits.iter().map(|h| (d.brands[h.brand].name.clone(), h.evidence)).collect()
    }

    fn evidence_for(label: &str, brand: &str) -> Option<Evidence> {
        check(label).into_iter().find(|(b, _)| b == brand).map(|(_, e)| e)
    }

    #[test]
    fn mentions() {
        assert_eq!(evidence_for("paypal", "PayPal"), Some(Evidence::Mention));
        assert_eq!(evidence_for("secure-chase-login", "Chase"), Some(Evidence::Mention));
        assert_eq!(evidence_for("dropcoinbase", "Coinbase"), Some(Evidence::Mention));
        assert_eq!(evidence_for("my-ether-wallet", "MyEtherWallet"), Some(Evidence::Mention));
        assert_eq!(evidence_for("chaseonline", "Chase"), Some(Evidence::Mention));
        assert_eq!(evidence_for("irs-refund", "IRS"), Some(Evidence::Mention));
        assert_eq!(evidence_for("usps-redelivery", "USPS"), Some(Evidence::Mention));
    }

    #[test]
    fn everyday_words_are_not_brands() {
        assert!(check("purchase").is_empty(), "{:?}", check("purchase"));
        assert!(check("groups").is_empty(), "{:?}", check("groups"));
        assert!(check("first").is_empty(), "{:?}", check("first"));
        assert!(check("pineapple").is_empty(), "{:?}", check("pineapple"));
        assert!(check("targeted-ads").is_empty(), "{:?}", check("targeted-ads"));
        assert!(check("discovery").is_empty(), "{:?}", check("discovery"));
        assert!(check("wikipedia").is_empty(), "{:?}", check("wikipedia"));
        assert!(check("weather").is_empty(), "{:?}", check("weather"));
    }

    #[test]
    fn homoglyphs() {
        assert_eq!(evidence_for("paypa1", "PayPal"), Some(Evidence::Homoglyph));
        assert_eq!(evidence_for("arnazon", "Amazon"), Some(Evidence::Homoglyph));
        assert_eq!(evidence_for("g00gle", "Google"), Some(Evidence::Homoglyph));
        assert_eq!(evidence_for("раураl", "PayPal"), Some(Evidence::Homoglyph), "Cyrillic");
        assert_eq!(evidence_for("rnetamask-login", "MetaMask"), Some(Evidence::Homoglyph));
    }

    #[test]
    fn fuzzy_strength_scales_with_length() {
        assert_eq!(evidence_for("myehterwallet", "MyEtherWallet"), Some(Evidence::Strong));
        assert_eq!(evidence_for("myetherwalet-verify", "MyEtherWallet"), Some(Evidence::Strong));
        assert_eq!(evidence_for("coinbsae", "Coinbase"), Some(Evidence::Strong));
        assert_eq!(evidence_for("metamsk", "MetaMask"), Some(Evidence::Strong));
        assert_eq!(evidence_for("paypai", "PayPal"), Some(Evidence::Homoglyph), "i and l share a skeleton");
        assert_eq!(evidence_for("paypak", "PayPal"), Some(Evidence::Weak));
        assert_eq!(evidence_for("metamax", "MetaMask"), None, "two edits on eight letters");
        assert_eq!(evidence_for("binanse", "Binance"), Some(Evidence::Weak));
        assert_eq!(evidence_for("ledgre", "Ledger"), Some(Evidence::Weak), "everyday word: weak at most");
        assert_eq!(evidence_for("lledger", "Ledger"), Some(Evidence::Weak));
        assert_eq!(evidence_for("myethrwelllet", "MyEtherWallet"), Some(Evidence::Weak), "three edits on 13 letters");
        assert_eq!(evidence_for("mrcrypto", "MyCrypto"), Some(Evidence::Weak));
        assert_eq!(evidence_for("secureloginmyetherwalet", "MyEtherWallet"), Some(Evidence::Strong));
        assert_eq!(fuzzy_evidence(5, 1, false), Some(Evidence::Weak));
        assert_eq!(fuzzy_evidence(13, 1, false), Some(Evidence::Strong));
        assert_eq!(fuzzy_evidence(4, 1, false), None);
        assert_eq!(fuzzy_evidence(6, 2, false), None);
        assert_eq!(fuzzy_evidence(8, 1, false), Some(Evidence::Strong));
        assert_eq!(fuzzy_evidence(7, 1, false), Some(Evidence::Weak));
        assert_eq!(fuzzy_evidence(8, 2, false), None);
        assert_eq!(fuzzy_evidence(13, 3, false), Some(Evidence::Weak));
        assert_eq!(fuzzy_evidence(8, 1, true), Some(Evidence::Weak));
        assert_eq!(fuzzy_evidence(9, 1, true), Some(Evidence::Strong));
    }

    #[test]
    fn official_domains() {
        let d = data().unwrap();
        let brand = |name: &str| d.brands.iter().position(|b| b.name == name).unwrap();
        assert!(is_official(d, brand("PayPal"), "paypal.com", "com"));
        assert!(!is_official(d, brand("PayPal"), "paypal.co", "co"));
        assert!(is_official(d, brand("Amazon"), "amazon.co.jp", "co.jp"));
        assert!(is_official(d, brand("Amazon"), "amazon.de", "de"));
        assert!(!is_official(d, brand("Amazon"), "amazon.tk", "tk"), "risky ending");
        assert!(!is_official(d, brand("Amazon"), "amazon-prime.de", "de"));
    }
}
