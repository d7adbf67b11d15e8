//! Files that declare huge sizes (chunk lengths, planes, tile counts, metadata, manifest
//! and index entries) are refused before anything of the declared size is allocated.
//!
//! A counting global allocator measures the heap peak of each attempt above what was live
//! before it (the file itself is already in memory then). Every attempt must stay under
//! [`BOUND_ABOVE_FILE`] plus the file's own length: the reader may copy the file once,
//! never allocate what a header merely claims.

mod support;

use std::sync::Mutex;

use scanx::container::chunk::{chunk_header, MAGIC};
use scanx::container::head::Head;
use scanx::container::index::{Index, IndexEntry, PlaneRef};
use scanx::container::manifest::{Manifest, ManifestEntry};
use scanx::container::plane::PlaneHeader;
use scanx::container::tail::Tail;
use scanx::container::tile::TileHeader;
use scanx::crypto::digest::chunk_digest;
use scanx::metadata::{self, PlaneAttributes, ScanMetadata};
use scanx::pixels::{self, Codec, Encoding, Rect, SampleType, TileGrid};
use scanx::{
    read_bytes, read_stream, ChunkType, DigestAlgorithm, Editor, ErrorKind, FormatVersion, Limits,
    ReadOptions, Reader, Result,
};
use support::counting_alloc::{self, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Heap an attempt may use beyond one copy of the file.
const BOUND_ABOVE_FILE: usize = 1 << 20;

/// The measurements share one counter: one attempt at a time.
static SERIAL: Mutex<()> = Mutex::new(());

const FILE_ID: [u8; 16] = [0x5c; 16];

/// Runs `attempt` on `file`, checks the error kind, and returns the heap peak above what
/// was live before; fails if it exceeds the bound.
fn refused<T>(
    what: &str,
    file: &[u8],
    expected: ErrorKind,
    attempt: impl FnOnce(&[u8]) -> Result<T>,
) -> usize {
    let base = counting_alloc::reset_peak();
    let result = attempt(file);
    let peak = counting_alloc::peak() - base;
    let kind = result.err().map(|e| e.kind());
    assert_eq!(kind, Some(expected), "{what}");
    let bound = file.len() + BOUND_ABOVE_FILE;
    assert!(
        peak <= bound,
        "{what}: the heap grew by {peak} bytes for a file of {} bytes (bound {bound})",
        file.len()
    );
    eprintln!(
        "{what}: {expected:?}, heap peak {peak} bytes above the file's {}",
        file.len()
    );
    peak
}

/// Every reader entry point over `file`, each expected to fail with its own kind.
struct Expect {
    forward: ErrorKind,
    random_access: ErrorKind,
}

fn refused_everywhere(what: &str, file: &[u8], limits: &Limits, expect: Expect) -> usize {
    let options = ReadOptions::with_limits(limits.clone());
    let mut worst = 0;
    worst = worst.max(refused(
        &format!("{what} (read_bytes)"),
        file,
        expect.forward,
        |f| read_bytes(f, &options),
    ));
    // The editor owns its bytes: the caller's copy is made before the measurement.
    let owned = file.to_vec();
    worst = worst.max(refused(
        &format!("{what} (editor)"),
        file,
        expect.forward,
        |_| Editor::from_bytes_with(owned, &options),
    ));
    worst = worst.max(refused(
        &format!("{what} (random access)"),
        file,
        expect.random_access,
        |f| {
            let reader = Reader::from_source(scanx::BytesSource(f), options.clone())?;
            for plane in 0..reader.planes().len() {
                reader.read_plane(plane as u16)?;
            }
            reader.annotations().map(|a| a.len())
        },
    ));
    worst
}

/// A chunk to put in a hand-made file.
struct Chunk {
    chunk_type: ChunkType,
    payload: Vec<u8>,
    /// Plane, column and row, for the index.
    place: (u16, u32, u32),
}

fn chunk(chunk_type: ChunkType, payload: Vec<u8>) -> Chunk {
    Chunk {
        chunk_type,
        payload,
        place: (0, 0, 0),
    }
}

fn head() -> Chunk {
    chunk(
        ChunkType::HEAD,
        Head {
            file_id: FILE_ID,
            algorithm: DigestAlgorithm::Sha256,
        }
        .encode(),
    )
}

fn meta() -> Chunk {
    chunk(ChunkType::META, metadata::to_json(&ScanMetadata::example()))
}

fn plan(sample_type: SampleType, grid: TileGrid) -> (Chunk, PlaneRef) {
    let header = PlaneHeader {
        index: 0,
        sample_type,
        personal: false,
        grid,
        attributes_json: metadata::to_json(&PlaneAttributes::example_high_energy()),
    };
    let plane_ref = PlaneRef {
        grid,
        sample_type,
        flags: 0,
        plan_entry: 2,
    };
    (chunk(ChunkType::PLAN, header.encode()), plane_ref)
}

fn tile(col: u32, row: u32, decoded_length: u64, codec: Codec, data: &[u8]) -> Chunk {
    let mut payload = TileHeader {
        salt: [0; 16],
        plane: 0,
        codec,
        filters: Vec::new(),
        col,
        row,
        decoded_length,
    }
    .encode();
    payload.extend_from_slice(data);
    Chunk {
        chunk_type: ChunkType::TILE,
        payload,
        place: (0, col, row),
    }
}

/// A complete file: the header, `chunks`, a manifest over them, the index and the tail,
/// all consistent, so that only what a test changes is wrong.
fn file(chunks: Vec<Chunk>, planes: Vec<PlaneRef>) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&FormatVersion::CURRENT.to_bytes());
    let mut index = Index {
        planes,
        entries: Vec::new(),
    };
    let mut entries = Vec::new();
    let push = |out: &mut Vec<u8>, index: &mut Index, c: &Chunk| {
        let offset = out.len() as u64;
        out.extend_from_slice(&chunk_header(c.chunk_type, c.payload.len() as u64));
        out.extend_from_slice(&c.payload);
        index.entries.push(IndexEntry {
            chunk_type: c.chunk_type,
            offset,
            length: out.len() as u64 - offset,
            plane: c.place.0,
            col: c.place.1,
            row: c.place.2,
        });
        chunk_digest(DigestAlgorithm::Sha256, &FILE_ID, &out[offset as usize..])
    };
    for c in &chunks {
        let digest = push(&mut out, &mut index, c);
        entries.push(ManifestEntry {
            chunk_type: c.chunk_type,
            digest,
        });
    }
    let manifest = Manifest {
        algorithm: DigestAlgorithm::Sha256,
        expected_signatures: 0,
        generation: 1,
        previous: [0; 32],
        entries,
    };
    push(
        &mut out,
        &mut index,
        &chunk(ChunkType::MANI, manifest.encode()),
    );
    let index_offset = out.len() as u64;
    let payload = index.encode();
    out.extend_from_slice(&chunk_header(ChunkType::INDX, payload.len() as u64));
    out.extend_from_slice(&payload);
    let tail = Tail {
        index_offset,
        index_length: out.len() as u64 - index_offset,
    };
    out.extend_from_slice(&chunk_header(ChunkType::TAIL, Tail::LEN as u64));
    out.extend_from_slice(&tail.encode());
    out
}

