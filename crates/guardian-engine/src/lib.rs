//! Titanium Guardian's assessment engine: is this call, payment, message, link or account
//! activity a scam, how sure are we, why, and what should the person do now?
//!
//! The engine is pure: no I/O, no async, no clock, no randomness. Every point of a score
//! comes from a named rule in a versioned rule pack (compiled in from `rules/`), and the
//! reasons are exactly the fired rules' plain-language explanations.
//!
//! ```
//! use guardian_engine::{AnalyzeTextRequest, Channel, Engine, Level};
//!
//! let engine = Engine::bundled().expect("the bundled rule pack loads");
//! let answer = engine
//!     .analyze_text(&AnalyzeTextRequest {
//!         text: "URGENT: your bank account is locked. Pay the fee in Google Play gift cards now.".into(),
//!         channel: Channel::Sms,
//!     })
//!     .unwrap();
//! assert_eq!(answer.level, Level::High);
//! assert!(answer.metadata.rules.iter().any(|id| id.contains("GIFT_CARD")));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod call;
pub mod classifier;
mod error;
mod identity;
mod matcher;
mod model;
mod money;
mod normalize;
mod pack;
mod respond;
mod session;
mod text;
mod url;

use std::sync::LazyLock;

pub use crate::call::{CALL_SIGNALS, normalize_key};
pub use crate::error::{EngineError, PackErrorKind};
pub use crate::identity::IDENTITY_SIGNALS;
pub use crate::model::*;
pub use crate::money::{PAYMENT_METHODS, canonical_payment_method};
pub use crate::pack::PackSources;

use crate::classifier::{LinearModel, ModelKind};
use crate::pack::{Pack, Vocabularies};

/// A loaded, checked rule pack with its compiled matchers: the thing that assesses.
///
/// Build it once and share it (it is `Send + Sync`); [`Engine::bundled`] gives the one
/// compiled into this build.
#[derive(Debug, Clone)]
pub struct Engine {
    pack: Pack,
    models: Models,
}

/// The learned models an engine scores with beside its rules (see [`classifier`]).
#[derive(Debug, Clone, Default)]
pub struct Models {
    /// Reads messages; `None` scores with the rules alone.
    pub text: Option<LinearModel>,
    /// Reads links; `None` scores with the rules alone.
    pub url: Option<LinearModel>,
}

impl Models {
    /// The models compiled into this build (`model/*.tgm`), checked.
    pub fn bundled() -> Result<Models, EngineError> {
        let parse =
            |bytes: &[u8], kind| LinearModel::parse(bytes, kind).map_err(|error| EngineError::Model { kind, error });
        Ok(Models {
            text: Some(parse(include_bytes!("../model/text.tgm"), ModelKind::Text)?),
            url: Some(parse(include_bytes!("../model/url.tgm"), ModelKind::Url)?),
        })
    }
}

static BUNDLED: LazyLock<Result<Engine, EngineError>> = LazyLock::new(|| Engine::from_sources(&PackSources::BUNDLED));

impl Engine {
    /// The engine with the rule pack compiled into this build, built on first use.
    ///
    /// Fails only if the bundled pack is broken, which the test suite rules out; callers
    /// should still report the error rather than panic.
    pub fn bundled() -> Result<&'static Engine, EngineError> {
        BUNDLED.as_ref().map_err(Clone::clone)
    }

    /// Loads and checks a rule pack: syntax, ids, scores, references, then every rule's
    /// own examples, with the bundled models. A pack that fails any check is refused as a
    /// whole.
    pub fn from_sources(sources: &PackSources<'_>) -> Result<Engine, EngineError> {
        Engine::with_models(sources, Models::bundled()?)
    }

    /// Like [`Engine::from_sources`], with the given models.
    pub fn with_models(sources: &PackSources<'_>, models: Models) -> Result<Engine, EngineError> {
        let engine = Engine::with_models_unchecked(sources, models)?;
        engine.check_examples()?;
        Ok(engine)
    }

    /// Loads a pack with the given models without running the rules' examples: for the
    /// training tool's cross-validation, whose fold models are not the ones the pack's
    /// examples were written for. Everything else about the pack is checked.
    #[doc(hidden)]
    pub fn with_models_unchecked(sources: &PackSources<'_>, models: Models) -> Result<Engine, EngineError> {
        let pack = Pack::load(sources, |categories| Vocabularies {
            text: text::facts(),
            url: url::facts(),
            call: call::facts(categories),
            money: money::facts(categories),
            identity: identity::facts(),
        })?;
        Ok(Engine { pack, models })
    }

    /// The rule pack's version, e.g. `2026.11.1`.
    pub fn pack_version(&self) -> &str {
        &self.pack.version
    }

    /// InboxGuard: how risky is this message? Empty or whitespace-only text is an error.
    pub fn analyze_text(&self, request: &AnalyzeTextRequest) -> Result<RiskResponse, EngineError> {
        text::analyze(self, request)
    }

    /// InboxGuard: how risky is this link? Anything but an http(s) URL with a host is an error.
    pub fn analyze_url(&self, request: &AnalyzeUrlRequest) -> Result<RiskResponse, EngineError> {
        url::assess(self, request)
    }

    /// MoneyGuard: should this payment go ahead? Amounts outside 0..=1e9 (or NaN) are errors.
    pub fn assess_money(&self, request: &MoneyAssessRequest) -> Result<RiskResponse, EngineError> {
        money::assess(self, request)
    }

    /// MoneyGuard: the checklist and scripts to use before any payment someone asks for.
    pub fn safe_steps(&self) -> SafeSteps {
        money::safe_steps(self)
    }

    /// CallGuard: how risky is the call, given what was noticed so far? Unknown signal
    /// keys are listed in `metadata.unknown_signals`, not rejected.
    pub fn assess_call(&self, request: &CallAssessRequest) -> RiskResponse {
        call::assess(self, request)
    }

    /// IdentityWatch: how likely is it that someone is using this person's identity?
    pub fn check_identity(&self, request: &IdentityCheckRequest) -> RiskResponse {
        identity::assess(self, request)
    }

    /// A session's current risk, folded from its events in order. `Ok(None)` if no
    /// event so far carries anything to assess; an error names the first event whose
    /// payload cannot be understood.
    pub fn session_risk(&self, module: Module, events: &[SessionEvent]) -> Result<Option<RiskResponse>, EngineError> {
        session::fold(self, module, events)
    }

    /// The assessment one session event produces on its own merits, in the context of the
    /// events before it (what the old API's event endpoint returned).
    pub fn assess_event(
        &self,
        module: Module,
        earlier: &[SessionEvent],
        event: &SessionEvent,
    ) -> Result<RiskResponse, EngineError> {
        session::assess_event(self, module, earlier, event)
    }

    /// What the text model reads of a message: its words and what this engine's rules
    /// found in it. For training; an assessment computes these itself.
    pub fn text_model_features(&self, text: &str, channel: Channel) -> classifier::FeatureVector {
        text::model_features(self, text, channel)
    }

    /// What the URL model reads of a link: the analyser's facts, letter n-grams of the
    /// host, the shape of its name and the words of its path. For training.
    pub fn link_model_features(&self, url: &str) -> Result<classifier::FeatureVector, EngineError> {
        let analysis = url::inspect(url)?;
        let mut features = classifier::FeatureVector::default();
        url::model_features(&analysis, &mut features);
        Ok(features)
    }

    /// Runs every rule's `match` / `no_match` examples against this engine.
    fn check_examples(&self) -> Result<(), EngineError> {
        text::check_examples(self)?;
        url::check_examples(self)?;
        call::check_examples(self)?;
        money::check_examples(self)?;
        identity::check_examples(self)
    }
}

