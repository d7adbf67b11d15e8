//! Valid scan files written by the library, and seed inputs for every fuzz target.
//!
//! The seed corpus starts from the published test vectors when they are there
//! (`spec/vectors/**/*.scx`); [`sample_files`] stands in for them otherwise. The sweep tests
//! of `core/tests/hostile.rs` include this file for the same samples.

use scanx::container::chunk::{ChunkStream, FILE_HEADER_LEN};
use scanx::crypto::{SigningKey, TrustStore, TrustedKey};
use scanx::metadata::{
    self, Action, Annotation, Event, Geometry, PersonalData, PlaneAttributes, ScanMetadata,
};
use scanx::pixels::{Codec, Encoding, Filter, PixelBuffer, SampleType};
use scanx::provenance::EventStamp;
use scanx::{
    ChunkType, DigestAlgorithm, Editor, Limits, PlaneSpec, RedactRequest, Result, Role,
    SignRequest, TileRef, WriteOptions, Writer,
};

/// A smooth ramp with a little noise, the kind of image the filters are made for.
fn ramp(t: SampleType, width: u32, height: u32) -> PixelBuffer {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut bytes = Vec::new();
    for y in 0..height {
        for x in 0..width {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let v = 1000 + 37 * x + 23 * y + (state % 5) as u32;
            match t {
                SampleType::U8 => bytes.push(v as u8),
                SampleType::U16 => bytes.extend_from_slice(&(v as u16).to_le_bytes()),
                SampleType::U32 => bytes.extend_from_slice(&(v * 65_537).to_le_bytes()),
                _ => bytes.extend_from_slice(&(v as f32 / 7.0).to_bits().to_le_bytes()),
            }
        }
    }
    match PixelBuffer::new(t, width, height, bytes) {
        Ok(p) => p,
        Err(e) => panic!("ramp of the wrong size: {e}"),
    }
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_seed(&[seed; 32])
}

/// The smallest file: one 8 x 8 u8 plane in one stored tile, unsigned.
fn minimal() -> Result<Vec<u8>> {
    let mut w = Writer::new(
        Vec::new(),
        &ScanMetadata::example(),
        WriteOptions::deterministic([1; 16], [1; 32]),
    )?;
    let p = w.add_plane(
        PlaneSpec::new(SampleType::U8, 8, 8, PlaneAttributes::example_high_energy())
            .with_encoding(Encoding::stored()),
    )?;
    w.write_plane(p, &ramp(SampleType::U8, 8, 8))?;
    w.finish(&[])
}

/// A u16 plane in clipped tiles, personal data, an annotation, an event, one signature.
fn annotated() -> Result<Vec<u8>> {
    let mut w = Writer::new(
        Vec::new(),
        &ScanMetadata::example(),
        WriteOptions::deterministic([2; 16], [2; 32]),
    )?;
    w.personal_data(&PersonalData::example())?;
    let p = w.add_plane(
        PlaneSpec::new(
            SampleType::U16,
            21,
            13,
            PlaneAttributes::example_high_energy(),
        )
        .with_tile_size(8, 8),
    )?;
    w.write_plane(p, &ramp(SampleType::U16, 21, 13))?;
    w.annotation(&crate::harness::corner_annotation())?;
    let mut capture = Event::example();
    capture.action = Action::Capture {};
    capture.actor.role = Role::Scanner;
    w.event(&capture)?;
    let k = key(1);
    w.finish(&[SignRequest::new(
        &k,
        Role::Scanner,
        scanx::Timestamp::from_unix_seconds(1_772_352_930),
    )])
}

