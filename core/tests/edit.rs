//! Editing appends a generation: kept chunks are copied byte for byte, removed ones are
//! gone, and both readers see the result.

use scanx::crypto::Role;
use scanx::metadata::{Actor, Annotation, PersonalData, PlaneAttributes, ScanMetadata};
use scanx::pixels::{PixelBuffer, Rect, SampleType};
use scanx::provenance::EventStamp;
use scanx::{
    read_bytes, Editor, ErrorKind, PlaneSpec, ReadOptions, Reader, RedactRequest, Result, TileRef,
    WriteOptions, Writer,
};

fn original() -> Result<(Vec<u8>, PixelBuffer)> {
    let samples: Vec<u16> = (0..40 * 30).map(|i| (i * 31 % 4099) as u16).collect();
    let pixels = PixelBuffer::from_u16(40, 30, &samples)?;
    let mut w = Writer::new(
        Vec::new(),
        &ScanMetadata::example(),
        WriteOptions::deterministic([5; 16], [6; 32]),
    )?;
    w.personal_data(&PersonalData::example())?;
    let p = w.add_plane(
        PlaneSpec::new(
            SampleType::U16,
            40,
            30,
            PlaneAttributes::example_high_energy(),
        )
        .with_tile_size(16, 16),
    )?;
    w.write_plane(p, &pixels)?;
    Ok((w.finish(&[])?, pixels))
}

fn actor() -> Actor {
    Actor::from_key_id("00112233445566778899aabbccddeeff", Role::Agency, None)
}

/// The stamp of `actor()` at 2026-03-02T10:00:00Z with event id `id`.
fn stamp(id: &str) -> EventStamp {
    EventStamp::from_actor(actor(), scanx::Timestamp::from_unix_seconds(1_772_445_600)).with_id(id)
}

#[test]
fn redact_and_annotate_append_a_generation() -> Result<()> {
    let (bytes, pixels) = original()?;
    let mut editor = Editor::from_bytes(bytes.clone())?;
    let cab = editor.tiles_in(
        0,
        Rect {
            x: 0,
            y: 0,
            width: 10,
            height: 30,
        },
    )?;
    assert_eq!(cab.len(), 2);
    let request = cab.iter().fold(
        RedactRequest::new("driver's cab").personal_data(),
        |r, t| r.tile(*t),
    );
    let event = editor.redact_as(&request, &stamp("1b4e28ba-2fa1-41d2-883f-0016d3cca427"))?;
    editor.add_annotation(&small_annotation())?;
    let edited = editor.to_bytes(&[])?;

    // Every chunk of the original except the removed ones and INDX/TAIL is in the new
    // file byte for byte: the file header, and HEAD, META and every PLAN whole and in the
    // same place; every tile but the redacted ones; nothing of the PERS chunk.
    assert_eq!(&edited[..12], &bytes[..12]);
    let before = chunks(&bytes);
    let after = chunks(&edited);
    for kind in [*b"HEAD", *b"META", *b"PLAN"] {
        let old: Vec<_> = before.iter().filter(|c| c.0 == kind).collect();
        let new: Vec<_> = after.iter().filter(|c| c.0 == kind).collect();
        assert!(!old.is_empty(), "the original has a {kind:?} chunk");
        assert_eq!(old, new, "{kind:?} chunks differ");
    }
    assert!(before.iter().any(|c| &c.0 == b"PERS"));
    assert!(!after.iter().any(|c| &c.0 == b"PERS"));
    let old_tiles: Vec<_> = before.iter().filter(|c| &c.0 == b"TILE").collect();
    let new_tiles: Vec<_> = after.iter().filter(|c| &c.0 == b"TILE").collect();
    assert_eq!(new_tiles.len() + cab.len(), old_tiles.len());
    assert!(
        new_tiles.iter().all(|t| old_tiles.contains(t)),
        "every kept tile is copied byte for byte"
    );
    let scan = read_bytes(&edited, &ReadOptions::default())?;
    assert!(scan.personal.is_none());
    assert_eq!(scan.manifests.len(), 2);
    assert_eq!(scan.annotations.len(), 1);
    assert_eq!(scan.events, vec![event]);
    let mut expected = pixels.clone();
    let zero = PixelBuffer::zeroed(SampleType::U16, 16, 16)?;
    for t in &cab {
        let rect = Rect {
            x: t.col * 16,
            y: t.row * 16,
            width: 16,
            height: 16.min(30 - t.row * 16),
        };
        scanx::pixels::place_tile(
            &zero
                .region(Rect {
                    x: 0,
                    y: 0,
                    width: rect.width,
                    height: rect.height,
                })?
                .into_bytes(),
            rect,
            &mut expected,
            (0, 0),
        )?;
    }
    assert_eq!(scan.planes[0].pixels, expected);
    assert_eq!(scan.redacted_tiles, cab);

    let reader = Reader::from_bytes(edited.clone())?;
    assert!(reader.personal_data().is_none());
    assert_eq!(reader.read_plane(0)?, expected);
    assert_eq!(reader.read_tile(0, 0, 0)?, None);
    assert_eq!(reader.redacted_tiles()?, cab);

    // A second edit keeps the first edit's chunks too.
    let mut again = Editor::from_bytes(edited)?;
    again.add_annotation(&small_annotation())?;
    let twice = read_bytes(&again.to_bytes(&[])?, &ReadOptions::default())?;
    assert_eq!(twice.manifests.len(), 3);
    assert_eq!(twice.annotations.len(), 2);
    assert_eq!(twice.redacted_tiles, cab);
    Ok(())
}

