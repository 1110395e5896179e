//! The rule pack: rules, scores, explanations, categories, advice and scripts, as data.
//!
//! A pack is a set of TOML files (see `rules/`): `pack.toml` holds the version, the level
//! thresholds, the scam categories with their advice and scripts, the checklist actions
//! and each module's default advice; `text.toml`, `url.toml`, `call.toml`, `money.toml`
//! and `identity.toml` hold each module's rules and score table. Loading checks
//! everything — ids unique, every rule scored and every score used, every reference
//! known — and compiles each module's phrases into one matcher. The examples that each
//! rule carries are then run against the finished engine (see `Engine::from_sources`).

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::error::{EngineError, PackErrorKind};
use crate::matcher::PhraseMatcher;
use crate::model::{Level, Module, RecommendedAction, SafeScript, Text};

/// The pack's source files, by name. `Engine::bundled` uses the ones compiled in.
#[derive(Debug, Clone, Copy)]
pub struct PackSources<'a> {
    /// `pack.toml`: version, thresholds, categories, actions, module advice.
    pub pack: &'a str,
    /// `text.toml`: InboxGuard message rules (also run on call transcripts and payment reasons).
    pub text: &'a str,
    /// `url.toml`: link rules.
    pub url: &'a str,
    /// `call.toml`: CallGuard rules.
    pub call: &'a str,
    /// `money.toml`: MoneyGuard rules.
    pub money: &'a str,
    /// `identity.toml`: IdentityWatch rules.
    pub identity: &'a str,
}

impl PackSources<'static> {
    /// The pack compiled into this build.
    pub const BUNDLED: PackSources<'static> = PackSources {
        pack: include_str!("../rules/pack.toml"),
        text: include_str!("../rules/text.toml"),
        url: include_str!("../rules/url.toml"),
        call: include_str!("../rules/call.toml"),
        money: include_str!("../rules/money.toml"),
        identity: include_str!("../rules/identity.toml"),
    };
}

// ----------------------------------------------------------------------------- file shapes

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    version: String,
    thresholds: Thresholds,
    #[serde(rename = "action")]
    actions: Vec<RecommendedAction>,
    #[serde(rename = "category")]
    categories: Vec<CategoryDef>,
    modules: BTreeMap<String, ModuleAdviceDef>,
    safe_steps: SafeStepsDef,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SafeStepsDef {
    checklist: Vec<String>,
    scripts: Vec<RecommendedAction>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(deny_unknown_fields)]
