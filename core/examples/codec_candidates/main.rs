//! Measures lossless codec candidates on X-ray planes, one thread, 512 x 512 tiles.
//!
//! Planes: the two channels of the synthetic 6000 x 2000 dual-energy scan (photon noise),
//! and smooth planes with 10 to 14 significant bits made from it (an averaged low-dose
//! scan, a material plane, an 8-bit photo-like plane). For each plane it prints the size
//! (bytes, bits per sample, and relative to the default encoding) and the single-thread
//! encode and decode speed of the default encoding, of zstd after other filter chains and
//! of codec 3 (`rice`, specification section 5.6.1), then the modelled size (exact bit
//! count, no coder) of variants of the `rice` model. With `FAST=1` it skips the models.
//! With a directory argument it also writes each plane there as `.npy`, for a JPEG-LS
//! comparison in Python.
//!
//! `cargo run --release -p scanx --example codec_candidates [npy directory]`

use std::time::Instant;

use scanx::pixels::{decode_tile, encode_tile, Codec, Encoding, Filter, PixelBuffer, SampleType};
use scanx::synthetic::dual_energy_scan;

const TILE: u32 = 512;
const RUNS: usize = 3;

struct Plane {
    name: &'static str,
    sample_type: SampleType,
    width: u32,
    height: u32,
    values: Vec<u32>,
}

impl Plane {
    fn bytes(&self) -> Vec<u8> {
        match self.sample_type {
            SampleType::U8 => self.values.iter().map(|&v| v as u8).collect(),
            _ => self
                .values
                .iter()
                .flat_map(|&v| (v as u16).to_le_bytes())
                .collect(),
        }
    }

    fn tiles(&self) -> Vec<(u32, u32, Vec<u8>, Vec<u32>)> {
        let bytes = self.bytes();
        let bps = self.sample_type.bytes_per_sample();
        let mut out = Vec::new();
        for y0 in (0..self.height).step_by(TILE as usize) {
            for x0 in (0..self.width).step_by(TILE as usize) {
                let w = TILE.min(self.width - x0);
                let h = TILE.min(self.height - y0);
                let mut tile = Vec::new();
                let mut values = Vec::new();
                for y in y0..y0 + h {
                    let start = (y * self.width + x0) as usize;
                    tile.extend_from_slice(&bytes[start * bps..(start + w as usize) * bps]);
                    values.extend_from_slice(&self.values[start..start + w as usize]);
                }
                out.push((w, h, tile, values));
            }
        }
        out
    }
}

fn u16_values(buffer: &PixelBuffer) -> Vec<u32> {
    buffer
        .as_bytes()
        .chunks_exact(2)
        .map(|c| u32::from(u16::from_le_bytes([c[0], c[1]])))
        .collect()
}

/// A `radius` box average, which lowers the noise as averaging detector rows does.
fn box_average(values: &[u32], width: usize, height: usize, radius: usize) -> Vec<f64> {
    let mut out = vec![0.0; values.len()];
    for y in 0..height {
        for x in 0..width {
            let (mut sum, mut n) = (0.0, 0.0);
            for yy in y.saturating_sub(radius)..(y + radius + 1).min(height) {
                for xx in x.saturating_sub(radius)..(x + radius + 1).min(width) {
                    sum += f64::from(values[yy * width + xx]);
                    n += 1.0;
                }
            }
            out[y * width + x] = sum / n;
        }
    }
    out
}

