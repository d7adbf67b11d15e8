//! Every single-byte change of every signed valid test vector is caught.
//!
//! For each vector under `spec/vectors/valid/` that verifies as TRUSTED (its `verify.status`
//! in `spec/vectors/index.json`), every byte at every offset is changed, one at a time, by
//! XOR with 0x01, 0x80 and 0xFF. Each changed file must either fail to read
//! ([`scanx::read_bytes`] returns an error) or verify as INVALID against
//! `spec/vectors/truststore.json`. Nothing else is acceptable: a change that reads and
//! verifies as TRUSTED, VALID_UNTRUSTED or UNSIGNED is a change the format lets through.
//!
//! Every offset is swept: the signed vectors are a few KiB each. A vector larger than
//! [`FULL_SWEEP_MAX_LEN`] fails the test instead of being sampled, so coverage never
//! silently drops. The (file, mask) sweeps run in parallel on the rayon pool.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use scanx::crypto::TrustStore;
use scanx::{read_bytes, verify_bytes, ReadOptions, Status};

/// The masks every byte is XORed with: the lowest bit, the highest bit, every bit.
const MASKS: [u8; 3] = [0x01, 0x80, 0xFF];

/// Largest vector swept; larger signed vectors would need a stride this test refuses to
/// take silently.
const FULL_SWEEP_MAX_LEN: usize = 256 << 10;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/vectors")
}

/// The signed valid vectors: (name, bytes) of every `expect: valid` entry of the index
/// whose `verify.status` is TRUSTED.
fn signed_valid_vectors() -> Vec<(String, Vec<u8>)> {
    let dir = vectors_dir();
    let index: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("index.json")).expect("spec/vectors/index.json"),
    )
    .expect("index.json is JSON");
    let entries = index["vectors"]
        .as_array()
        .expect("index.json lists vectors");
    let mut found = Vec::new();
    for entry in entries {
        if entry["expect"] != "valid" || entry["verify"]["status"] != "TRUSTED" {
            continue;
        }
        let name = entry["name"].as_str().expect("a vector name").to_owned();
        let file = entry["file"].as_str().expect("a vector file");
        let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        found.push((name, bytes));
    }
    found
}

fn trust_store() -> TrustStore {
    let json = std::fs::read(vectors_dir().join("truststore.json")).expect("truststore.json");
    TrustStore::from_json(&json).expect("truststore.json is a trust store")
}

/// What a changed file gives, or `None` when it is caught (it does not read, or it
/// verifies as INVALID).
fn escapes(bytes: &[u8], trust: &TrustStore) -> Option<Status> {
    let report = verify_bytes(bytes, Some(trust), &ReadOptions::default())
        .expect("memory is always read to the end");
    if report.status == Status::Invalid {
        return None;
    }
    if read_bytes(bytes, &ReadOptions::default()).is_err() {
        return None;
    }
    Some(report.status)
}

/// One (vector, mask) sweep: the vector's name, the mask, the file's length, and the
/// offsets that escaped with what they gave.
type SweepResult<'a> = (&'a str, u8, usize, Vec<(usize, Status)>);

/// Sweeps every offset of `file` with `mask`; returns the offsets that escape, with what
/// they gave.
fn sweep(file: &[u8], mask: u8, trust: &TrustStore) -> Vec<(usize, Status)> {
    let mut bytes = file.to_vec();
    let mut escaped = Vec::new();
    for at in 0..bytes.len() {
        bytes[at] ^= mask;
        if let Some(status) = escapes(&bytes, trust) {
            escaped.push((at, status));
        }
        bytes[at] ^= mask;
    }
    escaped
}

#[test]
fn the_signed_vectors_verify_as_trusted_before_any_change() {
    let trust = trust_store();
    let vectors = signed_valid_vectors();
    assert!(
        vectors.len() >= 5,
        "only {} signed valid vectors found in index.json",
        vectors.len()
    );
    for (name, bytes) in &vectors {
        let report = verify_bytes(bytes, Some(&trust), &ReadOptions::default())
            .expect("memory is always read to the end");
        assert_eq!(
            report.status,
            Status::Trusted,
            "{name}: {}",
            report.to_json()
        );
        assert!(read_bytes(bytes, &ReadOptions::default()).is_ok(), "{name}");
    }
}

#[test]
fn the_sweep_reports_a_change_that_escapes() {
    // XOR with zero changes nothing: every offset of a TRUSTED file must be reported, so
    // the sweep cannot pass by not looking.
    let trust = trust_store();
    let vectors = signed_valid_vectors();
    let (name, bytes) = vectors.first().expect("a signed valid vector");
    let escaped = sweep(&bytes[..bytes.len().min(64)], 0x00, &trust);
    assert!(escaped.is_empty(), "{name}: a 64-byte prefix is not a file");
    let escaped = sweep(bytes, 0x00, &trust);
    assert_eq!(escaped.len(), bytes.len(), "{name}");
    assert!(escaped.iter().all(|(_, s)| *s == Status::Trusted), "{name}");
}

#[test]
fn every_single_byte_change_of_a_signed_vector_fails_to_read_or_verifies_invalid() {
    let trust = trust_store();
    let vectors = signed_valid_vectors();
    assert!(!vectors.is_empty(), "no signed valid vectors in index.json");
    for (name, bytes) in &vectors {
        assert!(
            bytes.len() <= FULL_SWEEP_MAX_LEN,
            "{name} is {} bytes, above the {FULL_SWEEP_MAX_LEN} this sweep covers in full",
            bytes.len()
        );
    }
    let start = Instant::now();
    let jobs: Vec<(&str, &[u8], u8)> = vectors
        .iter()
        .flat_map(|(name, bytes)| MASKS.map(|mask| (name.as_str(), bytes.as_slice(), mask)))
        .collect();
    let results: Vec<SweepResult> = jobs
        .par_iter()
        .map(|&(name, bytes, mask)| (name, mask, bytes.len(), sweep(bytes, mask, &trust)))
        .collect();

    let mut failures = Vec::new();
    let mut probes = 0;
    for (name, mask, len, escaped) in &results {
        probes += len;
        if escaped.is_empty() {
            continue;
        }
        let listed: Vec<String> = escaped
            .iter()
            .map(|(at, status)| format!("{at} ({status})"))
            .collect();
        failures.push(format!(
            "{name} (xor {mask:#04x}): {} of {len} offsets read and verify as other than INVALID: {}",
            escaped.len(),
            listed.join(", ")
        ));
    }
    eprintln!(
        "{probes} changed files from {} signed vectors swept in {:?}",
        vectors.len(),
        start.elapsed()
    );
    assert!(
        failures.is_empty(),
        "single-byte changes that escape:\n{}",
        failures.join("\n")
    );
}
