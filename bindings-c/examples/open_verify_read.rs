//! The same work as `open_verify_read.c` through the Rust library, to compare the two:
//! verify against a trust store, open, decode every plane into one buffer.
//!
//! `cargo run --release -p scanx-c --example open_verify_read -- FILE.scx TRUSTSTORE.json`

use scanx_core::crypto::TrustStore;
use scanx_core::{ReadOptions, Reader, Status};

fn main() -> scanx_core::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (file, trust) = match args.as_slice() {
        [_, file, trust] => (file, trust),
        _ => {
            eprintln!("usage: open_verify_read FILE.scx TRUSTSTORE.json");
            std::process::exit(2);
        }
    };
    let trust = TrustStore::load(trust)?;
    let report = scanx_core::verify_path(file, Some(&trust), &ReadOptions::default())?;
    let reader = Reader::open(file)?;
    let (mut total, mut check) = (0usize, 0u64);
    for plane in reader.planes() {
        let row = plane.grid.width as usize * plane.sample_type.bytes_per_sample();
        let mut buf = vec![0u8; row * plane.grid.height as usize];
        reader.read_plane_into(plane.index, &mut buf, row)?;
        check += u64::from(buf[buf.len() / 2]);
        total += buf.len();
    }
    println!(
        "status {}, {} planes, {total} bytes of samples (check {check})",
        report.status,
        reader.planes().len()
    );
    if report.status != Status::Trusted {
        std::process::exit(1);
    }
    Ok(())
}
