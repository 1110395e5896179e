//! InboxGuard URL: what a link's own text says about it, without visiting it.
//!
//! The link is parsed with the `url` crate (WHATWG rules, the same as browsers), its host
//! decoded from punycode to Unicode, and split at the registrable domain with the Public
//! Suffix List (`psl`). The analyser then reports *facts* (`url.*`, listed in [`FACTS`]);
//! the rules in `rules/url.toml` turn facts into scored, explained findings.
//!
//! Findings about the name (brand mentions and look-alikes, lure words, odd shapes) are
//! never reported for a well-known site: a registrable domain on the well-known list, a
//! brand's own domain, or an address under a vetted ending such as `.gov`. Addresses on
//! free hosting (`paypal-login.weebly.com`) are judged by their own sub-address, not by the
//! hosting service's good name.
//!
//! INTERFACE (used by text.rs and lib.rs — keep these signatures):
//! - `facts()`: the vocabulary of facts `url.toml` rules may test (`url.*`).
//! - `inspect(input)`: parse + lexical analysis → facts + details, or `EngineError::InvalidUrl`.
//! - `fired_rules(engine, input, with_model)`: inspect + evaluate `url.toml` → fired rules (building
//!   blocks included) and the analysis.
//! - `assess(engine, request)`: the public URL check.
//! - `find_urls(text)`: links in free text (with a scheme added where missing).
//! - `check_examples(engine)`: runs url.toml's examples.

mod brand;
mod data;
mod skeleton;
mod words;

use ::url::{Host, Url};

use self::brand::{Evidence, Hit, Label};
use self::data::{Data, Kind, data, word};
use crate::error::EngineError;
use crate::model::{AnalyzeUrlRequest, Metadata, Module, RiskResponse, UrlDetails};
use crate::pack::Rule;
use crate::{Engine, classifier, respond::respond};

/// Every fact the analyser can report, in the order it checks them.
const FACTS: &[&str] = &[
    // The link as a whole.
    "url.raw_ip",
    "url.userinfo",
    "url.plain_http",
    "url.nonstandard_port",
    "url.long",
    "url.shortener",
    // Where it is registered.
    "url.well_known",
    "url.unfamiliar",
    "url.risky_tld",
    "url.free_hosting",
    // Imitation.
    "url.brand_in_other_domain",
    "url.brand_domain_in_subdomain",
    "url.brand_in_path",
    "url.lookalike",
    "url.lookalike_weak",
    "url.idn_deceptive",
    "url.idn",
    "url.celebrity",
    // Words.
    "url.login_word",
    "url.reward_word",
    "url.crypto_word",
    "url.path_lure",
    // Shape of the name.
    "url.deep_subdomains",
    "url.domain_in_subdomain",
    "url.www_in_name",
    "url.hyphen_in_name",
    "url.many_hyphens",
    "url.long_name",
    "url.digits_in_name",
    "url.random_name",
];

/// URLs longer than this are unusual for a real sign-in page.
const LONG_URL: usize = 150;
/// This many sub-address labels (not counting `www`) make a deep chain.
const DEEP_SUBDOMAINS: usize = 3;
/// This many dashes in the name (or two in the registrable part) are "many".
const MANY_HYPHENS: usize = 3;
/// A registrable label this long (letters and digits) is a long, made-up name.
const LONG_NAME: usize = 12;
/// Labels inside the sub-address that are really top-level domains ("paypal.com.evil.io").
const TLD_WORDS: &[&str] = &["biz", "com", "edu", "gov", "info", "net", "org"];

pub(crate) fn facts() -> Vec<String> {
    FACTS.iter().map(|s| s.to_string()).chain(classifier::band_fact_names()).collect()
}

/// What the analyser found in one link.
#[derive(Debug, Clone, Default)]
pub(crate) struct UrlAnalysis {
    pub facts: Vec<&'static str>,
    pub details: UrlDetails,
    /// The URL model's probability in per cent, when there is a model.
    pub model_score: Option<u8>,
}

