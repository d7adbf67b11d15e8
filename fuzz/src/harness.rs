//! One function per fuzz target.
//!
//! The fuzz targets in `fuzz/fuzz_targets/` call these, and `core/tests/hostile.rs`
//! includes this file to replay every saved input of `fuzz/regressions/`, so a crash
//! replays in the ordinary test suite exactly as the fuzzer found it.
//!
//! Every function takes untrusted bytes and must not panic on any of them. Where an
//! operation succeeds, the function also checks what must then hold (the two readers
//! agree, a value written and read back is equal, an edited file reads back): a broken
//! property panics, which the fuzzer reports like any other crash.
//!
//! Some targets read a short prefix of parameters before the file itself; the seed corpus
//! adds those prefixes (see [`REGION_PREFIX_LEN`] and [`EDIT_PREFIX_LEN`]).

use std::io::Read;

use arbitrary::{Arbitrary, Unstructured};

use scanx::container::chunk::{parse_chunk_header, parse_file_header, ChunkStream};
use scanx::container::head::Head;
use scanx::container::index::Index;
use scanx::container::manifest::Manifest;
use scanx::container::plane::PlaneHeader;
use scanx::container::signature::SignatureRecord;
use scanx::container::tail::Tail;
use scanx::container::tile::TileHeader;
use scanx::crypto::{KeyId, PublicKey, SigningKey, TrustStore};
use scanx::generations::FileLayout;
use scanx::metadata::{
    self, checks, Action, Actor, Annotation, Event, Geometry, PersonalData, PlaneAttributes,
    ScanMetadata,
};
use scanx::pixels::{self, Codec, Encoding, Filter, PixelBuffer, Rect, SampleType, MAX_FILTERS};
use scanx::provenance::EventStamp;
use scanx::{
    read_bytes, read_stream, BytesSource, ChunkType, DigestAlgorithm, Editor, Limits, PlaneSpec,
    ReadOptions, Reader, RedactRequest, Role, Scan, SignRequest, TileRef, WriteOptions, Writer,
};

/// A fuzz target: takes any bytes, panics only on a bug.
pub type Target = fn(&[u8]);

/// Every target by name, for the regression replay: a file `<name>-<anything>` under
/// `fuzz/regressions/` is replayed through the function of that name.
pub const TARGETS: &[(&str, Target)] = &[
    ("read_file", read_file),
    ("read_region", read_region),
    ("metadata_json", metadata_json),
    ("tile_decode", tile_decode),
    ("round_trip", round_trip),
    ("trust_store", trust_store),
    ("pem_keys", pem_keys),
    ("edit", edit),
    ("container_parts", container_parts),
    ("verify", verify),
];

/// The target function named `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// Small limits, so that the fuzzer explores the format instead of waiting on large
/// allocations that the limits allow on purpose. A file of up to a few hundred KiB fits.
pub fn fuzz_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_chunk_bytes = 1 << 20;
    limits.max_pixels_per_plane = 1 << 20;
    limits.max_decoded_bytes = 16 << 20;
    limits.max_metadata_bytes = 64 << 10;
    limits.max_tiles = 4096;
    limits.max_planes = 8;
    limits.max_annotations = 256;
    limits.max_chunks = 8192;
    limits
}

fn options() -> ReadOptions {
    ReadOptions::with_limits(fuzz_limits())
}

/// A `Read` that hands out at most `step` bytes per call, as a network stream does.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.step).min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        buf[..n].copy_from_slice(head);
        self.data = rest;
        Ok(n)
    }
}

/// Whole-file read: the forward reader from memory and from a stream of unknown length,
/// the random-access reader (metadata, every plane, annotations, events, manifests,
/// signatures), and the generation splitter. When the forward reader accepts a file, the
/// other readers must accept it too and see the same content.
pub fn read_file(data: &[u8]) {
    let opts = options();
    let scan = read_bytes(data, &opts);
    let streamed = read_stream(
        Trickle {
            data,
            step: 1 + data.len() % 4093,
        },
        None,
        &opts,
    );
    let layout = FileLayout::parse(data, &opts.limits);
    let reader = Reader::from_source(BytesSource(data), opts.clone());

    let Ok(scan) = scan else {
        // Whatever the forward reader refused, the random-access reader must still
        // answer every question without panicking.
        if let Ok(reader) = reader {
            touch_everything(&reader);
        }
        return;
    };
    let streamed = streamed.expect("the forward reader refuses a stream it accepts from memory");
    assert_same_scan(&scan, &streamed);
    layout.expect("the generation splitter refuses a file the forward reader accepts");
    let reader =
        reader.expect("the random-access reader refuses a file the forward reader accepts");
    assert_reader_matches(&reader, &scan);
}

/// Asks a random-access reader for everything it can give, ignoring the answers.
fn touch_everything(reader: &Reader<BytesSource<&[u8]>>) {
    let _ = reader.metadata();
    let _ = reader.personal_data();
    for p in 0..reader.planes().len() {
        let _ = reader.read_plane(p as u16);
    }
    let _ = reader.annotations();
    let _ = reader.events();
    let _ = reader.manifests();
    let _ = reader.signatures();
    let _ = reader.unknown_chunks();
    let _ = reader.redacted_tiles();
}

