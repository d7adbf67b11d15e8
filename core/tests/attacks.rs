//! Attacks on signed files, each detected with its specific reason.
//!
//! Most attacks are made the way a capable attacker would make them: the chunks are
//! edited and the index and tail rebuilt ([`common::assemble`]), so the file still reads
//! and only the cryptography can tell.

mod common;

use std::sync::OnceLock;

use common::*;
use proptest::prelude::*;
use scanx::container::chunk::{ChunkType, FormatVersion};
use scanx::container::signature::{signed_message, SignatureRecord, SignedFields};
use scanx::crypto::digest::manifest_digest;
use scanx::crypto::{Role, Signer, SigningKey, TrustStore};
use scanx::edit::Editor;
use scanx::generations::{align, EntryMatch, FileLayout};
use scanx::metadata::{Action, Actor, Event, RemovedChunk};
use scanx::verify::{verify_bytes, Reason, Status, VerifyReport};
use scanx::{DigestAlgorithm, Limits, ReadOptions, SignRequest};

fn verify(file: &[u8], store: &TrustStore) -> VerifyReport {
    match verify_bytes(file, Some(store), &ReadOptions::default()) {
        Ok(report) => report,
        Err(e) => unreachable!("memory is always read to the end: {e}"),
    }
}

/// Asserts the status and that `reason` is among the reasons found.
#[track_caller]
fn assert_detected(report: &VerifyReport, status: Status, reason: Reason) {
    assert_eq!(report.status, status, "{report}");
    assert!(report.has(reason), "{reason} not reported:\n{report}");
}

/// The error kind of the format error, if that is what was found.
fn format_error(report: &VerifyReport) -> Option<&'static str> {
    report
        .problems
        .iter()
        .find(|p| p.reason == Reason::FormatError)
        .and_then(|p| p.error_kind)
}

fn small() -> Vec<u8> {
    static FILE: OnceLock<Vec<u8>> = OnceLock::new();
    FILE.get_or_init(|| small_file(&scanner_key(), Role::Scanner).expect("a small signed file"))
        .clone()
}

/// The three-generation file and its predecessors, made once.
fn the_journey() -> &'static Journey {
    static JOURNEY: OnceLock<Journey> = OnceLock::new();
    JOURNEY.get_or_init(|| journey().expect("the journey"))
}

/// Another file signed by the same scanner (file id 12).
fn other_file() -> &'static [u8] {
    static FILE: OnceLock<Vec<u8>> = OnceLock::new();
    FILE.get_or_init(|| scanner_file(&scanner_key(), 12).expect("another file"))
}

#[test]
fn the_small_file_is_small_and_trusted() {
    let file = small();
    assert!(file.len() < 8 << 10, "{} bytes", file.len());
    assert_eq!(verify(&file, &trust_store()).status, Status::Trusted);
}

#[test]
fn no_single_byte_flip_is_accepted() {
    let file = small();
    let store = trust_store();
    let mut accepted = Vec::new();
    let mut flipped = file.clone();
    for offset in 0..file.len() {
        for mask in [0x01u8, 0x20, 0x80] {
            flipped[offset] ^= mask;
            let report = verify(&flipped, &store);
            if report.status != Status::Invalid {
                accepted.push((offset, mask, report.status));
            }
            flipped[offset] ^= mask;
        }
    }
    assert!(accepted.is_empty(), "accepted flips: {accepted:?}");
}

#[test]
fn every_truncation_is_a_format_error() {
    let file = small();
    let store = trust_store();
    for cut in 0..file.len() {
        let report = verify(&file[..cut], &store);
        assert_eq!(report.status, Status::Invalid, "truncated at {cut}");
        assert_eq!(
            report.reasons(),
            [Reason::FormatError],
            "truncated at {cut}"
        );
    }
}

#[test]
fn appended_bytes_are_a_format_error() {
    let file = small();
    let store = trust_store();
    for extra in [&[0u8][..], b"PK\x03\x04", &file[12..60]] {
        let mut longer = file.clone();
        longer.extend_from_slice(extra);
        let report = verify(&longer, &store);
        assert_detected(&report, Status::Invalid, Reason::FormatError);
        assert_eq!(format_error(&report), Some("TRAILING_BYTES"));
    }
}

