//! Verification (R8 to R10): one forward pass that reads the file, digests every chunk,
//! checks every manifest, redaction record and signature, and asks the trust store about
//! every signer; the result is one [`Status`] with typed [`Reason`]s per chunk and per
//! signature.
//!
//! ```
//! use scanx::crypto::{Role, SigningKey, TrustStore, TrustedKey};
//! use scanx::metadata::{PlaneAttributes, ScanMetadata};
//! use scanx::pixels::{PixelBuffer, SampleType};
//! use scanx::verify::{verify_bytes, Status};
//! use scanx::{PlaneSpec, ReadOptions, SignRequest, WriteOptions, Writer};
//!
//! let scanner = SigningKey::from_seed(&[1; 32]);
//! let mut w = Writer::new(Vec::new(), &ScanMetadata::example(), WriteOptions::default())?;
//! let p = w.add_plane(PlaneSpec::new(SampleType::U16, 64, 32, PlaneAttributes::example_high_energy()))?;
//! w.write_plane(p, &PixelBuffer::zeroed(SampleType::U16, 64, 32)?)?;
//! let file = w.finish(&[SignRequest::new(&scanner, Role::Scanner, scanx::Timestamp::from_unix_seconds(1_772_355_600))])?;
//!
//! let mut trust = TrustStore::new();
//! trust.insert(TrustedKey::new(scanner.public_key(), "Belgian Customs", "BE", vec![Role::Scanner])?)?;
//! let report = verify_bytes(&file, Some(&trust), &ReadOptions::default())?;
//! assert_eq!(report.status, Status::Trusted);
//! // For a caller that must not go on with a file it cannot trust:
//! let report = report.require_trusted()?;
//! # let _ = report;
//! # Ok::<(), scanx::Error>(())
//! ```
//!
//! # Rules
//!
//! The rules are those of the specification's verification section (the `check` module
//! states rule 1d in full). Where that section left a case open, this is what holds:
//!
//! - A chunk that is listed in its manifest but out of order (or a second copy of one) is
//!   `UNLISTED_CHUNK`, and the entry it matches is not also reported as removed. A chunk
//!   that matches no entry is `DIGEST_MISMATCH` only when it can be paired with an entry of
//!   its type that lacks its chunk and that no valid redaction record accounts for (an
//!   altered chunk, reported once); otherwise it is `UNLISTED_CHUNK` (inserted, spliced in
//!   from another file, or planted where a redacted chunk was).
//! - A redaction record naming an entry an earlier record already named is
//!   `BAD_REDACTION_REFERENCE`, so the provenance says once who removed what.
//! - A redaction record naming a chunk type other than the salted ones ([`REDACTABLE`]) is
//!   `BAD_REDACTION_REFERENCE`, whoever signed it: a redaction removes personal data, never
//!   an annotation, an event or the structure of the file.
//! - Each fact is reported once, with its cause: `UNSIGNED_GENERATION` is for a
//!   generation sealed with no signature expected and none present (a stripped one is
//!   `SIGNATURE_MISSING`, a bad one has its own reasons), and `EVENT_ACTOR_NOT_SIGNER` is
//!   not reported when the actor's own signature is there but not valid (found by the key
//!   id it records or by its public key, so a forged key id is `KEY_ID_MISMATCH` alone).
//!   The chunks of a generation whose manifest names another digest algorithm than `HEAD`
//!   are not matched against its entries: `DIGEST_ALGORITHM_MISMATCH` says why none would
//!   match, and none is reported as altered.
//! - A signed file verified without a trust store gets `NO_TRUST_STORE`, so a strict
//!   caller's error always names why the file is not trusted.
//! - Signatures are checked against the file's algorithm (from `HEAD`) and the
//!   generation's position in the file. A signature beyond the count its manifest expects
//!   is `UNEXPECTED_SIGNATURE` and is not checked further than its chain: the file is
//!   invalid whatever it verifies to, and this bounds the Ed25519 work a hostile file can
//!   demand.
//!
//! A file whose trailing generations were cut off and whose index was rebuilt verifies as
//! the shorter file it now is: nothing inside a file can prove that nothing followed. A
//! recipient that needs the latest generation compares the manifest digest it was told
//! (for example the one named by a derived file) with the one it got.
//!
//! # One shape
//!
//! [`verify_path`], [`verify_bytes`] and [`verify_stream`] all return
//! `Result<VerifyReport>`, with the same meaning: `Err` (of kind `IO`) only when the input
//! itself cannot be read (the path cannot be opened, the reader fails); everything about
//! the bytes, a malformed or cut file included, is in the report. A caller that accepts
//! only a trusted file calls [`VerifyReport::require_trusted`] on the report, which fails
//! with `NOT_TRUSTED` naming the status and every reason.

mod check;
mod collect;
mod region;
pub mod report;

use std::io::Read;
use std::path::Path;

pub use region::verify_region;
pub use report::{
    EventReport, GenerationReport, Problem, Reason, RedactionReport, RegionReport, RemovedReport,
    SignatureReport, Status, UnknownChunkReport, VerifyReport,
};

use crate::container::chunk::ChunkType;
use crate::crypto::TrustStore;
use crate::error::{Error, ErrorKind, Result};
use crate::model::Scan;
use crate::stream::{read_pass, Pixels, ReadOptions};
use collect::{StreamCollector, TileDigests};

/// The chunk types a redaction may remove: the salted ones, whose manifest digests reveal
/// nothing of their content (personal data and tiles).
pub const REDACTABLE: [ChunkType; 2] = [ChunkType::PERS, ChunkType::TILE];

