//! Criterion benchmarks of the core: write (signed), forward read, random-access read,
//! verify, verified read, region read and metadata-only open, for every codec in
//! [`Codec::ALL`] on two sizes of the synthetic dual-energy scan.
//!
//! ```text
//! cargo bench -p scanx-bench --bench scanx                  # everything
//! cargo bench -p scanx-bench --bench scanx -- 'read/.*/small' # a filter (a regex)
//! ```
//!
//! Sizes: `small` is one 2000 x 1000 u16 plane (4 MB), `medium` two 6000 x 2000 u16
//! planes (48 MB), as in `bench/compare.py`. Codecs: `none` is stored (no filter), a
//! byte-oriented codec (deflate, zstd) runs after the default filter chain (2-D
//! predictor, byte shuffle), and any other codec (one that models pixels itself) runs
//! without filters; whichever codec [`Encoding::default`] names uses exactly that
//! encoding. Throughput is in decoded pixel bytes.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use scanx::crypto::{Role, SigningKey};
use scanx::metadata::{PlaneAttributes, ScanMetadata};
use scanx::pixels::{Codec, Encoding, Filter, PixelBuffer, Rect, SampleType};
use scanx::synthetic::dual_energy_scan;
use scanx::verify::{verify_and_read, verify_bytes};
use scanx::{
    read_bytes, DigestAlgorithm, PlaneSpec, ReadOptions, Reader, SignRequest, Status, WriteOptions,
    Writer,
};

const SIGNING_TIME: scanx::Timestamp = scanx::Timestamp::from_unix_seconds(1_772_359_200);

/// One workload: its name and its planes.
struct Workload {
    name: &'static str,
    planes: Vec<PixelBuffer>,
}

impl Workload {
    fn raw_bytes(&self) -> u64 {
        self.planes.iter().map(|p| p.as_bytes().len() as u64).sum()
    }

    /// A 512 x 512 region in the middle of the first plane (it straddles tile edges).
    fn region(&self) -> Rect {
        let p = &self.planes[0];
        Rect {
            x: p.width() / 2 - 256,
            y: p.height() / 2 - 256,
            width: 512,
            height: 512,
        }
    }
}

/// Opens a file held in memory for random access, as the bindings do.
fn open<'a>(bytes: &'a [u8], options: &ReadOptions) -> Reader<scanx::BytesSource<&'a [u8]>> {
    Reader::from_source(scanx::BytesSource(black_box(bytes)), options.clone()).expect("open")
}

fn workloads() -> Vec<Workload> {
    let small = dual_energy_scan(2000, 1000, 2026).expect("synthetic scan");
    let medium = dual_energy_scan(6000, 2000, 2026).expect("synthetic scan");
    vec![
        Workload {
            name: "small",
            planes: vec![small.high],
        },
        Workload {
            name: "medium",
            planes: vec![medium.high, medium.low],
        },
    ]
}

/// The encoding each codec is measured with (see the module comment).
fn encoding_for(codec: Codec) -> Encoding {
    let default = Encoding::default();
    if codec == default.codec {
        return default;
    }
    let filters = match codec {
        Codec::None => Vec::new(),
        Codec::Deflate | Codec::Zstd => vec![Filter::Predictor2D, Filter::ByteShuffle],
        _ => Vec::new(),
    };
    Encoding::new(filters, codec)
}

fn write(
    planes: &[PixelBuffer],
    encoding: &Encoding,
    digest: DigestAlgorithm,
    key: &SigningKey,
) -> Vec<u8> {
    let raw: usize = planes.iter().map(|p| p.as_bytes().len()).sum();
    let mut w = Writer::new(
        Vec::with_capacity(raw + (1 << 20)),
        &ScanMetadata::example(),
        WriteOptions::deterministic([7; 16], [8; 32]).with_digest(digest),
    )
    .expect("writer");
    let attributes = [
        PlaneAttributes::example_high_energy(),
        PlaneAttributes::example_low_energy(),
    ];
    let mut ids = Vec::new();
    for (p, a) in planes.iter().zip(attributes) {
        let spec = PlaneSpec::new(SampleType::U16, p.width(), p.height(), a)
            .with_encoding(encoding.clone());
        ids.push(w.add_plane(spec).expect("plane"));
    }
    for (id, p) in ids.into_iter().zip(planes) {
        w.write_plane(id, p).expect("pixels");
    }
    w.finish(&[SignRequest::new(key, Role::Scanner, SIGNING_TIME)])
        .expect("finish")
}

fn configure<'a>(
    c: &'a mut Criterion,
    group: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(group);
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    g
}

