//! Running the built `guardian` binary in a throw-away directory.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use guardian_engine::RiskResponse;

/// A blatant bank-impersonation gift-card scam text.
pub const SCAM_SMS: &str = "Chase Bank Fraud Alert: your account has been locked due to suspicious activity. \
To unlock it today you must buy $500 in Google Play gift cards and text us the codes. Do not tell anyone.";
/// A genuine two-factor code message.
pub const TWO_FACTOR_SMS: &str = "Your verification code is 482913. Never share this code with anyone.";
/// A genuine pharmacy reminder.
pub const PHARMACY_SMS: &str = "Walgreens: your prescription is ready for pickup at the pharmacy on Main Street.";

/// A temporary directory, removed when dropped, to run the binary in.
pub struct TestDir {
    path: PathBuf,
}

impl TestDir {
    pub fn new() -> TestDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("guardian-cli-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
        TestDir { path }
    }

    /// The directory's path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Writes a file into the directory and returns its name.
    pub fn write(&self, name: &str, contents: &[u8]) -> String {
        std::fs::write(self.path.join(name), contents).unwrap_or_else(|e| panic!("writing {name}: {e}"));
        name.to_string()
    }

    /// A `guardian` command set to run in this directory, with a clean colour setting.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_guardian"));
        // Saved checks go inside the test directory, never into the real data folder.
        cmd.args(args)
            .current_dir(&self.path)
            .env_remove("NO_COLOR")
            .env("HOME", &self.path)
            .env("XDG_DATA_HOME", self.path.join("xdg-data"));
        cmd
    }

    /// Runs `guardian args…` with `stdin` as standard input.
    pub fn run_with_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning guardian: {e}"));
        let mut input = child.stdin.take().expect("stdin is piped");
        let data = stdin.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&data);
        });
        let output = child.wait_with_output().unwrap_or_else(|e| panic!("waiting for guardian: {e}"));
        let _ = writer.join();
        Run::from(output)
    }

    /// Runs `guardian args…` with empty standard input.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, b"")
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Runs `guardian args…` in a fresh temporary directory.
pub fn guardian(args: &[&str]) -> Run {
    TestDir::new().run(args)
}

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }
}

impl Run {
    /// Asserts exit 0 and returns self.
    #[track_caller]
    pub fn success(self) -> Run {
        assert_eq!(self.code, Some(0), "expected success:\n{self:#?}");
        self
    }

    /// Asserts exit 2, no stdout, and exactly one stderr line starting "guardian: ";
    /// returns that line (without its newline).
    #[track_caller]
    pub fn bad_input(self) -> String {
        assert_eq!(self.code, Some(2), "expected exit 2:\n{self:#?}");
        assert_eq!(self.stdout, "", "bad input prints nothing on stdout:\n{self:#?}");
        assert!(self.stderr.ends_with('\n'), "{self:#?}");
        let line = self.stderr.trim_end_matches('\n');
        assert!(!line.contains('\n'), "expected one stderr line:\n{}", self.stderr);
        assert!(line.starts_with("guardian: "), "{line}");
        line.to_string()
    }

    /// Parses stdout as one line of JSON: a RiskResponse.
    #[track_caller]
    pub fn response(&self) -> RiskResponse {
        let line = self.stdout.strip_suffix('\n').unwrap_or_else(|| panic!("no trailing newline: {self:#?}"));
        assert!(!line.contains('\n'), "--json prints one line:\n{}", self.stdout);
        serde_json::from_str(line).unwrap_or_else(|e| panic!("not a RiskResponse ({e}):\n{}", self.stdout))
    }

    /// The stderr lines.
    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }
}
