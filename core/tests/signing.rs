//! Signing, redaction that keeps signatures, countersigning, external signers, provenance
//! events, derived files and region verification.

mod common;

use std::sync::Mutex;

use common::*;
use scanx::container::chunk::ChunkType;
use scanx::crypto::{CallbackSigner, Role, Signer, SigningKey, TrustStore};
use scanx::edit::Editor;
use scanx::metadata::{Action, Agency, Annotation, DeriveOperation};
use scanx::pixels::{Encoding, Rect};
use scanx::provenance::{derive_crop, CropRequest, EventStamp, ParentFile};
use scanx::verify::{verify_bytes, verify_path, verify_region, verify_stream, Reason, Status};
use scanx::{
    read_bytes, DigestAlgorithm, ErrorKind, Limits, ReadOptions, Reader, Result, SignRequest,
    Source, WriteOptions,
};

fn opts() -> ReadOptions {
    ReadOptions::default()
}

#[test]
fn scanner_agency_and_recipient_make_a_trusted_file() -> Result<()> {
    let journey = journey()?;
    let store = trust_store();
    for (file, generations) in [
        (&journey.scan, 1),
        (&journey.redacted, 2),
        (&journey.countersigned, 3),
    ] {
        let report = verify_bytes(file, Some(&store), &opts())?;
        assert_eq!(report.status, Status::Trusted, "{report}");
        assert!(report.problems.is_empty(), "{report}");
        assert_eq!(report.generations.len(), generations);
    }

    let report = verify_bytes(&journey.countersigned, Some(&store), &opts())?;
    let signers: Vec<(u32, Role, &str)> = report
        .signatures
        .iter()
        .map(|s| {
            (
                s.generation,
                s.role,
                s.trust.as_ref().map_or("", |t| t.name()),
            )
        })
        .collect();
    assert_eq!(
        signers,
        [
            (1, Role::Scanner, "TRUSTED"),
            (2, Role::Agency, "TRUSTED"),
            (3, Role::Recipient, "TRUSTED"),
        ]
    );
    assert!(report
        .signatures
        .iter()
        .all(|s| s.valid && s.reasons.is_empty()));
    assert_eq!(
        report.signatures[0].key_id,
        scanner_key().public_key().key_id().to_hex()
    );

    // The scanner's signature still covers everything of generation 1 that is left:
    // every chunk but the personal data and the 8 cab tiles is present and matches.
    let g1 = &report.generations[0];
    assert_eq!(g1.redacted, 9);
    assert_eq!(g1.checked, g1.entries - 9);
    assert_eq!(g1.signed_by, [scanner_key().public_key().key_id().to_hex()]);

    // What was removed, by whom, when and why.
    assert_eq!(report.redactions.len(), 1);
    let r = &report.redactions[0];
    assert_eq!(r.generation, 2);
    assert_eq!(r.actor_key_id, agency_public().key_id().to_hex());
    assert_eq!(r.actor_role, Role::Agency);
    assert_eq!(
        r.actor_agency.as_deref(),
        Some(Agency::example().name.as_str())
    );
    assert_eq!(r.time.to_string(), "2026-03-02T09:00:00Z");
    assert_eq!(r.reason, REDACTION_REASON);
    assert!(r.signed_by_actor);
    assert!(r.removed.iter().all(|x| x.valid && x.generation == 1));
    assert_eq!(r.removed.iter().filter(|x| x.chunk == "PERS").count(), 1);
    let mut tiles: Vec<(u16, u32, u32)> = r
        .removed
        .iter()
        .filter_map(|x| Some((x.plane?, x.col?, x.row?)))
        .collect();
    tiles.sort_unstable();
    let expected: Vec<(u16, u32, u32)> = (0..2)
        .flat_map(|p| (0..2).flat_map(move |row| (0..2).map(move |col| (p, col, row))))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(tiles, expected);

    let events: Vec<(u32, &str, bool)> = report
        .events
        .iter()
        .map(|e| (e.generation, e.action, e.signed_by_actor))
        .collect();
    assert_eq!(
        events,
        [
            (1, "capture", true),
            (2, "redact", true),
            (2, "transfer", true),
            (3, "countersign", true),
        ]
    );

    // The redacted file reads, with the personal data gone and the cab blank.
    let scan = read_bytes(&journey.countersigned, &opts())?;
    assert!(scan.personal.is_none());
    assert_eq!(scan.redacted_tiles.len(), 8);
    Ok(())
}

