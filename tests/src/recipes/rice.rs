//! Codec 3, `rice` (format 1.1): valid tiles of every sample type, edge sizes, flat and
//! full-range samples (the escape path), and invalid streams: truncated, followed by
//! bytes, with a byte or a set bit past the last code, and a unary length past the end.

use scanx::metadata::PlaneAttributes;
use scanx::pixels::{self, Codec, Encoding, PixelBuffer, SampleType};
use scanx::{ErrorKind, PlaneSpec, Result};

use super::valid::single;
use crate::scans::{base, Noise, ScanBuilder};
use crate::surgery::Surgery;
use crate::vector::{Context, Expect, Verdict, Vector};

/// The rice vectors.
pub const VECTORS: &[Vector] = &[
    Vector {
        name: "rice-u8",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "u8 samples coded with rice (codec 3), clipped edge tiles",
        recipe: "one 13x7 u8 plane in 8x4 tiles, empty filter chain, codec rice",
        make: rice_u8,
    },
    Vector {
        name: "rice-u16",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "u16 samples coded with rice, edge tiles 3 wide and 3 high",
        recipe: "one 19x11 u16 plane in 8x8 tiles, empty filter chain, codec rice",
        make: rice_u16,
    },
    Vector {
        name: "rice-u32",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "u32 samples coded with rice",
        recipe: "one 12x9 u32 plane in 6x4 tiles, empty filter chain, codec rice",
        make: rice_u32,
    },
    Vector {
        name: "rice-f32",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "f32 samples coded with rice on their bit patterns",
        recipe: "one 9x5 f32 plane (pattern values) in 4x4 tiles, empty filter chain, codec rice",
        make: rice_f32,
    },
    Vector {
        name: "rice-edge-sizes",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "rice tiles of 1x1, 1 pixel wide and 1 pixel high",
        recipe: "a 17x9 u16 plane in 16x8 tiles (edge tiles 1 wide, 1 high, and one 1x1) and a 1x5 u8 plane in 1x5 tiles, codec rice",
        make: rice_edge_sizes,
    },
    Vector {
        name: "rice-flat",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "a tile whose samples are all equal: one bit a sample after the first",
        recipe: "one 16x16 u16 plane of samples 40000, one tile, codec rice",
        make: rice_flat,
    },
    Vector {
        name: "rice-escape",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "full-range random samples: most codes are escapes (24 zeros, a one, B raw bits)",
        recipe: "a 16x8 u16 plane and a 16x8 u32 plane of uniformly random samples (the test vectors' noise generator, seed 11), one tile each, codec rice",
        make: rice_escape,
    },
    Vector {
        name: "rice-with-filters",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "rice after a filter chain: it codes whatever samples the filters give",
        recipe: "one 16x8 u16 plane in 8x8 tiles, filters [delta, shuffle], codec rice",
        make: rice_with_filters,
    },
    Vector {
        name: "rice-truncated",
        expect: Expect::Invalid(ErrorKind::CodecError),
        verify: Verdict::FORMAT_ERROR,
        comment: "a rice stream without its last byte",
        recipe: "base file; tile (0, 0) holds its rice stream without the last byte, codec rice; resealed",
        make: rice_truncated,
    },
    Vector {
        name: "rice-trailing-bytes",
        expect: Expect::Invalid(ErrorKind::CodecError),
        verify: Verdict::FORMAT_ERROR,
        comment: "a rice stream followed by a zero byte: the raw part is longer than its fields",
        recipe: "base file; tile (0, 0) holds its rice stream followed by 00, codec rice; resealed",
        make: rice_trailing_bytes,
    },
    Vector {
        name: "rice-unary-padding-byte",
        expect: Expect::Invalid(ErrorKind::CodecError),
        verify: Verdict::FORMAT_ERROR,
        comment: "a zero byte after the last unary code, inside the unary part (its length counts it)",
        recipe: "base file; tile (0, 0) holds its rice stream with unary_length increased by 1 and a 00 byte inserted at the end of the unary part, codec rice; resealed",
        make: rice_unary_padding_byte,
    },
    Vector {
        name: "rice-padding-bit-set",
        expect: Expect::Invalid(ErrorKind::CodecError),
        verify: Verdict::FORMAT_ERROR,
        comment: "a padding bit after the last raw field is 1",
        recipe: "base file; tile (0, 0) holds its rice stream with bit 7 of its last byte set (the raw part of that tile ends 3 bits into its last byte), codec rice; resealed",
        make: rice_padding_bit_set,
    },
    Vector {
        name: "rice-unary-length-past-end",
        expect: Expect::Invalid(ErrorKind::CodecError),
        verify: Verdict::FORMAT_ERROR,
        comment: "a unary_length larger than the bytes that follow the header",
        recipe: "base file; tile (0, 0) holds its rice stream with unary_length set to 2^32, codec rice; resealed",
        make: rice_unary_length_past_end,
    },
    Vector {
        name: "rice-header-short",
        expect: Expect::Invalid(ErrorKind::CodecError),
        verify: Verdict::FORMAT_ERROR,
        comment: "tile data shorter than the 8-byte unary_length",
        recipe: "base file; tile (0, 0) holds the 5 bytes 00 00 00 00 00, codec rice; resealed",
        make: rice_header_short,
    },
];

