//! The command line, as clap sees it: every subcommand and flag, with a one-line `help`
//! and a `long_help` that carries an example (`guardian help <command>` or `--help`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use guardian_engine::Channel;

const ABOUT: &str = "Is it a scam? Check a message, a link, a payment or a call, offline";

const LONG_ABOUT: &str = "\
Titanium Guardian: is it a scam? Check a message, a link, a request for money, a phone \
call in progress or signs of identity theft. Everything is checked on this computer; \
nothing is sent anywhere.

Every answer gives a risk level with a score out of 100, the reasons, what to do now, a \
short checklist and, where it helps, words to say to the caller.

Examples:
  guardian text \"Your bank account is locked. Pay the fee in gift cards now.\"
  guardian url https://paypa1-secure.example.top/login
  guardian money --amount 2500 --method gift_card --contacted-first --urgency
  guardian call --signal bank_impersonation --signal verification_code_request
  guardian identity --signal password_reset_unknown --signal new_device_login
  guardian batch requests.jsonl > answers.jsonl
  guardian text --save \"…\"     (keep the check in Past checks)
  guardian history               (list Past checks)";

const EXIT_STATUS: &str = "\
Exit status:
  0  the check ran (whatever the risk; read the answer)
  1  guardian itself is broken: its built-in rule pack failed to load, the answer
     could not be written (e.g. disk full), or saved checks could not be read or
     written (the error names the file and why)
  2  bad input or a usage mistake (one line on stderr says what to type instead);
     for `batch`, at least one line failed (summary on stderr)
A closed output pipe (e.g. `guardian batch big.jsonl | head -1`) ends quietly with 0.
Colour is used only when the output is a terminal and NO_COLOR is not set.";

/// `guardian`: every Titanium Guardian check from a terminal, plus JSONL batch.
#[derive(Debug, Parser)]
#[command(
    name = "guardian",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_long_help = EXIT_STATUS,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Print the answer as JSON.
    #[arg(
        long,
        global = true,
        help = "Print the answer as one line of JSON instead of words",
        long_help = "Print the answer as one line of JSON (the RiskResponse of the v1 API: score, \
level, reasons, next_action, recommended_actions, safe_script, metadata) instead of words. \
One line, so it can be piped; use `jq .` to pretty-print it. `batch` always writes JSON.\n\n\
Example: guardian --json url https://example.com | jq .level"
    )]
    pub json: bool,

    /// Where saved checks are kept.
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        help = "Keep saved checks in DIR instead of your data folder",
        long_help = "Keep saved checks (--save, guardian history) in the folder DIR instead of your \
data folder (on Linux ~/.local/share/titanium-guardian). The folder is created if needed; \
the history file inside it is encrypted.\n\n\
Example: guardian --data-dir /media/usb/guardian history"
    )]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// What to check.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a text message, e-mail or WhatsApp message.
    #[command(long_about = "Check a text message, e-mail or WhatsApp message. Paste it as one argument \
(in quotes), as several words, or give `-` (or nothing) and send it on standard input.\n\n\
Examples:\n  guardian text \"USPS: your parcel is on hold, pay 1.99 at https://usps-redelivery.top\"\n  \
guardian text --channel email - < message.txt")]
    Text(TextArgs),

    /// Check a link before you click it.
    #[command(long_about = "Check a link before you click it. The link is only read, never visited.\n\n\
Example:\n  guardian url https://secure-paypa1.com.verify-account.top/login")]
    Url(UrlArgs),

    /// Check a request to send money before you pay.
    #[command(long_about = "Check a request to send money before you pay: how much, how they want to be \
paid, and what happened around it.\n\n\
Example:\n  guardian money --amount 1500 --method gift_card --contacted-first --urgency --secret \
--impersonation government --reason \"tax debt, or I will be arrested\"")]
    Money(MoneyArgs),

    /// Check a phone call that is happening now.
    #[command(long_about = "Check a phone call that is happening now, from the warning signs you noticed \
(--signal, as many as apply) and, if you like, what the caller said (--transcript).\n\n\
Example:\n  guardian call --signal bank_impersonation --signal verification_code_request \
--transcript \"this is your bank, read me the code we just sent\"")]
    Call(CallArgs),

    /// Check for signs that someone is using your identity.
    #[command(long_about = "Check for signs that someone is using your identity: name each sign you \
noticed with --signal.\n\n\
Example:\n  guardian identity --signal password_reset_unknown --signal new_device_login")]
    Identity(IdentityArgs),

    /// Check many requests at once: JSON lines in, JSON lines out.
    #[command(long_about = "Check many requests at once. Reads JSON lines (one request per line) from FILE \