fn planes() -> Vec<Plane> {
    let (width, height) = (6000u32, 2000u32);
    let scan = dual_energy_scan(width, height, 7).expect("scan");
    let high = u16_values(&scan.high);
    let low = u16_values(&scan.low);
    let (w, h) = (width as usize, height as usize);
    let averaged = box_average(&high, w, h, 2);
    let averaged_low = box_average(&low, w, h, 2);
    // Material: the ratio of the two attenuations, on 10 bits.
    let material = averaged
        .iter()
        .zip(&averaged_low)
        .map(|(&hi, &lo)| {
            let (th, tl) = (
                -(hi.max(1.0) / 60_000.0).ln(),
                -(lo.max(1.0) / 51_000.0).ln(),
            );
            let ratio = if th > 0.02 { tl / th } else { 1.0 };
            ((ratio - 0.8).clamp(0.0, 1.0) * 1023.0) as u32
        })
        .collect();
    vec![
        Plane {
            name: "high (noisy u16)",
            sample_type: SampleType::U16,
            width,
            height,
            values: high.clone(),
        },
        Plane {
            name: "low (noisy u16)",
            sample_type: SampleType::U16,
            width,
            height,
            values: low,
        },
        Plane {
            name: "averaged 14-bit",
            sample_type: SampleType::U16,
            width,
            height,
            values: averaged.iter().map(|&v| (v / 4.0) as u32).collect(),
        },
        Plane {
            name: "averaged 12-bit",
            sample_type: SampleType::U16,
            width,
            height,
            values: averaged.iter().map(|&v| (v / 16.0) as u32).collect(),
        },
        Plane {
            name: "material 10-bit",
            sample_type: SampleType::U16,
            width,
            height,
            values: material,
        },
        Plane {
            name: "photo u8",
            sample_type: SampleType::U8,
            width,
            height,
            values: averaged.iter().map(|&v| (v / 256.0) as u32).collect(),
        },
    ]
}

fn write_npy(path: &std::path::Path, plane: &Plane) {
    let descr = match plane.sample_type {
        SampleType::U8 => "|u1",
        _ => "<u2",
    };
    let mut header = format!(
        "{{'descr': '{descr}', 'fortran_order': False, 'shape': ({}, {}), }}",
        plane.height, plane.width
    );
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&plane.bytes());
    std::fs::write(path, out).expect("write npy");
}

/// Size and best-of-3 single-thread encode and decode times of `encoding` over the tiles.
fn measure(plane: &Plane, encoding: &Encoding) -> (usize, f64, f64) {
    let tiles = plane.tiles();
    let t = plane.sample_type;
    let (mut best_encode, mut best_decode, mut size) = (f64::MAX, f64::MAX, 0);
    for _ in 0..RUNS {
        let start = Instant::now();
        let encoded: Vec<Vec<u8>> = tiles
            .iter()
            .map(|(w, h, tile, _)| encode_tile(tile, t, *w, *h, encoding).expect("encode"))
            .collect();
        best_encode = best_encode.min(start.elapsed().as_secs_f64());
        size = encoded.iter().map(Vec::len).sum();
        let start = Instant::now();
        for ((w, h, tile, _), data) in tiles.iter().zip(&encoded) {
            let decoded =
                decode_tile(data, t, *w, *h, &encoding.filters, encoding.codec).expect("decode");
            assert!(decoded == *tile, "round trip");
        }
        best_decode = best_decode.min(start.elapsed().as_secs_f64());
    }
    let raw = (plane.width * plane.height) as f64 * t.bytes_per_sample() as f64;
    (size, raw / best_encode / 1e6, raw / best_decode / 1e6)
}

/// A variant of the `rice` model, for the modelled sizes.
#[derive(Clone, Copy)]
struct Variant {
    name: &'static str,
    /// Weight of the newest value: 1/2^decay.
    decay: u32,
    /// k = bit length of (sum >> (decay + offset)).
    offset: u32,
    /// The context: 0 none, 1 gradient activity, 2 activity and signal level.
    context: u8,
    /// Run mode: a zero-run flag in the flattest context.
    escape: u32,
}

const VARIANTS: &[Variant] = &[
    Variant {
        name: "MED, no context, decay 4",
        decay: 4,
        offset: 0,
        context: 0,
        escape: 24,
    },
    Variant {
        name: "MED, activity ctx, decay 4 (rice)",
        decay: 4,
        offset: 0,
        context: 1,
        escape: 24,
    },
    Variant {
        name: "MED, activity ctx, decay 3",
        decay: 3,
        offset: 0,
        context: 1,
        escape: 24,
    },
    Variant {
        name: "MED, activity ctx, decay 5",
        decay: 5,
        offset: 0,
        context: 1,
        escape: 24,
    },
    Variant {
        name: "MED, activity ctx, k-1",
        decay: 4,
        offset: 1,
        context: 1,
        escape: 24,
    },
    Variant {
        name: "MED, activity+level ctx",
        decay: 4,
        offset: 0,
        context: 2,
        escape: 24,
    },
];

