//! Measures tile encoding and decoding on a synthetic cargo scan.
//!
//! Builds a deterministic 6000 x 2000 u16 transmission image (a smooth background, a
//! container's corrugated walls, boxes and a dense block of cargo, with detector noise),
//! cuts it into 512 x 512 tiles, and for each codec and a few filter chains prints the
//! compressed size and the time to encode and decode the whole plane. Run it in release
//! mode: `cargo run --release -p scanx --example pixels_measure [noise scale, default 0.2]`.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use scanx::pixels::{
    decode_tile, encode_plane, encode_tile, place_tile, Codec, Encoding, Filter, PixelBuffer,
    SampleType, TileGrid,
};

const WIDTH: u32 = 6000;
const HEIGHT: u32 = 2000;
const TILE: u32 = 512;
const RUNS: usize = 3;

/// Deterministic pseudo-random numbers (xorshift64).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Roughly Gaussian, mean 0, standard deviation 1 (sum of four uniforms).
    fn gaussian(&mut self) -> f64 {
        let sum: f64 = (0..4)
            .map(|_| (self.next() >> 11) as f64 / (1u64 << 53) as f64)
            .sum();
        (sum - 2.0) * 1.732
    }
}

/// A transmission image: high values where X-rays pass, lower behind steel and cargo.
/// `noise` scales the photon noise (its standard deviation is `noise * sqrt(signal) + 3`).
fn synthetic_scan(noise_scale: f64) -> PixelBuffer {
    let mut noise = Noise(0x5eed_cafe_f00d_1234);
    let mut samples = Vec::with_capacity((WIDTH * HEIGHT) as usize);
    for y in 0..HEIGHT {
        let fy = f64::from(y) / f64::from(HEIGHT);
        for x in 0..WIDTH {
            let fx = f64::from(x) / f64::from(WIDTH);
            // Attenuation (optical depth): source falloff towards the detector ends...
            let mut depth = 0.15 + 0.25 * (fy - 0.5).powi(2) + 0.05 * fx;
            let in_container = (300..5700).contains(&x) && (150..1850).contains(&y);
            if in_container {
                // ...corrugated walls (a rib every 64 columns, smooth profile)...
                depth += 0.35 + 0.08 * (f64::from(x) * std::f64::consts::TAU / 64.0).sin();
                // ...floor and roof beams...
                if (150..190).contains(&y) || (1780..1850).contains(&y) {
                    depth += 1.2;
                }
                // ...pallets of boxes with sharp edges...
                let (bx, by) = (x % 700, y % 520);
                if (300..5200).contains(&x) && y > 700 && bx > 40 && by > 30 {
                    depth += 0.6 + 0.2 * f64::from((x / 700 + y / 520) % 3);
                }
                // ...and one dense block.
                if (4300..4900).contains(&x) && (1100..1750).contains(&y) {
                    depth += 2.3;
                }
            }
            let transmission = 60_000.0 * (-depth).exp();
            // Photon noise: standard deviation grows with the square root of the signal.
            let value = transmission + noise.gaussian() * (transmission.sqrt() * noise_scale + 3.0);
            samples.push(value.clamp(0.0, 65_535.0) as u16);
        }
    }
    PixelBuffer::from_u16(WIDTH, HEIGHT, &samples).expect("synthetic plane")
}

fn best_of<T>(mut run: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut result = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let value = run();
        best = best.min(start.elapsed());
        result = Some(value);
    }
    (best, result.expect("at least one run"))
}

fn decode_plane(tiles: &[Vec<u8>], grid: &TileGrid, encoding: &Encoding) -> PixelBuffer {
    let cols = grid.cols();
    let decoded: Vec<Vec<u8>> = tiles
        .par_iter()
        .enumerate()
        .map(|(index, data)| {
            let rect = grid
                .tile_rect(index as u32 % cols, index as u32 / cols)
                .expect("tile in grid");
            let filters = &encoding.filters;
            decode_tile(
                data,
                SampleType::U16,
                rect.width,
                rect.height,
                filters,
                encoding.codec,
            )
            .expect("decode")
        })
        .collect();
    let mut plane = PixelBuffer::zeroed(SampleType::U16, grid.width, grid.height).expect("plane");
    for (index, tile) in decoded.iter().enumerate() {
        let rect = grid
            .tile_rect(index as u32 % cols, index as u32 / cols)
            .expect("tile in grid");
        place_tile(tile, rect, &mut plane, (0, 0)).expect("place");
    }
    plane
}

