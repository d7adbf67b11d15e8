//! Signed files, and the attacks on them a verifier must detect.
//!
//! The signed files are made with the library and the test keys of [`crate::keys`]: a
//! scanner's file, files edited by the agencies and an analyst, a derived crop, and files
//! signed by keys the trust store does not trust. The tampered files are made from signed
//! files the way an attacker without the keys would make them: chunks edited, moved,
//! inserted or removed with [`Surgery`], then the index and the tail rebuilt so the file
//! still reads. Nothing is ever re-signed, and no signed manifest is rebuilt; an attacker
//! may append a generation of their own, unsigned, as the editor does.

use scanx::container::chunk::{ChunkType, FormatVersion};
use scanx::container::signature::{signed_message, SignatureRecord, SignedFields};
use scanx::crypto::digest::manifest_digest;
use scanx::crypto::{CallbackSigner, Signer};
use scanx::generations::{align, ChunkRef, EntryMatch, FileLayout};
use scanx::metadata::{
    Action, Agency, AnnotationSource, Category, Event, PersonalData,
    PlaneAttributes, RemovedChunk,
};
use scanx::pixels::{Encoding, Rect, SampleType};
use scanx::provenance::{derive_crop, CropRequest, EventStamp};
use scanx::{
    Timestamp,
    DigestAlgorithm, Editor, Error, ErrorKind, Limits, Reason, TileRef, RedactRequest, Result, Role, SignRequest,
    Status,
};

use crate::expectation::VerifyFacts;
use crate::keys::{brazil, trust_store, TestKey};
use crate::scans::{small_annotation, ScanBuilder};
use crate::surgery::{Chunk, Surgery};
use crate::vector::{Context, Expect, Verdict, Vector};