struct Thresholds {
    high: u8,
    medium: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryDef {
    id: String,
    /// A name for people reading the pack; answers carry the id.
    #[allow(dead_code)]
    label: String,
    next_action: String,
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    script: Option<SafeScript>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModuleAdviceDef {
    low: LevelAdviceDef,
    medium: LevelAdviceDef,
    high: LevelAdviceDef,
    #[serde(default)]
    script: Option<SafeScript>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelAdviceDef {
    next_action: String,
    actions: Vec<String>,
    #[serde(default)]
    overrides_category: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    scores: BTreeMap<String, i64>,
    #[serde(rename = "rule")]
    rules: Vec<RuleDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    phrases: Vec<String>,
    /// A phrase hit shortly after "never", "don't"… in the same sentence doesn't count.
    #[serde(default)]
    negatable: bool,
    #[serde(default)]
    any: Vec<String>,
    #[serde(default)]
    all: Vec<String>,
    #[serde(default)]
    none: Vec<String>,
    #[serde(default)]
    at_least: Option<usize>,
    #[serde(default)]
    of: Vec<String>,
    #[serde(default)]
    examples: ExamplesDef,
    /// A learned model's bands and their points, e.g. `{ p50 = 55, p90 = 72 }`: the rule
    /// becomes one rule per band (`ID_P50`, `ID_P90`…), each firing while the model's
    /// probability is in its band (`model.p50` set, the next band's fact not) and the
    /// rule's own `any` / `all` / `none` / `at_least` hold.
    #[serde(default)]
    model_bands: BTreeMap<String, i64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ExamplesDef {
    #[serde(default, rename = "match")]
    positive: Vec<toml::Value>,
    #[serde(default)]
    no_match: Vec<toml::Value>,
}

// ----------------------------------------------------------------------------- compiled

/// A checklist entry index into `Pack::actions`.
pub(crate) type ActionId = usize;

/// A scam type with its advice.
#[derive(Debug, Clone)]
pub(crate) struct Category {
    pub id: Text,
    pub next_action: Text,
    pub actions: Vec<ActionId>,
    pub script: Option<SafeScript>,
}

/// What to advise at one level when no category says better.
#[derive(Debug, Clone)]
pub(crate) struct LevelAdvice {
    pub next_action: Text,
    pub actions: Vec<ActionId>,
    /// This level's next step wins over the scam category's (MoneyGuard's cool-off).
    pub overrides_category: bool,
}

/// A module's default advice per level and its fallback script.
#[derive(Debug, Clone)]
pub(crate) struct ModuleAdvice {
    pub low: LevelAdvice,
    pub medium: LevelAdvice,
    pub high: LevelAdvice,
    pub script: Option<SafeScript>,
}

impl ModuleAdvice {
    pub(crate) fn for_level(&self, level: Level) -> &LevelAdvice {
        match level {
            Level::Low => &self.low,
            Level::Medium => &self.medium,
            Level::High => &self.high,
        }
    }
}

/// One rule, ready to evaluate.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub id: Text,
    pub reason: Text,
    pub category: Option<usize>,
    pub score: u8,
    /// Building blocks (`__` prefix) score nothing and are not shown.
    pub hidden: bool,
    cond: Condition,
    pub(crate) examples: Examples,
    /// For a band of a model-banded rule: the rule's own id, which its examples are about.
    pub(crate) family: Option<Text>,
}

/// A rule's own examples, kept to be run once the whole engine is built.
#[derive(Debug, Clone, Default)]
pub(crate) struct Examples {
    pub positive: Vec<toml::Value>,
    pub negative: Vec<toml::Value>,
}

/// When a rule fires. Atoms index the module's facts first, then its rules.
#[derive(Debug, Clone, Default)]
struct Condition {
    phrases: bool,
    any: Vec<usize>,
    all: Vec<usize>,
    none: Vec<usize>,
    at_least: Option<(usize, Vec<usize>)>,
}

impl Condition {
    /// Every fact or rule the condition tests.
    fn atoms(&self) -> impl Iterator<Item = usize> + '_ {
        let at_least = self.at_least.iter().flat_map(|(_, of)| of.iter());
        self.any.iter().chain(&self.all).chain(&self.none).chain(at_least).copied()
    }
}

/// One module's rules and the facts they may test.
#[derive(Debug, Clone)]
pub(crate) struct RuleSet {
    pub file: &'static str,
    pub rules: Vec<Rule>,
    facts: Vec<String>,
    fact_index: HashMap<String, usize, FnvBuild>,
    pub matcher: Option<PhraseMatcher>,
    /// `reads_model[i]`: rule i tests a learned model's band, itself or through rules it
    /// tests; only these change once the model has scored.
    reads_model: Vec<bool>,
}

/// FNV-1a: fact names are short and set on every assessment, where SipHash's
/// flood resistance buys nothing (the keys come from the engine, not the input).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FnvBuild;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl std::hash::BuildHasher for FnvBuild {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The facts a module found true for one input, by index into its vocabulary.
#[derive(Debug, Clone)]
pub(crate) struct Facts<'a> {
    set: &'a RuleSet,
    on: Vec<bool>,
}

impl<'a> Facts<'a> {
    /// Marks `prefix` + `name` true (e.g. `signal.` + `gift_cards`) without allocating:
    /// the name comes from the input, so an unknown one is simply not a fact.
    pub(crate) fn set_joined(&mut self, prefix: &str, name: &str) -> bool {
        let mut buf = [0u8; 64];
        let len = prefix.len() + name.len();
        if len > buf.len() {
            return false;
        }
        buf[..prefix.len()].copy_from_slice(prefix.as_bytes());
        buf[prefix.len()..len].copy_from_slice(name.as_bytes());
        let Ok(joined) = std::str::from_utf8(&buf[..len]) else { return false };
        match self.set.fact_index.get(joined) {
            Some(&i) => {
                self.on[i] = true;
                true
            }
            None => false,
        }
    }

