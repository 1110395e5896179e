//! Integration tests for the `guardian` binary: the real built binary, run in a temporary
//! directory, asserting what a person sees (stdout, the one stderr line, the exit status).
//!
//! Scores come from a rule pack that is still being tuned, so these tests pin behaviour
//! (a blatant gift-card scam is high, a pharmacy reminder is low, errors and exit codes are
//! exact) rather than exact scores.

mod batch;
mod errors;
mod feature;
mod history;
mod sync;
mod util;
