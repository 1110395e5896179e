//! The cross-validation report: printed, and kept in the model card between two markers.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, bail};
use guardian_engine::Level;

use crate::HeldOut;
use crate::data::Example;
use crate::metrics::{Counts, roc_auc};

const BEGIN: &str = "<!-- cross-validation:begin -->";
const END: &str = "<!-- cross-validation:end -->";

/// Held-out figures per corpus.
pub struct Report {
    rows: Vec<Row>,
    folds: usize,
    seed: u64,
}

struct Row {
    corpus: String,
    scams: usize,
    legitimate: usize,
    model_auc: Option<f64>,
    rules: Scorer,
    blended: Scorer,
}

struct Scorer {
    auc: Option<f64>,
    high: Counts,
    medium_up: Counts,
}

impl Scorer {
    fn of(items: &[(&HeldOut, bool)], pick: impl Fn(&HeldOut) -> (u8, Level)) -> Scorer {
        let scored: Vec<(f64, bool)> = items.iter().map(|(h, y)| (f64::from(pick(h).0), *y)).collect();
        Scorer {
            auc: roc_auc(&scored),
            high: Counts::of(items.iter().map(|(h, y)| (pick(h).1 == Level::High, *y))),
            medium_up: Counts::of(items.iter().map(|(h, y)| (pick(h).1 != Level::Low, *y))),
        }
    }
}

impl Report {
    pub fn new(examples: &[Example], held_out: &[HeldOut], folds: usize, seed: u64) -> Report {
        let mut corpora: Vec<&str> = examples.iter().map(|e| e.corpus.as_str()).collect();
        corpora.dedup();
        let rows = corpora
            .into_iter()
            .map(|corpus| {
                let items: Vec<(&HeldOut, bool)> = held_out
                    .iter()
                    .filter(|h| examples[h.example].corpus == corpus)
                    .map(|h| (h, examples[h.example].scam))
                    .collect();
                // The raw score: calibration keeps the order, but f32 probabilities near 1 tie.
                let probabilities: Vec<(f64, bool)> = items.iter().map(|(h, y)| (f64::from(h.logit), *y)).collect();
                Row {
                    corpus: corpus.to_string(),
                    scams: items.iter().filter(|(_, y)| *y).count(),
                    legitimate: items.iter().filter(|(_, y)| !*y).count(),
                    model_auc: roc_auc(&probabilities),
                    rules: Scorer::of(&items, |h| (h.rules_score, h.rules_level)),
                    blended: Scorer::of(&items, |h| (h.score, h.level)),
                }
            })
            .collect();
        Report { rows, folds, seed }
    }

    /// The figures as a Markdown table.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{}-fold cross-validation (seed {}): every example scored by models trained without its fold.\n\n\
             | corpus (scam / legitimate) | scored by | ROC-AUC | high: P / R / F1 / FPR | medium+: P / R / F1 / FPR |\n\
             |---|---|---|---|---|\n",
            self.folds, self.seed
        );
        for r in &self.rows {
            let name = format!("{} ({} / {})", r.corpus, r.scams, r.legitimate);
            let _ = writeln!(out, "| {name} | model alone (probability) | {} | – | – |", auc(r.model_auc));
            for (label, s) in [("rules alone", &r.rules), ("**rules + model (shipped)**", &r.blended)] {
                let _ = writeln!(
                    out,
                    "| {name} | {label} | {} | {} | {} |",
                    auc(s.auc),
                    point(&s.high),
                    point(&s.medium_up)
                );
            }
        }
        out
    }
}

fn auc(a: Option<f64>) -> String {
    a.map_or("–".into(), |a| format!("{a:.4}"))
}

fn point(c: &Counts) -> String {
    format!("{:.3} / {:.3} / {:.3} / {:.4}", c.precision(), c.recall(), c.f1(), c.fpr())
}

/// The card's text now, and with its figures replaced by the report's.
fn with_figures(card: &Path, report: &Report) -> anyhow::Result<(String, String)> {
    let text =
        std::fs::read_to_string(card).with_context(|| format!("cannot read the model card {}", card.display()))?;
    let (Some(begin), Some(end)) = (text.find(BEGIN), text.find(END)) else {
        bail!("{} has no {BEGIN} … {END} markers for the figures", card.display());
    };
    if end < begin {
        bail!("{}: the figure markers are in the wrong order", card.display());
    }
    let updated = format!("{}{BEGIN}\n{}{}", &text[..begin], report.table(), &text[end..]);
    Ok((text, updated))
}

/// Replaces the figures between the markers in the model card.
pub fn update(card: &Path, report: &Report) -> anyhow::Result<()> {
    let (_, updated) = with_figures(card, report)?;
    std::fs::write(card, updated).with_context(|| format!("cannot write {}", card.display()))?;
    eprintln!("updated the figures in {}", card.display());
    Ok(())
}

/// Fails unless the model card already shows the report's figures.
pub fn check(card: &Path, report: &Report) -> anyhow::Result<()> {
    let (current, updated) = with_figures(card, report)?;
    if current != updated {
        bail!("the figures in {} are not the ones training produces now: retrain and commit", card.display());
    }
    Ok(())
}