/// Filter cost alone: the whole plane as one tile, stored, on one thread.
fn measure_filters(plane: &PixelBuffer) {
    use Filter::*;
    println!("filters alone, the plane as one stored tile, one thread, best of {RUNS}:");
    println!("{:<26} {:>10} {:>10}", "filters", "enc ms", "dec ms");
    let chains: &[&[Filter]] = &[
        &[],
        &[ByteShuffle],
        &[Delta],
        &[Predictor2D],
        &[Predictor2D, ByteShuffle],
    ];
    for chain in chains {
        let encoding = Encoding::new(chain.to_vec(), Codec::None);
        let (encode_time, data) = best_of(|| {
            encode_tile(plane.as_bytes(), SampleType::U16, WIDTH, HEIGHT, &encoding)
                .expect("encode")
        });
        let (decode_time, decoded) = best_of(|| {
            decode_tile(&data, SampleType::U16, WIDTH, HEIGHT, chain, Codec::None).expect("decode")
        });
        assert!(
            decoded == plane.as_bytes(),
            "round trip failed for {chain:?}"
        );
        println!(
            "{:<26} {:>10.1} {:>10.1}",
            chain_name(chain),
            encode_time.as_secs_f64() * 1e3,
            decode_time.as_secs_f64() * 1e3,
        );
    }
}

fn chain_name(chain: &[Filter]) -> String {
    let names: Vec<&str> = chain.iter().map(|f| f.name()).collect();
    if names.is_empty() {
        "(none)".to_string()
    } else {
        names.join("+")
    }
}

fn main() {
    let noise_scale = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .expect("the argument is the noise scale, a number"),
        None => 0.2,
    };
    let plane = synthetic_scan(noise_scale);
    measure_filters(&plane);
    let grid = TileGrid::new(WIDTH, HEIGHT, TILE, TILE).expect("grid");
    let raw = plane.as_bytes().len();
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    println!(
        "{WIDTH} x {HEIGHT} u16, noise scale {noise_scale}, {TILE} x {TILE} tiles ({} tiles), \
         {raw} bytes raw, {} threads, best of {RUNS}",
        grid.tile_count(),
        rayon::current_num_threads()
    );
    println!(
        "{:<26} {:>11} {:>6} {:>10} {:>10} {:>10}",
        "filters", "bytes", "ratio", "enc ms", "dec ms", "dec1 ms"
    );

    use Filter::*;
    let chains: &[&[Filter]] = &[
        &[],
        &[ByteShuffle],
        &[Delta],
        &[Predictor2D],
        &[Delta, ByteShuffle],
        &[Predictor2D, ByteShuffle],
    ];
    let codecs = [
        (Codec::None, 0),
        (Codec::Deflate, 0),
        (Codec::Zstd, 1),
        (Codec::Zstd, 0),
        (Codec::Zstd, 9),
    ];
    for (codec, level) in codecs {
        println!(
            "-- {} level {level}{}",
            codec.name(),
            if level == 0 { " (default)" } else { "" }
        );
        for chain in chains {
            let encoding = Encoding::new(chain.to_vec(), codec).with_level(level);
            let (encode_time, tiles) =
                best_of(|| encode_plane(&plane, &grid, &encoding).expect("encode"));
            let size: usize = tiles.iter().map(Vec::len).sum();
            let (decode_time, decoded) = best_of(|| decode_plane(&tiles, &grid, &encoding));
            assert!(decoded == plane, "round trip failed for {encoding:?}");
            let (single_time, _) =
                best_of(|| single.install(|| decode_plane(&tiles, &grid, &encoding)));
            let names: Vec<&str> = chain.iter().map(|f| f.name()).collect();
            let names = if names.is_empty() {
                "(none)".to_string()
            } else {
                names.join("+")
            };
            println!(
                "{:<26} {:>11} {:>6.3} {:>10.1} {:>10.1} {:>10.1}",
                names,
                size,
                raw as f64 / size as f64,
                encode_time.as_secs_f64() * 1e3,
                decode_time.as_secs_f64() * 1e3,
                single_time.as_secs_f64() * 1e3,
            );
        }
    }
}