    /// Marks a fact true; a name outside the module's vocabulary is a bug in the engine.
    pub(crate) fn set(&mut self, name: &str) {
        match self.set.fact_index.get(name) {
            Some(&i) => self.on[i] = true,
            None => debug_assert!(false, "fact {name} is not in the {} vocabulary", self.set.file),
        }
    }
}

impl RuleSet {
    fn load(
        file: &'static str,
        source: &str,
        facts: Vec<String>,
        categories: &HashMap<String, usize>,
        allow_phrases: bool,
    ) -> Result<RuleSet, EngineError> {
        let err = |kind| EngineError::pack(file, kind);
        let parsed: RuleFile = toml::from_str(source).map_err(|e| err(PackErrorKind::Syntax(e.to_string())))?;
        let fact_index: HashMap<String, usize, FnvBuild> =
            facts.iter().enumerate().map(|(i, f)| (f.clone(), i)).collect();
        let mut scores = parsed.scores;
        let mut rule_index: HashMap<String, usize> = HashMap::new();
        let mut rules = Vec::with_capacity(parsed.rules.len());
        for def in parsed.rules {
            let id = def.id.clone();
            let invalid =
                |message: &str| err(PackErrorKind::InvalidRule { rule: id.clone(), message: message.to_string() });
            if !is_rule_id(&id) {
                return Err(invalid("ids are UPPER_SNAKE_CASE (building blocks start with __)"));
            }
            if rule_index.contains_key(&id) {
                return Err(err(PackErrorKind::DuplicateId(id)));
            }
            let hidden = id.starts_with("__");
            let banded = !def.model_bands.is_empty();
            let score = match scores.remove(&id) {
                Some(_) if banded => {
                    return Err(invalid("a model-banded rule's points are in model_bands, not scores"));
                }
                Some(score) => score,
                None if banded => 0,
                None => return Err(err(PackErrorKind::MissingScore(id.clone()))),
            };
            if !(0..=100).contains(&score) {
                return Err(invalid("scores are 0 to 100"));
            }
            if hidden && score != 0 {
                return Err(invalid("building blocks score 0"));
            }
            if !hidden && def.reason.trim().is_empty() {
                return Err(invalid("a scored rule needs a reason"));
            }
            if !def.phrases.is_empty() && !allow_phrases {
                return Err(invalid("phrases are only allowed in text rules"));
            }
            let resolve = |names: &[String]| -> Result<Vec<usize>, EngineError> {
                names
                    .iter()
                    .map(|n| {
                        fact_index.get(n).copied().or_else(|| rule_index.get(n).map(|&r| facts.len() + r)).ok_or_else(
                            || err(PackErrorKind::UnknownReference { rule: id.clone(), reference: n.clone() }),
                        )
                    })
                    .collect()
            };
            let at_least = match (def.at_least, def.of.is_empty()) {
                (Some(n), false) if n >= 1 && n <= def.of.len() => Some((n, resolve(&def.of)?)),
                (None, true) => None,
                _ => return Err(invalid("at_least needs 'of' with at least that many entries")),
            };
            let cond = Condition {
                phrases: !def.phrases.is_empty(),
                any: resolve(&def.any)?,
                all: resolve(&def.all)?,
                none: resolve(&def.none)?,
                at_least,
            };
            if banded {
                if hidden || cond.phrases {
                    return Err(invalid("a model-banded rule is visible and has no phrases"));
                }
            } else if !cond.phrases && cond.any.is_empty() && cond.all.is_empty() && cond.at_least.is_none() {
                return Err(invalid("a rule needs phrases, any, all or at_least"));
            }
            if def.examples.positive.is_empty() || def.examples.no_match.is_empty() {
                return Err(invalid("every rule needs at least one 'match' and one 'no_match' example"));
            }
            let category =
                match &def.category {
                    Some(c) => Some(*categories.get(c).ok_or_else(|| {
                        err(PackErrorKind::InvalidCategory(format!("{c} (rule {id}) is not defined")))
                    })?),
                    None => None,
                };
            let examples = Examples { positive: def.examples.positive, negative: def.examples.no_match };
            if banded {
                // Bands in the order of the model's cut points (the facts' order).
                let mut bands = Vec::with_capacity(def.model_bands.len());
                for (band, points) in &def.model_bands {
                    let fact = format!("model.{band}");
                    let at = *fact_index.get(&fact).ok_or_else(|| {
                        err(PackErrorKind::UnknownReference { rule: id.clone(), reference: fact.clone() })
                    })?;
                    if !(0..=100).contains(points) {
                        return Err(invalid("band points are 0 to 100"));
                    }
                    bands.push((at, band.to_ascii_uppercase(), *points as u8));
                }
                bands.sort_unstable();
                let family: Text = id.as_str().into();
                for (k, (fact, band, points)) in bands.iter().enumerate() {
                    let band_id = format!("{id}_{band}");
                    if rule_index.contains_key(&band_id) {
                        return Err(err(PackErrorKind::DuplicateId(band_id)));
                    }
                    // The rule's own condition, and this band's fact without the next one's.
                    let mut band_cond = cond.clone();
                    band_cond.all.push(*fact);
                    band_cond.none.extend(bands.get(k + 1).map(|next| next.0));
                    rule_index.insert(band_id.clone(), rules.len());
                    rules.push((
                        (Vec::new(), false),
                        Rule {
                            id: band_id.into(),
                            reason: def.reason.trim().into(),
                            category,
                            score: *points,
                            hidden,
                            cond: band_cond,
                            examples: if k == 0 { examples.clone() } else { Examples::default() },
                            family: Some(family.clone()),
                        },
                    ));
                }
                continue;
            }
            rule_index.insert(id.clone(), rules.len());
            rules.push((
                (def.phrases, def.negatable),
                Rule {
                    id: id.into(),
                    reason: def.reason.trim().into(),
                    category,
                    score: score as u8,
                    hidden,
                    cond,
                    examples,
                    family: None,
                },
            ));
        }
        if let Some(orphan) = scores.into_keys().next() {
            return Err(err(PackErrorKind::OrphanScore(orphan)));
        }
        let facts_len = facts.len();
        let used: Vec<usize> =
            rules.iter().flat_map(|(_, r)| r.cond.atoms()).filter_map(|atom| atom.checked_sub(facts_len)).collect();
        if let Some((_, (_, r))) = rules.iter().enumerate().find(|(i, (_, r))| r.hidden && !used.contains(i)) {
            return Err(err(PackErrorKind::InvalidRule {
                rule: r.id.to_string(),
                message: "a building block no rule uses".into(),
            }));
        }
        let matcher = if rules.iter().any(|((p, _), _)| !p.is_empty()) {
            let m = PhraseMatcher::new(rules.iter().enumerate().map(|(i, ((p, neg), _))| (i, p.as_slice(), *neg)))
                .map_err(|bad| {
                    err(PackErrorKind::Invalid(format!(
                        "phrase {:?} is empty or has symbols that normalisation drops (write letters and digits)",
                        bad.0
                    )))
                })?;
            Some(m)
        } else {
            None
        };
        let rules: Vec<Rule> = rules.into_iter().map(|(_, r)| r).collect();
        let mut reads_model = vec![false; rules.len()];
        for (i, rule) in rules.iter().enumerate() {
            reads_model[i] = rule.cond.atoms().any(|a| match a.checked_sub(facts.len()) {
                None => facts[a].starts_with("model."),
                Some(r) => reads_model[r],
            });
        }
        Ok(RuleSet { file, rules, facts, fact_index, matcher, reads_model })
    }

