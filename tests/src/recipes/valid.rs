//! Valid files: every sample type, filter and codec, odd tilings, several views, personal
//! data, redaction, extensions and vendor chunks, later generations.

use scanx::container::chunk::ChunkType;
use scanx::metadata::{
    Action, Actor, Agency, AnnotationSource, Category, Channel, Event, Geometry, PersonalData,
    PlaneAttributes, ScanMetadata, ScanDirection, SourcePosition, View, ViewGeometry,
};
use scanx::pixels::{self, Codec, Encoding, Filter, PixelBuffer, Rect, SampleType};
use scanx::provenance::EventStamp;
use scanx::{DigestAlgorithm, Editor, PlaneSpec, RedactRequest, Result, Role, Timestamp, Writer};

use crate::scans::{at, capture_event, pattern, small_annotation, ScanBuilder};
use crate::vector::{Context, Expect, Verdict, Vector};

/// The valid vectors.
pub const VECTORS: &[Vector] = &[
    Vector {
        name: "sample-u8",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "u8 samples stored as they are (no filter, codec none)",
        recipe: "one 13x7 u8 plane in 8x4 tiles, empty filter chain, codec none",
        make: sample_u8,
    },
    Vector {
        name: "sample-u16",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "u16 samples with the default encoding: 2-D predictor, byte shuffle, zstd",
        recipe: "one 19x11 u16 plane in 8x8 tiles, filters [predictor2d, shuffle], zstd level 3",
        make: sample_u16,
    },
    Vector {
        name: "sample-u32",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "u32 samples with horizontal delta and deflate",
        recipe: "one 12x9 u32 plane in 6x4 tiles, filters [delta], deflate level 6",
        make: sample_u32,
    },
    Vector {
        name: "sample-f32",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "f32 samples including NaNs, infinities, -0 and subnormals, filtered on their bit patterns",
        recipe: "one 9x5 f32 plane in 4x4 tiles whose first samples are special values, filters [predictor2d, shuffle], zstd",
        make: sample_f32,
    },
    Vector {
        name: "filter-delta",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "horizontal delta alone, stored, so the filtered bytes are visible in the file",
        recipe: "one 16x8 u16 plane in 8x8 tiles, filters [delta], codec none",
        make: filter_delta,
    },
    Vector {
        name: "filter-predictor2d",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "2-D predictor alone with deflate at level 9",
        recipe: "one 16x8 u16 plane in 8x8 tiles, filters [predictor2d], deflate level 9",
        make: filter_predictor2d,
    },
    Vector {
        name: "filter-shuffle",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "byte shuffle alone, stored",
        recipe: "one 10x6 u32 plane in 5x3 tiles, filters [shuffle], codec none",
        make: filter_shuffle,
    },
    Vector {
        name: "filter-chain-of-four",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "the longest filter chain (four filters), undone in reverse order",
        recipe: "one 16x8 u16 plane in 8x8 tiles, filters [predictor2d, delta, shuffle, delta], zstd",
        make: filter_chain_of_four,
    },
    Vector {
        name: "filter-wrapping",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "delta and predictor wrap around on extreme sample values",
        recipe: "a 6x4 u8 plane and a 6x4 u32 plane of alternating 0 and maximum values, filters [delta] and [predictor2d], codec none",
        make: filter_wrapping,
    },
    Vector {
        name: "dual-energy-two-views",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "dual-energy side and top views plus a derived Z-effective plane",
        recipe: "metadata with side and top view geometry; planes: side high and low energy (u16), top high and low energy (u16), side Z-effective (f32), each 12x8 in 8x8 tiles, default encoding",
        make: dual_energy_two_views,
    },
    Vector {
        name: "tiles-uneven",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "tile sizes that do not divide the plane: clipped edge tiles, down to one pixel wide and high",
        recipe: "a 37x23 u16 plane in 16x8 tiles (edge tiles 5 wide, 7 high) and a 33x17 u16 plane in 16x8 tiles (edge tiles 1 wide, 1 high), both filters [predictor2d], deflate level 6",
        make: tiles_uneven,
    },
    Vector {
        name: "tile-larger-than-plane",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "one tile far larger than its plane, clipped to the plane",
        recipe: "a 10x7 u16 plane in 512x512 tiles (one tile, 10x7), zstd",
        make: tile_larger_than_plane,
    },
    Vector {
        name: "plane-1x1",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "the smallest plane: one pixel, one tile, and no optional chunk",
        recipe: "a 1x1 u8 plane in 1x1 tiles, value 0xA5, codec none; no PERS, ANNO or EVNT",
        make: plane_1x1,
    },
    Vector {
        name: "tiles-1x1",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "the smallest tiles: one pixel each",
        recipe: "a 5x3 u16 plane in 1x1 tiles (15 tiles), filters [predictor2d, shuffle], deflate",
        make: tiles_1x1,
    },
    Vector {
        name: "metadata-extensions",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "vendor x- members in the scan metadata, plane attributes, personal data, annotation and event",
        recipe: "the example metadata with an extra nested x- member; x- members in the plane attributes, the personal data, an annotation and an event",
        make: metadata_extensions,
    },
    Vector {
        name: "ancillary-chunks",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "unknown ancillary (lower-case) vendor chunks are skipped and listed",
        recipe: "chunks vndA after META, vndB between two tiles and vndC after the annotation, each with a short text payload",
        make: ancillary_chunks,
    },
    Vector {
        name: "annotations-and-events",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "annotations with box, polygon and mask geometry, and capture, annotate and transfer events",
        recipe: "one 16x12 u16 plane; three ANNO chunks (box, polygon, 5x4 mask) then EVNT capture, annotate (naming the three) and transfer BE to BR",
        make: annotations_and_events,
    },
    Vector {
        name: "personal-data",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "a personal-data chunk and a plane flagged personal (a cab photo)",
        recipe: "the example personal data; a 12x8 u16 side view and a 6x4 u8 photo plane flagged personal",
        make: personal_data,
    },
    Vector {
        name: "redacted-personal-data",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "personal data and every tile of the personal plane removed by a redaction in generation 2",
        recipe: "personal-data (same recipe, this vector's ids), then an edit removing PERS and the 2 tiles of plane 1 with a redact event",
        make: redacted_personal_data,
    },
    Vector {
        name: "appended-generations",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "three generations, each later one appended by an edit with its own manifest",
        recipe: "a one-plane scan; edit 1 appends an annotation and an annotate event; edit 2 appends a countersign event",
        make: appended_generations,
    },
    Vector {
        name: "digest-blake3",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "a file whose manifest uses BLAKE3",
        recipe: "one 8x6 u16 plane, default encoding, HEAD and MANI digest algorithm 2 (BLAKE3)",
        make: digest_blake3,
    },
    Vector {
        name: "minor-version-higher",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "a higher minor version (1.7) of the same major version is read",
        recipe: "one 8x6 u16 plane; the version field after the magic set to 1.7",
        make: minor_version_higher,
    },
];

