//! Reading into and writing from the caller's memory: strides, padding, short buffers,
//! redacted tiles, and agreement with the owned-buffer paths.

use scanx::metadata::{PlaneAttributes, ScanMetadata};
use scanx::pixels::{Codec, Encoding, Filter, PixelBuffer, PixelView, Rect, SampleType};
use scanx::{ErrorKind, PlaneSpec, Reader, WriteOptions, Writer};

/// Samples that differ at every position, so a misplaced tile or row shows.
fn pattern(sample_type: SampleType, width: u32, height: u32) -> PixelBuffer {
    let bps = sample_type.bytes_per_sample();
    let data: Vec<u8> = (0..width as usize * height as usize * bps)
        .map(|i| (i * 7 + i / 251) as u8)
        .collect();
    PixelBuffer::new(sample_type, width, height, data).expect("sizes match")
}

/// A file with one plane of `pixels`, tiled `tile` x `tile`.
fn file_with(pixels: &PixelBuffer, tile: u32, encoding: Encoding) -> Vec<u8> {
    let mut w = Writer::new(
        Vec::new(),
        &ScanMetadata::example(),
        WriteOptions::deterministic([7; 16], [8; 32]),
    )
    .expect("writer");
    let p = w
        .add_plane(
            PlaneSpec::new(
                pixels.sample_type(),
                pixels.width(),
                pixels.height(),
                PlaneAttributes::example_high_energy(),
            )
            .with_tile_size(tile, tile)
            .with_encoding(encoding),
        )
        .expect("plane");
    w.write_plane(p, pixels).expect("pixels");
    w.finish(&[]).expect("finish")
}

fn kind<T>(result: scanx::Result<T>) -> Option<ErrorKind> {
    result.err().map(|e| e.kind())
}

#[test]
fn regions_read_into_strided_buffers_match_owned_reads() {
    for sample_type in [SampleType::U8, SampleType::U16, SampleType::F32] {
        let pixels = pattern(sample_type, 37, 29);
        let bytes = file_with(&pixels, 8, Encoding::default());
        let reader = Reader::from_bytes(bytes.as_slice()).expect("open");
        let bps = sample_type.bytes_per_sample();
        for region in [
            Rect::new(0, 0, 37, 29),
            Rect::new(3, 5, 10, 11),
            Rect::new(8, 8, 8, 8),
            Rect::new(36, 28, 1, 1),
            Rect::new(0, 7, 37, 2),
            Rect::new(15, 0, 9, 29),
        ] {
            let expected = pixels.region(region).expect("cut");
            let row_len = region.width as usize * bps;
            for padding in [0, 1, 13] {
                let stride = row_len + padding;
                let len = (region.height as usize - 1) * stride + row_len;
                let mut out = vec![0xA5; len + 3];
                reader
                    .read_region_into(0, region, &mut out, stride)
                    .expect("read into");
                for y in 0..region.height as usize {
                    let row = &out[y * stride..y * stride + row_len];
                    let want = &expected.as_bytes()[y * row_len..(y + 1) * row_len];
                    assert_eq!(
                        row, want,
                        "{sample_type:?} {region:?} stride {stride} row {y}"
                    );
                    if y + 1 < region.height as usize {
                        assert!(
                            out[y * stride + row_len..(y + 1) * stride]
                                .iter()
                                .all(|&b| b == 0xA5),
                            "padding between rows is left untouched"
                        );
                    }
                }
                assert_eq!(
                    &out[len..],
                    &[0xA5; 3],
                    "bytes after the last row untouched"
                );
            }
            assert_eq!(reader.read_region(0, region).expect("read"), expected);
        }
        let mut whole = vec![0; pixels.as_bytes().len()];
        reader
            .read_plane_into(0, &mut whole, 37 * bps)
            .expect("plane into");
        assert_eq!(whole, pixels.as_bytes());
    }
}

