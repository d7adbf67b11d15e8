//! Encoding and decoding the data of one tile, and moving tiles in and out of planes.
//!
//! A tile's data is its clipped rectangle of samples, little-endian and row-major, passed
//! through the filter chain in order and then compressed. Decoding reverses both and never
//! produces more than the tile's declared size.

use rayon::prelude::*;

use super::buffer::{copy_rows, grown, image_len, zeroed_bytes, PixelBuffer, RowWindow, Scratch};
use super::codec::{self, Codec, Raster};
use super::encoding::Encoding;
use super::filter::{self, Filter, MAX_FILTERS};
use super::grid::{Rect, TileGrid};
use super::sample::SampleType;
use super::view::PixelView;
use crate::error::{Error, ErrorKind, Result};

/// Encodes the samples of one `width` x `height` tile with `encoding`.
///
/// `INVALID_ARGUMENT` if `pixels` is not exactly `width * height` samples or the encoding
/// is invalid. The output depends only on the inputs (and the codec library's version).
pub fn encode_tile(
    pixels: &[u8],
    sample_type: SampleType,
    width: u32,
    height: u32,
    encoding: &Encoding,
) -> Result<Vec<u8>> {
    encoding.validate()?;
    let len = image_len(sample_type, width, height)?;
    if pixels.len() != len {
        return Err(Error::invalid_argument(format!(
            "{} bytes given for a {width} x {height} tile of {} ({len} bytes)",
            pixels.len(),
            sample_type.name()
        )));
    }
    encode_owned(pixels.to_vec(), sample_type, width, encoding)
}

/// Filters `samples` in place and compresses them; `samples` has been checked to hold
/// whole rows of `width` samples and `encoding` to be valid.
pub(crate) fn encode_owned(
    mut samples: Vec<u8>,
    sample_type: SampleType,
    width: u32,
    encoding: &Encoding,
) -> Result<Vec<u8>> {
    let bps = sample_type.bytes_per_sample();
    let row_bytes = width as usize * bps;
    let mut scratch = Vec::new();
    for &f in &encoding.filters {
        filter::encode_in_place(f, &mut samples, row_bytes, bps, &mut scratch);
    }
    let raster = Raster {
        bytes_per_sample: bps,
        width: width as usize,
    };
    codec::compress(encoding.codec, encoding.level, samples, raster)
}

/// Decodes the data of one `width` x `height` tile into a new buffer of exactly
/// `width * height * bytes_per_sample` bytes.
///
/// Errors: `LIMIT_EXCEEDED` if that size overflows; `TILE_SIZE_MISMATCH` if the data
/// decodes to another size (decoding stops as soon as it would exceed it);
/// `CODEC_ERROR` if the stream is corrupt, truncated or followed by other bytes;
/// `INVALID_ARGUMENT` for more than [`MAX_FILTERS`] filters or a zero size.
pub fn decode_tile(
    data: &[u8],
    sample_type: SampleType,
    width: u32,
    height: u32,
    filters: &[Filter],
    codec: Codec,
) -> Result<Vec<u8>> {
    let len = image_len(sample_type, width, height)?;
    check_chain_length(filters)?;
    // A stored tile of the wrong size is refused before anything is allocated.
    if codec == Codec::None {
        codec::check_stored_length(data, len)?;
    }
    let mut out = zeroed_bytes(len)?;
    decode_tile_into(data, sample_type, width, height, filters, codec, &mut out)?;
    Ok(out)
}

/// Decodes like [`decode_tile`] into the caller's `out`, which must be exactly
/// `width * height * bytes_per_sample` bytes (`INVALID_ARGUMENT` otherwise). On error
/// `out` holds unspecified bytes.
pub fn decode_tile_into(
    data: &[u8],
    sample_type: SampleType,
    width: u32,
    height: u32,
    filters: &[Filter],
    codec: Codec,
    out: &mut [u8],
) -> Result<()> {
    let len = image_len(sample_type, width, height)?;
    if out.len() != len {
        return Err(Error::invalid_argument(format!(
            "output of {} bytes for a {width} x {height} tile of {} ({len} bytes)",
            out.len(),
            sample_type.name()
        )));
    }
    check_chain_length(filters)?;
    let bps = sample_type.bytes_per_sample();
    let row_bytes = width as usize * bps;
    let raster = Raster {
        bytes_per_sample: bps,
        width: width as usize,
    };
    let mut scratch = Scratch::take();

    // Filters are undone last to first. When the first to undo is a byte shuffle (the
    // usual chain ends with one), the codec's output goes to a scratch buffer and is
    // unshuffled straight into `out`, which saves a copy; a stored tile is unshuffled
    // straight from `data`.
    let mut remaining = filters;
    match filters.split_last() {
        Some((Filter::ByteShuffle, rest)) if bps > 1 => {
            if codec == Codec::None {
                codec::check_stored_length(data, len)?;
                filter::unshuffle(data, out, bps);
            } else {
                let decoded = scratch.get(len)?;
                codec::decompress_into(codec, data, decoded, raster)?;
                filter::unshuffle(decoded, out, bps);
            }
            remaining = rest;
        }
        _ => codec::decompress_into(codec, data, out, raster)?,
    }
    for &f in remaining.iter().rev() {
        filter::decode_in_place(f, out, row_bytes, bps, scratch.vec());
    }
    Ok(())
}