pub(super) fn single(
    ctx: &Context,
    sample_type: SampleType,
    size: (u32, u32),
    tile: (u32, u32),
    encoding: Encoding,
) -> Result<Vec<u8>> {
    ScanBuilder::new()
        .pattern_plane(
            sample_type,
            size,
            tile,
            encoding,
            PlaneAttributes::example_high_energy(),
            7,
        )?
        .write(ctx)
}

fn encoding(filters: &[Filter], codec: Codec, level: i32) -> Encoding {
    Encoding::new(filters.to_vec(), codec).with_level(level)
}

fn sample_u8(ctx: &Context) -> Result<Vec<u8>> {
    single(ctx, SampleType::U8, (13, 7), (8, 4), Encoding::stored())
}

fn sample_u16(ctx: &Context) -> Result<Vec<u8>> {
    single(ctx, SampleType::U16, (19, 11), (8, 8), Encoding::default())
}

fn sample_u32(ctx: &Context) -> Result<Vec<u8>> {
    let e = encoding(&[Filter::Delta], Codec::Deflate, 0);
    single(ctx, SampleType::U32, (12, 9), (6, 4), e)
}

fn sample_f32(ctx: &Context) -> Result<Vec<u8>> {
    let mut samples = pattern(SampleType::F32, 9, 5, 7)?.to_f32()?;
    let special = [
        f32::NAN,
        f32::from_bits(0x7fa0_0001), // a signalling NaN with a payload
        f32::from_bits(0xffc0_0000), // a negative quiet NaN
        f32::INFINITY,
        f32::NEG_INFINITY,
        -0.0,
        f32::from_bits(1), // the smallest subnormal
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
    ];
    samples[..special.len()].copy_from_slice(&special);
    let pixels = PixelBuffer::from_f32(9, 5, &samples)?;
    let attributes = z_effective_attributes();
    let spec = PlaneSpec::new(SampleType::F32, 9, 5, attributes)
        .with_tile_size(4, 4)
        .with_encoding(Encoding::default());
    ScanBuilder::new().plane(spec, pixels).write(ctx)
}