or standard input and writes one JSON answer per line, in the same order. Each request names its \
kind and carries the fields of the matching v1 API request:\n\n  \
{\"kind\":\"text\",\"text\":\"…\",\"channel\":\"sms\"}\n  \
{\"kind\":\"url\",\"url\":\"https://…\"}\n  \
{\"kind\":\"money\",\"amount\":500,\"payment_method\":\"gift_card\",\"urgency_present\":true}\n  \
{\"kind\":\"call\",\"signals\":[\"bank_impersonation\"],\"transcript\":\"…\"}\n  \
{\"kind\":\"identity\",\"signals\":{\"new_device_login\":true}}\n\n\
A line that cannot be checked gets {\"error\":\"line N: …\"} in its place and the batch goes on; \
the exit status is then 2, with a summary on stderr.\n\n\
Example:\n  guardian batch requests.jsonl > answers.jsonl")]
    Batch(BatchArgs),

    /// Past checks saved with --save: list, show, delete, export.
    #[command(
        args_conflicts_with_subcommands = true,
        long_about = "Past checks saved with --save, newest first. With --json, a JSON array of the saved \
checks, each with its full answer. Saved checks are encrypted on disk and deleted \
automatically after 90 days.\n\n\
Examples:\n  guardian history\n  guardian --json history --limit 10\n  guardian history show ID\n  \
guardian history delete ID\n  guardian history delete --all\n  guardian history export my-checks.json"
    )]
    History(HistoryArgs),

    /// Enrol this computer with a Titanium Guardian server, for sync.
    #[command(long_about = "Enrol this computer with a Titanium Guardian server (optional): checks you \
keep with --save are then also sent there, in the background of `guardian sync`, so a trusted \
contact can be alerted to high-risk ones. By default only the level, score, rule ids and time \
of each check are sent — never what you checked (see guardian sync share). Give the server's \
API key (--api-key, or the GUARDIAN_API_KEY environment variable) or an enrolment code from \
whoever runs the server (--code).\n\n\
Examples:\n  guardian enrol https://guardian.example.org --code K7QM-X3RT-HP9A\n  \
GUARDIAN_API_KEY=… guardian enrol https://guardian.example.org")]
    Enrol(EnrolArgs),

    /// Sync with the server: send now, status, what to share, trusted contact.
    #[command(long_about = "Sync with the server this computer is enrolled with. Without an action, \
sends every check waiting now (and takes a newer signed rule pack if the server has one). \
Checks are kept until the server confirms them, so nothing is lost when it cannot be reached.\n\n\
Examples:\n  guardian sync\n  guardian sync status\n  guardian sync share --amounts\n  \
guardian sync link-code\n  guardian sync unlink\n  guardian sync leave")]
    Sync(SyncArgs),
}

/// `guardian enrol`.
#[derive(Debug, Args)]
pub struct EnrolArgs {
    #[arg(
        value_name = "SERVER",
        help = "The server's address, e.g. https://guardian.example.org",
        long_help = "The server's address, starting with https:// (http:// only for a server on \
this computer).\n\nExample: guardian enrol https://guardian.example.org --code K7QM-X3RT-HP9A"
    )]
    pub server: String,

    #[arg(
        long,
        value_name = "KEY",
        conflicts_with = "code",
        help = "The server's API key (or set GUARDIAN_API_KEY)",
        long_help = "The server's API key. Prefer the GUARDIAN_API_KEY environment variable, so the \
key does not stay in your shell history.\n\nExample: guardian enrol https://g.example.org --api-key …"
    )]
    pub api_key: Option<String>,

    #[arg(
        long,
        value_name = "CODE",
        help = "An enrolment code from whoever runs the server",
        long_help = "An enrolment code from whoever runs the server (it works once, for 24 hours; \
case, spaces and dashes do not matter).\n\nExample: guardian enrol https://g.example.org --code K7QM-X3RT-HP9A"
    )]
    pub code: Option<String>,
}

/// `guardian sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub action: Option<SyncAction>,
}

