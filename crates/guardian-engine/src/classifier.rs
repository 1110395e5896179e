//! The learned half of the engine: two small linear models that say how much a message,
//! or a link, resembles the scams they were trained on, to catch what no rule names.
//!
//! Each model is logistic regression over hashed features: a feature (a word, two words
//! in a row, four letters of a word, a fact about a link…) is hashed to one of `2^bits`
//! weights, and the weights of everything present, scaled by `1/sqrt(count)` so that long
//! and short texts weigh alike, are summed with a bias. A fitted sigmoid (Platt scaling,
//! from cross-validation) turns that sum into a probability.
//!
//! The model never scores on its own: the engine sets one of a few `model.*` facts by the
//! probability's band and named rules in the pack (`TEXT_MODEL_*`, `URL_MODEL_*`) turn the
//! band into points and a reason, so every point of a score is still explained. The
//! phrases that pushed a message's probability up most are reported with it.
//!
//! The model files are trained by `guardian-train` from labelled data and compiled in
//! (`model/*.tgm`, described in `model/MODEL_CARD.md`). The format is little-endian:
//!
//! ```text
//! magic "TGLM" | format u16 | kind u8 | bits u8 | feature set u16 | bias f32 | weight
//! scale f32 | calibration a f32, b f32 | about: u16 length + UTF-8 | 2^bits × i16
//! weights | FNV-1a 64 of everything before
//! ```
//!
//! A file that is short, long, damaged (checksum), of another kind or feature set, or with
//! non-finite numbers is refused, so a bad model stops the engine from starting rather
//! than silently scoring zero.

use std::fmt;

use crate::normalize::{Normalized, SENTENCE_BREAK};

/// The features this build computes. A model trained on another set would score nonsense,
/// so it is refused; bump this whenever feature extraction changes, and retrain.
pub const FEATURE_SET: u16 = 2;
const MAGIC: &[u8; 4] = b"TGLM";
const FORMAT: u16 = 1;
/// Hash table sizes a model may use: 2^12 (tiny, for tests) to 2^20 weights.
const BITS: std::ops::RangeInclusive<u8> = 12..=20;
/// Words longer than this (hashes, long links) give no letter n-grams.
const MAX_GRAM_WORD: usize = 24;
/// Probability cut points, in per cent: a probability of at least N % sets the fact
/// `model.pN` (`_` for the decimal point: `model.p99_5`), so 0.97 sets `model.p95` and
/// every lower one. A pack rule with `model_bands` gives points per band.
const BANDS: &[(f32, &str)] = &[
    (0.001, "model.p0_1"),
    (0.002, "model.p0_2"),
    (0.005, "model.p0_5"),
    (0.01, "model.p1"),
    (0.02, "model.p2"),
    (0.05, "model.p5"),
    (0.10, "model.p10"),
    (0.20, "model.p20"),
    (0.35, "model.p35"),
    (0.50, "model.p50"),
    (0.65, "model.p65"),
    (0.80, "model.p80"),
    (0.90, "model.p90"),
    (0.95, "model.p95"),
    (0.98, "model.p98"),
    (0.99, "model.p99"),
    (0.995, "model.p99_5"),
    (0.998, "model.p99_8"),
    (0.999, "model.p99_9"),
];

/// The band facts a module's rules may test.
pub(crate) fn band_fact_names() -> impl Iterator<Item = String> {
    BANDS.iter().map(|(_, name)| name.to_string())
}

/// The band facts a probability sets.
pub(crate) fn band_facts(probability: f32) -> impl Iterator<Item = &'static str> {
    BANDS.iter().filter(move |(cut, _)| probability >= *cut).map(|(_, name)| *name)
}

/// A probability as the 0–100 figure reported in metadata.
pub(crate) fn percent(probability: f32) -> u8 {
    (probability * 100.0).round().clamp(0.0, 100.0) as u8
}

/// Phrases reported as having pushed a message's probability up, at most.
pub(crate) const TOP_PHRASES: usize = 5;

/// What a model reads: a message or a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// Message text (SMS, e-mail…), through the engine's normalisation.
    Text,
    /// A link, through the URL analyser.
    Url,
}

impl ModelKind {
    fn code(self) -> u8 {
        match self {
            ModelKind::Text => 1,
            ModelKind::Url => 2,
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ModelKind::Text => "text",
            ModelKind::Url => "url",
        })
    }
}

