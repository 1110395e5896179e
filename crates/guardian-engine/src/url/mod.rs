//! InboxGuard URL: what a link's own text says about it, without visiting it.
//!
//! INTERFACE (used by text.rs and lib.rs — keep these signatures):
//! - `facts()`: the vocabulary of facts `url.toml` rules may test (`url.*`).
//! - `inspect(input)`: parse + lexical analysis → facts + details, or `EngineError::InvalidUrl`.
//! - `fired_rules(engine, input)`: inspect + evaluate `url.toml` → fired rules (building
//!   blocks included) and details.
//! - `assess(engine, request)`: the public URL check.
//! - `find_urls(text)`: links in free text (with a scheme added where missing).
//! - `check_examples(engine)`: runs url.toml's examples.

use ::url::{Host, Url};

use crate::error::EngineError;
use crate::model::{AnalyzeUrlRequest, Metadata, Module, RiskResponse, UrlDetails};
use crate::pack::Rule;
use crate::{Engine, respond::respond};

/// Every fact the analyser can report.
const FACTS: &[&str] = &["url.raw_ip", "url.userinfo", "url.plain_http", "url.nonstandard_port", "url.long"];

/// URLs longer than this are unusual for a real sign-in page.
const LONG_URL: usize = 150;

pub(crate) fn facts() -> Vec<String> {
    FACTS.iter().map(|s| s.to_string()).collect()
}

/// What the analyser found in one link.
#[derive(Debug, Clone, Default)]
pub(crate) struct UrlAnalysis {
    pub facts: Vec<&'static str>,
    pub details: UrlDetails,
}

/// Parses and inspects one link.
pub(crate) fn inspect(input: &str) -> Result<UrlAnalysis, EngineError> {
    let trimmed = input.trim();
    let parsed = Url::parse(trimmed).map_err(|e| EngineError::InvalidUrl(format!("{e}; give a full link such as https://example.com/")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(EngineError::InvalidUrl(format!("scheme '{}' is not http or https", parsed.scheme())));
    }
    let host = parsed.host().ok_or_else(|| EngineError::InvalidUrl("the link has no host".into()))?;
    let mut facts = Vec::new();
    let host_text = match host {
        Host::Ipv4(ip) => {
            facts.push("url.raw_ip");
            ip.to_string()
        }
        Host::Ipv6(ip) => {
            facts.push("url.raw_ip");
            ip.to_string()
        }
        Host::Domain(d) => d.to_string(),
    };
    if !parsed.username().is_empty() || parsed.password().is_some() {
        facts.push("url.userinfo");
    }
    if parsed.scheme() == "http" {
        facts.push("url.plain_http");
    }
    if parsed.port().is_some() {
        facts.push("url.nonstandard_port");
    }
    if trimmed.len() > LONG_URL {
        facts.push("url.long");
    }
    let registrable_domain = psl::domain_str(&host_text).map(str::to_string);
    Ok(UrlAnalysis {
        facts,
        details: UrlDetails { normalized: parsed.to_string(), host: host_text, registrable_domain, imitates: None },
    })
}

/// Inspects a link and evaluates the URL rules on it.
pub(crate) fn fired_rules<'e>(engine: &'e Engine, input: &str) -> Result<(Vec<&'e Rule>, UrlDetails), EngineError> {
    let analysis = inspect(input)?;
    let set = &engine.pack.url;
    let mut facts = set.facts();
    for f in &analysis.facts {
        facts.set(f);
    }
    let fired = set.evaluate(&facts, &[]).into_iter().map(|i| &set.rules[i]).collect();
    Ok((fired, analysis.details))
}

pub(crate) fn assess(engine: &Engine, request: &AnalyzeUrlRequest) -> Result<RiskResponse, EngineError> {
    if request.url.trim().is_empty() {
        return Err(EngineError::InvalidUrl("the link is empty".into()));
    }
    let (fired, details) = fired_rules(engine, &request.url)?;
    let metadata = Metadata { urls: vec![details.normalized.clone()], url: Some(details), ..Metadata::default() };
    Ok(respond(engine, Module::Inboxguard, &fired, metadata))
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
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while from < lower.len() {
        let next = ["http://", "https://", "www."]
            .iter()
            .filter_map(|p| lower[from..].find(p).map(|i| from + i))
            .min();
        let Some(start) = next else { break };
        let end = text[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | ')' | ']'))
            .map_or(text.len(), |i| start + i);
        let raw = text[start..end].trim_end_matches(['.', ',', ';', ':', '!', '?']);
        let end = start + raw.len();
        if raw.len() > 4 {
            let url = if lower[start..].starts_with("www.") { format!("http://{raw}") } else { raw.to_string() };
            out.push(FoundUrl { start, end, url });
        }
        from = end.max(start + 1);
    }
    out
}

pub(crate) fn check_examples(engine: &Engine) -> Result<(), EngineError> {
    crate::run_examples(&engine.pack.url, |example| {
        let input = example.as_str().ok_or_else(|| EngineError::input("example", "URL examples are strings"))?;
        let (fired, _) = fired_rules(engine, input)?;
        Ok(fired.iter().map(|r| r.id.clone()).collect())
    })
}
