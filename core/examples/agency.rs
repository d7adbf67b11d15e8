//! An agency's generations, step by step: a scan captured and signed at Antwerp is
//! redacted (personal data and the driver's cab), annotated and transferred by the Belgian
//! customs, then received and countersigned by the Brazilian customs. The file verifies as
//! TRUSTED before and after each step.
//!
//! Redaction removes whole tiles: blanking a region blanks every tile it touches. The
//! example says which tiles were blanked and how many pixels beyond the region asked for.
//!
//! Run with `cargo run --release -p scanx --example agency -- [OUT_DIR]`. The test
//! `core/tests/agency_example.rs` runs the same code.

use std::path::{Path, PathBuf};

use scanx::crypto::{SigningKey, TrustStore, TrustedKey};
use scanx::metadata::{
    Agency, Annotation, Category, PersonalData, PlaneAttributes, ScanMetadata, Scanner, SourceType,
};
use scanx::pixels::{Rect, SampleType};
use scanx::provenance::EventStamp;
use scanx::synthetic::dual_energy_scan;
use scanx::{
    verify_path, Editor, Error, ErrorKind, PlaneSpec, ReadOptions, Reader, RedactRequest, Result,
    Role, SignRequest, Status, TileRef, Timestamp, WriteOptions, Writer,
};

/// Demonstration keys only: anyone can derive them from this source.
const SCANNER_SEED: [u8; 32] = *b"scanx agency example scanner key";
const BELGIUM_SEED: [u8; 32] = *b"scanx agency example BE customs!";
const BRAZIL_SEED: [u8; 32] = *b"scanx agency example BR customs!";

/// The scan: small enough to run in a test, tiled like a real one.
const WIDTH: u32 = 1200;
const HEIGHT: u32 = 400;
const TILE: u32 = 256;

/// Capture time, 2026-03-01T08:20:00Z; fixed so the output is reproducible.
const CAPTURE_TIME: Timestamp = Timestamp::from_unix_seconds(1_772_353_200);
const DAY: i64 = 86_400;

/// `days` days after the capture.
fn days_after_capture(days: i64) -> Timestamp {
    Timestamp::from_unix_seconds(CAPTURE_TIME.unix_seconds() + days * DAY)
}

/// What the example did, for its test.
#[derive(Debug)]
#[allow(dead_code)]
pub struct Outcome {
    /// The verification status of the file after each step: captured, exported by
    /// Belgium, countersigned by Brazil.
    pub statuses: Vec<Status>,
    /// The region the redaction asked for, on each plane.
    pub asked: Rect,
    /// The tiles the redaction removed.
    pub blanked: Vec<TileRef>,
    /// Pixels removed beyond the region asked for, over all planes.
    pub extra_pixels: u64,
    /// The three files written.
    pub files: Vec<PathBuf>,
}

#[cfg_attr(test, allow(dead_code))]
fn main() {
    let out_dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/agency".to_owned());
    if let Err(e) = run(Path::new(&out_dir)) {
        eprintln!("agency example failed: {e} (error code {})", e.code());
        std::process::exit(1);
    }
}