#[test]
fn the_report_has_a_stable_json_shape_and_reads_well() -> Result<()> {
    let journey = journey()?;
    let report = verify_bytes(&journey.countersigned, Some(&trust_store()), &opts())?;
    let json: serde_json::Value = serde_json::from_str(&report.to_json())
        .map_err(|e| scanx::Error::invalid_argument(e.to_string()))?;
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        k.sort();
        k
    };
    assert_eq!(
        keys(&json),
        [
            "algorithm",
            "events",
            "file_id",
            "generations",
            "problems",
            "redactions",
            "region",
            "signatures",
            "status",
            "unknown_chunks",
            "version"
        ]
    );
    assert_eq!(json["status"], "TRUSTED");
    assert_eq!(json["algorithm"], "sha256");
    assert_eq!(json["version"], "1.0");
    assert_eq!(json["file_id"], "0b0b0b0b-0b0b-0b0b-0b0b-0b0b0b0b0b0b");
    assert_eq!(
        keys(&json["signatures"][0]),
        [
            "agency",
            "generation",
            "key_id",
            "offset",
            "reasons",
            "role",
            "time",
            "trust",
            "valid"
        ]
    );
    assert_eq!(json["signatures"][0]["role"], "scanner");
    assert_eq!(json["signatures"][0]["time"], "2026-03-01T10:00:00Z");
    assert_eq!(json["signatures"][1]["agency"], "Belgian Customs");
    assert_eq!(json["redactions"][0]["removed"][0]["chunk"], "PERS");
    assert!(json["region"].is_null());

    let text = report.to_string();
    for needle in [
        "status: TRUSTED",
        "3 generation(s)",
        "signature 2 (generation 2)",
        "because: Driver's cab",
        "removed TILE (generation 1",
        "event (generation 3) countersign",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }

    // A problem carries its reason, place and, for a format error, the error kind.
    let mut cut = journey.countersigned.clone();
    cut.truncate(10);
    let json: serde_json::Value =
        serde_json::from_str(&verify_bytes(&cut, None, &opts())?.to_json())
            .map_err(|e| scanx::Error::invalid_argument(e.to_string()))?;
    assert_eq!(json["status"], "INVALID");
    assert_eq!(json["problems"][0]["reason"], "FORMAT_ERROR");
    assert_eq!(json["problems"][0]["error_kind"], "TRUNCATED");
    assert_eq!(json["problems"][0]["error_code"], 203);
    Ok(())
}

#[test]
fn strict_verification_fails_unless_trusted() -> Result<()> {
    let journey = journey()?;
    let file = &journey.countersigned;
    let report =
        verify_stream(&file[..], None, Some(&trust_store()), &opts())?.require_trusted()?;
    assert!(report.is_trusted());

    let e = verify_bytes(file, Some(&TrustStore::new()), &opts())?
        .require_trusted()
        .err();
    assert_eq!(e.as_ref().map(|e| e.kind()), Some(ErrorKind::NotTrusted));
    let message = e.map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("VALID_UNTRUSTED"), "{message}");
    assert!(message.contains("UNKNOWN_KEY"), "{message}");

    // Verified without a trust store: good signatures, nobody to trust.
    let report = verify_bytes(file, None, &opts())?;
    assert_eq!(report.status, Status::ValidUntrusted);
    assert_eq!(report.reasons(), [Reason::NoTrustStore]);
    assert!(report
        .signatures
        .iter()
        .all(|s| s.valid && s.trust.is_none()));
    assert!(report.require_trusted().is_err());
    Ok(())
}

