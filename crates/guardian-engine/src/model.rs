//! The wire model: request and response bodies, field for field as the old v1 API.
//!
//! These shapes are a public contract shared by the CLI, the app and the server. Change
//! them only on purpose; `tests/wire.rs` pins the JSON.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Score at or above which a result is `high`, unless the rule pack says otherwise.
pub const DEFAULT_HIGH_THRESHOLD: u8 = 70;
/// Score at or above which a result is `medium`, unless the rule pack says otherwise.
pub const DEFAULT_MEDIUM_THRESHOLD: u8 = 35;
/// The largest amount MoneyGuard accepts, as the old API did.
pub const MAX_AMOUNT: f64 = 1e9;

/// Immutable text shared with the rule pack: an answer's reasons, advice and ids point at
/// the pack's own strings, so building an answer costs reference counts, not copies.
/// Serialises as a plain JSON string; compares equal to `&str` and `String`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Text(Arc<str>);

impl Text {
    /// The text as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Text {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("Plain-language text"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Text {}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(Arc::from(s))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(Arc::from(s))
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        **self == *other.0
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Text, D::Error> {
        String::deserialize(deserializer).map(Text::from)
    }
}

/// How risky something is, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Nothing that looks like a scam was found.
    Low,
    /// Some warning signs: slow down and check.
    Medium,
    /// Strong signs of a scam: stop.
    High,
}

impl Level {
    /// The level's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One of the four guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Module {
    /// A phone call in progress.
    #[serde(alias = "call")]
    Callguard,
    /// A request to send money.
    #[serde(alias = "money")]
    Moneyguard,
    /// A message or a link.
    #[serde(alias = "inbox")]
    Inboxguard,
    /// Signs of identity theft.
    #[serde(alias = "identity")]
    Identitywatch,
}

impl Module {
    /// Every module, in the order the app shows them.
    pub const ALL: [Module; 4] = [Module::Callguard, Module::Moneyguard, Module::Inboxguard, Module::Identitywatch];

    /// The module's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Module::Callguard => "callguard",
            Module::Moneyguard => "moneyguard",
            Module::Inboxguard => "inboxguard",
            Module::Identitywatch => "identitywatch",
        }
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Module {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Module::ALL.into_iter().find(|m| m.as_str() == s).ok_or_else(|| {
            format!("unknown module '{s}' (expected callguard, moneyguard, inboxguard or identitywatch)")
        })
    }
}

/// Where a message arrived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// E-mail.
    #[serde(alias = "e-mail", alias = "mail")]
    Email,
    /// A text message.
    #[serde(alias = "text", alias = "mms")]
    Sms,
    /// WhatsApp or a similar chat app.
    Whatsapp,
    /// Anything else (a letter, a web form, social media).
    #[default]
    Other,
}

impl Channel {
    /// The channel's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Whatsapp => "whatsapp",
            Channel::Other => "other",
        }
    }
}

impl std::str::FromStr for Channel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "email" | "e-mail" | "mail" => Ok(Channel::Email),
            "sms" | "text" | "mms" => Ok(Channel::Sms),
            "whatsapp" => Ok(Channel::Whatsapp),
            "other" => Ok(Channel::Other),
            _ => Err(format!("unknown channel '{s}' (expected sms, email, whatsapp or other)")),
        }
    }
}

/// One thing the person can do, shown as a checklist item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecommendedAction {
    /// A stable identifier, e.g. `hang_up`.
    pub id: Text,
    /// A short title.
    pub title: Text,
    /// One or two plain sentences.
    pub detail: Text,
}

/// Words to say to the caller or sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SafeScript {
    /// What to say first.
    pub say_this: Text,
    /// What to say if they insist.
    pub if_they_push_back: Text,
}

/// A phrase that made a rule fire, with its place in the checked text (byte offsets into
/// the text exactly as it was sent, so the app can highlight it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchedPhrase {
    /// The rule that fired.
    pub rule: Text,
    /// The phrase from the rule pack that matched (in its normalised form).
    pub phrase: Text,
    /// Start byte offset in the original text.
    pub start: usize,
    /// End byte offset (exclusive) in the original text.
    pub end: usize,
}

