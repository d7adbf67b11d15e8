//! Hostile input: every saved fuzzing crash replayed, and sweeps of truncations, byte
//! flips and inserted bytes over valid files through both readers. Nothing may panic,
//! hang or allocate without bound.
//!
//! The fuzz harnesses and the sample files are included from `fuzz/src/`, so a saved
//! input replays here exactly as the fuzzer ran it.

#[path = "../../fuzz/src/harness.rs"]
mod harness;
#[path = "../../fuzz/src/seeds.rs"]
mod seeds;
mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use scanx::{read_bytes, ReadOptions, Reader};
use support::counting_alloc::{self, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Longest any single probe may take: only a hang detector, far above the few
/// milliseconds a probe of a small file takes even in a debug build.
const TIME_BOUND: Duration = Duration::from_secs(2);

/// Longest a saved regression input may take to replay (it may be a former hang).
const REPLAY_TIME_BOUND: Duration = Duration::from_secs(10);

/// Most heap this whole test binary may ever hold at once. Every test here runs on files
/// of a few KiB; a probe that makes the library allocate what a hostile header declares
/// (hundreds of MiB, or more) crosses it.
const MEMORY_BOUND: usize = 256 << 20;

/// Files larger than this are swept at a stride rather than at every offset.
const FULL_SWEEP_MAX_LEN: usize = 64 << 10;

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative)
}

fn check_memory(context: &str) {
    let peak = counting_alloc::peak();
    assert!(
        peak < MEMORY_BOUND,
        "{context}: the heap peaked at {peak} bytes, above the bound of {MEMORY_BOUND}"
    );
}

