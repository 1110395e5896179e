//! `guardian-pack`: a new key pair, a signed pack that verifies against its public key and
//! not against another, and one flipped byte refused.

use std::process::Command;

fn pack_tool(args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_guardian-pack"));
    command.args(args).env_remove("GUARDIAN_PACK_SIGNING_KEY").env_remove("GUARDIAN_PACK_SIGNING_KEY_FILE");
    for (key, value) in envs {
        command.env(key, value);
    }
    command.output().expect("run guardian-pack")
}

#[test]
fn keygen_sign_verify_and_a_flipped_byte() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("signing.key");
    let made = pack_tool(&["keygen", key.to_str().unwrap()], &[]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let public = String::from_utf8(made.stdout).unwrap().trim().to_owned();
    assert_eq!(public.len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(!pack_tool(&["keygen", key.to_str().unwrap()], &[]).status.success(), "never overwrites a key");

    let out = dir.path().join("pack.json");
    let unsigned = pack_tool(&["sign", "--out", out.to_str().unwrap()], &[]);
    assert_eq!(unsigned.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unsigned.stderr).contains("no signing key"));

    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/../guardian-engine/rules");
    let signed = pack_tool(
        &["sign", "--rules", rules, "--out", out.to_str().unwrap()],
        &[("GUARDIAN_PACK_SIGNING_KEY_FILE", key.to_str().unwrap())],
    );
    assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));

    let good = pack_tool(&["verify", out.to_str().unwrap(), "--public-key", &public], &[]);
    assert!(good.status.success(), "{}", String::from_utf8_lossy(&good.stderr));
    assert!(String::from_utf8_lossy(&good.stdout).contains("good signature"));
    let other = pack_tool(&["verify", out.to_str().unwrap()], &[]);
    assert!(!other.status.success(), "the compiled-in key did not sign this test pack");

    let mut bytes = std::fs::read(&out).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(&out, bytes).unwrap();
    let tampered = pack_tool(&["verify", out.to_str().unwrap(), "--public-key", &public], &[]);
    assert!(!tampered.status.success());
    assert!(
        String::from_utf8_lossy(&tampered.stderr).contains("refused"),
        "{}",
        String::from_utf8_lossy(&tampered.stderr)
    );
}
