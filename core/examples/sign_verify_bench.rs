//! Times writing with a signature and verifying, on a realistic dual-energy scan, beside
//! the time to hash the same bytes alone (the floor a verifier cannot go under).
//!
//! ```text
//! cargo run --release -p scanx --example sign_verify_bench
//! ```
//!
//! The scan is synthetic but shaped like a real one: 6000 x 2000 pixels, two u16 planes
//! (high and low energy transmission) of a truck carrying a container with corrugated
//! walls, cargo blocks of different materials, a detector gradient and noise. Each line
//! is the best of five runs, for SHA-256 and BLAKE3 and for 1 and 2 threads.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use scanx::container::chunk::ChunkStream;
use scanx::crypto::digest::chunk_digest;
use scanx::crypto::{Role, SigningKey, TrustStore, TrustedKey};
use scanx::metadata::{PlaneAttributes, ScanMetadata};
use scanx::pixels::{Encoding, PixelBuffer, Rect, SampleType};
use scanx::verify::{verify_bytes, verify_region, Status};
use scanx::{
    read_bytes, DigestAlgorithm, Limits, PlaneSpec, ReadOptions, Reader, SignRequest, WriteOptions,
    Writer,
};

const WIDTH: u32 = 6000;
const HEIGHT: u32 = 2000;
const RUNS: usize = 5;
const SIGNING_TIME: scanx::Timestamp = scanx::Timestamp::from_unix_seconds(1_772_359_200);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A small deterministic generator (SplitMix64), so every run scans the same truck.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Roughly normal noise with standard deviation `sigma` (sum of four uniforms).
    fn noise(&mut self, sigma: f32) -> f32 {
        let r = self.next();
        let sum: f32 = (0..4)
            .map(|i| ((r >> (i * 16)) & 0xFFFF) as f32 / 65535.0)
            .sum();
        (sum - 2.0) * sigma * 1.73
    }
}

/// A block of cargo: a rectangle of some thickness of some material.
struct Block {
    x0: u32,
    x1: u32,
    y0: u32,
    y1: u32,
    /// Attenuation at high energy, per unit thickness.
    mu_high: f32,
    /// The low-energy beam is attenuated more, by a material-dependent factor.
    low_factor: f32,
}

/// Attenuation (line integral, high energy, low energy) at one pixel.
fn attenuation(x: u32, y: u32, blocks: &[Block]) -> (f32, f32) {
    let (mut high, mut low) = (0.0f32, 0.0f32);
    // Tractor and cab, wheels along the bottom.
    if (150..900).contains(&x) && (700..1900).contains(&y) {
        high += 0.6;
        low += 0.9;
        if (300..700).contains(&x) && (1100..1500).contains(&y) {
            high += 1.2; // engine block
            low += 2.0;
        }
    }
    if (1800..1950).contains(&y) {
        for axle in [400u32, 1200, 4300, 4800, 5300] {
            let dx = x.abs_diff(axle) as f32;
            let dy = (y as f32 - 1875.0).abs();
            if dx * dx + dy * dy < 110.0 * 110.0 {
                high += 1.0;
                low += 1.6;
            }
        }
    }
    // The container: steel walls, corrugated every 60 px, floor and roof beams.
    if (950..5800).contains(&x) && (250..1800).contains(&y) {
        let corrugation = if (x / 30).is_multiple_of(2) {
            0.12
        } else {
            0.08
        };
        high += corrugation;
        low += corrugation * 1.5;
        if (950..975).contains(&x) || (5775..5800).contains(&x) {
            high += 1.5; // end frames
            low += 2.4;
        }
        if (250..275).contains(&y) || (1760..1800).contains(&y) {
            high += 1.2; // roof and floor rails
            low += 1.9;
        }
        for b in blocks {
            if (b.x0..b.x1).contains(&x) && (b.y0..b.y1).contains(&y) {
                high += b.mu_high;
                low += b.mu_high * b.low_factor;
            }
        }
    }
    (high, low)
}

/// The two planes of the synthetic scan.
fn synthetic_scan() -> Result<(PixelBuffer, PixelBuffer), BoxError> {
    let mut rng = Rng(42);
    let mut blocks = Vec::new();
    let mut x = 1000;
    while x < 5700 {
        let w = 150 + (rng.next() % 500) as u32;
        let h = 300 + (rng.next() % 1100) as u32;
        let organic = rng.next().is_multiple_of(3);
        blocks.push(Block {
            x0: x,
            x1: (x + w).min(5750),
            y0: 1760 - h,
            y1: 1760,
            mu_high: 0.3 + (rng.next() % 200) as f32 / 100.0,
            low_factor: if organic { 1.2 } else { 1.7 },
        });
        x += w + 20 + (rng.next() % 120) as u32;
    }
    let n = (WIDTH * HEIGHT) as usize;
    let mut high = Vec::with_capacity(n);
    let mut low = Vec::with_capacity(n);
    for y in 0..HEIGHT {
        // Detector rows differ slightly in gain.
        let gain = 1.0 - 0.04 * (y as f32 / HEIGHT as f32) + 0.003 * ((y % 64) as f32 / 64.0);
        for x in 0..WIDTH {
            let (a_high, a_low) = attenuation(x, y, &blocks);
            let i_high = 62_000.0 * gain * (-a_high).exp() + rng.noise(120.0);
            let i_low = 58_000.0 * gain * (-a_low).exp() + rng.noise(160.0);
            high.push(i_high.clamp(0.0, 65_535.0) as u16);
            low.push(i_low.clamp(0.0, 65_535.0) as u16);
        }
    }
    Ok((
        PixelBuffer::from_u16(WIDTH, HEIGHT, &high)?,
        PixelBuffer::from_u16(WIDTH, HEIGHT, &low)?,
    ))
}

