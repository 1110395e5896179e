//! `guardian batch`: JSON lines in, one JSON line out per input line, in order.
//!
//! The main thread reads chunks of lines (one buffer per chunk, no allocation per line)
//! and writes finished chunks in order; worker threads check the lines of a chunk and
//! serialise the answers into the chunk's output buffer. Chunks go to workers round robin
//! and come back in the same order, so the output order is the input order. Buffers are
//! recycled, so a long batch settles into a fixed set of allocations.
//!
//! A bad line is a value, not an error: it becomes `{"error":"line N: …"}` and the batch
//! goes on; the caller sets the exit status from the [`Summary`].
//!
//! With a store (`--save`), a chunk's answers are saved in one transaction before the
//! chunk is written: every answer that reached the output is saved, even if the batch is
//! killed right after.

use std::io::{self, BufRead, Read, Write};
use std::sync::mpsc;

use guardian_engine::{
    AnalyzeTextRequest, AnalyzeUrlRequest, CallAssessRequest, Engine, EngineError, IdentityCheckRequest,
    MoneyAssessRequest, RiskResponse,
};
use guardian_store::{Checked, NewAssessment, Store, StoreError};
use guardian_sync::{RecordKind, SyncError};

/// Says once per run that saved answers could not be queued for sync.
fn report_queue_failure(error: &SyncError) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| eprintln!("guardian: note: saved answers could not be queued for sync ({error})"));
}
use serde::Deserialize;

use crate::requests;

/// Lines longer than this are refused (and skipped) without being held in memory whole.
pub const MAX_LINE_BYTES: usize = 8 * 1024 * 1024;
/// A chunk is cut after this many lines…
const CHUNK_LINES: usize = 2048;
/// …or once it holds this many bytes.
const CHUNK_BYTES: usize = 512 * 1024;

/// How a batch went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Lines read.
    pub lines: u64,
    /// Lines answered with `{"error": …}`.
    pub failed: u64,
    /// The first failed line (1-based).
    pub first_failed: Option<u64>,
}

/// Why a batch stopped before the end of its input.
#[derive(Debug)]
pub enum Failure {
    /// The input could not be read.
    Read(io::Error),
    /// An answer could not be written (a closed pipe included).
    Write(io::Error),
    /// Answers could not be saved; they were not written either.
    Save(StoreError),
}

/// One request line, by kind, with the fields of the matching v1 request body.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Request {
    Text(AnalyzeTextRequest),
    Url(AnalyzeUrlRequest),
    Money(MoneyAssessRequest),
    Call(CallAssessRequest),
    Identity(IdentityCheckRequest),
}

/// A run of input lines and, once checked, their answers.
#[derive(Debug, Default)]
struct Chunk {
    /// Line number (1-based) of the first line.
    first_line: u64,
    /// The lines' bytes, newlines included, back to back.
    data: Vec<u8>,
    /// End offset in `data` of each line.
    ends: Vec<usize>,
    /// Indexes (within the chunk) of lines that were too long; their bytes were dropped.
    overlong: Vec<usize>,
    /// The answers, one JSON line per input line.
    out: Vec<u8>,
    /// With `--save`: what each answered line checked, and the answer, to save.
    to_save: Vec<(Checked, RiskResponse)>,
    failed: u64,
    first_failed: Option<u64>,
}

impl Chunk {
    fn reset(&mut self, first_line: u64) {
        self.first_line = first_line;
        self.data.clear();
        self.ends.clear();
        self.overlong.clear();
        self.out.clear();
        self.to_save.clear();
        self.failed = 0;
        self.first_failed = None;
    }

    /// Fills the chunk from `reader`; returns false at end of input.
    fn fill(&mut self, reader: &mut impl BufRead) -> io::Result<bool> {
        while self.ends.len() < CHUNK_LINES && self.data.len() < CHUNK_BYTES {
            let start = self.data.len();
            let n = Read::take(&mut *reader, MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut self.data)?;
            if n == 0 {
                return Ok(false);
            }
            if n > MAX_LINE_BYTES && self.data.last() != Some(&b'\n') {
                self.data.truncate(start);
                self.overlong.push(self.ends.len());
                skip_line(reader)?;
            }
            self.ends.push(self.data.len());
        }
        Ok(true)
    }

