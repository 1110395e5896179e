//! `guardian-pack`: make the rule-pack signing key, sign a rule pack for the server to
//! serve (`RULE_PACK_FILE`), check a signed pack.
//!
//! ```text
//! guardian-pack keygen PRIVATE_KEY_FILE            # writes the key (0600), prints the public key
//! guardian-pack sign [--rules DIR] --out FILE      # key from $GUARDIAN_PACK_SIGNING_KEY_FILE or
//!                                                  # $GUARDIAN_PACK_SIGNING_KEY (64 hex digits)
//! guardian-pack verify FILE [--public-key HEX]     # default: the key compiled in
//! ```
//! The private key never belongs in the repository.

use std::path::PathBuf;
use std::process::ExitCode;

use guardian_sync::pack::{self, PackBundle, PackVerifier};

const USAGE: &str = "usage:
  guardian-pack keygen PRIVATE_KEY_FILE
  guardian-pack sign [--rules DIR] --out FILE   (key in $GUARDIAN_PACK_SIGNING_KEY_FILE or $GUARDIAN_PACK_SIGNING_KEY)
  guardian-pack verify FILE [--public-key HEX]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("guardian-pack: {message}");
            ExitCode::from(2)
        }
    }
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn run(args: Vec<String>) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("keygen") => {
            let path = PathBuf::from(args.get(1).ok_or(USAGE)?);
            let key = pack::generate_signing_key().map_err(|e| e.to_string())?;
            let hex = zeroize::Zeroizing::new(format!("{}\n", pack::to_hex(key.as_bytes())));
            guardian_store::write_private_file(&path, hex.as_bytes(), false)
                .map_err(|e| format!("{} cannot be written ({e}); it must not exist yet", path.display()))?;
            println!("{}", pack::to_hex(key.verifying_key().as_bytes()));
            eprintln!("private key written to {} (mode 0600); keep it out of the repository", path.display());
            Ok(())
        }
        Some("sign") => {
            let out = PathBuf::from(flag(&args, "--out").ok_or(USAGE)?);
            let rules = flag(&args, "--rules").map(PathBuf::from);
            let key_hex = match (
                std::env::var_os("GUARDIAN_PACK_SIGNING_KEY_FILE"),
                std::env::var("GUARDIAN_PACK_SIGNING_KEY"),
            ) {
                (Some(file), _) => zeroize::Zeroizing::new(
                    std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", PathBuf::from(&file).display()))?,
                ),
                (None, Ok(hex)) => zeroize::Zeroizing::new(hex),
                (None, Err(_)) => {
                    return Err(
                        "no signing key: set GUARDIAN_PACK_SIGNING_KEY_FILE (or GUARDIAN_PACK_SIGNING_KEY)".to_owned()
                    );
                }
            };
            let key = pack::signing_key_from_hex(&key_hex).map_err(|e| e.to_string())?;
            let bundle = match rules {
                Some(dir) => PackBundle::from_dir(&dir),
                None => PackBundle::from_sources(&guardian_engine::PackSources::BUNDLED),
            }
            .map_err(|e| e.to_string())?;
            let signed = pack::sign(&bundle, &key).map_err(|e| e.to_string())?;
            std::fs::write(&out, signed).map_err(|e| format!("{}: {e}", out.display()))?;
            println!("signed rule pack {} written to {}", bundle.version, out.display());
            Ok(())
        }
        Some("verify") => {
            let file = PathBuf::from(args.get(1).ok_or(USAGE)?);
            let verifier = match flag(&args, "--public-key") {
                Some(hex) => PackVerifier::from_hex(&hex).map_err(|e| e.to_string())?,
                None => PackVerifier::production(),
            };
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let bundle = verifier.verify_signature(&bytes).map_err(|e| e.to_string())?;
            guardian_engine::Engine::from_sources(&bundle.sources())
                .map_err(|e| format!("the signature is good but the pack fails its checks: {e}"))?;
            println!("good signature; rule pack {} loads and passes its checks", bundle.version);
            Ok(())
        }
        _ => Err(USAGE.to_owned()),
    }
}