fn filter_delta(ctx: &Context) -> Result<Vec<u8>> {
    let e = encoding(&[Filter::Delta], Codec::None, 0);
    single(ctx, SampleType::U16, (16, 8), (8, 8), e)
}

fn filter_predictor2d(ctx: &Context) -> Result<Vec<u8>> {
    let e = encoding(&[Filter::Predictor2D], Codec::Deflate, 9);
    single(ctx, SampleType::U16, (16, 8), (8, 8), e)
}

fn filter_shuffle(ctx: &Context) -> Result<Vec<u8>> {
    let e = encoding(&[Filter::ByteShuffle], Codec::None, 0);
    single(ctx, SampleType::U32, (10, 6), (5, 3), e)
}

fn filter_chain_of_four(ctx: &Context) -> Result<Vec<u8>> {
    let chain = [
        Filter::Predictor2D,
        Filter::Delta,
        Filter::ByteShuffle,
        Filter::Delta,
    ];
    single(
        ctx,
        SampleType::U16,
        (16, 8),
        (8, 8),
        encoding(&chain, Codec::Zstd, 0),
    )
}

fn filter_wrapping(ctx: &Context) -> Result<Vec<u8>> {
    let checker = |x: u32, y: u32| (x + y) % 2 == 1;
    let u8s: Vec<u8> = (0..4)
        .flat_map(|y| (0..6).map(move |x| if checker(x, y) { u8::MAX } else { 0 }))
        .collect();
    let u32s: Vec<u32> = (0..4)
        .flat_map(|y| (0..6).map(move |x| if checker(x, y) { u32::MAX } else { 0 }))
        .collect();
    let attributes = PlaneAttributes::example_high_energy;
    ScanBuilder::new()
        .plane(
            PlaneSpec::new(SampleType::U8, 6, 4, attributes())
                .with_tile_size(6, 4)
                .with_encoding(encoding(&[Filter::Delta], Codec::None, 0)),
            PixelBuffer::from_u8(6, 4, &u8s)?,
        )
        .plane(
            PlaneSpec::new(SampleType::U32, 6, 4, PlaneAttributes::example_low_energy())
                .with_tile_size(6, 4)
                .with_encoding(encoding(&[Filter::Predictor2D], Codec::None, 0)),
            PixelBuffer::from_u32(6, 4, &u32s)?,
        )
        .write(ctx)
}

/// The attributes of a plane of the top view.
fn top_view(mut side: PlaneAttributes, name: &str) -> PlaneAttributes {
    side.name = name.to_owned();
    side.view = View::Top;
    side
}

