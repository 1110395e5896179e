//! `guardian-train`: trains the engine's learned text and link models from labelled JSONL,
//! measures them by k-fold cross-validation (each example scored by a model that never saw
//! it, through the whole engine: rules and model together), calibrates them from those
//! held-out scores, and writes the model files and the model card's figures.
//!
//!     cargo run --release -p guardian-train                # retrain, write model/ and the card
//!     cargo run --release -p guardian-train -- --check     # fail unless the committed files and
//!                                                          # the card's figures reproduce
//!
//! Deterministic: the same data, settings and seed give byte-identical model files.

mod card;
mod data;
mod logistic;
mod metrics;
mod rng;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;
use guardian_engine::classifier::{LinearModel, ModelKind};
use guardian_engine::{AnalyzeTextRequest, AnalyzeUrlRequest, Engine, Level, Models, PackSources};

use crate::data::{Example, Input};
use crate::logistic::{Settings, Trained};

#[derive(Parser)]
#[command(version, about = "Train Titanium Guardian's text and link models")]
struct Args {
    /// Folder of labelled JSONL corpora: the development split, and nothing else.
    #[arg(long, default_value = "../shared/eval/data")]
    data: PathBuf,
    /// Where the model files (text.tgm, url.tgm) and MODEL_CARD.md are.
    #[arg(long, default_value = "crates/guardian-engine/model")]
    out: PathBuf,
    /// Folds for cross-validation.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Seed for the folds and the training order.
    #[arg(long, default_value_t = 20_261_129)]
    seed: u64,
    /// Write nothing; fail unless training reproduces the model files in --out byte for byte.
    #[arg(long)]
    check: bool,
    /// Print how often each rule fires on scams and on legitimate examples, per corpus
    /// (the rules alone), and stop.
    #[arg(long)]
    rule_stats: bool,
    /// Score these messages (as SMS; `email:` in front for e-mail) with the shipped models
    /// without checking the pack's examples, and stop: for choosing a band rule's examples.
    #[arg(long, num_args = 1..)]
    probe: Vec<String>,
    /// Also write every held-out example's scores here (JSONL), for error analysis.
    #[arg(long)]
    predictions: Option<PathBuf>,
}

/// Training settings per model. Chosen by cross-validation on the development data.
fn settings(kind: ModelKind, seed: u64) -> Settings {
    match kind {
        ModelKind::Text => Settings { bits: 18, epochs: 20, learning_rate: 0.3, l2: 3e-6, scam_weight: 1.0, seed },
        ModelKind::Url => Settings { bits: 16, epochs: 12, learning_rate: 0.3, l2: 1e-6, scam_weight: 1.0, seed },
    }
}