/// Two planes (u32 with delta + deflate, f32 with predictor + shuffle, stored), BLAKE3,
/// an ancillary chunk, a mask annotation, two signatures.
fn two_planes() -> Result<Vec<u8>> {
    let mut w = Writer::new(
        Vec::new(),
        &ScanMetadata::example(),
        WriteOptions::deterministic([3; 16], [3; 32]).with_digest(DigestAlgorithm::Blake3),
    )?;
    let a = w.add_plane(
        PlaneSpec::new(
            SampleType::U32,
            9,
            5,
            PlaneAttributes::example_high_energy(),
        )
        .with_tile_size(4, 4)
        .with_encoding(Encoding::new(vec![Filter::Delta], Codec::Deflate)),
    )?;
    let b = w.add_plane(
        PlaneSpec::new(SampleType::F32, 6, 6, PlaneAttributes::example_low_energy())
            .with_tile_size(3, 6)
            .with_encoding(Encoding::new(
                vec![Filter::Predictor2D, Filter::ByteShuffle],
                Codec::None,
            )),
    )?;
    w.write_plane(a, &ramp(SampleType::U32, 9, 5))?;
    w.write_plane(b, &ramp(SampleType::F32, 6, 6))?;
    let mut mask = Annotation::example();
    mask.id = "1a2b3c4d-5e6f-4a1b-9c2d-3e4f5a6b7c8d".to_owned();
    mask.plane = 1;
    mask.geometry = Geometry::mask_from_bits(1, 1, 3, 3, &[0b1011_0110, 0b1000_0000])?;
    mask.algorithm = None;
    mask.source = metadata::AnnotationSource::Operator;
    w.annotation(&mask)?;
    w.ancillary_chunk(ChunkType(*b"vndR"), b"vendor bytes")?;
    let (k1, k2) = (key(1), key(2));
    w.finish(&[
        SignRequest::new(
            &k1,
            Role::Scanner,
            scanx::Timestamp::from_unix_seconds(1_772_352_930),
        ),
        SignRequest::new(
            &k2,
            Role::Agency,
            scanx::Timestamp::from_unix_seconds(1_772_400_000),
        ),
    ])
}

/// [`annotated`] after an export desk's edit: personal data and tile (1, 0) redacted, an
/// annotation added, countersigned. Two generations.
fn edited() -> Result<Vec<u8>> {
    // The annotated sample's capture event names a key that does not sign it, which
    // verification calls invalid; the sample is about structure, so edit it regardless.
    let mut editor = Editor::from_bytes_unverified(annotated()?, &scanx::ReadOptions::default())?;
    let k = key(2);
    let actor = metadata::Actor::from_key_id(
        k.public_key().key_id().to_hex(),
        Role::Agency,
        Some(metadata::Agency::example()),
    );
    let request = RedactRequest::new("personal data removed before exchange")
        .personal_data()
        .tile(TileRef {
            plane: 0,
            col: 1,
            row: 0,
        });
    editor.redact_as(
        &request,
        &EventStamp::from_actor(actor, scanx::Timestamp::from_unix_seconds(1_772_442_000))
            .with_id("7e3d2c1b-0a9f-4e8d-b7c6-a5b4c3d2e1f0"),
    )?;
    let mut second = Annotation::example();
    second.id = "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901".to_owned();
    second.geometry = Geometry::Polygon {
        points: vec![[0.5, 0.5], [10.0, 2.25], [4.0, 9.75]],
    };
    editor.add_annotation(&second)?;
    editor.to_bytes(&[SignRequest::new(
        &k,
        Role::Agency,
        scanx::Timestamp::from_unix_seconds(1_772_442_000),
    )])
}

/// Valid files written by the library, by name: every sample type, codec and filter,
/// personal data, annotations, events, an ancillary chunk, signatures, BLAKE3, and a
/// second generation with redactions. Each is a few KiB.
pub fn sample_files() -> Result<Vec<(&'static str, Vec<u8>)>> {
    Ok(vec![
        ("minimal", minimal()?),
        ("annotated", annotated()?),
        ("two-planes", two_planes()?),
        ("edited", edited()?),
    ])
}

/// Every `.scx` file under `dir`, recursively, sorted by path.
pub fn vector_files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "scx") {
                if let Ok(bytes) = std::fs::read(&path) {
                    let name = path
                        .strip_prefix(dir)
                        .unwrap_or(&path)
                        .to_string_lossy()
                        .replace(['/', '\\'], "_");
                    out.push((name, bytes));
                }
            }
        }
    }
    out.sort();
    out
}