/// A Z-effective plane of the side view, with the high-energy plane's 5 mm pixels.
fn z_effective_attributes() -> PlaneAttributes {
    PlaneAttributes::new(
        "side Z-effective",
        View::Side,
        Channel::ZEffective,
        [5.0, 5.0],
        "z-effective",
    )
}

fn dual_energy_two_views(ctx: &Context) -> Result<Vec<u8>> {
    let mut metadata = ScanMetadata::example();
    metadata.views.push(
        ViewGeometry::new(View::Top)
            .with_source_position(SourcePosition::Above)
            .with_scan_direction(ScanDirection::LeftToRight)
            .with_conveyance_speed_m_s(0.4)
            .with_distance_source_object_mm(5200.0)
            .with_distance_source_detector_mm(8100.0)
            .with_beam_angle_deg(0.0),
    );
    let z_effective = z_effective_attributes();
    let planes = [
        (SampleType::U16, PlaneAttributes::example_high_energy()),
        (SampleType::U16, PlaneAttributes::example_low_energy()),
        (
            SampleType::U16,
            top_view(
                PlaneAttributes::example_high_energy(),
                "top high energy (6 MeV)",
            ),
        ),
        (
            SampleType::U16,
            top_view(
                PlaneAttributes::example_low_energy(),
                "top low energy (4 MeV)",
            ),
        ),
        (SampleType::F32, z_effective),
    ];
    let mut b = ScanBuilder::new().metadata(metadata);
    for (seed, (sample_type, attributes)) in (10..).zip(planes) {
        b = b.pattern_plane(
            sample_type,
            (12, 8),
            (8, 8),
            Encoding::default(),
            attributes,
            seed,
        )?;
    }
    b.write(ctx)
}

fn tiles_uneven(ctx: &Context) -> Result<Vec<u8>> {
    let e = || encoding(&[Filter::Predictor2D], Codec::Deflate, 0);
    ScanBuilder::new()
        .pattern_plane(
            SampleType::U16,
            (37, 23),
            (16, 8),
            e(),
            PlaneAttributes::example_high_energy(),
            3,
        )?
        .pattern_plane(
            SampleType::U16,
            (33, 17),
            (16, 8),
            e(),
            PlaneAttributes::example_low_energy(),
            4,
        )?
        .write(ctx)
}

fn tile_larger_than_plane(ctx: &Context) -> Result<Vec<u8>> {
    let e = encoding(&[], Codec::Zstd, 0);
    single(ctx, SampleType::U16, (10, 7), (512, 512), e)
}

fn plane_1x1(ctx: &Context) -> Result<Vec<u8>> {
    let spec = PlaneSpec::new(SampleType::U8, 1, 1, PlaneAttributes::example_high_energy())
        .with_tile_size(1, 1)
        .with_encoding(Encoding::stored());
    ScanBuilder::new()
        .plane(spec, PixelBuffer::from_u8(1, 1, &[0xa5])?)
        .write(ctx)
}

fn tiles_1x1(ctx: &Context) -> Result<Vec<u8>> {
    let e = encoding(&[Filter::Predictor2D, Filter::ByteShuffle], Codec::Deflate, 0);
    single(ctx, SampleType::U16, (5, 3), (1, 1), e)
}