fn benches(c: &mut Criterion) {
    let key = SigningKey::from_seed(&[3; 32]);
    let workloads = workloads();
    let plain = ReadOptions::default();
    let checked = ReadOptions::default().with_digest_check(true);

    // Every file once, written with SHA-256; the writes themselves are timed below.
    let mut files = Vec::new();
    for w in &workloads {
        for &codec in Codec::ALL {
            let encoding = encoding_for(codec);
            let bytes = write(&w.planes, &encoding, DigestAlgorithm::Sha256, &key);
            let back = read_bytes(&bytes, &plain).expect("read back");
            let same = back
                .planes
                .iter()
                .zip(&w.planes)
                .all(|(got, want)| got.pixels == *want);
            assert!(same, "{} round trip differs for {}", codec.name(), w.name);
            files.push((w, codec, encoding, bytes));
        }
    }
    let id = |codec: Codec, w: &Workload| BenchmarkId::new(codec.name(), w.name);

    let mut g = configure(c, "write_signed");
    for (w, codec, encoding, _) in &files {
        g.throughput(Throughput::Bytes(w.raw_bytes()));
        for (digest, label) in [
            (DigestAlgorithm::Sha256, "sha256"),
            (DigestAlgorithm::Blake3, "blake3"),
        ] {
            let name = format!("{}/{label}", codec.name());
            g.bench_function(BenchmarkId::new(name, w.name), |b| {
                b.iter(|| write(&w.planes, encoding, digest, &key))
            });
        }
    }
    g.finish();

    let mut g = configure(c, "read_stream");
    for (w, codec, _, bytes) in &files {
        g.throughput(Throughput::Bytes(w.raw_bytes()));
        g.bench_function(id(*codec, w), |b| {
            b.iter(|| read_bytes(black_box(bytes), &plain).expect("read"))
        });
    }
    g.finish();

    // The random-access path the bindings use: open, then decode each plane.
    let mut g = configure(c, "read_planes");
    for (w, codec, _, bytes) in &files {
        g.throughput(Throughput::Bytes(w.raw_bytes()));
        for (options, label) in [(&plain, "unchecked"), (&checked, "checked")] {
            let name = format!("{}/{label}", codec.name());
            g.bench_function(BenchmarkId::new(name, w.name), |b| {
                b.iter(|| {
                    let r = open(bytes, options);
                    (0..w.planes.len() as u16)
                        .map(|i| r.read_plane(i).expect("plane"))
                        .collect::<Vec<_>>()
                })
            });
        }
    }
    g.finish();

    let mut g = configure(c, "verify");
    for (w, codec, _, bytes) in &files {
        g.throughput(Throughput::Bytes(w.raw_bytes()));
        g.bench_function(id(*codec, w), |b| {
            b.iter(|| {
                let status = verify_bytes(black_box(bytes), None, &plain).map(|r| r.status);
                assert_eq!(status.as_ref().ok(), Some(&Status::ValidUntrusted));
                status
            })
        });
    }
    g.finish();

    let mut g = configure(c, "verified_read");
    for (w, codec, _, bytes) in &files {
        g.throughput(Throughput::Bytes(w.raw_bytes()));
        g.bench_function(id(*codec, w), |b| {
            b.iter(|| {
                let (report, scan) = verify_and_read(
                    black_box(bytes.as_slice()),
                    Some(bytes.len() as u64),
                    None,
                    &plain,
                );
                assert_eq!(report.status, Status::ValidUntrusted);
                scan.expect("scan")
            })
        });
    }
    g.finish();

    let mut g = configure(c, "region_512");
    for (w, codec, _, bytes) in &files {
        let r = Reader::from_bytes(bytes.as_slice()).expect("open");
        let rect = w.region();
        g.throughput(Throughput::Bytes(512 * 512 * 2));
        g.bench_function(id(*codec, w), |b| {
            b.iter(|| r.read_region(0, black_box(rect)).expect("region"))
        });
    }
    g.finish();

    // Opening reads the index and the front chunks only; the pixel size must not matter.
    let mut g = configure(c, "open_metadata");
    for (w, codec, _, bytes) in &files {
        for (options, label) in [(&plain, "unchecked"), (&checked, "checked")] {
            let name = format!("{}/{label}", codec.name());
            g.bench_function(BenchmarkId::new(name, w.name), |b| {
                b.iter(|| {
                    let r = open(bytes, options);
                    r.metadata().site.locode.len()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(scanx_benches, benches);
criterion_main!(scanx_benches);