impl UrlAnalysis {
    fn set(&mut self, fact: &'static str) {
        debug_assert!(FACTS.contains(&fact), "{fact} is not in FACTS");
        if !self.facts.contains(&fact) {
            self.facts.push(fact);
        }
    }
}

/// Parses and inspects one link.
pub(crate) fn inspect(input: &str) -> Result<UrlAnalysis, EngineError> {
    let data = data()?;
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(EngineError::InvalidUrl("the link is empty".into()));
    }
    let parsed = Url::parse(trimmed).map_err(|e| match e {
        ::url::ParseError::RelativeUrlWithoutBase => EngineError::InvalidUrl(format!(
            "{trimmed:?} has no http:// or https:// at the start; give the full link, such as https://example.com/"
        )),
        other => EngineError::InvalidUrl(format!("{other}; give the full link, such as https://example.com/")),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(EngineError::InvalidUrl(format!(
            "only http and https links can be checked, and this one is '{}:'",
            parsed.scheme()
        )));
    }
    // "https:///path": browsers' parsing would take "path" as the host; the text has none.
    let after_scheme = trimmed.split_once("://").map_or("", |(_, rest)| rest);
    if after_scheme.starts_with(['/', '\\']) {
        return Err(EngineError::InvalidUrl("the link has no host (website name)".into()));
    }
    let host = parsed.host().ok_or_else(|| EngineError::InvalidUrl("the link has no host (website name)".into()))?;

    let mut out = UrlAnalysis::default();
    if !parsed.username().is_empty() || parsed.password().is_some() {
        out.set("url.userinfo");
    }
    if parsed.scheme() == "http" {
        out.set("url.plain_http");
    }
    if parsed.port().is_some() {
        out.set("url.nonstandard_port");
    }
    if trimmed.len() > LONG_URL {
        out.set("url.long");
    }
    let host_text = match host {
        Host::Ipv4(ip) => {
            out.set("url.raw_ip");
            ip.to_string()
        }
        Host::Ipv6(ip) => {
            out.set("url.raw_ip");
            ip.to_string()
        }
        Host::Domain(ascii) => {
            let ascii = ascii.trim_end_matches('.');
            let path = match parsed.query() {
                Some(q) => format!("{}?{q}", parsed.path()),
                None => parsed.path().to_string(),
            };
            inspect_domain(data, ascii, &path, &mut out)
        }
    };
    out.details.normalized = parsed.to_string();
    out.details.host = host_text;
    Ok(out)
}