fn grid(width: u32, height: u32, tile_width: u32, tile_height: u32) -> TileGrid {
    TileGrid::new(width, height, tile_width, tile_height).expect("sizes of at least 1")
}

/// A valid file: one 8 x 8 u8 plane in one stored tile.
fn small_valid() -> Vec<u8> {
    let (plan, plane_ref) = plan(SampleType::U8, grid(8, 8, 8, 8));
    file(
        vec![head(), meta(), plan, tile(0, 0, 64, Codec::None, &[7; 64])],
        vec![plane_ref],
    )
}

/// Offset of the first chunk of type `t` in `file`.
fn chunk_offset(file: &[u8], t: ChunkType) -> usize {
    let mut at = 12;
    while at + 12 <= file.len() {
        let len = u64::from_le_bytes(file[at + 4..at + 12].try_into().expect("8 bytes"));
        if file[at..at + 4] == t.0 {
            return at;
        }
        at += 12 + len as usize;
    }
    panic!("no {t} chunk");
}

fn set_u64(file: &mut [u8], at: usize, value: u64) {
    file[at..at + 8].copy_from_slice(&value.to_le_bytes());
}

fn set_u32(file: &mut [u8], at: usize, value: u32) {
    file[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

#[test]
fn the_hand_made_file_is_valid() {
    let bytes = small_valid();
    let scan = read_bytes(&bytes, &ReadOptions::default()).expect("valid");
    assert_eq!(scan.planes[0].pixels.as_bytes(), &[7; 64]);
    let reader = Reader::from_bytes(&bytes[..]).expect("valid");
    assert_eq!(reader.read_plane(0).expect("plane").as_bytes(), &[7; 64]);
}

#[test]
fn a_chunk_declaring_2_pow_40_bytes() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut bytes = small_valid();
    let meta_at = chunk_offset(&bytes, ChunkType::META);
    set_u64(&mut bytes, meta_at + 4, 1 << 40);
    refused_everywhere(
        "META declaring 2^40 bytes",
        &bytes,
        &Limits::default(),
        Expect {
            forward: ErrorKind::LengthOverflow,
            random_access: ErrorKind::IndexMismatch,
        },
    );
    // From a stream of unknown length, the limit stops it; with no limits, the stream
    // ends first, and only what arrived was buffered.
    refused(
        "META declaring 2^40 bytes (stream)",
        &bytes,
        ErrorKind::LimitExceeded,
        |f| read_stream(f, None, &ReadOptions::default()),
    );
    refused(
        "META declaring 2^40 bytes (stream, no limits)",
        &bytes,
        ErrorKind::LengthOverflow,
        |f| read_stream(f, None, &ReadOptions::with_limits(Limits::unlimited())),
    );
}

#[test]
fn a_meta_chunk_declaring_2_pow_30_bytes() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut bytes = small_valid();
    let meta_at = chunk_offset(&bytes, ChunkType::META);
    set_u64(&mut bytes, meta_at + 4, 1 << 30);
    refused(
        "META declaring 2^30 bytes",
        &bytes,
        ErrorKind::LengthOverflow,
        |f| read_bytes(f, &ReadOptions::default()),
    );
    refused(
        "META declaring 2^30 bytes (stream)",
        &bytes,
        ErrorKind::LimitExceeded,
        |f| read_stream(f, None, &ReadOptions::default()),
    );
    let mut roomy = Limits::default();
    roomy.max_chunk_bytes = 1 << 31;
    refused(
        "META declaring 2^30 bytes (stream, chunk limit above it)",
        &bytes,
        ErrorKind::LengthOverflow,
        |f| read_stream(f, None, &ReadOptions::with_limits(roomy)),
    );
    // The index entry of META claiming 2^30 bytes: the entries no longer tile the file.
    let mut bytes = small_valid();
    let index_at = chunk_offset(&bytes, ChunkType::INDX);
    let meta_entry = index_at + 12 + 8 + 24 + 36;
    set_u64(&mut bytes, meta_entry + 16, 1 << 30);
    refused(
        "index entry of META claiming 2^30 bytes",
        &bytes,
        ErrorKind::IndexMismatch,
        |f| Reader::from_bytes(f).map(drop),
    );
}