fn assert_same_scan(a: &Scan, b: &Scan) {
    assert_eq!(a.version, b.version);
    assert_eq!(a.file_id, b.file_id);
    assert_eq!(a.metadata, b.metadata);
    assert_eq!(a.metadata_json, b.metadata_json);
    assert_eq!(a.personal, b.personal);
    assert_eq!(a.planes, b.planes);
    assert_eq!(a.annotations, b.annotations);
    assert_eq!(a.events, b.events);
    assert_eq!(a.unknown_chunks, b.unknown_chunks);
    assert_eq!(a.redacted_tiles, b.redacted_tiles);
    assert_eq!(a.manifests, b.manifests);
    assert_eq!(a.signatures, b.signatures);
}

fn assert_reader_matches<T: AsRef<[u8]> + Send + Sync>(
    reader: &Reader<BytesSource<T>>,
    scan: &Scan,
) {
    assert_eq!(reader.version(), scan.version);
    assert_eq!(reader.file_id(), scan.file_id);
    assert_eq!(reader.metadata(), &scan.metadata);
    assert_eq!(reader.metadata_json(), &scan.metadata_json[..]);
    assert_eq!(reader.personal_data(), scan.personal.as_ref());
    assert_eq!(reader.planes().len(), scan.planes.len());
    for (i, plane) in scan.planes.iter().enumerate() {
        assert_eq!(reader.planes()[i], plane.info);
        let pixels = reader
            .read_plane(i as u16)
            .expect("the random-access reader cannot decode a plane the forward reader decoded");
        assert_eq!(pixels, plane.pixels, "plane {i}");
    }
    let ok = "the random-access reader cannot read the end of a file the forward reader accepts";
    assert_eq!(reader.annotations().expect(ok), &scan.annotations[..]);
    assert_eq!(reader.events().expect(ok), &scan.events[..]);
    assert_eq!(reader.manifests().expect(ok), &scan.manifests[..]);
    assert_eq!(reader.signatures().expect(ok), &scan.signatures[..]);
    assert_eq!(reader.unknown_chunks().expect(ok), &scan.unknown_chunks[..]);
    let mut redacted = reader.redacted_tiles().expect(ok);
    redacted.retain(|t| usize::from(t.plane) < scan.planes.len());
    assert_eq!(redacted, scan.redacted_tiles);
}

/// Bytes of parameters before the file in a `read_region` input: plane (u16), x, y,
/// width, height (u32 each), little-endian.
pub const REGION_PREFIX_LEN: usize = 18;

/// Region read through the random-access reader. The prefix names the plane and the
/// rectangle; the rest is the file. A region that decodes must equal the same rectangle
/// cut from the whole plane.
pub fn read_region(data: &[u8]) {
    let Some((prefix, file)) = data.split_at_checked(REGION_PREFIX_LEN) else {
        return;
    };
    let u32_at =
        |i: usize| u32::from_le_bytes([prefix[i], prefix[i + 1], prefix[i + 2], prefix[i + 3]]);
    let plane = u16::from_le_bytes([prefix[0], prefix[1]]);
    let region = Rect::new(u32_at(2), u32_at(6), u32_at(10), u32_at(14));
    let Ok(reader) = Reader::from_source(BytesSource(file), options()) else {
        return;
    };
    let Ok(pixels) = reader.read_region(plane, region) else {
        return;
    };
    assert_eq!(
        (pixels.width(), pixels.height()),
        (region.width, region.height)
    );
    if let Ok(whole) = reader.read_plane(plane) {
        let cut = whole
            .region(region)
            .expect("a region that decodes lies inside its plane");
        assert_eq!(pixels, cut, "region {region:?} of plane {plane}");
    }
    // The tile under the region's corner decodes on its own too.
    if let Ok(info) = reader.plane(plane) {
        let col = region.x / info.grid.tile_width;
        let row = region.y / info.grid.tile_height;
        reader
            .read_tile(plane, col, row)
            .expect("a tile of a region that decoded cannot be read alone");
    }
}

/// The metadata record kinds [`metadata_json`] chooses from with its first byte.
const METADATA_KINDS: u8 = 6;

/// Metadata parse and validation. The first byte picks the record (scan metadata,
/// personal data, plane attributes, annotation, event) or the text checks (codes, check
/// digits, times); the rest is the payload. A record that parses must write back to
/// canonical JSON that parses to an equal record, and writing that again gives the same
/// bytes.
pub fn metadata_json(data: &[u8]) {
    let Some((&kind, payload)) = data.split_first() else {
        return;
    };
    let limit = fuzz_limits().max_metadata_bytes;
    match kind % METADATA_KINDS {
        0 => drop(json_round_trip::<ScanMetadata>(payload, limit)),
        1 => drop(json_round_trip::<PersonalData>(payload, limit)),
        2 => drop(json_round_trip::<PlaneAttributes>(payload, limit)),
        3 => {
            if let Some(a) = json_round_trip::<Annotation>(payload, limit) {
                let _ = a.geometry.mask_bits();
                let _ = a.geometry.fits_within(u32::MAX, 1);
            }
        }
        4 => drop(json_round_trip::<Event>(payload, limit)),
        _ => text_checks(&String::from_utf8_lossy(payload)),
    }
}