/// The signed and tampered vectors.
pub const VECTORS: &[Vector] = &[
    Vector {
        name: "signed-scanner",
        expect: Expect::Valid,
        verify: Verdict::TRUSTED,
        comment: "a file signed by the scanner that captured it",
        recipe: "signed base file",
        make: signed_scanner,
    },
    Vector {
        name: "signed-blake3",
        expect: Expect::Valid,
        verify: Verdict::TRUSTED,
        comment: "a signed file whose digests (chunks, manifest, signature chain) are BLAKE3",
        recipe: "signed base file with digest algorithm 2 (BLAKE3) in HEAD and MANI",
        make: signed_blake3,
    },
    Vector {
        name: "signed-external-signer",
        expect: Expect::Valid,
        verify: Verdict::TRUSTED,
        comment: "a file signed through an external signer (a callback), as with an HSM",
        recipe: "signed base file, the scanner key held behind a signing callback; Ed25519 is deterministic, so the bytes are those of an in-memory signature",
        make: signed_external_signer,
    },
    Vector {
        name: "journey-three-agencies",
        expect: Expect::Valid,
        verify: Verdict::TRUSTED,
        comment: "scanner, exporting agency and recipient each sign a generation; the agency redacted personal data and the cab",
        recipe: "signed base file; generation 2 by the agency key (2026-03-02T09:00:00Z): PERS and the cab tiles redacted, a transfer event BE to BR; generation 3 by the recipient key (2026-03-05T14:30:00Z): a countersign event",
        make: journey_three_agencies,
    },
    Vector {
        name: "redacted-personal-data-signed",
        expect: Expect::Valid,
        verify: Verdict::TRUSTED,
        comment: "personal data removed by the agency; the scanner's signature still verifies what remains",
        recipe: "signed base file; generation 2 by the agency key: PERS redacted",
        make: redacted_personal_data_signed,
    },
    Vector {
        name: "redacted-cab-tiles-signed",
        expect: Expect::Valid,
        verify: Verdict::TRUSTED,
        comment: "the tiles showing the driver's cab removed by the agency; they read as zero",
        recipe: "signed base file; generation 2 by the agency key: the two cab tiles redacted",
        make: redacted_cab_tiles_signed,
    },
    Vector {
        name: "redacted-tiles-two-rows-two-columns",
        expect: Expect::Valid,
        verify: Verdict::TRUSTED,
        comment: "the four tiles of two columns and two rows redacted: redacted_tiles is sorted by plane, then col, then row",
        recipe: "signed base file; generation 2 by the agency key: tiles (0, 0), (1, 0), (0, 1) and (1, 1) of plane 0 redacted",
        make: redacted_tiles_two_rows_two_columns,
    },
    Vector {
        name: "annotated-by-analyst",
        expect: Expect::Valid,
        verify: Verdict::TRUSTED,
        comment: "an analyst's annotation in a generation the analyst signed",
        recipe: "signed base file; generation 2 by the analyst key (2026-03-03T11:00:00Z): a box annotation and its annotate event",
        make: annotated_by_analyst,
    },
    Vector {
        name: "derived-crop",
        expect: Expect::Valid,
        verify: Verdict::TRUSTED,
        comment: "a crop derived from a signed file, naming the parent's file id and last manifest digest",
        recipe: "valid/signed-scanner.scx cropped to x 4, y 0, 4 x 6, stored tiles, with a derive event, signed by the analyst key (2026-03-03T11:00:00Z)",
        make: derived_crop,
    },
    Vector {
        name: "unsigned",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "the signed base file's content with no signature at all",
        recipe: "signed base file written without signing (its manifest expects no signature)",
        make: unsigned,
    },
    Vector {
        name: "signed-unknown-key",
        expect: Expect::Valid,
        verify: Verdict::untrusted(&[Reason::UnknownKey]),
        comment: "a good signature by a key the trust store does not list",
        recipe: "signed base file, signed (and its capture event made) by the unknown key as scanner",
        make: signed_unknown_key,
    },
    Vector {
        name: "signed-expired-key",
        expect: Expect::Valid,
        verify: Verdict::untrusted(&[Reason::KeyExpired]),
        comment: "a good signature dated after the end of its key's validity window",
        recipe: "signed base file, signed by the expired key as scanner on 2026-03-01 (the key is valid until 2025-12-31)",
        make: signed_expired_key,
    },
    Vector {
        name: "signed-wrong-role",
        expect: Expect::Valid,
        verify: Verdict::untrusted(&[Reason::RoleNotAllowed]),
        comment: "a good signature in a role the trust store does not allow its key",
        recipe: "signed base file, signed by the analyst key claiming the scanner role",
        make: signed_wrong_role,
    },
    Vector {
        name: "signed-revoked-key",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::RevokedKey]),
        comment: "a good signature by a revoked key, dated before the revocation: whoever holds the key can back-date",
        recipe: "signed base file, signed by the revoked key as scanner on 2026-03-01, a month before its revocation",
        make: signed_revoked_key,
    },
    Vector {
        name: "tampered-byte-flip-in-tile",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::DigestMismatch]),
        comment: "one bit of a stored sample changed: the pixels still decode",
        recipe: "signed base file; the first data byte of tile (1, 0) of plane 0 XOR 0x01",
        make: tampered_byte_flip_in_tile,
    },
    Vector {
        name: "tampered-byte-flip-in-metadata",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::DigestMismatch]),
        comment: "one byte of the scan metadata changed, the JSON still valid",
        recipe: "signed base file; the scanner serial in META changed from CX6-00421 to CX7-00421 (same length); index and tail rebuilt",
        make: tampered_byte_flip_in_metadata,
    },
    Vector {
        name: "tampered-chunk-reordered",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::UnlistedChunk]),
        comment: "two chunks of a generation swapped, in an order the format allows",
        recipe: "signed base file; the EVNT chunk moved before the ANNO chunk; index and tail rebuilt",
        make: tampered_chunk_reordered,
    },
    Vector {
        name: "tampered-chunk-spliced-from-other-file",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::DigestMismatch]),
        comment: "a tile replaced by the same tile of another file signed by the same scanner",
        recipe: "signed base file; tile (1, 0) of plane 0 replaced by tile (1, 0) of plane 0 of another signed base file (other pixels, another file id); index and tail rebuilt",
        make: tampered_chunk_spliced_from_other_file,
    },
    Vector {
        name: "tampered-tiles-swapped",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::DigestMismatch]),
        comment: "the pixels of two tiles swapped, their positions fixed so the file stays in order",
        recipe: "signed base file; tiles (0, 0) and (1, 0) of plane 0 swapped and the column in each header set to its new place; index and tail rebuilt",
        make: tampered_tiles_swapped,
    },
    Vector {
        name: "tampered-chunk-inserted",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::UnlistedChunk]),
        comment: "an annotation planted in a signed generation",
        recipe: "signed base file; a second ANNO (a weapons finding) inserted after the first; index and tail rebuilt",
        make: tampered_chunk_inserted,
    },
    Vector {
        name: "tampered-chunk-removed-without-redaction",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::RemovedWithoutRedaction]),
        comment: "personal data removed with no redaction event to say who did it and why",
        recipe: "signed base file without its PERS chunk; index and tail rebuilt",
        make: tampered_chunk_removed_without_redaction,
    },
    Vector {
        name: "tampered-digest-algorithm-changed",
        expect: Expect::Invalid(ErrorKind::MalformedChunk),
        verify: Verdict::invalid(&[Reason::BadSignature, Reason::DigestAlgorithmMismatch]),
        comment: "HEAD claims BLAKE3 in a file whose signed manifest says SHA-256",
        recipe: "signed base file with the HEAD digest_algorithm set to 2; index and tail rebuilt",
        make: tampered_digest_algorithm_changed,
    },
    Vector {
        name: "tampered-version-downgrade",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::BadSignature]),
        comment: "the format version lowered after signing: the version is part of the signed message",
        recipe: "signed base file as a writer of version 1.1 signs it (version field 1.1, the scanner's signature over version 1.1), then the version field set back to 1.0",
        make: tampered_version_downgrade,
    },
    Vector {
        name: "tampered-redaction-names-present-chunk",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::RedactedChunkPresent]),
        comment: "redacted personal data put back: the signed redaction event names a chunk that is present",
        recipe: "redacted-personal-data-signed (this vector's ids); the PERS chunk of its generation 1 inserted back after META; index and tail rebuilt",
        make: tampered_redaction_names_present_chunk,
    },
    Vector {
        name: "tampered-redaction-removes-annotation",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::BadRedactionReference, Reason::RemovedWithoutRedaction]),
        comment: "a trusted agency removes the scanner's annotation and records it as a redaction: only PERS and TILE chunks may be redacted",
        recipe: "signed base file; a generation appended by the editor, signed by the agency key as agency at 2026-03-02T09:00:00Z, holding one redact event by that key whose one record names generation 1, the ANNO's entry and digest; then the ANNO chunk removed; index and tail rebuilt",
        make: tampered_redaction_removes_annotation,
    },
    Vector {
        name: "tampered-redaction-removes-capture-event",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::BadRedactionReference, Reason::RemovedWithoutRedaction]),
        comment: "a trusted agency removes the scanner's capture event and records it as a redaction: only PERS and TILE chunks may be redacted",
        recipe: "as tampered-redaction-removes-annotation, with the EVNT (capture) chunk of generation 1 in place of the ANNO",
        make: tampered_redaction_removes_capture_event,
    },
    Vector {
        name: "redacted-tile-record-invalid",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::BadRedactionReference, Reason::RemovedWithoutRedaction]),
        comment: "a tile absent and named by a redaction record that is not valid (wrong digest): a reader accepts the absence and reads zeros, the verifier refuses the record",
        recipe: "as tampered-redaction-removes-annotation, for tile (0, 0) of plane 0, the record naming generation 1, the tile's entry, chunk TILE, plane 0, col 0, row 0 and the digest of 64 zeros",
        make: redacted_tile_record_invalid,
    },
    Vector {
        name: "redacted-tile-record-other-position",
        expect: Expect::Invalid(ErrorKind::MissingChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "a tile absent while the redaction record names its entry and digest but another tile's position: the position decides, so the absent tile is named by no record",
        recipe: "as redacted-tile-record-invalid, the record with the tile's true digest, and col 1 in place of col 0 (tile (1, 0) is present)",
        make: redacted_tile_record_other_position,
    },
    Vector {
        name: "tampered-content-planted-in-redacted-slot",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::UnlistedChunk]),
        comment: "new pixels put where a redacted tile was",
        recipe: "redacted-cab-tiles-signed (this vector's ids); tile (0, 0) of plane 0 as it was before the redaction, its first data byte XOR 0x55, inserted back; index and tail rebuilt",
        make: tampered_content_planted_in_redacted_slot,
    },
    Vector {
        name: "tampered-signature-duplicated",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[
            Reason::DuplicateSignature,
            Reason::SignatureChainMismatch,
            Reason::UnexpectedSignature,
        ]),
        comment: "a signature copied after itself, to count twice",
        recipe: "signed base file; a copy of its SIGN chunk inserted after it; index and tail rebuilt",
        make: tampered_signature_duplicated,
    },
    Vector {
        name: "tampered-signature-stripped",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::SignatureMissing]),
        comment: "the only signature removed: invalid, never unsigned, since the manifest expects it",
        recipe: "signed base file without its SIGN chunk; index and tail rebuilt",
        make: tampered_signature_stripped,
    },
    Vector {
        name: "tampered-middle-signature-stripped",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::SignatureChainMismatch, Reason::SignatureMissing]),
        comment: "the agency's signature removed from a three-generation file; the recipient's chains to it",
        recipe: "journey-three-agencies (this vector's ids) without the SIGN chunk of generation 2; index and tail rebuilt",
        make: tampered_middle_signature_stripped,
    },
    Vector {
        name: "tampered-all-signatures-stripped",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::SignatureMissing]),
        comment: "every signature of a three-generation file removed",
        recipe: "journey-three-agencies (this vector's ids) without its three SIGN chunks; index and tail rebuilt",
        make: tampered_all_signatures_stripped,
    },
    Vector {
        name: "tampered-signature-from-other-file",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::BadSignature]),
        comment: "a genuine signature by the same scanner, taken from another file",
        recipe: "signed base file; its SIGN chunk replaced by that of valid/signed-scanner.scx; index and tail rebuilt",
        make: tampered_signature_from_other_file,
    },
    Vector {
        name: "tampered-key-id-forged",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::BadSignature, Reason::KeyIdMismatch]),
        comment: "a signature claiming the agency's key id with the scanner's public key",
        recipe: "signed base file; the key_id of its SIGN record replaced by the agency key's id; index and tail rebuilt",
        make: tampered_key_id_forged,
    },
    Vector {
        name: "tampered-manifest-chain-broken",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::BadSignature, Reason::ManifestChainBroken]),
        comment: "the last manifest no longer chains to the one before it",
        recipe: "journey-three-agencies (this vector's ids); the first byte of previous_manifest in the MANI of generation 3 XOR 0x01; index and tail rebuilt",
        make: tampered_manifest_chain_broken,
    },
    Vector {
        name: "tampered-appended-generation-unsigned",
        expect: Expect::Valid,
        verify: Verdict::untrusted(&[Reason::UnsignedGeneration]),
        comment: "a generation appended by someone without a key: its annotation claims to be the analyst's",
        recipe: "signed base file; generation 2 appended unsigned (expecting no signature): a weapons annotation and an annotate event naming the analyst key",
        make: tampered_appended_generation_unsigned,
    },
    Vector {
        name: "tampered-trailing-bytes",
        expect: Expect::Invalid(ErrorKind::TrailingBytes),
        verify: Verdict::FORMAT_ERROR,
        comment: "a signature chunk appended after the tail",
        recipe: "signed base file followed by a copy of its SIGN chunk",
        make: tampered_trailing_bytes,
    },
    Vector {
        name: "tampered-signature-time-changed",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::BadSignature]),
        comment: "a signature by an expired key back-dated into the key's validity window",
        recipe: "signed-expired-key (this vector's ids); the time of its SIGN record set to 2025-06-01T00:00:00Z; index and tail rebuilt",
        make: tampered_signature_time_changed,
    },
    Vector {
        name: "tampered-signature-role-changed",
        expect: Expect::Valid,
        verify: Verdict::invalid(&[Reason::BadSignature]),
        comment: "a signature's role changed to the one the trust store allows its key",
        recipe: "signed-wrong-role (this vector's ids); the role of its SIGN record set to analyst; index and tail rebuilt",
        make: tampered_signature_role_changed,
    },
];

