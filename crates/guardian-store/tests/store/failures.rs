//! Bad places and bad files: a specific error naming the file, and nothing stored is lost.

use std::path::{Path, PathBuf};
use std::process::Command;

use guardian_store::{KeySource, Store, StoreError, StoreOptions};

use crate::util::{SCAM_SMS, TempStore, save_check};

fn save(store: &Store) -> Result<String, StoreError> {
    save_check(store, SCAM_SMS, 0)
}

fn options_with_key(dir: &Path) -> StoreOptions {
    StoreOptions { key: KeySource::File(dir.join("guardian.db.key")), ..StoreOptions::default() }
}

#[test]
fn a_folder_or_a_missing_folder_is_named() {
    let temp = TempStore::new();
    let error = Store::open(temp.dir.path()).unwrap_err();
    assert!(matches!(error, StoreError::CannotOpen { .. }) && error.to_string().contains("folder"), "{error}");

    let nowhere = temp.dir.path().join("no/such/folder/guardian.db");
    let error = Store::open_with(&nowhere, options_with_key(temp.dir.path())).unwrap_err();
    assert!(error.to_string().contains("does not exist") && error.to_string().contains("guardian.db"), "{error}");
}

#[test]
fn a_damaged_file_is_reported_as_damaged_and_not_written() {
    let temp = TempStore::new();
    let store = temp.open();
    for _ in 0..200 {
        save(&store).unwrap();
    }
    drop(store);
    let mut bytes = std::fs::read(temp.db()).unwrap();
    assert!(bytes.len() > 40 * 4096, "file of {} bytes", bytes.len());
    for byte in &mut bytes[8 * 4096..30 * 4096] {
        *byte = 0xA5;
    }
    std::fs::write(temp.db(), &bytes).unwrap();

    let outcome = Store::open_with(temp.db(), temp.options()).and_then(|store| {
        store.check_integrity()?;
        store.list_assessments(&Default::default()).map(|_| ())
    });
    let error = outcome.unwrap_err();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error}");
    assert!(error.to_string().contains("damaged") && error.to_string().contains("guardian.db"), "{error}");
    assert_eq!(std::fs::read(temp.db()).unwrap(), bytes, "the damaged file was not written to");
}

#[test]
fn a_full_quota_refuses_the_write_and_keeps_everything_before_it() {
    let temp = TempStore::new();
    let options = StoreOptions { max_file_bytes: Some(256 * 1024), ..temp.options() };
    let store = Store::open_with(temp.db(), options.clone()).unwrap();
    let mut saved = Vec::new();
    let error = loop {
        match save(&store) {
            Ok(id) => saved.push(id),
            Err(error) => break error,
        }
        assert!(saved.len() < 10_000, "the quota never filled");
    };
    assert!(matches!(error, StoreError::DiskFull { .. }), "{error}");
    assert!(error.to_string().contains("guardian.db") && error.to_string().contains("full"), "{error}");
    assert!(saved.len() > 10);

    // Everything saved before is intact; the store still serves, and works again after space is freed.
    assert_eq!(store.count_assessments().unwrap(), saved.len() as u64);
    store.check_integrity().unwrap();
    store.delete_assessment(&saved[0]).unwrap();
    save(&store).unwrap();
    drop(store);
    let reopened = Store::open_with(temp.db(), options).unwrap();
    assert_eq!(reopened.count_assessments().unwrap(), saved.len() as u64);
}

/// A small tmpfs of our own, unmounted on drop; `None` where mounting is not allowed.
struct Mount {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Mount {
    fn tmpfs(size: &str) -> Option<Mount> {
        let dir = tempfile::tempdir().ok()?;
        let path = dir.path().to_path_buf();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .output()
            .ok()?;
        if !status.status.success() {
            eprintln!("skipped: cannot mount a tmpfs here ({})", String::from_utf8_lossy(&status.stderr).trim());
            return None;
        }
        Some(Mount { path, _dir: dir })
    }

    fn remount(&self, mode: &str) {
        let status = Command::new("mount").args(["-o", &format!("remount,{mode}")]).arg(&self.path).status().unwrap();
        assert!(status.success());
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

#[test]
fn a_really_full_disk_refuses_the_write_and_keeps_everything_before_it() {
    let Some(mount) = Mount::tmpfs("384k") else { return };
    let db = mount.path.join("guardian.db");
    let options = options_with_key(&mount.path);
    let store = Store::open_with(&db, options.clone()).unwrap();
    let mut saved = 0u64;
    let error = loop {
        match save(&store) {
            Ok(_) => saved += 1,
            Err(error) => break error,
        }
        assert!(saved < 10_000, "the disk never filled");
    };
    assert!(matches!(error, StoreError::DiskFull { .. }), "{error}");
    assert_eq!(store.count_assessments().unwrap(), saved);
    drop(store);
    let reopened = Store::open_with(&db, options).unwrap();
    assert_eq!(reopened.count_assessments().unwrap(), saved, "every saved check is there after a restart");
    reopened.check_integrity().unwrap();
}

#[test]
fn a_folder_that_cannot_be_written_is_named() {
    // As root, permissions do not stop writes: a read-only mount does.
    let Some(mount) = Mount::tmpfs("4m") else { return };
    let db = mount.path.join("guardian.db");
    let options = options_with_key(&mount.path);
    let store = Store::open_with(&db, options.clone()).unwrap();
    save(&store).unwrap();
    drop(store);
    mount.remount("ro");

    let error = Store::open_with(&db, options.clone()).unwrap_err();
    assert!(matches!(error, StoreError::ReadOnly { .. }), "{error}");
    assert!(error.to_string().contains("guardian.db"), "{error}");
    let fresh = Store::open_with(mount.path.join("new.db"), options.clone()).unwrap_err();
    assert!(matches!(fresh, StoreError::ReadOnly { .. }), "{fresh}");

    mount.remount("rw");
    assert_eq!(Store::open_with(&db, options).unwrap().count_assessments().unwrap(), 1, "nothing was lost");
}