    /// A fresh, all-false fact set for one input.
    pub(crate) fn facts(&self) -> Facts<'_> {
        Facts { set: self, on: vec![false; self.facts.len()] }
    }

    /// The names of the facts that are true and of the visible rules that fired, leaving out
    /// the channel, the learned model's own bands and the rules that read them: what the
    /// model may learn from.
    pub(crate) fn evidence<'s>(&'s self, facts: &'s Facts<'_>, fired: &'s [usize]) -> impl Iterator<Item = &'s str> {
        // Not the channel: the same words must weigh the same however they arrive.
        let facts_on = self
            .facts
            .iter()
            .zip(&facts.on)
            .filter(|(name, on)| **on && !name.starts_with("model.") && !name.starts_with("channel."));
        let rules = fired.iter().filter(|&&i| !self.rules[i].hidden && !self.reads_model(i));
        facts_on.map(|(name, _)| name.as_str()).chain(rules.map(|&i| self.rules[i].id.as_str()))
    }

    /// True when rule `i` tests a learned model's band, itself or through other rules.
    pub(crate) fn reads_model(&self, i: usize) -> bool {
        self.reads_model[i]
    }

    /// Evaluates every rule in pack order and returns the indices of those that fired.
    /// `phrase_hit[i]` tells whether rule i's phrases matched.
    pub(crate) fn evaluate(&self, facts: &Facts<'_>, phrase_hit: &[bool]) -> Vec<usize> {
        let mut atoms = facts.on.clone();
        atoms.resize(self.facts.len() + self.rules.len(), false);
        let mut fired = Vec::new();
        for i in 0..self.rules.len() {
            if self.holds(i, &atoms, phrase_hit) {
                atoms[self.facts.len() + i] = true;
                fired.push(i);
            }
        }
        fired
    }