#[test]
fn an_unsigned_file_is_unsigned_and_an_unsigned_generation_untrusted() -> Result<()> {
    let mut w = scanx::Writer::new(
        Vec::new(),
        &scanx::metadata::ScanMetadata::example(),
        WriteOptions::deterministic([4; 16], [4; 32]),
    )?;
    let p = w.add_plane(scanx::PlaneSpec::new(
        scanx::pixels::SampleType::U16,
        20,
        10,
        scanx::metadata::PlaneAttributes::example_high_energy(),
    ))?;
    w.write_plane(p, &pixels_u16(20, 10, 1))?;
    let unsigned = w.finish(&[])?;
    let report = verify_bytes(&unsigned, Some(&trust_store()), &opts())?;
    assert_eq!(report.status, Status::Unsigned, "{report}");
    assert!(report.problems.is_empty());
    let e = report.require_trusted().err().map(|e| e.to_string());
    assert!(e.is_some_and(|m| m.contains("no signature")));

    // A signed file with an unsigned generation appended: nobody vouches for the addition.
    let journey = journey()?;
    let mut editor = Editor::from_bytes(journey.countersigned)?;
    editor.add_annotation(&common::small_annotation())?;
    let appended = editor.to_bytes(&[])?;
    let report = verify_bytes(&appended, Some(&trust_store()), &opts())?;
    assert_eq!(report.status, Status::ValidUntrusted, "{report}");
    assert_eq!(report.reasons(), [Reason::UnsignedGeneration]);
    assert_eq!(report.problems[0].generation, Some(4));
    Ok(())
}

#[test]
fn an_external_signer_holds_the_key_elsewhere_and_signs_the_same() -> Result<()> {
    let hsm = hsm_signer();
    let in_memory = agency_key_copy();
    assert_eq!(hsm.public_key()?, in_memory.public_key());
    let by_hsm = small_file(&hsm, Role::Agency)?;
    let by_key = small_file(&in_memory, Role::Agency)?;
    assert_eq!(
        by_hsm, by_key,
        "Ed25519 is deterministic: the same key signs the same"
    );
    let report = verify_bytes(&by_hsm, Some(&trust_store()), &opts())?;
    assert_eq!(report.status, Status::Trusted, "{report}");

    // Writing twice gives the same bytes (R14), external signer included.
    assert_eq!(journey()?.countersigned, journey()?.countersigned);
    Ok(())
}

#[test]
fn a_failing_external_signer_stops_the_write() -> Result<()> {
    let broken = CallbackSigner::new(agency_public(), |_: &[u8]| {
        Err("HSM slot 2 is locked".to_owned())
    });
    let e = small_file(&broken, Role::Agency).err();
    assert_eq!(e.as_ref().map(|e| e.kind()), Some(ErrorKind::SignerFailed));
    assert!(e.is_some_and(|e| e.to_string().contains("HSM slot 2 is locked")));

    // A signer answering with another key's signature is caught at signing.
    let wrong = SigningKey::from_seed(&[42; 32]);
    let impostor = CallbackSigner::new(agency_public(), move |m: &[u8]| {
        wrong.sign(m).map_err(|e| e.to_string())
    });
    let e = small_file(&impostor, Role::Agency).err().map(|e| e.kind());
    assert_eq!(e, Some(ErrorKind::SignerFailed));
    Ok(())
}

