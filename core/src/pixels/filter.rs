//! Reversible filters that make samples easier to compress.
//!
//! Every filter works on the little-endian sample bytes of one tile, row-major, in place
//! where it can. Delta and the 2-D predictor work on the integer value of each sample with
//! wrapping arithmetic (an `f32` sample on its IEEE-754 bit pattern), so they are exactly
//! reversible for every input. Byte shuffle regroups the bytes of the samples and needs a
//! second buffer.

use crate::error::{Error, ErrorKind, Result};

/// The largest number of filters a tile's chain may hold (the `filter_count` field).
pub const MAX_FILTERS: usize = 4;

/// One step of a tile's filter chain. The numeric value is the id written in the TILE chunk.
///
/// A chain is applied in order when writing and in reverse order when reading.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Filter {
    /// Horizontal delta: each sample minus the previous sample of its row (the first
    /// sample of a row is kept).
    Delta = 1,
    /// 2-D predictor: each sample minus `left + up - upleft`, a missing neighbour counting
    /// as 0. Removes both horizontal and vertical gradients.
    Predictor2D = 2,
    /// Byte shuffle: byte 0 of every sample, then byte 1 of every sample, and so on. Puts
    /// the slowly varying high bytes together. Has no effect on 8-bit samples.
    ByteShuffle = 3,
}

impl Filter {
    /// Every filter, in id order.
    pub const ALL: &'static [Filter] = &[Filter::Delta, Filter::Predictor2D, Filter::ByteShuffle];

    /// The id stored in the file.
    pub fn id(self) -> u8 {
        self as u8
    }

    /// The filter with this id; `UNSUPPORTED_FILTER` for 0 and every unknown id.
    pub fn from_id(id: u8) -> Result<Self> {
        Filter::ALL
            .iter()
            .copied()
            .find(|f| f.id() == id)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::UnsupportedFilter,
                    format!("filter id {id} is not supported"),
                )
            })
    }

    /// The name used on the command line and in the bindings: `delta`, `predictor2d`, `shuffle`.
    pub fn name(self) -> &'static str {
        match self {
            Filter::Delta => "delta",
            Filter::Predictor2D => "predictor2d",
            Filter::ByteShuffle => "shuffle",
        }
    }

    /// The filter with this name; `INVALID_ARGUMENT` for any other string.
    pub fn from_name(name: &str) -> Result<Self> {
        Filter::ALL
            .iter()
            .copied()
            .find(|f| f.name() == name)
            .ok_or_else(|| Error::invalid_argument(format!("unknown filter {name:?}")))
    }
}

/// An unsigned integer of one sample's width, read and written little-endian.
///
/// The filters are written once over this trait and instantiated per sample width, so the
/// inner loops work on native integers with no per-sample branching.
trait Word: Copy {
    const SIZE: usize;
    const ZERO: Self;
    /// `bytes` has exactly `SIZE` bytes (it comes from `chunks_exact(SIZE)`).
    fn load(bytes: &[u8]) -> Self;
    fn store(self, bytes: &mut [u8]);
    fn add(self, other: Self) -> Self;
    fn sub(self, other: Self) -> Self;
}

macro_rules! impl_word {
    ($t:ty, $n:expr) => {
        impl Word for $t {
            const SIZE: usize = $n;
            const ZERO: Self = 0;
            #[inline(always)]
            fn load(bytes: &[u8]) -> Self {
                let mut raw = [0u8; $n];
                raw.copy_from_slice(bytes);
                <$t>::from_le_bytes(raw)
            }
            #[inline(always)]
            fn store(self, bytes: &mut [u8]) {
                bytes.copy_from_slice(&self.to_le_bytes());
            }
            #[inline(always)]
            fn add(self, other: Self) -> Self {
                self.wrapping_add(other)
            }
            #[inline(always)]
            fn sub(self, other: Self) -> Self {
                self.wrapping_sub(other)
            }
        }
    };
}

impl_word!(u8, 1);
impl_word!(u16, 2);
impl_word!(u32, 4);