/// Why a model file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// The file does not start with the model magic, or ends early.
    #[error("not a Titanium Guardian model file ({0})")]
    NotAModel(&'static str),
    /// Written by another version of the format or the feature code.
    #[error("{what} {found} is not the one this build reads ({expected}); retrain the model with this build")]
    Version {
        /// `format` or `feature set`.
        what: &'static str,
        /// In the file.
        found: u16,
        /// In this build.
        expected: u16,
    },
    /// A text model where a URL model belongs, or the like.
    #[error("the file is a {found} model, not a {expected} model")]
    WrongKind {
        /// In the file.
        found: String,
        /// Expected here.
        expected: ModelKind,
    },
    /// The checksum does not match: the file was damaged or edited.
    #[error("the checksum does not match: the file is damaged")]
    Damaged,
    /// A field is out of range.
    #[error("{0}")]
    Invalid(String),
}

/// A trained linear model, ready to score.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    kind: ModelKind,
    bits: u8,
    bias: f32,
    /// Weight `i` is `weights[i] as f32 * scale`.
    scale: f32,
    /// Probability = sigmoid(a · logit + b).
    calibration: (f32, f32),
    weights: Vec<i16>,
    about: String,
}

impl LinearModel {
    /// Builds a model from trained weights, quantised to 16 bits.
    pub fn from_weights(
        kind: ModelKind,
        bias: f32,
        weights: &[f32],
        calibration: (f32, f32),
        about: impl Into<String>,
    ) -> Result<LinearModel, ModelError> {
        let bits = weights.len().trailing_zeros() as u8;
        if !weights.len().is_power_of_two() || !BITS.contains(&bits) {
            return Err(ModelError::Invalid(format!("{} weights is not a power of two in 2^12..2^20", weights.len())));
        }
        if !bias.is_finite() || !calibration.0.is_finite() || !calibration.1.is_finite() {
            return Err(ModelError::Invalid("bias or calibration is not a finite number".into()));
        }
        let largest = weights.iter().fold(0f32, |m, w| if w.is_finite() { m.max(w.abs()) } else { f32::INFINITY });
        if !largest.is_finite() {
            return Err(ModelError::Invalid("a weight is not a finite number".into()));
        }
        let scale = if largest > 0.0 { largest / f32::from(i16::MAX) } else { 1.0 };
        let weights = weights.iter().map(|w| (w / scale).round() as i16).collect();
        let about = about.into();
        if about.len() > usize::from(u16::MAX) {
            return Err(ModelError::Invalid("the description is too long".into()));
        }
        Ok(LinearModel { kind, bits, bias, scale, calibration, weights, about })
    }

    /// Reads a model file, checking everything; `expected` is the kind it must be.
    pub fn parse(bytes: &[u8], expected: ModelKind) -> Result<LinearModel, ModelError> {
        let body_len = bytes.len().checked_sub(8).ok_or(ModelError::NotAModel("too short"))?;
        if bytes.get(..4) != Some(MAGIC.as_slice()) {
            return Err(ModelError::NotAModel("no TGLM header"));
        }
        let mut r = Reader { bytes: &bytes[..body_len], at: 4 };
        let format = r.u16()?;
        if format != FORMAT {
            return Err(ModelError::Version { what: "format", found: format, expected: FORMAT });
        }
        let stored = u64::from_le_bytes(bytes[body_len..].try_into().map_err(|_| ModelError::NotAModel("too short"))?);
        if fnv1a(&bytes[..body_len]) != stored {
            return Err(ModelError::Damaged);
        }
        let kind = match r.u8()? {
            1 => ModelKind::Text,
            2 => ModelKind::Url,
            other => return Err(ModelError::Invalid(format!("unknown model kind {other}"))),
        };
        if kind != expected {
            return Err(ModelError::WrongKind { found: kind.to_string(), expected });
        }
        let bits = r.u8()?;
        if !BITS.contains(&bits) {
            return Err(ModelError::Invalid(format!("2^{bits} weights is outside 2^12..2^20")));
        }
        let features = r.u16()?;
        if features != FEATURE_SET {
            return Err(ModelError::Version { what: "feature set", found: features, expected: FEATURE_SET });
        }
        let bias = r.f32()?;
        let scale = r.f32()?;
        let calibration = (r.f32()?, r.f32()?);
        if ![bias, scale, calibration.0, calibration.1].iter().all(|x| x.is_finite()) || scale <= 0.0 {
            return Err(ModelError::Invalid("bias, scale or calibration is not a usable number".into()));
        }
        let about_len = usize::from(r.u16()?);
        let about = std::str::from_utf8(r.take(about_len)?)
            .map_err(|_| ModelError::Invalid("the description is not UTF-8".into()))?
            .to_string();
        let raw = r.take(2 << bits)?;
        if r.at != r.bytes.len() {
            return Err(ModelError::Invalid("unexpected bytes after the weights".into()));
        }
        let weights = raw.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect();
        Ok(LinearModel { kind, bits, bias, scale, calibration, weights, about })
    }

