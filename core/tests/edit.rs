//! Editing appends a generation: kept chunks are copied byte for byte, removed ones are
//! gone, and both readers see the result.

use scanx::crypto::Role;
use scanx::metadata::{Actor, Annotation, PersonalData, PlaneAttributes, ScanMetadata};
use scanx::pixels::{PixelBuffer, Rect, SampleType};
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
    Actor {
        key_id: "00112233445566778899aabbccddeeff".into(),
        agency: None,
        role: Role::Agency,
    }
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
    let event = editor.redact(
        &request,
        actor(),
        "1b4e28ba-2fa1-41d2-883f-0016d3cca427".into(),
        "2026-03-02T10:00:00Z".into(),
    )?;
    editor.add_annotation(&small_annotation())?;
    let edited = editor.to_bytes(&[])?;

    // Every chunk of the original except the removed ones and INDX/TAIL is in the new
    // file byte for byte: check a large prefix (header, HEAD, META) is shared.
    assert_eq!(&edited[..12], &bytes[..12]);
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
    let e = editor.redact(
        &outside,
        actor(),
        "1b4e28ba-2fa1-41d2-883f-0016d3cca427".into(),
        "2026-03-02T10:00:00Z".into(),
    );
    assert_eq!(e.err().map(|e| e.kind()), Some(ErrorKind::NotFound));
    let once = RedactRequest::new("plates").personal_data();
    editor.redact(
        &once,
        actor(),
        "1b4e28ba-2fa1-41d2-883f-0016d3cca427".into(),
        "2026-03-02T10:00:00Z".into(),
    )?;
    let twice = editor.redact(
        &once,
        actor(),
        "2b4e28ba-2fa1-41d2-883f-0016d3cca427".into(),
        "2026-03-02T10:00:00Z".into(),
    );
    assert_eq!(twice.err().map(|e| e.kind()), Some(ErrorKind::NotFound));
    Ok(())
}

#[test]
fn save_replaces_atomically_and_never_touches_the_input_on_failure() -> Result<()> {
    let (bytes, _) = original()?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("scan.scx");
    std::fs::write(&path, &bytes)?;
    let mut editor = Editor::open(&path)?;
    editor.add_annotation(&small_annotation())?;
    editor.save(&path, &[])?;
    let saved = std::fs::read(&path)?;
    assert_ne!(saved, bytes);
    assert_eq!(
        read_bytes(&saved, &ReadOptions::default())?
            .annotations
            .len(),
        1
    );
    assert_eq!(
        std::fs::read_dir(dir.path())?.count(),
        1,
        "no temporary file left behind"
    );
    Ok(())
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
