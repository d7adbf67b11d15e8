//! Runs the conformance vectors: the files in `spec/vectors/` must be exactly what the
//! recipes make, and every file there must meet its expectation through both readers.
//!
//! The second test is driven by the files on disk, not by the registry, so a vector added
//! by hand (or by another implementation's generator) is run too.

use std::collections::BTreeSet;
use std::process::Command;

use scanx_conformance::expectation::{judge, Expectation};
use scanx_conformance::tree;

#[test]
fn vectors_on_disk_are_what_the_recipes_make() -> Result<(), String> {
    let made = tree::generate()?;
    let differences = tree::compare(&made, &tree::default_dir())?;
    if differences.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = differences.iter().map(|d| format!("  {d}")).collect();
    Err(format!(
        "spec/vectors differs from what the recipes make; run `cargo run -p scanx-conformance --bin make-vectors` and review the change:\n{}",
        listed.join("\n")
    ))
}

#[test]
fn every_vector_on_disk_meets_its_expectation() -> Result<(), String> {
    let disk = tree::read_dir(&tree::default_dir())?;
    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    let (mut valid, mut invalid) = (0, 0);
    for (path, bytes) in &disk {
        let Some(stem) = path.strip_suffix(".scx") else {
            continue;
        };
        seen.insert(format!("{stem}.json"));
        let Some((folder, name)) = stem.split_once('/') else {
            failures.push(format!("{path}: not in valid/ or invalid/"));
            continue;
        };
        let Some(json) = disk.get(&format!("{stem}.json")) else {
            failures.push(format!("{path}: no expectation file {stem}.json"));
            continue;
        };
        let expectation = match Expectation::parse(json) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{stem}.json: {e}"));
                continue;
            }
        };
        let (declared_folder, declared_name) = match &expectation {
            Expectation::Valid(e) => ("valid", e.name.as_str()),
            Expectation::Invalid(e) => ("invalid", e.name.as_str()),
        };
        if folder != declared_folder || name != declared_name {
            failures.push(format!(
                "{path}: its expectation says {declared_folder}/{declared_name}"
            ));
        }
        match expectation {
            Expectation::Valid(_) => valid += 1,
            Expectation::Invalid(_) => invalid += 1,
        }
        if let Err(e) = judge(bytes, &expectation) {
            failures.push(format!("{path}: {e}"));
        }
    }
    for path in disk.keys() {
        let in_folder = path.starts_with("valid/") || path.starts_with("invalid/");
        if in_folder && path.ends_with(".json") && !seen.contains(path) {
            failures.push(format!("{path}: an expectation without its .scx file"));
        }
    }
    if valid < 14 || invalid < 30 {
        failures.push(format!(
            "{valid} valid and {invalid} invalid vectors; the suite needs at least 14 and 30"
        ));
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} problems:\n{}",
            failures.len(),
            failures.join("\n")
        ))
    }
}

#[test]
fn make_vectors_check_reports_every_difference() -> Result<(), String> {
    let made = tree::generate()?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    assert_eq!(tree::write(&made, dir.path())?, Vec::<String>::new());
    let check = || {
        Command::new(env!("CARGO_BIN_EXE_make-vectors"))
            .args(["--check", "--dir"])
            .arg(dir.path())
            .output()
            .map_err(|e| e.to_string())
    };
    let clean = check()?;
    assert!(clean.status.success(), "{clean:?}");

    // One file changed, one removed, one added.
    let changed = dir.path().join("valid/sample-u8.scx");
    let mut bytes = std::fs::read(&changed).map_err(|e| e.to_string())?;
    if let Some(last) = bytes.last_mut() {
        *last ^= 1;
    }
    std::fs::write(&changed, bytes).map_err(|e| e.to_string())?;
    std::fs::remove_file(dir.path().join("invalid/bad-magic.json")).map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join("invalid/stray.scx"), b"").map_err(|e| e.to_string())?;

    let dirty = check()?;
    assert_eq!(dirty.status.code(), Some(1), "{dirty:?}");
    let report = String::from_utf8_lossy(&dirty.stderr);
    for line in [
        "changed: valid/sample-u8.scx",
        "missing: invalid/bad-magic.json",
        "extra:   invalid/stray.scx",
    ] {
        assert!(report.contains(line), "{line:?} not in {report}");
    }

    // Writing again restores the folder exactly, the stray vector removed; a file that is
    // not a vector is left alone and reported.
    let unrelated = dir.path().join("notes.txt");
    std::fs::write(&unrelated, b"keep me").map_err(|e| e.to_string())?;
    assert_eq!(
        tree::write(&made, dir.path())?,
        vec!["notes.txt".to_owned()]
    );
    assert!(unrelated.exists());
    std::fs::remove_file(&unrelated).map_err(|e| e.to_string())?;
    assert_eq!(tree::compare(&made, dir.path())?, Vec::new());
    Ok(())
}