#[test]
fn an_inserted_byte_is_rejected_wherever_it_goes() {
    let file = small();
    let store = trust_store();
    for offset in 0..=file.len() {
        let mut longer = file.clone();
        longer.insert(offset, 0x41);
        let report = verify(&longer, &store);
        assert_eq!(report.status, Status::Invalid, "byte inserted at {offset}");
    }
}

#[test]
fn an_inserted_chunk_is_unlisted() {
    let (header, mut chunks) = split(&small());
    let anno = positions(&chunks, ChunkType::ANNO)[0];
    // A vendor's ancillary chunk, and a second copy of a different annotation.
    chunks.insert(anno, Chunk::new(ChunkType(*b"xVND"), b"{\"planted\":true}"));
    let report = verify(&assemble(&header, &chunks), &trust_store());
    assert_detected(&report, Status::Invalid, Reason::UnlistedChunk);
    assert_eq!(report.reasons(), [Reason::UnlistedChunk]);
    assert_eq!(report.unknown_chunks.len(), 1);

    let (header, mut chunks) = split(&small());
    let mut other = common::small_annotation();
    other.id = "9e8d7c6b-5a49-4837-8261-5f4e3d2c1b0a".to_owned();
    let anno = positions(&chunks, ChunkType::ANNO)[0];
    chunks.insert(
        anno + 1,
        Chunk::new(ChunkType::ANNO, &scanx::metadata::to_json(&other)),
    );
    let report = verify(&assemble(&header, &chunks), &trust_store());
    assert_eq!(report.reasons(), [Reason::UnlistedChunk], "{report}");
}

#[test]
fn reordered_chunks_are_unlisted() {
    let (header, mut chunks) = split(&small());
    let anno = positions(&chunks, ChunkType::ANNO)[0];
    let evnt = positions(&chunks, ChunkType::EVNT)[0];
    chunks.swap(anno, evnt);
    let report = verify(&assemble(&header, &chunks), &trust_store());
    assert_detected(&report, Status::Invalid, Reason::UnlistedChunk);
    // Out of order is not mistaken for altered or removed.
    assert_eq!(report.reasons(), [Reason::UnlistedChunk], "{report}");

    // Tiles are ordered by the format itself.
    let (header, mut chunks) = split(&small());
    let tiles = positions(&chunks, ChunkType::TILE);
    chunks.swap(tiles[0], tiles[1]);
    let report = verify(&assemble(&header, &chunks), &trust_store());
    assert_detected(&report, Status::Invalid, Reason::FormatError);
    assert_eq!(format_error(&report), Some("CHUNK_ORDER"));
}

#[test]
fn two_swapped_tiles_are_digest_mismatches() {
    // Move the pixels of tile (0, 0) to (1, 0) and back, fixing the positions in their
    // headers so the file stays in order: the headers are inside the digests.
    let (header, mut chunks) = split(&scanner_file(&scanner_key(), 11).expect("a file"));
    let tiles = positions(&chunks, ChunkType::TILE);
    let (a, b) = (tiles[0], tiles[1]);
    assert_eq!(tile_position(&chunks[a]), (0, 0, 0));
    assert_eq!(tile_position(&chunks[b]), (0, 1, 0));
    chunks.swap(a, b);
    for (i, col) in [(a, 0u32), (b, 1u32)] {
        chunks[i].payload_mut()[20..24].copy_from_slice(&col.to_le_bytes());
    }
    let report = verify(&assemble(&header, &chunks), &trust_store());
    assert_detected(&report, Status::Invalid, Reason::DigestMismatch);
    assert_eq!(report.reasons(), [Reason::DigestMismatch], "{report}");
    assert_eq!(report.problems.len(), 2);
}

