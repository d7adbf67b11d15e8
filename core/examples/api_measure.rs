//! Time and peak memory of the main read, verify and edit paths on the 48 MB synthetic
//! scan (two 6000 x 2000 u16 planes), one operation per process so that each peak is its
//! own.
//!
//! ```text
//! cargo run --release -p scanx --example api_measure -- write DIR
//! cargo run --release -p scanx --example api_measure -- OP FILE
//! ```
//!
//! `write` makes `DIR/default.scx` (the default encoding) and `DIR/stored.scx` (no
//! compression), both signed by a test scanner key and synced, and gives each write's time. `OP` is `read` (`read_path`),
//! `verify` (`verify_path`), `read-verified` (`verify_and_read`), `planes` (the
//! random-access reader decoding every plane into one caller buffer, as a binding's full
//! read does; `planes-checked` with the tile digests checked), `region` (a 512 x 512
//! region through the random-access reader), or `edit` (open with the editor and save an
//! unsigned new generation holding one annotation). Prints the operation's wall time and
//! the process's peak resident memory (`VmHWM`, Linux). `write-large FILE` writes a 4 GiB
//! stored file tile by tile and `verify-large FILE` verifies it without limits.

use std::path::Path;
use std::time::Instant;

use scanx::crypto::{Role, SigningKey};
use scanx::metadata::{Annotation, PlaneAttributes, ScanMetadata};
use scanx::pixels::{Encoding, Rect, SampleType};
use scanx::synthetic::dual_energy_scan;
use scanx::{Editor, PlaneSpec, ReadOptions, Reader, SignRequest, WriteOptions, Writer};

fn main() -> scanx::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (op, path) = match args.as_slice() {
        [op, path] => (op.as_str(), Path::new(path)),
        _ => {
            eprintln!("usage: api_measure write DIR | api_measure read|verify|read-verified|region|edit FILE");
            std::process::exit(2);
        }
    };
    let started = Instant::now();
    let what = match op {
        "write" => write(path)?,
        "read" => {
            let scan = scanx::read_path(path, &ReadOptions::default())?;
            format!("{} planes", scan.planes.len())
        }
        "verify" => {
            let report = scanx::verify::verify_path(path, None, &ReadOptions::default())?;
            format!("{:?}", report.status)
        }
        "read-verified" => {
            let file = std::fs::File::open(path)?;
            let len = file.metadata()?.len();
            let (report, scan) = scanx::verify::verify_and_read(
                std::io::BufReader::with_capacity(1 << 20, file),
                Some(len),
                None,
                &ReadOptions::default(),
            );
            format!("{:?}, {} planes", report.status, scan?.planes.len())
        }
        "write-large" => {
            write_large(path)?;
            format!("{} bytes", std::fs::metadata(path)?.len())
        }
        "verify-large" => {
            let options = ReadOptions::with_limits(scanx::Limits::unlimited());
            let report = scanx::verify::verify_path(path, None, &options)?;
            format!("{:?}", report.status)
        }
        "planes" | "planes-checked" => {
            // What a binding's full read does: the random-access reader decoding every
            // plane into one fresh caller buffer (digests checked only if asked).
            let options = ReadOptions::default().with_digest_check(op == "planes-checked");
            let reader = Reader::open_with(path, options)?;
            let sizes: Vec<(u16, usize, usize)> = reader
                .planes()
                .iter()
                .map(|p| {
                    let row = p.grid.width as usize * p.sample_type.bytes_per_sample();
                    (p.index, row, row * p.grid.height as usize)
                })
                .collect();
            let mut out = vec![0u8; sizes.iter().map(|s| s.2).sum()];
            let mut rest = out.as_mut_slice();
            for &(index, row, len) in &sizes {
                let (plane, tail) = rest.split_at_mut(len);
                reader.read_plane_into(index, plane, row)?;
                rest = tail;
            }
            format!("{} bytes", out.len())
        }
        "region" => {
            let reader = Reader::open(path)?;
            let region = reader.read_region(1, Rect::new(2500, 700, 512, 512))?;
            format!("{} bytes", region.as_bytes().len())
        }
        "edit" => {
            let mut editor = Editor::open(path)?;
            editor.add_annotation(&Annotation::example())?;
            let out = path.with_extension("edited.scx");
            editor.save(&out, &[])?;
            format!("{} bytes", std::fs::metadata(&out)?.len())
        }
        other => {
            eprintln!("unknown operation {other}");
            std::process::exit(2);
        }
    };
    let elapsed = started.elapsed();
    println!(
        "{op:<14} {:>9.1} ms  peak {:>7.1} MB  ({what})",
        elapsed.as_secs_f64() * 1e3,
        peak_rss_bytes() as f64 / 1e6
    );
    Ok(())
}