/// The name checks; returns the host in Unicode.
fn inspect_domain(data: &Data, ascii: &str, path: &str, out: &mut UrlAnalysis) -> String {
    let unicode = if ascii.split('.').any(|l| l.starts_with("xn--")) {
        let decoded = ::url::quirks::domain_to_unicode(ascii);
        if decoded.is_empty() { ascii.to_string() } else { decoded }
    } else {
        ascii.to_string()
    };
    let registrable = psl::domain_str(ascii);
    let suffix_info = psl::suffix(ascii.as_bytes());
    let suffix = suffix_info.map_or("", |s| std::str::from_utf8(s.as_bytes()).unwrap_or(""));
    let private_suffix = suffix_info.is_some_and(|s| s.typ() == Some(psl::Type::Private));
    out.details.registrable_domain = registrable.map(str::to_string);

    // A short link has a code after the service's name; the bare service is just a site.
    let shortener = data.shorteners.contains(registrable.unwrap_or(ascii)) || data.shorteners.contains(ascii);
    if shortener && path.len() > 1 {
        out.set("url.shortener");
    }
    let tld = ascii.rsplit('.').next().unwrap_or(ascii);
    let risky_tld = data.risky_tlds.contains(tld);

    // Labels: [sub-address…, registrable label] + suffix labels.
    let labels: Vec<&str> = unicode.split('.').collect();
    let suffix_labels = if suffix.is_empty() { 0 } else { suffix.split('.').count() };
    let Some(registrable) = registrable else {
        // The host is itself a public suffix ("github.io") or a bare name ("localhost").
        if risky_tld {
            out.set("url.risky_tld");
        }
        return unicode;
    };
    let name = &labels[..labels.len().saturating_sub(suffix_labels)];
    let Some((&reg_label, subdomain)) = name.split_last() else { return unicode };
    let sub: &[&str] = match subdomain.first() {
        Some(&"www") => &subdomain[1..],
        _ => subdomain,
    };

    let user_hosted = (private_suffix && reg_label != "www") || (data.hosting.contains(registrable) && !sub.is_empty());
    let well_known = !user_hosted
        && (shortener
            || data.well_known.contains(registrable)
            || data.restricted_suffixes.contains(suffix)
            || data.global_tokens.get(reg_label).is_some_and(|&b| brand::is_official(data, b, registrable, suffix)));
    if well_known {
        out.set("url.well_known");
        return unicode;
    }
    out.set("url.unfamiliar");
    if risky_tld {
        out.set("url.risky_tld");
    }
    if user_hosted {
        out.set("url.free_hosting");
    }

    // Build the label views the matchers use: the registrable label first.
    let mut views: Vec<Label<'_>> = Vec::with_capacity(sub.len() + 1);
    let mut folded = String::new();
    let mut deceptive = false;
    let mut special_letters = false;
    let mut digits_in_name = false;
    let mut random = false;
    let mut www_in_name = false;
    let mut hyphens = 0;
    let mut hyphen_in_name = false;
    let mut long_name = false;
    let mut vocabulary = 0u8;
    for (i, &orig) in std::iter::once(&reg_label).chain(sub.iter()).enumerate() {
        let scripts = skeleton::fold_label(orig, &mut folded);
        deceptive |= scripts.deceptive();
        special_letters |= !orig.is_ascii();
        let mut light = String::new();
        skeleton::unleet(&folded, &mut light);
        let mut skel = String::new();
        skeleton::skeleton(&light, &mut skel);
        let dashes = folded.bytes().filter(|&b| b == b'-').count();
        hyphens += dashes;
        if i == 0 {
            hyphen_in_name = dashes > 0;
            long_name = folded.chars().filter(|c| c.is_alphanumeric()).count() >= LONG_NAME;
            if dashes >= 2 {
                hyphens = hyphens.max(MANY_HYPHENS);
            }
            digits_in_name =
                folded.bytes().any(|b| b.is_ascii_digit()) && folded.bytes().any(|b| b.is_ascii_alphabetic());
        }
        random |= words::looks_random(&folded);
        if let Some(rest) = folded.strip_prefix("www") {
            www_in_name |= rest.starts_with(|c: char| c == '-' || c.is_ascii_alphabetic());
        }
        vocabulary |= words::label_words(data, &light);
        views.push(Label { orig, compact: skel.replace('-', ""), skel, in_subdomain: i > 0 });
    }
    if deceptive {
        out.set("url.idn_deceptive");
    } else if special_letters && tld.len() > 2 && !tld.starts_with("xn--") {
        // Accented or foreign letters under a generic ending (.com, .net…): unusual for a
        // real business, common in disguised names. A country's own ending or a
        // native-script ending is where such names normally live.
        out.set("url.idn");
    }
    if digits_in_name {
        out.set("url.digits_in_name");
    }
    if random {
        out.set("url.random_name");
    }
    if www_in_name {
        out.set("url.www_in_name");
    }
    if hyphens >= MANY_HYPHENS {
        out.set("url.many_hyphens");
    } else if hyphen_in_name {
        out.set("url.hyphen_in_name");
    }
    if long_name {
        out.set("url.long_name");
    }
    if sub.len() >= DEEP_SUBDOMAINS {
        out.set("url.deep_subdomains");
    }
    if sub.iter().skip(1).any(|l| TLD_WORDS.contains(l)) {
        out.set("url.domain_in_subdomain");
    }
    if vocabulary & word::LOGIN != 0 {
        out.set("url.login_word");
    }
    if vocabulary & word::REWARD != 0 {
        out.set("url.reward_word");
    }
    if vocabulary & word::CRYPTO != 0 {
        out.set("url.crypto_word");
    }

    // Brands.
    let mut hits: Vec<Hit> = Vec::new();
    brand::find(data, &views, &mut hits);
    hits.retain(|h| !brand::is_official(data, h.brand, registrable, suffix));
    let mut imitates: Option<(usize, u8)> = None;
    let mut consider = |brand: usize, rank: u8| {
        if imitates.is_none_or(|(_, r)| rank > r) {
            imitates = Some((brand, rank));
        }
    };
    for h in &hits {
        if data.brands[h.brand].kind == Kind::Celebrity {
            if h.evidence >= Evidence::Strong {
                out.set("url.celebrity");
                consider(h.brand, 1);
            }
            continue;
        }
        let (fact, rank) = match h.evidence {
            Evidence::Mention => ("url.brand_in_other_domain", if h.in_subdomain { 5 } else { 6 }),
            Evidence::Homoglyph => ("url.lookalike", 7),
            Evidence::Strong => ("url.lookalike", 4),
            Evidence::Weak => ("url.lookalike_weak", 2),
        };
        out.set(fact);
        consider(h.brand, rank);
    }
    // A well-known site's full address inside the sub-address: "paypal.com.evil.io".
    for i in 0..sub.len() {
        for k in 2..=3 {
            let Some(run) = sub.get(i..i + k) else { break };
            let candidate = run.join(".");
            if data.well_known.contains(candidate.as_str()) {
                out.set("url.brand_domain_in_subdomain");
                if let Some(&b) = data.official.get(candidate.as_str()).and_then(|v| v.first()) {
                    consider(b, 8);
                }
            }
        }
    }
    let (path_flags, path_brand) = words::path_words(data, path);
    if path_flags != 0 {
        out.set("url.path_lure");
    }
    if let Some(t) = path_brand {
        let b = data.tokens[t].brand;
        if !brand::is_official(data, b, registrable, suffix) {
            out.set("url.brand_in_path");
            consider(b, 0);
        }
    }
    out.details.imitates = imitates.map(|(b, _)| data.brands[b].name.clone());
    unicode
}