fn modelled_bits(values: &[u32], width: usize, bits: u32, v: Variant) -> u64 {
    let mut sums = [0u64; 35 * 8];
    let mut total = 0u64;
    let at = |x: usize, y: usize| values[y * width + x];
    let height = values.len() / width;
    for y in 0..height {
        for x in 0..width {
            let (p, a, b, c, d) = if y == 0 {
                let a = if x > 0 { at(x - 1, 0) } else { 0 };
                (a, a, a, a, a)
            } else if x == 0 {
                let b = at(0, y - 1);
                let d = if width > 1 { at(1, y - 1) } else { b };
                (b, b, b, b, d)
            } else {
                let (a, b, c) = (at(x - 1, y), at(x, y - 1), at(x - 1, y - 1));
                let d = if x + 1 < width { at(x + 1, y - 1) } else { b };
                let (lo, hi) = (a.min(b), a.max(b));
                let p = if c >= hi {
                    lo
                } else if c <= lo {
                    hi
                } else {
                    a + b - c
                };
                (p, a, b, c, d)
            };
            let activity =
                u64::from(d.abs_diff(b)) + u64::from(b.abs_diff(c)) + u64::from(c.abs_diff(a));
            let ctx = match v.context {
                0 => 0,
                1 => (64 - activity.leading_zeros()) as usize,
                _ => {
                    (64 - activity.leading_zeros()) as usize * 8
                        + ((p >> (bits - 3)) as usize).min(7)
                }
            };
            let s = at(x, y);
            let shift = 32 - bits;
            let e = (s.wrapping_sub(p) << shift) as i32;
            let m = (((e << 1) ^ (e >> 31)) as u32) >> shift;
            let sum = &mut sums[ctx];
            let k = 64 - (*sum >> (v.decay + v.offset)).leading_zeros();
            let q = u64::from(m) >> k;
            total += if q < u64::from(v.escape) {
                q + 1 + u64::from(k)
            } else {
                u64::from(v.escape + 1 + bits)
            };
            *sum = *sum - (*sum >> v.decay) + u64::from(m);
        }
    }
    total
}

/// The mapped residuals of the MED predictor, row-major (first row: left neighbour; first
/// column: upper neighbour).
fn mapped_residuals(values: &[u32], width: usize, bits: u32) -> Vec<u32> {
    let at = |x: usize, y: usize| values[y * width + x];
    let height = values.len() / width;
    let mut out = Vec::with_capacity(values.len());
    for y in 0..height {
        for x in 0..width {
            let p = if y == 0 {
                if x > 0 {
                    at(x - 1, 0)
                } else {
                    0
                }
            } else if x == 0 {
                at(0, y - 1)
            } else {
                let (a, b, c) = (at(x - 1, y), at(x, y - 1), at(x - 1, y - 1));
                let (lo, hi) = (a.min(b), a.max(b));
                if c >= hi {
                    lo
                } else if c <= lo {
                    hi
                } else {
                    a + b - c
                }
            };
            let shift = 32 - bits;
            let e = (at(x, y).wrapping_sub(p) << shift) as i32;
            out.push((((e << 1) ^ (e >> 31)) as u32) >> shift);
        }
    }
    out
}

/// Rice costs with k from the mapped residuals of the row above only (weights `weights`
/// centred on x, clamped at the edges): k = bit length of (weighted sum >> shift). Row 0
/// uses 4 x the left neighbour's value.
fn modelled_row_above(m: &[u32], width: usize, bits: u32, weights: &[u64], shift: u32) -> u64 {
    let height = m.len() / width;
    let half = weights.len() / 2;
    let mut total = 0u64;
    for y in 0..height {
        for x in 0..width {
            let u: u64 = if y == 0 {
                if x > 0 {
                    4 * u64::from(m[x - 1])
                } else {
                    0
                }
            } else {
                weights
                    .iter()
                    .enumerate()
                    .map(|(i, w)| {
                        let xx = (x + i).saturating_sub(half).min(width - 1);
                        w * u64::from(m[(y - 1) * width + xx])
                    })
                    .sum()
            };
            let k = (64 - (u >> shift).leading_zeros()).min(bits);
            let q = u64::from(m[y * width + x]) >> k;
            total += if q < 24 {
                q + 1 + u64::from(k)
            } else {
                u64::from(25 + bits)
            };
        }
    }
    total
}

