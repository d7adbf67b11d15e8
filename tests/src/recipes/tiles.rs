//! Invalid `TILE` chunks: header fields, sizes, and compressed streams that are corrupt,
//! short, or expand past what they declare.
//!
//! The base file's tiles are 4 x 3 u16 samples (24 bytes), stored; a recipe that needs a
//! compressed tile writes its data here, with the codec id to match.

use std::io::Write;

use scanx::container::tile::TileHeader;
use scanx::pixels::{Codec, Filter};
use scanx::{Error, ErrorKind, Result};

use crate::scans::base;
use crate::surgery::Surgery;
use crate::vector::{Context, Expect, Verdict, Vector};

/// The tile vectors.
pub const VECTORS: &[Vector] = &[
    Vector {
        name: "tile-codec-unknown",
        expect: Expect::Invalid(ErrorKind::UnsupportedCodec),
        verify: Verdict::FORMAT_ERROR,
        comment: "codec id 200, which no version defines",
        recipe: "base file with the codec of tile (0, 0) set to 200; resealed",
        make: tile_codec_unknown,
    },
    Vector {
        name: "tile-filter-unknown",
        expect: Expect::Invalid(ErrorKind::UnsupportedFilter),
        verify: Verdict::FORMAT_ERROR,
        comment: "filter id 9, which this version does not define",
        recipe: "base file with tile (0, 0) given the filter chain [9]; resealed",
        make: tile_filter_unknown,
    },
    Vector {
        name: "tile-filter-zero",
        expect: Expect::Invalid(ErrorKind::UnsupportedFilter),
        verify: Verdict::FORMAT_ERROR,
        comment: "filter id 0 (an empty chain is written as a count of 0, never as filter 0)",
        recipe: "base file with tile (0, 0) given the filter chain [0]; resealed",
        make: tile_filter_zero,
    },
    Vector {
        name: "tile-too-many-filters",
        expect: Expect::Invalid(ErrorKind::MalformedChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "a filter chain of 5, over the maximum of 4",
        recipe: "base file with tile (0, 0) given filter_count 5 and the chain [1, 1, 1, 1, 1]; resealed",
        make: tile_too_many_filters,
    },
    Vector {
        name: "tile-header-short",
        expect: Expect::Invalid(ErrorKind::MalformedChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "a TILE payload shorter than its 36-byte fixed part",
        recipe: "base file with the payload of tile (0, 0) cut to its first 30 bytes; resealed",
        make: tile_header_short,
    },
    Vector {
        name: "tile-outside-grid",
        expect: Expect::Invalid(ErrorKind::MalformedChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "a tile in column 2 of a grid 2 columns wide",
        recipe: "base file with tile (1, 1) renumbered (2, 1); resealed",
        make: tile_outside_grid,
    },
    Vector {
        name: "tile-plane-undeclared",
        expect: Expect::Invalid(ErrorKind::MalformedChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "a tile of plane 1 in a file with one plane",
        recipe: "base file with tile (1, 1) moved to plane 1; resealed",
        make: tile_plane_undeclared,
    },
    Vector {
        name: "tile-declared-length-wrong",
        expect: Expect::Invalid(ErrorKind::TileSizeMismatch),
        verify: Verdict::FORMAT_ERROR,
        comment: "decoded_length is not the size of the (clipped) tile",
        recipe: "base file with decoded_length of tile (0, 0) set to 26 (a 4x3 u16 tile has 24); resealed",
        make: tile_declared_length_wrong,
    },
    Vector {
        name: "tile-data-short",
        expect: Expect::Invalid(ErrorKind::TileSizeMismatch),
        verify: Verdict::FORMAT_ERROR,
        comment: "a stored tile with fewer bytes than it declares",
        recipe: "base file with the last 2 data bytes of stored tile (0, 0) removed; resealed",
        make: tile_data_short,
    },
    Vector {
        name: "tile-data-long",
        expect: Expect::Invalid(ErrorKind::TileSizeMismatch),
        verify: Verdict::FORMAT_ERROR,
        comment: "a stored tile with more bytes than it declares",
        recipe: "base file with 2 zero bytes appended to the data of stored tile (0, 0); resealed",
        make: tile_data_long,
    },
    Vector {
        name: "deflate-bomb",
        expect: Expect::Invalid(ErrorKind::TileSizeMismatch),
        verify: Verdict::FORMAT_ERROR,
        comment: "a 1 KiB deflate stream that expands to 1 MiB in a tile declaring 24 bytes: decoding must stop at 24",
        recipe: "base file; tile (0, 0) holds a zlib stream (level 9) of 1 MiB of zeros, codec deflate; resealed",
        make: deflate_bomb,
    },
    Vector {
        name: "zstd-bomb",
        expect: Expect::Invalid(ErrorKind::TileSizeMismatch),
        verify: Verdict::FORMAT_ERROR,
        comment: "a small zstd frame without a content size that expands to 1 MiB in a tile declaring 24 bytes",
        recipe: "base file; tile (0, 0) holds a zstd frame (level 19, no content size field) of 1 MiB of zeros, codec zstd; resealed",
        make: zstd_bomb,
    },
    Vector {
        name: "zstd-content-size-wrong",
        expect: Expect::Invalid(ErrorKind::TileSizeMismatch),
        verify: Verdict::FORMAT_ERROR,
        comment: "a zstd frame whose header declares 1 MiB in a tile declaring 24 bytes",
        recipe: "base file; tile (0, 0) holds a zstd frame (level 19, with its content size) of 1 MiB of zeros, codec zstd; resealed",
        make: zstd_content_size_wrong,
    },
    Vector {
        name: "deflate-short",
        expect: Expect::Invalid(ErrorKind::TileSizeMismatch),
        verify: Verdict::FORMAT_ERROR,
        comment: "a complete deflate stream that decodes to fewer bytes than declared",
        recipe: "base file; tile (0, 0) holds a zlib stream of its first 20 bytes only, codec deflate; resealed",
        make: deflate_short,
    },
    Vector {
        name: "deflate-corrupt",
        expect: Expect::Invalid(ErrorKind::CodecError),
        verify: Verdict::FORMAT_ERROR,
        comment: "a zlib stream whose header check bits are wrong",
        recipe: "base file; tile (0, 0) holds a zlib stream of its 24 bytes with the second header byte increased by 1, codec deflate; resealed",
        make: deflate_corrupt,
    },
    Vector {
        name: "deflate-truncated",
        expect: Expect::Invalid(ErrorKind::CodecError),
        verify: Verdict::FORMAT_ERROR,
        comment: "a zlib stream cut before its end",
        recipe: "base file; tile (0, 0) holds a zlib stream of its 24 bytes without its last 6 bytes, codec deflate; resealed",
        make: deflate_truncated,
    },
    Vector {
        name: "zstd-trailing-bytes",
        expect: Expect::Invalid(ErrorKind::CodecError),
        verify: Verdict::FORMAT_ERROR,
        comment: "bytes after the zstd frame of a tile",
        recipe: "base file; tile (0, 0) holds a zstd frame of its 24 bytes followed by 00 00 00 00, codec zstd; resealed",
        make: zstd_trailing_bytes,
    },
    Vector {
        name: "zstd-corrupt",
        expect: Expect::Invalid(ErrorKind::CodecError),
        verify: Verdict::FORMAT_ERROR,
        comment: "tile data that is not a zstd frame",
        recipe: "base file; tile (0, 0) holds a zstd frame of its 24 bytes with the first byte of its magic changed to 00, codec zstd; resealed",
        make: zstd_corrupt,
    },
    Vector {
        name: "zstd-dictionary-id-zero",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "a zstd frame whose header carries a 1-byte Dictionary_ID field of 0, which means no dictionary (RFC 8878 section 3.1.1.1.3)",
        recipe: "base file; tile (0, 0) holds the zstd frame 28 b5 2f fd 21 00 18 c1 00 00 followed by its 24 stored bytes (descriptor 21: single segment, 1-byte dictionary id 00, 1-byte content size 18; one raw last block of 24 bytes), codec zstd; resealed",
        make: zstd_dictionary_id_zero,
    },
    Vector {
        name: "zstd-dictionary-id-nonzero",
        expect: Expect::Invalid(ErrorKind::CodecError),
        verify: Verdict::FORMAT_ERROR,
        comment: "a zstd frame that names dictionary 1, which no reader has",
        recipe: "as zstd-dictionary-id-zero with the dictionary id byte 01",
        make: zstd_dictionary_id_nonzero,
    },
    Vector {
        name: "zstd-window-log-31",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "a zstd frame declaring a 2 GiB window (Window_Log 31, the largest a reader must accept) for 24 bytes of content: the reader decodes it in memory bounded by the 24 bytes",
        recipe: "base file; tile (0, 0) holds the zstd frame 28 b5 2f fd 80 a8 18 00 00 00 c1 00 00 followed by its 24 stored bytes (descriptor 80: 4-byte content size, no single segment; window descriptor a8: exponent 21, mantissa 0; content size 24; one raw last block), codec zstd; resealed",
        make: zstd_window_log_31,
    },
    Vector {
        name: "zstd-window-log-32",
        expect: Expect::Invalid(ErrorKind::CodecError),
        verify: Verdict::FORMAT_ERROR,
        comment: "a zstd frame declaring a 4 GiB window (Window_Log 32), over the largest a reader accepts",
        recipe: "as zstd-window-log-31 with the window descriptor b0 (exponent 22)",
        make: zstd_window_log_32,
    },
    Vector {
        name: "zstd-content-size-wrong-block-corrupt",
        expect: Expect::Invalid(ErrorKind::TileSizeMismatch),
        verify: Verdict::FORMAT_ERROR,
        comment: "a zstd frame declaring 1 MiB whose one compressed block is corrupt: the declared content size is checked before any block is decoded",
        recipe: "base file; tile (0, 0) holds the zstd frame 28 b5 2f fd a0 00 00 10 00 25 00 00 ff ff ff ff (descriptor a0: single segment, 4-byte content size 1048576; one compressed last block of 4 bytes ff ff ff ff), codec zstd; resealed",
        make: zstd_content_size_wrong_block_corrupt,
    },
    Vector {
        name: "zstd-content-size-wrong-trailing-bytes",
        expect: Expect::Invalid(ErrorKind::CodecError),
        verify: Verdict::FORMAT_ERROR,
        comment: "a zstd frame declaring 1 MiB followed by 4 more bytes: the frame's extent is checked before its content size",
        recipe: "as zstd-content-size-wrong followed by 00 00 00 00",
        make: zstd_content_size_wrong_trailing_bytes,
    },
];

/// The base file with tile (0, 0) edited, resealed.
fn edit_first_tile(
    ctx: &Context,
    edit: impl FnOnce(&mut TileHeader, &mut Vec<u8>) -> Result<()>,
) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let tile = s.tile_position(0, 0, 0)?;
    let mut outcome = Ok(());
    s.edit_tile(tile, |h, data| outcome = edit(h, data))?;
    outcome?;
    s.reseal()
}

/// Tile (0, 0) with its data replaced by `data`, coded with `codec`.
fn first_tile_coded(
    ctx: &Context,
    codec: Codec,
    data: impl FnOnce(&[u8]) -> Result<Vec<u8>>,
) -> Result<Vec<u8>> {
    edit_first_tile(ctx, |h, stored| {
        h.codec = codec;
        *stored = data(stored)?;
        Ok(())
    })
}

fn tile_codec_unknown(ctx: &Context) -> Result<Vec<u8>> {
    // A codec outside the enum cannot be set through the typed header: edit the byte.
    let mut s = Surgery::parse(&base(ctx)?)?;
    let tile = s.tile_position(0, 0, 0)?;
    crate::surgery::overwrite(s.payload_mut(tile)?, 18, &[200])?;
    s.reseal()
}

/// Tile (0, 0) with a raw filter chain (ids the typed header cannot hold).
fn raw_filters(ctx: &Context, ids: &[u8]) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let tile = s.tile_position(0, 0, 0)?;
    let payload = s.payload_mut(tile)?;
    let count = u8::try_from(ids.len()).map_err(|_| Error::invalid_argument("too many ids"))?;
    crate::surgery::overwrite(payload, 19, &[count])?;
    let fixed = TileHeader::FIXED_LEN;
    payload.splice(fixed..fixed, ids.iter().copied());
    s.reseal()
}

fn tile_filter_unknown(ctx: &Context) -> Result<Vec<u8>> {
    raw_filters(ctx, &[9])
}

fn tile_filter_zero(ctx: &Context) -> Result<Vec<u8>> {
    raw_filters(ctx, &[0])
}

fn tile_too_many_filters(ctx: &Context) -> Result<Vec<u8>> {
    raw_filters(ctx, &[Filter::Delta.id(); 5])
}

fn tile_header_short(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let tile = s.tile_position(0, 0, 0)?;
    s.payload_mut(tile)?.truncate(30);
    s.reseal()
}

fn tile_outside_grid(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let tile = s.tile_position(0, 1, 1)?;
    s.edit_tile(tile, |h, _| h.col = 2)?;
    s.reseal()
}

fn tile_plane_undeclared(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let tile = s.tile_position(0, 1, 1)?;
    s.edit_tile(tile, |h, _| h.plane = 1)?;
    s.reseal()
}

fn tile_declared_length_wrong(ctx: &Context) -> Result<Vec<u8>> {
    edit_first_tile(ctx, |h, _| {
        h.decoded_length = 26;
        Ok(())
    })
}

fn tile_data_short(ctx: &Context) -> Result<Vec<u8>> {
    edit_first_tile(ctx, |_, data| {
        data.truncate(data.len().saturating_sub(2));
        Ok(())
    })
}

fn tile_data_long(ctx: &Context) -> Result<Vec<u8>> {
    edit_first_tile(ctx, |_, data| {
        data.extend_from_slice(&[0, 0]);
        Ok(())
    })
}

const MIB: usize = 1 << 20;

fn zlib(data: &[u8], level: u32) -> Result<Vec<u8>> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
    e.write_all(data)?;
    Ok(e.finish()?)
}

fn zstd_frame(data: &[u8], content_size: bool) -> Result<Vec<u8>> {
    let mut e = zstd::stream::write::Encoder::new(Vec::new(), 19)?;
    e.include_contentsize(content_size)?;
    if content_size {
        e.set_pledged_src_size(Some(data.len() as u64))?;
    }
    e.write_all(data)?;
    Ok(e.finish()?)
}

fn deflate_bomb(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_coded(ctx, Codec::Deflate, |_| zlib(&vec![0; MIB], 9))
}

fn zstd_bomb(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_coded(ctx, Codec::Zstd, |_| zstd_frame(&vec![0; MIB], false))
}

fn zstd_content_size_wrong(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_coded(ctx, Codec::Zstd, |_| zstd_frame(&vec![0; MIB], true))
}

fn deflate_short(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_coded(ctx, Codec::Deflate, |stored| {
        zlib(stored.get(..20).unwrap_or_default(), 6)
    })
}

fn deflate_corrupt(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_coded(ctx, Codec::Deflate, |stored| {
        let mut z = zlib(stored, 6)?;
        if let Some(b) = z.get_mut(1) {
            *b = b.wrapping_add(1);
        }
        Ok(z)
    })
}

fn deflate_truncated(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_coded(ctx, Codec::Deflate, |stored| {
        let mut z = zlib(stored, 6)?;
        z.truncate(z.len().saturating_sub(6));
        Ok(z)
    })
}

fn zstd_trailing_bytes(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_coded(ctx, Codec::Zstd, |stored| {
        let mut z = zstd_frame(stored, true)?;
        z.extend_from_slice(&[0; 4]);
        Ok(z)
    })
}

fn zstd_corrupt(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_coded(ctx, Codec::Zstd, |stored| {
        let mut z = zstd_frame(stored, true)?;
        if let Some(b) = z.first_mut() {
            *b = 0;
        }
        Ok(z)
    })
}

/// A zstd frame written byte by byte: `header` (the frame header after the magic number)
/// and one raw last block holding `content`.
fn zstd_raw_frame(header: &[u8], content: &[u8]) -> Result<Vec<u8>> {
    let size = u32::try_from(content.len())
        .ok()
        .filter(|&n| n < 1 << 21)
        .ok_or_else(|| Error::invalid_argument("raw block too long"))?;
    // Block header: Last_Block 1, Block_Type 0 (raw), Block_Size.
    let block = (size << 3) | 1;
    let mut z = vec![0x28, 0xb5, 0x2f, 0xfd];
    z.extend_from_slice(header);
    z.extend_from_slice(&block.to_le_bytes()[..3]);
    z.extend_from_slice(content);
    Ok(z)
}

fn zstd_dictionary_id_zero(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_coded(ctx, Codec::Zstd, |stored| {
        zstd_raw_frame(&[0x21, 0x00, stored.len() as u8], stored)
    })
}

fn zstd_dictionary_id_nonzero(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_coded(ctx, Codec::Zstd, |stored| {
        zstd_raw_frame(&[0x21, 0x01, stored.len() as u8], stored)
    })
}

fn zstd_window(ctx: &Context, descriptor: u8) -> Result<Vec<u8>> {
    first_tile_coded(ctx, Codec::Zstd, |stored| {
        let mut header = vec![0x80, descriptor];
        header.extend_from_slice(&(stored.len() as u32).to_le_bytes());
        zstd_raw_frame(&header, stored)
    })
}

fn zstd_window_log_31(ctx: &Context) -> Result<Vec<u8>> {
    zstd_window(ctx, 21 << 3)
}

fn zstd_window_log_32(ctx: &Context) -> Result<Vec<u8>> {
    zstd_window(ctx, 22 << 3)
}

fn zstd_content_size_wrong_block_corrupt(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_coded(ctx, Codec::Zstd, |_| {
        let mut z = vec![0x28, 0xb5, 0x2f, 0xfd, 0xa0];
        z.extend_from_slice(&(MIB as u32).to_le_bytes());
        // Block header: Last_Block 1, Block_Type 2 (compressed), Block_Size 4.
        z.extend_from_slice(&[0x25, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff]);
        Ok(z)
    })
}

fn zstd_content_size_wrong_trailing_bytes(ctx: &Context) -> Result<Vec<u8>> {
    first_tile_coded(ctx, Codec::Zstd, |_| {
        let mut z = zstd_frame(&vec![0; MIB], true)?;
        z.extend_from_slice(&[0; 4]);
        Ok(z)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bombs_are_small() -> Result<()> {
        assert!(zlib(&vec![0; MIB], 9)?.len() < 1200);
        let z = zstd_frame(&vec![0; MIB], false)?;
        assert!(z.len() < 200);
        // The frame header of a frame without content size records no size.
        assert_eq!(zstd::zstd_safe::get_frame_content_size(&z).ok(), Some(None));
        Ok(())
    }
}