#[test]
fn redacting_what_is_not_there_is_an_error() -> Result<()> {
    let (bytes, _) = original()?;
    let mut editor = Editor::from_bytes(bytes)?;
    let outside = RedactRequest::new("x").tile(TileRef {
        plane: 0,
        col: 9,
        row: 9,
    });
    let e = editor.redact_as(&outside, &stamp("1b4e28ba-2fa1-41d2-883f-0016d3cca427"));
    assert_eq!(e.err().map(|e| e.kind()), Some(ErrorKind::NotFound));
    let once = RedactRequest::new("plates").personal_data();
    editor.redact_as(&once, &stamp("1b4e28ba-2fa1-41d2-883f-0016d3cca427"))?;
    let twice = editor.redact_as(&once, &stamp("2b4e28ba-2fa1-41d2-883f-0016d3cca427"));
    assert_eq!(twice.err().map(|e| e.kind()), Some(ErrorKind::NotFound));
    Ok(())
}

/// A signer that always fails, to make a save fail after most of the file is written.
struct FailingSigner(scanx::crypto::PublicKey);

impl scanx::crypto::Signer for FailingSigner {
    fn public_key(&self) -> Result<scanx::crypto::PublicKey> {
        Ok(self.0)
    }
    fn sign(&self, _message: &[u8]) -> Result<[u8; scanx::crypto::SIGNATURE_LEN]> {
        Err(scanx::Error::new(
            ErrorKind::SignerFailed,
            "the signing device is unplugged",
        ))
    }
}

/// The names in `dir`, sorted.
fn names_in(dir: &std::path::Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        names.push(entry?.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

#[test]
fn save_replaces_atomically_and_never_touches_the_input_on_failure() -> Result<()> {
    let (bytes, _) = original()?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("scan.scx");
    std::fs::write(&path, &bytes)?;
    let mut editor = Editor::open(&path)?;
    editor.add_annotation(&small_annotation())?;

    // Failure 1: the signer fails while the new file is being written over the input.
    let key = scanx::crypto::SigningKey::from_seed(&[42; 32]);
    let failing = FailingSigner(key.public_key());
    let request = scanx::SignRequest::new(
        &failing,
        Role::Agency,
        scanx::Timestamp::from_unix_seconds(1_772_445_600),
    );
    let e = editor
        .save(&path, &[request])
        .expect_err("the signer fails");
    assert_eq!(e.kind(), ErrorKind::SignerFailed, "{e}");
    assert_eq!(std::fs::read(&path)?, bytes, "the input is byte-identical");
    assert_eq!(
        names_in(dir.path())?,
        ["scan.scx"],
        "no temporary file left"
    );

    // Failure 2: the destination is a directory, so the final rename fails.
    let blocked = dir.path().join("blocked.scx");
    std::fs::create_dir(&blocked)?;
    std::fs::write(blocked.join("inside"), b"kept")?;
    let e = editor
        .save(&blocked, &[])
        .expect_err("a directory is in the way");
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert_eq!(std::fs::read(&path)?, bytes, "the input is byte-identical");
    assert_eq!(std::fs::read(blocked.join("inside"))?, b"kept");
    assert_eq!(
        names_in(dir.path())?,
        ["blocked.scx", "scan.scx"],
        "no temporary file left"
    );

    // Success: the input is replaced by the edited file, and nothing else is left.
    editor.save(&path, &[])?;
    let saved = std::fs::read(&path)?;
    assert_ne!(saved, bytes);
    assert_eq!(saved, editor.to_bytes(&[])?);
    assert_eq!(
        read_bytes(&saved, &ReadOptions::default())?
            .annotations
            .len(),
        1
    );
    assert_eq!(
        names_in(dir.path())?,
        ["blocked.scx", "scan.scx"],
        "no temporary file left behind"
    );
    Ok(())
}

/// Every chunk of a file, in order: its type and the whole chunk (header and payload).
/// Walks the chunk headers: a 12-byte file header, then per chunk a 4-byte type and an
/// 8-byte little-endian payload length.
fn chunks(bytes: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 12;
    while at < bytes.len() {
        let kind: [u8; 4] = bytes[at..at + 4].try_into().expect("a chunk type");
        let len = u64::from_le_bytes(bytes[at + 4..at + 12].try_into().expect("a length"));
        let end = at + 12 + usize::try_from(len).expect("a small file");
        out.push((kind, bytes[at..end].to_vec()));
        at = end;
    }
    assert_eq!(at, bytes.len(), "the chunks end where the file does");
    out
}

/// The example annotation, moved into the top-left 1 x 1 pixel so it fits any plane.
fn small_annotation() -> Annotation {
    let mut a = Annotation::example();
    a.geometry = scanx::metadata::Geometry::BoundingBox {
        x: 0,
        y: 0,
        width: 1,
        height: 1,
    };
    a
}

#[test]
fn a_file_that_does_not_verify_is_not_edited_unless_asked() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/vectors/valid");
    for (name, kind) in [
        (
            "tampered-byte-flip-in-tile",
            scanx::ErrorKind::DigestMismatch,
        ),
        (
            "tampered-byte-flip-in-metadata",
            scanx::ErrorKind::DigestMismatch,
        ),
        (
            "tampered-signature-time-changed",
            scanx::ErrorKind::BadSignature,
        ),
    ] {
        let path = dir.join(format!("{name}.scx"));
        let e = scanx::Editor::open(&path).expect_err(name);
        assert_eq!(e.kind(), kind, "{name}: {e}");
        assert!(scanx::Editor::open_unverified(&path).is_ok(), "{name}");
    }
    // Untrusted is not invalid: a file signed by a key the editor does not know is edited.
    assert!(scanx::Editor::open(dir.join("signed-unknown-key.scx")).is_ok());
    assert!(scanx::Editor::open(dir.join("unsigned.scx")).is_ok());
}