#[test]
fn a_metadata_payload_over_its_limit() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // 5 MiB of real JSON (over the 4 MiB metadata limit, under the chunk limit).
    let mut meta = metadata::to_json(&ScanMetadata::example());
    meta.pop();
    meta.extend_from_slice(b",\"x-padding\":\"");
    meta.resize(meta.len() + (5 << 20), b'a');
    meta.extend_from_slice(b"\"}");
    let (plan, plane_ref) = plan(SampleType::U8, grid(8, 8, 8, 8));
    let bytes = file(
        vec![
            head(),
            chunk(ChunkType::META, meta),
            plan,
            tile(0, 0, 64, Codec::None, &[7; 64]),
        ],
        vec![plane_ref],
    );
    refused_everywhere(
        "META of 5 MiB",
        &bytes,
        &Limits::default(),
        Expect {
            forward: ErrorKind::LimitExceeded,
            random_access: ErrorKind::LimitExceeded,
        },
    );
    // Deeply nested JSON within the size limit is refused without exhausting the stack.
    let mut nested = vec![b'['; 100_000];
    nested.extend(std::iter::repeat_n(b']', 100_000));
    let (plan, plane_ref) = self::plan(SampleType::U8, grid(8, 8, 8, 8));
    let bytes = file(
        vec![
            head(),
            chunk(ChunkType::META, nested),
            plan,
            tile(0, 0, 64, Codec::None, &[7; 64]),
        ],
        vec![plane_ref],
    );
    refused_everywhere(
        "META nested 100 000 deep",
        &bytes,
        &Limits::default(),
        Expect {
            forward: ErrorKind::InvalidJson,
            random_access: ErrorKind::InvalidJson,
        },
    );
}