/// Calls `$f::<W>($args)` with `W` the unsigned integer of `$bps` bytes.
macro_rules! dispatch_width {
    ($bps:expr, $f:ident($($arg:expr),*)) => {
        match $bps {
            1 => $f::<u8>($($arg),*),
            2 => $f::<u16>($($arg),*),
            _ => $f::<u32>($($arg),*),
        }
    };
}

/// Applies `filter` for writing, on the tile `buf` of rows of `row_bytes` bytes with
/// samples of `bps` bytes. `scratch` is reused between calls for the byte shuffle.
///
/// The caller guarantees `buf.len()` is a multiple of `row_bytes`, itself a multiple of
/// `bps`, and `bps` is 1, 2 or 4.
pub(crate) fn encode_in_place(
    filter: Filter,
    buf: &mut Vec<u8>,
    row_bytes: usize,
    bps: usize,
    scratch: &mut Vec<u8>,
) {
    // `chunks_exact` panics on a zero size; an empty row has nothing to filter anyway.
    if row_bytes == 0 || bps == 0 {
        return;
    }
    match filter {
        Filter::Delta => dispatch_width!(bps, delta_encode(buf, row_bytes)),
        Filter::Predictor2D => dispatch_width!(bps, predictor_encode(buf, row_bytes)),
        Filter::ByteShuffle => {
            if bps > 1 {
                scratch.resize(buf.len(), 0);
                shuffle(buf, scratch, bps);
                std::mem::swap(buf, scratch);
            }
        }
    }
}

/// Reverses `filter` on a decoded tile `buf`, under the same conditions as
/// [`encode_in_place`]. `scratch` is reused between calls for the byte shuffle.
pub(crate) fn decode_in_place(
    filter: Filter,
    buf: &mut [u8],
    row_bytes: usize,
    bps: usize,
    scratch: &mut Vec<u8>,
) {
    // `chunks_exact` panics on a zero size; an empty row has nothing to filter anyway.
    if row_bytes == 0 || bps == 0 {
        return;
    }
    match filter {
        Filter::Delta => dispatch_width!(bps, delta_decode(buf, row_bytes)),
        Filter::Predictor2D => dispatch_width!(bps, predictor_decode(buf, row_bytes)),
        Filter::ByteShuffle => {
            if bps > 1 {
                // `buf` belongs to the caller, so the result must land back in it: one copy.
                scratch.clear();
                scratch.extend_from_slice(buf);
                unshuffle(scratch, buf, bps);
            }
        }
    }
}

fn delta_encode<W: Word>(buf: &mut [u8], row_bytes: usize) {
    for row in buf.chunks_exact_mut(row_bytes) {
        delta_encode_row::<W>(row);
    }
}

fn delta_decode<W: Word>(buf: &mut [u8], row_bytes: usize) {
    for row in buf.chunks_exact_mut(row_bytes) {
        delta_decode_row::<W>(row);
    }
}

#[inline(always)]
fn delta_encode_row<W: Word>(row: &mut [u8]) {
    let mut previous = W::ZERO;
    for sample in row.chunks_exact_mut(W::SIZE) {
        let value = W::load(sample);
        value.sub(previous).store(sample);
        previous = value;
    }
}

#[inline(always)]
fn delta_decode_row<W: Word>(row: &mut [u8]) {
    let mut value = W::ZERO;
    for sample in row.chunks_exact_mut(W::SIZE) {
        value = value.add(W::load(sample));
        value.store(sample);
    }
}

// The 2-D predictor's residual `s - (left + up - upleft)` equals `(s - up) - (left -
// upleft)`: the horizontal delta of the difference between a row and the row above. In
// the ring of wrapping integers this is exact, so one pass per row does it: a running
// "previous difference" replaces the left and up-left neighbours.