    /// The model file's bytes (what [`LinearModel::parse`] reads).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(40 + self.about.len() + 2 * self.weights.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        out.push(self.kind.code());
        out.push(self.bits);
        out.extend_from_slice(&FEATURE_SET.to_le_bytes());
        for x in [self.bias, self.scale, self.calibration.0, self.calibration.1] {
            out.extend_from_slice(&x.to_le_bytes());
        }
        // from_weights and parse both bound the description to u16.
        out.extend_from_slice(&(self.about.len().min(usize::from(u16::MAX)) as u16).to_le_bytes());
        out.extend_from_slice(self.about.as_bytes());
        for w in &self.weights {
            out.extend_from_slice(&w.to_le_bytes());
        }
        let sum = fnv1a(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// What the model reads.
    pub fn kind(&self) -> ModelKind {
        self.kind
    }

    /// log2 of the number of weights.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// The trainer's one-line description (data, date, seed).
    pub fn about(&self) -> &str {
        &self.about
    }

    /// The calibrated probability for a raw score (see [`LinearModel::logit`]).
    pub fn probability(&self, logit: f32) -> f32 {
        sigmoid(self.calibration.0 * logit + self.calibration.1)
    }

    fn mask(&self) -> usize {
        (1 << self.bits) - 1
    }
}

/// Where feature extraction puts what it finds: a [`FeatureVector`] for training, or a
/// running score when assessing (no list is built, so a long text costs no allocation).
pub(crate) trait FeatureSink {
    /// One feature, by its 64-bit hash.
    fn feature(&mut self, hash: u64);
    /// A word or word pair, with its span in the normalised text.
    fn phrase(&mut self, hash: u64, _start: usize, _end: usize) {
        self.feature(hash);
    }
}

/// A feature's slot: the top bits of a well-mixed hash, of which a model keeps as many low
/// bits as it has.
fn slot(hash: u64) -> u32 {
    (hash >> 32) as u32
}

/// Features of one input, as hashed slots (a slot may repeat). For training.
#[derive(Debug, Clone, Default)]
pub struct FeatureVector {
    /// Hash slots, each taken modulo the model's size.
    pub slots: Vec<u32>,
}

impl FeatureVector {
    /// Every feature's value: `1/sqrt(n)`, so that a vector has unit length.
    pub fn value(&self) -> f32 {
        feature_value(self.slots.len())
    }
}

impl FeatureSink for FeatureVector {
    fn feature(&mut self, hash: u64) {
        self.slots.push(slot(hash));
    }
}

fn feature_value(count: usize) -> f32 {
    if count == 0 { 0.0 } else { 1.0 / (count as f32).sqrt() }
}

/// Scores features as they are found: the sum of their weights, their count, and the
/// words and word pairs with the largest weights.
pub(crate) struct Scorer<'m> {
    model: &'m LinearModel,
    sum: i64,
    count: usize,
    /// Strongest first, spans not overlapping; weights as stored (i16 units).
    top: Vec<(i16, u32, u32)>,
}

/// What a model made of one input.
pub(crate) struct Scored {
    pub probability: f32,
    /// The words and word pairs that pushed the probability up most, strongest first.
    pub phrases: Vec<Contribution>,
}

