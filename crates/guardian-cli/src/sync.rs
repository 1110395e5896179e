//! `guardian enrol` and `guardian sync`, over guardian-sync: the headless way to use the
//! optional server. Every network call has timeouts; nothing else in the CLI touches the
//! network.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use chrono::{DateTime, Local, Utc};
use guardian_engine::Engine;
use guardian_sync::pack::{self, PackVerifier};
use guardian_sync::{Device, Enrolment, PackUpdate, SharePolicy, SyncStatus, TokenStore};

use crate::cli::{EnrolArgs, ShareArgs, SyncAction, SyncArgs};
use crate::requests::InputError;
use crate::saved;

/// The engine to use: a signed rule-pack update installed in the data folder, if it still
/// verifies against the compiled-in key and is newer than the bundled rules; else `bundled`.
pub fn installed_engine(data_dir: Option<&Path>, bundled: &'static Engine) -> &'static Engine {
    let Ok(dir) = saved::data_dir(data_dir) else { return bundled };
    if !pack::installed_path(&dir).exists() {
        return bundled;
    }
    match pack::load_installed(&dir, &PackVerifier::production(), bundled.pack_version()) {
        // One engine per process, for its whole life.
        Some(update) => Box::leak(Box::new(update.engine)),
        None => bundled,
    }
}

fn device(dir: &Path) -> anyhow::Result<Device> {
    let store = saved::open(dir)?;
    Ok(Device::new(store, TokenStore::Auto(dir.to_path_buf()), dir.to_path_buf()))
}

/// `guardian enrol SERVER [--api-key KEY | --code CODE]`.
pub fn enrol(dir: &Path, json: bool, args: EnrolArgs) -> anyhow::Result<ExitCode> {
    let enrolment = match (args.api_key, args.code, std::env::var("GUARDIAN_API_KEY").ok()) {
        (Some(key), _, _) => Enrolment::ApiKey(key),
        (None, Some(code), _) => Enrolment::Code(code),
        (None, None, Some(key)) if !key.trim().is_empty() => Enrolment::ApiKey(key),
        _ => Enrolment::Open,
    };
    // A wrong address is refused before anything is created on disk.
    guardian_sync::check_server_url(&args.server).context("enrolment failed")?;
    let device = device(dir)?;
    let status = device.enrol(&args.server, enrolment, Utc::now()).context("enrolment failed")?;
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer(&mut out, &status)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "This computer is now enrolled with {} (device {}).",
            status.server_url.as_deref().unwrap_or("the server"),
            status.device_id.as_deref().unwrap_or("?")
        )?;
        writeln!(out, "Checks you keep with --save are sent there when you run: guardian sync")?;
        writeln!(out, "Shared: {}. Change it with: guardian sync share", shared(status.share))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `guardian sync [now|status|share|link-code|unlink|leave]`.
pub fn run(dir: &Path, engine: &Engine, json: bool, args: SyncArgs) -> anyhow::Result<ExitCode> {
    let not_enrolled = || {
        anyhow!(InputError(
            "this computer is not enrolled with a server; enrol it first: guardian enrol https://… --code CODE"
                .to_owned()
        ))
    };
    // Nothing saved yet means not enrolled: answer without creating files.
    let device = if dir.join("guardian.db").exists() {
        device(dir)?
    } else {
        match &args.action {
            Some(SyncAction::Status) => {
                let store = guardian_store::Store::open_in_memory()?;
                Device::new(store, TokenStore::memory(), dir.to_path_buf())
            }
            Some(SyncAction::Share(_)) => device(dir)?,
            _ => return Err(not_enrolled()),
        }
    };
    let mut out = std::io::stdout().lock();
    match args.action.unwrap_or(SyncAction::Now) {
        SyncAction::Status => {
            let status = device.status()?;
            if json {
                serde_json::to_writer(&mut out, &status)?;
                writeln!(out)?;
            } else {
                print_status(&mut out, &status)?;
            }
        }
        SyncAction::Now => {
            if !device.is_enrolled()? {
                return Err(not_enrolled());
            }
            let report = device.sync_now(Utc::now()).context("sync failed")?;
            let update = device.check_rule_pack(engine.pack_version(), &PackVerifier::production(), Utc::now());
            if json {
                serde_json::to_writer(&mut out, &report)?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "Sent {} new check{} to the server{}. {}",
                    report.sent,
                    if report.sent == 1 { "" } else { "s" },
                    if report.duplicates > 0 {
                        format!(" ({} sent again, kept once)", report.duplicates)
                    } else {
                        String::new()
                    },
                    if report.pending == 0 {
                        "Nothing is waiting.".to_owned()
                    } else {
                        format!("{} still waiting.", report.pending)
                    }
                )?;
            }
            if report.refused > 0 {
                eprintln!(
                    "guardian: note: the server refused {} check(s); they are kept here and tried again tomorrow",
                    report.refused
                );
            }
            match update {
                Ok(PackUpdate::Installed(pack)) => {
                    eprintln!("guardian: rules updated to version {} (used from the next check)", pack.bundle.version);
                }
                Ok(PackUpdate::UpToDate | PackUpdate::NoneOnServer) => {}
                Err(error) => eprintln!("guardian: note: {error}"),
            }
        }
        SyncAction::Share(ShareArgs { text, url, amounts, names }) => {
            let policy = SharePolicy { text, url, amounts, names };
            device.set_share(policy, Utc::now())?;
            writeln!(out, "Shared from now on: {}.", shared(policy))?;
        }
        SyncAction::LinkCode => {
            if !device.is_enrolled()? {
                return Err(not_enrolled());
            }
            let code = device.link_code().context("no link code")?;
            if json {
                serde_json::to_writer(&mut out, &code)?;
                writeln!(out)?;
            } else {
                writeln!(out, "Give this code to your trusted contact: {}", code.code)?;
                writeln!(out, "It works once, until {}.", local(code.expires_at))?;
            }
        }
        SyncAction::Unlink => {
            if !device.is_enrolled()? {
                return Err(not_enrolled());
            }
            let removed = device.unlink_contacts(Utc::now()).context("unlinking failed")?;
            writeln!(
                out,
                "Unlinked {removed} trusted contact{}; they get no more alerts.",
                if removed == 1 { "" } else { "s" }
            )?;
        }
        SyncAction::Leave => {
            device.leave()?;
            writeln!(out, "This computer has left sync; nothing more is sent. Past checks stay on this computer.")?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn shared(policy: SharePolicy) -> String {
    let mut extra = Vec::new();
    for (on, what) in
        [(policy.text, "message text"), (policy.url, "links"), (policy.amounts, "amounts"), (policy.names, "names")]
    {
        if on {
            extra.push(what);
        }
    }
    if extra.is_empty() {
        "level, score, rule ids and time only".to_owned()
    } else {
        format!("level, score, rule ids and time, and {}", extra.join(", "))
    }
}

fn local(time: DateTime<Utc>) -> String {
    time.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

fn print_status(out: &mut impl Write, status: &SyncStatus) -> anyhow::Result<()> {
    if !status.enrolled {
        writeln!(out, "Sync is off: this computer is not enrolled with a server (guardian enrol).")?;
        if status.pending > 0 {
            writeln!(out, "Waiting to send: {}", status.pending)?;
        }
        return Ok(());
    }
    writeln!(out, "Sync is on, with {}", status.server_url.as_deref().unwrap_or("?"))?;
    writeln!(out, "Waiting to send: {} check{}", status.pending, if status.pending == 1 { "" } else { "s" })?;
    writeln!(out, "Last synced: {}", status.last_sync_at.map_or_else(|| "never".to_owned(), local))?;
    if let Some(error) = &status.last_error {
        writeln!(out, "Last problem: {error}")?;
        if let Some(next) = status.next_attempt_at {
            writeln!(out, "Next try: {} (or now: guardian sync)", local(next))?;
        }
    }
    writeln!(out, "Shared: {}", shared(status.share))?;
    if status.contacts.is_empty() {
        writeln!(out, "Trusted contacts: none (guardian sync link-code makes a code for one)")?;
    }
    for contact in &status.contacts {
        writeln!(
            out,
            "Trusted contact: {} (linked {})",
            contact.name.as_deref().unwrap_or("unnamed"),
            local(contact.linked_at)
        )?;
    }
    if let Some(note) = &status.rule_pack {
        writeln!(out, "Rules: {note}")?;
    }
    Ok(())
}