fn json_round_trip<T>(payload: &[u8], limit: u64) -> Option<T>
where
    T: serde::de::DeserializeOwned
        + serde::Serialize
        + metadata::Validate
        + PartialEq
        + std::fmt::Debug,
{
    let value: T = metadata::from_json(payload, limit).ok()?;
    let canonical = metadata::to_json(&value);
    let again: T = metadata::from_json(&canonical, u64::MAX)
        .unwrap_or_else(|e| panic!("canonical JSON of an accepted record is refused: {e}"));
    assert_eq!(again, value);
    assert_eq!(
        metadata::to_json(&again),
        canonical,
        "canonical JSON is not stable"
    );
    Some(value)
}

/// The code, check-digit and time checks on arbitrary text, and the round trips they
/// promise.
fn text_checks(s: &str) {
    let _ = checks::iso6346_check_digit(s);
    if let Some(n) = checks::normalize_iso6346(s) {
        assert!(checks::is_valid_iso6346(&n), "{n:?}");
    }
    let _ = checks::uic_wagon_check_digit(s);
    if let Some(n) = checks::normalize_uic_wagon(s) {
        assert!(checks::is_valid_uic_wagon(&n), "{n:?}");
    }
    let _ = checks::is_country_code(s);
    let _ = checks::is_locode(s);
    let _ = checks::is_uuid(s);
    let _ = checks::is_hs_code(s);
    let _ = checks::is_hex(s, s.len() / 2);
    if let Ok(time) = scanx::Timestamp::parse(s) {
        // What parses is written back as it was, and reads back to the same instant.
        assert_eq!(time.to_string(), s);
        assert_eq!(scanx::Timestamp::parse(&time.to_string()).ok(), Some(time));
        let whole = scanx::Timestamp::from_unix_seconds(time.unix_seconds());
        assert_eq!(
            scanx::Timestamp::parse_whole_seconds(&whole.to_string()).ok(),
            Some(whole)
        );
    }
    if scanx::Timestamp::parse_whole_seconds(s).is_ok() {
        assert_eq!(
            scanx::Timestamp::parse(s).map(|t| t.fraction_digits()).ok(),
            Some(0)
        );
    }
    let _ =
        scanx::Timestamp::from_unix_seconds(i64::from_le_bytes(eight(s.as_bytes()))).to_string();
    let _ = ChunkType::from_name(s);
    let _ = Codec::from_name(s);
    let _ = Filter::from_name(s);
    let _ = SampleType::from_name(s);
    let _ = DigestAlgorithm::from_name(s);
    let _ = Role::from_name(s);
}

fn eight(b: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    for (o, i) in out.iter_mut().zip(b) {
        *o = *i;
    }
    out
}

/// Bytes of parameters before the data in a `tile_decode` input: sample type id (u8),
/// width and height (u16 each, little-endian, taken modulo 257), number of filters (u8,
/// modulo 6), five filter ids, codec id (u8).
pub const TILE_PREFIX_LEN: usize = 12;

/// Tile decode for each sample type, filter chain and codec, chosen by the input (ids
/// this implementation does not know included). A tile that decodes has exactly its
/// declared size, decodes the same into a caller's buffer, and encodes and decodes back
/// to itself.
pub fn tile_decode(data: &[u8]) {
    let Some((p, tile)) = data.split_at_checked(TILE_PREFIX_LEN) else {
        return;
    };
    let (Ok(sample_type), Ok(codec)) = (SampleType::from_id(p[0]), Codec::from_id(p[11])) else {
        return;
    };
    let count = usize::from(p[5]) % (MAX_FILTERS + 2);
    let Ok(filters) = p[6..6 + count]
        .iter()
        .map(|&id| Filter::from_id(id))
        .collect::<Result<Vec<_>, _>>()
    else {
        return;
    };
    // 0 ..= 256: zero sizes are errors worth reaching; the largest tile is 256 KiB.
    let width = u32::from(u16::from_le_bytes([p[1], p[2]])) % 257;
    let height = u32::from(u16::from_le_bytes([p[3], p[4]])) % 257;
    let Ok(decoded) = pixels::decode_tile(tile, sample_type, width, height, &filters, codec) else {
        return;
    };
    let expected = width as usize * height as usize * sample_type.bytes_per_sample();
    assert_eq!(decoded.len(), expected);
    let mut into = vec![0x5A; expected];
    pixels::decode_tile_into(tile, sample_type, width, height, &filters, codec, &mut into)
        .expect("decode_tile_into refuses what decode_tile accepts");
    assert_eq!(into, decoded);
    let encoding = Encoding::new(filters.clone(), codec);
    let encoded = pixels::encode_tile(&decoded, sample_type, width, height, &encoding)
        .expect("a decoded tile cannot be encoded again");
    let again = pixels::decode_tile(&encoded, sample_type, width, height, &filters, codec)
        .expect("a re-encoded tile does not decode");
    assert_eq!(again, decoded);
}