/// Inspects a link and evaluates the URL rules on it: the fired rules (building blocks
/// included) and the analysis, whose facts a message's own rules also read.
/// A link inside a message is read `with_model: false`: the message's own model already
/// weighs what the link analysis found, and was trained on exactly that.
pub(crate) fn fired_rules<'e>(
    engine: &'e Engine,
    input: &str,
    with_model: bool,
) -> Result<(Vec<&'e Rule>, UrlAnalysis), EngineError> {
    let mut analysis = inspect(input)?;
    let set = &engine.pack.url;
    let mut facts = set.facts();
    for f in &analysis.facts {
        facts.set(f);
    }
    if let Some(model) = engine.models.url.as_ref().filter(|_| with_model) {
        let mut scorer = classifier::Scorer::new(model);
        model_features(&analysis, &mut scorer);
        let probability = scorer.finish().probability;
        for fact in classifier::band_facts(probability) {
            facts.set(fact);
        }
        analysis.model_score = Some(classifier::percent(probability));
    }
    let fired = set.evaluate(&facts, &[]).into_iter().map(|i| &set.rules[i]).collect();
    Ok((fired, analysis))
}

pub(crate) fn assess(engine: &Engine, request: &AnalyzeUrlRequest) -> Result<RiskResponse, EngineError> {
    let (fired, UrlAnalysis { details, model_score, .. }) = fired_rules(engine, &request.url, true)?;
    let metadata =
        Metadata { urls: vec![details.normalized.clone()], url: Some(details), model_score, ..Metadata::default() };
    Ok(respond(engine, Module::Inboxguard, &fired, metadata))
}

/// What the URL model reads of an analysed link.
pub(crate) fn model_features(analysis: &UrlAnalysis, out: &mut impl classifier::FeatureSink) {
    let parts = classifier::UrlParts {
        facts: &analysis.facts,
        host: &analysis.details.host,
        registrable: analysis.details.registrable_domain.as_deref(),
        url: &analysis.details.normalized,
    };
    classifier::url_features(&parts, out);
}