/// The tile being decoded by [`decode_tile_window`]: its data, samples, size, filter chain
/// and codec, as its header declares them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TileData<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) sample_type: SampleType,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) filters: &'a [Filter],
    pub(crate) codec: Codec,
}

impl TileData<'_> {
    /// The whole tile into `out`, as [`decode_tile_into`].
    fn decode_into(&self, out: &mut [u8]) -> Result<()> {
        decode_tile_into(
            self.data,
            self.sample_type,
            self.width,
            self.height,
            self.filters,
            self.codec,
            out,
        )
    }
}

/// Decodes the part `window` (in tile coordinates, inside the tile) of a tile into the
/// block of `out` at `to` (rows `to.stride` bytes apart; the last row may end where its
/// samples end), with as few copies as the tile allows:
///
/// - a stored tile without filters is copied from its data row by row;
/// - a whole tile whose rows follow one another in `out` is decoded there in place;
/// - any other is decoded into `scratch` (see [`grown`]: a buffer reused from tile to tile
///   is zero-filled only once) and its rows copied out.
///
/// The errors of [`decode_tile_into`]; `INVALID_ARGUMENT` if the window or the block does
/// not fit, which a caller that sized them from the tile's grid never sees.
pub(crate) fn decode_tile_window(
    tile: TileData<'_>,
    window: Rect,
    out: &mut [u8],
    to: RowWindow,
    scratch: &mut Vec<u8>,
) -> Result<()> {
    let len = image_len(tile.sample_type, tile.width, tile.height)?;
    let inside =
        window.right() <= u64::from(tile.width) && window.bottom() <= u64::from(tile.height);
    if !inside {
        return Err(Error::invalid_argument(format!(
            "window {window:?} is not inside a {} x {} tile",
            tile.width, tile.height
        )));
    }
    let bps = tile.sample_type.bytes_per_sample();
    let tile_row = tile.width as usize * bps;
    let out_len = out.len();
    let stored = tile.codec == Codec::None && tile.filters.is_empty();
    let whole = window == Rect::new(0, 0, tile.width, tile.height);
    if whole && !stored && (to.stride == tile_row || tile.height == 1) {
        let at = to.first_row * to.stride + to.offset;
        let target = out
            .get_mut(at..at + len)
            .ok_or_else(|| too_short(out_len, at))?;
        return tile.decode_into(target);
    }
    let decoded: &[u8] = if stored {
        codec::check_stored_length(tile.data, len)?;
        tile.data
    } else {
        let decoded = grown(scratch, len)?;
        tile.decode_into(decoded)?;
        decoded
    };
    // Row by row with a check each, not through `copy_rows`: its whole-stride rows would
    // skip a last row that ends before the stride does.
    let row_len = window.width as usize * bps;
    for r in 0..window.height as usize {
        let src = (window.y as usize + r) * tile_row + window.x as usize * bps;
        let dst = (to.first_row + r) * to.stride + to.offset;
        let target = out
            .get_mut(dst..dst + row_len)
            .ok_or_else(|| too_short(out_len, dst))?;
        target.copy_from_slice(&decoded[src..src + row_len]);
    }
    Ok(())
}

fn too_short(len: usize, at: usize) -> Error {
    Error::invalid_argument(format!(
        "an output of {len} bytes cannot hold the window's rows from byte {at}"
    ))
}

fn check_chain_length(filters: &[Filter]) -> Result<()> {
    if filters.len() > MAX_FILTERS {
        return Err(Error::invalid_argument(format!(
            "{} filters in the chain, at most {MAX_FILTERS} allowed",
            filters.len()
        )));
    }
    Ok(())
}