#[test]
fn a_65535_by_65535_u32_plane() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (plan, plane_ref) = plan(SampleType::U32, grid(65_535, 65_535, 512, 512));
    let bytes = file(vec![head(), meta(), plan], vec![plane_ref]);
    refused_everywhere(
        "65535 x 65535 u32 plane",
        &bytes,
        &Limits::default(),
        Expect {
            forward: ErrorKind::LimitExceeded,
            random_access: ErrorKind::LimitExceeded,
        },
    );
    // With the pixel limit lifted, the decoded-bytes limit (17 GB asked, 2 GiB allowed)
    // still refuses it before a buffer is made.
    let mut limits = Limits::default();
    limits.max_pixels_per_plane = u64::MAX;
    limits.max_tiles = u64::MAX;
    refused_everywhere(
        "65535 x 65535 u32 plane, no pixel limit",
        &bytes,
        &limits,
        Expect {
            forward: ErrorKind::LimitExceeded,
            random_access: ErrorKind::LimitExceeded,
        },
    );
}

#[test]
fn a_plane_of_2_pow_31_tiles() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (plan, plane_ref) = plan(SampleType::U8, grid(1 << 16, 1 << 15, 1, 1));
    let bytes = file(vec![head(), meta(), plan], vec![plane_ref]);
    let mut limits = Limits::default();
    limits.max_pixels_per_plane = u64::MAX;
    limits.max_decoded_bytes = u64::MAX;
    refused_everywhere(
        "2^31 tiles of 1 x 1",
        &bytes,
        &limits,
        Expect {
            forward: ErrorKind::LimitExceeded,
            random_access: ErrorKind::LimitExceeded,
        },
    );
    let e = read_bytes(&bytes, &ReadOptions::with_limits(limits)).expect_err("refused");
    assert!(e.message().contains("tiles"), "{e}");
}

#[test]
fn a_large_plane_whose_tiles_are_missing() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // 100 MB of u8 declared (within the default limits) and no tile at all: refused as
    // incomplete before a plane buffer is made.
    let (plan, plane_ref) = plan(SampleType::U8, grid(10_000, 10_000, 10_000, 10_000));
    let bytes = file(vec![head(), meta(), plan], vec![plane_ref]);
    refused_everywhere(
        "10000 x 10000 plane with no tile",
        &bytes,
        &Limits::default(),
        Expect {
            forward: ErrorKind::MissingChunk,
            random_access: ErrorKind::MissingChunk,
        },
    );
}

#[test]
fn a_tile_declaring_a_huge_decoded_length() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (plan, plane_ref) = plan(SampleType::U8, grid(8, 8, 8, 8));
    let bytes = file(
        vec![
            head(),
            meta(),
            plan,
            tile(0, 0, 1 << 40, Codec::Zstd, &[0; 16]),
        ],
        vec![plane_ref],
    );
    refused_everywhere(
        "tile declaring 2^40 decoded bytes",
        &bytes,
        &Limits::default(),
        Expect {
            forward: ErrorKind::TileSizeMismatch,
            random_access: ErrorKind::TileSizeMismatch,
        },
    );
}