    /// Checks every line, writing one answer line each into `out` (and keeping what to save).
    fn process(&mut self, engine: &Engine, save: bool) {
        let mut start = 0;
        for (i, &end) in self.ends.iter().enumerate() {
            let line_no = self.first_line + i as u64;
            let result = if self.overlong.contains(&i) {
                Err(format!("longer than {} MiB; split it or shorten the text", MAX_LINE_BYTES / (1024 * 1024)))
            } else {
                check_request(engine, &self.data[start..end])
            };
            start = end;
            let mark = self.out.len();
            let written = match &result {
                Ok((_, response)) => serde_json::to_writer(&mut self.out, response).map_err(|e| e.to_string()),
                Err(message) => Err(message.clone()),
            };
            if let (true, Ok((request, response)), Ok(())) = (save, result, &written) {
                self.to_save.push((request.checked(), response));
            }
            if let Err(message) = written {
                self.out.truncate(mark);
                write_error(&mut self.out, line_no, &message);
                self.failed += 1;
                self.first_failed.get_or_insert(line_no);
            }
            self.out.push(b'\n');
        }
    }
}

/// Reads and drops the rest of an over-long line, up to and including its newline.
fn skip_line(reader: &mut impl BufRead) -> io::Result<()> {
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    }
}

fn write_error(out: &mut Vec<u8>, line_no: u64, message: &str) {
    #[derive(serde::Serialize)]
    struct ErrorLine<'a> {
        error: &'a str,
    }
    let text = format!("line {line_no}: {message}");
    // Serialising a struct with one string field into a Vec cannot fail; if it ever did,
    // fall back to a fixed line rather than lose the line.
    if serde_json::to_writer(&mut *out, &ErrorLine { error: &text }).is_err() {
        out.extend_from_slice(br#"{"error":"unreadable line"}"#);
    }
}

/// Checks one line (without its line number); `Err` is the message for the error line.
#[cfg(test)]
pub fn check_line(engine: &Engine, raw: &[u8]) -> Result<RiskResponse, String> {
    check_request(engine, raw).map(|(_, response)| response)
}

impl Request {
    fn checked(&self) -> Checked {
        match self {
            Request::Text(r) => Checked::text(r),
            Request::Url(r) => Checked::url(r),
            Request::Money(r) => Checked::money(r),
            Request::Call(r) => Checked::call(r),
            Request::Identity(r) => Checked::identity(r),
        }
    }
}

/// Checks one line and returns the request with its answer.
fn check_request(engine: &Engine, raw: &[u8]) -> Result<(Request, RiskResponse), String> {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let line = std::str::from_utf8(raw)
        .map_err(|e| format!("not valid UTF-8 (bad byte at offset {}); save the file as UTF-8", e.valid_up_to()))?;
    if line.trim().is_empty() {
        return Err(r#"empty line; expected one JSON request such as {"kind":"text","text":"…"}"#.into());
    }
    if !line.trim_start().starts_with('{') {
        return Err(not_an_object(line));
    }
    let request: Request = serde_json::from_str(line).map_err(|e| request_error(line, e))?;
    let answer = match &request {
        Request::Text(r) => engine.analyze_text(r),
        Request::Url(r) => engine.analyze_url(r),
        Request::Money(r) => engine.assess_money(r),
        Request::Call(r) => {
            requests::check_call(r).map_err(|e| e.to_string())?;
            Ok(engine.assess_call(r))
        }
        Request::Identity(r) => {
            requests::check_identity(r).map_err(|e| e.to_string())?;
            Ok(engine.check_identity(r))
        }
    };
    answer.map(|response| (request, response)).map_err(|e: EngineError| e.to_string())
}

/// The message for a line that is JSON but not a request we understand: serde's words,
/// with the request kind in front when there is one ("money request: missing field …").
fn request_error(line: &str, e: serde_json::Error) -> String {
    let message = json_error(e);
    let value: serde_json::Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(_) => return message,
    };
    match value.get("kind") {
        None => "missing field `kind` (one of text, url, money, call, identity)".to_string(),
        Some(serde_json::Value::String(kind)) if KINDS.contains(&kind.as_str()) => format!("{kind} request: {message}"),
        Some(_) => message,
    }
}

/// The request kinds, as `Request` names them.
const KINDS: [&str; 5] = ["text", "url", "money", "call", "identity"];