/// Writes both files; says how long each write took, from the first byte to the file
/// synced, without making the scan.
fn write(dir: &Path) -> scanx::Result<String> {
    std::fs::create_dir_all(dir)?;
    let scan = dual_energy_scan(6000, 2000, 2026)?;
    let key = SigningKey::from_seed(&[7; 32]);
    let mut times = Vec::new();
    for (name, encoding) in [
        ("default.scx", Encoding::default()),
        ("stored.scx", Encoding::stored()),
    ] {
        let started = Instant::now();
        let file = std::fs::File::create(dir.join(name))?;
        let mut w = Writer::new(
            std::io::BufWriter::new(file),
            &ScanMetadata::example(),
            WriteOptions::default(),
        )?;
        let spec = |attributes| {
            PlaneSpec::new(SampleType::U16, 6000, 2000, attributes).with_encoding(encoding.clone())
        };
        let high = w.add_plane(spec(PlaneAttributes::example_high_energy()))?;
        let low = w.add_plane(spec(PlaneAttributes::example_low_energy()))?;
        w.write_plane(high, &scan.high)?;
        w.write_plane(low, &scan.low)?;
        let sink = w.finish(&[SignRequest::new(
            &key,
            Role::Scanner,
            scanx::Timestamp::from_unix_seconds(1_772_355_600),
        )])?;
        sink.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        times.push(format!(
            "{name} {:.1} ms",
            started.elapsed().as_secs_f64() * 1e3
        ));
    }
    Ok(format!("signed and synced: {}", times.join(", ")))
}

/// A 4 GiB stored file (two 32768 x 32768 u16 planes), streamed tile by tile through
/// `write_tile`, for a streaming verification of a file far larger than its memory.
fn write_large(path: &Path) -> scanx::Result<()> {
    const SIDE: u32 = 32768;
    const TILE: u32 = 1024;
    let key = SigningKey::from_seed(&[7; 32]);
    let file = std::fs::File::create(path)?;
    let mut w = Writer::new(
        std::io::BufWriter::with_capacity(1 << 20, file),
        &ScanMetadata::example(),
        WriteOptions::default(),
    )?;
    let spec = |attributes| {
        PlaneSpec::new(SampleType::U16, SIDE, SIDE, attributes)
            .with_tile_size(TILE, TILE)
            .with_encoding(Encoding::stored())
    };
    let planes = [
        w.add_plane(spec(PlaneAttributes::example_high_energy()))?,
        w.add_plane(spec(PlaneAttributes::example_low_energy()))?,
    ];
    let mut tile = vec![0u8; (TILE * TILE * 2) as usize];
    for p in planes {
        for row in 0..SIDE / TILE {
            for col in 0..SIDE / TILE {
                let value = (u32::from(p) * 7919 + row * 131 + col) as u16;
                for (i, sample) in tile.chunks_exact_mut(2).enumerate() {
                    sample.copy_from_slice(&value.wrapping_add(i as u16).to_le_bytes());
                }
                w.write_tile(p, col, row, &tile)?;
            }
        }
    }
    w.finish(&[SignRequest::new(
        &key,
        Role::Scanner,
        scanx::Timestamp::from_unix_seconds(1_772_355_600),
    )])?;
    Ok(())
}

/// The peak resident set of this process, from `/proc/self/status` (0 where absent).
fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}