#[test]
fn every_kind_of_event_is_signed_by_its_actor() -> Result<()> {
    let journey = journey()?;
    let hsm = hsm_signer();
    let parent = ParentFile::from_bytes(&journey.scan, &Limits::default())?;
    let stamp = EventStamp::new(&hsm, Role::Agency, Some(Agency::example()), T_AGENCY)?;
    let mut editor = Editor::from_bytes(journey.countersigned.clone())?;
    editor.add_annotation(&common::small_annotation())?;
    let ids = |n: u8| format!("4c5d6e7f-8091-4a2b-8c3d-4e5f6a7b8c{n:02x}");
    for event in [
        stamp
            .clone()
            .with_id(ids(1))
            .annotate(vec![Annotation::example().id])?,
        stamp
            .clone()
            .with_id(ids(2))
            .re_encode(&parent, &Encoding::default())?,
        stamp.clone().with_id(ids(3)).derive(
            &parent,
            DeriveOperation::Other {
                description: "flat-field corrected".to_owned(),
            },
        )?,
        stamp
            .clone()
            .with_id(ids(4))
            .transfer(Agency::example(), brazil())?,
        stamp.clone().with_id(ids(5)).countersign(None)?,
    ] {
        editor.add_event(&event)?;
    }
    let file = editor.to_bytes(&[SignRequest::new(&hsm, Role::Agency, T_AGENCY)])?;
    let report = verify_bytes(&file, Some(&trust_store()), &opts())?;
    assert_eq!(report.status, Status::Trusted, "{report}");
    let added: Vec<&str> = report
        .events
        .iter()
        .filter(|e| e.generation == 4)
        .map(|e| e.action)
        .collect();
    assert_eq!(
        added,
        ["annotate", "re-encode", "derive", "transfer", "countersign"]
    );
    assert!(report.events.iter().all(|e| e.signed_by_actor));
    let re_encode = report.events.iter().find(|e| e.action == "re-encode");
    assert!(re_encode.is_some_and(|e| e.summary.contains(&hex::encode(parent.manifest_digest))));

    // An event whose actor did not sign its generation.
    let mut editor = Editor::from_bytes(journey.countersigned)?;
    let recipient = recipient_key();
    let claim = EventStamp::new(&recipient, Role::Recipient, None, T_AGENCY)?
        .with_id(ids(6))
        .countersign(None)?;
    editor.add_event(&claim)?;
    let file = editor.to_bytes(&[SignRequest::new(&hsm, Role::Agency, T_AGENCY)])?;
    let report = verify_bytes(&file, Some(&trust_store()), &opts())?;
    assert_eq!(report.status, Status::Invalid);
    assert_eq!(report.reasons(), [Reason::EventActorNotSigner]);
    Ok(())
}

#[test]
fn a_derived_crop_names_its_parent_and_verifies() -> Result<()> {
    let journey = journey()?;
    let parent_bytes = &journey.countersigned;
    let parent = ParentFile::from_bytes(parent_bytes, &Limits::default())?;
    let parent_report = verify_bytes(parent_bytes, Some(&trust_store()), &opts())?;
    assert_eq!(
        Some(hex::encode(parent.manifest_digest)),
        parent_report
            .generations
            .last()
            .map(|g| g.manifest_digest.clone())
    );

    let hsm = hsm_signer();
    let stamp = EventStamp::new(&hsm, Role::Agency, Some(Agency::example()), T_AGENCY)?
        .with_id("5d6e7f80-91a2-4b3c-9d4e-5f6a7b8c9d0e");
    let region = Rect::new(34, 4, 30, 20);
    let request = CropRequest::new(region)
        .with_write_options(WriteOptions::deterministic([0x44; 16], [0x45; 32]));
    let signers = [SignRequest::new(&hsm, Role::Agency, T_AGENCY)];
    let crop = derive_crop(parent_bytes, &request, &stamp, &signers)?;

    let report = verify_bytes(&crop, Some(&trust_store()), &opts())?;
    assert_eq!(report.status, Status::Trusted, "{report}");
    assert_ne!(report.file_id, parent_report.file_id);
    let scan = read_bytes(&crop, &opts())?;
    let parent_scan = read_bytes(parent_bytes, &opts())?;
    assert_eq!(scan.planes.len(), 2);
    for (p, q) in scan.planes.iter().zip(&parent_scan.planes) {
        assert_eq!(p.pixels, q.pixels.region(region)?);
        assert_eq!(p.info.attributes, q.info.attributes);
    }
    assert!(scan.personal.is_none());
    let [event] = &scan.events[..] else {
        panic!("one event expected, got {:?}", scan.events)
    };
    let Action::Derive {
        parent_file_id,
        parent_manifest_digest,
        operation,
    } = &event.action
    else {
        panic!("a derive event expected, got {event:?}")
    };
    assert_eq!(
        Some(parent_file_id.clone()),
        parent_report.file_id.map(|id| id.to_string())
    );
    assert_eq!(parent_manifest_digest, &hex::encode(parent.manifest_digest));
    assert_eq!(
        operation,
        &DeriveOperation::Crop {
            plane: None,
            x: 34,
            y: 4,
            width: 30,
            height: 20
        }
    );

    // One plane only.
    let one = derive_crop(
        parent_bytes,
        &CropRequest::new(region).plane(1),
        &stamp,
        &signers,
    )?;
    assert_eq!(read_bytes(&one, &opts())?.planes.len(), 1);

    // The cab was redacted: a crop over it is refused rather than passing zeros off as
    // pixels; so is reusing the parent's file id.
    let e = derive_crop(parent_bytes, &CropRequest::new(CAB), &stamp, &signers)
        .err()
        .map(|e| e.kind());
    assert_eq!(e, Some(ErrorKind::InvalidArgument));
    let same_id =
        CropRequest::new(region).with_write_options(WriteOptions::deterministic([11; 16], [0; 32]));
    let e = derive_crop(parent_bytes, &same_id, &stamp, &signers)
        .err()
        .map(|e| e.kind());
    assert_eq!(e, Some(ErrorKind::InvalidArgument));
    Ok(())
}