    /// After the model's band facts are set: `first` (an [`RuleSet::evaluate`] without
    /// them) with the rules that read the model evaluated again; nothing else can change.
    pub(crate) fn reevaluate_model_rules(&self, facts: &Facts<'_>, phrase_hit: &[bool], first: &[usize]) -> Vec<usize> {
        let mut atoms = facts.on.clone();
        atoms.resize(self.facts.len() + self.rules.len(), false);
        let mut fired: Vec<usize> = first.iter().copied().filter(|&i| !self.reads_model[i]).collect();
        for &i in &fired {
            atoms[self.facts.len() + i] = true;
        }
        for i in (0..self.rules.len()).filter(|&i| self.reads_model[i]) {
            if self.holds(i, &atoms, phrase_hit) {
                atoms[self.facts.len() + i] = true;
                fired.push(i);
            }
        }
        fired.sort_unstable();
        fired
    }

    fn holds(&self, i: usize, atoms: &[bool], phrase_hit: &[bool]) -> bool {
        let c = &self.rules[i].cond;
        (!c.phrases || phrase_hit.get(i).copied().unwrap_or(false))
            && (c.any.is_empty() || c.any.iter().any(|&a| atoms[a]))
            && c.all.iter().all(|&a| atoms[a])
            && !c.none.iter().any(|&a| atoms[a])
            && c.at_least.as_ref().is_none_or(|(n, of)| of.iter().filter(|&&a| atoms[a]).count() >= *n)
    }
}

fn is_rule_id(id: &str) -> bool {
    let body = id.strip_prefix("__").unwrap_or(id);
    !body.is_empty()
        && body.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && body.as_bytes()[0].is_ascii_uppercase()
}

/// The whole pack, compiled.
#[derive(Debug, Clone)]
pub(crate) struct Pack {
    pub version: Text,
    pub high: u8,
    pub medium: u8,
    pub actions: Vec<RecommendedAction>,
    pub categories: Vec<Category>,
    /// Indexed by `Module as usize`.
    pub advice: Vec<ModuleAdvice>,
    pub safe_steps: SafeStepsData,
    pub text: RuleSet,
    pub url: RuleSet,
    pub call: RuleSet,
    pub money: RuleSet,
    pub identity: RuleSet,
}

/// MoneyGuard's safe steps: checklist actions and scripts.
#[derive(Debug, Clone)]
pub(crate) struct SafeStepsData {
    pub checklist: Vec<ActionId>,
    pub scripts: Vec<RecommendedAction>,
}