/// What to do with sync.
#[derive(Debug, Subcommand)]
pub enum SyncAction {
    /// Send every check waiting now (the default).
    Now,
    /// Show whether sync is on, what is waiting, the last sync and any problem.
    Status,
    /// Choose what is sent beyond level, score, rule ids and time.
    #[command(long_about = "Choose what is sent with each check beyond its level, score, rule ids and \
time. Name what to share; anything not named is not shared. With no option, shares nothing more.\n\n\
Examples:\n  guardian sync share --text --url\n  guardian sync share   (back to the minimum)")]
    Share(ShareArgs),
    /// Make a code for a trusted contact to link to this computer.
    #[command(name = "link-code")]
    LinkCode,
    /// Unlink every trusted contact: their alerts stop at once.
    Unlink,
    /// Leave sync: the server forgets this computer, nothing more is sent.
    Leave,
}

/// `guardian sync share`.
#[derive(Debug, Args)]
pub struct ShareArgs {
    #[arg(
        long,
        help = "Share the message text (shortened) or what a caller said",
        long_help = "Share the message text, shortened to 120 characters, or what a caller said.\n\n\
Example: guardian sync share --text"
    )]
    pub text: bool,
    #[arg(long, help = "Share links", long_help = "Share the links you check.\n\nExample: guardian sync share --url")]
    pub url: bool,
    #[arg(
        long,
        help = "Share amounts of money",
        long_help = "Share the amounts of money you were asked for.\n\nExample: guardian sync share --amounts"
    )]
    pub amounts: bool,
    #[arg(
        long,
        help = "Share names (e.g. who money was for)",
        long_help = "Share names, e.g. who money was to go to.\n\nExample: guardian sync share --names"
    )]
    pub names: bool,
}

/// `--save`, on every check.
#[derive(Debug, Args)]
pub struct SaveArg {
    #[arg(
        long,
        help = "Keep this check in Past checks (guardian history)",
        long_help = "Keep this check in Past checks on this computer (see guardian history), \
encrypted. With batch, each answer is saved before it is written, so a batch that is stopped \
keeps every answer it gave.\n\n\
Example: guardian text --save \"Your parcel is held, pay 1.99 now\""
    )]
    pub save: bool,
}

/// `guardian history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[arg(
        long,
        value_name = "N",
        default_value_t = 50,
        value_parser = clap::value_parser!(u32).range(1..=100_000),
        help = "Show at most N checks (default 50)",
        long_help = "Show at most N of the newest saved checks (1 to 100000; default 50).\n\n\
Example: guardian history --limit 5"
    )]
    pub limit: u32,

    #[command(subcommand)]
    pub action: Option<HistoryAction>,
}

/// What to do with saved checks.
#[derive(Debug, Subcommand)]
pub enum HistoryAction {
    /// Show one saved check in full.
    #[command(long_about = "Show one saved check in full: what was checked and the whole answer.\n\n\
Example:\n  guardian history show 0192f0c4-…")]
    Show {
        #[arg(
            value_name = "ID",
            help = "The check's id, as guardian history lists it",
            long_help = "The check's id, as guardian history lists it.\n\nExample: guardian history show 0192f0c4-7a1e-7c3e-9d2a-3b5f1e0c9a11"
        )]
        id: String,
    },
    /// Delete one saved check, or all of them.
    #[command(long_about = "Delete one saved check (\"forget this\"), or all of them with --all. Deleted \
checks are removed from the file for good.\n\n\
Examples:\n  guardian history delete 0192f0c4-…\n  guardian history delete --all --yes")]
    Delete {
        #[arg(
            value_name = "ID",
            required_unless_present = "all",
            conflicts_with = "all",
            help = "The check to delete, as guardian history lists it",
            long_help = "The id of the check to delete, as guardian history lists it.\n\n\
Example: guardian history delete 0192f0c4-7a1e-7c3e-9d2a-3b5f1e0c9a11"
        )]
        id: Option<String>,
        #[arg(
            long,
            help = "Delete every saved check",
            long_help = "Delete every saved check and call session. You are asked to confirm \
unless --yes is given.\n\nExample: guardian history delete --all"
        )]
        all: bool,
        #[arg(
            long,
            requires = "all",
            help = "Do not ask for confirmation",
            long_help = "With --all, do not ask for confirmation (for scripts).\n\n\
Example: guardian history delete --all --yes"
        )]
        yes: bool,
    },
    /// Write everything saved, decrypted, as one JSON document.
    #[command(long_about = "Write everything saved on this computer (checks, call sessions, identity \
profiles, settings), decrypted, as one JSON document: to FILE (readable only by you) or to \
standard output.\n\n\
Examples:\n  guardian history export my-checks.json\n  guardian history export | jq '.assessments | length'")]
    Export {
        #[arg(
            value_name = "FILE",
            help = "Where to write it; `-` or nothing writes to standard output",
            long_help = "The file to write (replaced if it exists, readable only by you). Give `-`, \
or nothing, to write to standard output.\n\nExample: guardian history export backup.json"
        )]
        file: Option<PathBuf>,
    },
}