#[test]
fn a_chunk_spliced_from_another_signed_file_is_detected() {
    let scanner = scanner_key();
    let (header, mut chunks) = split(&scanner_file(&scanner, 11).expect("file A"));
    let (_, foreign) = split(other_file());
    // The same tile position from another file signed by the same scanner: its digest is
    // bound to the other file's id.
    let here = positions(&chunks, ChunkType::TILE)[3];
    let there = positions(&foreign, ChunkType::TILE)[3];
    assert_eq!(tile_position(&chunks[here]), tile_position(&foreign[there]));
    chunks[here] = foreign[there].clone();
    let report = verify(&assemble(&header, &chunks), &trust_store());
    assert_detected(&report, Status::Invalid, Reason::DigestMismatch);
    assert_eq!(report.reasons(), [Reason::DigestMismatch]);

    // Identical bytes spliced in as an extra chunk: listed nowhere in this file.
    let (header, mut chunks) = split(&scanner_file(&scanner, 11).expect("file A"));
    let anno = positions(&foreign, ChunkType::ANNO)[0];
    let at = positions(&chunks, ChunkType::ANNO)[0];
    assert_eq!(
        chunks[at], foreign[anno],
        "the annotation bytes are identical"
    );
    chunks.insert(at + 1, foreign[anno].clone());
    let report = verify(&assemble(&header, &chunks), &trust_store());
    assert_detected(&report, Status::Invalid, Reason::UnlistedChunk);

    // A whole signature from the other file.
    let (header, mut chunks) = split(&scanner_file(&scanner, 11).expect("file A"));
    let sign = positions(&chunks, ChunkType::SIGN)[0];
    chunks[sign] = foreign[positions(&foreign, ChunkType::SIGN)[0]].clone();
    let report = verify(&assemble(&header, &chunks), &trust_store());
    assert_detected(&report, Status::Invalid, Reason::BadSignature);
}

#[test]
fn a_signature_by_an_unknown_key_is_untrusted() {
    let stranger = SigningKey::from_seed(&[9; 32]);
    let report = verify(
        &small_file(&stranger, Role::Scanner).expect("file"),
        &trust_store(),
    );
    assert_detected(&report, Status::ValidUntrusted, Reason::UnknownKey);
    assert_eq!(report.reasons(), [Reason::UnknownKey]);
    assert!(report.signatures[0].valid);
    assert_eq!(
        report.signatures[0].trust.as_ref().map(|t| t.name()),
        Some("UNKNOWN_KEY")
    );
}

#[test]
fn a_signature_by_a_revoked_key_is_invalid() {
    let report = verify(&small(), &store_with_revoked_scanner());
    assert_detected(&report, Status::Invalid, Reason::RevokedKey);
    assert_eq!(report.reasons(), [Reason::RevokedKey]);
    assert_eq!(
        report.signatures[0].trust.as_ref().map(|t| t.name()),
        Some("REVOKED_KEY")
    );
}

#[test]
fn a_key_outside_its_validity_window_is_untrusted() {
    let file = small();
    let mut store = trust_store();
    store.keys[0].not_after = Some(scanx::Timestamp::from_unix_seconds(
        T2024.unix_seconds() + 86_400,
    ));
    let report = verify(&file, &store);
    assert_detected(&report, Status::ValidUntrusted, Reason::KeyExpired);
    assert_eq!(report.reasons(), [Reason::KeyExpired]);

    let mut store = trust_store();
    store.keys[0].not_before = Some(scanx::Timestamp::from_unix_seconds(
        T_SCAN.unix_seconds() + 1,
    ));
    let report = verify(&file, &store);
    assert_detected(&report, Status::ValidUntrusted, Reason::KeyNotYetValid);
    assert_eq!(report.reasons(), [Reason::KeyNotYetValid]);
}

#[test]
fn a_key_signing_in_a_role_it_does_not_hold_is_untrusted() {
    // The scanner's key claims the agency role.
    let file = small_file(&scanner_key(), Role::Agency).expect("file");
    let report = verify(&file, &trust_store());
    assert_detected(&report, Status::ValidUntrusted, Reason::RoleNotAllowed);
    assert_eq!(report.reasons(), [Reason::RoleNotAllowed]);
}