/// Runs every step, writing the files to `out_dir`, and prints what happened.
pub fn run(out_dir: &Path) -> Result<Outcome> {
    std::fs::create_dir_all(out_dir)?;
    let scanner_key = SigningKey::from_seed(&SCANNER_SEED);
    let belgium_key = SigningKey::from_seed(&BELGIUM_SEED);
    let brazil_key = SigningKey::from_seed(&BRAZIL_SEED);
    let belgium = Agency::new("BE", "General Administration of Customs and Excise");
    let brazil = Agency::new("BR", "Receita Federal do Brasil");

    // Who the receiving side trusts, and for what.
    let mut trust = TrustStore::new();
    for (key, name, country, role) in [
        (
            &scanner_key,
            "Antwerp portal 2 scanner",
            "BE",
            Role::Scanner,
        ),
        (
            &belgium_key,
            "Belgian customs export desk",
            "BE",
            Role::Agency,
        ),
        (&brazil_key, "Brazilian customs, Santos", "BR", Role::Agency),
    ] {
        trust.insert(TrustedKey::new(
            key.public_key(),
            name,
            country,
            vec![role],
        )?)?;
    }
    let mut statuses = Vec::new();

    // Generation 1: the scanner captures and signs.
    let captured = out_dir.join("1-captured.scx");
    capture(&captured, &scanner_key, &belgium)?;
    statuses.push(check(
        &captured,
        &trust,
        "captured and signed by the scanner",
    )?);

    // Generation 2: Belgium removes the personal data and the driver's cab, records a
    // finding and the transfer to Brazil, and signs. Every event of the generation names
    // the Belgian key as its actor, and the generation is signed with that key.
    let export_time = days_after_capture(1);
    let stamp = |id: &str| -> Result<EventStamp> {
        Ok(EventStamp::new(
            &belgium_key,
            Role::Agency,
            Some(belgium.clone()),
            export_time,
        )?
        .with_id(id))
    };
    let mut editor = Editor::open(&captured)?;
    let cab = Rect {
        x: 0,
        y: 0,
        width: 300,
        height: HEIGHT,
    };
    let mut blanked = Vec::new();
    // Both channels (planes 0 and 1) show the cab.
    for plane in 0..2 {
        blanked.extend(editor.tiles_in(plane, cab)?);
    }
    let request = blanked.iter().fold(
        RedactRequest::new("personal data and driver's cab removed before exchange")
            .personal_data(),
        |request, tile| request.tile(*tile),
    );
    let redaction = stamp("0c9a8b7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d")?;
    editor.redact_as(&request, &redaction)?;
    let finding = Annotation::new_box(
        0,
        Category::Narcotics,
        Rect {
            x: 640,
            y: 120,
            width: 220,
            height: 150,
        },
    )
    .with_id("5d4c3b2a-1f0e-4d9c-8b7a-695847362514")
    .with_created(redaction.time)
    .with_label("dense blocks behind the reefer evaporator panel");
    editor.add_annotation(&finding)?;
    editor.add_event(
        &stamp("7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d")?.annotate(vec![finding.id.clone()])?,
    )?;
    editor.add_event(
        &stamp("9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b")?
            .transfer(belgium.clone(), brazil.clone())?,
    )?;
    let exported = out_dir.join("2-exported.scx");
    editor.save(
        &exported,
        &[SignRequest::new(&belgium_key, Role::Agency, export_time)],
    )?;
    statuses.push(check(
        &exported,
        &trust,
        "redacted, annotated and transferred by Belgium",
    )?);
    let extra_pixels = describe_redaction(&exported, cab, &blanked)?;

    // Generation 3: Brazil receives the file, checks it, and countersigns it as it
    // stands. A countersignature is the signature on a generation whose only content is
    // a countersign event by the same key, saying who vouches and why.
    let receive_time = days_after_capture(2);
    let mut editor = Editor::open(&exported)?;
    let countersign = EventStamp::new(
        &brazil_key,
        Role::Agency,
        Some(brazil.clone()),
        receive_time,
    )?
    .with_id("2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091")
    .countersign(Some(
        "received at Santos; finding confirmed for inspection".to_owned(),
    ))?;
    editor.add_event(&countersign)?;
    let countersigned = out_dir.join("3-countersigned.scx");
    editor.save(
        &countersigned,
        &[SignRequest::new(&brazil_key, Role::Agency, receive_time)],
    )?;
    statuses.push(check(&countersigned, &trust, "countersigned by Brazil")?);

    Ok(Outcome {
        statuses,
        asked: cab,
        blanked,
        extra_pixels,
        files: vec![captured, exported, countersigned],
    })
}

/// Writes the captured scan: two 16-bit channels, metadata, personal data, the capture
/// event, signed by the scanner.
fn capture(path: &Path, scanner_key: &SigningKey, belgium: &Agency) -> Result<()> {
    let scan = dual_energy_scan(WIDTH, HEIGHT, 7)?;
    let metadata = ScanMetadata::builder()
        .scan_id("3f2e1d0c-9b8a-4765-8432-10fedcba9876")
        .time(CAPTURE_TIME)
        .site("BEANR")
        .site_name("Antwerp, Deurganck dock, portal 2")
        .agency(belgium.clone())
        .scanner(Scanner::new(
            "Acme Inspection Systems",
            "CX-6000 DE",
            "CX6-00421",
            "4.2.1",
            SourceType::Linac,
            vec![4.0, 6.0],
        ))
        .container("CSQU3054383")
        .build()?;
    let capture = EventStamp::new(
        scanner_key,
        Role::Scanner,
        Some(belgium.clone()),
        CAPTURE_TIME,
    )?
    .with_id("6f1c2d3e-4b5a-4789-9abc-def012345678")
    .capture()?;
    scanx::atomic::write_atomic(path, scanx::atomic::Access::Shared, |sink| {
        let mut w = Writer::new(
            sink,
            &metadata,
            WriteOptions::deterministic(*b"agency-example!!", [7; 32]),
        )?;
        w.personal_data(
            &PersonalData::new()
                .with_registration_plate("1-ABC-234")
                .with_driver_name("Jan Peeters"),
        )?;
        // Every plane is declared before any tile is written.
        let mut planes = Vec::new();
        for attributes in [
            PlaneAttributes::example_high_energy(),
            PlaneAttributes::example_low_energy(),
        ] {
            planes.push(
                w.add_plane(
                    PlaneSpec::new(SampleType::U16, WIDTH, HEIGHT, attributes)
                        .with_tile_size(TILE, TILE),
                )?,
            );
        }
        w.write_plane(planes[0], &scan.high)?;
        w.write_plane(planes[1], &scan.low)?;
        w.event(&capture)?;
        w.finish(&[SignRequest::new(scanner_key, Role::Scanner, CAPTURE_TIME)])?;
        Ok(())
    })
}