/// One seed: the target it is for, a file name, the bytes.
pub type Seed = (&'static str, String, Vec<u8>);

/// Seeds for every target. `files` are the scan files to start from (test vectors, or
/// [`sample_files`]); JSON, key, trust store and tile seeds are made here.
pub fn target_seeds(files: &[(String, Vec<u8>)]) -> Result<Vec<Seed>> {
    let mut seeds: Vec<Seed> = Vec::new();
    for (name, file) in files {
        seeds.push(("read_file", name.clone(), file.clone()));
        seeds.push(("verify", name.clone(), file.clone()));
        for (i, region) in [[0u32, 0, 1, 1], [0, 0, 16, 16], [3, 2, 11, 7], [0, 0, 9, 5]]
            .iter()
            .enumerate()
        {
            for plane in [0u16, 1] {
                let mut input = plane.to_le_bytes().to_vec();
                for v in region {
                    input.extend_from_slice(&v.to_le_bytes());
                }
                input.extend_from_slice(file);
                seeds.push(("read_region", format!("{name}-p{plane}-r{i}"), input));
            }
        }
        for ops in [0x00u8, 0x01, 0x02, 0x04, 0x08, 0x1f, 0xff] {
            let mut input = vec![ops];
            input.extend_from_slice(file);
            seeds.push(("edit", format!("{name}-ops{ops:02x}"), input));
        }
        chunk_seeds(name, file, &mut seeds);
    }
    json_seeds(&mut seeds);
    key_seeds(&mut seeds)?;
    tile_seeds(&mut seeds)?;
    // The structured round trip reads its input through `arbitrary`: any bytes will do.
    for len in [64usize, 256, 1024, 4096] {
        let mut state = len as u64;
        let bytes = (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                (state >> 33) as u8
            })
            .collect();
        seeds.push(("round_trip", format!("random-{len}"), bytes));
    }
    Ok(seeds)
}

/// Each chunk's payload for the parser of `container_parts` that reads it.
fn chunk_seeds(name: &str, file: &[u8], seeds: &mut Vec<Seed>) {
    let mut whole = vec![8u8];
    whole.extend_from_slice(file);
    seeds.push(("container_parts", format!("{name}-stream"), whole));
    let mut layout = vec![9u8];
    layout.extend_from_slice(file);
    seeds.push(("container_parts", format!("{name}-layout"), layout));
    let mut header = vec![7u8];
    header.extend_from_slice(&file[..file.len().min(FILE_HEADER_LEN as usize + 12)]);
    seeds.push(("container_parts", format!("{name}-header"), header));
    let Ok(mut stream) = ChunkStream::new(file, Some(file.len() as u64), Limits::default()) else {
        return;
    };
    let mut n = 0;
    while let Ok(Some(chunk)) = stream.next_chunk() {
        let selector = match &chunk.chunk_type.0 {
            b"HEAD" => 0u8,
            b"INDX" => 1,
            b"MANI" => 2,
            b"PLAN" => 3,
            b"SIGN" => 4,
            b"TAIL" => 5,
            b"TILE" => 6,
            _ => continue,
        };
        let mut input = vec![selector];
        if selector == 1 {
            input.extend_from_slice(&chunk.offset.to_le_bytes());
        }
        input.extend_from_slice(&chunk.payload);
        seeds.push((
            "container_parts",
            format!("{name}-{n}-{}", chunk.chunk_type),
            input,
        ));
        n += 1;
    }
}

fn json_seeds(seeds: &mut Vec<Seed>) {
    let mut add = |kind: u8, name: &str, json: Vec<u8>| {
        let mut input = vec![kind];
        input.extend_from_slice(&json);
        seeds.push(("metadata_json", name.to_owned(), input));
    };
    add(0, "scan", metadata::to_json(&ScanMetadata::example()));
    add(1, "personal", metadata::to_json(&PersonalData::example()));
    add(
        2,
        "plane-high",
        metadata::to_json(&PlaneAttributes::example_high_energy()),
    );
    add(
        2,
        "plane-low",
        metadata::to_json(&PlaneAttributes::example_low_energy()),
    );
    add(
        3,
        "annotation-box",
        metadata::to_json(&Annotation::example()),
    );
    let mut polygon = Annotation::example();
    polygon.geometry = Geometry::Polygon {
        points: vec![[0.0, 0.0], [10.5, 0.0], [5.25, 8.0]],
    };
    add(3, "annotation-polygon", metadata::to_json(&polygon));
    if let Ok(geometry) = Geometry::mask_from_bits(2, 3, 4, 3, &[0b1111_0000, 0b1010_0000]) {
        let mut mask = polygon.clone();
        mask.geometry = geometry;
        add(3, "annotation-mask", metadata::to_json(&mask));
    }
    add(4, "event-redact", metadata::to_json(&Event::example()));
    let mut capture = Event::example();
    capture.action = Action::Capture {};
    add(4, "event-capture", metadata::to_json(&capture));
    let mut annotate = Event::example();
    annotate.action = Action::Annotate {
        annotation_ids: vec![Annotation::example().id],
    };
    add(4, "event-annotate", metadata::to_json(&annotate));
    for (i, text) in [
        "CSQU3054383",
        "31 80 2470 123-4",
        "318024701234",
        "BEANR",
        "BR",
        "080390",
        "0b7c8e2a-5f3d-4c1e-9a6b-2d4f8e1c3a57",
        "2026-03-01T08:15:30Z",
        "2024-02-29T23:59:59.123456789Z",
        "zstd",
        "rice",
        "predictor-2d",
    ]
    .iter()
    .enumerate()
    {
        add(5, &format!("text-{i}"), text.as_bytes().to_vec());
    }
}