/// When the scanner signs generation 1.
const SCANNED: &str = "2026-03-01T10:00:00Z";
/// When the agency signs its generation.
const REDACTED: &str = "2026-03-02T09:00:00Z";
/// When the analyst signs.
const ANALYSED: &str = "2026-03-03T11:00:00Z";
/// When the recipient countersigns.
const COUNTERSIGNED: &str = "2026-03-05T14:30:00Z";

const CAPTURE_ID: &str = "5a1c7e2b-0d3f-4a6b-8c9d-1e2f3a4b5c6d";
const ANNOTATION_ID: &str = "6f1d2c3b-8a9e-4f70-b1c2-d3e4f5a6b7c8";
const REDACT_ID: &str = "1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b";
const TRANSFER_ID: &str = "2a3b4c5d-6e7f-4809-9a1b-2c3d4e5f6a7b";
const COUNTERSIGN_ID: &str = "3b4c5d6e-7f80-4912-8b2c-3d4e5f6a7b8c";
const ANALYST_ANNOTATION_ID: &str = "4c5d6e7f-8091-4a23-9c3d-4e5f6a7b8c9d";
const ANNOTATE_ID: &str = "5d6e7f80-91a2-4b34-8d4e-5f6a7b8c9d0e";
const DERIVE_ID: &str = "6e7f8091-a2b3-4c45-9e5f-6a7b8c9d0e1f";
const PLANTED_ANNOTATION_ID: &str = "7f8091a2-b3c4-4d56-8f60-7b8c9d0e1f2a";