/// Verifies a whole file read from any `Read`, in one forward pass: the file is read with
/// every structural check of [`crate::read_stream`], and every chunk is digested as it
/// passes, except tiles, which are digested in parallel as they are decoded. Tiles are
/// decoded to check them as a read does, each into a scratch buffer that is then reused:
/// no plane is allocated, so a verification holds the compressed tiles, not the pixels
/// ([`verify_and_read`] keeps them).
///
/// Fails (with kind `IO`) only if `reader` fails: a file that breaks the format, or one
/// that ends early, gives [`Status::Invalid`] with a [`Reason::FormatError`] problem
/// naming the error kind, the chunk and the offset. `total_len`, when known, lets lengths
/// be checked before they are read. Without a trust store, a well-signed file is at best
/// [`Status::ValidUntrusted`].
pub fn verify_stream<R: Read>(
    reader: R,
    total_len: Option<u64>,
    trust: Option<&TrustStore>,
    options: &ReadOptions,
) -> Result<VerifyReport> {
    let (report, scan) = verify_pass(reader, total_len, trust, options, true, Pixels::Discard);
    match scan {
        Err(e) if e.kind() == ErrorKind::Io => Err(e),
        _ => Ok(report),
    }
}

/// Verifies a whole file and returns the decoded scan from the same forward pass: each
/// byte is read once, and each tile is digested in the task that decodes it. The scan is
/// `Err` with the format error when the file cannot be read; it is `Ok` whenever the
/// file reads, whatever the report says, so check the report before trusting it.
pub fn verify_and_read<R: Read>(
    reader: R,
    total_len: Option<u64>,
    trust: Option<&TrustStore>,
    options: &ReadOptions,
) -> (VerifyReport, Result<Scan>) {
    verify_pass(reader, total_len, trust, options, true, Pixels::Keep)
}

/// As [`verify_and_read`], decoding every tile to check it but keeping no pixels: the
/// scan's planes are left empty. For the editor, which needs the file's structure and
/// descriptors, never its pixels.
pub(crate) fn verify_and_describe<R: Read>(
    reader: R,
    total_len: Option<u64>,
    options: &ReadOptions,
) -> (VerifyReport, Result<Scan>) {
    verify_pass(reader, total_len, None, options, true, Pixels::Discard)
}

/// `manifests_by_verifier`: the verifier, not the reader, reports a manifest naming
/// another generation number or digest algorithm (with its own reason); a read that
/// checks integrity leaves it to the reader, so the error is the one a plain read gives.
fn verify_pass<R: Read>(
    reader: R,
    total_len: Option<u64>,
    trust: Option<&TrustStore>,
    options: &ReadOptions,
    manifests_by_verifier: bool,
    pixels: Pixels,
) -> (VerifyReport, Result<Scan>) {
    let mut collector = StreamCollector::default();
    let tiles = TileDigests::default();
    let options = ReadOptions {
        manifests_checked_by_verifier: manifests_by_verifier,
        check_digests: false,
        ..options.clone()
    };
    let result = read_pass(
        reader,
        total_len,
        &options,
        &mut |raw, walked| {
            collector.observe(raw, walked, &tiles);
            Ok(())
        },
        &|raw| tiles.observe(raw),
        pixels,
    );
    let head = collector.head();
    let failure = match result {
        Ok(scan) => match collector.finish(&scan, tiles) {
            Ok(collected) => return (check::analyse(&collected, trust), Ok(scan)),
            Err(e) => e,
        },
        Err(e) => e,
    };
    let mut report = VerifyReport::empty(Status::Invalid);
    if let Some(head) = head {
        report.file_id = Some(uuid::Uuid::from_bytes(head.file_id));
        report.algorithm = Some(head.algorithm);
    }
    report.problems.push(Problem::format(&failure));
    (report, Err(failure))
}

/// Reads a whole file in one pass and fails unless every chunk matches the digests its
/// manifests list, the manifests chain, and every signature present is valid: the
/// integrity check of [`ReadOptions::with_digest_check`], with no trust decision.
pub(crate) fn read_checked<R: Read>(
    reader: R,
    total_len: Option<u64>,
    options: &ReadOptions,
) -> Result<Scan> {
    let (report, scan) = verify_pass(reader, total_len, None, options, false, Pixels::Keep);
    let scan = scan?;
    match report.integrity_error() {
        Some(e) => Err(e),
        None => Ok(scan),
    }
}

/// Verifies a whole file held in memory. Memory cannot fail to be read, so this is
/// always `Ok`; the `Result` is the shape every `verify_*` function shares.
pub fn verify_bytes(
    bytes: &[u8],
    trust: Option<&TrustStore>,
    options: &ReadOptions,
) -> Result<VerifyReport> {
    verify_stream(bytes, Some(bytes.len() as u64), trust, options)
}

/// Verifies the file at `path` (opened read-only). Fails (with kind `IO`) only if the
/// file cannot be opened or read; everything wrong with its content is in the report.
pub fn verify_path(
    path: impl AsRef<Path>,
    trust: Option<&TrustStore>,
    options: &ReadOptions,
) -> Result<VerifyReport> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!("cannot open {}: {e}", path.display()),
        )
    })?;
    let len = file
        .metadata()
        .map_err(|e| Error::new(ErrorKind::Io, format!("{}: {e}", path.display())))?
        .len();
    verify_stream(
        std::io::BufReader::with_capacity(1 << 20, file),
        Some(len),
        trust,
        options,
    )
}
