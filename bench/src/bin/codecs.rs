//! Write time, read time and size of the 48 MB synthetic dual-energy scan (two 6000 x 2000
//! u16 channels) for every codec and filter chain, beside 16-bit PNG and deflate TIFF of
//! the same pixels, in one run. Each time is the best of `--runs` (default 3) runs.
//!
//! `cargo run --release -p scanx-bench --bin codecs [-- --runs N]`
//!
//! `-- --list` prints every codec of [`Codec::ALL`] instead, one a line: its name, the
//! filter chain `bench/compare.py` measures it with (comma-separated, `-` for none), and
//! `default` for the codec of [`Encoding::default`].

use std::io::Cursor;
use std::time::{Duration, Instant};

use scanx::metadata::{PlaneAttributes, ScanMetadata};
use scanx::pixels::{Codec, Encoding, Filter, PixelBuffer, SampleType};
use scanx::synthetic::dual_energy_scan;
use scanx::{read_bytes, PlaneSpec, ReadOptions, Result, WriteOptions, Writer};

const WIDTH: u32 = 6000;
const HEIGHT: u32 = 2000;

struct Row {
    name: String,
    write: Duration,
    read: Duration,
    size: usize,
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> Result<T>) -> Result<(Duration, T)> {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let v = f()?;
        best = best.min(t.elapsed());
        last = Some(v);
    }
    let v = last.ok_or_else(|| scanx::Error::invalid_argument("no run"))?;
    Ok((best, v))
}

fn write_scanx(planes: &[&PixelBuffer], encoding: &Encoding) -> Result<Vec<u8>> {
    let mut w = Writer::new(
        Vec::with_capacity(50 << 20),
        &ScanMetadata::example(),
        WriteOptions::deterministic([1; 16], [2; 32]),
    )?;
    let attrs = [
        PlaneAttributes::example_high_energy(),
        PlaneAttributes::example_low_energy(),
    ];
    let mut ids = Vec::new();
    for (p, a) in planes.iter().zip(attrs) {
        ids.push(
            w.add_plane(
                PlaneSpec::new(SampleType::U16, p.width(), p.height(), a)
                    .with_encoding(encoding.clone()),
            )?,
        );
    }
    for (id, p) in ids.into_iter().zip(planes) {
        w.write_plane(id, p)?;
    }
    w.finish(&[])
}

fn other(e: impl std::fmt::Display) -> scanx::Error {
    scanx::Error::new(scanx::ErrorKind::Io, e.to_string())
}

fn write_png(plane: &PixelBuffer, compression: png::Compression) -> Result<Vec<u8>> {
    // PNG stores 16-bit samples big-endian: the conversion is part of its cost.
    let be: Vec<u8> = plane
        .as_bytes()
        .chunks_exact(2)
        .flat_map(|c| [c[1], c[0]])
        .collect();
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, plane.width(), plane.height());
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Sixteen);
    enc.set_compression(compression);
    let mut w = enc.write_header().map_err(other)?;
    w.write_image_data(&be).map_err(other)?;
    w.finish().map_err(other)?;
    Ok(out)
}

fn read_png(bytes: &[u8]) -> Result<Vec<u8>> {
    let decoder = png::Decoder::new(bytes);
    let mut reader = decoder.read_info().map_err(other)?;
    let mut buf = vec![0; reader.output_buffer_size()];
    reader.next_frame(&mut buf).map_err(other)?;
    Ok(buf)
}

fn write_tiff(plane: &PixelBuffer) -> Result<Vec<u8>> {
    let samples = plane.to_u16()?;
    let mut out = Cursor::new(Vec::new());
    let mut enc = tiff::encoder::TiffEncoder::new(&mut out).map_err(other)?;
    enc.write_image_with_compression::<tiff::encoder::colortype::Gray16, _>(
        plane.width(),
        plane.height(),
        tiff::encoder::compression::Deflate::default(),
        &samples,
    )
    .map_err(other)?;
    Ok(out.into_inner())
}

