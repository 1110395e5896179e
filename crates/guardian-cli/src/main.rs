//! `guardian`: every Titanium Guardian check from a terminal, plus JSONL batch.
//!
//! The shell only parses, calls the engine and prints: no scoring happens here.
//!
//! Exit status (also in `guardian --help`):
//! - 0: the check ran (whatever the risk), or the output pipe was closed early;
//! - 1: guardian itself is broken (the built-in rule pack failed to load) or the answer
//!   could not be written;
//! - 2: bad input or usage: one line on stderr, prefixed `guardian: `, saying what to type
//!   instead where a likely mistake is seen; for `batch`, at least one line failed.
//!
//! `--json` prints the RiskResponse as one line of JSON (compact, like every `batch`
//! output line), so it pipes into `jq` and line-based tools.
#![forbid(unsafe_code)]

mod batch;
mod cli;
mod render;
mod requests;
mod saved;
mod sync;

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use clap::Parser;
use guardian_engine::{
    AnalyzeTextRequest, AnalyzeUrlRequest, CallAssessRequest, Engine, EngineError, IdentityCheckRequest,
    MoneyAssessRequest, RiskResponse,
};

use guardian_store::{Checked, Store, StoreError};
use guardian_sync::SyncError;

use crate::cli::{BatchArgs, CallArgs, Cli, Command, IdentityArgs, MoneyArgs, TextArgs, UrlArgs};
use crate::render::{Source, Style};
use crate::requests::InputError;

/// The documented exit statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    Success = 0,
    Internal = 1,
    BadInput = 2,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// Text read from standard input is cut here; the engine checks only the first 64 KiB.
const MAX_STDIN_TEXT: u64 = 4 * 1024 * 1024;

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return Exit::Success.into();
            }
            let message = render::one_line(&format!("{err:#}"));
            let _ = writeln!(io::stderr(), "guardian: {message}");
            exit_status(&err).into()
        }
    }
}

/// An answer that could not be written (other than to a closed pipe).
#[derive(Debug)]
struct WriteFailed(io::Error);

impl std::fmt::Display for WriteFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write the answer: {}", self.0)
    }
}

impl std::error::Error for WriteFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| e.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
}

fn exit_status(err: &anyhow::Error) -> Exit {
    let internal = err.chain().any(|e| {
        e.downcast_ref::<WriteFailed>().is_some()
            || e.downcast_ref::<EngineError>().is_some_and(|e| !e.is_input_error())
            || e.downcast_ref::<StoreError>().is_some_and(|e| !e.is_input_error() && !e.is_not_found())
            || e.downcast_ref::<SyncError>().is_some_and(|e| {
                !matches!(e, SyncError::InvalidInput { .. } | SyncError::BadServerUrl(_) | SyncError::NotEnrolled)
            })
    });
    if internal { Exit::Internal } else { Exit::BadInput }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return Ok(usage_error(&err)),
    };
    init_logging();
    let bundled =
        Engine::bundled().context("the built-in rule pack failed to load; please reinstall or report this")?;
    // A signed rule-pack update installed by `guardian sync` is used when it still checks out.
    let engine = sync::installed_engine(cli.data_dir.as_deref(), bundled);
    let out = Output {
        json: cli.json,
        style: Style::detect(io::stdout().is_terminal(), std::env::var_os("NO_COLOR").as_deref()),
    };
    let data_dir = cli.data_dir.as_deref();
    // The store is opened only for a check that is to be saved, after the check: a store
    // that cannot be used must not keep the answer from the person.
    let save_to = |save: bool| save.then_some(SaveTo(data_dir));
    match cli.command {
        Command::Text(args) => text(engine, &out, save_to(args.save.save), args),
        Command::Url(args) => url(engine, &out, save_to(args.save.save), args),
        Command::Money(args) => money(engine, &out, save_to(args.save.save), args),
        Command::Call(args) => call(engine, &out, save_to(args.save.save), args),
        Command::Identity(args) => identity(engine, &out, save_to(args.save.save), args),
        Command::Batch(args) => {
            let store = save_to(args.save.save).map(|to| to.open()).transpose()?;
            batch(engine, store.as_ref(), args)
        }
        Command::Enrol(args) => sync::enrol(&saved::data_dir(data_dir)?, cli.json, args),
        Command::Sync(args) => sync::run(&saved::data_dir(data_dir)?, engine, cli.json, args),
        Command::History(args) => {
            let dir = saved::data_dir(data_dir)?;
            // Nothing saved yet: answer from an empty store rather than create files.
            let store = if dir.join("guardian.db").exists() { saved::open(&dir)? } else { Store::open_in_memory()? };
            saved::history(&store, cli.json, args)
        }
    }
}