/// The samples of the (clipped) tile at `col`, `row` of `plane` (a [`PixelBuffer`] or a
/// borrowed [`PixelView`]), packed: the one copy encoding needs, since filters work in place.
///
/// `INVALID_ARGUMENT` if the grid is not the plane's size; `REGION_OUT_OF_BOUNDS` if the
/// tile is outside the grid.
pub fn extract_tile<'a>(
    plane: impl Into<PixelView<'a>>,
    grid: &TileGrid,
    col: u32,
    row: u32,
) -> Result<Vec<u8>> {
    extract(&plane.into(), grid, col, row).map(|(_, samples)| samples)
}

fn extract(plane: &PixelView<'_>, grid: &TileGrid, col: u32, row: u32) -> Result<(Rect, Vec<u8>)> {
    check_grid_fits(plane, grid)?;
    let rect = grid.tile_rect(col, row).ok_or_else(|| {
        Error::new(
            ErrorKind::RegionOutOfBounds,
            format!(
                "tile ({col}, {row}) is outside the {} x {} grid",
                grid.cols(),
                grid.rows()
            ),
        )
    })?;
    let bps = plane.sample_type().bytes_per_sample();
    let row_len = rect.width as usize * bps;
    let len = image_len(plane.sample_type(), rect.width, rect.height)?;
    let mut samples = Vec::new();
    samples.try_reserve_exact(len).map_err(|_| {
        Error::new(
            ErrorKind::LimitExceeded,
            format!("cannot allocate {len} bytes for a tile"),
        )
    })?;
    for y in rect.y as usize..rect.y as usize + rect.height as usize {
        samples.extend_from_slice(plane.row_part(y, rect.x as usize * bps, row_len));
    }
    Ok((rect, samples))
}

fn check_grid_fits(plane: &PixelView<'_>, grid: &TileGrid) -> Result<()> {
    // The fields are public, so a grid may not have come through `TileGrid::new`.
    if grid.tile_width == 0 || grid.tile_height == 0 {
        return Err(Error::invalid_argument(format!(
            "tiles of {} x {} pixels: both sides must be at least 1",
            grid.tile_width, grid.tile_height
        )));
    }
    if (grid.width, grid.height) != (plane.width(), plane.height()) {
        return Err(Error::invalid_argument(format!(
            "tile grid of a {} x {} plane used on a {} x {} plane",
            grid.width,
            grid.height,
            plane.width(),
            plane.height()
        )));
    }
    Ok(())
}

/// Copies the part of a decoded tile that overlaps `dest` into it.
///
/// `tile` holds the samples of `tile_rect` (plane coordinates) in `dest`'s sample type;
/// `dest` covers the rectangle of its own size starting at `dest_origin` in plane
/// coordinates. A tile that does not overlap `dest` copies nothing. `INVALID_ARGUMENT` if
/// `tile` is not exactly the samples of a non-empty `tile_rect`.
pub fn place_tile(
    tile: &[u8],
    tile_rect: Rect,
    dest: &mut PixelBuffer,
    dest_origin: (u32, u32),
) -> Result<()> {
    let sample_type = dest.sample_type();
    let len = image_len(sample_type, tile_rect.width, tile_rect.height)?;
    if tile.len() != len {
        return Err(Error::invalid_argument(format!(
            "{} bytes given for tile {tile_rect:?} of {} ({len} bytes)",
            tile.len(),
            sample_type.name()
        )));
    }
    let dest_rect = Rect::new(dest_origin.0, dest_origin.1, dest.width(), dest.height());
    // The overlap, in plane coordinates; u64 because a rectangle may end at 2^32.
    let left = u64::from(tile_rect.x.max(dest_rect.x));
    let top = u64::from(tile_rect.y.max(dest_rect.y));
    let right = tile_rect.right().min(dest_rect.right());
    let bottom = tile_rect.bottom().min(dest_rect.bottom());
    if left >= right || top >= bottom {
        return Ok(());
    }
    // Every value below is at most a width or height of one of the two buffers, which
    // exist in memory, so none overflows `usize`.
    let bps = sample_type.bytes_per_sample();
    let from = RowWindow {
        stride: tile_rect.width as usize * bps,
        first_row: (top - u64::from(tile_rect.y)) as usize,
        offset: (left - u64::from(tile_rect.x)) as usize * bps,
    };
    let to = RowWindow {
        stride: dest.row_len(),
        first_row: (top - u64::from(dest_rect.y)) as usize,
        offset: (left - u64::from(dest_rect.x)) as usize * bps,
    };
    let rows = (bottom - top) as usize;
    let row_len = (right - left) as usize * bps;
    copy_rows(tile, from, dest.as_bytes_mut(), to, rows, row_len);
    Ok(())
}

