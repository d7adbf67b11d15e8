//! End-to-end demonstration: a realistic synthetic dual-energy scan of a container on a
//! truck (two 6000 x 2000 16-bit channels, 48 MB of pixels) with metadata, personal data
//! and an annotation is written and signed by a demonstration scanner key, read back
//! through the random-access reader, and summarised.
//!
//! Run with `make demo` (or `cargo run --release -p scanx --example demo -- [OUT_DIR]`).

use std::time::Instant;

use scanx::crypto::{SigningKey, TrustStore, TrustedKey};
use scanx::metadata::{
    Action, Actor, Annotation, Event, PersonalData, PlaneAttributes, ScanMetadata,
};
use scanx::pixels::{Rect, SampleType};
use scanx::provenance::EventStamp;
use scanx::synthetic::dual_energy_scan;
use scanx::{
    Editor, PlaneSpec, Reader, RedactRequest, Result, Role, SignRequest, WriteOptions, Writer,
};

/// A fixed key for the demonstration only: anyone can derive it from this source.
const DEMO_SCANNER_SEED: [u8; 32] = *b"scanx demo scanner key: NOT REAL";
/// The exporting agency's demonstration key (equally public).
const DEMO_AGENCY_SEED: [u8; 32] = *b"scanx demo agency key:  NOT REAL";