fn metadata_extensions(ctx: &Context) -> Result<Vec<u8>> {
    let mut metadata = ScanMetadata::example();
    metadata.extensions.insert(
        "x-acme-calibration".to_owned(),
        serde_json::json!({
            "air_scan": "2026-03-01T06:00:00Z",
            "gains": [1.0, 0.98, 1.02],
            "detector": {"rows": 1280, "pitch_mm": 5.0, "notes": null}
        }),
    );
    let mut attributes = PlaneAttributes::example_high_energy();
    attributes
        .extensions
        .insert("x-acme-detector-bank".to_owned(), serde_json::json!("B2"));
    let mut personal = PersonalData::example();
    personal.extensions.insert(
        "x-acme-booth".to_owned(),
        serde_json::json!({"lane": 2, "camera": "cab-left"}),
    );
    let mut annotation = small_annotation(0, "2a7e0c44-1f3b-4d6a-9e58-0b1c2d3e4f50");
    annotation.extensions.insert(
        "x-acme-model-hash".to_owned(),
        serde_json::json!("sha256:5d41402abc4b2a76b9719d911017c592"),
    );
    let mut event = capture_event();
    event
        .extensions
        .insert("x-acme-shift".to_owned(), serde_json::json!(3));
    ScanBuilder::new()
        .metadata(metadata)
        .personal(personal)
        .pattern_plane(
            SampleType::U16,
            (8, 6),
            (8, 6),
            Encoding::default(),
            attributes,
            5,
        )?
        .annotation(annotation)
        .event(event)
        .write(ctx)
}

fn ancillary_chunks(ctx: &Context) -> Result<Vec<u8>> {
    let pixels = pattern(SampleType::U16, 8, 6, 6)?;
    let spec = PlaneSpec::new(SampleType::U16, 8, 6, PlaneAttributes::example_high_energy())
        .with_tile_size(4, 6)
        .with_encoding(Encoding::default());
    let grid = scanx::pixels::TileGrid::new(8, 6, 4, 6)?;
    let mut w = Writer::new(Vec::new(), &ScanMetadata::example(), ctx.options())?;
    w.ancillary_chunk(ChunkType(*b"vndA"), b"acme calibration table 3")?;
    let p = w.add_plane(spec)?;
    w.write_tile(p, 0, 0, &pixels::extract_tile(&pixels, &grid, 0, 0)?)?;
    w.ancillary_chunk(ChunkType(*b"vndB"), b"acme line timing")?;
    w.write_tile(p, 1, 0, &pixels::extract_tile(&pixels, &grid, 1, 0)?)?;
    w.annotation(&small_annotation(0, "8c9d0e1f-2a3b-4c5d-8e6f-708192a3b4c5"))?;
    w.ancillary_chunk(ChunkType(*b"vndC"), b"acme operator console state")?;
    w.finish(&[])
}

fn agency_actor(key_byte: &str) -> Actor {
    Actor::from_key_id(key_byte.repeat(16), Role::Agency, Some(Agency::example()))
}

fn annotations_and_events(ctx: &Context) -> Result<Vec<u8>> {
    let ids = [
        "11111111-2222-4333-8444-555555555555",
        "11111111-2222-4333-8444-666666666666",
        "11111111-2222-4333-8444-777777777777",
    ];
    let boxed = small_annotation(0, ids[0]);
    let mut polygon = small_annotation(0, ids[1]);
    polygon.geometry = Geometry::Polygon {
        points: vec![[1.5, 1.0], [12.0, 2.5], [9.25, 10.75], [2.0, 8.0]],
    };
    polygon.category = Category::StructuralConcealment;
    polygon.label = Some("false wall at the front of the container".to_owned());
    polygon.confidence = None;
    polygon.source = AnnotationSource::Operator;
    polygon.algorithm = None;
    let mut mask = small_annotation(0, ids[2]);
    mask.geometry =
        Geometry::mask_from_bits(4, 3, 5, 4, &[0b0111_0011, 0b1110_0111, 0b0000_0000])?;
    mask.category = Category::Tobacco;
    mask.label = None;
    mask.source = AnnotationSource::GroundTruth;
    mask.algorithm = None;
    let annotate = Event::new(
        at("2026-03-01T08:20:00Z"),
        agency_actor("ab"),
        Action::Annotate {
            annotation_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
        },
    )
    .with_id("9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d");
    let transfer = Event::new(
        at("2026-03-02T10:00:00Z"),
        agency_actor("ab"),
        Action::Transfer {
            from: Agency::example(),
            to: Agency::new("BR", "Receita Federal do Brasil"),
        },
    )
    .with_id("9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6e");
    ScanBuilder::new()
        .pattern_plane(
            SampleType::U16,
            (16, 12),
            (8, 8),
            Encoding::default(),
            PlaneAttributes::example_high_energy(),
            8,
        )?
        .annotation(boxed)
        .annotation(polygon)
        .annotation(mask)
        .event(capture_event())
        .event(annotate)
        .event(transfer)
        .write(ctx)
}