/// A link found in free text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundUrl {
    /// Byte span in the text.
    pub start: usize,
    pub end: usize,
    /// The link, with `http://` added when the text had none.
    pub url: String,
}

/// Finds links in free text: `http(s)://…` and `www.…`.
pub(crate) fn find_urls(text: &str) -> Vec<FoundUrl> {
    let mut out = Vec::new();
    let mut from = 0;
    // A link starts with one of three prefixes, in any case; the automaton skips ahead with
    // vectorised prefilters instead of testing every byte.
    while let Some(m) = LINK_START.find(&text[from..]) {
        let start = from + m.start();
        let www = m.pattern().as_usize() == 2;
        let end = text[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | ')' | ']'))
            .map_or(text.len(), |n| start + n);
        let raw = text[start..end].trim_end_matches(['.', ',', ';', ':', '!', '?']);
        let end = start + raw.len();
        if raw.len() > 4 {
            let url = if www { format!("http://{raw}") } else { raw.to_string() };
            out.push(FoundUrl { start, end, url });
        }
        from = end.max(start + 1);
        while !text.is_char_boundary(from) {
            from += 1;
        }
    }
    out
}

/// `https://`, `http://`, `www.`, case-insensitive, in that order of preference.
static LINK_START: std::sync::LazyLock<aho_corasick::AhoCorasick> = std::sync::LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(aho_corasick::MatchKind::LeftmostFirst)
        .build(["https://", "http://", "www."])
        .expect("three fixed ASCII patterns always build")
});