#[test]
fn blake3_files_verify_too() -> Result<()> {
    let scanner = scanner_key();
    let mut w = scanx::Writer::new(
        Vec::new(),
        &scanx::metadata::ScanMetadata::example(),
        WriteOptions::deterministic([8; 16], [8; 32]).with_digest(DigestAlgorithm::Blake3),
    )?;
    let p = w.add_plane(scanx::PlaneSpec::new(
        scanx::pixels::SampleType::U16,
        40,
        40,
        scanx::metadata::PlaneAttributes::example_high_energy(),
    ))?;
    w.write_plane(p, &pixels_u16(40, 40, 3))?;
    let file = w.finish(&[SignRequest::new(&scanner, Role::Scanner, T_SCAN)])?;
    let report = verify_bytes(&file, Some(&trust_store()), &opts())?;
    assert_eq!(report.status, Status::Trusted, "{report}");
    assert_eq!(report.algorithm, Some(scanx::DigestAlgorithm::Blake3));
    Ok(())
}

#[test]
fn verify_path_reads_a_file_and_reports_a_missing_one() -> Result<()> {
    let journey = journey()?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("scan.scx");
    std::fs::write(&path, &journey.countersigned)?;
    let report = verify_path(&path, Some(&trust_store()), &opts())?;
    assert_eq!(report.status, Status::Trusted);
    let e = verify_path(dir.path().join("absent.scx"), None, &opts())
        .err()
        .map(|e| e.kind());
    assert_eq!(e, Some(ErrorKind::Io));
    Ok(())
}

/// Records every byte range read, to hold region verification to reading only its tiles.
struct Recording<'a> {
    bytes: &'a [u8],
    reads: Mutex<Vec<(u64, u64)>>,
}

impl Source for Recording<'_> {
    fn len(&self) -> Result<u64> {
        Ok(self.bytes.len() as u64)
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        if let Ok(mut reads) = self.reads.lock() {
            reads.push((offset, offset + buf.len() as u64));
        }
        scanx::BytesSource(self.bytes).read_exact_at(offset, buf)
    }
}

