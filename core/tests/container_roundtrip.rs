//! Write a scan, read it back through both readers, and compare.

use scanx::metadata::{PersonalData, PlaneAttributes, ScanMetadata};
use scanx::pixels::{Codec, Encoding, Filter, PixelBuffer, Rect, SampleType};
use scanx::{
    read_bytes, ErrorKind, PlaneSpec, ReadOptions, Reader, Result, Source, WriteOptions, Writer,
};

fn gradient_u16(width: u32, height: u32) -> PixelBuffer {
    let samples: Vec<u16> = (0..height)
        .flat_map(|y| (0..width).map(move |x| ((x * 7 + y * 13) % 65_000) as u16))
        .collect();
    PixelBuffer::from_u16(width, height, &samples).expect("sizes match")
}

fn write_sample(encoding: Encoding) -> Result<(Vec<u8>, PixelBuffer)> {
    let pixels = gradient_u16(37, 23);
    let mut w = Writer::new(
        Vec::new(),
        &ScanMetadata::example(),
        WriteOptions::deterministic([7; 16], [9; 32]),
    )?;
    w.personal_data(&PersonalData::example())?;
    let p = w.add_plane(
        PlaneSpec::new(
            SampleType::U16,
            37,
            23,
            PlaneAttributes::example_high_energy(),
        )
        .with_tile_size(16, 8)
        .with_encoding(encoding),
    )?;
    w.write_plane(p, &pixels)?;
    Ok((w.finish(&[])?, pixels))
}

#[test]
fn write_then_read_every_codec() -> Result<()> {
    for codec in [Codec::None, Codec::Deflate, Codec::Zstd] {
        let encoding = Encoding::new(vec![Filter::Delta, Filter::ByteShuffle], codec);
        let (bytes, pixels) = write_sample(encoding)?;
        let scan = read_bytes(&bytes, &ReadOptions::default())?;
        assert_eq!(scan.planes.len(), 1);
        assert_eq!(scan.planes[0].pixels, pixels);
        assert!(scan.personal.is_some());
        assert_eq!(scan.manifests.len(), 1);

        let reader = Reader::from_bytes(bytes.clone())?;
        assert_eq!(reader.read_plane(0)?, pixels);
        let region = Rect {
            x: 5,
            y: 3,
            width: 20,
            height: 17,
        };
        assert_eq!(reader.read_region(0, region)?, pixels.region(region)?);
    }
    Ok(())
}

#[test]
fn output_is_deterministic() -> Result<()> {
    let (a, _) = write_sample(Encoding::default())?;
    let (b, _) = write_sample(Encoding::default())?;
    assert_eq!(a, b);
    Ok(())
}

/// The environment variable that makes [`output_is_deterministic_across_processes`] write
/// its file (to the path it names) instead of starting a child process.
const DETERMINISM_CHILD: &str = "SCANX_TEST_DETERMINISM_OUT";

/// The same file written in a child process (another address space, other hash seeds,
/// one worker thread instead of the pool) is byte for byte the file written here.
#[test]
fn output_is_deterministic_across_processes() -> Result<()> {
    let (here, _) = write_sample(Encoding::default())?;
    if let Some(out) = std::env::var_os(DETERMINISM_CHILD) {
        std::fs::write(out, &here)?;
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("child.scx");
    let status = std::process::Command::new(std::env::current_exe()?)
        .args(["--exact", "output_is_deterministic_across_processes"])
        .args(["--test-threads", "1"])
        .env(DETERMINISM_CHILD, &out)
        .env("RAYON_NUM_THREADS", "1")
        .stdout(std::process::Stdio::null())
        .status()?;
    assert!(status.success(), "the child process failed: {status}");
    let there = std::fs::read(&out)?;
    assert_eq!(there.len(), here.len());
    assert!(there == here, "the file written in another process differs");
    Ok(())
}

#[test]
fn every_truncation_is_an_error() -> Result<()> {
    let (bytes, _) = write_sample(Encoding::default())?;
    for cut in 0..bytes.len() {
        let e = read_bytes(&bytes[..cut], &ReadOptions::default());
        assert!(e.is_err(), "truncation at {cut} accepted");
        let e = Reader::from_bytes(bytes[..cut].to_vec()).and_then(|r| r.read_plane(0));
        assert!(e.is_err(), "random access accepted truncation at {cut}");
    }
    Ok(())
}

#[test]
fn trailing_bytes_are_rejected() -> Result<()> {
    let (mut bytes, _) = write_sample(Encoding::default())?;
    bytes.push(0);
    let e = read_bytes(&bytes, &ReadOptions::default())
        .err()
        .map(|e| e.kind());
    assert_eq!(e, Some(ErrorKind::TrailingBytes));
    Ok(())
}

/// Counts reads, to hold the random-access reader to its three-read promise.
struct Counting<'a>(&'a [u8], std::sync::atomic::AtomicUsize);