fn main() {
    if let Err(e) = run() {
        eprintln!("demo failed: {e} (error code {})", e.code());
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let out_dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/demo".to_string());
    std::fs::create_dir_all(&out_dir)?;
    let path = std::path::Path::new(&out_dir).join("demo-scan.scx");
    let (width, height) = (6000, 2000);

    let t = Instant::now();
    let scan = dual_energy_scan(width, height, 2026)?;
    println!(
        "generated a {width} x {height} dual-energy scan in {:.2?}",
        t.elapsed()
    );

    let key = SigningKey::from_seed(&DEMO_SCANNER_SEED);
    let key_id = key.public_key().key_id();
    let metadata = ScanMetadata::example();
    // 2026-03-01T08:20:00Z, fixed so the demo output is reproducible.
    let time = scanx::Timestamp::from_unix_seconds(1_772_353_200);
    let actor = Actor::from_key_id(
        key_id.to_hex(),
        Role::Scanner,
        Some(metadata.agency.clone()),
    );
    let capture =
        Event::new(time, actor, Action::Capture {}).with_id("6f1c2d3e-4b5a-4789-9abc-def012345678");

    let t = Instant::now();
    let written = scanx::atomic::write_atomic(&path, scanx::atomic::Access::Shared, |sink| {
        let mut w = Writer::new(
            sink,
            &metadata,
            WriteOptions::deterministic(*b"scanx-demo-file!", [42; 32]),
        )?;
        w.personal_data(&PersonalData::example())?;
        let high = w.add_plane(PlaneSpec::new(
            SampleType::U16,
            width,
            height,
            PlaneAttributes::example_high_energy(),
        ))?;
        let low = w.add_plane(PlaneSpec::new(
            SampleType::U16,
            width,
            height,
            PlaneAttributes::example_low_energy(),
        ))?;
        w.write_plane(high, &scan.high)?;
        w.write_plane(low, &scan.low)?;
        w.annotation(&Annotation::example())?;
        w.event(&capture)?;
        w.finish(&[SignRequest::new(&key, Role::Scanner, time)])?;
        Ok(())
    });
    written?;
    let write_time = t.elapsed();
    let size = std::fs::metadata(&path)?.len();
    let raw = u64::from(width) * u64::from(height) * 2 * 2;
    println!(
        "wrote and signed {} in {write_time:.2?}: {size} bytes for {raw} bytes of pixels (ratio {:.2})",
        path.display(),
        raw as f64 / size as f64
    );

    let t = Instant::now();
    let reader = Reader::open(&path)?;
    let m = reader.metadata();
    println!(
        "opened in {:.2?}: scanx {} file {}",
        t.elapsed(),
        reader.version(),
        uuid_text(reader.file_id())
    );
    println!(
        "  scan {} at {} ({}), {} {}",
        m.scan_id, m.site.locode, m.time, m.agency.country, m.agency.name
    );
    println!(
        "  conveyance: {:?} {}",
        m.conveyance.kind,
        m.conveyance.container_numbers.join(", ")
    );
    for p in reader.planes() {
        println!(
            "  plane {}: {} {}x{} {} in {}x{} tiles ({} tiles){}",
            p.index,
            p.attributes.name,
            p.grid.width,
            p.grid.height,
            p.sample_type.name(),
            p.grid.tile_width,
            p.grid.tile_height,
            p.grid.tile_count(),
            if p.personal { ", personal" } else { "" }
        );
    }
    println!(
        "  {} annotation(s), {} event(s), {} signature(s)",
        reader.annotations()?.len(),
        reader.events()?.len(),
        reader.signatures()?.len()
    );

    let t = Instant::now();
    let full = reader.read_plane(0)?;
    let full_time = t.elapsed();
    let region = Rect {
        x: 2900,
        y: 900,
        width: 400,
        height: 300,
    };
    let t = Instant::now();
    let part = reader.read_region(0, region)?;
    let region_time = t.elapsed();
    if part != full.region(region)? {
        return Err(scanx::Error::new(
            scanx::ErrorKind::InvalidState,
            "region read differs from the full read",
        ));
    }
    if full != scan.high {
        return Err(scanx::Error::new(
            scanx::ErrorKind::InvalidState,
            "pixels read back differ from those written",
        ));
    }
    let samples = full.to_u16()?;
    let mean = samples.iter().map(|&s| f64::from(s)).sum::<f64>() / samples.len() as f64;
    println!("read plane 0 in {full_time:.2?} (mean transmission {mean:.0}); a 400x300 region in {region_time:.2?}: identical to the full read");
    println!("pixels read back are identical to those written");

    // The receiving agency trusts the demonstration scanner key for the scanner role.
    let mut trust = TrustStore::new();
    trust.insert(TrustedKey::new(
        key.public_key(),
        "Demo scanner, Port of Antwerp",
        "BE",
        vec![Role::Scanner],
    )?)?;
    let t = Instant::now();
    let report = scanx::verify_path(&path, Some(&trust), &scanx::ReadOptions::default())?;
    println!("verified in {:.2?}:", t.elapsed());
    for line in report.to_string().lines() {
        println!("  {line}");
    }
    if !report.is_trusted() {
        return Err(scanx::Error::new(
            scanx::ErrorKind::NotTrusted,
            "the demo file does not verify as TRUSTED",
        ));
    }

    // The export desk removes the personal data and blanks the driver's cab on both
    // channels, then signs the new generation. The scanner's signature still verifies
    // everything that is left.
    let agency_key = SigningKey::from_seed(&DEMO_AGENCY_SEED);
    let stamp = EventStamp::new(
        &agency_key,
        Role::Agency,
        Some(metadata.agency.clone()),
        scanx::Timestamp::from_unix_seconds(time.unix_seconds() + 86_400),
    )?
    .with_id("0c9a8b7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d");
    let mut editor = Editor::open(&path)?;
    let cab = Rect {
        x: 0,
        y: 0,
        width: 700,
        height,
    };
    let mut request =
        RedactRequest::new("personal data and driver's cab removed before export").personal_data();
    for plane in 0..2 {
        for tile in editor.tiles_in(plane, cab)? {
            request = request.tile(tile);
        }
    }
    let event = editor.redact_as(&request, &stamp)?;
    let redacted_path = std::path::Path::new(&out_dir).join("demo-scan-redacted.scx");
    let t = Instant::now();
    editor.save(
        &redacted_path,
        &[SignRequest::new(&agency_key, Role::Agency, stamp.time)],
    )?;
    let removed = match &event.action {
        Action::Redact { removed, .. } => removed.len(),
        _ => 0,
    };
    println!(
        "redacted {removed} chunk(s) and signed as the exporting agency in {:.2?}: {}",
        t.elapsed(),
        redacted_path.display()
    );
    trust.insert(TrustedKey::new(
        agency_key.public_key(),
        "Demo export desk",
        "BE",
        vec![Role::Agency],
    )?)?;
    let report = scanx::verify_path(&redacted_path, Some(&trust), &scanx::ReadOptions::default())?;
    for line in report.to_string().lines() {
        println!("  {line}");
    }
    if !report.is_trusted() {
        return Err(scanx::Error::new(
            scanx::ErrorKind::NotTrusted,
            "the redacted file does not verify as TRUSTED",
        ));
    }
    Ok(())
}

fn uuid_text(id: [u8; 16]) -> String {
    uuid::Uuid::from_bytes(id).hyphenated().to_string()
}
