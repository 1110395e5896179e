//! The engine's one error type.

use std::fmt;

/// Why an input could not be assessed, or why a rule pack was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The input cannot be assessed at all (the old API's 4xx).
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// The request field that was wrong, e.g. `text` or `amount`.
        field: &'static str,
        /// What was wrong with it.
        message: String,
    },
    /// The URL is not an http(s) link with a host.
    #[error("invalid url: {0}")]
    InvalidUrl(String),
    /// A rule pack failed to load or to pass its own examples.
    #[error("rule pack {file}: {kind}")]
    Pack {
        /// Which pack file (e.g. `text.toml`).
        file: String,
        /// What was wrong.
        kind: PackErrorKind,
    },
    /// A learned model file was refused (damaged, or from another build).
    #[error("{kind} model: {error}")]
    Model {
        /// Which model.
        kind: crate::classifier::ModelKind,
        /// What was wrong with it.
        error: crate::classifier::ModelError,
    },
}

/// What was wrong with a rule pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackErrorKind {
    /// The TOML could not be parsed.
    Syntax(String),
    /// Two rules share an id.
    DuplicateId(String),
    /// A rule has no score in the score table.
    MissingScore(String),
    /// The score table names a rule that does not exist.
    OrphanScore(String),
    /// A rule names a condition or rule id that is not known.
    UnknownReference {
        /// The rule.
        rule: String,
        /// What it referred to.
        reference: String,
    },
    /// A rule is malformed (no condition, empty reason, bad phrase…).
    InvalidRule {
        /// The rule.
        rule: String,
        /// What is wrong.
        message: String,
    },
    /// A rule's own example did not behave as promised.
    ExampleFailed {
        /// The rule.
        rule: String,
        /// The example input.
        example: String,
        /// `true` if it should have matched.
        expected_match: bool,
    },
    /// A category is named by a rule but not defined, or defined badly.
    InvalidCategory(String),
    /// The pack as a whole is malformed (version, thresholds).
    Invalid(String),
}

impl fmt::Display for PackErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PackErrorKind::Syntax(m) => write!(f, "syntax error: {m}"),
            PackErrorKind::DuplicateId(id) => write!(f, "rule id {id} is defined twice"),
            PackErrorKind::MissingScore(id) => write!(f, "rule {id} has no score"),
            PackErrorKind::OrphanScore(id) => write!(f, "score given for unknown rule {id}"),
            PackErrorKind::UnknownReference { rule, reference } => {
                write!(f, "rule {rule} refers to unknown '{reference}'")
            }
            PackErrorKind::InvalidRule { rule, message } => write!(f, "rule {rule}: {message}"),
            PackErrorKind::ExampleFailed { rule, example, expected_match } => {
                let want = if *expected_match { "match" } else { "not match" };
                write!(f, "rule {rule} should {want} its example {example:?}")
            }
            PackErrorKind::InvalidCategory(m) => write!(f, "category {m}"),
            PackErrorKind::Invalid(m) => f.write_str(m),
        }
    }
}

impl EngineError {
    pub(crate) fn input(field: &'static str, message: impl Into<String>) -> Self {
        EngineError::InvalidInput { field, message: message.into() }
    }

    pub(crate) fn pack(file: &str, kind: PackErrorKind) -> Self {
        EngineError::Pack { file: file.to_string(), kind }
    }

    /// True when the caller sent something that cannot be assessed (a client error),
    /// false when the engine's own rule pack is at fault.
    pub fn is_input_error(&self) -> bool {
        !matches!(self, EngineError::Pack { .. } | EngineError::Model { .. })
    }
}
