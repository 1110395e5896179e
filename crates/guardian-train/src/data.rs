//! Labelled examples: reading the corpora and splitting them into folds.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use guardian_engine::classifier::{FeatureVector, ModelKind};
use guardian_engine::{Channel, Engine};
use serde::Deserialize;

use crate::rng::SplitMix;

/// One line of a corpus file (`../shared/eval/README.md` describes the format).
#[derive(Deserialize)]
struct Line {
    id: String,
    kind: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    label: u8,
}

/// What an example asks the engine to check.
#[derive(Debug, Clone)]
pub enum Input {
    Text { text: String, channel: Channel },
    Url(String),
}

/// One labelled example with its features.
pub struct Example {
    pub id: String,
    /// The file it came from, without `.jsonl`: results are reported per corpus.
    pub corpus: String,
    pub input: Input,
    pub scam: bool,
    /// Features for the model of `input`'s kind, slots masked and merged: `(slot, value)`.
    pub features: Vec<(u32, f32)>,
    pub fold: usize,
}

impl Input {
    /// The model that reads it.
    pub fn kind(&self) -> ModelKind {
        match self {
            Input::Text { .. } => ModelKind::Text,
            Input::Url(_) => ModelKind::Url,
        }
    }
}

impl Example {
    pub fn kind(&self) -> ModelKind {
        self.input.kind()
    }
}

/// The corpus files in `dir`, in name order so that runs are reproducible.
pub fn corpus_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the data folder {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no .jsonl files in {}", dir.display());
    }
    Ok(files)
}

/// Reads every example, computing features with the engine's own feature code (`engine`
/// has the rule pack and no models). Links the URL analyser cannot parse are counted and
/// left out, like the engine would refuse them.
pub fn load(
    engine: &Engine,
    files: &[PathBuf],
    bits: impl Fn(ModelKind) -> u8,
) -> anyhow::Result<(Vec<Example>, usize)> {
    let mut out = Vec::new();
    let mut unparsable = 0;
    for file in files {
        let corpus = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let body = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
        for (n, raw) in body.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let line: Line = serde_json::from_str(raw)
                .with_context(|| format!("{} line {}: not a corpus line", file.display(), n + 1))?;
            let (input, features) = match (line.kind.as_str(), line.text, line.url) {
                ("url", _, Some(url)) => match engine.link_model_features(&url) {
                    Ok(f) => (Input::Url(url), f),
                    Err(_) => {
                        unparsable += 1;
                        continue;
                    }
                },
                (_, Some(text), _) => {
                    let channel = match line.channel.as_deref().unwrap_or(&line.kind) {
                        "email" => Channel::Email,
                        "sms" => Channel::Sms,
                        "whatsapp" => Channel::Whatsapp,
                        _ => Channel::Other,
                    };
                    let f = engine.text_model_features(&text, channel);
                    (Input::Text { text, channel }, f)
                }
                _ => bail!("{} line {}: neither a text nor a url", file.display(), n + 1),
            };
            if line.label > 1 {
                bail!("{} line {}: label must be 0 or 1", file.display(), n + 1);
            }
            let kind = input.kind();
            out.push(Example {
                id: line.id,
                corpus: corpus.clone(),
                input,
                scam: line.label == 1,
                features: merge(&features, bits(kind)),
                fold: 0,
            });
        }
    }
    Ok((out, unparsable))
}

/// Slots masked to the model's size, repeats summed, in slot order.
fn merge(features: &FeatureVector, bits: u8) -> Vec<(u32, f32)> {
    let mask = (1u32 << bits) - 1;
    let value = features.value();
    let mut slots: Vec<u32> = features.slots.iter().map(|s| s & mask).collect();
    slots.sort_unstable();
    let mut out: Vec<(u32, f32)> = Vec::with_capacity(slots.len());
    for s in slots {
        match out.last_mut() {
            Some((last, v)) if *last == s => *v += value,
            _ => out.push((s, value)),
        }
    }
    out
}

/// Deals the examples into `k` folds, shuffled with `seed` within each corpus and label so
/// that every fold has the same mix.
pub fn assign_folds(examples: &mut [Example], k: usize, seed: u64) {
    let mut strata: Vec<((String, bool), Vec<usize>)> = Vec::new();
    for (i, e) in examples.iter().enumerate() {
        let key = (e.corpus.clone(), e.scam);
        match strata.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(i),
            None => strata.push((key, vec![i])),
        }
    }
    let mut rng = SplitMix::new(seed);
    for (_, members) in &mut strata {
        rng.shuffle(members);
        for (n, &i) in members.iter().enumerate() {
            examples[i].fold = n % k;
        }
    }
}