const REDACTION_REASON: &str =
    "Driver's cab and personal data removed before exchange under the BE-BR customs agreement";

/// The driver's cab: the left four columns, column 0 of the 4 x 3 tiles.
const CAB: Rect = Rect::new(0, 0, 4, 6);

/// The fixed inputs above, for `inputs.json`.
pub(crate) fn inputs() -> serde_json::Value {
    serde_json::json!({
        "times": {
            "scanner_signs": SCANNED,
            "agency_signs": REDACTED,
            "analyst_signs": ANALYSED,
            "recipient_countersigns": COUNTERSIGNED,
        },
        "ids": {
            "capture_event": CAPTURE_ID,
            "annotation": ANNOTATION_ID,
            "redact_event": REDACT_ID,
            "transfer_event": TRANSFER_ID,
            "countersign_event": COUNTERSIGN_ID,
            "analyst_annotation": ANALYST_ANNOTATION_ID,
            "annotate_event": ANNOTATE_ID,
            "derive_event": DERIVE_ID,
            "planted_annotation": PLANTED_ANNOTATION_ID,
        },
        "redaction_reason": REDACTION_REASON,
        "cab_region": { "x": CAB.x, "y": CAB.y, "width": CAB.width, "height": CAB.height },
    })
}

fn unix(time: &str) -> Result<Timestamp> {
    Timestamp::parse_whole_seconds(time)
}

/// The signed base file's content, its capture event by `signer` acting in `role` for
/// `agency`; `seed` chooses the pixels.
fn scan(signer: &dyn Signer, role: Role, agency: Agency, seed: u64) -> Result<ScanBuilder> {
    let capture = EventStamp::new(signer, role, Some(agency), unix(SCANNED)?)?
        .with_id(CAPTURE_ID)
        .capture()?;
    Ok(ScanBuilder::new()
        .personal(PersonalData::example())
        .pattern_plane(
            SampleType::U16,
            (8, 6),
            (4, 3),
            Encoding::stored(),
            PlaneAttributes::example_high_energy(),
            seed,
        )?
        .annotation(small_annotation(0, ANNOTATION_ID))
        .event(capture))
}

/// The signed base file's content signed by `key` in `role` when scanned.
fn signed_by(ctx: &Context, key: TestKey, role: Role) -> Result<Vec<u8>> {
    let signer = key.signing_key();
    scan(&signer, role, key.agency(), 1)?.write_signed(
        ctx,
        &[SignRequest::new(&signer, role, unix(SCANNED)?)],
    )
}

/// The signed base file: signed by the scanner.
fn signed_base(ctx: &Context) -> Result<Vec<u8>> {
    signed_by(ctx, TestKey::Scanner, Role::Scanner)
}

/// Appends a generation to `file`, filled by `edit` with events stamped by `key` at
/// `time`, and signed by `key` in its role at that time.
fn append(
    file: Vec<u8>,
    key: TestKey,
    time: &str,
    edit: impl FnOnce(&mut Editor, &EventStamp) -> Result<()>,
) -> Result<Vec<u8>> {
    let signer = key.signing_key();
    let time = unix(time)?;
    let stamp = EventStamp::new(&signer, key.role(), Some(key.agency()), time)?;
    let mut editor = Editor::from_bytes(file)?;
    edit(&mut editor, &stamp)?;
    editor.to_bytes(&[SignRequest::new(&signer, key.role(), time)])
}