/// One plane of a [`round_trip`] input.
#[derive(Debug, Arbitrary)]
struct PlaneInput {
    sample_type: u8,
    width: u8,
    height: u8,
    tile_width: u8,
    tile_height: u8,
    filters: Vec<u8>,
    codec: u8,
    level: u8,
    personal: bool,
    /// Write tile by tile (as a scanner streams) instead of the whole plane at once.
    tile_by_tile: bool,
    pattern: u8,
    seed: u64,
}

/// An annotation of a [`round_trip`] input: the example, moved and relabelled.
#[derive(Debug, Arbitrary)]
struct AnnotationInput {
    plane: u8,
    x: u32,
    y: u32,
    width: u16,
    height: u16,
    label: Option<String>,
    confidence: Option<u16>,
    extension: Option<(String, JsonInput)>,
}

/// A JSON value for a vendor extension.
#[derive(Debug, Arbitrary)]
enum JsonInput {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Text(String),
    List(Vec<JsonInput>),
    Object(Vec<(String, JsonInput)>),
}

impl JsonInput {
    fn to_value(&self, depth: u32) -> serde_json::Value {
        use serde_json::Value;
        if depth > 8 {
            return Value::Null;
        }
        match self {
            JsonInput::Null => Value::Null,
            JsonInput::Bool(b) => Value::Bool(*b),
            JsonInput::Int(i) => Value::from(*i),
            JsonInput::Uint(u) => Value::from(*u),
            JsonInput::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
            }
            JsonInput::Text(s) => Value::String(s.clone()),
            JsonInput::List(items) => items.iter().map(|i| i.to_value(depth + 1)).collect(),
            JsonInput::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_value(depth + 1)))
                    .collect(),
            ),
        }
    }
}

/// An ancillary chunk of a [`round_trip`] input.
#[derive(Debug, Arbitrary)]
struct AncillaryInput {
    name: [u8; 4],
    payload: Vec<u8>,
}

/// The whole of a [`round_trip`] input.
#[derive(Debug, Arbitrary)]
struct FileInput {
    file_id: [u8; 16],
    salt_seed: [u8; 32],
    blake3: bool,
    scan_extensions: Vec<(String, JsonInput)>,
    drop_declaration: bool,
    personal: Option<Vec<String>>,
    planes: Vec<PlaneInput>,
    annotations: Vec<AnnotationInput>,
    redact_event: bool,
    ancillary: Vec<AncillaryInput>,
    signers: Vec<(u8, u8, i64)>,
    region: (u16, u16, u16, u16),
}

/// Pixels of a plane: noise, a smooth ramp, a constant, or extreme values.
fn plane_pixels(t: SampleType, width: u32, height: u32, pattern: u8, seed: u64) -> Vec<u8> {
    let len = width as usize * height as usize * t.bytes_per_sample();
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    match pattern % 4 {
        0 => (0..len).map(|_| (next() >> 24) as u8).collect(),
        1 => (0..len)
            .map(|i| (i as u64).wrapping_mul(seed | 3) as u8)
            .collect(),
        2 => vec![(seed & 0xFF) as u8; len],
        _ => (0..len)
            .map(|i| if (seed >> (i % 64)) & 1 == 1 { 0xFF } else { 0 })
            .collect(),
    }
}

