//! Sweeps over every valid vector on disk: every truncation is rejected by both readers,
//! with the same error whether the forward reader knows the file's length or not; and no
//! single-byte change in the binary structure makes either reader panic.

use std::panic::{catch_unwind, AssertUnwindSafe};

use scanx::{read_bytes, read_stream, ReadOptions};
use scanx_conformance::expectation::random_access_read;
use scanx_conformance::surgery::Surgery;
use scanx_conformance::tree;

/// The valid vectors on disk, by path, but the tampered ones: each has the structure of
/// the signed file it was cut from, which is swept, and the sweep grows with the square of
/// a file's length.
fn valid_vectors() -> Result<Vec<(String, Vec<u8>)>, String> {
    let disk = tree::read_dir(&tree::default_dir())?;
    let vectors: Vec<(String, Vec<u8>)> = disk
        .into_iter()
        .filter(|(path, _)| {
            path.starts_with("valid/")
                && !path.starts_with("valid/tampered-")
                && path.ends_with(".scx")
        })
        .collect();
    if vectors.is_empty() {
        return Err("no valid vectors on disk".to_owned());
    }
    Ok(vectors)
}

/// Runs `f`, turning a panic into an error message.
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| format!("{what}: panic"))
}

#[test]
fn every_truncation_of_every_valid_vector_is_an_error() -> Result<(), String> {
    let options = ReadOptions::default();
    let mut failures = Vec::new();
    for (path, bytes) in valid_vectors()? {
        for cut in 0..bytes.len() {
            let prefix = &bytes[..cut];
            let at = format!("{path} cut to {cut} bytes");
            let known = no_panic(&at, || read_bytes(prefix, &options))?;
            let unknown = no_panic(&at, || read_stream(prefix, None, &options))?;
            match (known, unknown) {
                (Err(k), Err(u)) if k.kind() == u.kind() => {}
                (Err(k), Err(u)) => failures.push(format!(
                    "{at}: {k} when the length is known, {u} when it is not"
                )),
                _ => failures.push(format!("{at}: the forward reader accepts it")),
            }
            if no_panic(&at, || random_access_read(prefix))?.is_ok() {
                failures.push(format!("{at}: the random-access reader accepts it"));
            }
        }
    }
    report(failures)
}

#[test]
fn no_single_byte_change_makes_a_reader_panic() -> Result<(), String> {
    let options = ReadOptions::default();
    for (path, bytes) in valid_vectors()? {
        let mut changed = bytes.clone();
        for at in structural_positions(&bytes)? {
            changed[at] = bytes[at] ^ 0xff;
            let what = format!("{path} with byte {at} inverted");
            let _ = no_panic(&what, || read_bytes(&changed, &options))?;
            let _ = no_panic(&what, || random_access_read(&changed))?;
            changed[at] = bytes[at];
        }
    }
    Ok(())
}

/// The positions where the binary structure is: the file header, every chunk header, and
/// the first 64 and last 8 bytes of every payload (where the fixed fields of HEAD, PLAN,
/// TILE, MANI, INDX and TAIL are). The middles of JSON and pixel payloads are left to the
/// vectors and the fuzzers, to keep the sweep quick.
fn structural_positions(bytes: &[u8]) -> Result<Vec<usize>, String> {
    let s = Surgery::parse(bytes).map_err(|e| e.to_string())?;
    let mut out: Vec<usize> = (0..12).collect();
    for (i, chunk) in s.chunks.iter().enumerate() {
        let start = usize::try_from(s.offset_of(i)).map_err(|e| e.to_string())?;
        let payload = start + 12;
        let end = payload + chunk.payload.len();
        out.extend(start..payload);
        out.extend(payload..(payload + 64).min(end));
        out.extend(end.saturating_sub(8).max(payload)..end);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Fails with the first few failures and how many there are in all.
fn report(failures: Vec<String>) -> Result<(), String> {
    const SHOWN: usize = 20;
    if failures.is_empty() {
        return Ok(());
    }
    let mut message = failures[..failures.len().min(SHOWN)].join("\n");
    if failures.len() > SHOWN {
        message.push_str(&format!("\n... {} failures in all", failures.len()));
    }
    Err(message)
}