/// Verifies `path`, prints the verdict, and fails unless it is TRUSTED.
fn check(path: &Path, trust: &TrustStore, step: &str) -> Result<Status> {
    let report = verify_path(path, Some(trust), &ReadOptions::default())?;
    println!("{step}: {} ({})", report.status, path.display());
    if report.status != Status::Trusted {
        for line in report.to_string().lines() {
            println!("  {line}");
        }
        return Err(Error::new(
            ErrorKind::NotTrusted,
            format!(
                "{}: {} after the step \"{step}\"",
                path.display(),
                report.status
            ),
        ));
    }
    Ok(report.status)
}

/// Prints which tiles the redaction blanked and what it blanked beyond `asked`, checks
/// that those pixels read back as zero, and returns how many there are.
fn describe_redaction(path: &Path, asked: Rect, blanked: &[TileRef]) -> Result<u64> {
    let reader = Reader::open(path)?;
    println!(
        "asked to blank x {}..{}, y {}..{} ({} pixels) on each plane; redaction is per tile ({TILE} x {TILE}), so it blanked:",
        asked.x,
        asked.x + asked.width,
        asked.y,
        asked.y + asked.height,
        u64::from(asked.width) * u64::from(asked.height)
    );
    let mut extra_total = 0;
    for tile in blanked {
        let grid = &reader.planes()[usize::from(tile.plane)].grid;
        let rect = grid
            .tile_rect(tile.col, tile.row)
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "a blanked tile is off the grid"))?;
        let inside = overlap(rect, asked);
        let extra = area(rect) - inside.map_or(0, area);
        extra_total += extra;
        let beyond = if extra == 0 {
            "all of it asked for".to_owned()
        } else {
            format!(
                "{extra} pixels beyond the region (x {}..{})",
                asked.x + asked.width,
                rect.x + rect.width
            )
        };
        println!(
            "  plane {} tile ({}, {}): x {}..{}, y {}..{}: {beyond}",
            tile.plane,
            tile.col,
            tile.row,
            rect.x,
            rect.x + rect.width,
            rect.y,
            rect.y + rect.height,
        );
        // What was blanked beyond the region reads back as zero.
        if extra > 0 && rect.x + rect.width > asked.x + asked.width {
            let right = Rect {
                x: asked.x + asked.width,
                width: rect.x + rect.width - (asked.x + asked.width),
                ..rect
            };
            let pixels = reader.read_region(tile.plane, right)?;
            if pixels.as_bytes().iter().any(|&b| b != 0) {
                return Err(Error::new(
                    ErrorKind::InvalidState,
                    "a pixel of a blanked tile is not zero",
                ));
            }
        }
    }
    println!(
        "  {} tiles, {extra_total} pixels blanked beyond the region asked for (they read as 0)",
        blanked.len()
    );
    Ok(extra_total)
}

fn area(r: Rect) -> u64 {
    u64::from(r.width) * u64::from(r.height)
}

/// The part of `a` inside `b`, if any.
fn overlap(a: Rect, b: Rect) -> Option<Rect> {
    let x0 = a.x.max(b.x);
    let y0 = a.y.max(b.y);
    let x1 = (a.x + a.width).min(b.x + b.width);
    let y1 = (a.y + a.height).min(b.y + b.height);
    (x0 < x1 && y0 < y1).then(|| Rect {
        x: x0,
        y: y0,
        width: x1 - x0,
        height: y1 - y0,
    })
}