/// Structured round trip: arbitrary planes (sample type, size, tiling, filters, codec,
/// pixels), metadata with vendor extensions, personal data, annotations, events, ancillary
/// chunks and signatures are written, read back through both readers, and compared.
/// Writing the same input twice must give the same bytes.
pub fn round_trip(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(input) = FileInput::arbitrary(&mut u) else {
        return;
    };
    if input.planes.is_empty() || input.planes.len() > 4 {
        return;
    }
    let Some(first) = write_input(&input) else {
        return;
    };
    let (bytes, expected) = first;
    let (again, _) = write_input(&input).expect("the same input cannot be written twice");
    assert!(bytes == again, "the same input gives different files");

    let scan = read_bytes(&bytes, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("a written file does not read back: {e}"));
    assert_eq!(scan.file_id, input.file_id);
    assert_eq!(scan.metadata, expected.metadata);
    assert_eq!(scan.personal, expected.personal);
    assert_eq!(scan.planes.len(), expected.planes.len());
    for (plane, (spec, pixels)) in scan.planes.iter().zip(&expected.planes) {
        assert_eq!(plane.info.sample_type, spec.sample_type);
        assert_eq!(plane.info.personal, spec.personal);
        assert_eq!(plane.info.grid.width, spec.width);
        assert_eq!(plane.info.grid.tile_width, spec.tile_width);
        assert_eq!(plane.info.attributes, spec.attributes);
        assert_eq!(&plane.pixels, pixels);
    }
    assert_eq!(scan.annotations, expected.annotations);
    assert_eq!(scan.events, expected.events);
    let unknown: Vec<(ChunkType, u64)> = scan
        .unknown_chunks
        .iter()
        .map(|c| (c.chunk_type, c.length))
        .collect();
    assert_eq!(unknown, expected.ancillary);
    assert_eq!(scan.manifests.len(), 1);
    assert_eq!(scan.signatures.len(), expected.signatures);
    assert!(scan.redacted_tiles.is_empty() || expected.redaction);

    let reader = Reader::from_bytes(&bytes[..])
        .unwrap_or_else(|e| panic!("a written file does not open for random access: {e}"));
    assert_reader_matches(&reader, &scan);
    let (x, y, w, h) = input.region;
    let plane = &scan.planes[0].pixels;
    let region = Rect::new(
        u32::from(x) % plane.width(),
        u32::from(y) % plane.height(),
        1 + u32::from(w) % plane.width(),
        1 + u32::from(h) % plane.height(),
    );
    if let Ok(cut) = plane.region(region) {
        let read = reader
            .read_region(0, region)
            .expect("a region inside the plane does not read");
        assert_eq!(read, cut);
    }
}

/// What a written file must read back as.
struct Expected {
    metadata: ScanMetadata,
    personal: Option<PersonalData>,
    planes: Vec<(PlaneSpec, PixelBuffer)>,
    annotations: Vec<Annotation>,
    events: Vec<Event>,
    ancillary: Vec<(ChunkType, u64)>,
    signatures: usize,
    redaction: bool,
}

