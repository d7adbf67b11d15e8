//! Reading with the integrity check on (`ReadOptions::with_digest_check`): every valid
//! vector that verifies reads; every altered one is refused; and no single-bit change
//! anywhere in a signed file yields altered pixels or metadata without an error.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use scanx::{read_bytes, ErrorKind, ReadOptions, Reader, Scan};

fn vectors(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../spec/vectors")
        .join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("vector folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "scx"))
        .collect();
    out.sort();
    out
}

/// The verification status and reasons the vector's expectation records.
fn expected_verify(scx: &Path) -> (String, Vec<String>) {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(scx.with_extension("json")).expect("expectation"))
            .expect("JSON");
    let verify = &json["verify"];
    let status = verify["status"].as_str().expect("status").to_owned();
    let reasons = verify["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r.as_str().expect("reason").to_owned())
        .collect();
    (status, reasons)
}

fn checked() -> ReadOptions {
    ReadOptions::default().with_digest_check(true)
}

/// Everything a random-access reader gives, read with the check on.
fn read_all_random_access(bytes: &[u8]) -> scanx::Result<Vec<Vec<u8>>> {
    let reader = Reader::from_source(scanx::BytesSource(bytes), checked())?;
    let mut out = vec![reader.metadata_json().to_vec()];
    for p in 0..reader.planes().len() as u16 {
        out.push(reader.read_plane(p)?.into_bytes());
    }
    out.push(format!("{:?}{:?}", reader.annotations()?, reader.events()?).into_bytes());
    Ok(out)
}

fn content(scan: &Scan) -> Vec<Vec<u8>> {
    let mut out = vec![scan.metadata_json.clone()];
    out.extend(scan.planes.iter().map(|p| p.pixels.as_bytes().to_vec()));
    out.push(format!("{:?}{:?}", scan.annotations, scan.events).into_bytes());
    out
}

#[test]
fn the_forward_check_refuses_exactly_what_verification_calls_invalid() {
    for path in vectors("valid") {
        let bytes = std::fs::read(&path).expect("vector");
        // The check makes no trust decision: compare with verification without a store.
        let status = scanx::verify_bytes(&bytes, None, &ReadOptions::default())
            .expect("memory is always read to the end")
            .status;
        let result = read_bytes(&bytes, &checked());
        assert_eq!(
            result.is_err(),
            status == scanx::Status::Invalid,
            "{}: verifies as {status} without a trust store, checked read gave {:?}",
            path.display(),
            result.as_ref().err()
        );
        if let Err(e) = result {
            assert!(
                matches!(
                    e.kind(),
                    ErrorKind::DigestMismatch | ErrorKind::BadSignature
                ),
                "{}: {e}",
                path.display()
            );
        }
    }
}

#[test]
fn the_random_access_check_refuses_altered_and_inserted_chunks() {
    for path in vectors("valid") {
        let bytes = std::fs::read(&path).expect("vector");
        let (status, reasons) = expected_verify(&path);
        let trust_only = reasons.iter().all(|r| {
            matches!(
                r.as_str(),
                "REVOKED_KEY"
                    | "KEY_EXPIRED"
                    | "KEY_NOT_YET_VALID"
                    | "ROLE_NOT_ALLOWED"
                    | "UNKNOWN_KEY"
                    | "TRUST_KEY_MISMATCH"
            )
        });
        let result = read_all_random_access(&bytes);
        let altered = reasons.iter().any(|r| {
            matches!(
                r.as_str(),
                "DIGEST_MISMATCH" | "UNLISTED_CHUNK" | "MANIFEST_CHAIN_BROKEN"
            )
        });
        if status != "INVALID" || trust_only {
            assert!(result.is_ok(), "{}: {:?}", path.display(), result.err());
        } else if altered {
            let kind = result.as_ref().err().map(|e| e.kind());
            assert!(
                matches!(
                    kind,
                    Some(ErrorKind::DigestMismatch | ErrorKind::IndexMismatch)
                ),
                "{} ({reasons:?}) read with the check gave {kind:?}",
                path.display()
            );
        }
    }
}

#[test]
fn no_single_bit_flip_alters_what_a_checked_read_returns() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../spec/vectors/valid/redacted-cab-tiles-signed.scx");
    let original = std::fs::read(path).expect("vector");
    let want_forward = content(&read_bytes(&original, &checked()).expect("reads"));
    let want_random = read_all_random_access(&original).expect("reads");
    let failures: Vec<String> = (0..original.len())
        .into_par_iter()
        .flat_map_iter(|offset| {
            let mut problems = Vec::new();
            for mask in [0x01u8, 0x80] {
                let mut bytes = original.clone();
                bytes[offset] ^= mask;
                if let Ok(scan) = read_bytes(&bytes, &checked()) {
                    if content(&scan) != want_forward {
                        problems.push(format!("forward read, byte {offset} ^ {mask:#04x}"));
                    }
                }
                if let Ok(got) = read_all_random_access(&bytes) {
                    if got != want_random {
                        problems.push(format!("random access, byte {offset} ^ {mask:#04x}"));
                    }
                }
            }
            problems
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} changes gave altered content without an error, first: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
}

#[test]
fn invalid_vectors_give_the_same_error_with_the_check_on() {
    for path in vectors("invalid") {
        let bytes = std::fs::read(&path).expect("vector");
        let plain = read_bytes(&bytes, &ReadOptions::default()).expect_err("invalid");
        let checked = read_bytes(&bytes, &checked()).expect_err("invalid");
        assert_eq!(
            checked.kind(),
            plain.kind(),
            "{}: {checked}",
            path.display()
        );
    }
}

#[test]
fn the_check_is_off_by_default_and_an_altered_tile_then_reads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../spec/vectors/valid/tampered-byte-flip-in-tile.scx");
    let bytes = std::fs::read(path).expect("vector");
    assert!(read_bytes(&bytes, &ReadOptions::default()).is_ok());
    let e = read_bytes(&bytes, &checked()).expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::DigestMismatch);
    assert_eq!(e.chunk(), Some(*b"TILE"), "{e}");
    let reader = Reader::from_source(scanx::BytesSource(&bytes[..]), checked()).expect("open");
    let planes = reader.planes().len() as u16;
    let errors: Vec<_> = (0..planes)
        .filter_map(|p| reader.read_plane(p).err())
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.kind() == ErrorKind::DigestMismatch && e.chunk() == Some(*b"TILE")),
        "{errors:?}"
    );
}