/// Where `--save` saves: the data folder given with `--data-dir`, or the default one.
#[derive(Clone, Copy)]
struct SaveTo<'a>(Option<&'a std::path::Path>);

impl SaveTo<'_> {
    fn open(self) -> anyhow::Result<Store> {
        saved::open(&saved::data_dir(self.0)?)
    }
}

/// Warnings from the libraries (e.g. "no OS keychain, using a key file") go to stderr,
/// once, in the CLI's own style. They never carry personal data.
fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
        .with_writer(io::stderr)
        .with_target(false)
        .without_time()
        .with_ansi(false)
        .try_init();
}

/// Help and version go to stdout with 0, as clap prints them; so does the help shown for a
/// bare `guardian` (on stderr, with 2). A usage mistake becomes one line on stderr, with
/// clap's tip and the usage that shows what to type, and exit status 2.
fn usage_error(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = err.print();
        return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
    }
    note(&one_line_usage_error(&err.render().to_string()));
    Exit::BadInput.into()
}

/// Flattens clap's rendered error (message, tips, usage, "For more information") into one
/// line: "unexpected argument '--chanel' found; tip: …; usage: guardian text …".
fn one_line_usage_error(rendered: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in rendered.lines().map(str::trim) {
        if line.is_empty() || line.starts_with("For more information") {
            if !current.is_empty() {
                parts.push(std::mem::take(&mut current));
            }
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        parts.push(current);
    }
    let joined = parts.join("; ");
    let joined = joined.strip_prefix("error: ").unwrap_or(&joined);
    joined.replace("Usage: ", "usage: ").replace(": ;", ":")
}

/// How answers are printed.
struct Output {
    json: bool,
    style: Style,
}

impl Output {
    /// Saves the check if asked, then prints the answer. The answer is printed even if
    /// saving failed (the person needs it now); the failure then sets the exit status.
    fn answer(
        &self,
        response: &RiskResponse,
        source: Source<'_>,
        save_to: Option<SaveTo<'_>>,
        checked: impl FnOnce() -> Checked,
    ) -> anyhow::Result<ExitCode> {
        let saved = save_to.map(|to| {
            let store = to.open().context("this answer was not saved")?;
            saved::save_one(&store, &checked(), response)
        });
        let printed = self.print(response, source)?;
        match saved {
            Some(Err(e)) => Err(e),
            _ => Ok(printed),
        }
    }

    fn print(&self, response: &RiskResponse, source: Source<'_>) -> anyhow::Result<ExitCode> {
        // The whole answer is built first, then written at once.
        let mut buffer = Vec::with_capacity(4096);
        if self.json {
            serde_json::to_writer(&mut buffer, response).map_err(|e| anyhow!(WriteFailed(io::Error::other(e))))?;
            buffer.push(b'\n');
        } else {
            render::human(&mut buffer, self.style, response, source).map_err(output_error)?;
        }
        let mut stdout = io::stdout().lock();
        stdout.write_all(&buffer).and_then(|()| stdout.flush()).map_err(output_error)?;
        Ok(Exit::Success.into())
    }
}

/// Broken pipes stay io::Errors (a quiet exit 0); anything else is a failed write.
fn output_error(e: io::Error) -> anyhow::Error {
    if e.kind() == io::ErrorKind::BrokenPipe { anyhow!(e) } else { anyhow!(WriteFailed(e)) }
}

/// A diagnostic line on stderr; a closed stderr is not worth failing over.
fn note(message: &str) {
    let _ = writeln!(io::stderr(), "guardian: {}", render::one_line(message));
}

fn print_notes(response: &RiskResponse) {
    for n in &response.metadata.notes {
        note(&format!("note: {n}"));
    }
}

fn text(engine: &Engine, out: &Output, save_to: Option<SaveTo<'_>>, args: TextArgs) -> anyhow::Result<ExitCode> {
    let text = match args.text.as_slice() {
        [] => read_stdin_text()?,
        [dash] if dash == "-" => read_stdin_text()?,
        [one] => {
            let looks_like_path = !one.contains(char::is_whitespace) && std::path::Path::new(one).is_file();
            if looks_like_path {
                note(&format!(
                    "note: checking the words '{one}' themselves; to check what is inside that file, type: guardian text - < {}",
                    requests::shell_quote(one)
                ));
            }
            one.clone()
        }
        words => words.join(" "),
    };
    let request = AnalyzeTextRequest { text, channel: args.channel.unwrap_or_default() };
    let response = engine.analyze_text(&request)?;
    print_notes(&response);
    // The matched phrases are cut from the text exactly as sent (the engine's offsets).
    out.answer(&response, Source::Text(&request.text), save_to, || Checked::text(&request))
}

fn read_stdin_text() -> anyhow::Result<String> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        note("paste the message, then press Enter and Ctrl-D (Ctrl-Z then Enter on Windows)");
    }
    let mut bytes = Vec::new();
    stdin.lock().take(MAX_STDIN_TEXT).read_to_end(&mut bytes).context("cannot read the message from standard input")?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        // Cut at the size limit in the middle of a character: drop the partial character.
        Err(e) if e.utf8_error().error_len().is_none() && e.as_bytes().len() as u64 == MAX_STDIN_TEXT => {
            let valid = e.utf8_error().valid_up_to();
            String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned()
        }
        Err(e) => {
            note("note: the message is not valid UTF-8; unreadable characters were replaced before checking");
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    })
}