impl<'m> Scorer<'m> {
    pub(crate) fn new(model: &'m LinearModel) -> Scorer<'m> {
        Scorer { model, sum: 0, count: 0, top: Vec::with_capacity(TOP_PHRASES + 1) }
    }

    fn weight(&self, hash: u64) -> i16 {
        self.model.weights[slot(hash) as usize & self.model.mask()]
    }

    pub(crate) fn finish(self) -> Scored {
        let value = feature_value(self.count);
        let logit = self.model.bias + self.sum as f32 * self.model.scale * value;
        let phrases =
            self.top.iter().map(|&(_, start, end)| Contribution { start: start as usize, end: end as usize }).collect();
        Scored { probability: self.model.probability(logit), phrases }
    }
}

impl FeatureSink for Scorer<'_> {
    fn feature(&mut self, hash: u64) {
        self.sum += i64::from(self.weight(hash));
        self.count += 1;
    }

    fn phrase(&mut self, hash: u64, start: usize, end: usize) {
        let w = self.weight(hash);
        self.sum += i64::from(w);
        self.count += 1;
        if w <= 0 || (self.top.len() == TOP_PHRASES && self.top.last().is_some_and(|t| t.0 >= w)) {
            return;
        }
        let (start, end) = (start as u32, end as u32);
        // A pair and its words overlap: keep whichever weighs more.
        if let Some(i) = self.top.iter().position(|t| t.1 < end && start < t.2) {
            if self.top[i].0 >= w {
                return;
            }
            self.top.remove(i);
        }
        let at = self.top.iter().position(|t| t.0 < w).unwrap_or(self.top.len());
        self.top.insert(at, (w, start, end));
        self.top.truncate(TOP_PHRASES);
    }
}

// ------------------------------------------------------------------------------ text

/// Hash namespaces, so that the word "win" and the letters "win" differ.
mod ns {
    pub const WORD: u64 = 1;
    pub const PAIR: u64 = 2;
    pub const GRAM: u64 = 3;
    pub const NUMBER: u64 = 4;
    pub const SHAPE: u64 = 6;
    pub const URL_FACT: u64 = 7;
    pub const HOST_GRAM: u64 = 8;
    pub const URL_PART: u64 = 9;
    pub const PATH_WORD: u64 = 10;
    pub const EVIDENCE: u64 = 11;
}

/// Adds what the rules found (a fact's or a rule's name) as a feature: the model learns how
/// far each rule is to be trusted on its own and in company.
pub(crate) fn push_evidence(out: &mut impl FeatureSink, name: &str) {
    out.feature(hash_bytes(ns::EVIDENCE, name.as_bytes()));
}

/// The words of a message, from the engine's normalised text (so look-alike letters,
/// spacing and digits-for-letters are already undone), plus a few facts about the raw text
/// that normalisation loses (capitals, '!', currency signs, length). The engine adds what
/// its rules found (see [`crate::Engine::text_model_features`]).
///
/// The channel is not a feature: the same words must not weigh less for arriving by text
/// message (the rules add their own point for that).
pub(crate) fn text_features_normalized(raw: &str, normalized: &Normalized, out: &mut impl FeatureSink) {
    raw_shape(raw, out);

    let text = normalized.as_str();
    let bytes = text.as_bytes();
    let mut previous: Option<(u64, usize)> = None;
    let mut start = 0;
    while start < bytes.len() {
        // Words are separated by single spaces; a sentence break is a word of its own.
        let end = memchr::memchr(b' ', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let word = &bytes[start..end];
        if word.is_empty() {
        } else if word == [SENTENCE_BREAK] {
            previous = None;
        } else if word.iter().all(u8::is_ascii_digit) {
            // Numbers by shape: "80082" and "12345" say the same (a short code).
            let h = hash_u64(ns::NUMBER, word.len().min(12) as u64);
            out.feature(h);
            previous = Some((h, start));
        } else {
            let h = hash_bytes(ns::WORD, word);
            out.phrase(h, start, end);
            if let Some((p, p_start)) = previous {
                out.phrase(mix(ns::PAIR ^ p, h), p_start, end);
            }
            previous = Some((h, start));
            if word.len() <= MAX_GRAM_WORD {
                letter_grams(word, out);
            }
        }
        start = end + 1;
    }
}

/// The word's four-letter pieces, with its ends marked: " wor", "word", "ord ".
fn letter_grams(word: &[u8], out: &mut impl FeatureSink) {
    // Four bytes at a time in one u32, rolled along: one multiply per piece. A word of one
    // letter gives the single piece " a ".
    let mut gram = u32::from(b' ');
    let padded = word.iter().copied().chain([b' ']);
    for (i, b) in padded.enumerate() {
        gram = gram << 8 | u32::from(b);
        if i >= 2 || i == word.len() {
            out.feature(hash_gram(gram));
        }
    }
}

/// A letter n-gram packed in a u32: multiplicative hashing, whose high bits (the slot)
/// depend on every input bit.
fn hash_gram(gram: u32) -> u64 {
    (u64::from(gram) ^ ns::GRAM << 40).wrapping_mul(K)
}

/// Facts about the raw text, as coarse buckets.
fn raw_shape(raw: &str, out: &mut impl FeatureSink) {
    let bytes = raw.as_bytes();
    let (mut upper, mut letters, mut digits) = (0usize, 0usize, 0usize);
    for b in bytes {
        upper += usize::from(b.is_ascii_uppercase());
        letters += usize::from(b.is_ascii_alphabetic());
        digits += usize::from(b.is_ascii_digit());
    }
    let exclamations = memchr::memchr_iter(b'!', bytes).count();
    let currency = memchr::memchr2_iter(b'$', 0xC2, bytes).count() + memchr::memchr_iter(0xE2, bytes).count();
    let shape = [
        (1, log2_bucket(raw.len())),
        (2, if letters >= 20 { (upper * 10 / letters) as u64 } else { 11 }),
        (3, (exclamations.min(5)) as u64),
        (4, u64::from(currency > 0)),
        (5, if bytes.is_empty() { 0 } else { (digits * 20 / bytes.len()).min(6) as u64 }),
    ];
    for (what, bucket) in shape {
        out.feature(hash_u64(ns::SHAPE, what << 32 | bucket));
    }
}

fn log2_bucket(n: usize) -> u64 {
    u64::from(usize::BITS - n.leading_zeros())
}

// ------------------------------------------------------------------------------- url

/// What the URL model reads about one link: the analyser's facts and the name's parts.
pub(crate) struct UrlParts<'a> {
    pub facts: &'a [&'static str],
    /// Host in Unicode, without a trailing dot.
    pub host: &'a str,
    /// The registrable domain, if the host is a name.
    pub registrable: Option<&'a str>,
    /// The normalised URL.
    pub url: &'a str,
}