/// Adds the cab tiles to a redaction request.
fn with_cab(editor: &Editor, mut request: RedactRequest) -> Result<RedactRequest> {
    for tile in editor.tiles_in(0, CAB)? {
        request = request.tile(tile);
    }
    Ok(request)
}

/// Redacts what `request` names, with the stamp's actor and time.
fn redact(editor: &mut Editor, stamp: &EventStamp, request: &RedactRequest) -> Result<()> {
    editor.redact_as(request, &stamp.clone().with_id(REDACT_ID))?;
    Ok(())
}

fn signed_scanner(ctx: &Context) -> Result<Vec<u8>> {
    signed_base(ctx)
}

fn signed_blake3(ctx: &Context) -> Result<Vec<u8>> {
    let signer = TestKey::Scanner.signing_key();
    scan(&signer, Role::Scanner, Agency::example(), 1)?
        .digest(DigestAlgorithm::Blake3)
        .write_signed(
            ctx,
            &[SignRequest::new(&signer, Role::Scanner, unix(SCANNED)?)],
        )
}

fn signed_external_signer(ctx: &Context) -> Result<Vec<u8>> {
    let key = TestKey::Scanner.signing_key();
    let public_key = key.public_key();
    // The private key lives only inside the callback, as it would inside an HSM.
    let external = CallbackSigner::new(public_key, move |message: &[u8]| {
        Signer::sign(&key, message).map_err(|e| e.to_string())
    });
    scan(&external, Role::Scanner, Agency::example(), 1)?.write_signed(
        ctx,
        &[SignRequest::new(&external, Role::Scanner, unix(SCANNED)?)],
    )
}

/// Generation 2 of the journey: the agency redacts personal data and the cab and records
/// the transfer.
fn exported(ctx: &Context) -> Result<Vec<u8>> {
    append(signed_base(ctx)?, TestKey::Agency, REDACTED, |editor, stamp| {
        let request = with_cab(editor, RedactRequest::new(REDACTION_REASON).personal_data())?;
        redact(editor, stamp, &request)?;
        editor.add_event(
            &stamp
                .clone()
                .with_id(TRANSFER_ID)
                .transfer(Agency::example(), brazil())?,
        )
    })
}

fn journey_three_agencies(ctx: &Context) -> Result<Vec<u8>> {
    append(
        exported(ctx)?,
        TestKey::Recipient,
        COUNTERSIGNED,
        |editor, stamp| {
            editor.add_event(
                &stamp
                    .clone()
                    .with_id(COUNTERSIGN_ID)
                    .countersign(Some("received intact".to_owned()))?,
            )
        },
    )
}

fn redacted_personal_data_signed(ctx: &Context) -> Result<Vec<u8>> {
    append(signed_base(ctx)?, TestKey::Agency, REDACTED, |editor, stamp| {
        let request = RedactRequest::new("Personal data removed before exchange.").personal_data();
        redact(editor, stamp, &request)
    })
}

fn redacted_cab_tiles_signed(ctx: &Context) -> Result<Vec<u8>> {
    append(signed_base(ctx)?, TestKey::Agency, REDACTED, |editor, stamp| {
        let request = with_cab(editor, RedactRequest::new("The driver's cab removed."))?;
        redact(editor, stamp, &request)
    })
}

fn redacted_tiles_two_rows_two_columns(ctx: &Context) -> Result<Vec<u8>> {
    append(signed_base(ctx)?, TestKey::Agency, REDACTED, |editor, stamp| {
        let mut request = RedactRequest::new("The whole image removed.");
        for tile in editor.tiles_in(0, Rect::new(0, 0, 8, 6))? {
            request = request.tile(tile);
        }
        redact(editor, stamp, &request)
    })
}

fn annotated_by_analyst(ctx: &Context) -> Result<Vec<u8>> {
    append(signed_base(ctx)?, TestKey::Analyst, ANALYSED, |editor, stamp| {
        let mut annotation = small_annotation(0, ANALYST_ANNOTATION_ID);
        annotation.category = Category::Currency;
        annotation.label = Some("banknote bundles in the roof lining".to_owned());
        annotation.confidence = None;
        annotation.source = AnnotationSource::Operator;
        annotation.algorithm = None;
        annotation.created = stamp.time;
        editor.add_annotation(&annotation)?;
        editor.add_event(
            &stamp
                .clone()
                .with_id(ANNOTATE_ID)
                .annotate(vec![ANALYST_ANNOTATION_ID.to_owned()])?,
        )
    })
}

fn derived_crop(ctx: &Context) -> Result<Vec<u8>> {
    let parent = signed_base(&Context::new("signed-scanner"))?;
    let analyst = TestKey::Analyst.signing_key();
    let time = unix(ANALYSED)?;
    let stamp = EventStamp::new(&analyst, Role::Analyst, Some(Agency::example()), time)?
        .with_id(DERIVE_ID);
    let request = CropRequest::new(Rect::new(4, 0, 4, 6))
        .with_encoding(Encoding::stored())
        .with_write_options(ctx.options());
    derive_crop(
        &parent,
        &request,
        &stamp,
        &[SignRequest::new(&analyst, Role::Analyst, time)],
    )
}