/// Writes the scan, signed by `key`.
fn write_signed(
    planes: &(PixelBuffer, PixelBuffer),
    encoding: &Encoding,
    digest: DigestAlgorithm,
    key: &SigningKey,
) -> Result<Vec<u8>, BoxError> {
    let mut w = Writer::new(
        Vec::with_capacity(64 << 20),
        &ScanMetadata::example(),
        WriteOptions::deterministic([7; 16], [8; 32]).with_digest(digest),
    )?;
    let high = w.add_plane(
        PlaneSpec::new(
            SampleType::U16,
            WIDTH,
            HEIGHT,
            PlaneAttributes::example_high_energy(),
        )
        .with_encoding(encoding.clone()),
    )?;
    let low = w.add_plane(
        PlaneSpec::new(
            SampleType::U16,
            WIDTH,
            HEIGHT,
            PlaneAttributes::example_low_energy(),
        )
        .with_encoding(encoding.clone()),
    )?;
    w.write_plane(high, &planes.0)?;
    w.write_plane(low, &planes.1)?;
    Ok(w.finish(&[SignRequest::new(key, Role::Scanner, SIGNING_TIME)])?)
}

/// The best time of `RUNS` runs of `f`.
fn best<T>(mut f: impl FnMut() -> Result<T, BoxError>) -> Result<(Duration, T), BoxError> {
    let mut best: Option<(Duration, T)> = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let value = f()?;
        let took = start.elapsed();
        if best.as_ref().is_none_or(|(b, _)| took < *b) {
            best = Some((took, value));
        }
    }
    best.ok_or_else(|| "no run".into())
}

fn ms(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1000.0)
}

fn main() -> Result<(), BoxError> {
    let start = Instant::now();
    let planes = synthetic_scan()?;
    let raw_bytes = planes.0.as_bytes().len() + planes.1.as_bytes().len();
    eprintln!(
        "synthetic {WIDTH}x{HEIGHT} dual-energy u16 scan ({:.1} MB of samples) made in {} ms",
        raw_bytes as f64 / 1e6,
        ms(start.elapsed())
    );
    let key = SigningKey::from_seed(&[1; 32]);
    let mut trust = TrustStore::new();
    trust.insert(TrustedKey::new(
        key.public_key(),
        "Acme scanner",
        "BE",
        vec![Role::Scanner],
    )?)?;
    let options = ReadOptions::default();
    let region = Rect::new(2500, 700, 512, 512);

    println!(
        "| encoding | digest | threads | file MB | write+sign ms | verify ms | read only ms | hash floor ms | region verify ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (encoding_name, encoding) in [
        ("predictor+shuffle+zstd", Encoding::default()),
        ("stored", Encoding::stored()),
    ] {
        for digest in [DigestAlgorithm::Sha256, DigestAlgorithm::Blake3] {
            for threads in [1, 2] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()?;
                pool.install(|| -> Result<(), BoxError> {
                    let (write, file) = best(|| write_signed(&planes, &encoding, digest, &key))?;
                    let (verify, status) =
                        best(|| Ok(verify_bytes(&file, Some(&trust), &options)?.status))?;
                    if status != Status::Trusted {
                        return Err(format!("verification gave {status}").into());
                    }
                    let (read, _) = best(|| Ok(read_bytes(&file, &options)?.planes.len()))?;
                    // The floor: every chunk digested, in parallel, with nothing else done.
                    let mut chunks = Vec::new();
                    let mut stream =
                        ChunkStream::new(&file[..], Some(file.len() as u64), Limits::default())?;
                    while let Some(c) = stream.next_chunk()? {
                        chunks.push((c.offset as usize, c.total_len() as usize));
                    }
                    let (floor, _) = best(|| {
                        let digests: Vec<_> = chunks
                            .par_iter()
                            .map(|&(offset, len)| {
                                chunk_digest(digest, &[7; 16], &file[offset..offset + len])
                            })
                            .collect();
                        Ok(digests.len())
                    })?;
                    let reader = Reader::from_bytes(&file[..])?;
                    let (regional, status) =
                        best(|| Ok(verify_region(&reader, 0, region, Some(&trust))?.status))?;
                    if status != Status::Trusted {
                        return Err(format!("region verification gave {status}").into());
                    }
                    println!(
                        "| {encoding_name} | {} | {threads} | {:.1} | {} | {} | {} | {} | {:.2} |",
                        digest.name(),
                        file.len() as f64 / 1e6,
                        ms(write),
                        ms(verify),
                        ms(read),
                        ms(floor),
                        regional.as_secs_f64() * 1000.0
                    );
                    Ok(())
                })?;
            }
        }
    }
    Ok(())
}
