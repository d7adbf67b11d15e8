//! Property tests: random planes of every sample type, size, tile size, filter chain and
//! codec, with random metadata extensions, are written, read back by both readers and
//! compared; a random region read equals the same region cut from a full read.

use proptest::prelude::*;
use scanx::metadata::{Annotation, PlaneAttributes, ScanMetadata};
use scanx::pixels::{Codec, Encoding, Filter, PixelBuffer, Rect, SampleType};
use scanx::{read_bytes, PlaneSpec, ReadOptions, Reader, WriteOptions, Writer};

#[derive(Debug, Clone)]
struct PlaneCase {
    sample_type: SampleType,
    width: u32,
    height: u32,
    tile_width: u32,
    tile_height: u32,
    encoding: Encoding,
    smooth: bool,
    seed: u64,
}

fn sample_type() -> impl Strategy<Value = SampleType> {
    prop::sample::select(SampleType::ALL.to_vec())
}

fn encoding() -> impl Strategy<Value = Encoding> {
    (
        prop::collection::vec(prop::sample::select(Filter::ALL.to_vec()), 0..=3),
        prop::sample::select(Codec::ALL.to_vec()),
    )
        .prop_map(|(filters, codec)| Encoding::new(filters, codec))
}

fn plane_case() -> impl Strategy<Value = PlaneCase> {
    (
        sample_type(),
        1u32..70,
        1u32..50,
        1u32..40,
        1u32..40,
        encoding(),
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(
            |(sample_type, width, height, tile_width, tile_height, encoding, smooth, seed)| {
                PlaneCase {
                    sample_type,
                    width,
                    height,
                    tile_width,
                    tile_height,
                    encoding,
                    smooth,
                    seed,
                }
            },
        )
}

/// Pixels that are either smooth (compressible, like a scan) or arbitrary bytes (including
/// every f32 bit pattern: NaNs must survive bit for bit).
fn pixels(case: &PlaneCase) -> PixelBuffer {
    let bps = case.sample_type.bytes_per_sample();
    let n = case.width as usize * case.height as usize * bps;
    let mut state = case.seed | 1;
    let data: Vec<u8> = (0..n)
        .map(|i| {
            if case.smooth {
                let sample = i / bps;
                let (x, y) = (sample % case.width as usize, sample / case.width as usize);
                ((x * 3 + y * 5) >> (8 * (i % bps))) as u8
            } else {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            }
        })
        .collect();
    PixelBuffer::new(case.sample_type, case.width, case.height, data).expect("sizes match")
}

fn metadata_with(extension: &str, value: i64) -> ScanMetadata {
    let mut m = ScanMetadata::example();
    m.extensions.insert(
        format!("x-{extension}"),
        serde_json::json!({ "value": value, "list": [value, "text"] }),
    );
    m
}

fn write(
    cases: &[PlaneCase],
    buffers: &[PixelBuffer],
    metadata: &ScanMetadata,
    annotations: usize,
) -> Vec<u8> {
    let mut w = Writer::new(
        Vec::new(),
        metadata,
        WriteOptions::deterministic([3; 16], [4; 32]),
    )
    .expect("writer");
    for c in cases {
        w.add_plane(
            PlaneSpec::new(
                c.sample_type,
                c.width,
                c.height,
                PlaneAttributes::example_high_energy(),
            )
            .with_tile_size(c.tile_width, c.tile_height)
            .with_encoding(c.encoding.clone()),
        )
        .expect("plane");
    }
    for (i, b) in buffers.iter().enumerate() {
        w.write_plane(i as u16, b).expect("pixels");
    }
    for _ in 0..annotations {
        w.annotation(&small_annotation()).expect("annotation");
    }
    w.finish(&[]).expect("finish")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn write_read_compare(
        cases in prop::collection::vec(plane_case(), 1..4),
        ext in "[a-z][a-z0-9-]{0,12}",
        value in any::<i64>(),
        annotations in 0usize..3,
        region in (0u32..70, 0u32..50, 1u32..70, 1u32..50),
    ) {
        let metadata = metadata_with(&ext, value);
        let buffers: Vec<PixelBuffer> = cases.iter().map(pixels).collect();
        let bytes = write(&cases, &buffers, &metadata, annotations);

        let scan = read_bytes(&bytes, &ReadOptions::default()).expect("forward read");
        prop_assert_eq!(&scan.metadata, &metadata);
        prop_assert_eq!(scan.annotations.len(), annotations);
        prop_assert_eq!(scan.planes.len(), cases.len());
        for (plane, expected) in scan.planes.iter().zip(&buffers) {
            prop_assert_eq!(&plane.pixels, expected);
        }

        let reader = Reader::from_bytes(bytes.clone()).expect("random access");
        prop_assert_eq!(reader.metadata(), &metadata);
        let (x, y, rw, rh) = region;
        let first = &buffers[0];
        let r = Rect { x: x % first.width(), y: y % first.height(), width: rw, height: rh };
        let r = Rect {
            width: r.width.min(first.width() - r.x),
            height: r.height.min(first.height() - r.y),
            ..r
        };
        prop_assert_eq!(reader.read_region(0, r).expect("region"), first.region(r).expect("cut"));
        for (i, expected) in buffers.iter().enumerate() {
            prop_assert_eq!(&reader.read_plane(i as u16).expect("plane"), expected);
        }

        // Deterministic: writing the same inputs again gives the same bytes.
        prop_assert_eq!(write(&cases, &buffers, &metadata, annotations), bytes);
    }
}

/// The example annotation, moved into the top-left 1 x 1 pixel so it fits any plane.
fn small_annotation() -> Annotation {
    let mut a = Annotation::example();
    a.geometry = scanx::metadata::Geometry::BoundingBox {
        x: 0,
        y: 0,
        width: 1,
        height: 1,
    };
    a
}
