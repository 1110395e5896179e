//! Past checks on this computer: `--save` and `guardian history`, over guardian-store.
//!
//! The store is opened only when asked for (`--save`, `history`), so a plain check never
//! touches the disk. It lives in the per-user data folder (`dirs::data_dir()`, e.g.
//! `~/.local/share/titanium-guardian/guardian.db` on Linux) unless `--data-dir` says where.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use chrono::{Local, Utc};
use guardian_engine::RiskResponse;
use guardian_store::{Checked, HistoryQuery, SavedAssessment, Store, StoreError};
use guardian_sync::RecordKind;

use crate::cli::{HistoryAction, HistoryArgs};
use crate::render::{self, Style};

/// The database's file name inside the data folder.
const DB_FILE: &str = "guardian.db";
/// The folder's name inside the per-user data directory.
const APP_FOLDER: &str = "titanium-guardian";

/// The data folder: `--data-dir`, else the per-user default.
pub fn data_dir(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    match explicit {
        Some(dir) => Ok(dir.to_path_buf()),
        None => dirs::data_dir()
            .map(|base| base.join(APP_FOLDER))
            .ok_or_else(|| anyhow!("cannot find your data folder (no home directory?); give one with --data-dir DIR")),
    }
}

/// Opens (creating if needed) the store in `dir`. The folder is made private to the user.
pub fn open(dir: &Path) -> anyhow::Result<Store> {
    guardian_store::create_private_dir(dir)
        .with_context(|| format!("cannot create the data folder {}", dir.display()))?;
    Ok(Store::open(dir.join(DB_FILE))?)
}

/// Saves one answer, and queues it for sync when this computer is enrolled (no network
/// here); the error says the answer was given but not kept (or not queued).
pub fn save_one(store: &Store, checked: &Checked, response: &RiskResponse) -> anyhow::Result<()> {
    let now = Utc::now();
    store.record_assessment(&checked.as_new(response), now).context("this answer was not saved")?;
    guardian_sync::queue_check(store, RecordKind::Assessment, checked, response, now)
        .context("this answer was saved but could not be queued for sync")?;
    Ok(())
}

/// `guardian history …`.
pub fn history(store: &Store, json: bool, args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let mut stdout = io::stdout().lock();
    match args.action {
        None => list(store, json, args.limit as usize, &mut stdout)?,
        Some(HistoryAction::Show { id }) => {
            let saved = store.get_assessment(&id).map_err(not_found_hint)?;
            if json {
                serde_json::to_writer(&mut stdout, &saved)?;
                writeln!(stdout)?;
            } else {
                writeln!(stdout, "{}  {}", local_time(&saved), render::one_line(&saved.summary))?;
                writeln!(stdout)?;
                let style = Style::detect(stdout.is_terminal(), std::env::var_os("NO_COLOR").as_deref());
                render::human(&mut stdout, style, &saved.response, render::Source::Other)?;
            }
        }
        Some(HistoryAction::Delete { id: Some(id), all: false, .. }) => {
            store.delete_assessment(&id).map_err(not_found_hint)?;
            writeln!(stdout, "Deleted check {id}.")?;
        }
        Some(HistoryAction::Delete { id: None, all: true, yes }) => {
            let count = store.count_assessments()?;
            if !yes && !confirm(&format!("Delete all {count} saved checks? This cannot be undone. [y/N] "))? {
                return Err(anyhow!(crate::requests::InputError(
                    "nothing deleted; to delete every saved check without being asked, type: guardian history delete --all --yes"
                        .to_owned()
                )));
            }
            let deleted = store.delete_all_history(None)?;
            writeln!(stdout, "Deleted all saved checks ({deleted} records).")?;
        }
        Some(HistoryAction::Delete { .. }) => {
            return Err(anyhow!(crate::requests::InputError(
                "say which check to delete (guardian history delete ID) or delete them all (guardian history delete --all)"
                    .to_owned()
            )));
        }
        Some(HistoryAction::Export { file }) => {
            let export = store.export(None, Utc::now())?;
            match file {
                Some(path) if path.as_os_str() != "-" => {
                    guardian_store::write_private_file(&path, &serde_json::to_vec_pretty(&export)?, true)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    writeln!(stdout, "Exported {} saved checks to {}.", export.assessments.len(), path.display())?;
                }
                _ => {
                    serde_json::to_writer_pretty(&mut stdout, &export)?;
                    writeln!(stdout)?;
                }
            }
        }
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn list(store: &Store, json: bool, limit: usize, out: &mut impl Write) -> anyhow::Result<()> {
    let saved = store.list_assessments(&HistoryQuery { limit, ..HistoryQuery::default() })?;
    if json {
        serde_json::to_writer(&mut *out, &saved)?;
        writeln!(out)?;
        return Ok(());
    }
    if saved.is_empty() {
        writeln!(out, "No saved checks. Add --save to a check to keep it here, e.g. guardian text --save \"…\"")?;
        return Ok(());
    }
    for item in &saved {
        writeln!(
            out,
            "{}  {:<11} {:>3}  {:<13}  {}\n    id {}",
            local_time(item),
            render::level_words(item.response.level),
            item.response.score,
            item.module.as_str(),
            render::one_line(&item.summary),
            item.id
        )?;
    }
    Ok(())
}

fn local_time(item: &SavedAssessment) -> String {
    item.created_at.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

/// A missing id is a usage mistake (exit 2), with a pointer to the list.
fn not_found_hint(error: StoreError) -> anyhow::Error {
    if error.is_not_found() {
        anyhow!(crate::requests::InputError(format!(
            "{error}; list the saved checks and their ids with: guardian history"
        )))
    } else {
        anyhow!(error)
    }
}

fn confirm(question: &str) -> anyhow::Result<bool> {
    if !io::stdin().is_terminal() {
        return Ok(false);
    }
    eprint!("{question}");
    let mut answer = String::new();
    io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES"))
}