/// Encodes bottom-up, so the row above the one being encoded still holds original samples.
fn predictor_encode<W: Word>(buf: &mut [u8], row_bytes: usize) {
    let mut rows = buf.chunks_exact_mut(row_bytes);
    let Some(mut current) = rows.next_back() else {
        return;
    };
    for above in rows.rev() {
        let mut previous_difference = W::ZERO;
        for (sample, up) in current
            .chunks_exact_mut(W::SIZE)
            .zip(above.chunks_exact(W::SIZE))
        {
            let difference = W::load(sample).sub(W::load(up));
            difference.sub(previous_difference).store(sample);
            previous_difference = difference;
        }
        current = above;
    }
    // The first row has no row above: the predictor reduces to the horizontal delta.
    delta_encode_row::<W>(current);
}

/// Decodes top-down, so the row above the one being decoded already holds original samples.
fn predictor_decode<W: Word>(buf: &mut [u8], row_bytes: usize) {
    let mut rows = buf.chunks_exact_mut(row_bytes);
    let Some(mut above) = rows.next() else {
        return;
    };
    delta_decode_row::<W>(above);
    for current in rows {
        let mut difference = W::ZERO;
        for (sample, up) in current
            .chunks_exact_mut(W::SIZE)
            .zip(above.chunks_exact(W::SIZE))
        {
            difference = difference.add(W::load(sample));
            difference.add(W::load(up)).store(sample);
        }
        above = current;
    }
}

/// Writes byte `k` of every sample of `src` to the `k`-th `src.len() / bps` bytes of `dst`.
/// `dst.len() == src.len()`, a multiple of `bps`.
pub(crate) fn shuffle(src: &[u8], dst: &mut [u8], bps: usize) {
    match bps {
        2 => {
            let (low, high) = dst.split_at_mut(src.len() / 2);
            for ((sample, l), h) in src.chunks_exact(2).zip(low).zip(high) {
                *l = sample[0];
                *h = sample[1];
            }
        }
        4 => {
            let (b0, b1, b2, b3) = quarters_mut(dst);
            for ((((sample, o0), o1), o2), o3) in
                src.chunks_exact(4).zip(b0).zip(b1).zip(b2).zip(b3)
            {
                *o0 = sample[0];
                *o1 = sample[1];
                *o2 = sample[2];
                *o3 = sample[3];
            }
        }
        _ => dst.copy_from_slice(src),
    }
}

/// The inverse of [`shuffle`].
pub(crate) fn unshuffle(src: &[u8], dst: &mut [u8], bps: usize) {
    match bps {
        2 => {
            let (low, high) = src.split_at(src.len() / 2);
            for ((sample, l), h) in dst.chunks_exact_mut(2).zip(low).zip(high) {
                sample[0] = *l;
                sample[1] = *h;
            }
        }
        4 => {
            let quarter = src.len() / 4;
            let (b0, rest) = src.split_at(quarter);
            let (b1, rest) = rest.split_at(quarter);
            let (b2, b3) = rest.split_at(quarter);
            for ((((sample, i0), i1), i2), i3) in
                dst.chunks_exact_mut(4).zip(b0).zip(b1).zip(b2).zip(b3)
            {
                sample[0] = *i0;
                sample[1] = *i1;
                sample[2] = *i2;
                sample[3] = *i3;
            }
        }
        _ => dst.copy_from_slice(src),
    }
}