#[test]
fn a_changed_digest_algorithm_id_is_detected() {
    // In HEAD: the file now claims BLAKE3, its manifest says SHA-256.
    let (header, mut chunks) = split(&small());
    chunks[0].payload_mut()[16] = DigestAlgorithm::Blake3.id();
    let report = verify(&assemble(&header, &chunks), &trust_store());
    assert_detected(&report, Status::Invalid, Reason::DigestAlgorithmMismatch);
    // No chunk was altered: none is reported as a digest mismatch. The algorithm is in
    // the signed message, so the signature no longer verifies.
    assert_eq!(
        report.reasons(),
        [Reason::DigestAlgorithmMismatch, Reason::BadSignature],
        "{report}"
    );

    // In the manifest: the signature covers the manifest.
    let (header, mut chunks) = split(&small());
    let mani = positions(&chunks, ChunkType::MANI)[0];
    chunks[mani].payload_mut()[0] = DigestAlgorithm::Blake3.id();
    let report = verify(&assemble(&header, &chunks), &trust_store());
    assert_detected(&report, Status::Invalid, Reason::DigestAlgorithmMismatch);
    assert_eq!(
        report.reasons(),
        [Reason::DigestAlgorithmMismatch, Reason::BadSignature],
        "{report}"
    );
}

/// Sets the minor version and signs generation 1 again with `key`, as a legitimate writer
/// of that version would have.
fn with_minor_version(file: &[u8], minor: u16, key: &SigningKey) -> Vec<u8> {
    let (mut header, mut chunks) = split(file);
    header[10..12].copy_from_slice(&minor.to_le_bytes());
    let version = FormatVersion { major: 1, minor };
    let mani = positions(&chunks, ChunkType::MANI)[0];
    let sign = positions(&chunks, ChunkType::SIGN)[0];
    let file_id: [u8; 16] = chunks[0].payload()[..16].try_into().expect("HEAD");
    let digest = manifest_digest(DigestAlgorithm::Sha256, &file_id, &chunks[mani].bytes);
    let mut record = SignatureRecord::parse(chunks[sign].payload(), 0).expect("a record");
    let message = signed_message(&SignedFields {
        version,
        file_id: &file_id,
        algorithm: DigestAlgorithm::Sha256,
        generation: 1,
        manifest_digest: &digest,
        key_id: &record.key_id,
        role: record.role,
        time: record.time,
        chain: &record.chain,
    });
    record.signature = key.sign(&message).expect("signing");
    chunks[sign] = Chunk::new(ChunkType::SIGN, &record.encode());
    assemble(&header, &chunks)
}

#[test]
fn a_version_downgrade_breaks_the_signature() {
    let newer = with_minor_version(&small(), 1, &scanner_key());
    let report = verify(&newer, &trust_store());
    assert_eq!(report.status, Status::Trusted, "{report}");
    assert_eq!(report.version.as_deref(), Some("1.1"));

    let mut downgraded = newer;
    downgraded[10..12].copy_from_slice(&0u16.to_le_bytes());
    let report = verify(&downgraded, &trust_store());
    assert_detected(&report, Status::Invalid, Reason::BadSignature);
    assert_eq!(report.reasons(), [Reason::BadSignature]);
}

/// The manifest entry and digest of the first chunk of type `t` in generation 1.
fn entry_of(file: &[u8], t: ChunkType) -> (u32, String, Option<(u16, u32, u32)>) {
    let layout = FileLayout::parse(file, &Limits::default()).expect("a layout");
    let g = &layout.generations[0];
    let (matches, _) = align(&g.content, &g.manifest.entries);
    for (e, m) in matches.iter().enumerate() {
        if let EntryMatch::Present(c) = *m {
            let chunk = &g.content[c];
            if chunk.chunk_type == t {
                return (
                    e as u32,
                    hex::encode(chunk.digest),
                    chunk.tile.map(|t| (t.plane, t.col, t.row)),
                );
            }
        }
    }
    panic!("no {t} in generation 1")
}

/// Adds a generation holding one crafted redaction event, signed by the agency.
fn add_redaction(file: &[u8], removed: Vec<RemovedChunk>) -> Vec<u8> {
    let hsm = hsm_signer();
    let actor = Actor::from_key_id(agency_public().key_id().to_hex(), Role::Agency, None);
    let action = Action::Redact {
        reason: "test".to_owned(),
        removed,
    };
    let event = Event::new(T_AGENCY, actor, action).with_id("6e7f8091-a2b3-4c4d-9e5f-6a7b8c9d0e1f");
    // The attacker's own tooling: it seals over whatever it was given.
    let mut editor = Editor::from_bytes_unverified(file.to_vec(), &scanx::ReadOptions::default())
        .expect("an editor");
    editor.add_event(&event).expect("a valid event");
    editor
        .to_bytes(&[SignRequest::new(&hsm, Role::Agency, T_AGENCY)])
        .expect("written")
}