fn key_seeds(seeds: &mut Vec<Seed>) -> Result<()> {
    let k = key(1);
    seeds.push((
        "pem_keys",
        "private".to_owned(),
        k.to_pkcs8_pem().as_bytes().to_vec(),
    ));
    seeds.push((
        "pem_keys",
        "public".to_owned(),
        k.public_key().to_pem().into_bytes(),
    ));
    seeds.push((
        "pem_keys",
        "key-id".to_owned(),
        k.public_key().key_id().to_hex().into_bytes(),
    ));
    seeds.push((
        "pem_keys",
        "raw".to_owned(),
        k.public_key().to_bytes().to_vec(),
    ));
    let mut store = TrustStore::new();
    store.insert(TrustedKey::new(
        k.public_key(),
        "Belgian Customs",
        "BE",
        vec![Role::Scanner],
    )?)?;
    let mut second = TrustedKey::new(
        key(2).public_key(),
        "Receita Federal",
        "BR",
        vec![Role::Agency, Role::Recipient],
    )?;
    second.not_before = Some(scanx::Timestamp::from_unix_seconds(1_700_000_000));
    second.not_after = Some(scanx::Timestamp::from_unix_seconds(1_900_000_000));
    second.comment = Some("export desk".to_owned());
    store.insert(second)?;
    let mut third = TrustedKey::new(key(3).public_key(), "Douane", "NL", vec![Role::Analyst])?;
    third.revoked = Some(scanx::crypto::Revocation::new(
        scanx::Timestamp::from_unix_seconds(1_800_000_000),
        "key compromised".to_owned(),
    ));
    store.insert(third)?;
    seeds.push(("trust_store", "three-keys".to_owned(), store.to_json()));
    seeds.push((
        "trust_store",
        "empty".to_owned(),
        TrustStore::new().to_json(),
    ));
    Ok(())
}

fn tile_seeds(seeds: &mut Vec<Seed>) -> Result<()> {
    let chains: [&[Filter]; 5] = [
        &[],
        &[Filter::Delta],
        &[Filter::Predictor2D, Filter::ByteShuffle],
        &[Filter::ByteShuffle, Filter::Delta],
        &[
            Filter::Delta,
            Filter::Predictor2D,
            Filter::Delta,
            Filter::ByteShuffle,
        ],
    ];
    for &t in SampleType::ALL {
        for (c, chain) in chains.iter().enumerate() {
            for &codec in Codec::ALL {
                let (w, h) = (7u32, 5u32);
                let pixels = ramp(t, w, h);
                let encoding = Encoding::new(chain.to_vec(), codec);
                let data = scanx::pixels::encode_tile(pixels.as_bytes(), t, w, h, &encoding)?;
                let mut input = vec![t.id()];
                input.extend_from_slice(&(w as u16).to_le_bytes());
                input.extend_from_slice(&(h as u16).to_le_bytes());
                input.push(chain.len() as u8);
                let mut ids = [0u8; 5];
                for (slot, f) in ids.iter_mut().zip(chain.iter()) {
                    *slot = f.id();
                }
                input.extend_from_slice(&ids);
                input.push(codec.id());
                input.extend_from_slice(&data);
                seeds.push((
                    "tile_decode",
                    format!("{}-chain{c}-{}", t.name(), codec.name()),
                    input,
                ));
            }
        }
    }
    Ok(())
}