fn quarters_mut(buf: &mut [u8]) -> (&mut [u8], &mut [u8], &mut [u8], &mut [u8]) {
    let quarter = buf.len() / 4;
    let (b0, rest) = buf.split_at_mut(quarter);
    let (b1, rest) = rest.split_at_mut(quarter);
    let (b2, b3) = rest.split_at_mut(quarter);
    (b0, b1, b2, b3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u16_bytes(values: &[u16]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    fn u16_values(bytes: &[u8]) -> Vec<u16> {
        bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect()
    }

    /// The predictor exactly as the format states it, sample by sample.
    fn reference_predictor(values: &[u16], width: usize) -> Vec<u16> {
        let at = |x: usize, y: usize| values[y * width + x];
        let mut out = Vec::with_capacity(values.len());
        for y in 0..values.len() / width {
            for x in 0..width {
                let left = if x > 0 { at(x - 1, y) } else { 0 };
                let up = if y > 0 { at(x, y - 1) } else { 0 };
                let up_left = if x > 0 && y > 0 { at(x - 1, y - 1) } else { 0 };
                let prediction = left.wrapping_add(up).wrapping_sub(up_left);
                out.push(at(x, y).wrapping_sub(prediction));
            }
        }
        out
    }

    #[test]
    fn ids_and_names_round_trip() {
        for &f in Filter::ALL {
            assert_eq!(Filter::from_id(f.id()).ok(), Some(f));
            assert_eq!(Filter::from_name(f.name()).ok(), Some(f));
        }
    }

    #[test]
    fn zero_and_unknown_ids_are_rejected() {
        for id in [0u8, 4, 99, 255] {
            let err = Filter::from_id(id).err().map(|e| e.kind());
            assert_eq!(err, Some(ErrorKind::UnsupportedFilter));
        }
        let err = Filter::from_name("Delta").err().map(|e| e.kind());
        assert_eq!(err, Some(ErrorKind::InvalidArgument));
    }

    #[test]
    fn delta_matches_the_definition() {
        let values = [10u16, 12, 11, 0, 65535, 3];
        let mut buf = u16_bytes(&values);
        let mut scratch = Vec::new();
        encode_in_place(Filter::Delta, &mut buf, 6, 2, &mut scratch);
        // Two rows of three samples; each row starts over.
        assert_eq!(u16_values(&buf), [10, 2, 65535, 0, 65535, 4]);
        decode_in_place(Filter::Delta, &mut buf, 6, 2, &mut scratch);
        assert_eq!(u16_values(&buf), values);
    }

    #[test]
    fn predictor_matches_the_definition() {
        let width = 5;
        let values: Vec<u16> = (0..35u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u16)
            .collect();
        let mut buf = u16_bytes(&values);
        let mut scratch = Vec::new();
        encode_in_place(Filter::Predictor2D, &mut buf, width * 2, 2, &mut scratch);
        assert_eq!(u16_values(&buf), reference_predictor(&values, width));
        decode_in_place(Filter::Predictor2D, &mut buf, width * 2, 2, &mut scratch);
        assert_eq!(u16_values(&buf), values);
    }

    #[test]
    fn predictor_on_f32_uses_the_bit_pattern() {
        let values = [1.5f32, -0.0, f32::NAN, f32::INFINITY];
        let bits: Vec<u32> = values.iter().map(|v| v.to_bits()).collect();
        let mut buf: Vec<u8> = bits.iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut scratch = Vec::new();
        encode_in_place(Filter::Predictor2D, &mut buf, 8, 4, &mut scratch);
        let residual: Vec<u32> = buf
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let expected = [
            bits[0],
            bits[1].wrapping_sub(bits[0]),
            bits[2].wrapping_sub(bits[0]),
            bits[3].wrapping_sub(bits[2].wrapping_add(bits[1]).wrapping_sub(bits[0])),
        ];
        assert_eq!(residual, expected);
    }

    #[test]
    fn shuffle_groups_bytes_by_position() {
        let mut buf = vec![0x01, 0x02, 0x03, 0x04, 0x11, 0x12, 0x13, 0x14];
        let mut scratch = Vec::new();
        encode_in_place(Filter::ByteShuffle, &mut buf, 8, 2, &mut scratch);
        assert_eq!(buf, [0x01, 0x03, 0x11, 0x13, 0x02, 0x04, 0x12, 0x14]);
        decode_in_place(Filter::ByteShuffle, &mut buf, 8, 2, &mut scratch);
        assert_eq!(buf, [0x01, 0x02, 0x03, 0x04, 0x11, 0x12, 0x13, 0x14]);

        encode_in_place(Filter::ByteShuffle, &mut buf, 8, 4, &mut scratch);
        assert_eq!(buf, [0x01, 0x11, 0x02, 0x12, 0x03, 0x13, 0x04, 0x14]);

        let mut bytes = vec![9, 8, 7];
        encode_in_place(Filter::ByteShuffle, &mut bytes, 3, 1, &mut scratch);
        assert_eq!(bytes, [9, 8, 7]);
    }
}