#[test]
fn a_redaction_event_naming_a_chunk_still_present_is_invalid() {
    let scan = the_journey().scan.clone();
    let (entry, digest, _) = entry_of(&scan, ChunkType::PERS);
    let file = add_redaction(&scan, vec![RemovedChunk::new(1, entry, "PERS", digest)]);
    let report = verify(&file, &trust_store());
    assert_detected(&report, Status::Invalid, Reason::RedactedChunkPresent);
    assert_eq!(report.reasons(), [Reason::RedactedChunkPresent]);
    assert!(!report.redactions[0].removed[0].valid);
}

#[test]
fn a_redaction_record_that_matches_nothing_is_a_bad_reference() {
    let scan = the_journey().scan.clone();
    let (entry, digest, _) = entry_of(&scan, ChunkType::PERS);
    for (generation, entry, chunk, digest) in [
        (1, 9_999, "PERS", digest.clone()),
        (1, entry, "ANNO", digest.clone()),
        (1, entry, "PERS", "00".repeat(32)),
        (2, entry, "PERS", digest.clone()),
    ] {
        let file = add_redaction(
            &scan,
            vec![RemovedChunk::new(generation, entry, chunk, digest)],
        );
        let report = verify(&file, &trust_store());
        assert_detected(&report, Status::Invalid, Reason::BadRedactionReference);
        assert_eq!(report.reasons(), [Reason::BadRedactionReference]);
    }
}

#[test]
fn a_trusted_redaction_of_an_unsalted_chunk_is_rejected() {
    // An agency that holds a trusted key removes the scanner's annotation, or its capture
    // event, and records the removal as a redaction: only PERS and TILE chunks may be
    // redacted, so the record is refused and the chunk counts as removed without one.
    let scan = the_journey().scan.clone();
    for t in [ChunkType::ANNO, ChunkType::EVNT] {
        let (entry, digest, _) = entry_of(&scan, t);
        let (header, mut chunks) = split(&scan);
        chunks.remove(positions(&chunks, t)[0]);
        let removed = assemble(&header, &chunks);
        let file = add_redaction(
            &removed,
            vec![RemovedChunk::new(1, entry, t.to_string(), digest)],
        );
        let report = verify(&file, &trust_store());
        assert_detected(&report, Status::Invalid, Reason::BadRedactionReference);
        assert_eq!(
            report.reasons(),
            [
                Reason::BadRedactionReference,
                Reason::RemovedWithoutRedaction
            ],
            "{t}: {report}"
        );
        assert!(!report.redactions[0].removed[0].valid);
    }
}