/// For a line that does not start with `{`: a JSON syntax error, or what kind of JSON
/// value it is instead of a request object.
fn not_an_object(line: &str) -> String {
    let kind = match serde_json::from_str::<serde_json::Value>(line) {
        Err(e) => return json_error(e),
        Ok(serde_json::Value::Array(_)) => "an array",
        Ok(serde_json::Value::String(_)) => "a string",
        Ok(serde_json::Value::Number(_)) => "a number",
        Ok(serde_json::Value::Bool(_)) => "true or false",
        Ok(serde_json::Value::Null) => "null",
        Ok(serde_json::Value::Object(_)) => "an object",
    };
    format!(r#"expected a JSON object such as {{"kind":"text","text":"…"}}, got {kind}"#)
}

/// serde_json's message, without its "at line 1 column N" (there is only one line).
fn json_error(e: serde_json::Error) -> String {
    let column = e.column();
    let mut message = e.to_string();
    if let Some(i) = message.rfind(" at line ") {
        message.truncate(i);
    }
    match e.classify() {
        serde_json::error::Category::Data => message,
        _ => format!("invalid JSON at column {column}: {message}"),
    }
}

/// Runs a whole batch: reads `reader` to the end, writes one line per input line to `out`.
/// I/O errors end the batch (`Err`); bad lines do not.
pub fn run(
    engine: &Engine,
    reader: &mut impl BufRead,
    out: &mut impl Write,
    threads: usize,
    store: Option<&Store>,
) -> Result<Summary, Failure> {
    let save = store.is_some();
    // Saves a chunk's answers (one transaction), then writes them: never the other way round.
    let emit = |chunk: &Chunk, out: &mut dyn Write| -> Result<(), Failure> {
        if let Some(store) = store {
            let now = chrono::Utc::now();
            let batch: Vec<NewAssessment<'_>> = chunk.to_save.iter().map(|(c, r)| c.as_new(r)).collect();
            store.record_assessments(&batch, now).map_err(Failure::Save)?;
            // Enrolled for sync: each kept answer is also queued for the server (no network
            // here). Sync is optional: a failure to queue is reported, the batch goes on.
            if !chunk.to_save.is_empty() && guardian_sync::is_enrolled(store).unwrap_or(false) {
                let queued = chunk.to_save.iter().try_for_each(|(checked, response)| {
                    guardian_sync::queue_check(store, RecordKind::Assessment, checked, response, now).map(|_| ())
                });
                if let Err(error) = queued {
                    report_queue_failure(&error);
                }
            }
        }
        out.write_all(&chunk.out).map_err(Failure::Write)
    };
    let mut summary = Summary::default();
    let tally = |chunk: &Chunk, summary: &mut Summary| {
        summary.lines += chunk.ends.len() as u64;
        summary.failed += chunk.failed;
        if summary.first_failed.is_none() {
            summary.first_failed = chunk.first_failed;
        }
    };

    if threads <= 1 {
        let mut chunk = Chunk::default();
        loop {
            chunk.reset(summary.lines + 1);
            let more = chunk.fill(reader).map_err(Failure::Read)?;
            chunk.process(engine, save);
            emit(&chunk, out)?;
            tally(&chunk, &mut summary);
            if !more {
                return Ok(summary);
            }
        }
    }

    std::thread::scope(|scope| {
        // Chunks in flight, at most: enough to keep every worker busy while the main
        // thread reads and writes.
        let in_flight = 2 * threads;
        let mut to_workers = Vec::with_capacity(threads);
        let mut from_workers = Vec::with_capacity(threads);
        for _ in 0..threads {
            let (to_worker, inbox) = mpsc::sync_channel::<Chunk>(in_flight);
            let (outbox, from_worker) = mpsc::sync_channel::<Chunk>(in_flight);
            scope.spawn(move || {
                while let Ok(mut chunk) = inbox.recv() {
                    chunk.process(engine, save);
                    if outbox.send(chunk).is_err() {
                        break;
                    }
                }
            });
            to_workers.push(to_worker);
            from_workers.push(from_worker);
        }

        let mut spare: Vec<Chunk> = Vec::new();
        let (mut sent, mut received) = (0usize, 0usize);
        let mut next_line = 1u64;
        let mut more = true;
        loop {
            if more && sent - received < in_flight {
                let mut chunk = spare.pop().unwrap_or_default();
                chunk.reset(next_line);
                more = chunk.fill(reader).map_err(Failure::Read)?;
                if chunk.ends.is_empty() {
                    spare.push(chunk);
                    continue;
                }
                next_line += chunk.ends.len() as u64;
                to_workers[sent % threads].send(chunk).map_err(|_| Failure::Write(worker_gone()))?;
                sent += 1;
            } else if received < sent {
                let chunk = from_workers[received % threads].recv().map_err(|_| Failure::Write(worker_gone()))?;
                received += 1;
                emit(&chunk, out)?;
                tally(&chunk, &mut summary);
                spare.push(chunk);
            } else {
                return Ok(summary);
            }
        }
    })
}

fn worker_gone() -> io::Error {
    io::Error::other("a batch worker thread stopped unexpectedly")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> &'static Engine {
        Engine::bundled().unwrap_or_else(|e| panic!("{e}"))
    }

    fn run_on(input: &[u8], threads: usize) -> (Vec<String>, Summary) {
        let mut out = Vec::new();
        let summary =
            run(engine(), &mut io::Cursor::new(input), &mut out, threads, None).unwrap_or_else(|e| panic!("{e:?}"));
        let text = String::from_utf8(out).unwrap();
        (text.lines().map(str::to_string).collect(), summary)
    }

    #[test]
    fn output_order_and_errors_do_not_depend_on_threads() {
        let mut input = Vec::new();
        for i in 0..10_000 {
            match i % 5 {
                0 => input.extend_from_slice(
                    format!("{{\"kind\":\"text\",\"text\":\"message {i} buy gift cards\"}}\n").as_bytes(),
                ),
                1 => input.extend_from_slice(b"{\"kind\":\"url\",\"url\":\"https://example.com\"}\n"),
                2 => input.extend_from_slice(b"not json\n"),
                3 => input.extend_from_slice(b"{\"kind\":\"text\",\"text\":\"\xff\"}\n"),
                _ => input.extend_from_slice(b"{\"kind\":\"call\",\"signals\":[\"urgency\"]}\n"),
            }
        }
        let (one, s1) = run_on(&input, 1);
        let (four, s4) = run_on(&input, 4);
        assert_eq!(one.len(), 10_000);
        assert_eq!(one, four);
        assert_eq!(s1, s4);
        assert_eq!(s1.failed, 4_000);
        assert_eq!(s1.first_failed, Some(3));
        assert!(one[2].starts_with(r#"{"error":"line 3: invalid JSON"#), "{}", one[2]);
        assert!(one[9_998].starts_with(r#"{"error":"line 9999: not valid UTF-8"#), "{}", one[9_998]);
    }

    #[test]
    fn error_messages_name_the_request_kind_and_the_missing_kind() {
        let engine = engine();
        let err = |line: &str| check_line(engine, line.as_bytes()).unwrap_err();
        assert_eq!(err(r#"{"text":"hi"}"#), "missing field `kind` (one of text, url, money, call, identity)");
        assert_eq!(err(r#"{"kind":"url","url":5}"#), "url request: invalid type: integer `5`, expected a string");
        assert_eq!(
            err(r#"{"kind":"identity","signals":["a"]}"#),
            "identity request: invalid type: sequence, expected a map"
        );
        assert_eq!(err("42"), r#"expected a JSON object such as {"kind":"text","text":"…"}, got a number"#);
        assert_eq!(err("{\"kind\":"), "invalid JSON at column 8: EOF while parsing a value");
    }

    #[test]
    fn last_line_without_newline_and_crlf_are_fine() {
        let (lines, summary) = run_on(
            b"{\"kind\":\"url\",\"url\":\"https://a.example\"}\r\n{\"kind\":\"url\",\"url\":\"https://b.example\"}",
            2,
        );
        assert_eq!(lines.len(), 2);
        assert_eq!(summary.failed, 0, "{lines:?}");
    }

    #[test]
    fn overlong_line_is_an_error_and_the_next_line_still_runs() {
        let mut input = b"{\"kind\":\"text\",\"text\":\"".to_vec();
        input.resize(MAX_LINE_BYTES + 100, b'a');
        input.extend_from_slice(b"\"}\n{\"kind\":\"url\",\"url\":\"https://a.example\"}\n");
        let (lines, summary) = run_on(&input, 1);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].contains("line 1: longer than"), "{}", lines[0]);
        assert_eq!(summary.failed, 1);
        assert!(lines[1].starts_with(r#"{"score""#));
    }

    #[test]
    fn empty_input_gives_empty_output() {
        let (lines, summary) = run_on(b"", 2);
        assert!(lines.is_empty());
        assert_eq!(summary, Summary::default());
    }
}