/// The fact vocabularies each module's code can set, given the pack's categories.
pub(crate) struct Vocabularies {
    pub text: Vec<String>,
    pub url: Vec<String>,
    pub call: Vec<String>,
    pub money: Vec<String>,
    pub identity: Vec<String>,
}

impl Pack {
    pub(crate) fn load(
        src: &PackSources<'_>,
        vocab: impl FnOnce(&[String]) -> Vocabularies,
    ) -> Result<Pack, EngineError> {
        let file = "pack.toml";
        let err = |kind| EngineError::pack(file, kind);
        let def: PackFile = toml::from_str(src.pack).map_err(|e| err(PackErrorKind::Syntax(e.to_string())))?;
        if def.version.trim().is_empty() {
            return Err(err(PackErrorKind::Invalid("version is empty".into())));
        }
        let Thresholds { high, medium } = def.thresholds;
        if !(0 < medium && medium < high && high <= 100) {
            return Err(err(PackErrorKind::Invalid("thresholds need 0 < medium < high <= 100".into())));
        }
        let mut action_index = HashMap::new();
        for (i, a) in def.actions.iter().enumerate() {
            if action_index.insert(a.id.clone(), i).is_some() {
                return Err(err(PackErrorKind::Invalid(format!("action {} is defined twice", a.id))));
            }
        }
        let resolve_actions = |owner: &str, ids: &[String]| -> Result<Vec<ActionId>, EngineError> {
            ids.iter()
                .map(|id| {
                    action_index
                        .get(id.as_str())
                        .copied()
                        .ok_or_else(|| err(PackErrorKind::Invalid(format!("{owner} names unknown action {id}"))))
                })
                .collect()
        };
        let mut categories = Vec::new();
        let mut category_index = HashMap::new();
        for c in def.categories {
            if category_index.insert(c.id.clone(), categories.len()).is_some() {
                return Err(err(PackErrorKind::InvalidCategory(format!("{} is defined twice", c.id))));
            }
            let actions = resolve_actions(&c.id, &c.actions)?;
            categories.push(Category { id: c.id.into(), next_action: c.next_action.into(), actions, script: c.script });
        }
        let mut advice = Vec::with_capacity(Module::ALL.len());
        let mut modules = def.modules;
        for module in Module::ALL {
            let m = modules
                .remove(module.as_str())
                .ok_or_else(|| err(PackErrorKind::Invalid(format!("no advice for module {module}"))))?;
            let level = |l: LevelAdviceDef| -> Result<LevelAdvice, EngineError> {
                Ok(LevelAdvice {
                    actions: resolve_actions(module.as_str(), &l.actions)?,
                    next_action: l.next_action.into(),
                    overrides_category: l.overrides_category,
                })
            };
            debug_assert_eq!(advice.len(), module as usize);
            advice.push(ModuleAdvice {
                low: level(m.low)?,
                medium: level(m.medium)?,
                high: level(m.high)?,
                script: m.script,
            });
        }
        if let Some(extra) = modules.into_keys().next() {
            return Err(err(PackErrorKind::Invalid(format!("advice for unknown module {extra}"))));
        }
        let safe_steps = SafeStepsData {
            checklist: resolve_actions("safe_steps", &def.safe_steps.checklist)?,
            scripts: def.safe_steps.scripts,
        };
        let category_ids: Vec<String> = categories.iter().map(|c| c.id.to_string()).collect();
        let v = vocab(&category_ids);
        Ok(Pack {
            version: def.version.into(),
            high,
            medium,
            actions: def.actions,
            text: RuleSet::load("text.toml", src.text, v.text, &category_index, true)?,
            url: RuleSet::load("url.toml", src.url, v.url, &category_index, false)?,
            call: RuleSet::load("call.toml", src.call, v.call, &category_index, false)?,
            money: RuleSet::load("money.toml", src.money, v.money, &category_index, false)?,
            identity: RuleSet::load("identity.toml", src.identity, v.identity, &category_index, false)?,
            categories,
            advice,
            safe_steps,
        })
    }

    pub(crate) fn level(&self, score: u8) -> Level {
        if score >= self.high {
            Level::High
        } else if score >= self.medium {
            Level::Medium
        } else {
            Level::Low
        }
    }
}