fn url(engine: &Engine, out: &Output, save_to: Option<SaveTo<'_>>, args: UrlArgs) -> anyhow::Result<ExitCode> {
    let request = AnalyzeUrlRequest { url: args.url.clone() };
    match engine.analyze_url(&request) {
        Ok(response) => {
            print_notes(&response);
            out.answer(&response, Source::Url, save_to, || Checked::url(&request))
        }
        Err(e @ EngineError::InvalidUrl(_)) => match requests::suggest_url(&args.url) {
            Some(fixed) => Err(anyhow!(InputError(format!(
                "invalid url: '{}' is not a full link; type: guardian url {}",
                render::one_line(args.url.trim()),
                requests::shell_quote(&fixed)
            )))),
            None => Err(e.into()),
        },
        Err(e) => Err(e.into()),
    }
}

fn money(engine: &Engine, out: &Output, save_to: Option<SaveTo<'_>>, args: MoneyArgs) -> anyhow::Result<ExitCode> {
    let request = MoneyAssessRequest {
        amount: requests::parse_amount(&args.amount)?,
        payment_method: args.method,
        recipient: args.recipient,
        reason: args.reason,
        did_they_contact_you_first: args.contacted_first,
        urgency_present: args.urgency,
        asked_to_keep_secret: args.secret,
        asked_for_verification_code: args.code,
        asked_for_remote_access: args.remote_access,
        impersonation_type: args.impersonation,
        session_id: None,
    };
    let response = engine.assess_money(&request)?;
    // The engine notes an unknown method; the CLI adds the list of known ones instead.
    let method_note = requests::unknown_method_note(&request.payment_method);
    for n in &response.metadata.notes {
        if method_note.is_none() || !n.starts_with("payment method") {
            note(&format!("note: {n}"));
        }
    }
    if let Some(n) = method_note {
        note(&n);
    }
    // Money answers carry no phrase offsets of their own (the story is recipient + reason).
    out.answer(&response, Source::Other, save_to, || Checked::money(&request))
}

fn call(engine: &Engine, out: &Output, save_to: Option<SaveTo<'_>>, args: CallArgs) -> anyhow::Result<ExitCode> {
    let signals: Vec<String> = args.signals.into_iter().filter(|s| !s.trim().is_empty()).collect();
    let request = CallAssessRequest { signals, transcript: args.transcript };
    requests::check_call(&request)?;
    let response = engine.assess_call(&request);
    if request.transcript.is_none() {
        requests::require_known_signal(request.signals.len(), &response, requests::Command::Call)?;
    }
    for n in requests::unknown_signal_notes(&response.metadata.unknown_signals, requests::Command::Call) {
        note(&n);
    }
    print_notes(&response);
    out.answer(&response, Source::Text(request.transcript.as_deref().unwrap_or("")), save_to, || {
        Checked::call(&request)
    })
}

