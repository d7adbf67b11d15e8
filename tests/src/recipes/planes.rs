//! Invalid `PLAN` chunks: geometry, limits, sample type, flags, numbering.

use scanx::container::chunk::ChunkType;
use scanx::metadata::{Channel, PlaneAttributes, View};
use scanx::pixels::{Encoding, SampleType};
use scanx::{ErrorKind, Result};

use crate::scans::{base, ScanBuilder};
use crate::surgery::{overwrite, Surgery};
use crate::vector::{Context, Expect, Verdict, Vector};

/// The plane vectors.
pub const VECTORS: &[Vector] = &[
    Vector {
        name: "plane-zero-width",
        expect: Expect::Invalid(ErrorKind::MalformedChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "a plane 0 pixels wide",
        recipe: "base file with the PLAN width set to 0; resealed",
        make: plane_zero_width,
    },
    Vector {
        name: "plane-zero-tile-height",
        expect: Expect::Invalid(ErrorKind::MalformedChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "tiles 0 pixels high",
        recipe: "base file with the PLAN tile height set to 0; resealed",
        make: plane_zero_tile_height,
    },
    Vector {
        name: "plane-over-pixel-limit",
        expect: Expect::Invalid(ErrorKind::LimitExceeded),
        verify: Verdict::FORMAT_ERROR,
        comment: "a plane of 65536 x 65536 pixels, over the default limit of 200 million",
        recipe: "base file with the PLAN width and height set to 65536 and its tile size to 65536 x 65536; resealed",
        make: plane_over_pixel_limit,
    },
    Vector {
        name: "plane-over-tile-limit",
        expect: Expect::Invalid(ErrorKind::LimitExceeded),
        verify: Verdict::FORMAT_ERROR,
        comment: "a 1000 x 1000 plane in 1 x 1 tiles: a million tiles, over the default limit of 100 000",
        recipe: "base file with the PLAN size set to 1000 x 1000 and its tile size to 1 x 1; resealed",
        make: plane_over_tile_limit,
    },
    Vector {
        name: "planes-over-limit",
        expect: Expect::Invalid(ErrorKind::LimitExceeded),
        verify: Verdict::FORMAT_ERROR,
        comment: "65 planes, over the default limit of 64",
        recipe: "65 planes of 1 x 1 u8 sample, stored, with short attributes, written by the library",
        make: planes_over_limit,
    },
    Vector {
        name: "plane-sample-type-unknown",
        expect: Expect::Invalid(ErrorKind::UnsupportedSampleType),
        verify: Verdict::FORMAT_ERROR,
        comment: "sample type id 5, which this version does not define",
        recipe: "base file with the PLAN sample type set to 5; resealed",
        make: plane_sample_type_unknown,
    },
    Vector {
        name: "plane-flags-undefined",
        expect: Expect::Invalid(ErrorKind::MalformedChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "a plane flag bit other than bit 0 (personal) is set",
        recipe: "base file with the PLAN flags set to 0x02; resealed",
        make: plane_flags_undefined,
    },
    Vector {
        name: "plane-attributes-length-wrong",
        expect: Expect::Invalid(ErrorKind::MalformedChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "attrs_length one more than the bytes that follow it",
        recipe: "base file with the PLAN attrs_length increased by 1; resealed",
        make: plane_attributes_length_wrong,
    },
    Vector {
        name: "plane-index-skipped",
        expect: Expect::Invalid(ErrorKind::ChunkOrder),
        verify: Verdict::FORMAT_ERROR,
        comment: "the first plane is numbered 1 instead of 0",
        recipe: "base file with the PLAN plane_index set to 1; resealed",
        make: plane_index_skipped,
    },
];

/// Offsets of the fixed fields of a PLAN payload.
const SAMPLE_TYPE: u64 = 2;
const FLAGS: u64 = 3;
const WIDTH: u64 = 4;
const HEIGHT: u64 = 8;
const TILE_WIDTH: u64 = 12;
const TILE_HEIGHT: u64 = 16;
const ATTRS_LENGTH: u64 = 20;

/// The base file with bytes of its PLAN payload overwritten, resealed.
fn edit_plan(ctx: &Context, edits: &[(u64, &[u8])]) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let plan = s.position(ChunkType::PLAN)?;
    for (at, bytes) in edits {
        overwrite(s.payload_mut(plan)?, *at, bytes)?;
    }
    s.reseal()
}

fn plane_zero_width(ctx: &Context) -> Result<Vec<u8>> {
    edit_plan(ctx, &[(WIDTH, &0u32.to_le_bytes())])
}

fn plane_zero_tile_height(ctx: &Context) -> Result<Vec<u8>> {
    edit_plan(ctx, &[(TILE_HEIGHT, &0u32.to_le_bytes())])
}

fn plane_over_pixel_limit(ctx: &Context) -> Result<Vec<u8>> {
    let side = 65_536u32.to_le_bytes();
    edit_plan(
        ctx,
        &[
            (WIDTH, &side),
            (HEIGHT, &side),
            (TILE_WIDTH, &side),
            (TILE_HEIGHT, &side),
        ],
    )
}

fn plane_over_tile_limit(ctx: &Context) -> Result<Vec<u8>> {
    let side = 1_000u32.to_le_bytes();
    let one = 1u32.to_le_bytes();
    edit_plan(
        ctx,
        &[
            (WIDTH, &side),
            (HEIGHT, &side),
            (TILE_WIDTH, &one),
            (TILE_HEIGHT, &one),
        ],
    )
}

fn planes_over_limit(ctx: &Context) -> Result<Vec<u8>> {
    let mut b = ScanBuilder::new();
    for i in 0..65 {
        let attributes =
            PlaneAttributes::new(format!("p{i}"), View::Other, Channel::Other, [1.0, 1.0], "x");
        b = b.pattern_plane(
            SampleType::U8,
            (1, 1),
            (1, 1),
            Encoding::stored(),
            attributes,
            i,
        )?;
    }
    b.write(ctx)
}

fn plane_sample_type_unknown(ctx: &Context) -> Result<Vec<u8>> {
    edit_plan(ctx, &[(SAMPLE_TYPE, &[5])])
}

fn plane_flags_undefined(ctx: &Context) -> Result<Vec<u8>> {
    edit_plan(ctx, &[(FLAGS, &[0x02])])
}

fn plane_attributes_length_wrong(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let plan = s.position(ChunkType::PLAN)?;
    let payload = s.payload_mut(plan)?;
    let length = payload.len() as u32 - ATTRS_LENGTH as u32 - 4 + 1;
    overwrite(payload, ATTRS_LENGTH, &length.to_le_bytes())?;
    s.reseal()
}

fn plane_index_skipped(ctx: &Context) -> Result<Vec<u8>> {
    edit_plan(ctx, &[(0, &1u16.to_le_bytes())])
}