#[test]
fn region_verification_reads_only_the_region_tiles() -> Result<()> {
    let journey = journey()?;
    let file = &journey.countersigned;
    let source = Recording {
        bytes: file,
        reads: Mutex::new(Vec::new()),
    };
    let reader = Reader::from_source(&source, opts())?;
    if let Ok(mut reads) = source.reads.lock() {
        reads.clear();
    }
    // Tile (2, 0) and (3, 0) of plane 0.
    let region = Rect::new(40, 2, 20, 10);
    let report = verify_region(&reader, 0, region, Some(&trust_store()))?;
    assert_eq!(report.status, Status::Trusted, "{report}");
    let covered = report.region.as_ref().map(|r| r.tiles_checked.clone());
    assert_eq!(covered, Some(vec![[2, 0], [3, 0]]));

    let reads = source.reads.lock().map(|r| r.clone()).unwrap_or_default();
    let tiles: Vec<_> = reader
        .index()
        .entries
        .iter()
        .filter(|e| e.chunk_type == ChunkType::TILE)
        .collect();
    let mut tile_reads = 0;
    for t in &tiles {
        let touched = reads
            .iter()
            .any(|&(a, b)| a < t.offset + t.length && t.offset < b);
        let wanted = t.plane == 0 && t.row == 0 && (t.col == 2 || t.col == 3);
        assert_eq!(
            touched,
            wanted,
            "tile {:?} read: {touched}",
            (t.plane, t.col, t.row)
        );
        tile_reads += usize::from(touched);
    }
    assert_eq!(tile_reads, 2);
    // Every read is exactly one chunk; none of them twice.
    for &(a, b) in &reads {
        let whole_chunk = reader
            .index()
            .entries
            .iter()
            .any(|e| e.offset == a && e.offset + e.length == b);
        assert!(whole_chunk, "read {a}..{b} is not one chunk");
    }
    let mut distinct = reads.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), reads.len());
    Ok(())
}

#[test]
fn region_verification_reports_redacted_tiles_and_local_damage() -> Result<()> {
    let journey = journey()?;
    let file = &journey.countersigned;
    let reader = Reader::from_bytes(file.clone())?;
    let report = verify_region(&reader, 1, Rect::new(0, 0, 20, 20), Some(&trust_store()))?;
    assert_eq!(report.status, Status::Trusted, "{report}");
    let region = report.region.as_ref();
    let mut redacted = region.map(|r| r.tiles_redacted.clone()).unwrap_or_default();
    redacted.sort_unstable();
    assert_eq!(redacted, [[0, 0], [0, 1], [1, 0], [1, 1]]);
    assert_eq!(region.map(|r| r.tiles_checked.len()), Some(0));

    // Alter one byte of tile (3, 1) of plane 0: the regions over it fail, the others pass.
    let (header, mut chunks) = split(file);
    let victim = chunks
        .iter()
        .position(|c| c.is(ChunkType::TILE) && tile_position(c) == (0, 3, 1))
        .expect("tile (3, 1)");
    // The salt: the tile still decodes, only its digest tells.
    chunks[victim].payload_mut()[0] ^= 0x01;
    let damaged = assemble(&header, &chunks);
    let reader = Reader::from_bytes(damaged.clone())?;
    let over = verify_region(&reader, 0, Rect::new(50, 20, 5, 5), Some(&trust_store()))?;
    assert_eq!(over.status, Status::Invalid);
    assert_eq!(over.reasons(), [Reason::DigestMismatch]);
    let elsewhere = verify_region(&reader, 0, Rect::new(20, 0, 20, 16), Some(&trust_store()))?;
    assert_eq!(elsewhere.status, Status::Trusted, "{elsewhere}");
    let whole = verify_bytes(&damaged, Some(&trust_store()), &opts())?;
    assert_eq!(whole.status, Status::Invalid);

    // A bad argument is an error, not a verdict on the file.
    let e = verify_region(&reader, 9, Rect::new(0, 0, 1, 1), None)
        .err()
        .map(|e| e.kind());
    assert_eq!(e, Some(ErrorKind::NotFound));
    let e = verify_region(&reader, 0, Rect::new(60, 0, 10, 1), None)
        .err()
        .map(|e| e.kind());
    assert_eq!(e, Some(ErrorKind::RegionOutOfBounds));
    Ok(())
}