#[test]
fn every_saved_regression_replays_without_panic() {
    let root = repo_path("fuzz/regressions");
    let mut replayed = 0;
    let mut failures = Vec::new();
    for kind in ["panic", "oom", "timeout"] {
        let Ok(entries) = std::fs::read_dir(root.join(kind)) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for path in files.into_iter().filter(|p| p.is_file()) {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with('.') {
                continue;
            }
            let target = name.split('-').next().unwrap_or_default();
            let Some(run) = harness::target(target) else {
                failures.push(format!(
                    "{kind}/{name}: no fuzz target named {target:?} (name files <target>-<short-name>)"
                ));
                continue;
            };
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let start = Instant::now();
            let outcome = catch_unwind(AssertUnwindSafe(|| run(&bytes)));
            let elapsed = start.elapsed();
            if outcome.is_err() {
                failures.push(format!("{kind}/{name}: panicked"));
            } else if elapsed > REPLAY_TIME_BOUND {
                failures.push(format!("{kind}/{name}: took {elapsed:?}"));
            }
            check_memory(&format!("{kind}/{name}"));
            replayed += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {replayed} regressions fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_seed_runs_through_its_target() {
    let files: Vec<(String, Vec<u8>)> = sample_files();
    let seeds = seeds::target_seeds(&files).expect("seeds");
    assert!(seeds.len() > 100);
    for (target, name, bytes) in seeds {
        let run = harness::target(target).expect("a seed for a known target");
        let outcome = catch_unwind(AssertUnwindSafe(|| run(&bytes)));
        assert!(outcome.is_ok(), "seed {target}/{name} panics");
    }
    check_memory("seeds");
}

/// The valid files to sweep: the published valid test vectors when they are there,
/// otherwise files the library writes.
fn valid_files() -> Vec<(String, Vec<u8>)> {
    let vectors = seeds::vector_files(&repo_path("spec/vectors/valid"));
    if vectors.is_empty() {
        sample_files()
    } else {
        vectors
    }
}

fn sample_files() -> Vec<(String, Vec<u8>)> {
    seeds::sample_files()
        .expect("the library writes its sample files")
        .into_iter()
        .map(|(name, bytes)| (name.to_owned(), bytes))
        .collect()
}

/// Reads `bytes` through the forward reader and the random-access reader (metadata,
/// every plane, annotations, events, manifests, signatures). Returns whether the forward
/// reader accepted the file and how long the two took.
fn probe(bytes: &[u8]) -> (bool, Duration) {
    let start = Instant::now();
    let accepted = read_bytes(bytes, &ReadOptions::default()).is_ok();
    if let Ok(reader) = Reader::from_bytes(bytes) {
        let _ = reader.metadata();
        for plane in 0..reader.planes().len() {
            let _ = reader.read_plane(plane as u16);
        }
        let _ = reader.annotations();
        let _ = reader.events();
        let _ = reader.manifests();
        let _ = reader.signatures();
        let _ = reader.redacted_tiles();
    }
    (accepted, start.elapsed())
}

/// What a sweep found.
#[derive(Default)]
struct Sweep {
    probes: usize,
    accepted: usize,
    slowest: Duration,
}

/// Runs `probe` on every mutation `mutate(i)` for `i` in `positions`, failing with the
/// mutation's description on a panic, a hang or an unbounded allocation. The positions are
/// probed in parallel on the rayon pool; the memory bound is checked on the whole
/// process's heap, so it holds for all the probes running at once.
fn sweep(
    what: &str,
    name: &str,
    positions: impl Iterator<Item = usize>,
    mutate: impl Fn(usize) -> Vec<(String, Vec<u8>)> + Sync,
) -> Sweep {
    let positions: Vec<usize> = positions.collect();
    positions
        .into_par_iter()
        .map(|i| {
            let mut found = Sweep::default();
            for (label, bytes) in mutate(i) {
                let outcome = catch_unwind(AssertUnwindSafe(|| probe(&bytes)));
                let Ok((accepted, elapsed)) = outcome else {
                    panic!("{name}: {what} {label} panics");
                };
                assert!(
                    elapsed < TIME_BOUND,
                    "{name}: {what} {label} took {elapsed:?}"
                );
                check_memory(&format!("{name}: {what} {label}"));
                found.probes += 1;
                found.accepted += usize::from(accepted);
                found.slowest = found.slowest.max(elapsed);
            }
            found
        })
        .reduce(Sweep::default, |a, b| Sweep {
            probes: a.probes + b.probes,
            accepted: a.accepted + b.accepted,
            slowest: a.slowest.max(b.slowest),
        })
}

/// Every offset of a file up to [`FULL_SWEEP_MAX_LEN`], a stride of them otherwise.
fn offsets(len: usize) -> impl Iterator<Item = usize> {
    let stride = len.div_ceil(FULL_SWEEP_MAX_LEN).max(1);
    (0..len).step_by(stride)
}

#[test]
fn valid_files_read_clean() {
    for (name, bytes) in valid_files() {
        let (accepted, elapsed) = probe(&bytes);
        assert!(accepted, "{name} is refused");
        assert!(elapsed < TIME_BOUND, "{name} took {elapsed:?}");
    }
}

#[test]
fn every_truncation_is_refused_without_panic() {
    for (name, file) in valid_files() {
        let found = sweep("truncation at", &name, offsets(file.len()), |cut| {
            vec![(cut.to_string(), file[..cut].to_vec())]
        });
        assert_eq!(found.accepted, 0, "{name}: a truncated file is accepted");
        assert!(found.probes > 0);
        eprintln!(
            "{name}: {} truncations, slowest {:?}",
            found.probes, found.slowest
        );
    }
}

/// Every byte of every valid file XORed with `mask`, one at a time.
fn flip_sweep(mask: u8) {
    for (name, file) in valid_files() {
        let found = sweep("flip at", &name, offsets(file.len()), |at| {
            let mut bytes = file.clone();
            bytes[at] ^= mask;
            vec![(format!("{at} (xor {mask:#04x})"), bytes)]
        });
        assert!(found.probes > 0);
        eprintln!(
            "{name}: {} flips (xor {mask:#04x}), {} accepted by the forward reader (it checks structure, not digests), slowest {:?}",
            found.probes, found.accepted, found.slowest
        );
    }
}

#[test]
fn every_byte_inverted_reads_without_panic() {
    flip_sweep(0xFF);
}

#[test]
fn every_low_bit_flip_reads_without_panic() {
    flip_sweep(0x01);
}

#[test]
fn every_high_bit_flip_reads_without_panic() {
    flip_sweep(0x80);
}

#[test]
fn every_inserted_byte_is_refused_without_panic() {
    for (name, file) in valid_files() {
        let found = sweep("byte inserted at", &name, offsets(file.len() + 1), |at| {
            let mut bytes = file.clone();
            bytes.insert(at, 0x00);
            vec![(at.to_string(), bytes)]
        });
        assert_eq!(
            found.accepted, 0,
            "{name}: a file with an inserted byte is accepted"
        );
        eprintln!(
            "{name}: {} insertions, slowest {:?}",
            found.probes, found.slowest
        );
    }
}