pub(crate) fn url_features(parts: &UrlParts<'_>, out: &mut impl FeatureSink) {
    for fact in parts.facts {
        out.feature(hash_bytes(ns::URL_FACT, fact.as_bytes()));
    }
    let host = parts.host.trim_end_matches('.').to_ascii_lowercase();
    // Letter n-grams of the whole host, its ends marked.
    let marked: Vec<u8> = [b"^".as_slice(), host.as_bytes(), b"$"].concat();
    for n in 3..=5 {
        for gram in marked.windows(n) {
            out.feature(hash_bytes(ns::HOST_GRAM ^ (n as u64) << 8, gram));
        }
    }
    let registrable = parts.registrable.unwrap_or(&host);
    let (label, suffix) = registrable.split_once('.').unwrap_or((registrable, ""));
    let subdomain = host.strip_suffix(registrable).unwrap_or("").trim_end_matches('.');
    let label_bytes = label.as_bytes();
    let part = |what: u64, value: u64| hash_u64(ns::URL_PART, what << 32 | value);
    out.feature(hash_bytes(ns::URL_PART ^ 1 << 16, suffix.as_bytes()));
    for (what, value) in [
        (2, (label.len() / 3).min(12) as u64),
        (3, (host.len() / 5).min(16) as u64),
        (4, host.bytes().filter(|b| *b == b'.').count().min(8) as u64),
        (5, label_bytes.iter().filter(|b| b.is_ascii_digit()).count().min(6) as u64),
        (6, host.bytes().filter(|b| *b == b'-').count().min(6) as u64),
        (7, (entropy(label_bytes) * 4.0) as u64),
        (8, u64::from(subdomain.is_empty())),
        (9, longest_consonant_run(label_bytes).min(8) as u64),
        (10, log2_bucket(parts.url.len())),
    ] {
        out.feature(part(what, value));
    }
    // Words of the path and query: "login", "verify", "wallet"…
    let path = parts.url.split_once("://").map_or("", |(_, rest)| rest);
    let path = path.find('/').map_or("", |i| &path[i..]);
    for word in path.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| (3..=20).contains(&w.len())).take(32) {
        out.feature(hash_bytes(ns::PATH_WORD, word.to_ascii_lowercase().as_bytes()));
    }
}