#[test]
fn content_planted_in_a_redacted_slot_is_unlisted() {
    let journey = the_journey();
    let (_, original) = split(&journey.scan);
    let cab = original
        .iter()
        .find(|c| c.is(ChunkType::TILE) && tile_position(c) == (0, 0, 0))
        .expect("tile (0, 0)")
        .clone();
    let pers = original[positions(&original, ChunkType::PERS)[0]].clone();

    // New pixels in the redacted cab tile.
    let mut planted = cab.clone();
    planted.payload_mut()[0] ^= 0x55;
    let (header, mut chunks) = split(&journey.countersigned);
    let first_tile = positions(&chunks, ChunkType::TILE)[0];
    chunks.insert(first_tile, planted);
    let planted_file = assemble(&header, &chunks);
    let report = verify(&planted_file, &trust_store());
    assert_detected(&report, Status::Invalid, Reason::UnlistedChunk);
    assert_eq!(report.reasons(), [Reason::UnlistedChunk], "{report}");
    // Both readers decode the planted tile, so neither lists it as redacted.
    let cab_tile = scanx::TileRef {
        plane: 0,
        col: 0,
        row: 0,
    };
    let scan = scanx::read_bytes(&planted_file, &ReadOptions::default()).expect("it reads");
    assert!(!scan.redacted_tiles.contains(&cab_tile));
    assert!(scan
        .redacted_tiles
        .contains(&scanx::TileRef { row: 1, ..cab_tile }));
    let reader = scanx::Reader::from_bytes(&planted_file[..]).expect("it opens");
    let listed = reader.redacted_tiles().expect("the back of the file reads");
    assert_eq!(listed, scan.redacted_tiles);

    // New personal data where the removed chunk was.
    let mut fake = pers.clone();
    fake.payload_mut()[0] ^= 0x01;
    let (header, mut chunks) = split(&journey.countersigned);
    chunks.insert(2, fake);
    let report = verify(&assemble(&header, &chunks), &trust_store());
    assert_eq!(report.reasons(), [Reason::UnlistedChunk], "{report}");

    // The removed chunk itself, put back: the redaction record now names a present chunk.
    let (header, mut chunks) = split(&journey.countersigned);
    chunks.insert(2, pers);
    let report = verify(&assemble(&header, &chunks), &trust_store());
    assert_detected(&report, Status::Invalid, Reason::RedactedChunkPresent);
    assert_eq!(report.reasons(), [Reason::RedactedChunkPresent], "{report}");
}

#[test]
fn the_same_signature_is_never_counted_twice() {
    // A copy of the SIGN chunk right after it.
    let (header, mut chunks) = split(&small());
    let sign = positions(&chunks, ChunkType::SIGN)[0];
    chunks.insert(sign + 1, chunks[sign].clone());
    let report = verify(&assemble(&header, &chunks), &trust_store());
    assert_detected(&report, Status::Invalid, Reason::DuplicateSignature);
    assert!(report.has(Reason::SignatureChainMismatch));
    assert!(report.has(Reason::UnexpectedSignature));
    assert_eq!(report.generations[0].signed_by.len(), 1);
    assert!(report.signatures[0].valid && !report.signatures[1].valid);

    // The same key asked to sign twice by the writer: chained correctly, still counted
    // once.
    let key = scanner_key();
    let mut w = scanx::Writer::new(
        Vec::new(),
        &scanx::metadata::ScanMetadata::example(),
        scanx::WriteOptions::deterministic([3; 16], [3; 32]),
    )
    .expect("writer");
    let p = w
        .add_plane(scanx::PlaneSpec::new(
            scanx::pixels::SampleType::U16,
            8,
            8,
            scanx::metadata::PlaneAttributes::example_high_energy(),
        ))
        .expect("plane");
    w.write_plane(p, &pixels_u16(8, 8, 0)).expect("pixels");
    let request = SignRequest::new(&key, Role::Scanner, T_SCAN);
    let twice = w.finish(&[request, request]).expect("file");
    let report = verify(&twice, &trust_store());
    assert_detected(&report, Status::Invalid, Reason::DuplicateSignature);
    assert_eq!(report.reasons(), [Reason::DuplicateSignature]);
}

#[test]
fn a_stripped_signature_is_invalid_never_unsigned() {
    let store = trust_store();
    let (header, mut chunks) = split(&small());
    chunks.retain(|c| !c.is(ChunkType::SIGN));
    let stripped = assemble(&header, &chunks);
    let report = verify(&stripped, &store);
    assert_detected(&report, Status::Invalid, Reason::SignatureMissing);
    assert_eq!(report.reasons(), [Reason::SignatureMissing]);
    let strict = report.require_trusted();
    assert!(strict.is_err());

    // From a three-generation file: each signature alone, and all of them.
    let file = the_journey().countersigned.clone();
    let (header, chunks) = split(&file);
    let signs = positions(&chunks, ChunkType::SIGN);
    assert_eq!(signs.len(), 3);
    for s in &signs {
        let mut fewer = chunks.clone();
        fewer.remove(*s);
        let report = verify(&assemble(&header, &fewer), &store);
        assert_detected(&report, Status::Invalid, Reason::SignatureMissing);
    }
    let mut none = chunks;
    none.retain(|c| !c.is(ChunkType::SIGN));
    let report = verify(&assemble(&header, &none), &store);
    assert_detected(&report, Status::Invalid, Reason::SignatureMissing);
    assert_eq!(report.reasons(), [Reason::SignatureMissing]);
    assert!(report.signatures.is_empty());
}

