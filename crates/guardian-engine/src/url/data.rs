//! The URL analyser's data: brands, well-known sites, shorteners, risky endings, hosting
//! services and lure words, compiled in from `data/url/` and parsed, checked and turned
//! into matchers once, on first use.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Deserialize;

use super::brand::max_distance;
use super::skeleton::{bigram_index, forms_of, letter_counts, skeleton_of};
use crate::error::{EngineError, PackErrorKind};

const BRANDS: &str = include_str!("../../data/url/brands.toml");
const WELL_KNOWN: &str = include_str!("../../data/url/well_known.txt");
const SHORTENERS: &str = include_str!("../../data/url/shorteners.txt");
const RISKY_TLDS: &str = include_str!("../../data/url/risky_tlds.txt");
const RESTRICTED_SUFFIXES: &str = include_str!("../../data/url/restricted_suffixes.txt");
const HOSTING: &str = include_str!("../../data/url/hosting.txt");
const WORDS: &str = include_str!("../../data/url/words.toml");

/// Shortest brand token matched fuzzily (edit distance); shorter ones only exactly.
pub(super) const MIN_FUZZY_TOKEN: usize = 5;
/// Shortest everyday-word name whose misspellings count (as weak evidence).
pub(super) const MIN_FUZZY_EVERYDAY: usize = 6;
/// Tokens up to this length only count as whole words, like everyday-word ones.
const MAX_SHORT_TOKEN: usize = 4;
/// Vocabulary words up to this length only count as whole words.
pub(super) const MAX_SHORT_WORD: usize = 5;

/// A small, fast hash for the short strings these tables hold (the Firefox/rustc "Fx"
/// hash). Not DoS-resistant, which is fine: the tables are fixed and compiled in.
#[derive(Default, Clone, Copy)]
pub(super) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A set of strings with [`FxHasher`].
pub(super) type StrSet = HashSet<String, BuildHasherDefault<FxHasher>>;
/// A map from strings with [`FxHasher`].
pub(super) type StrMap<V> = HashMap<String, V, BuildHasherDefault<FxHasher>>;

/// What a brand is, as the brand list says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Kind {
    Bank,
    Payments,
    Government,
    Carrier,
    Tech,
    Telecom,
    Retail,
    Crypto,
    Celebrity,
}

/// One brand or organisation that scammers imitate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Brand {
    pub name: String,
    pub kind: Kind,
    #[serde(default)]
    pub tokens: Vec<String>,
    /// Names that are also everyday words.
    #[serde(default)]
    pub words: Vec<String>,
    pub domains: Vec<String>,
    #[serde(default)]
    pub global: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BrandsFile {
    brand: Vec<Brand>,
}

/// A brand token, ready to match.
#[derive(Debug, Clone)]
pub(super) struct Token {
    pub brand: usize,
    /// As written in the list ("paypal").
    pub text: String,
    /// Its skeleton (see `skeleton.rs`).
    pub skeleton: String,
    /// Also an everyday word: counts only as a whole word, and a misspelling only weakly.
    pub everyday: bool,
    /// Counts only as a whole word (everyday words and short tokens).
    pub whole_word: bool,
    /// How many distinct letter pairs it must share with a label to be worth comparing
    /// (q-gram lemma: one edit destroys at most three pairs).
    pub min_shared: usize,
    /// How many distinct letter pairs its skeleton has.
    pub bigram_count: usize,
    /// How often each letter a-z occurs in its skeleton.
    pub letters: [u8; 26],
    /// Most edits that still count, against a whole word and inside a longer one.
    pub max_global: usize,
    pub max_embedded: usize,
}