/// Shannon entropy of the bytes, in bits per byte.
fn entropy(bytes: &[u8]) -> f32 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u16; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let n = bytes.len() as f32;
    counts.iter().filter(|&&c| c > 0).map(|&c| f32::from(c) / n).map(|p| -p * p.log2()).sum()
}

fn longest_consonant_run(bytes: &[u8]) -> usize {
    let mut best = 0;
    let mut run = 0;
    for b in bytes {
        if b.is_ascii_alphabetic() && !b"aeiouy".contains(b) {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

// --------------------------------------------------------------------- explanation

/// A phrase that pushed the probability up, with its span in the normalised text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Contribution {
    pub start: usize,
    pub end: usize,
}

// ---------------------------------------------------------------------------- hashing

const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// A fast, portable hash: the same bytes give the same slot on every platform, so a model
/// trained on one machine scores the same on all.
fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = seed.wrapping_mul(K) ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(word)).wrapping_mul(K).rotate_left(29);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        // The same value as the zero-padded bytes read little-endian, without a copy
        // through memory (most words are shorter than 8 bytes: this is the hot path).
        let tail = rest.iter().enumerate().fold(0u64, |t, (i, &b)| t | u64::from(b) << (8 * i));
        h = (h ^ tail).wrapping_mul(K).rotate_left(29);
    }
    // One more multiply spreads the last chunk into the high bits the slot is taken from.
    (h ^ h >> 32).wrapping_mul(K)
}

fn hash_u64(seed: u64, value: u64) -> u64 {
    fmix(seed.wrapping_mul(K) ^ value.wrapping_add(K))
}

/// Two word hashes into one for the pair: order matters ("not free" is not "free not").
fn mix(a: u64, b: u64) -> u64 {
    (a.rotate_left(17) ^ b).wrapping_mul(K)
}

/// MurmurHash3's 64-bit finaliser.
fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The logistic function.
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let end =
            self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or(ModelError::NotAModel("ends early"))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, ModelError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, ModelError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn f32(&mut self) -> Result<f32, ModelError> {
        let b = self.take(4)?;
        Ok(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Channel;

    fn tiny(kind: ModelKind) -> LinearModel {
        let weights: Vec<f32> = (0..4096).map(|i| ((i % 7) as f32 - 3.0) / 10.0).collect();
        LinearModel::from_weights(kind, -0.5, &weights, (1.0, 0.0), "test").unwrap()
    }

    #[test]
    fn a_model_file_round_trips() {
        let model = tiny(ModelKind::Text);
        let bytes = model.to_bytes();
        assert_eq!(LinearModel::parse(&bytes, ModelKind::Text).unwrap(), model);
    }

    #[test]
    fn every_flipped_byte_and_every_cut_is_refused() {
        let bytes = tiny(ModelKind::Url).to_bytes();
        for i in (0..bytes.len()).step_by(97).chain([0, 5, 7, bytes.len() - 1]) {
            let mut bad = bytes.clone();
            bad[i] ^= 0x10;
            assert!(LinearModel::parse(&bad, ModelKind::Url).is_err(), "byte {i} flipped was accepted");
        }
        for len in [0, 3, 8, 20, bytes.len() - 1] {
            assert!(LinearModel::parse(&bytes[..len], ModelKind::Url).is_err(), "cut at {len} was accepted");
        }
        assert!(matches!(LinearModel::parse(&bytes, ModelKind::Text), Err(ModelError::WrongKind { .. })));
    }

    fn text_features(text: &str, _channel: Channel) -> FeatureVector {
        let mut out = FeatureVector::default();
        text_features_normalized(text, &Normalized::new(text), &mut out);
        out
    }

    #[test]
    fn obfuscated_words_give_the_same_features() {
        let plain = text_features("Claim your free prize now", Channel::Sms);
        let tricked = text_features("Cl\u{0430}im y0ur fr\u{200b}ee p r i z e now", Channel::Sms);
        let mut a = plain.slots.clone();
        let mut b = tricked.slots.clone();
        // The raw-text shape (length, capitals) may differ; the words may not.
        a.drain(..5);
        b.drain(..5);
        assert_eq!(a, b);
    }

    #[test]
    fn numbers_count_by_shape() {
        let a = text_features("text WIN to 80082", Channel::Sms);
        let b = text_features("text WIN to 12345", Channel::Sms);
        assert_eq!(a.slots, b.slots);
    }
}