fn photo_attributes() -> PlaneAttributes {
    PlaneAttributes::new(
        "cab photo",
        View::Front,
        Channel::Photo,
        [2.0, 2.0],
        "luminance",
    )
}

fn personal_data(ctx: &Context) -> Result<Vec<u8>> {
    let photo = PlaneSpec::new(SampleType::U8, 6, 4, photo_attributes())
        .with_tile_size(3, 4)
        .with_encoding(Encoding::stored())
        .personal(true);
    ScanBuilder::new()
        .personal(PersonalData::example())
        .pattern_plane(
            SampleType::U16,
            (12, 8),
            (8, 8),
            Encoding::default(),
            PlaneAttributes::example_high_energy(),
            9,
        )?
        .plane(photo, pattern(SampleType::U8, 6, 4, 10)?)
        .event(capture_event())
        .write(ctx)
}

fn redacted_personal_data(ctx: &Context) -> Result<Vec<u8>> {
    let mut editor = Editor::from_bytes(personal_data(ctx)?)?;
    let mut request =
        RedactRequest::new("Personal data removed before exchange under the BE-BR agreement.")
            .personal_data();
    for tile in editor.tiles_in(1, Rect::new(0, 0, 6, 4))? {
        request = request.tile(tile);
    }
    editor.redact_as(
        &request,
        &EventStamp::from_actor(agency_actor("cd"), Timestamp::from_unix_seconds(1_772_442_000))
            .with_id("5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e"),
    )?;
    editor.to_bytes(&[])
}

fn appended_generations(ctx: &Context) -> Result<Vec<u8>> {
    let first = ScanBuilder::new()
        .pattern_plane(
            SampleType::U16,
            (8, 6),
            (8, 6),
            Encoding::default(),
            PlaneAttributes::example_high_energy(),
            11,
        )?
        .event(capture_event())
        .write(ctx)?;
    let mut editor = Editor::from_bytes(first)?;
    let id = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f";
    editor.add_annotation(&small_annotation(0, id))?;
    editor.add_event(
        &Event::new(
            at("2026-03-01T09:00:00Z"),
            agency_actor("ef"),
            Action::Annotate {
                annotation_ids: vec![id.to_owned()],
            },
        )
        .with_id("4d5e6f70-8192-4a3b-8c4d-5e6f708192a3"),
    )?;
    let second = editor.to_bytes(&[])?;
    let mut editor = Editor::from_bytes(second)?;
    editor.add_event(
        &Event::new(
            at("2026-03-03T12:00:00Z"),
            Actor::from_key_id("12".repeat(16), Role::Recipient, None),
            Action::Countersign {
                note: Some("received intact".to_owned()),
            },
        )
        .with_id("5e6f7081-92a3-4b4c-9d5e-6f708192a3b4"),
    )?;
    editor.to_bytes(&[])
}

fn digest_blake3(ctx: &Context) -> Result<Vec<u8>> {
    ScanBuilder::new()
        .pattern_plane(
            SampleType::U16,
            (8, 6),
            (8, 6),
            Encoding::default(),
            PlaneAttributes::example_high_energy(),
            12,
        )?
        .digest(DigestAlgorithm::Blake3)
        .write(ctx)
}

fn minor_version_higher(ctx: &Context) -> Result<Vec<u8>> {
    let mut bytes = single(ctx, SampleType::U16, (8, 6), (8, 6), Encoding::default())?;
    crate::surgery::overwrite(&mut bytes, 10, &7u16.to_le_bytes())?;
    Ok(bytes)
}
