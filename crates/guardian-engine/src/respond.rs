//! Turns the rules that fired into the answer a person sees: score, level, reasons,
//! the next step, the checklist and the script. Shared by every module, so every answer
//! is built the same way.

use crate::Engine;
use crate::model::{Level, Metadata, Module, RecommendedAction, RiskResponse};
use crate::pack::Rule;

/// The most checklist items an answer carries.
const MAX_ACTIONS: usize = 6;
/// How many scam categories contribute their own checklist items.
const CATEGORIES_FOR_ACTIONS: usize = 2;

/// Builds the response from the fired rules (building blocks included; they are skipped).
pub(crate) fn respond(engine: &Engine, module: Module, fired: &[&Rule], mut metadata: Metadata) -> RiskResponse {
    let pack = &engine.pack;
    let mut shown: Vec<&Rule> = fired.iter().copied().filter(|r| !r.hidden).collect();
    // Strongest first; ties keep pack order, so answers are stable.
    shown.sort_by_key(|r| std::cmp::Reverse(r.score));
    // The same URL rule can arrive from two links; show it once.
    let mut kept: Vec<&Rule> = Vec::with_capacity(shown.len());
    for r in shown {
        if !kept.iter().any(|k| std::ptr::eq(*k, r)) {
            kept.push(r);
        }
    }
    let shown = kept;

    let total: u32 = shown.iter().map(|r| u32::from(r.score)).sum();
    let score = total.min(100) as u8;
    let level = pack.level(score);

    let mut categories: Vec<usize> = Vec::new();
    for r in &shown {
        if let Some(c) = r.category
            && !categories.contains(&c)
        {
            categories.push(c);
        }
    }
    let advice = &pack.advice[module as usize];
    let level_advice = advice.for_level(level);

    let next_action = match (level, categories.first()) {
        (Level::Low, _) | (_, None) => level_advice.next_action.clone(),
        _ if level_advice.overrides_category => level_advice.next_action.clone(),
        (_, Some(&c)) => pack.categories[c].next_action.clone(),
    };

    let mut action_ids: Vec<usize> = Vec::new();
    if level != Level::Low {
        for &c in categories.iter().take(CATEGORIES_FOR_ACTIONS) {
            action_ids.extend(&pack.categories[c].actions);
        }
    }
    action_ids.extend(&level_advice.actions);
    let mut chosen: Vec<usize> = Vec::with_capacity(MAX_ACTIONS);
    for id in action_ids {
        if chosen.len() == MAX_ACTIONS {
            break;
        }
        if !chosen.contains(&id) {
            chosen.push(id);
        }
    }
    let recommended_actions: Vec<RecommendedAction> = chosen.iter().map(|&id| pack.actions[id].clone()).collect();

    let safe_script = if level == Level::Low {
        None
    } else {
        categories.iter().find_map(|&c| pack.categories[c].script.clone()).or_else(|| advice.script.clone())
    };

    metadata.module = Some(module);
    metadata.rules = shown.iter().map(|r| r.id.clone()).collect();
    metadata.pack_version = pack.version.clone();
    metadata.categories = categories.iter().map(|&c| pack.categories[c].id.clone()).collect();

    RiskResponse {
        score,
        level,
        reasons: shown.iter().map(|r| r.reason.clone()).collect(),
        next_action,
        recommended_actions,
        safe_script,
        metadata,
    }
}
