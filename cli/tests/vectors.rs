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

#[test]
fn validate_accepts_every_valid_vector_in_one_run() {
    let files: Vec<String> = vectors("valid").iter().map(|(f, _)| p(f)).collect();
    let mut args = vec!["validate".to_owned(), "--json".to_owned()];
    args.extend(files.iter().cloned());
    let run = scanx(args).expect(0);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), files.len());
    for (line, file) in lines.iter().zip(&files) {
        assert_eq!(line["file"], file.as_str());
        assert_eq!(line["valid"], true, "{line}");
    }
}

#[test]
fn validate_rejects_every_invalid_vector_with_its_code() {
    let mut failures = Vec::new();
    for (path, expect) in vectors("invalid") {
        let run = scanx(["validate", "--json", &p(&path)]);
        let line: serde_json::Value = serde_json::from_str(run.stdout.trim())
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {}", path.display(), run.stdout));
        let ok = run.code == 6
            && line["valid"] == false
            && line["code"] == expect["code"]
            && line["error"] == expect["error"];
        if !ok {
            failures.push(format!(
                "{}: exit {}, {} {}; expected exit 6, {} {}",
                path.display(),
                run.code,
                line["error"],
                line["code"],
                expect["error"],
                expect["code"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