/// Which word lists a vocabulary word is on.
pub(super) mod word {
    pub const LOGIN: u8 = 1;
    pub const REWARD: u8 = 2;
    pub const CRYPTO: u8 = 4;
    pub const FILLER: u8 = 8;
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WordsFile {
    login: Vec<String>,
    reward: Vec<String>,
    crypto: Vec<String>,
    filler: Vec<String>,
    crypto_stems: Vec<String>,
    common: Vec<String>,
}

/// A vocabulary word, ready to match.
#[derive(Debug, Clone)]
pub(super) struct Word {
    /// Its light form (digits read as letters), which is what the host matcher looks for.
    pub light: String,
    /// `word::*` flags.
    pub lists: u8,
    /// Counts only as a whole word.
    pub whole_word: bool,
    /// A crypto stem: counts at the start or end of a glued name too.
    pub stem: bool,
}

/// What a path-matcher pattern stands for.
#[derive(Debug, Clone, Copy)]
pub(super) enum PathPattern {
    /// A brand token (index into `Data::tokens`).
    Token(usize),
    /// A vocabulary word (index into `Data::words`).
    Word(usize),
}

/// Everything the analyser knows, parsed and compiled.
#[derive(Debug)]
pub(super) struct Data {
    pub brands: Vec<Brand>,
    pub tokens: Vec<Token>,
    /// Letter pair (see `skeleton::bigram_index`) → the fuzzy tokens that contain it.
    pub bigram_postings: Vec<Vec<u16>>,
    /// Fuzzy tokens so long that any label may come close enough: always compared.
    pub always_fuzzy: Vec<usize>,
    /// Over token skeletons, overlapping matches.
    pub token_matcher: AhoCorasick,
    pub words: Vec<Word>,
    /// Over word skeletons, overlapping matches.
    pub word_matcher: AhoCorasick,
    /// Over raw words and long brand tokens, for paths (overlapping).
    pub path_matcher: AhoCorasick,
    pub path_patterns: Vec<PathPattern>,
    /// Every listed word and brand token (light forms and skeletons): what may stand next
    /// to a short word or brand name.
    pub known_words: StrSet,
    /// Common web-name words (both forms): may also stand next to a short crypto word.
    pub common_words: StrSet,
    /// Registrable domain → brands it belongs to.
    pub official: StrMap<Vec<usize>>,
    /// Tokens of `global` brands → brand, for their local sites (amazon.co.jp).
    pub global_tokens: StrMap<usize>,
    /// Registrable domains of well-known sites (the list plus every brand's own domains).
    pub well_known: StrSet,
    pub shorteners: StrSet,
    pub risky_tlds: StrSet,
    pub restricted_suffixes: StrSet,
    pub hosting: StrSet,
}

/// The data, or why it failed to load (which the engine reports as a pack error).
static DATA: LazyLock<Result<Data, (&'static str, String)>> = LazyLock::new(Data::load);

/// The compiled data. Fails only if a bundled list is broken, which the tests rule out.
pub(super) fn data() -> Result<&'static Data, EngineError> {
    DATA.as_ref().map_err(|(file, message)| EngineError::pack(file, PackErrorKind::Invalid(message.clone())))
}

/// The non-comment, non-blank lines of a list file.
pub(super) fn list_lines(source: &str) -> impl Iterator<Item = &str> {
    source.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn is_registrable(domain: &str) -> bool {
    psl::domain_str(domain) == Some(domain)
}

fn is_domain_text(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
}

fn is_word_text(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

impl Data {
    fn load() -> Result<Data, (&'static str, String)> {
        let brands_file = "data/url/brands.toml";
        let parsed: BrandsFile = toml::from_str(BRANDS).map_err(|e| (brands_file, e.to_string()))?;
        let brands = parsed.brand;
        let mut tokens = Vec::new();
        let mut bigram_postings: Vec<Vec<u16>> = vec![Vec::new(); 26 * 26];
        let mut always_fuzzy = Vec::new();
        let mut official: StrMap<Vec<usize>> = StrMap::default();
        for (b, brand) in brands.iter().enumerate() {
            let bad = |m: String| (brands_file, format!("brand {}: {m}", brand.name));
            if brand.name.trim().is_empty() || (brand.tokens.is_empty() && brand.words.is_empty()) {
                return Err(bad("needs a name and tokens or words".into()));
            }
            if brand.domains.is_empty() && brand.kind != Kind::Celebrity {
                return Err(bad("needs its own domains".into()));
            }
            let names = brand.tokens.iter().map(|t| (t, false)).chain(brand.words.iter().map(|t| (t, true)));
            for (t, everyday) in names {
                if !is_word_text(t) || t.len() < 3 {
                    return Err(bad(format!("token {t:?} must be 3+ lower-case letters or digits")));
                }
                let skeleton = skeleton_of(t);
                let whole_word = everyday || t.len() <= MAX_SHORT_TOKEN;
                let letters = letter_counts(skeleton.as_bytes());
                let mut bigrams: Vec<usize> =
                    skeleton.as_bytes().windows(2).filter_map(|p| bigram_index(p[0], p[1])).collect();
                bigrams.sort_unstable();
                bigrams.dedup();
                let max_global = max_distance(t.len(), false);
                let max_embedded = if everyday { 0 } else { max_distance(t.len(), true) };
                let min_shared = bigrams.len().saturating_sub(3 * max_global.max(max_embedded));
                // Fuzzy: five letters or more (six for everyday words).
                let fuzzy = t.len() >= if everyday { MIN_FUZZY_EVERYDAY } else { MIN_FUZZY_TOKEN };
                if fuzzy {
                    let id = u16::try_from(tokens.len()).map_err(|_| bad("too many brand tokens".into()))?;
                    for &bg in &bigrams {
                        bigram_postings[bg].push(id);
                    }
                    if min_shared == 0 {
                        always_fuzzy.push(tokens.len());
                    }
                }
                tokens.push(Token {
                    brand: b,
                    text: t.clone(),
                    skeleton,
                    everyday,
                    whole_word,
                    min_shared,
                    bigram_count: bigrams.len(),
                    letters,
                    max_global,
                    max_embedded,
                });
            }
            for d in &brand.domains {
                if !is_domain_text(d) || !is_registrable(d) {
                    return Err(bad(format!("domain {d:?} is not a registrable domain")));
                }
                official.entry(d.clone()).or_default().push(b);
            }
        }
        let global_tokens =
            tokens.iter().filter(|t| brands[t.brand].global).map(|t| (t.text.clone(), t.brand)).collect();
        let token_matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(tokens.iter().map(|t| t.skeleton.as_str()))
            .map_err(|e| (brands_file, e.to_string()))?;

        let words_file = "data/url/words.toml";
        let w: WordsFile = toml::from_str(WORDS).map_err(|e| (words_file, e.to_string()))?;
        let mut by_text: Vec<(String, u8)> = Vec::new();
        for (list, flag) in
            [(&w.login, word::LOGIN), (&w.reward, word::REWARD), (&w.crypto, word::CRYPTO), (&w.filler, word::FILLER)]
        {
            for text in list {
                if !is_word_text(text) || text.len() < 2 {
                    return Err((words_file, format!("word {text:?} must be 2+ lower-case letters or digits")));
                }
                match by_text.iter_mut().find(|(t, _)| t == text) {
                    Some((_, flags)) => *flags |= flag,
                    None => by_text.push((text.clone(), flag)),
                }
            }
        }
        if let Some(stem) = w.crypto_stems.iter().find(|s| !w.crypto.contains(s)) {
            return Err((words_file, format!("crypto stem {stem:?} is not in the crypto list")));
        }
        let words: Vec<Word> = by_text
            .iter()
            .map(|(text, lists)| Word {
                light: forms_of(text).0,
                lists: *lists,
                whole_word: text.len() <= MAX_SHORT_WORD,
                stem: w.crypto_stems.contains(text),
            })
            .collect();
        let word_matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(words.iter().map(|w| w.light.as_str()))
            .map_err(|e| (words_file, e.to_string()))?;
        let mut path_patterns = Vec::new();
        let mut path_texts: Vec<&str> = Vec::new();
        for (i, (text, lists)) in by_text.iter().enumerate() {
            if lists & (word::LOGIN | word::REWARD) != 0 {
                path_patterns.push(PathPattern::Word(i));
                path_texts.push(text);
            }
        }
        for (i, t) in tokens.iter().enumerate() {
            if !t.whole_word {
                path_patterns.push(PathPattern::Token(i));
                path_texts.push(&t.text);
            }
        }
        let path_matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&path_texts)
            .map_err(|e| (words_file, e.to_string()))?;
        // Neighbours are checked in light forms (words) and skeletons (brands): keep both.
        let both_forms = |text: &str| {
            let (light, skel) = forms_of(text);
            [light, skel]
        };
        let known_words = by_text
            .iter()
            .map(|(text, _)| text.as_str())
            .chain(tokens.iter().map(|t| t.text.as_str()))
            .flat_map(both_forms)
            .collect();
        let mut common_words = StrSet::default();
        for text in &w.common {
            if !is_word_text(text) || text.len() < 2 {
                return Err((words_file, format!("common word {text:?} must be 2+ lower-case letters or digits")));
            }
            common_words.extend(both_forms(text));
        }

        let domain_list =
            |file: &'static str, source: &str, registrable: bool| -> Result<StrSet, (&'static str, String)> {
                list_lines(source)
                    .map(|d| {
                        if !is_domain_text(d) || (registrable && !is_registrable(d)) {
                            return Err((file, format!("{d:?} is not a lower-case registrable domain")));
                        }
                        Ok(d.to_string())
                    })
                    .collect()
            };
        let mut well_known = domain_list("data/url/well_known.txt", WELL_KNOWN, true)?;
        well_known.extend(official.keys().cloned());
        let shorteners = domain_list("data/url/shorteners.txt", SHORTENERS, true)?;
        let hosting = domain_list("data/url/hosting.txt", HOSTING, true)?;
        let restricted_suffixes = domain_list("data/url/restricted_suffixes.txt", RESTRICTED_SUFFIXES, false)?;
        let risky_tlds = domain_list("data/url/risky_tlds.txt", RISKY_TLDS, false)?;
        if let Some(t) = risky_tlds.iter().find(|t| t.contains('.')) {
            return Err(("data/url/risky_tlds.txt", format!("{t:?} is not a top-level domain")));
        }

        Ok(Data {
            brands,
            tokens,
            bigram_postings,
            always_fuzzy,
            token_matcher,
            words,
            word_matcher,
            path_matcher,
            path_patterns,
            known_words,
            common_words,
            official,
            global_tokens,
            well_known,
            shorteners,
            risky_tlds,
            restricted_suffixes,
            hosting,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Like ripgrep's `default_types` test: every list is sorted and has no duplicates.
    fn assert_sorted_unique(name: &str, items: &[&str]) {
        for pair in items.windows(2) {
            assert!(pair[0] < pair[1], "{name}: {:?} must come before {:?} (sorted, unique)", pair[1], pair[0]);
        }
    }

    #[test]
    fn data_loads() {
        let d = data().unwrap_or_else(|e| panic!("{e}"));
        assert!(d.brands.len() >= 60, "a good few dozen brands");
        assert!(list_lines(WELL_KNOWN).count() >= 300, "several hundred well-known domains");
    }

    #[test]
    fn text_lists_are_sorted_and_unique() {
        for (name, source) in [
            ("well_known.txt", WELL_KNOWN),
            ("shorteners.txt", SHORTENERS),
            ("risky_tlds.txt", RISKY_TLDS),
            ("restricted_suffixes.txt", RESTRICTED_SUFFIXES),
            ("hosting.txt", HOSTING),
        ] {
            let items: Vec<&str> = list_lines(source).collect();
            assert_sorted_unique(name, &items);
        }
    }

    #[test]
    fn word_lists_are_sorted_and_unique() {
        let w: WordsFile = toml::from_str(WORDS).unwrap();
        for (name, list) in [
            ("login", &w.login),
            ("reward", &w.reward),
            ("crypto", &w.crypto),
            ("filler", &w.filler),
            ("crypto_stems", &w.crypto_stems),
            ("common", &w.common),
        ] {
            let items: Vec<&str> = list.iter().map(String::as_str).collect();
            assert_sorted_unique(name, &items);
        }
    }

    #[test]
    fn brands_are_sorted_and_unique() {
        let d = data().unwrap();
        let names: Vec<&str> = d.brands.iter().map(|b| b.name.as_str()).collect();
        assert_sorted_unique("brand names", &names);
        let mut all_tokens = HashSet::new();
        for b in &d.brands {
            let tokens: Vec<&str> = b.tokens.iter().map(String::as_str).collect();
            let words: Vec<&str> = b.words.iter().map(String::as_str).collect();
            let domains: Vec<&str> = b.domains.iter().map(String::as_str).collect();
            assert_sorted_unique(&format!("{} tokens", b.name), &tokens);
            assert_sorted_unique(&format!("{} words", b.name), &words);
            assert_sorted_unique(&format!("{} domains", b.name), &domains);
            for t in b.tokens.iter().chain(&b.words) {
                assert!(all_tokens.insert(t.as_str()), "token {t} is listed for two brands");
            }
        }
    }

    #[test]
    fn lists_do_not_contradict_each_other() {
        let d = data().unwrap();
        for s in &d.shorteners {
            assert!(!d.hosting.contains(s), "{s} is both a shortener and a hosting service");
        }
        for t in ["com", "org", "net", "io", "co", "uk", "de", "fr", "page", "app", "dev", "edu", "gov"] {
            assert!(!d.risky_tlds.contains(t), "{t} is mainstream, not risky");
        }
        // Every brand's own domain counts as well known and none of them is a shortener
        // service the brand does not run.
        for b in &d.brands {
            for dom in &b.domains {
                assert!(d.well_known.contains(dom));
            }
        }
    }
}