impl Source for Counting<'_> {
    fn len(&self) -> Result<u64> {
        Ok(self.0.len() as u64)
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        scanx::BytesSource(self.0).read_exact_at(offset, buf)
    }
}

/// A 1536 x 1024 plane of noise in 256 x 256 tiles: several MB that no codec shrinks, so
/// the file is far larger than the 64 KiB the random-access reader takes from its end.
fn write_large() -> Result<(Vec<u8>, PixelBuffer)> {
    let (width, height) = (1536, 1024);
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let samples: Vec<u16> = (0..width * height)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 48) as u16
        })
        .collect();
    let pixels = PixelBuffer::from_u16(width, height, &samples)?;
    let mut w = Writer::new(
        Vec::new(),
        &ScanMetadata::example(),
        WriteOptions::deterministic([7; 16], [9; 32]),
    )?;
    w.personal_data(&PersonalData::example())?;
    let p = w.add_plane(
        PlaneSpec::new(
            SampleType::U16,
            width,
            height,
            PlaneAttributes::example_high_energy(),
        )
        .with_tile_size(256, 256),
    )?;
    w.write_plane(p, &pixels)?;
    Ok((w.finish(&[])?, pixels))
}

#[test]
fn metadata_and_one_tile_in_three_reads() -> Result<()> {
    use std::sync::atomic::Ordering::SeqCst;
    let (bytes, pixels) = write_large()?;
    assert!(
        bytes.len() > 3 << 20,
        "{} bytes: the file must be much larger than the tail window",
        bytes.len()
    );
    let source = Counting(&bytes, Default::default());
    let reader = Reader::from_source(&source, ReadOptions::default())?;
    let _ = reader.metadata();
    assert!(
        source.1.load(SeqCst) <= 2,
        "{} reads",
        source.1.load(SeqCst)
    );
    // A tile in the middle, far from both ends of the file.
    let tile = reader.read_tile(0, 3, 2)?.expect("present");
    assert!(
        source.1.load(SeqCst) <= 3,
        "{} reads",
        source.1.load(SeqCst)
    );
    assert_eq!(
        tile,
        pixels
            .region(Rect {
                x: 3 * 256,
                y: 2 * 256,
                width: 256,
                height: 256
            })?
            .into_bytes()
    );
    Ok(())
}

#[test]
fn ancillary_chunks_between_tiles_do_not_hide_tiles_from_random_access() -> Result<()> {
    let pixels = gradient_u16(20, 10);
    let mut w = Writer::new(
        Vec::new(),
        &ScanMetadata::example(),
        WriteOptions::deterministic([1; 16], [2; 32]),
    )?;
    let p = w.add_plane(
        PlaneSpec::new(
            SampleType::U16,
            20,
            10,
            PlaneAttributes::example_high_energy(),
        )
        .with_tile_size(8, 8),
    )?;
    let grid = scanx::pixels::TileGrid::new(20, 10, 8, 8)?;
    for row in 0..grid.rows() {
        for col in 0..grid.cols() {
            let samples = scanx::pixels::extract_tile(&pixels, &grid, col, row)?;
            w.write_tile(p, col, row, &samples)?;
            w.ancillary_chunk(scanx::ChunkType(*b"xTST"), b"vendor data")?;
        }
    }
    let bytes = w.finish(&[])?;
    let scan = read_bytes(&bytes, &ReadOptions::default())?;
    assert_eq!(scan.planes[0].pixels, pixels);
    assert_eq!(scan.unknown_chunks.len(), 6);
    let reader = Reader::from_bytes(bytes)?;
    assert_eq!(reader.read_plane(0)?, pixels);
    assert_eq!(reader.unknown_chunks()?.len(), 6);
    Ok(())
}