fn identity(
    engine: &Engine,
    out: &Output,
    save_to: Option<SaveTo<'_>>,
    args: IdentityArgs,
) -> anyhow::Result<ExitCode> {
    let request = IdentityCheckRequest {
        signals: args.signals.into_iter().filter(|s| !s.trim().is_empty()).map(|s| (s, true)).collect(),
    };
    requests::check_identity(&request)?;
    let response = engine.check_identity(&request);
    requests::require_known_signal(request.signals.len(), &response, requests::Command::Identity)?;
    for n in requests::unknown_signal_notes(&response.metadata.unknown_signals, requests::Command::Identity) {
        note(&n);
    }
    print_notes(&response);
    out.answer(&response, Source::Other, save_to, || Checked::identity(&request))
}

fn batch(engine: &Engine, store: Option<&Store>, args: BatchArgs) -> anyhow::Result<ExitCode> {
    const BUFFER: usize = 256 * 1024;
    let threads = match args.threads {
        Some(n) => usize::from(n),
        None => std::thread::available_parallelism().map_or(1, |n| n.get().min(16)),
    };
    let from_stdin = || -> Box<dyn BufRead> {
        if io::stdin().is_terminal() {
            note("reading JSON lines from the keyboard; press Ctrl-D on a new line to finish (or give a FILE)");
        }
        Box::new(BufReader::with_capacity(BUFFER, io::stdin().lock()))
    };
    let mut reader: Box<dyn BufRead> = match &args.file {
        None => from_stdin(),
        Some(path) if path.as_os_str() == "-" => from_stdin(),
        Some(path) => {
            let file = File::open(path).with_context(|| format!("cannot open '{}'", path.display()))?;
            Box::new(BufReader::with_capacity(BUFFER, file))
        }
    };
    let stdout = io::stdout().lock();
    let mut writer = io::BufWriter::with_capacity(BUFFER, stdout);
    let summary = batch::run(engine, &mut reader, &mut writer, threads, store).map_err(|e| match e {
        batch::Failure::Read(e) => anyhow!(e).context("batch stopped: cannot read the input"),
        batch::Failure::Write(e) => output_error(e),
        batch::Failure::Save(e) => {
            // What was already written was saved; flush it so the output and the history agree.
            let _ = writer.flush();
            anyhow!(e).context("batch stopped: cannot save answers to history (the answers written so far are saved)")
        }
    })?;
    writer.flush().map_err(output_error)?;
    if summary.failed == 0 {
        return Ok(Exit::Success.into());
    }
    let first = summary.first_failed.map(|n| format!(" (first: line {n})")).unwrap_or_default();
    note(&format!("{} of {} lines failed{first}", summary.failed, summary.lines));
    Ok(Exit::BadInput.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use guardian_engine::PackErrorKind;

    #[test]
    fn exit_statuses_follow_the_documented_table() {
        let pack = EngineError::Pack { file: "text.toml".into(), kind: PackErrorKind::Invalid("broken".into()) };
        assert_eq!(exit_status(&anyhow!(pack).context("the built-in rule pack failed to load")), Exit::Internal);
        assert_eq!(exit_status(&anyhow!(WriteFailed(io::Error::other("disk full")))), Exit::Internal);
        let input = EngineError::InvalidUrl("the link has no host".into());
        assert_eq!(exit_status(&anyhow!(input)), Exit::BadInput);
        assert_eq!(exit_status(&anyhow!(InputError("nothing to check".into()))), Exit::BadInput);
        let missing = anyhow!(io::Error::from(io::ErrorKind::NotFound)).context("cannot open 'x'");
        assert_eq!(exit_status(&missing), Exit::BadInput);
    }

    #[test]
    fn broken_pipes_are_recognised_through_context() {
        let err = anyhow!(io::Error::from(io::ErrorKind::BrokenPipe)).context("writing");
        assert!(is_broken_pipe(&err));
        assert!(!is_broken_pipe(&anyhow!(WriteFailed(io::Error::other("disk full")))));
    }

    #[test]
    fn clap_errors_flatten_to_one_line() {
        let rendered = "error: unexpected argument '--chanel' found\n\n  tip: a similar argument exists: '--channel'\n\n\
                        Usage: guardian text [OPTIONS] [TEXT]...\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line_usage_error(rendered),
            "unexpected argument '--chanel' found; tip: a similar argument exists: '--channel'; usage: guardian text [OPTIONS] [TEXT]..."
        );
    }
}