fn unsigned(ctx: &Context) -> Result<Vec<u8>> {
    scan(
        &TestKey::Scanner.signing_key(),
        Role::Scanner,
        Agency::example(),
        1,
    )?
    .write(ctx)
}

fn signed_unknown_key(ctx: &Context) -> Result<Vec<u8>> {
    signed_by(ctx, TestKey::Unknown, Role::Scanner)
}

fn signed_expired_key(ctx: &Context) -> Result<Vec<u8>> {
    signed_by(ctx, TestKey::Expired, Role::Scanner)
}

fn signed_wrong_role(ctx: &Context) -> Result<Vec<u8>> {
    signed_by(ctx, TestKey::Analyst, Role::Scanner)
}

fn signed_revoked_key(ctx: &Context) -> Result<Vec<u8>> {
    signed_by(ctx, TestKey::Revoked, Role::Scanner)
}

/// `file` with `attack` applied, the index and the tail rebuilt (as any attacker can).
fn tamper(file: &[u8], attack: impl FnOnce(&mut Surgery) -> Result<()>) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(file)?;
    attack(&mut s)?;
    s.reindex()
}

/// The `SIGN` record at chunk `i`, edited by `edit`.
fn edit_signature(s: &mut Surgery, i: usize, edit: impl FnOnce(&mut SignatureRecord)) -> Result<()> {
    let payload = s.payload_mut(i)?;
    let mut record = SignatureRecord::parse(payload, 0)?;
    edit(&mut record);
    *payload = record.encode();
    Ok(())
}

fn tampered_byte_flip_in_tile(ctx: &Context) -> Result<Vec<u8>> {
    tamper(&signed_base(ctx)?, |s| {
        let tile = s.tile_position(0, 1, 0)?;
        s.edit_tile(tile, |_, data| {
            if let Some(b) = data.first_mut() {
                *b ^= 0x01;
            }
        })
    })
}

fn tampered_byte_flip_in_metadata(ctx: &Context) -> Result<Vec<u8>> {
    tamper(&signed_base(ctx)?, |s| {
        let meta = s.position(ChunkType::META)?;
        s.replace(meta, b"\"CX6-00421\"", b"\"CX7-00421\"")
    })
}

fn tampered_chunk_reordered(ctx: &Context) -> Result<Vec<u8>> {
    tamper(&signed_base(ctx)?, |s| {
        let anno = s.position(ChunkType::ANNO)?;
        let evnt = s.position(ChunkType::EVNT)?;
        s.move_chunk(evnt, anno)
    })
}

fn tampered_chunk_spliced_from_other_file(ctx: &Context) -> Result<Vec<u8>> {
    let signer = TestKey::Scanner.signing_key();
    let other = scan(&signer, Role::Scanner, Agency::example(), 5)?.write_signed(
        &Context::new("another scan by the same scanner"),
        &[SignRequest::new(&signer, Role::Scanner, unix(SCANNED)?)],
    )?;
    let other = Surgery::parse(&other)?;
    let foreign = other.chunk(other.tile_position(0, 1, 0)?)?.clone();
    tamper(&signed_base(ctx)?, |s| {
        let here = s.tile_position(0, 1, 0)?;
        s.remove(here)?;
        s.insert(here, foreign)
    })
}

fn tampered_tiles_swapped(ctx: &Context) -> Result<Vec<u8>> {
    tamper(&signed_base(ctx)?, |s| {
        let a = s.tile_position(0, 0, 0)?;
        let b = s.tile_position(0, 1, 0)?;
        let first = s.chunk(a)?.clone();
        let second = s.chunk(b)?.clone();
        s.remove(a)?;
        s.insert(a, second)?;
        s.remove(b)?;
        s.insert(b, first)?;
        s.edit_tile(a, |header, _| header.col = 0)?;
        s.edit_tile(b, |header, _| header.col = 1)
    })
}

fn tampered_chunk_inserted(ctx: &Context) -> Result<Vec<u8>> {
    let mut planted = small_annotation(0, PLANTED_ANNOTATION_ID);
    planted.category = Category::Weapons;
    planted.label = Some("rifle-shaped object".to_owned());
    tamper(&signed_base(ctx)?, |s| {
        let anno = s.position(ChunkType::ANNO)?;
        s.insert(
            anno + 1,
            Chunk::new(ChunkType::ANNO, scanx::metadata::to_json(&planted)),
        )
    })
}

fn tampered_chunk_removed_without_redaction(ctx: &Context) -> Result<Vec<u8>> {
    tamper(&signed_base(ctx)?, |s| {
        let pers = s.position(ChunkType::PERS)?;
        s.remove(pers).map(drop)
    })
}

fn tampered_digest_algorithm_changed(ctx: &Context) -> Result<Vec<u8>> {
    tamper(&signed_base(ctx)?, |s| {
        let head = s.position(ChunkType::HEAD)?;
        crate::surgery::overwrite(s.payload_mut(head)?, 16, &[DigestAlgorithm::Blake3.id()])
    })
}