/// What the engine noticed besides the score: enough for the app to explain and highlight.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Metadata {
    /// The module that produced this result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<Module>,
    /// Ids of the rules that fired, strongest first; their texts are the `reasons`.
    #[serde(default)]
    pub rules: Vec<Text>,
    /// Version of the rule pack that scored this.
    #[serde(default)]
    pub pack_version: Text,
    /// Scam types recognised (e.g. `bank_impersonation`, `gift_cards`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<Text>,
    /// Phrases that matched, with byte offsets into the checked text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matched_phrases: Vec<MatchedPhrase>,
    /// Links found in the text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// Phone numbers found in the text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<String>,
    /// For a URL check: the host and its registrable domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<UrlDetails>,
    /// How closely the message (or link) resembles the scams the learned model was trained
    /// on, 0–100: its calibrated probability in percent. Absent when no model read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_score: Option<u8>,
    /// Signal keys that this version does not know; reported, not fatal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_signals: Vec<String>,
    /// Anything else worth knowing (e.g. "text truncated to 64 KiB").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// What the URL analyser made of a link.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UrlDetails {
    /// The URL as parsed and normalised.
    pub normalized: String,
    /// The host in Unicode (IDN decoded).
    pub host: String,
    /// The registrable domain (e.g. `example.co.uk`), if the host is a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registrable_domain: Option<String>,
    /// The brand or organisation the link seems to imitate, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imitates: Option<String>,
}

/// The answer to every check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskResponse {
    /// 0 (no sign of a scam) to 100.
    pub score: u8,
    /// The score in words.
    pub level: Level,
    /// Every reason, in plain words, strongest first.
    pub reasons: Vec<Text>,
    /// The one thing to do now.
    pub next_action: Text,
    /// A short checklist.
    pub recommended_actions: Vec<RecommendedAction>,
    /// What to say, where it helps.
    pub safe_script: Option<SafeScript>,
    /// Rule ids, matched phrases, links and notes.
    pub metadata: Metadata,
}

/// `POST /v1/inboxguard/analyze_text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalyzeTextRequest {
    /// The message as received.
    pub text: String,
    /// Where it arrived.
    #[serde(default)]
    pub channel: Channel,
}

/// `POST /v1/inboxguard/analyze_url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalyzeUrlRequest {
    /// An http or https link.
    pub url: String,
}

/// `POST /v1/moneyguard/assess`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoneyAssessRequest {
    /// How much, in the person's currency (0 to 1e9). Old clients sometimes sent it as a
    /// string ("500"), which the old API accepted; so do we.
    #[serde(deserialize_with = "number_or_numeric_string")]
    pub amount: f64,
    /// How they are asked to pay, e.g. `gift_card`, `wire_transfer`, `zelle`.
    pub payment_method: String,
    /// Who the money goes to, as the person describes them.
    #[serde(default)]
    pub recipient: String,
    /// Why, as the person was told.
    #[serde(default)]
    pub reason: String,
    /// They got in touch first (a call, text or e-mail out of the blue).
    #[serde(default)]
    pub did_they_contact_you_first: bool,
    /// They say it must happen now.
    #[serde(default)]
    pub urgency_present: bool,
    /// They asked you not to tell anyone.
    #[serde(default)]
    pub asked_to_keep_secret: bool,
    /// They asked for a code sent to your phone or e-mail.
    #[serde(default)]
    pub asked_for_verification_code: bool,
    /// They asked to get onto your computer or phone.
    #[serde(default)]
    pub asked_for_remote_access: bool,
    /// Who they claim to be: `bank`, `government`, `tech_support`, `family`, `romance`,
    /// `business`, `utility`, `police`, `other` or `none`.
    #[serde(default)]
    pub impersonation_type: Option<String>,
    /// The session to record this assessment in (server only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

/// `POST /v1/moneyguard/safe_steps` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SafeSteps {
    /// What to do before sending money.
    pub checklist: Vec<RecommendedAction>,
    /// What to say to someone pressing for money.
    pub scripts: Vec<RecommendedAction>,
}

/// A CallGuard check outside a session: the signals noticed so far and, optionally, what
/// the caller said.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallAssessRequest {
    /// CallGuard signal keys, e.g. `bank_impersonation`.
    #[serde(default)]
    pub signals: Vec<String>,
    /// What the caller said, typed or transcribed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
}

/// An IdentityWatch check: which warning signs are present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentityCheckRequest {
    /// Signal name → present.
    #[serde(default)]
    pub signals: BTreeMap<String, bool>,
}

/// One event of a session, as the old API stores and returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionEvent {
    /// Event id, assigned by whoever stores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `signal`, `note`, `assess`, `text`, `url` or `signals`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The event's body; its shape depends on `type`.
    #[serde(default)]
    pub payload: serde_json::Value,
    /// When it happened, as the client sent it (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

/// Accepts `500`, `500.5` or `"500"`, as the old API's validation did.
fn number_or_numeric_string<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrString {
        Number(f64),
        String(String),
    }
    match NumberOrString::deserialize(deserializer)? {
        NumberOrString::Number(n) => Ok(n),
        NumberOrString::String(s) => {
            s.trim().parse::<f64>().map_err(|_| serde::de::Error::custom(format!("amount {s:?} is not a number")))
        }
    }
}