const KINDS: [ModelKind; 2] = [ModelKind::Text, ModelKind::Url];

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("guardian-train: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// What one held-out example scored.
pub struct HeldOut {
    pub example: usize,
    /// The model's raw score and calibrated probability.
    pub logit: f32,
    pub probability: f32,
    /// The engine with no model.
    pub rules_score: u8,
    pub rules_level: Level,
    /// The engine with the fold's model: what would ship.
    pub score: u8,
    pub level: Level,
}

fn run(args: Args) -> anyhow::Result<()> {
    if !args.probe.is_empty() {
        return probe(&args.probe);
    }
    if args.folds < 2 {
        bail!("--folds must be at least 2");
    }
    let files = data::corpus_files(&args.data)?;
    let rules_only = Engine::with_models_unchecked(&PackSources::BUNDLED, Models::default())?;
    let (mut examples, unparsable) = data::load(&rules_only, &files, |kind| settings(kind, args.seed).bits)?;
    data::assign_folds(&mut examples, args.folds, args.seed);
    eprintln!("{} examples from {} files ({unparsable} unparsable links left out)", examples.len(), files.len());
    if args.rule_stats {
        return print_rule_stats(&rules_only, &examples);
    }

    // Cross-validation: a model per fold and kind, trained without that fold.
    let mut fold_models: Vec<[Trained; 2]> = Vec::with_capacity(args.folds);
    let mut logits = vec![0f32; examples.len()];
    for fold in 0..args.folds {
        let trained = KINDS.map(|kind| {
            let s = settings(kind, args.seed.wrapping_add(fold as u64 + 1));
            train_on(&examples, kind, &s, |e| e.fold != fold)
        });
        for (i, e) in examples.iter().enumerate().filter(|(_, e)| e.fold == fold) {
            logits[i] = trained[kind_index(e.kind())].logit(&e.features);
        }
        fold_models.push(trained);
    }
    let calibration = KINDS.map(|kind| {
        let held_out: Vec<(f32, bool)> =
            examples.iter().enumerate().filter(|(_, e)| e.kind() == kind).map(|(i, e)| (logits[i], e.scam)).collect();
        logistic::platt(&held_out)
    });

    // Every held-out example through the whole engine, with and without its fold's model.
    let mut held_out = Vec::with_capacity(examples.len());
    for (fold, trained) in fold_models.iter().enumerate() {
        let models = models_from(trained, &calibration, "cross-validation fold")?;
        let engine = Engine::with_models_unchecked(&PackSources::BUNDLED, models)?;
        for (i, e) in examples.iter().enumerate().filter(|(_, e)| e.fold == fold) {
            let (c_a, c_b) = calibration[kind_index(e.kind())];
            let with_model = assess(&engine, &e.input)?;
            let rules = assess(&rules_only, &e.input)?;
            held_out.push(HeldOut {
                example: i,
                logit: logits[i],
                probability: guardian_engine::classifier::sigmoid(c_a * logits[i] + c_b),
                rules_score: rules.0,
                rules_level: rules.1,
                score: with_model.0,
                level: with_model.1,
            });
        }
    }
    held_out.sort_by_key(|h| h.example);
    let report = card::Report::new(&examples, &held_out, args.folds, args.seed);
    println!("{}", report.table());
    if let Some(path) = &args.predictions {
        write_predictions(path, &examples, &held_out)?;
    }

    // The shipped models: trained on everything, calibrated by the held-out scores.
    let corpora = |kind| {
        let mut names: Vec<&str> = examples.iter().filter(|e| e.kind() == kind).map(|e| e.corpus.as_str()).collect();
        names.dedup();
        names.join(", ")
    };
    let finals: Vec<Vec<u8>> = KINDS
        .iter()
        .map(|&kind| {
            let s = settings(kind, args.seed);
            let trained = train_on(&examples, kind, &s, |_| true);
            let about = format!(
                "{kind} model; trained on {} ({} examples); seed {}; {} epochs",
                corpora(kind),
                examples.iter().filter(|e| e.kind() == kind).count(),
                args.seed,
                s.epochs
            );
            LinearModel::from_weights(kind, trained.bias, &trained.weights, calibration[kind_index(kind)], about)
                .map(|m| m.to_bytes())
        })
        .collect::<Result<_, _>>()?;

    let paths = KINDS.map(|kind| args.out.join(format!("{kind}.tgm")));
    let card_path = args.out.join("MODEL_CARD.md");
    if args.check {
        for (path, bytes) in paths.iter().zip(&finals) {
            let committed = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            if &committed != bytes {
                bail!("{} differs from what training produces now: retrain and commit it", path.display());
            }
        }
        card::check(&card_path, &report)?;
        eprintln!("the model files are reproduced byte for byte, and the model card's figures are current");
        return Ok(());
    }
    for (path, bytes) in paths.iter().zip(&finals) {
        std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {} ({} KiB)", path.display(), bytes.len() / 1024);
    }
    card::update(&card_path, &report)?;
    Ok(())
}

fn probe(texts: &[String]) -> anyhow::Result<()> {
    let engine = Engine::with_models_unchecked(&PackSources::BUNDLED, Models::bundled()?)?;
    for text in texts {
        let (channel, text) = match text.strip_prefix("email:") {
            Some(rest) => (guardian_engine::Channel::Email, rest),
            None => (guardian_engine::Channel::Sms, text.as_str()),
        };
        let answer = engine.analyze_text(&AnalyzeTextRequest { text: text.to_string(), channel })?;
        let rules: Vec<&str> = answer.metadata.rules.iter().map(|r| r.as_str()).collect();
        println!("{:>3} {:?} model {:?} {rules:?}  {text}", answer.score, answer.level, answer.metadata.model_score);
    }
    Ok(())
}

/// Per rule: on how many scams and legitimate examples of each corpus it fires.
fn print_rule_stats(engine: &Engine, examples: &[Example]) -> anyhow::Result<()> {
    use std::collections::BTreeMap;
    let mut counts: BTreeMap<(String, String), [usize; 2]> = BTreeMap::new();
    let mut totals: BTreeMap<String, [usize; 2]> = BTreeMap::new();
    for e in examples {
        totals.entry(e.corpus.clone()).or_default()[usize::from(e.scam)] += 1;
        let rules = match &e.input {
            Input::Text { text, channel } => {
                engine.analyze_text(&AnalyzeTextRequest { text: text.clone(), channel: *channel })
            }
            Input::Url(url) => engine.analyze_url(&AnalyzeUrlRequest { url: url.clone() }),
        }
        .map(|a| a.metadata.rules)
        .unwrap_or_default();
        for rule in rules {
            counts.entry((rule.to_string(), e.corpus.clone())).or_default()[usize::from(e.scam)] += 1;
        }
    }
    println!("rule\tcorpus\tlegitimate\tscams\t(of {totals:?})");
    for ((rule, corpus), [legitimate, scams]) in counts {
        println!("{rule}\t{corpus}\t{legitimate}\t{scams}");
    }
    Ok(())
}

fn kind_index(kind: ModelKind) -> usize {
    match kind {
        ModelKind::Text => 0,
        ModelKind::Url => 1,
    }
}

fn train_on(examples: &[Example], kind: ModelKind, s: &Settings, keep: impl Fn(&Example) -> bool) -> Trained {
    let set: Vec<logistic::Sample<'_>> =
        examples.iter().filter(|e| e.kind() == kind && keep(e)).map(|e| (e.features.as_slice(), e.scam)).collect();
    logistic::train(&set, s)
}

fn models_from(trained: &[Trained; 2], calibration: &[(f32, f32); 2], about: &str) -> anyhow::Result<Models> {
    let model = |kind: ModelKind| {
        let t = &trained[kind_index(kind)];
        LinearModel::from_weights(kind, t.bias, &t.weights, calibration[kind_index(kind)], about)
    };
    Ok(Models { text: Some(model(ModelKind::Text)?), url: Some(model(ModelKind::Url)?) })
}

fn assess(engine: &Engine, input: &Input) -> anyhow::Result<(u8, Level)> {
    let answer = match input {
        Input::Text { text, channel } => {
            engine.analyze_text(&AnalyzeTextRequest { text: text.clone(), channel: *channel })
        }
        Input::Url(url) => engine.analyze_url(&AnalyzeUrlRequest { url: url.clone() }),
    };
    // Texts the engine refuses (empty) count as low, as score.py counts errors apart.
    Ok(answer.map(|a| (a.score, a.level)).unwrap_or((0, Level::Low)))
}

fn write_predictions(path: &Path, examples: &[Example], held_out: &[HeldOut]) -> anyhow::Result<()> {
    let mut out = String::new();
    for h in held_out {
        let e = &examples[h.example];
        let line = serde_json::json!({
            "id": e.id, "corpus": e.corpus, "label": u8::from(e.scam), "fold": e.fold,
            "logit": h.logit, "probability": h.probability, "rules_score": h.rules_score, "score": h.score,
            "level": h.level,
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    std::fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))
}