fn tampered_version_downgrade(ctx: &Context) -> Result<Vec<u8>> {
    let newer = as_minor_version(&signed_base(ctx)?, 1)?;
    // The file the attacker starts from must be a genuine, trusted file of version 1.1.
    let found = VerifyFacts::of(&newer, &trust_store()?);
    if found.status != Status::Trusted.name() {
        return Err(Error::invalid_argument(format!(
            "the version 1.1 file verifies to {found}"
        )));
    }
    let mut s = Surgery::parse(&newer)?;
    s.header[10..12].copy_from_slice(&0u16.to_le_bytes());
    Ok(s.into_bytes())
}

/// The file as a writer of version 1.`minor` makes it: the version field set, and
/// generation 1 signed again by the scanner over that version.
fn as_minor_version(file: &[u8], minor: u16) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(file)?;
    s.header[10..12].copy_from_slice(&minor.to_le_bytes());
    let file_id = s.file_id();
    let mani = s.position(ChunkType::MANI)?;
    let digest = manifest_digest(DigestAlgorithm::Sha256, &file_id, &s.chunk(mani)?.to_bytes());
    let scanner = TestKey::Scanner.signing_key();
    let sign = s.position(ChunkType::SIGN)?;
    let mut record = SignatureRecord::parse(&s.chunk(sign)?.payload, 0)?;
    let message = signed_message(&SignedFields {
        version: FormatVersion { major: 1, minor },
        file_id: &file_id,
        algorithm: DigestAlgorithm::Sha256,
        generation: 1,
        manifest_digest: &digest,
        key_id: &record.key_id,
        role: record.role,
        time: record.time,
        chain: &record.chain,
    });
    record.signature = Signer::sign(&scanner, &message)?;
    *s.payload_mut(sign)? = record.encode();
    Ok(s.into_bytes())
}

fn tampered_redaction_names_present_chunk(ctx: &Context) -> Result<Vec<u8>> {
    let original = Surgery::parse(&signed_base(ctx)?)?;
    let pers = original.chunk(original.position(ChunkType::PERS)?)?.clone();
    tamper(&redacted_personal_data_signed(ctx)?, |s| {
        let meta = s.position(ChunkType::META)?;
        s.insert(meta + 1, pers)
    })
}

fn tampered_redaction_removes_annotation(ctx: &Context) -> Result<Vec<u8>> {
    redaction_of_unsalted(ctx, ChunkType::ANNO)
}

fn tampered_redaction_removes_capture_event(ctx: &Context) -> Result<Vec<u8>> {
    redaction_of_unsalted(ctx, ChunkType::EVNT)
}

/// The signed base file without its chunk of type `t`, and a generation signed by the
/// (trusted) agency whose redaction event names that chunk.
fn redaction_of_unsalted(ctx: &Context, t: ChunkType) -> Result<Vec<u8>> {
    crafted_redaction(ctx, |chunk| chunk.chunk_type == t, |r| r)
}

fn redacted_tile_record_invalid(ctx: &Context) -> Result<Vec<u8>> {
    crafted_redaction(ctx, is_cab_tile, |mut r| {
        r.digest = "0".repeat(64);
        r
    })
}

fn redacted_tile_record_other_position(ctx: &Context) -> Result<Vec<u8>> {
    crafted_redaction(ctx, is_cab_tile, |mut r| {
        r.col = Some(1);
        r
    })
}

fn is_cab_tile(chunk: &ChunkRef) -> bool {
    chunk.tile
        == Some(TileRef {
            plane: 0,
            col: 0,
            row: 0,
        })
}

/// The signed base file without the first chunk of generation 1 that `which` selects,
/// then a generation signed by the (trusted) agency whose redaction event holds one
/// record: the true record of that chunk, changed by `record`.
fn crafted_redaction(
    ctx: &Context,
    which: impl Fn(&ChunkRef) -> bool,
    record: impl FnOnce(RemovedChunk) -> RemovedChunk,
) -> Result<Vec<u8>> {
    let base = signed_base(ctx)?;
    let layout = FileLayout::parse(&base, &Limits::default())?;
    let g = &layout.generations[0];
    let (matches, _) = align(&g.content, &g.manifest.entries);
    let (entry, chunk) = matches
        .iter()
        .enumerate()
        .find_map(|(e, m)| match *m {
            EntryMatch::Present(c) if which(&g.content[c]) => Some((e, &g.content[c])),
            _ => None,
        })
        .ok_or_else(|| Error::invalid_argument("no such chunk"))?;
    let mut true_record = RemovedChunk::new(
        1,
        entry as u32,
        chunk.chunk_type.to_string(),
        hex::encode(chunk.digest),
    );
    if let Some(tile) = chunk.tile {
        true_record = true_record.with_tile(tile);
    }
    let removed = record(true_record);
    let offset = chunk.offset;
    // The event first (the editor reads only whole files), then the chunk removed: the
    // chunks before it keep their offsets, and no later manifest lists it.
    let appended = append(base, TestKey::Agency, REDACTED, |editor, stamp| {
        let action = Action::Redact {
            reason: REDACTION_REASON.to_owned(),
            removed: vec![removed],
        };
        let event =
            Event::new(stamp.time, stamp.actor.clone(), action).with_id(REDACT_ID);
        editor.add_event(&event)
    })?;
    let mut s = Surgery::parse(&appended)?;
    let at = (0..s.chunks.len())
        .find(|&i| s.offset_of(i) == offset)
        .ok_or_else(|| Error::invalid_argument("chunk not found"))?;
    s.remove(at)?;
    s.reindex()
}