pub(crate) fn check_examples(engine: &Engine) -> Result<(), EngineError> {
    data()?;
    crate::run_examples(&engine.pack.url, |example| {
        let input = example.as_str().ok_or_else(|| EngineError::input("example", "URL examples are strings"))?;
        let (fired, _) = fired_rules(engine, input, true)?;
        Ok(fired.iter().map(|r| r.id.clone()).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_links_in_free_text() {
        let text = "Pay at HTTPS://Evil.example/pay. Or www.other.example/x, (see http://a.example)! ftp://no";
        let found: Vec<(&str, String)> = find_urls(text).into_iter().map(|f| (&text[f.start..f.end], f.url)).collect();
        assert_eq!(
            found,
            [
                ("HTTPS://Evil.example/pay", "HTTPS://Evil.example/pay".to_string()),
                ("www.other.example/x", "http://www.other.example/x".to_string()),
                ("http://a.example", "http://a.example".to_string()),
            ]
        );
        assert!(find_urls("no links here, just wwwords and httpd").is_empty());
        assert!(find_urls("ünïcödé before https://x.example/é after").len() == 1);
    }

    fn facts_of(url: &str) -> Vec<&'static str> {
        inspect(url).unwrap_or_else(|e| panic!("{url}: {e}")).facts
    }

    fn imitates(url: &str) -> Option<String> {
        inspect(url).unwrap().details.imitates
    }

    #[test]
    fn bad_inputs_are_errors() {
        for bad in [
            "",
            "   ",
            "example.com",
            "ftp://example.com/file",
            "mailto:a@example.com",
            "javascript:alert(1)",
            "http://",
            "http://:80/",
            "https:///path",
            "http:///\\evil.example",
        ] {
            let err = inspect(bad).expect_err(bad);
            assert!(matches!(err, EngineError::InvalidUrl(_)), "{bad}: {err}");
        }
        let msg = inspect("ftp://example.com/").unwrap_err().to_string();
        assert!(msg.contains("only http and https"), "{msg}");
        let msg = inspect("www.example.com").unwrap_err().to_string();
        assert!(msg.contains("https://"), "{msg}");
    }

    #[test]
    fn registrable_domain_and_unicode_host() {
        let a = inspect("https://Login.Example.CO.UK./path").unwrap();
        assert_eq!(a.details.registrable_domain.as_deref(), Some("example.co.uk"));
        let a = inspect("https://xn--80ak6aa92e.com/").unwrap();
        assert_eq!(a.details.host, "аррӏе.com");
        assert!(a.facts.contains(&"url.idn_deceptive"));
        assert_eq!(a.details.imitates.as_deref(), Some("Apple"));
        let a = inspect("https://a.b.blogspot.com/").unwrap();
        assert_eq!(a.details.registrable_domain.as_deref(), Some("b.blogspot.com"));
        assert!(a.facts.contains(&"url.free_hosting"));
    }

    #[test]
    fn well_known_sites_are_clean() {
        for url in [
            "https://paypal.com/",
            "https://www.paypal.com/signin",
            "https://www.chase.com/",
            "https://accounts.google.com/signin/v2/identifier",
            "https://amazon.co.jp/",
            "https://www.amazon.de/gp/cart",
            "https://secure.chase.com/web/auth/dashboard",
            "https://myetherwallet.com/",
            "https://metamask.io/download/",
            "https://www.irs.gov/refunds",
            "https://www.gov.uk/sign-in-universal-credit",
            "https://www.bbc.co.uk/news",
            "https://en.wikipedia.org/wiki/Phishing",
            "https://www.coinbase.com/login",
            "https://www.t-mobile.com/",
        ] {
            let a = inspect(url).unwrap();
            assert_eq!(a.facts, vec!["url.well_known"], "{url}");
            assert_eq!(a.details.imitates, None, "{url}");
        }
    }

    #[test]
    fn brand_in_other_domain() {
        for (url, brand) in [
            ("https://paypal.com.verify-x.io/", "PayPal"),
            ("https://secure-chase-login.com/", "Chase"),
            ("https://dropcoinbase.com/", "Coinbase"),
            ("https://paypal-login.weebly.com/", "PayPal"),
            ("https://myetherwallet.info/", "MyEtherWallet"),
        ] {
            let f = facts_of(url);
            assert!(f.contains(&"url.brand_in_other_domain"), "{url}: {f:?}");
            assert_eq!(imitates(url).as_deref(), Some(brand), "{url}");
        }
        assert!(facts_of("https://paypal.com.verify-x.io/").contains(&"url.brand_domain_in_subdomain"));
    }

    #[test]
    fn lookalikes() {
        for (url, brand) in [
            ("https://paypa1.com/", "PayPal"),
            ("https://arnazon.com/", "Amazon"),
            ("https://g00gle.com/", "Google"),
            ("https://xn--pypal-4ve.com/", "PayPal"), // Cyrillic а
            ("https://myehterwallet.com/", "MyEtherWallet"),
        ] {
            let f = facts_of(url);
            assert!(f.contains(&"url.lookalike"), "{url}: {f:?}");
            assert_eq!(imitates(url).as_deref(), Some(brand), "{url}");
        }
    }

    #[test]
    fn plain_sites_have_no_findings() {
        for url in [
            "https://example.com/",
            "https://smallbakery.co.uk/menu",
            "https://purchasing.net/",
            "https://www.groups.org/",
        ] {
            let a = inspect(url).unwrap();
            assert_eq!(a.facts, vec!["url.unfamiliar"], "{url}");
            assert_eq!(a.details.imitates, None, "{url}");
        }
    }

    #[test]
    fn link_level_findings() {
        assert!(facts_of("http://192.168.4.20/login").contains(&"url.raw_ip"));
        assert!(facts_of("http://[2001:db8::1]/").contains(&"url.raw_ip"));
        assert!(facts_of("http://3232236564/").contains(&"url.raw_ip"), "decimal IPv4");
        assert!(facts_of("https://www.paypal.com@evil.example/").contains(&"url.userinfo"));
        assert!(facts_of("https://bit.ly/3abc").contains(&"url.shortener"));
        assert!(facts_of("https://example.com:8443/").contains(&"url.nonstandard_port"));
        assert!(!facts_of("https://example.com:443/").contains(&"url.nonstandard_port"));
        assert!(facts_of("https://a.b.c.example.com/").contains(&"url.deep_subdomains"));
        assert!(facts_of("https://claim-free-eth-bonus.xyz/").contains(&"url.many_hyphens"));
    }
}