#[test]
fn bad_buffers_and_regions_are_refused() {
    let pixels = pattern(SampleType::U16, 20, 10);
    let bytes = file_with(&pixels, 8, Encoding::stored());
    let reader = Reader::from_bytes(bytes).expect("open");
    let region = Rect::new(2, 2, 5, 4);
    let exact = 3 * 12 + 10;
    let mut out = vec![0; exact];
    assert!(reader.read_region_into(0, region, &mut out, 12).is_ok());
    assert_eq!(
        kind(reader.read_region_into(0, region, &mut out[..exact - 1], 12)),
        Some(ErrorKind::InvalidArgument),
        "one byte short"
    );
    assert_eq!(
        kind(reader.read_region_into(0, region, &mut out, 9)),
        Some(ErrorKind::InvalidArgument),
        "stride shorter than a row"
    );
    assert_eq!(
        kind(reader.read_region_into(0, Rect::new(18, 0, 5, 1), &mut out, 12)),
        Some(ErrorKind::RegionOutOfBounds)
    );
    assert_eq!(
        kind(reader.read_region_into(0, Rect::new(0, 0, 0, 1), &mut out, 12)),
        Some(ErrorKind::RegionOutOfBounds),
        "empty region"
    );
    let missing_plane = kind(reader.read_region_into(1, region, &mut out, 12));
    assert!(missing_plane.is_some(), "plane out of range");
    assert_eq!(missing_plane, kind(reader.plane(1)));
    assert_eq!(
        kind(reader.read_plane_into(0, &mut vec![0; 399], 40)),
        Some(ErrorKind::InvalidArgument)
    );
}

#[test]
fn redacted_tiles_are_zeroed_in_a_dirty_buffer() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spec/vectors/valid/redacted-cab-tiles-signed.scx"
    );
    let reader = Reader::open(path).expect("open");
    let redacted = reader.redacted_tiles().expect("back");
    let tile = redacted.first().copied().expect("the vector redacts tiles");
    let info = reader.plane(tile.plane).expect("plane").clone();
    let bps = info.sample_type.bytes_per_sample();
    let (w, h) = (info.grid.width, info.grid.height);
    let mut out = vec![0xFF; w as usize * h as usize * bps];
    reader
        .read_plane_into(tile.plane, &mut out, w as usize * bps)
        .expect("read");
    assert_eq!(
        out,
        reader.read_plane(tile.plane).expect("owned").as_bytes()
    );
    let rect = info.grid.tile_rect(tile.col, tile.row).expect("tile");
    let row_len = w as usize * bps;
    for y in rect.y..rect.y + rect.height {
        let start = y as usize * row_len + rect.x as usize * bps;
        assert!(out[start..start + rect.width as usize * bps]
            .iter()
            .all(|&b| b == 0));
    }
}

#[test]
fn borrowed_strided_pixels_write_the_same_file_as_a_buffer() {
    let encodings = [
        Encoding::default(),
        Encoding::stored(),
        Encoding::new(vec![Filter::Delta], Codec::Deflate).with_level(1),
    ];
    for encoding in encodings {
        let pixels = pattern(SampleType::U16, 33, 17);
        let expected = file_with(&pixels, 16, encoding.clone());
        // The same samples inside a wider, padded buffer, as a numpy slice would be.
        let stride = 33 * 2 + 6;
        let mut padded = vec![0xEE; stride * 17];
        for (y, row) in pixels.as_bytes().chunks_exact(66).enumerate() {
            padded[y * stride..y * stride + 66].copy_from_slice(row);
        }
        let view = PixelView::new(SampleType::U16, 33, 17, &padded, stride).expect("view");
        let mut w = Writer::new(
            Vec::new(),
            &ScanMetadata::example(),
            WriteOptions::deterministic([7; 16], [8; 32]),
        )
        .expect("writer");
        let p = w
            .add_plane(
                PlaneSpec::new(
                    SampleType::U16,
                    33,
                    17,
                    PlaneAttributes::example_high_energy(),
                )
                .with_tile_size(16, 16)
                .with_encoding(encoding),
            )
            .expect("plane");
        assert_eq!(
            kind(w.write_plane_view(
                p,
                PixelView::packed(SampleType::U16, 32, 17, &padded).expect("view")
            )),
            Some(ErrorKind::InvalidArgument),
            "a view of the wrong size"
        );
        w.write_plane_view(p, view).expect("write view");
        assert_eq!(w.finish(&[]).expect("finish"), expected);
    }
}