/// The error for an example that did (or did not) fire its rule against expectation.
pub(crate) fn example_error(file: &str, rule: &str, example: &toml::Value, expected_match: bool) -> EngineError {
    let shown = show_example(example);
    EngineError::pack(file, PackErrorKind::ExampleFailed { rule: rule.to_string(), example: shown, expected_match })
}

/// An example as a one-line string, for error messages.
fn show_example(example: &toml::Value) -> String {
    match example {
        toml::Value::String(s) => s.clone(),
        other => serde_json::to_string(other).unwrap_or_else(|_| format!("{other:?}")),
    }
}

/// Runs one rule set's examples: `fired(example)` returns the ids that fired for it.
pub(crate) fn run_examples(
    set: &pack::RuleSet,
    mut fired: impl FnMut(&toml::Value) -> Result<Vec<model::Text>, EngineError>,
) -> Result<(), EngineError> {
    for rule in &set.rules {
        for (examples, want) in [(&rule.examples.positive, true), (&rule.examples.negative, false)] {
            for example in examples {
                let ids = fired(example).map_err(|e| match e {
                    EngineError::Pack { .. } => e,
                    other => EngineError::pack(
                        set.file,
                        PackErrorKind::InvalidRule {
                            rule: rule.id.to_string(),
                            message: format!("example {}: {other}", show_example(example)),
                        },
                    ),
                })?;
                // A model-banded rule's examples are about the rule, whichever band fires.
                let target = rule.family.as_ref().unwrap_or(&rule.id);
                let fired = ids.iter().any(|id| {
                    id == target
                        || (rule.family.is_some()
                            && id.as_str().strip_prefix(target.as_str()).is_some_and(|rest| rest.starts_with('_')))
                });
                if fired != want {
                    return Err(example_error(set.file, target.as_str(), example, want));
                }
            }
        }
    }
    Ok(())
}

/// Free-function shortcuts over [`Engine::bundled`].
pub fn analyze_text(request: &AnalyzeTextRequest) -> Result<RiskResponse, EngineError> {
    Engine::bundled()?.analyze_text(request)
}

/// See [`Engine::analyze_url`].
pub fn analyze_url(request: &AnalyzeUrlRequest) -> Result<RiskResponse, EngineError> {
    Engine::bundled()?.analyze_url(request)
}

/// See [`Engine::assess_money`].
pub fn assess_money(request: &MoneyAssessRequest) -> Result<RiskResponse, EngineError> {
    Engine::bundled()?.assess_money(request)
}

/// See [`Engine::assess_call`].
pub fn assess_call(request: &CallAssessRequest) -> Result<RiskResponse, EngineError> {
    Ok(Engine::bundled()?.assess_call(request))
}

/// See [`Engine::check_identity`].
pub fn check_identity(request: &IdentityCheckRequest) -> Result<RiskResponse, EngineError> {
    Ok(Engine::bundled()?.check_identity(request))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrase_matchers_stay_small() {
        let engine = Engine::bundled().unwrap_or_else(|e| panic!("{e}"));
        let bytes = engine.pack.text.matcher.as_ref().map_or(0, |m| m.memory_usage());
        assert!(bytes < 2 * 1024 * 1024, "phrase matchers use {bytes} bytes");
    }

    #[test]
    fn bundled_pack_loads_and_passes_its_examples() {
        let engine = Engine::bundled().unwrap_or_else(|e| panic!("{e}"));
        assert!(!engine.pack_version().is_empty());
    }
}