/// `guardian text`.
#[derive(Debug, Args)]
pub struct TextArgs {
    #[command(flatten)]
    pub save: SaveArg,

    #[arg(
        long,
        value_name = "CHANNEL",
        value_parser = parse_channel,
        help = "Where the message arrived: sms, email, whatsapp or other",
        long_help = "Where the message arrived: sms, email, whatsapp or other (the default). \
Some warning signs weigh more in one channel than another.\n\n\
Example: guardian text --channel sms \"Your code is 123456\""
    )]
    pub channel: Option<Channel>,

    #[arg(
        value_name = "TEXT",
        help = "The message to check; `-` or nothing reads it from standard input",
        long_help = "The message to check. Put it in quotes; several words without quotes are \
joined with spaces. Give `-`, or nothing, to read the message from standard input (paste it, \
then press Ctrl-D on a new line).\n\n\
Example: guardian text \"Hi Grandma, it's me. I'm in jail and need bail money, don't tell Mum\""
    )]
    pub text: Vec<String>,
}

/// `guardian url`.
#[derive(Debug, Args)]
pub struct UrlArgs {
    #[command(flatten)]
    pub save: SaveArg,

    #[arg(
        value_name = "URL",
        help = "The link to check, starting with https:// or http://",
        long_help = "The link to check, in full, starting with https:// or http://. Copy it \
from the message rather than typing it; quote it if it contains & or ?.\n\n\
Example: guardian url \"https://amaz0n-refunds.example.top/claim?id=12\""
    )]
    pub url: String,
}

/// `guardian money`.
#[derive(Debug, Args)]
pub struct MoneyArgs {
    #[command(flatten)]
    pub save: SaveArg,

    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        help = "How much they asked for (a plain number, 0 to 1000000000)",
        long_help = "How much they asked for, as a plain number in your currency: digits and an \
optional decimal point, no currency sign or commas.\n\n\
Example: --amount 1500.50"
    )]
    pub amount: String,

    #[arg(
        long,
        value_name = "METHOD",
        help = "How they want to be paid, e.g. gift_card, wire_transfer, zelle, crypto",
        long_help = "How they want to be paid: gift_card, wire_transfer, bank_transfer, zelle, \
venmo, cash_app, paypal, crypto, western_union, moneygram, cash, cash_courier, cash_mail, check, \
credit_card, debit_card, prepaid_card or other. Common other names (\"Google Play\", \"Bitcoin \
ATM\", \"wire\") are understood; a method not known is judged as `other`, with a note.\n\n\
Example: --method \"google play\""
    )]
    pub method: String,

    #[arg(
        long,
        help = "They got in touch with you first",
        long_help = "They got in touch with you first: a call, text, e-mail or pop-up out of the \
blue, rather than you contacting them.\n\nExample: guardian money --amount 300 --method zelle --contacted-first"
    )]
    pub contacted_first: bool,

    #[arg(
        long,
        help = "They say it must happen right now",
        long_help = "They say it must happen right now, or something bad will happen (arrest, a \
closed account, a relative in trouble).\n\nExample: guardian money --amount 300 --method zelle --urgency"
    )]
    pub urgency: bool,

    #[arg(
        long,
        help = "They asked you to keep it secret",
        long_help = "They asked you not to tell anyone: family, the bank clerk, a friend.\n\n\
Example: guardian money --amount 900 --method cash --secret"
    )]
    pub secret: bool,

    #[arg(
        long,
        help = "They asked for a code sent to your phone or e-mail",
        long_help = "They asked you to read out or forward a code sent to your phone or e-mail \
(a one-time or verification code).\n\nExample: guardian money --amount 50 --method debit_card --code"
    )]
    pub code: bool,

    #[arg(
        long,
        help = "They asked to get onto your computer or phone",
        long_help = "They asked you to install an app or program, or otherwise let them onto your \
computer or phone (AnyDesk, TeamViewer, a \"support\" tool).\n\n\
Example: guardian money --amount 2000 --method wire --remote-access"
    )]
    pub remote_access: bool,

    #[arg(
        long,
        value_name = "KIND",
        help = "Who they claim to be: bank, government, tech_support, family, romance, …",
        long_help = "Who they claim to be: bank, government, police, tech_support, family, \
romance, business, utility, charity, investment, lottery, other or none. Common other names \
(irs, medicare, grandson, microsoft) are understood.\n\n\
Example: --impersonation government"
    )]
    pub impersonation: Option<String>,

    #[arg(
        long,
        value_name = "R",
        default_value = "",
        hide_default_value = true,
        help = "Who the money would go to, in your words",
        long_help = "Who the money would go to, in your words. Leaving it out counts as \
\"I don't really know who\".\n\nExample: --recipient \"a man who says he is from the bank's fraud team\""
    )]
    pub recipient: String,

    #[arg(
        long,
        value_name = "R",
        default_value = "",
        hide_default_value = true,
        help = "Why they say you must pay, in your words",
        long_help = "Why they say you must pay, in your words; the wording is read for known \
scam stories.\n\nExample: --reason \"to move my savings to a safe account\""
    )]
    pub reason: String,
}