#[test]
fn ancillary_chunks_among_planes_and_tiles_are_read_by_both_readers() -> Result<()> {
    use scanx::pixels::{extract_tile, TileGrid};
    use scanx::ChunkType;

    let pixels = gradient_u16(8, 6);
    let grid = TileGrid::new(8, 6, 4, 6)?;
    let mut w = Writer::new(
        Vec::new(),
        &ScanMetadata::example(),
        WriteOptions::deterministic([7; 16], [9; 32]),
    )?;
    w.ancillary_chunk(ChunkType(*b"vndA"), b"before the planes")?;
    let p = w.add_plane(
        PlaneSpec::new(
            SampleType::U16,
            8,
            6,
            PlaneAttributes::example_high_energy(),
        )
        .with_tile_size(4, 6),
    )?;
    w.write_tile(p, 0, 0, &extract_tile(&pixels, &grid, 0, 0)?)?;
    w.ancillary_chunk(ChunkType(*b"vndB"), b"between two tiles")?;
    w.write_tile(p, 1, 0, &extract_tile(&pixels, &grid, 1, 0)?)?;
    let bytes = w.finish(&[])?;

    let scan = read_bytes(&bytes, &ReadOptions::default())?;
    assert_eq!(scan.planes[0].pixels, pixels);
    assert_eq!(scan.unknown_chunks.len(), 2);

    let reader = Reader::from_bytes(bytes)?;
    assert_eq!(reader.planes().len(), 1);
    assert_eq!(reader.read_plane(0)?, pixels);
    assert_eq!(reader.unknown_chunks()?.len(), 2);
    Ok(())
}

/// The sample file with byte `at` of its MANI payload set to `value` (the manifest is not
/// digested by anything else in an unsigned one-generation file, and the index is unmoved).
fn with_manifest_byte(at: usize, value: u8) -> Result<Vec<u8>> {
    let (mut bytes, _) = write_sample(Encoding::default())?;
    let reader = Reader::from_bytes(bytes.clone())?;
    let mani = reader
        .index()
        .find(scanx::ChunkType::MANI)
        .expect("a manifest")
        .offset;
    bytes[mani as usize + 12 + at] = value;
    Ok(bytes)
}

#[test]
fn manifest_must_use_the_head_algorithm_and_number_generations_from_one() -> Result<()> {
    // Digest algorithm 2 (BLAKE3) in a SHA-256 file; then generation 2 as the first.
    for (at, value) in [(0, 2), (4, 2)] {
        let bytes = with_manifest_byte(at, value)?;
        let e = read_bytes(&bytes, &ReadOptions::default())
            .err()
            .map(|e| e.kind());
        assert_eq!(e, Some(ErrorKind::MalformedChunk), "byte {at} = {value}");
        let e = Reader::from_bytes(bytes)
            .and_then(|r| r.manifests().map(|m| m.len()))
            .err()
            .map(|e| e.kind());
        assert_eq!(e, Some(ErrorKind::MalformedChunk), "byte {at} = {value}");
    }
    Ok(())
}

#[test]
fn text_mode_damage_is_named() {
    let (bytes, _) = write_sample(Encoding::default()).expect("write");
    // A naive LF -> CR LF conversion turns 0D 0A 1A 0A into 0D 0D 0A 1A 0D 0A.
    let mut naive = bytes[..4].to_vec();
    naive.extend_from_slice(&[0x0D, 0x0D, 0x0A, 0x1A, 0x0D, 0x0A]);
    naive.extend_from_slice(&bytes[8..]);
    let e = read_bytes(&naive, &ReadOptions::default())
        .err()
        .map(|e| e.kind());
    assert_eq!(e, Some(ErrorKind::TextModeCorruption));
    // CR LF -> LF.
    let mut unix = bytes[..4].to_vec();
    unix.extend_from_slice(&[0x0A, 0x1A, 0x0A]);
    unix.extend_from_slice(&bytes[8..]);
    let e = read_bytes(&unix, &ReadOptions::default())
        .err()
        .map(|e| e.kind());
    assert_eq!(e, Some(ErrorKind::TextModeCorruption));
}

#[test]
fn random_access_errors_from_the_back_of_the_file_keep_their_location() -> Result<()> {
    let bytes = with_manifest_byte(2, 1)?; // a reserved byte of the manifest
    let reader = Reader::from_bytes(bytes)?;
    for _ in 0..2 {
        let e = reader.manifests().expect_err("a malformed manifest");
        assert_eq!(e.kind(), ErrorKind::MalformedChunk);
        assert_eq!(e.chunk(), Some(*b"MANI"));
        assert!(e.offset().is_some());
        assert!(!e.message().starts_with("MALFORMED_CHUNK"), "{e}");
    }
    Ok(())
}