/// Writes `input`; `None` if the writer refuses the input's metadata (arbitrary text can
/// break a validation rule). Planes, tiles and the end of the file are always accepted.
fn write_input(input: &FileInput) -> Option<(Vec<u8>, Expected)> {
    let mut meta = ScanMetadata::example();
    for (key, value) in input.scan_extensions.iter().take(8) {
        meta.extensions
            .insert(format!("x-{key}"), value.to_value(0));
    }
    if input.drop_declaration {
        meta.declaration = None;
    }
    let digest = if input.blake3 {
        DigestAlgorithm::Blake3
    } else {
        DigestAlgorithm::Sha256
    };
    let options = WriteOptions::deterministic(input.file_id, input.salt_seed).with_digest(digest);
    let mut w = Writer::new(Vec::new(), &meta, options).ok()?;
    let mut expected = Expected {
        metadata: meta,
        personal: None,
        planes: Vec::new(),
        annotations: Vec::new(),
        events: Vec::new(),
        ancillary: Vec::new(),
        signatures: 0,
        redaction: false,
    };
    if let Some(plates) = &input.personal {
        let mut personal = PersonalData::example();
        personal.registration_plates = plates.iter().take(4).cloned().collect();
        if w.personal_data(&personal).is_ok() {
            expected.personal = Some(personal);
        }
    }
    for p in &input.planes {
        let sample_type = SampleType::ALL[usize::from(p.sample_type) % SampleType::ALL.len()];
        let width = 1 + u32::from(p.width % 64);
        let height = 1 + u32::from(p.height % 64);
        let filters: Vec<Filter> = p
            .filters
            .iter()
            .take(MAX_FILTERS)
            .map(|&f| Filter::ALL[usize::from(f) % Filter::ALL.len()])
            .collect();
        let codec = Codec::ALL[usize::from(p.codec) % Codec::ALL.len()];
        let range = codec.level_range();
        // Levels from a few fast negative ones to 9: the slowest levels would only slow
        // the fuzzer down, and decoding does not depend on the level.
        let (low, high) = ((*range.start()).max(-5), (*range.end()).min(9));
        let level = low + i32::from(p.level) % (high - low + 1);
        let spec = PlaneSpec::new(
            sample_type,
            width,
            height,
            PlaneAttributes::example_high_energy(),
        )
        // Tiles from 1 x 1, but at most 8 x 8 of them per plane: every tile is a chunk
        // with its own digest and codec context, and thousands per input would slow the
        // fuzzer down without reaching new code.
        .with_tile_size(
            (1 + u32::from(p.tile_width % 48)).max(width.div_ceil(8)),
            (1 + u32::from(p.tile_height % 48)).max(height.div_ceil(8)),
        )
        .with_encoding(Encoding::new(filters, codec).with_level(level))
        .personal(p.personal);
        let pixels = PixelBuffer::new(
            sample_type,
            width,
            height,
            plane_pixels(sample_type, width, height, p.pattern, p.seed),
        )
        .expect("pixels of the plane's size");
        w.add_plane(spec.clone()).expect("a valid plane is refused");
        expected.planes.push((spec, pixels));
    }
    // Every plane is declared before the first tile; then each plane is written whole or
    // tile by tile, in order.
    for (i, p) in input.planes.iter().enumerate() {
        let index = i as u16;
        let (spec, pixels) = &expected.planes[i];
        if !p.tile_by_tile {
            w.write_plane(index, pixels)
                .expect("a whole plane is refused");
            continue;
        }
        let grid = scanx::pixels::TileGrid::new(
            spec.width,
            spec.height,
            spec.tile_width,
            spec.tile_height,
        )
        .expect("grid");
        for row in 0..grid.rows() {
            for col in 0..grid.cols() {
                let samples = pixels::extract_tile(pixels, &grid, col, row).expect("tile");
                w.write_tile(index, col, row, &samples)
                    .expect("a tile in order is refused");
            }
        }
    }
    for a in input.annotations.iter().take(8) {
        let mut annotation = Annotation::example();
        annotation.plane = u16::from(a.plane) % input.planes.len() as u16;
        annotation.geometry = Geometry::BoundingBox {
            x: a.x,
            y: a.y,
            width: 1 + u32::from(a.width),
            height: 1 + u32::from(a.height),
        };
        annotation.label = a.label.clone();
        annotation.confidence = a.confidence.map(|c| f64::from(c) / f64::from(u16::MAX));
        if let Some((key, value)) = &a.extension {
            annotation
                .extensions
                .insert(format!("x-{key}"), value.to_value(0));
        }
        if w.annotation(&annotation).is_ok() {
            expected.annotations.push(annotation);
        }
    }
    if input.redact_event {
        // A redaction that names tile (0, 0) of plane 0 as removed while it is still
        // there: the readers take the record as it is.
        let mut event = Event::example();
        if let Action::Redact { removed, .. } = &mut event.action {
            removed[0].chunk = "TILE".to_owned();
            removed[0].plane = Some(0);
            removed[0].col = Some(0);
            removed[0].row = Some(0);
        }
        if w.event(&event).is_ok() {
            expected.events.push(event);
            expected.redaction = true;
        }
    }
    let mut event = Event::example();
    event.action = Action::Capture {};
    event.actor.role = Role::Scanner;
    w.event(&event).expect("the capture event is refused");
    expected.events.push(event);
    for a in input.ancillary.iter().take(4) {
        let mut name = a.name.map(|b| b'a' + b % 26);
        name[0] = b'a' + a.name[0] % 26;
        let t = ChunkType(name);
        let payload = &a.payload[..a.payload.len().min(512)];
        w.ancillary_chunk(t, payload)
            .expect("an ancillary chunk is refused");
        expected.ancillary.push((t, payload.len() as u64));
    }
    let keys: Vec<(SigningKey, Role, i64)> = input
        .signers
        .iter()
        .take(3)
        .map(|&(seed, role, time)| {
            (
                SigningKey::from_seed(&[seed; 32]),
                Role::ALL[usize::from(role) % Role::ALL.len()],
                time,
            )
        })
        .collect();
    let requests: Vec<SignRequest<'_>> = keys
        .iter()
        .map(|(key, role, time)| {
            SignRequest::new(key, *role, scanx::Timestamp::from_unix_seconds(*time))
        })
        .collect();
    expected.signatures = requests.len();
    let bytes = w
        .finish(&requests)
        .expect("finishing a complete file fails");
    Some((bytes, expected))
}

/// Trust store parsing. A store that parses validates, writes back to JSON that parses to
/// an equal store, and answers for each of its keys.
pub fn trust_store(data: &[u8]) {
    let Ok(store) = TrustStore::from_json(data) else {
        return;
    };
    store
        .validate()
        .expect("a parsed trust store does not validate");
    let json = store.to_json();
    let again = TrustStore::from_json(&json).expect("a written trust store does not parse");
    assert_eq!(again, store);
    for key in &store.keys {
        for role in Role::ALL {
            for time in [i64::MIN, -1, 0, 1_700_000_000, i64::MAX] {
                let _ = store.evaluate(
                    &key.public_key,
                    role,
                    scanx::Timestamp::from_unix_seconds(time),
                );
            }
        }
        assert!(store.lookup(&key.key_id).is_some());
    }
}

/// Key parsing: public keys (SPKI PEM), private keys (PKCS#8 PEM), key ids (hex). What
/// parses writes back to text that parses to the same key.
pub fn pem_keys(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(public) = PublicKey::from_pem(&text) {
        let again =
            PublicKey::from_pem(&public.to_pem()).expect("a written public key does not parse");
        assert_eq!(again.to_bytes(), public.to_bytes());
        let _ = public.verify_strict(data, &[0; 64]);
    }
    if let Ok(private) = SigningKey::from_pkcs8_pem(&text) {
        let again = SigningKey::from_pkcs8_pem(&private.to_pkcs8_pem())
            .expect("a written private key does not parse");
        assert_eq!(
            again.public_key().to_bytes(),
            private.public_key().to_bytes()
        );
    }
    if let Ok(id) = KeyId::from_hex(&text) {
        assert_eq!(KeyId::from_hex(&id.to_hex()).ok(), Some(id));
    }
    if let Ok(bytes) = <[u8; 32]>::try_from(data) {
        if let Ok(public) = PublicKey::from_bytes(&bytes) {
            assert_eq!(public.to_bytes(), bytes);
        }
    }
}