/// `guardian call`.
#[derive(Debug, Args)]
pub struct CallArgs {
    #[command(flatten)]
    pub save: SaveArg,

    #[arg(
        long = "signal",
        value_name = "KEY",
        value_delimiter = ',',
        help = "A warning sign you noticed (repeat for each), e.g. bank_impersonation",
        long_help = "A warning sign you noticed during the call; repeat --signal for each one, or \
separate them with commas. Known signs: urgency, bank_impersonation, government_impersonation, \
tech_support, remote_access_request, verification_code_request, gift_cards, crypto_payment, \
threats_or_arrest, too_good_to_be_true, asks_to_keep_secret, caller_id_mismatch, grandparent_scam, \
family_emergency_scam, medicare_scam, health_insurance_scam, romance_scam, lottery_scam, \
sweepstakes_scam, investment_scam, charity_scam, disaster_relief_scam, contractor_scam, \
home_repair_scam, upfront_payment_request, wont_meet_in_person, refuses_video_chat. \
Unknown signs are ignored, with a note.\n\n\
Example: guardian call --signal gift_cards --signal urgency,asks_to_keep_secret"
    )]
    pub signals: Vec<String>,

    #[arg(
        long,
        value_name = "TEXT",
        help = "What the caller said, typed or transcribed",
        long_help = "What the caller said, typed or transcribed; it is read for known scam \
phrases. Enough on its own if you noticed no particular sign.\n\n\
Example: --transcript \"this is the fraud department, don't hang up, buy gift cards\""
    )]
    pub transcript: Option<String>,
}

/// `guardian identity`.
#[derive(Debug, Args)]
pub struct IdentityArgs {
    #[command(flatten)]
    pub save: SaveArg,

    #[arg(
        long = "signal",
        value_name = "KEY",
        value_delimiter = ',',
        help = "A sign you noticed (repeat for each), e.g. new_device_login",
        long_help = "A sign you noticed; repeat --signal for each one, or separate them with \
commas. Known signs: account_opened, suspicious_inquiry, password_reset_unknown, new_device_login, \
address_change, credit_freeze_request, reused_passwords, clicked_suspicious_link, \
ssn_requested_unexpectedly. Unknown signs are ignored, with a note.\n\n\
Example: guardian identity --signal account_opened --signal address_change"
    )]
    pub signals: Vec<String>,
}

/// `guardian batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    #[command(flatten)]
    pub save: SaveArg,

    #[arg(
        value_name = "FILE",
        help = "JSON lines to check; `-` or nothing reads standard input",
        long_help = "The file of JSON lines to check, one request per line. Give `-`, or \
nothing, to read standard input.\n\nExample: guardian batch - < requests.jsonl"
    )]
    pub file: Option<PathBuf>,

    #[arg(
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u16).range(1..=64),
        help = "Worker threads (default: one per CPU core)",
        long_help = "How many worker threads check lines (1 to 64). The default is one per CPU \
core; the output order is always the input order.\n\nExample: guardian batch --threads 1 big.jsonl"
    )]
    pub threads: Option<u16>,
}

fn parse_channel(raw: &str) -> Result<Channel, String> {
    raw.parse()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_flag_has_help_and_an_example() {
        let cli = Cli::command();
        let nested: Vec<&clap::Command> =
            cli.get_subcommands().flat_map(|sub| std::iter::once(sub).chain(sub.get_subcommands())).collect();
        for sub in nested {
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                assert!(arg.get_help().is_some(), "{} --{id} has no help", sub.get_name());
                let long = arg.get_long_help().map(ToString::to_string).unwrap_or_default();
                assert!(long.contains("Example"), "{} --{id} long help has no example", sub.get_name());
            }
        }
    }
}