#[test]
fn a_compression_bomb_in_a_small_tile() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // 64 MiB of zeros compressed to a few KiB, in a tile that declares 64 x 64 bytes.
    let zeros = vec![0u8; 64 << 20];
    for codec in [Codec::Deflate, Codec::Zstd] {
        let encoding = Encoding::new(Vec::new(), codec);
        let bomb =
            pixels::encode_tile(&zeros, SampleType::U8, 8192, 8192, &encoding).expect("encode");
        let (plan, plane_ref) = plan(SampleType::U8, grid(64, 64, 64, 64));
        let bytes = file(
            vec![head(), meta(), plan, tile(0, 0, 64 * 64, codec, &bomb)],
            vec![plane_ref],
        );
        refused_everywhere(
            &format!("{codec:?} bomb of 64 MiB in a 4 KiB tile"),
            &bytes,
            &Limits::default(),
            Expect {
                forward: ErrorKind::TileSizeMismatch,
                random_access: ErrorKind::TileSizeMismatch,
            },
        );
    }
}

#[test]
fn a_manifest_declaring_2_pow_32_entries() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut bytes = small_valid();
    let mani_at = chunk_offset(&bytes, ChunkType::MANI);
    // entry_count sits after algorithm, expected signatures, reserved, generation and the
    // previous digest: 40 bytes into the payload.
    set_u32(&mut bytes, mani_at + 12 + 40, u32::MAX);
    refused(
        "manifest of 2^32 - 1 entries",
        &bytes,
        ErrorKind::LimitExceeded,
        |f| read_bytes(f, &ReadOptions::default()),
    );
    refused(
        "manifest of 2^32 - 1 entries (no limits)",
        &bytes,
        ErrorKind::MalformedChunk,
        |f| read_bytes(f, &ReadOptions::with_limits(Limits::unlimited())),
    );
    let owned = bytes.clone();
    refused(
        "manifest of 2^32 - 1 entries (editor)",
        &bytes,
        ErrorKind::LimitExceeded,
        |_| Editor::from_bytes(owned),
    );
    refused(
        "manifest of 2^32 - 1 entries (random access)",
        &bytes,
        ErrorKind::LimitExceeded,
        |f| Reader::from_bytes(f).and_then(|r| r.manifests().map(|m| m.len())),
    );
}

#[test]
fn an_index_declaring_2_pow_32_entries() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut bytes = small_valid();
    let index_at = chunk_offset(&bytes, ChunkType::INDX);
    set_u32(&mut bytes, index_at + 12 + 4, u32::MAX);
    refused(
        "index of 2^32 - 1 entries",
        &bytes,
        ErrorKind::LimitExceeded,
        |f| Reader::from_bytes(f).map(drop),
    );
    refused(
        "index of 2^32 - 1 entries (no limits)",
        &bytes,
        ErrorKind::IndexMismatch,
        |f| {
            Reader::from_source(
                scanx::BytesSource(f),
                ReadOptions::with_limits(Limits::unlimited()),
            )
            .map(drop)
        },
    );
    refused(
        "index of 2^32 - 1 entries (forward)",
        &bytes,
        ErrorKind::IndexMismatch,
        |f| read_bytes(f, &ReadOptions::default()),
    );
    // 65535 planes declared in the index.
    let mut bytes = small_valid();
    bytes[index_at + 12..index_at + 14].copy_from_slice(&u16::MAX.to_le_bytes());
    refused(
        "index of 65535 planes",
        &bytes,
        ErrorKind::LimitExceeded,
        |f| Reader::from_bytes(f).map(drop),
    );
}