fn rice() -> Encoding {
    Encoding::new(Vec::new(), Codec::Rice)
}

fn rice_u8(ctx: &Context) -> Result<Vec<u8>> {
    single(ctx, SampleType::U8, (13, 7), (8, 4), rice())
}

fn rice_u16(ctx: &Context) -> Result<Vec<u8>> {
    single(ctx, SampleType::U16, (19, 11), (8, 8), rice())
}

fn rice_u32(ctx: &Context) -> Result<Vec<u8>> {
    single(ctx, SampleType::U32, (12, 9), (6, 4), rice())
}

fn rice_f32(ctx: &Context) -> Result<Vec<u8>> {
    single(ctx, SampleType::F32, (9, 5), (4, 4), rice())
}

fn rice_edge_sizes(ctx: &Context) -> Result<Vec<u8>> {
    ScanBuilder::new()
        .pattern_plane(
            SampleType::U16,
            (17, 9),
            (16, 8),
            rice(),
            PlaneAttributes::example_high_energy(),
            7,
        )?
        .pattern_plane(
            SampleType::U8,
            (1, 5),
            (1, 5),
            rice(),
            PlaneAttributes::example_low_energy(),
            8,
        )?
        .write(ctx)
}

fn plane_of(pixels: PixelBuffer, attributes: PlaneAttributes) -> (PlaneSpec, PixelBuffer) {
    let spec = PlaneSpec::new(
        pixels.sample_type(),
        pixels.width(),
        pixels.height(),
        attributes,
    )
    .with_tile_size(pixels.width(), pixels.height())
    .with_encoding(rice());
    (spec, pixels)
}

fn rice_flat(ctx: &Context) -> Result<Vec<u8>> {
    let (spec, pixels) = plane_of(
        PixelBuffer::from_u16(16, 16, &[40000; 256])?,
        PlaneAttributes::example_high_energy(),
    );
    ScanBuilder::new().plane(spec, pixels).write(ctx)
}

fn rice_escape(ctx: &Context) -> Result<Vec<u8>> {
    let mut noise = Noise::new(11);
    let wide: Vec<u16> = (0..128).map(|_| noise.next_value() as u16).collect();
    let long: Vec<u32> = (0..128).map(|_| noise.next_value() as u32).collect();
    let (a, a_pixels) = plane_of(
        PixelBuffer::from_u16(16, 8, &wide)?,
        PlaneAttributes::example_high_energy(),
    );
    let (b, b_pixels) = plane_of(
        PixelBuffer::from_u32(16, 8, &long)?,
        PlaneAttributes::example_low_energy(),
    );
    ScanBuilder::new()
        .plane(a, a_pixels)
        .plane(b, b_pixels)
        .write(ctx)
}

fn rice_with_filters(ctx: &Context) -> Result<Vec<u8>> {
    let e = Encoding::new(
        vec![pixels::Filter::Delta, pixels::Filter::ByteShuffle],
        Codec::Rice,
    );
    single(ctx, SampleType::U16, (16, 8), (8, 8), e)
}

/// The base file with tile (0, 0) (4 x 3 u16, stored) recoded with rice, its stream then
/// changed by `edit`; resealed.
fn first_tile_rice(ctx: &Context, edit: impl FnOnce(&mut Vec<u8>)) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let tile = s.tile_position(0, 0, 0)?;
    let mut outcome = Ok(());
    s.edit_tile(tile, |h, data| {
        outcome = pixels::encode_tile(data, SampleType::U16, 4, 3, &rice()).map(|mut stream| {
            edit(&mut stream);
            h.codec = Codec::Rice;
            *data = stream;
        });
    })?;
    outcome?;
    s.reseal()
}

fn rice_truncated(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_rice(ctx, |stream| {
        stream.pop();
    })
}

fn rice_trailing_bytes(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_rice(ctx, |stream| stream.push(0))
}

fn unary_length(stream: &[u8]) -> u64 {
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&stream[..8]);
    u64::from_le_bytes(raw)
}

fn rice_unary_padding_byte(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_rice(ctx, |stream| {
        let length = unary_length(stream);
        stream[..8].copy_from_slice(&(length + 1).to_le_bytes());
        stream.insert(8 + length as usize, 0);
    })
}

fn rice_padding_bit_set(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_rice(ctx, |stream| {
        if let Some(last) = stream.last_mut() {
            *last |= 0x80;
        }
    })
}

fn rice_unary_length_past_end(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_rice(ctx, |stream| {
        stream[..8].copy_from_slice(&(1u64 << 32).to_le_bytes());
    })
}

fn rice_header_short(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_rice(ctx, |stream| *stream = vec![0; 5])
}