/// Bytes of operations before the file in an `edit` input.
pub const EDIT_PREFIX_LEN: usize = 1;

/// Editing: the first byte chooses the edits (add an annotation, redact the personal data,
/// redact a tile, add an event, sign), the rest is the file. An edit of a file the editor
/// accepts must read back, with the pixels of a redacted tile gone, every other pixel
/// unchanged, and the new records after the old ones.
pub fn edit(data: &[u8]) {
    let Some((prefix, file)) = data.split_at_checked(EDIT_PREFIX_LEN) else {
        return;
    };
    let ops = prefix[0];
    // Editing mechanics, not trust: files verification would refuse are edited too.
    // The editor opens what verification reports on (a manifest naming another digest
    // algorithm than HEAD, say), and an edit keeps such faults of the generations before
    // it; what must read back is an edit of a file that reads.
    let Ok(before) = read_bytes(file, &options()) else {
        return;
    };
    let Ok(mut editor) = Editor::from_bytes_unverified(file.to_vec(), &options()) else {
        return;
    };
    let mut annotations = before.annotations.clone();
    let mut events = before.events.clone();
    let mut personal = before.personal.clone();
    let mut gone = Vec::new();
    if ops & 1 != 0 {
        let annotation = corner_annotation();
        editor
            .add_annotation(&annotation)
            .expect("an annotation of plane 0 is refused");
        annotations.push(annotation);
    }
    let actor = Actor::from_key_id("00112233445566778899aabbccddeeff", Role::Agency, None);
    // 2026-04-01T10:00:00Z.
    let stamp = EventStamp::from_actor(actor, scanx::Timestamp::from_unix_seconds(1_775_037_600))
        .with_id("9d2b1f0e-4c3a-4b5d-8e6f-7a8b9c0d1e2f");
    let mut request = RedactRequest::new("fuzz redaction");
    if ops & 2 != 0 && before.personal.is_some() {
        request = request.personal_data();
    }
    if ops & 4 != 0 {
        let plane = u16::from(ops >> 6) % before.planes.len() as u16;
        let tile = TileRef {
            plane,
            col: 0,
            row: 0,
        };
        if !before.redacted_tiles.contains(&tile) {
            request = request.tile(tile);
        }
    }
    if request.personal_data || !request.tiles.is_empty() {
        match editor.redact_as(&request, &stamp) {
            Ok(event) => {
                events.push(event);
                if request.personal_data {
                    personal = None;
                }
                gone = request.tiles.clone();
            }
            // The editor finds the chunks to remove through their manifest entries, by
            // digest. The forward reader does not check digests (verification does), so
            // in a file whose manifest does not cover a chunk there is nothing to remove.
            Err(_) => return,
        }
    }
    if ops & 8 != 0 {
        let mut event = Event::example();
        event.action = Action::Annotate {
            annotation_ids: vec![Annotation::example().id],
        };
        editor.add_event(&event).expect("an event is refused");
        events.push(event);
    }
    let key = SigningKey::from_seed(&[ops; 32]);
    let signers = if ops & 16 != 0 {
        vec![SignRequest::new(
            &key,
            Role::Agency,
            scanx::Timestamp::from_unix_seconds(1_775_000_000),
        )]
    } else {
        Vec::new()
    };
    let edited = editor
        .to_bytes(&signers)
        .expect("an edit of an accepted file cannot be written");
    let after = read_bytes(&edited, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("an edited file does not read back: {e}"));
    assert_eq!(after.file_id, before.file_id);
    assert_eq!(after.metadata, before.metadata);
    assert_eq!(after.personal, personal);
    assert_eq!(after.annotations, annotations);
    assert_eq!(after.events, events);
    assert_eq!(after.manifests.len(), before.manifests.len() + 1);
    assert_eq!(
        after.signatures.len(),
        before.signatures.len() + signers.len()
    );
    assert_eq!(after.planes.len(), before.planes.len());
    for (i, (a, b)) in after.planes.iter().zip(&before.planes).enumerate() {
        assert_eq!(a.info, b.info);
        let mut expected = b.pixels.clone();
        for t in gone.iter().filter(|t| usize::from(t.plane) == i) {
            let rect = b
                .info
                .grid
                .tile_rect(t.col, t.row)
                .expect("redacted tile in the grid");
            let zero =
                PixelBuffer::zeroed(b.info.sample_type, rect.width, rect.height).expect("tile");
            pixels::place_tile(zero.as_bytes(), rect, &mut expected, (0, 0)).expect("place");
        }
        assert_eq!(a.pixels, expected, "plane {i}");
    }
    for t in &gone {
        assert!(
            after.redacted_tiles.contains(t),
            "{t:?} is not reported as redacted"
        );
    }
    Editor::from_bytes_unverified(edited, &options())
        .expect("an edited file cannot be edited again");
}

