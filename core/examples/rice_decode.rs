//! Decodes one noisy 512 x 512 u16 tile (the high channel of the synthetic dual-energy
//! scan) with codec 3 (`rice`) a number of times, one thread: a small, steady workload for
//! timing the decoder or counting its instructions (`valgrind --tool=callgrind`).
//!
//! `cargo run --release -p scanx --example rice_decode [runs, default 20]`

use std::time::Instant;

use scanx::pixels::{decode_tile_into, encode_tile, Codec, Encoding, SampleType};
use scanx::synthetic::dual_energy_scan;

const TILE: u32 = 512;

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let scan = dual_energy_scan(TILE, TILE, 7).expect("scan");
    let tile = scan.high.as_bytes();
    let rice = Encoding::new(Vec::new(), Codec::Rice);
    let encoded = encode_tile(tile, SampleType::U16, TILE, TILE, &rice).expect("encode");
    let mut out = vec![0u8; tile.len()];
    let start = Instant::now();
    for _ in 0..runs {
        decode_tile_into(
            &encoded,
            SampleType::U16,
            TILE,
            TILE,
            &[],
            Codec::Rice,
            &mut out,
        )
        .expect("decode");
    }
    let seconds = start.elapsed().as_secs_f64();
    assert!(out == tile, "round trip");
    println!(
        "{runs} decodes of a {TILE} x {TILE} u16 tile ({} bytes encoded): {:.0} MB/s",
        encoded.len(),
        (tile.len() * runs) as f64 / seconds / 1e6
    );
}
