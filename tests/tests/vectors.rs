//! Runs the conformance vectors: the files in `spec/vectors/` must be exactly what the
//! recipes make, and every file there must meet its expectation through both readers and
//! the verifier, against the trust store beside them.
//!
//! The second test is driven by the files on disk, not by the registry, so a vector added
//! by hand (or by another implementation's generator) is run too.

use std::collections::BTreeSet;
use std::process::Command;

use scanx::crypto::{PublicKey, SigningKey, TrustStore};
use scanx_conformance::expectation::{judge, Expectation};
use scanx_conformance::keys::TestKey;
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
    let trust = disk
        .get("truststore.json")
        .ok_or("no truststore.json in spec/vectors")
        .and_then(|json| {
            TrustStore::from_json(json).map_err(|_| "truststore.json is not a trust store")
        })
        .map_err(str::to_owned)?;
    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    let (mut valid, mut invalid, mut tampered_detected) = (0, 0, 0);
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
        let verify = match &expectation {
            Expectation::Valid(e) => {
                valid += 1;
                &e.verify
            }
            Expectation::Invalid(e) => {
                invalid += 1;
                &e.verify
            }
        };
        if name.starts_with("tampered-")
            && verify.status != "TRUSTED"
            && verify.status != "UNSIGNED"
        {
            tampered_detected += 1;
        }
        if let Err(e) = judge(bytes, &expectation, &trust) {
            failures.push(format!("{path}: {e}"));
        }
    }
    for path in disk.keys() {
        let in_folder = path.starts_with("valid/") || path.starts_with("invalid/");
        if in_folder && path.ends_with(".json") && !seen.contains(path) {
            failures.push(format!("{path}: an expectation without its .scx file"));
        }
    }
    if valid < 14 || invalid < 30 || tampered_detected < 15 {
        failures.push(format!(
            "{valid} valid, {invalid} invalid and {tampered_detected} tampered vectors; the suite needs at least 14, 30 and 15"
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

#[test]
fn the_trust_store_and_the_test_keys_on_disk_agree() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tree::default_dir();
    let disk = tree::read_dir(&dir)?;
    let file = |path: &str| disk.get(path).ok_or_else(|| format!("no {path}"));
    let text = |path: &str| -> Result<String, String> {
        String::from_utf8(file(path)?.clone()).map_err(|_| format!("{path} is not UTF-8"))
    };

    let schema_path = dir
        .parent()
        .ok_or("spec/vectors has no parent")?
        .join("truststore.schema.json");
    let schema: serde_json::Value = serde_json::from_slice(&std::fs::read(schema_path)?)?;
    let validator = jsonschema::draft202012::new(&schema).map_err(|e| e.to_string())?;
    let instance: serde_json::Value = serde_json::from_slice(file("truststore.json")?)?;
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "truststore.json breaks the schema: {errors:#?}"
    );
    let store = TrustStore::from_json(file("truststore.json")?)?;

    for key in TestKey::ALL {
        let name = key.name();
        let private = SigningKey::from_pkcs8_pem(&text(&format!("keys/{name}.private.pem"))?)?;
        let public = PublicKey::from_pem(&text(&format!("keys/{name}.public.pem"))?)?;
        assert_eq!(private.public_key(), public, "the two halves of {name}");
        assert_eq!(public, key.public_key(), "{name} is the key of its seed");
        match store.lookup(&public.key_id()) {
            Some(entry) => {
                assert_ne!(key, TestKey::Unknown, "the unknown key is in the store");
                let comment = entry.comment.as_deref().unwrap_or_default();
                assert!(
                    comment.contains("NEVER TRUST IN PRODUCTION"),
                    "{name}: {comment}"
                );
            }
            None => assert_eq!(key, TestKey::Unknown, "{name} is not in the store"),
        }
    }
    assert_eq!(store.keys.len(), TestKey::ALL.len() - 1);
    assert!(text("keys/README.md")?.contains("THESE ARE TEST KEYS"));
    Ok(())
}