#[test]
fn a_tail_pointing_at_a_huge_index() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut bytes = small_valid();
    let tail_at = bytes.len() - 28;
    set_u64(&mut bytes, tail_at + 12, 0);
    set_u64(&mut bytes, tail_at + 20, tail_at as u64);
    // The whole file before the tail, as one "index" of 256 MiB + 1 would be over the
    // chunk limit; here it is small but of the wrong type.
    refused(
        "tail pointing at offset 0",
        &bytes,
        ErrorKind::IndexMismatch,
        |f| Reader::from_bytes(f).map(drop),
    );
    let mut bytes = small_valid();
    set_u64(&mut bytes, tail_at + 12, 12);
    set_u64(&mut bytes, tail_at + 20, u64::MAX - 11);
    refused(
        "tail declaring an index of 2^64 - 12 bytes",
        &bytes,
        ErrorKind::IndexMismatch,
        |f| Reader::from_bytes(f).map(drop),
    );
}

#[test]
fn a_region_far_larger_than_its_plane() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let bytes = small_valid();
    let reader = Reader::from_bytes(&bytes[..]).expect("valid");
    // 1.6 GB asked: within the decoded-bytes limit, outside the 8 x 8 plane.
    refused(
        "region of 40000 x 40000",
        &bytes,
        ErrorKind::RegionOutOfBounds,
        |_| reader.read_region(0, Rect::new(0, 0, 40_000, 40_000)),
    );
    refused(
        "region of 65535 x 65535",
        &bytes,
        ErrorKind::LimitExceeded,
        |_| reader.read_region(0, Rect::new(0, 0, 65_535, 65_535)),
    );
}

#[test]
fn a_region_whose_byte_count_overflows() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (plan, plane_ref) = plan(SampleType::U32, grid(2, 2, 2, 2));
    let bytes = file(
        vec![head(), meta(), plan, tile(0, 0, 16, Codec::None, &[1; 16])],
        vec![plane_ref],
    );
    let reader = Reader::from_bytes(&bytes[..]).expect("valid");
    // (2^32 - 1)^2 samples of 4 bytes: more bytes than a u64 counts.
    for limits in [Limits::default(), Limits::unlimited()] {
        let reader = Reader::from_source(
            scanx::BytesSource(&bytes[..]),
            ReadOptions::with_limits(limits.clone()),
        )
        .expect("valid");
        let expected = if limits == Limits::default() {
            ErrorKind::LimitExceeded
        } else {
            ErrorKind::RegionOutOfBounds
        };
        refused(
            "region of 2^32 - 1 squared u32 samples",
            &bytes,
            expected,
            |_| reader.read_region(0, Rect::new(0, 0, u32::MAX, u32::MAX)),
        );
    }
    drop(reader);
}

#[test]
fn a_plane_whose_byte_count_overflows_without_limits() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // (2^32 - 1)^2 f32 samples in one tile, with every limit lifted: the sizes saturate
    // instead of wrapping, and the missing tile is found before anything is allocated.
    let (plan, plane_ref) = plan(
        SampleType::F32,
        grid(u32::MAX, u32::MAX, u32::MAX, u32::MAX),
    );
    let bytes = file(vec![head(), meta(), plan], vec![plane_ref]);
    refused_everywhere(
        "4294967295 x 4294967295 f32 plane, no limits",
        &bytes,
        &Limits::unlimited(),
        Expect {
            forward: ErrorKind::MissingChunk,
            random_access: ErrorKind::MissingChunk,
        },
    );
    // A tile of that plane declaring its size: the expected size saturates too.
    let (plan, plane_ref) = self::plan(
        SampleType::F32,
        grid(u32::MAX, u32::MAX, u32::MAX, u32::MAX),
    );
    let bytes = file(
        vec![
            head(),
            meta(),
            plan,
            tile(0, 0, u64::MAX, Codec::Zstd, &[0; 16]),
        ],
        vec![plane_ref],
    );
    refused_everywhere(
        "4294967295 x 4294967295 f32 tile, no limits",
        &bytes,
        &Limits::unlimited(),
        Expect {
            forward: ErrorKind::LimitExceeded,
            random_access: ErrorKind::LimitExceeded,
        },
    );
}