fn tampered_content_planted_in_redacted_slot(ctx: &Context) -> Result<Vec<u8>> {
    let mut original = Surgery::parse(&signed_base(ctx)?)?;
    let cab = original.tile_position(0, 0, 0)?;
    original.edit_tile(cab, |_, data| {
        if let Some(b) = data.first_mut() {
            *b ^= 0x55;
        }
    })?;
    let planted = original.chunk(cab)?.clone();
    tamper(&redacted_cab_tiles_signed(ctx)?, |s| {
        let next = s.tile_position(0, 1, 0)?;
        s.insert(next, planted)
    })
}

fn tampered_signature_duplicated(ctx: &Context) -> Result<Vec<u8>> {
    tamper(&signed_base(ctx)?, |s| {
        let sign = s.position(ChunkType::SIGN)?;
        let copy = s.chunk(sign)?.clone();
        s.insert(sign + 1, copy)
    })
}

fn tampered_signature_stripped(ctx: &Context) -> Result<Vec<u8>> {
    tamper(&signed_base(ctx)?, |s| {
        let sign = s.position(ChunkType::SIGN)?;
        s.remove(sign).map(drop)
    })
}

fn tampered_middle_signature_stripped(ctx: &Context) -> Result<Vec<u8>> {
    tamper(&journey_three_agencies(ctx)?, |s| {
        let agency = *s
            .positions(ChunkType::SIGN)
            .get(1)
            .ok_or_else(|| Error::invalid_argument("no second signature"))?;
        s.remove(agency).map(drop)
    })
}

fn tampered_all_signatures_stripped(ctx: &Context) -> Result<Vec<u8>> {
    tamper(&journey_three_agencies(ctx)?, |s| {
        for sign in s.positions(ChunkType::SIGN).into_iter().rev() {
            s.remove(sign)?;
        }
        Ok(())
    })
}

fn tampered_signature_from_other_file(ctx: &Context) -> Result<Vec<u8>> {
    let other = Surgery::parse(&signed_base(&Context::new("signed-scanner"))?)?;
    let foreign = other.chunk(other.position(ChunkType::SIGN)?)?.clone();
    tamper(&signed_base(ctx)?, |s| {
        let sign = s.position(ChunkType::SIGN)?;
        s.remove(sign)?;
        s.insert(sign, foreign)
    })
}

fn tampered_key_id_forged(ctx: &Context) -> Result<Vec<u8>> {
    let agency = TestKey::Agency.public_key().key_id();
    tamper(&signed_base(ctx)?, |s| {
        let sign = s.position(ChunkType::SIGN)?;
        edit_signature(s, sign, |record| record.key_id = agency.0)
    })
}

fn tampered_manifest_chain_broken(ctx: &Context) -> Result<Vec<u8>> {
    tamper(&journey_three_agencies(ctx)?, |s| {
        let third = *s
            .positions(ChunkType::MANI)
            .get(2)
            .ok_or_else(|| Error::invalid_argument("no third manifest"))?;
        // previous_manifest starts at byte 8 of the payload.
        let payload = s.payload_mut(third)?;
        let byte = payload
            .get_mut(8)
            .ok_or_else(|| Error::invalid_argument("a short manifest"))?;
        *byte ^= 0x01;
        Ok(())
    })
}

fn tampered_appended_generation_unsigned(ctx: &Context) -> Result<Vec<u8>> {
    let analyst = TestKey::Analyst.signing_key();
    let stamp = EventStamp::new(
        &analyst,
        Role::Analyst,
        Some(Agency::example()),
        unix(ANALYSED)?,
    )?
    .with_id(ANNOTATE_ID);
    let mut planted = small_annotation(0, PLANTED_ANNOTATION_ID);
    planted.category = Category::Weapons;
    planted.label = Some("rifle-shaped object".to_owned());
    planted.created = stamp.time;
    let mut editor = Editor::from_bytes(signed_base(ctx)?)?;
    editor.add_annotation(&planted)?;
    editor.add_event(&stamp.annotate(vec![PLANTED_ANNOTATION_ID.to_owned()])?)?;
    editor.to_bytes(&[])
}

fn tampered_trailing_bytes(ctx: &Context) -> Result<Vec<u8>> {
    let mut file = signed_base(ctx)?;
    let s = Surgery::parse(&file)?;
    let sign = s.chunk(s.position(ChunkType::SIGN)?)?.to_bytes();
    file.extend_from_slice(&sign);
    Ok(file)
}

fn tampered_signature_time_changed(ctx: &Context) -> Result<Vec<u8>> {
    let inside_window = unix("2025-06-01T00:00:00Z")?;
    tamper(&signed_expired_key(ctx)?, |s| {
        let sign = s.position(ChunkType::SIGN)?;
        edit_signature(s, sign, |record| record.time = inside_window.unix_seconds())
    })
}

fn tampered_signature_role_changed(ctx: &Context) -> Result<Vec<u8>> {
    tamper(&signed_wrong_role(ctx)?, |s| {
        let sign = s.position(ChunkType::SIGN)?;
        edit_signature(s, sign, |record| record.role = Role::Analyst)
    })
}