fn main() {
    let dump = std::env::args().nth(1).map(std::path::PathBuf::from);
    let planes = planes();
    let default = Encoding::default();
    let predictor_zstd = Encoding::new(vec![Filter::Predictor2D, Filter::ByteShuffle], Codec::Zstd);
    let shuffle_zstd = Encoding::new(vec![Filter::ByteShuffle], Codec::Zstd);
    let plain_zstd = Encoding::new(Vec::new(), Codec::Zstd);
    let rice_codec = Encoding::new(Vec::new(), Codec::Rice);
    println!("one thread, {TILE} x {TILE} tiles, best of {RUNS}; MB/s of decoded bytes");
    for plane in &planes {
        if let Some(dir) = &dump {
            let file = plane.name.split(' ').next().unwrap_or("plane").to_string()
                + "_"
                + &plane.name.replace([' ', '(', ')'], "");
            write_npy(&dir.join(format!("{file}.npy")), plane);
        }
        let raw = (plane.width * plane.height) as usize * plane.sample_type.bytes_per_sample();
        println!("\n{} ({raw} bytes raw)", plane.name);
        println!(
            "  {:<32} {:>11} {:>6} {:>6} {:>7} {:>9} {:>9}",
            "encoding", "bytes", "bpp", "x def", "ratio", "enc MB/s", "dec MB/s"
        );
        let measured = if std::env::var_os("MODEL_ONLY").is_some() {
            Vec::new()
        } else {
            vec![
                ("default encoding (as built)", &default),
                ("predictor2d+shuffle+zstd(3)", &predictor_zstd),
                ("shuffle+zstd(3)", &shuffle_zstd),
                ("zstd(3), no filter", &plain_zstd),
                ("rice (codec 3), no filter", &rice_codec),
            ]
        };
        let fast = std::env::var_os("FAST").is_some();
        let samples = f64::from(plane.width) * f64::from(plane.height);
        let mut default_size = None;
        for (name, encoding) in measured {
            let (size, enc, dec) = measure(plane, encoding);
            let base = *default_size.get_or_insert(size);
            println!(
                "  {name:<32} {size:>11} {:>6.3} {:>6.3} {:>7.3} {enc:>9.0} {dec:>9.0}",
                size as f64 * 8.0 / samples,
                size as f64 / base as f64,
                raw as f64 / size as f64
            );
        }
        if fast {
            continue;
        }
        let bits = 8 * plane.sample_type.bytes_per_sample() as u32;
        let tiles = plane.tiles();
        let residuals: Vec<(usize, Vec<u32>)> = tiles
            .iter()
            .map(|(w, _, _, values)| (*w as usize, mapped_residuals(values, *w as usize, bits)))
            .collect();
        let windows: &[(&str, &[u64], u32)] = &[
            ("row above 1-2-1, >>2", &[1, 2, 1], 2),
            ("row above 1-2-1, >>3", &[1, 2, 1], 3),
            ("row above 1-1-2-1-1, >>3", &[1, 1, 2, 1, 1], 3),
            ("row above 1-1-2-1-1, >>4", &[1, 1, 2, 1, 1], 4),
            ("row above 1x8, >>4", &[1, 1, 1, 1, 1, 1, 1, 1], 4),
        ];
        for (name, weights, shift) in windows {
            let total: u64 = residuals
                .iter()
                .map(|(w, m)| modelled_row_above(m, *w, bits, weights, *shift).div_ceil(8))
                .sum();
            println!(
                "  {:<36} {total:>11} {:>7.3}   (modelled)",
                name,
                raw as f64 / total as f64
            );
        }
        for &variant in VARIANTS {
            let total: u64 = plane
                .tiles()
                .iter()
                .map(|(w, _, _, values)| {
                    modelled_bits(values, *w as usize, bits, variant).div_ceil(8)
                })
                .sum();
            println!(
                "  {:<36} {total:>11} {:>7.3}   (modelled)",
                variant.name,
                raw as f64 / total as f64
            );
        }
    }
}
