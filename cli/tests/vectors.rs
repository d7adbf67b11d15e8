//! Every conformance vector through the CLI, driven by the directory and the expectations
//! beside each file: `scanx verify` exits with the code of the expected status, and
//! `scanx validate --json` reports the expected error code for every invalid vector.

mod common;

use std::path::PathBuf;

use common::{p, repo, scanx};

fn vectors(kind: &str) -> Vec<(PathBuf, serde_json::Value)> {
    let dir = repo().join("spec/vectors").join(kind);
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("vector folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "scx") {
            let expectation = path.with_extension("json");
            let text = std::fs::read_to_string(&expectation).expect("expectation beside vector");
            out.push((
                path,
                serde_json::from_str(&text).expect("expectation is JSON"),
            ));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!out.is_empty(), "no vectors in {}", dir.display());
    out
}

fn exit_of(status: &str) -> i32 {
    match status {
        "TRUSTED" => 0,
        "INVALID" => 3,
        "VALID_UNTRUSTED" => 4,
        "UNSIGNED" => 5,
        other => panic!("unknown status {other}"),
    }
}

fn check_verify(kind: &str) {
    let trust = p(&repo().join("spec/vectors/truststore.json"));
    let mut failures = Vec::new();
    for (path, expect) in vectors(kind) {
        let status = expect["verify"]["status"].as_str().expect("verify.status");
        let run = scanx(["verify", &p(&path), "--trust", &trust, "--json"]);
        let report: serde_json::Value = serde_json::from_str(run.stdout.trim())
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", path.display(), run.stdout));
        if run.code != exit_of(status) || report["status"] != status {
            failures.push(format!(
                "{}: expected {status} (exit {}), got {} (exit {})",
                path.display(),
                exit_of(status),
                report["status"],
                run.code
            ));
        }
        let mut reasons: Vec<String> = report["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .map(|pr| pr["reason"].as_str().unwrap_or_default().to_owned())
            .collect();
        reasons.sort();
        reasons.dedup();
        let expected: Vec<String> = expect["verify"]["reasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .map(|r| r.as_str().unwrap_or_default().to_owned())
            .collect();
        if reasons != expected {
            failures.push(format!(
                "{}: reasons {reasons:?}, expected {expected:?}",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn verify_valid_vectors_exit_with_their_expected_status() {
    check_verify("valid");
}

#[test]
fn verify_invalid_vectors_exit_with_their_expected_status() {
    check_verify("invalid");
}

/// `validate` checks integrity by default: a valid vector is reported valid exactly when
/// verification (without a trust store) does not find it INVALID (a tampered file breaks no format rule, but
/// fails with DIGEST_MISMATCH or BAD_SIGNATURE); with --no-digest-check every valid
/// vector is valid.
#[test]
fn validate_accepts_every_valid_vector_in_one_run() {
    let vectors = vectors("valid");
    let files: Vec<String> = vectors.iter().map(|(f, _)| p(f)).collect();
    // What verification without a trust store says of each (a revoked key, say, is
    // INVALID only against a trust store that revokes it).
    let untrusted_status: Vec<String> = files
        .iter()
        .map(|f| {
            let run = scanx(["verify", "--json", f.as_str()]);
            let report: serde_json::Value =
                serde_json::from_str(run.stdout.trim()).expect("a JSON report");
            report["status"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    assert!(
        untrusted_status.iter().any(|s| s == "INVALID"),
        "no valid vector fails verification"
    );
    for no_check in [false, true] {
        let mut args = vec!["validate".to_owned(), "--json".to_owned()];
        if no_check {
            args.push("--no-digest-check".to_owned());
        }
        args.extend(files.iter().cloned());
        let run = scanx(args).expect(if no_check { 0 } else { 6 });
        let lines: Vec<serde_json::Value> = run
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect();
        assert_eq!(lines.len(), files.len());
        for ((line, (file, _)), status) in lines.iter().zip(&vectors).zip(&untrusted_status) {
            assert_eq!(line["file"], p(file).as_str());
            let valid = no_check || status != "INVALID";
            assert_eq!(line["valid"], valid, "--no-digest-check {no_check}: {line}");
            if !valid {
                let code = line["code"].as_u64().expect("code");
                assert!(
                    code == 700 || code == 701 || code == 706,
                    "an integrity code: {line}"
                );
            }
        }
    }
}

fn named_vector(name: &str) -> String {
    p(&repo().join("spec/vectors/valid").join(name))
}

#[test]
fn export_of_a_tampered_tile_fails_with_700_unless_the_check_is_off() {
    let input = named_vector("tampered-byte-flip-in-tile.scx");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = p(&dir.path().join("plane.npy"));
    let run = scanx(["export", &input, "-o", &out, "--format", "npy"]).expect(3);
    assert!(
        run.stderr.contains("code: 700 (DIGEST_MISMATCH)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--no-digest-check"), "{}", run.stderr);
    assert!(!dir.path().join("plane.npy").exists());
    scanx([
        "export",
        &input,
        "-o",
        &out,
        "--format",
        "npy",
        "--no-digest-check",
    ])
    .expect(0);
    assert!(std::fs::read(&out)
        .expect("written")
        .starts_with(b"\x93NUMPY"));
    // Metadata alone is read from chunks that are intact: it exports either way.
    let meta = p(&dir.path().join("meta.json"));
    scanx(["export", &input, "-o", &meta, "--format", "metadata"]).expect(0);
}

#[test]
fn edits_refuse_a_tampered_file_unless_allow_invalid() {
    let input = named_vector("tampered-byte-flip-in-tile.scx");
    let dir = tempfile::tempdir().expect("tempdir");
    let prefix = dir.path().join("k");
    scanx(["keygen", &p(&prefix)]).expect(0);
    let key = p(&dir.path().join("k.private.pem"));
    let annotation = serde_json::json!({
        "id": "6f1d2c3b-8a9e-4f70-b1c2-d3e4f5a6b7c8", "plane": 0,
        "geometry": {"type": "box", "x": 1, "y": 1, "width": 2, "height": 2},
        "category": "narcotics", "source": "operator", "created": "2026-03-01T09:00:00Z"
    });
    let annotations = dir.path().join("a.json");
    std::fs::write(&annotations, annotation.to_string()).expect("write");
    let annotations = p(&annotations);
    let edits: [(&str, Vec<&str>); 4] = [
        ("sign", vec![]),
        ("redact", vec!["--personal-data", "--reason", "test"]),
        ("annotate", vec!["--annotations", &annotations]),
        ("transfer", vec!["--to", "BR:Receita Federal do Brasil"]),
    ];
    for (command, extra) in edits {
        let out = p(&dir.path().join(format!("{command}.scx")));
        let mut args = vec![command, &input, "-o", &out, "--key", &key];
        args.extend(extra.iter().copied());
        let run = scanx(&args).expect(3);
        assert!(
            run.stderr.contains("code: 700 (DIGEST_MISMATCH)")
                && run.stderr.contains("--allow-invalid"),
            "{command}: {}",
            run.stderr
        );
        assert!(!dir.path().join(format!("{command}.scx")).exists());
        args.push("--allow-invalid");
        scanx(&args).expect(0);
        // The new generation does not make the altered tile verify.
        scanx(["verify", &out]).expect(3);
    }
}

/// With --no-digest-check, `validate` is the format reader the expectations are written
/// for: exactly the expected code. By default the integrity check runs too, and may meet
/// a manifest problem as DIGEST_MISMATCH before the format rule that names it: still not
/// valid, with the expected code or an integrity code.
#[test]
fn validate_rejects_every_invalid_vector_with_its_code() {
    let mut failures = Vec::new();
    for (path, expect) in vectors("invalid") {
        for no_check in [true, false] {
            let mut args = vec!["validate", "--json"];
            if no_check {
                args.push("--no-digest-check");
            }
            let file = p(&path);
            args.push(&file);
            let run = scanx(&args);
            let line: serde_json::Value = serde_json::from_str(run.stdout.trim())
                .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", path.display(), run.stdout));
            let exact = line["code"] == expect["code"] && line["error"] == expect["error"];
            let integrity = [700, 701, 706].iter().any(|c| line["code"] == *c);
            let ok = run.code == 6 && line["valid"] == false && (exact || (!no_check && integrity));
            if !ok {
                failures.push(format!(
                    "{} (--no-digest-check {no_check}): exit {}, {} {}; expected exit 6, {} {}",
                    path.display(),
                    run.code,
                    line["error"],
                    line["code"],
                    expect["error"],
                    expect["code"]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