#[test]
fn a_chunk_removed_without_a_redaction_record_is_detected() {
    let store = trust_store();
    for t in [ChunkType::PERS, ChunkType::ANNO, ChunkType::EVNT] {
        let (header, mut chunks) = split(&small());
        chunks.retain(|c| !c.is(t));
        let report = verify(&assemble(&header, &chunks), &store);
        assert_detected(&report, Status::Invalid, Reason::RemovedWithoutRedaction);
    }
    // Removing a tile without a record: the reader already refuses the file.
    let (header, mut chunks) = split(&small());
    let tile = positions(&chunks, ChunkType::TILE)[1];
    chunks.remove(tile);
    let report = verify(&assemble(&header, &chunks), &store);
    assert_eq!(format_error(&report), Some("MISSING_CHUNK"));
}

#[test]
fn no_single_chunk_removal_is_accepted() {
    let store = trust_store();
    let file = the_journey().countersigned.clone();
    let (header, chunks) = split(&file);
    for i in 0..chunks.len() {
        let mut fewer = chunks.clone();
        let gone = fewer.remove(i);
        let report = verify(&assemble(&header, &fewer), &store);
        assert_eq!(
            report.status,
            Status::Invalid,
            "removing chunk {i} ({}) was accepted",
            gone.chunk_type
        );
    }
}

#[test]
fn tampered_manifest_numbers_and_links_are_detected() {
    let file = the_journey().countersigned.clone();
    let (header, chunks) = split(&file);
    let manis = positions(&chunks, ChunkType::MANI);

    let mut renumbered = chunks.clone();
    renumbered[manis[1]].payload_mut()[4..8].copy_from_slice(&7u32.to_le_bytes());
    let report = verify(&assemble(&header, &renumbered), &trust_store());
    assert_detected(&report, Status::Invalid, Reason::GenerationMismatch);

    let mut unlinked = chunks;
    unlinked[manis[2]].payload_mut()[8] ^= 0x01;
    let report = verify(&assemble(&header, &unlinked), &trust_store());
    assert_detected(&report, Status::Invalid, Reason::ManifestChainBroken);
}

#[test]
fn a_forged_key_id_is_detected() {
    let (header, mut chunks) = split(&small());
    let sign = positions(&chunks, ChunkType::SIGN)[0];
    // Claim the agency's key id with the scanner's key.
    chunks[sign].payload_mut()[..16].copy_from_slice(&agency_public().key_id().0);
    let report = verify(&assemble(&header, &chunks), &trust_store());
    assert_detected(&report, Status::Invalid, Reason::KeyIdMismatch);
    // The capture event's actor did sign, with a forged key id: reported once, on the
    // signature, not again as an event whose actor did not sign.
    assert_eq!(
        report.reasons(),
        [Reason::KeyIdMismatch, Reason::BadSignature],
        "{report}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Up to four bytes changed anywhere (at least one really changed): never accepted.
    #[test]
    fn random_corruption_is_never_accepted(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..=4)
    ) {
        let file = small();
        let mut bad = file.clone();
        for (at, mask) in &edits {
            let i = at.index(bad.len());
            bad[i] ^= mask;
        }
        prop_assume!(bad != file);
        let report = verify(&bad, &trust_store());
        prop_assert_eq!(report.status, Status::Invalid);
    }

    /// A random chunk of the three-generation file replaced by a random chunk of another
    /// signed file (index rebuilt): never accepted.
    #[test]
    fn random_splices_are_never_accepted(
        at in any::<prop::sample::Index>(),
        from in any::<prop::sample::Index>(),
    ) {
        let file = the_journey().countersigned.clone();
        let (header, mut chunks) = split(&file);
        let (_, other) = split(other_file());
        let i = at.index(chunks.len());
        let j = from.index(other.len());
        prop_assume!(chunks[i] != other[j]);
        chunks[i] = other[j].clone();
        let report = verify(&assemble(&header, &chunks), &trust_store());
        prop_assert_eq!(report.status, Status::Invalid);
    }
}