/// Encodes every tile of `plane`, in row-major order, with `encoding`.
///
/// Tiles are encoded in parallel on the rayon thread pool; each tile is compressed on one
/// thread, so the result is the same whatever the number of threads.
pub fn encode_plane<'a>(
    plane: impl Into<PixelView<'a>>,
    grid: &TileGrid,
    encoding: &Encoding,
) -> Result<Vec<Vec<u8>>> {
    let plane = &plane.into();
    encoding.validate()?;
    check_grid_fits(plane, grid)?;
    // There are at most as many tiles as pixels, and the pixels are in memory.
    let count = usize::try_from(grid.tile_count())
        .map_err(|_| Error::limit("tiles", grid.tile_count(), usize::MAX as u64))?;
    let cols = grid.cols() as usize;
    let encode_one = |index: usize| -> Result<Vec<u8>> {
        let (col, row) = ((index % cols) as u32, (index / cols) as u32);
        let (rect, samples) = extract(plane, grid, col, row)?;
        encode_owned(samples, plane.sample_type(), rect.width, encoding)
    };
    if count == 1 {
        encode_one(0).map(|tile| vec![tile])
    } else {
        (0..count).into_par_iter().map(encode_one).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
    fn noise(len: usize, seed: u64) -> Vec<u8> {
        let mut state = seed | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect()
    }

    /// Smooth samples with some noise, the kind of data the filters are made for.
    fn smooth(sample_type: SampleType, width: u32, height: u32) -> Vec<u8> {
        let jitter = noise((width * height) as usize, 99);
        let mut out = Vec::new();
        for y in 0..height {
            for x in 0..width {
                let base = 1000 + 40 * x + 25 * y + u32::from(jitter[(y * width + x) as usize] % 8);
                match sample_type {
                    SampleType::U8 => out.push(base as u8),
                    SampleType::U16 => out.extend_from_slice(&(base as u16).to_le_bytes()),
                    SampleType::U32 => out.extend_from_slice(&(base * 70_001).to_le_bytes()),
                    SampleType::F32 => {
                        out.extend_from_slice(&(base as f32 * 0.01).to_bits().to_le_bytes())
                    }
                }
            }
        }
        out
    }

    fn chains() -> Vec<Vec<Filter>> {
        use Filter::*;
        vec![
            vec![],
            vec![Delta],
            vec![Predictor2D],
            vec![ByteShuffle],
            vec![Delta, ByteShuffle],
            vec![Predictor2D, ByteShuffle],
            vec![ByteShuffle, Delta],
            vec![ByteShuffle, Predictor2D],
            vec![Predictor2D, Delta, ByteShuffle],
            vec![Delta, Delta, Predictor2D, ByteShuffle],
        ]
    }

    fn encoding(filters: &[Filter], codec: Codec) -> Encoding {
        Encoding {
            filters: filters.to_vec(),
            codec,
            level: 0,
        }
    }

    fn kind<T>(result: Result<T>) -> Option<ErrorKind> {
        result.err().map(|e| e.kind())
    }

    fn round_trip(pixels: &[u8], t: SampleType, w: u32, h: u32, enc: &Encoding) {
        let data = encode_tile(pixels, t, w, h, enc).expect("encode");
        let decoded = decode_tile(&data, t, w, h, &enc.filters, enc.codec).expect("decode");
        assert_eq!(decoded, pixels, "{t:?} {w}x{h} {enc:?}");
        let mut into = vec![0xAA; pixels.len()];
        decode_tile_into(&data, t, w, h, &enc.filters, enc.codec, &mut into).expect("into");
        assert_eq!(into, pixels, "{t:?} {w}x{h} {enc:?} (into)");
    }

    #[test]
    fn every_type_chain_and_codec_round_trips() {
        let sizes = [(1, 1), (1, 9), (9, 1), (2, 2), (13, 7), (64, 33)];
        for &t in SampleType::ALL {
            for (w, h) in sizes {
                let len = image_len(t, w, h).expect("size");
                let inputs = [smooth(t, w, h), noise(len, u64::from(w * 1000 + h))];
                for pixels in &inputs {
                    for chain in chains() {
                        for &codec in Codec::ALL {
                            round_trip(pixels, t, w, h, &encoding(&chain, codec));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn filters_help_on_smooth_data() {
        let (w, h) = (128, 64);
        let pixels = smooth(SampleType::U16, w, h);
        let size = |filters: &[Filter]| {
            let data = encode_tile(
                &pixels,
                SampleType::U16,
                w,
                h,
                &encoding(filters, Codec::Zstd),
            );
            data.expect("encode").len()
        };
        let plain = size(&[]);
        let default = size(&Encoding::default().filters);
        assert!(default * 2 < plain, "{default} vs {plain}");
    }

    #[test]
    fn encoding_is_deterministic() {
        let pixels = smooth(SampleType::U16, 50, 40);
        for chain in chains() {
            for &codec in Codec::ALL {
                let enc = encoding(&chain, codec);
                let first = encode_tile(&pixels, SampleType::U16, 50, 40, &enc).expect("encode");
                let again = encode_tile(&pixels, SampleType::U16, 50, 40, &enc).expect("encode");
                assert_eq!(first, again);
            }
        }
    }

    #[test]
    fn bad_arguments_are_rejected() {
        let t = SampleType::U16;
        let enc = Encoding::default();
        assert_eq!(
            kind(encode_tile(&[0; 7], t, 2, 2, &enc)),
            Some(ErrorKind::InvalidArgument)
        );
        assert_eq!(
            kind(encode_tile(&[], t, 0, 2, &enc)),
            Some(ErrorKind::InvalidArgument)
        );
        let too_many = Encoding {
            filters: vec![Filter::Delta; 5],
            ..Encoding::default()
        };
        assert_eq!(
            kind(encode_tile(&[0; 8], t, 2, 2, &too_many)),
            Some(ErrorKind::InvalidArgument)
        );

        let data = encode_tile(&[0; 8], t, 2, 2, &enc).expect("encode");
        let mut out = [0u8; 7];
        assert_eq!(
            kind(decode_tile_into(
                &data,
                t,
                2,
                2,
                &enc.filters,
                enc.codec,
                &mut out
            )),
            Some(ErrorKind::InvalidArgument)
        );
        assert_eq!(
            kind(decode_tile(&data, t, 2, 2, &[Filter::Delta; 5], enc.codec)),
            Some(ErrorKind::InvalidArgument)
        );
        // A declared size that overflows is a limit, not an allocation attempt.
        assert_eq!(
            kind(decode_tile(
                &data,
                SampleType::F32,
                u32::MAX,
                u32::MAX,
                &[],
                Codec::Zstd
            )),
            Some(ErrorKind::LimitExceeded)
        );
        // A stored tile of the wrong size is refused before allocating its declared size.
        assert_eq!(
            kind(decode_tile(
                &data,
                SampleType::U8,
                u32::MAX,
                1 << 20,
                &[],
                Codec::None
            )),
            Some(ErrorKind::TileSizeMismatch)
        );
    }

    #[test]
    fn wrong_declared_size_is_a_mismatch() {
        let t = SampleType::U16;
        let pixels = smooth(t, 16, 16);
        for chain in chains() {
            for &codec in Codec::ALL {
                let data =
                    encode_tile(&pixels, t, 16, 16, &encoding(&chain, codec)).expect("encode");
                // A rice stream declares no size: it codes a raster of the size given, and
                // does not fit another.
                let expected = if codec == Codec::Rice {
                    ErrorKind::CodecError
                } else {
                    ErrorKind::TileSizeMismatch
                };
                for (w, h) in [(16, 15), (16, 17), (15, 16), (8, 8)] {
                    assert_eq!(
                        kind(decode_tile(&data, t, w, h, &chain, codec)),
                        Some(expected),
                        "{chain:?} {codec:?} {w}x{h}"
                    );
                }
            }
        }
    }

    #[test]
    fn bombs_are_refused_with_the_full_chain() {
        let zeros = vec![0u8; 32 << 20];
        let t = SampleType::U16;
        for codec in [Codec::Deflate, Codec::Zstd] {
            // 16 Mi samples of zeros declared as a 64 x 64 tile.
            let bomb = encode_tile(&zeros, t, 4096, 4096, &encoding(&[], codec)).expect("encode");
            assert!(
                bomb.len() < 64 << 10,
                "{codec:?} bomb is {} bytes",
                bomb.len()
            );
            for chain in [vec![], vec![Filter::Predictor2D, Filter::ByteShuffle]] {
                assert_eq!(
                    kind(decode_tile(&bomb, t, 64, 64, &chain, codec)),
                    Some(ErrorKind::TileSizeMismatch),
                    "{codec:?} {chain:?}"
                );
            }
        }
    }

    #[test]
    fn truncated_tiles_fail_without_panicking() {
        let t = SampleType::U16;
        let pixels = smooth(t, 24, 10);
        for chain in [vec![], vec![Filter::Predictor2D, Filter::ByteShuffle]] {
            for &codec in Codec::ALL {
                let data =
                    encode_tile(&pixels, t, 24, 10, &encoding(&chain, codec)).expect("encode");
                for cut in 0..data.len() {
                    let result = decode_tile(&data[..cut], t, 24, 10, &chain, codec);
                    let expected = if codec == Codec::None {
                        ErrorKind::TileSizeMismatch
                    } else {
                        ErrorKind::CodecError
                    };
                    assert_eq!(kind(result), Some(expected), "{chain:?} {codec:?} at {cut}");
                }
            }
        }
    }

    fn test_plane(t: SampleType, w: u32, h: u32) -> PixelBuffer {
        PixelBuffer::new(t, w, h, smooth(t, w, h)).expect("plane")
    }

    #[test]
    fn extracted_tiles_reassemble_the_plane() {
        for &t in SampleType::ALL {
            for (w, h, tw, th) in [
                (1, 1, 1, 1),
                (10, 7, 4, 3),
                (33, 17, 8, 8),
                (16, 16, 16, 16),
                (5, 9, 64, 2),
            ] {
                let plane = test_plane(t, w, h);
                let grid = TileGrid::new(w, h, tw, th).expect("grid");
                let enc = Encoding::default();
                let mut rebuilt = PixelBuffer::zeroed(t, w, h).expect("zeroed");
                for row in 0..grid.rows() {
                    for col in 0..grid.cols() {
                        let rect = grid.tile_rect(col, row).expect("inside");
                        let samples = extract_tile(&plane, &grid, col, row).expect("extract");
                        assert_eq!(samples, plane.region(rect).expect("region").into_bytes());
                        let data = encode_tile(&samples, t, rect.width, rect.height, &enc)
                            .expect("encode");
                        let tile =
                            decode_tile(&data, t, rect.width, rect.height, &enc.filters, enc.codec)
                                .expect("decode");
                        place_tile(&tile, rect, &mut rebuilt, (0, 0)).expect("place");
                    }
                }
                assert_eq!(rebuilt, plane, "{t:?} {w}x{h} by {tw}x{th}");
            }
        }
    }

    #[test]
    fn region_reads_through_tiles_match_the_plane() {
        let t = SampleType::U16;
        let (w, h) = (23, 19);
        let plane = test_plane(t, w, h);
        let grid = TileGrid::new(w, h, 5, 4).expect("grid");
        for region in [
            Rect::new(0, 0, w, h),
            Rect::new(3, 2, 9, 11),
            Rect::new(22, 18, 1, 1),
            Rect::new(4, 0, 2, 19),
            Rect::new(0, 7, 23, 1),
        ] {
            let mut out = PixelBuffer::zeroed(t, region.width, region.height).expect("zeroed");
            for (col, row) in grid.tiles_in(region).expect("tiles") {
                let rect = grid.tile_rect(col, row).expect("inside");
                let tile = extract_tile(&plane, &grid, col, row).expect("extract");
                place_tile(&tile, rect, &mut out, (region.x, region.y)).expect("place");
            }
            assert_eq!(out, plane.region(region).expect("region"), "{region:?}");
        }
    }

    #[test]
    fn place_tile_checks_its_input_and_ignores_disjoint_tiles() {
        let mut dest = PixelBuffer::zeroed(SampleType::U8, 4, 4).expect("zeroed");
        let rect = Rect::new(10, 10, 2, 2);
        place_tile(&[9; 4], rect, &mut dest, (0, 0)).expect("disjoint");
        assert!(dest.as_bytes().iter().all(|&b| b == 0));
        assert_eq!(
            kind(place_tile(&[9; 3], rect, &mut dest, (0, 0))),
            Some(ErrorKind::InvalidArgument)
        );
        assert_eq!(
            kind(place_tile(&[], Rect::new(0, 0, 0, 2), &mut dest, (0, 0))),
            Some(ErrorKind::InvalidArgument)
        );
        // A tile overlapping the corner of a destination placed far out in the plane.
        let far = u32::MAX - 4;
        place_tile(
            &[1, 2, 3, 4],
            Rect::new(far - 1, far - 1, 2, 2),
            &mut dest,
            (far, far),
        )
        .expect("corner");
        assert_eq!(dest.as_bytes()[0], 4);
        assert_eq!(dest.as_bytes().iter().filter(|&&b| b != 0).count(), 1);
    }

    #[test]
    fn extract_tile_checks_the_grid() {
        let plane = test_plane(SampleType::U8, 8, 8);
        let other = TileGrid::new(8, 9, 4, 4).expect("grid");
        assert_eq!(
            kind(extract_tile(&plane, &other, 0, 0)),
            Some(ErrorKind::InvalidArgument)
        );
        let zero = TileGrid {
            tile_width: 0,
            ..TileGrid::new(8, 8, 4, 4).expect("grid")
        };
        assert_eq!(
            kind(extract_tile(&plane, &zero, 0, 0)),
            Some(ErrorKind::InvalidArgument)
        );
        assert_eq!(
            kind(encode_plane(&plane, &zero, &Encoding::default())),
            Some(ErrorKind::InvalidArgument)
        );
        let grid = TileGrid::new(8, 8, 4, 4).expect("grid");
        assert_eq!(
            kind(extract_tile(&plane, &grid, 2, 0)),
            Some(ErrorKind::RegionOutOfBounds)
        );
        assert_eq!(
            kind(extract_tile(&plane, &grid, 0, 2)),
            Some(ErrorKind::RegionOutOfBounds)
        );
    }

    #[test]
    fn encode_plane_matches_tile_by_tile_and_ignores_thread_count() {
        let t = SampleType::U16;
        let plane = test_plane(t, 70, 45);
        let grid = TileGrid::new(70, 45, 16, 16).expect("grid");
        for enc in [
            Encoding::default(),
            encoding(&[Filter::Delta], Codec::Deflate),
            Encoding::stored(),
        ] {
            let tiles = encode_plane(&plane, &grid, &enc).expect("encode");
            assert_eq!(tiles.len() as u64, grid.tile_count());
            let mut index = 0;
            for row in 0..grid.rows() {
                for col in 0..grid.cols() {
                    let rect = grid.tile_rect(col, row).expect("inside");
                    let samples = extract_tile(&plane, &grid, col, row).expect("extract");
                    let alone =
                        encode_tile(&samples, t, rect.width, rect.height, &enc).expect("tile");
                    assert_eq!(tiles[index], alone, "tile ({col}, {row})");
                    index += 1;
                }
            }
            for threads in [1, 3] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .expect("pool");
                let again = pool
                    .install(|| encode_plane(&plane, &grid, &enc))
                    .expect("encode");
                assert_eq!(again, tiles, "{threads} threads");
            }
        }
        let single = TileGrid::new(70, 45, 100, 100).expect("grid");
        let tiles = encode_plane(&plane, &single, &Encoding::default()).expect("encode");
        assert_eq!(tiles.len(), 1);
        let wrong = TileGrid::new(71, 45, 16, 16).expect("grid");
        assert_eq!(
            kind(encode_plane(&plane, &wrong, &Encoding::default())),
            Some(ErrorKind::InvalidArgument)
        );
    }

    fn any_sample_type() -> impl Strategy<Value = SampleType> {
        proptest::sample::select(SampleType::ALL.to_vec())
    }

    fn any_chain() -> impl Strategy<Value = Vec<Filter>> {
        proptest::collection::vec(
            proptest::sample::select(Filter::ALL.to_vec()),
            0..=MAX_FILTERS,
        )
    }

    fn any_codec() -> impl Strategy<Value = Codec> {
        proptest::sample::select(Codec::ALL.to_vec())
    }

    /// A tile: sample type, size up to 64 x 64, and random samples of that size.
    fn any_tile() -> impl Strategy<Value = (SampleType, u32, u32, Vec<u8>)> {
        (any_sample_type(), 1u32..=64, 1u32..=64).prop_flat_map(|(t, w, h)| {
            let len = image_len(t, w, h).unwrap_or(0);
            (
                Just(t),
                Just(w),
                Just(h),
                proptest::collection::vec(any::<u8>(), len),
            )
        })
    }

    #[test]
    fn a_window_outside_its_tile_or_its_output_is_refused() {
        let pixels = noise(4 * 3 * 2, 7);
        let tile = TileData {
            data: &pixels,
            sample_type: SampleType::U16,
            width: 4,
            height: 3,
            filters: &[],
            codec: Codec::None,
        };
        let to = RowWindow {
            stride: 8,
            first_row: 0,
            offset: 0,
        };
        let mut out = vec![0; 24];
        for window in [Rect::new(1, 0, 4, 1), Rect::new(0, 2, 1, 2)] {
            let e = decode_tile_window(tile, window, &mut out, to, &mut Vec::new())
                .expect_err("refused");
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{window:?}: {e}");
        }
        let e = decode_tile_window(
            tile,
            Rect::new(0, 0, 4, 3),
            &mut out[..23],
            to,
            &mut Vec::new(),
        )
        .expect_err("refused");
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        // A stored tile of the wrong length is refused as it is by a whole-tile decode.
        let short = TileData {
            data: &pixels[..23],
            ..tile
        };
        let e = decode_tile_window(short, Rect::new(0, 0, 1, 1), &mut out, to, &mut Vec::new())
            .expect_err("refused");
        assert_eq!(e.kind(), ErrorKind::TileSizeMismatch, "{e}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_tiles_round_trip(
            (t, w, h, pixels) in any_tile(),
            filters in any_chain(),
            codec in any_codec(),
            level in 0i32..=9,
        ) {
            let enc = Encoding { filters, codec, level: if codec.level_range().contains(&level) { level } else { 0 } };
            let data = encode_tile(&pixels, t, w, h, &enc).expect("encode");
            let decoded = decode_tile(&data, t, w, h, &enc.filters, enc.codec).expect("decode");
            prop_assert_eq!(decoded, pixels);
        }

        /// A window of a tile, decoded into a strided buffer whose last row ends where its
        /// samples end, is that window of the whole decoded tile, for every codec and chain
        /// (a stored tile without filters takes the direct copy; a whole tile on rows that
        /// follow one another is decoded in place), and the bytes around it are left as
        /// they were.
        #[test]
        fn a_window_is_that_part_of_the_decoded_tile(
            (t, w, h, pixels) in any_tile(),
            filters in any_chain(),
            codec in any_codec(),
            corner in (0u32..64, 0u32..64),
            size in (1u32..=64, 1u32..=64),
            margin in (0usize..9, 0usize..3),
            whole in any::<bool>(),
        ) {
            let enc = Encoding { filters, codec, level: 0 };
            let data = encode_tile(&pixels, t, w, h, &enc).expect("encode");
            let (x, y) = (corner.0 % w, corner.1 % h);
            let window = if whole {
                Rect::new(0, 0, w, h)
            } else {
                Rect::new(x, y, size.0.min(w - x), size.1.min(h - y))
            };
            let (x, y) = (window.x, window.y);
            let bps = t.bytes_per_sample();
            let row_len = window.width as usize * bps;
            let to = RowWindow { stride: row_len + margin.0, first_row: margin.1, offset: margin.0 / 2 };
            let rows = margin.1 + window.height as usize;
            let mut out = vec![0xa5; (rows - 1) * to.stride + to.offset + row_len];
            let tile = TileData { data: &data, sample_type: t, width: w, height: h, filters: &enc.filters, codec };
            decode_tile_window(tile, window, &mut out, to, &mut Vec::new()).expect("decode window");
            let whole = decode_tile(&data, t, w, h, &enc.filters, codec).expect("decode");
            let mut expected = vec![0xa5; out.len()];
            for r in 0..window.height as usize {
                let src = (y as usize + r) * w as usize * bps + x as usize * bps;
                let dst = (to.first_row + r) * to.stride + to.offset;
                expected[dst..dst + row_len].copy_from_slice(&whole[src..src + row_len]);
            }
            prop_assert_eq!(out, expected);
        }

        #[test]
        fn random_data_never_panics(
            data in proptest::collection::vec(any::<u8>(), 0..2048),
            t in any_sample_type(),
            w in 1u32..=64,
            h in 1u32..=64,
            filters in any_chain(),
            codec in any_codec(),
        ) {
            if let Ok(decoded) = decode_tile(&data, t, w, h, &filters, codec) {
                prop_assert_eq!(decoded.len(), image_len(t, w, h).unwrap_or(0));
            }
        }
    }
}