/// The parsers the container module makes public, one per value of the first byte.
/// Every structure that parses must encode back to exactly the bytes it came from.
pub fn container_parts(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let limits = fuzz_limits();
    let at = 1000;
    match which % 10 {
        0 => {
            if let Ok(h) = Head::parse(rest, at) {
                assert_eq!(h.encode(), rest);
            }
        }
        1 => {
            let (end, payload) = rest.split_at(rest.len().min(8));
            let end = u64::from_le_bytes(eight(end));
            if let Ok(index) = Index::parse(payload, at, end, &limits) {
                assert_eq!(index.encode(), payload);
                let tiles = index.tile_positions();
                let _ = index.find_tile(&tiles, 0, 0, 0);
                let _ = index.find(ChunkType::META);
            }
        }
        2 => {
            if let Ok(m) = Manifest::parse(rest, at, &limits) {
                assert_eq!(m.encode(), rest);
            }
        }
        3 => {
            if let Ok(p) = PlaneHeader::parse(rest, at, &limits) {
                assert_eq!(p.encode(), rest);
                let _ = p.decoded_len();
            }
        }
        4 => {
            if let Ok(s) = SignatureRecord::parse(rest, at) {
                assert_eq!(s.encode(), rest);
            }
        }
        5 => {
            if let Ok(t) = Tail::parse(rest, at) {
                assert_eq!(t.encode(), rest);
                let _ = t.check_against(u64::from_le_bytes(eight(rest)));
            }
        }
        6 => {
            if let Ok((header, body)) = TileHeader::parse(rest, at) {
                let mut encoded = header.encode();
                encoded.extend_from_slice(body);
                assert_eq!(encoded, rest);
            }
        }
        7 => {
            let _ = parse_file_header(rest);
            if let Ok(header) = <[u8; 12]>::try_from(&rest[..rest.len().min(12)]) {
                let left = u64::from_le_bytes(eight(&rest[12..]));
                let _ = parse_chunk_header(&header, at, Some(left), &limits);
                let _ = parse_chunk_header(&header, at, None, &Limits::unlimited());
            }
        }
        8 => {
            // The chunk stream alone, without any structure check, over a stream of unknown
            // length: it must stop at the end whatever the lengths claim.
            if let Ok(mut stream) = ChunkStream::new(rest, None, limits.clone()) {
                while let Ok(Some(_)) = stream.next_chunk() {}
            }
        }
        _ => {
            let _ = FileLayout::parse(rest, &limits);
        }
    }
}

/// The trust store of the conformance vectors (test keys only), so signed seeds can verify
/// as TRUSTED and mutations exercise every trust decision.
const VECTORS_TRUST_STORE: &[u8] = include_bytes!("../../spec/vectors/truststore.json");

/// Verification, streaming and from memory, and region verification: never a panic, the
/// same answer however the bytes arrive, and no verdict better than INVALID for a file the
/// reader refuses.
pub fn verify(data: &[u8]) {
    let opts = options();
    let trust = TrustStore::from_json(VECTORS_TRUST_STORE).ok();
    let report =
        scanx::verify_bytes(data, trust.as_ref(), &opts).expect("memory is always read to the end");
    let streamed = scanx::verify_stream(
        Trickle {
            data,
            step: 1 + data.len() % 509,
        },
        None,
        trust.as_ref(),
        &opts,
    )
    .expect("a reader over memory never fails");
    assert_eq!(
        report.status, streamed.status,
        "streamed verification disagrees"
    );
    assert_eq!(
        report.reasons(),
        streamed.reasons(),
        "streamed verification disagrees"
    );
    let readable = read_bytes(data, &opts).is_ok();
    if !readable {
        assert_eq!(
            report.status,
            scanx::Status::Invalid,
            "a file the reader refuses verified as {}",
            report.status
        );
    }
    let _ = report.to_json();
    let _ = report.to_string();
    if let Ok(reader) = Reader::from_source(BytesSource(data), opts.clone()) {
        if let Some(plane) = reader.planes().first() {
            let whole = Rect {
                x: 0,
                y: 0,
                width: plane.grid.width,
                height: plane.grid.height,
            };
            if let Ok(region) = scanx::verify_region(&reader, 0, whole, trust.as_ref()) {
                if report.status != scanx::Status::Invalid {
                    assert_ne!(
                        region.status,
                        scanx::Status::Invalid,
                        "region verification finds a fault the full verification does not: {region}"
                    );
                }
            }
        }
    }
}

/// The example annotation on the top-left pixel of plane 0: it lies within any plane.
pub fn corner_annotation() -> Annotation {
    let mut annotation = Annotation::example();
    annotation.geometry = Geometry::BoundingBox {
        x: 0,
        y: 0,
        width: 1,
        height: 1,
    };
    annotation
}