fn read_tiff(bytes: &[u8]) -> Result<usize> {
    let mut dec = tiff::decoder::Decoder::new(Cursor::new(bytes)).map_err(other)?;
    match dec.read_image().map_err(other)? {
        tiff::decoder::DecodingResult::U16(v) => Ok(v.len()),
        _ => Err(other("unexpected TIFF sample type")),
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("benchmark failed: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        list_codecs();
        return Ok(());
    }
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(3usize);
    let scan = dual_energy_scan(WIDTH, HEIGHT, 2026)?;
    let planes = [&scan.high, &scan.low];
    let raw = planes.iter().map(|p| p.as_bytes().len()).sum::<usize>();
    println!(
        "scanx codec benchmark: 2 x {WIDTH} x {HEIGHT} u16 = {raw} bytes of pixels, 512 x 512 tiles, {} rayon threads, best of {runs}",
        rayon_threads()
    );

    let chains: [(&str, Vec<Filter>); 6] = [
        ("none", vec![]),
        ("delta", vec![Filter::Delta]),
        ("shuffle", vec![Filter::ByteShuffle]),
        ("delta+shuffle", vec![Filter::Delta, Filter::ByteShuffle]),
        ("predictor2d", vec![Filter::Predictor2D]),
        (
            "predictor2d+shuffle",
            vec![Filter::Predictor2D, Filter::ByteShuffle],
        ),
    ];
    let mut rows = Vec::new();
    for &codec in Codec::ALL {
        // Rice predicts the samples itself: a filter before it only hides their structure,
        // so it is measured without one, as `list_codecs` pairs it.
        let chains = if codec == Codec::Rice {
            &chains[..1]
        } else {
            &chains[..]
        };
        for (chain_name, filters) in chains {
            let encoding = Encoding::new(filters.clone(), codec);
            let (write, bytes) = best_of(runs, || write_scanx(&planes, &encoding))?;
            let (read, scan_back) = best_of(runs, || read_bytes(&bytes, &ReadOptions::default()))?;
            if scan_back.planes[0].pixels != scan.high || scan_back.planes[1].pixels != scan.low {
                return Err(scanx::Error::new(
                    scanx::ErrorKind::InvalidState,
                    "round trip differs",
                ));
            }
            let default = encoding == Encoding::default();
            rows.push(Row {
                name: format!(
                    "scanx {} + {chain_name}{}",
                    codec.name(),
                    if default { " (default)" } else { "" }
                ),
                write,
                read,
                size: bytes.len(),
            });
        }
    }
    for (name, compression) in [
        ("PNG 16-bit, fast", png::Compression::Fast),
        ("PNG 16-bit, default", png::Compression::Default),
    ] {
        let (write, files) = best_of(runs, || {
            planes
                .iter()
                .map(|p| write_png(p, compression))
                .collect::<Result<Vec<_>>>()
        })?;
        let (read, _) = best_of(runs, || {
            files
                .iter()
                .map(|f| read_png(f))
                .collect::<Result<Vec<_>>>()
        })?;
        rows.push(Row {
            name: name.into(),
            write,
            read,
            size: files.iter().map(Vec::len).sum(),
        });
    }
    let (write, files) = best_of(runs, || {
        planes
            .iter()
            .map(|p| write_tiff(p))
            .collect::<Result<Vec<_>>>()
    })?;
    let (read, _) = best_of(runs, || {
        files
            .iter()
            .map(|f| read_tiff(f))
            .collect::<Result<Vec<_>>>()
    })?;
    rows.push(Row {
        name: "TIFF 16-bit, deflate".into(),
        write,
        read,
        size: files.iter().map(Vec::len).sum(),
    });

    let reference = rows
        .iter()
        .find(|r| r.name.ends_with("(default)"))
        .map(|r| (r.write, r.read, r.size))
        .unwrap_or((Duration::from_secs(1), Duration::from_secs(1), 1));
    println!();
    println!(
        "| {:<44} | {:>9} | {:>9} | {:>11} | {:>6} | {:>13} | {:>12} | {:>15} |",
        "format",
        "write ms",
        "read ms",
        "bytes",
        "ratio",
        "write MB/s",
        "read MB/s",
        "size vs default"
    );
    println!(
        "|{:-<46}|{:-<11}|{:-<11}|{:-<13}|{:-<8}|{:-<15}|{:-<14}|{:-<17}|",
        "", "", "", "", "", "", "", ""
    );
    for r in &rows {
        let mbps = |d: Duration| raw as f64 / 1e6 / d.as_secs_f64();
        println!(
            "| {:<44} | {:>9.1} | {:>9.1} | {:>11} | {:>6.3} | {:>13.0} | {:>12.0} | {:>14.3}x |",
            r.name,
            r.write.as_secs_f64() * 1e3,
            r.read.as_secs_f64() * 1e3,
            r.size,
            raw as f64 / r.size as f64,
            mbps(r.write),
            mbps(r.read),
            r.size as f64 / reference.2 as f64,
        );
    }
    Ok(())
}

/// The chain each codec is compared with: the default encoding for the default codec, the
/// default filters before a byte-oriented codec, none before stored or a codec that
/// models pixels itself.
fn list_codecs() {
    let default = Encoding::default();
    for &codec in Codec::ALL {
        let filters = if codec == default.codec {
            default.filters.clone()
        } else {
            match codec {
                Codec::Deflate | Codec::Zstd => vec![Filter::Predictor2D, Filter::ByteShuffle],
                _ => Vec::new(),
            }
        };
        let names: Vec<&str> = filters.iter().map(|f| f.name()).collect();
        let chain = if names.is_empty() {
            "-".to_owned()
        } else {
            names.join(",")
        };
        let mark = if codec == default.codec {
            "\tdefault"
        } else {
            ""
        };
        println!("{}\t{chain}{mark}", codec.name());
    }
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
