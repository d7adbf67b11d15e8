//! Codec 3, `rice`: MED prediction and Golomb-Rice codes of a tile raster (section 5.6.1
//! of the specification).
//!
//! Each sample is predicted from its left, upper and upper-left neighbours by the median
//! edge detector of LOCO-I; the residual is folded to an unsigned value `m` and written as
//! a Rice code: the quotient `m >> k` in unary, then the `k` low bits of `m`. The parameter
//! `k` of a sample comes from the sum of eight mapped residuals of the row above, so the
//! parameters of a whole row are known before the row is decoded: the unary parts and the
//! low bits go to two separate bit streams, a row's residuals are decoded in one loop, and
//! the samples are rebuilt from them in another. A noisy plane puts its incompressible low
//! bits in the raw stream; a smooth one spends one or two bits a sample.

use crate::error::{Error, ErrorKind, Result};

/// Quotients of this value or more are escaped: `ESCAPE` zero bits in the unary stream,
/// then a one, and the mapped residual in `B` raw bits.
const ESCAPE: u32 = 24;

/// The bytes of the length of the unary stream, at the start of the data.
const HEADER: usize = 8;

/// How far the parameter window reaches on each side of a sample: it covers the mapped
/// residuals of the row above at `x - REACH` to `x + REACH - 1`, clamped to the row.
const REACH: usize = 4;

/// Samples of one width, read from and written to little-endian bytes.
trait Sample {
    const BYTES: usize;
    /// `bytes` has exactly `BYTES` bytes.
    fn load(bytes: &[u8]) -> u32;
    fn store(value: u32, bytes: &mut [u8]);
}

macro_rules! impl_sample {
    ($t:ty, $n:expr) => {
        impl Sample for $t {
            const BYTES: usize = $n;
            #[inline(always)]
            fn load(bytes: &[u8]) -> u32 {
                let mut raw = [0u8; $n];
                raw.copy_from_slice(bytes);
                u32::from(<$t>::from_le_bytes(raw))
            }
            #[inline(always)]
            fn store(value: u32, bytes: &mut [u8]) {
                // The value has `BYTES` bytes: it is a sample rebuilt modulo 2^B.
                bytes.copy_from_slice(&(value as $t).to_le_bytes());
            }
        }
    };
}

impl_sample!(u8, 1);
impl_sample!(u16, 2);
impl_sample!(u32, 4);

/// The MED (LOCO-I) prediction from the left, upper and upper-left neighbours: `a + b - c`
/// clamped to the range of `a` and `b`, which is the median of `a`, `b` and `a + b - c`
/// (`c` at or above both gives the lower, at or below both the higher). Computed without
/// branches, which noisy samples would mispredict.
#[inline(always)]
fn med(a: u32, b: u32, c: u32) -> u32 {
    let low = a.min(b);
    let high = a.max(b);
    let gradient = i64::from(a) + i64::from(b) - i64::from(c);
    gradient.max(i64::from(low)).min(i64::from(high)) as u32
}

/// The residual `s - p` modulo 2^`bits`, read as a signed number and folded to unsigned:
/// 0, -1, 1, -2, 2, ... become 0, 1, 2, 3, 4, ...
#[inline(always)]
fn map(sample: u32, prediction: u32, bits: u32) -> u32 {
    let shift = 32 - bits;
    // The difference in the top `bits` bits of an i32, so that its sign is the residual's.
    let e = (sample.wrapping_sub(prediction) << shift) as i32;
    ((e << 1) ^ (e >> 31)) as u32 >> shift
}

/// The inverse of [`map`]: the sample whose residual from `prediction` maps to `mapped`,
/// modulo 2^B (`mask` = 2^B - 1).
#[inline(always)]
fn unmap(mapped: u32, prediction: u32, mask: u32) -> u32 {
    let e = (mapped >> 1) ^ (mapped & 1).wrapping_neg();
    prediction.wrapping_add(e) & mask
}

/// The Rice parameter from `u`, the sum of eight mapped residuals: the bit length of
/// `u / 16`, so `2^k` is about the mean residual divided by two.
#[inline(always)]
fn parameter(u: u64) -> u32 {
    64 - (u >> 4).leading_zeros()
}

/// `mapped` with `REACH` copies of its first value before it and of its last after it, in
/// `padded`: the parameter of sample `x` is then from the sum of `padded[x..x + 8]`.
fn pad(mapped: &[u32], padded: &mut Vec<u32>) {
    padded.clear();
    let (first, last) = match (mapped.first(), mapped.last()) {
        (Some(&first), Some(&last)) => (first, last),
        _ => return,
    };
    padded.extend(std::iter::repeat_n(first, REACH));
    padded.extend_from_slice(mapped);
    padded.extend(std::iter::repeat_n(last, REACH));
}

/// Compresses a raster of `width` samples a row of `bytes_per_sample` (1, 2 or 4) bytes;
/// `data.len()` is a multiple of the row length.
pub(crate) fn compress(data: &[u8], bytes_per_sample: usize, width: usize) -> Vec<u8> {
    match bytes_per_sample {
        1 => encode::<u8>(data, width),
        2 => encode::<u16>(data, width),
        _ => encode::<u32>(data, width),
    }
}

/// Decodes `data` into `out`, a raster of `width` samples a row of `bytes_per_sample`
/// bytes, filled exactly. `CODEC_ERROR` for a stream that is corrupt, ends early, has
/// non-zero padding or bytes after its end.
pub(crate) fn decompress_into(
    data: &[u8],
    out: &mut [u8],
    bytes_per_sample: usize,
    width: usize,
) -> Result<()> {
    match bytes_per_sample {
        1 => decode::<u8>(data, out, width),
        2 => decode::<u16>(data, out, width),
        _ => decode::<u32>(data, out, width),
    }
}

/// Appends bits least significant first into a buffer that each row reserves room in.
struct BitWriter {
    bytes: Vec<u8>,
    /// The byte where the bits of `buffer` start.
    position: usize,
    /// Bits not yet in whole bytes, from bit 0; the bits above `filled` are zero.
    buffer: u64,
    filled: u32,
}

impl BitWriter {
    fn new(capacity: usize) -> Self {
        BitWriter {
            bytes: vec![0; capacity + 8],
            position: 0,
            buffer: 0,
            filled: 0,
        }
    }

    /// Makes room for `bits` more bits (and the 8-byte stores of [`BitWriter::flush`]).
    fn reserve(&mut self, bits: usize) {
        let needed = self.position + bits / 8 + 16;
        if self.bytes.len() < needed {
            self.bytes.resize(needed.max(2 * self.bytes.len()), 0);
        }
    }

    /// Adds the low `count` bits of `value` (the others zero); `filled + count` < 64.
    #[inline(always)]
    fn put(&mut self, value: u64, count: u32) {
        self.buffer |= value << self.filled;
        self.filled += count;
    }

    /// Moves the whole bytes of the buffer to `bytes`, with one 8-byte store.
    #[inline(always)]
    fn flush(&mut self) {
        if let Some(target) = self.bytes.get_mut(self.position..self.position + 8) {
            target.copy_from_slice(&self.buffer.to_le_bytes());
        }
        let whole = self.filled >> 3;
        self.position += whole as usize;
        // At most 7 whole bytes: `filled` < 64.
        self.buffer >>= 8 * whole;
        self.filled &= 7;
    }

    fn finish(mut self) -> Vec<u8> {
        self.flush();
        let length = self.position + usize::from(self.filled > 0);
        self.bytes.truncate(length);
        self.bytes
    }
}

fn encode<S: Sample>(data: &[u8], width: usize) -> Vec<u8> {
    let bits = 8 * S::BYTES as u32;
    let row_bytes = width * S::BYTES;
    let samples = data.len() / S::BYTES.max(1);
    let mut unary = BitWriter::new(samples / 4);
    let mut raw = BitWriter::new(samples * S::BYTES);
    if row_bytes > 0 {
        let mut above = vec![0u32; width];
        let mut current = vec![0u32; width];
        let mut mapped = vec![0u32; width];
        let mut padded = Vec::with_capacity(width + 2 * REACH);
        for (y, row) in data.chunks_exact(row_bytes).enumerate() {
            for (value, bytes) in current.iter_mut().zip(row.chunks_exact(S::BYTES)) {
                *value = S::load(bytes);
            }
            unary.reserve(width * (ESCAPE as usize + 1));
            raw.reserve(width * bits as usize);
            if y == 0 {
                let mut left = 0;
                let mut previous = 0;
                for (m, &s) in mapped.iter_mut().zip(&current) {
                    *m = map(s, left, bits);
                    code(
                        &mut unary,
                        &mut raw,
                        *m,
                        parameter(8 * u64::from(previous)),
                        bits,
                    );
                    left = s;
                    previous = *m;
                }
            } else {
                pad(&mapped, &mut padded);
                mapped[0] = map(current[0], above[0], bits);
                for ((m, s), (ab, &a)) in mapped[1..]
                    .iter_mut()
                    .zip(&current[1..])
                    .zip(above.windows(2).zip(&current))
                {
                    *m = map(*s, med(a, ab[1], ab[0]), bits);
                }
                let mut u: u64 = padded[..2 * REACH].iter().map(|&v| u64::from(v)).sum();
                for (&m, (&old, &new)) in mapped.iter().zip(padded.iter().zip(&padded[2 * REACH..]))
                {
                    code(&mut unary, &mut raw, m, parameter(u), bits);
                    u = u + u64::from(new) - u64::from(old);
                }
            }
            std::mem::swap(&mut above, &mut current);
        }
    }
    let unary = unary.finish();
    let raw = raw.finish();
    let mut out = Vec::with_capacity(HEADER + unary.len() + raw.len());
    out.extend_from_slice(&(unary.len() as u64).to_le_bytes());
    out.extend_from_slice(&unary);
    out.extend_from_slice(&raw);
    out
}

/// Writes the Rice code of `mapped` with parameter `k` (`k` < `bits` <= 32).
#[inline(always)]
fn code(unary: &mut BitWriter, raw: &mut BitWriter, mapped: u32, k: u32, bits: u32) {
    let quotient = mapped >> k;
    if quotient < ESCAPE {
        unary.put(1 << quotient, quotient + 1);
        raw.put(u64::from(mapped) & ((1u64 << k) - 1), k);
    } else {
        unary.put(1 << ESCAPE, ESCAPE + 1);
        raw.put(u64::from(mapped), bits);
    }
    unary.flush();
    raw.flush();
}

fn codec_error(message: String) -> Error {
    Error::new(ErrorKind::CodecError, message)
}

/// Reads bits least significant first, refilling from one 8-byte load: the bytes past the
/// end of the stream read as zeros.
struct BitReader<'a> {
    data: &'a [u8],
    /// The byte the next load starts at.
    next: usize,
    /// The next bits of the stream, from bit 0; at least `count` of them are valid.
    buffer: u64,
    count: u32,
}

impl<'a> BitReader<'a> {
    fn new(data: &'a [u8]) -> Self {
        BitReader {
            data,
            next: 0,
            buffer: 0,
            count: 0,
        }
    }

    /// The 8 bytes at `next` as a little-endian word, zeros past the end.
    #[inline(always)]
    fn word(&self) -> u64 {
        match self.data.get(self.next..self.next.wrapping_add(8)) {
            Some(bytes) => {
                let mut raw = [0u8; 8];
                raw.copy_from_slice(bytes);
                u64::from_le_bytes(raw)
            }
            None => self.tail_word(),
        }
    }

    #[cold]
    fn tail_word(&self) -> u64 {
        let mut raw = [0u8; 8];
        let rest = self.data.get(self.next..).unwrap_or_default();
        let n = rest.len().min(8);
        raw[..n].copy_from_slice(&rest[..n]);
        u64::from_le_bytes(raw)
    }

    /// Makes at least 56 bits valid. The bits loaded above `count` are those of the
    /// stream, so loading them again later is harmless.
    #[inline(always)]
    fn refill(&mut self) {
        self.buffer |= self.word() << self.count;
        self.next = self.next.wrapping_add(((63 - self.count) >> 3) as usize);
        self.count |= 56;
    }

    /// Drops `n` (<= `count`) bits.
    #[inline(always)]
    fn consume(&mut self, n: u32) {
        self.buffer >>= n;
        self.count = self.count.wrapping_sub(n);
    }

    /// The number of bits read so far.
    fn consumed(&self) -> u64 {
        (self.next as u64 * 8).saturating_sub(u64::from(self.count))
    }

    /// Whether the stream ends right after the bits read, with zero padding bits.
    fn finished(&self) -> bool {
        let used = self.consumed();
        let length = self.data.len() as u64;
        if used.div_ceil(8) != length {
            return false;
        }
        let spare = (used % 8) as u32;
        match self.data.last() {
            Some(&last) if spare > 0 => last >> spare == 0,
            _ => true,
        }
    }
}

/// Decodes one row of mapped residuals, each with its parameter from `padded` (the mapped
/// residuals of the row above, padded); returns whether every code was valid.
#[inline(always)]
fn decode_row(
    unary: &mut BitReader<'_>,
    raw: &mut BitReader<'_>,
    padded: &[u32],
    mapped: &mut [u32],
    bits: u32,
) -> bool {
    let mut bad = false;
    let mut u: u64 = padded[..2 * REACH].iter().map(|&v| u64::from(v)).sum();
    for (m, (&old, &new)) in mapped
        .iter_mut()
        .zip(padded.iter().zip(&padded[2 * REACH..]))
    {
        let k = parameter(u);
        u = u.wrapping_add(u64::from(new)).wrapping_sub(u64::from(old));
        let (value, valid) = read_code(unary, raw, k, bits);
        *m = value;
        bad |= !valid;
    }
    !bad
}

/// Reads one Rice code with parameter `k` (< `bits`): the mapped residual, and whether the
/// code is valid.
#[inline(always)]
fn read_code(unary: &mut BitReader<'_>, raw: &mut BitReader<'_>, k: u32, bits: u32) -> (u32, bool) {
    unary.refill();
    raw.refill();
    let zeros = unary.buffer.trailing_zeros();
    let quotient = zeros.min(ESCAPE);
    unary.consume(quotient.wrapping_add(1));
    if quotient < ESCAPE {
        let value = (u64::from(quotient) << k) | (raw.buffer & ((1u64 << k) - 1));
        raw.consume(k);
        // A quotient can say more than `bits` bits.
        (value as u32, value >> bits == 0)
    } else {
        let value = raw.buffer & (u64::MAX >> (64 - bits));
        raw.consume(bits);
        // An escape holds only what the plain code cannot; more than ESCAPE zeros is no code.
        (
            value as u32,
            zeros == ESCAPE && value >> k >= u64::from(ESCAPE),
        )
    }
}

fn decode<S: Sample>(data: &[u8], out: &mut [u8], width: usize) -> Result<()> {
    let bits = 8 * S::BYTES as u32;
    let mask = u32::MAX >> (32 - bits);
    let row_bytes = width * S::BYTES;
    let Some((length, rest)) = data.split_first_chunk::<HEADER>() else {
        return Err(codec_error(format!(
            "rice stream of {} bytes: shorter than its {HEADER}-byte header",
            data.len()
        )));
    };
    let unary_length = u64::from_le_bytes(*length);
    let Some(unary_length) = usize::try_from(unary_length)
        .ok()
        .filter(|&n| n <= rest.len())
    else {
        return Err(codec_error(format!(
            "rice stream: the unary part of {unary_length} bytes is longer than the {} bytes \
             that follow the header",
            rest.len()
        )));
    };
    let (unary_bytes, raw_bytes) = rest.split_at(unary_length);
    let mut unary = BitReader::new(unary_bytes);
    let mut raw = BitReader::new(raw_bytes);
    let overrun = |unary: &BitReader<'_>, raw: &BitReader<'_>| {
        unary.consumed() > 8 * unary_bytes.len() as u64
            || raw.consumed() > 8 * raw_bytes.len() as u64
    };
    if row_bytes > 0 {
        let mut above = vec![0u32; width];
        let mut current = vec![0u32; width];
        let mut mapped = vec![0u32; width];
        let mut padded = Vec::with_capacity(width + 2 * REACH);
        for (y, row) in out.chunks_exact_mut(row_bytes).enumerate() {
            let valid = if y == 0 {
                let mut valid = true;
                let mut left = 0;
                let mut previous = 0;
                for (m, s) in mapped.iter_mut().zip(current.iter_mut()) {
                    let (value, ok) = read_code(
                        &mut unary,
                        &mut raw,
                        parameter(8 * u64::from(previous)),
                        bits,
                    );
                    valid &= ok;
                    *m = value;
                    previous = value;
                    left = unmap(value, left, mask);
                    *s = left;
                }
                valid
            } else {
                pad(&mapped, &mut padded);
                let valid = decode_row(&mut unary, &mut raw, &padded, &mut mapped, bits);
                rebuild(&above, &mapped, &mut current, mask);
                valid
            };
            if !valid || overrun(&unary, &raw) {
                return Err(codec_error(format!(
                    "rice stream: no valid code for a sample of row {y}, or the stream ends \
                     before it"
                )));
            }
            for (bytes, &value) in row.chunks_exact_mut(S::BYTES).zip(&current) {
                S::store(value, bytes);
            }
            std::mem::swap(&mut above, &mut current);
        }
    }
    if !unary.finished() {
        return Err(codec_error(
            "rice stream: bytes or set bits follow the last code of the unary part".into(),
        ));
    }
    if !raw.finished() {
        return Err(codec_error(
            "rice stream: bytes or set bits follow the last field of the raw part".into(),
        ));
    }
    Ok(())
}

/// The samples of a row below the first from the row `above` and the row's mapped
/// residuals.
#[inline(always)]
fn rebuild(above: &[u32], mapped: &[u32], current: &mut [u32], mask: u32) {
    let (Some((first, rest)), Some(&m0), Some(&b0)) =
        (current.split_first_mut(), mapped.first(), above.first())
    else {
        return;
    };
    let mut left = unmap(m0, b0, mask);
    *first = left;
    for ((s, &m), ab) in rest.iter_mut().zip(&mapped[1..]).zip(above.windows(2)) {
        left = unmap(m, med(left, ab[1], ab[0]), mask);
        *s = left;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(data: &[u8], bps: usize, width: usize) -> Vec<u8> {
        let encoded = compress(data, bps, width);
        let mut out = vec![0u8; data.len()];
        decompress_into(&encoded, &mut out, bps, width).expect("decode");
        assert_eq!(out, data, "bps {bps} width {width}");
        encoded
    }

    /// The example of the specification, section 5.6.1.
    #[test]
    fn specification_example() {
        let samples: Vec<u8> = [1000u16, 1010, 1005, 1015]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let encoded = round_trip(&samples, 2, 2);
        let expected = [
            4, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x0f, 0xd0, 0x07, 0x14, 0x28, 0xa0, 0x00,
        ];
        assert_eq!(encoded, expected);
    }

    #[test]
    fn small_rasters_round_trip() {
        for bps in [1usize, 2, 4] {
            for (w, h) in [(1, 1), (1, 7), (7, 1), (2, 2), (9, 5), (33, 17)] {
                let n = w * h * bps;
                let patterns: Vec<Vec<u8>> = vec![
                    vec![0; n],
                    vec![0xff; n],
                    (0..n).map(|i| (i * 37 % 251) as u8).collect(),
                    (0..n)
                        .map(|i| (i as u32).wrapping_mul(2654435761) as u8)
                        .collect(),
                ];
                for p in patterns {
                    round_trip(&p, bps, w);
                }
            }
        }
    }

    #[test]
    fn cuts_and_trailing_bytes_are_refused() {
        let data: Vec<u8> = (0..2 * 20 * 9).map(|i| (i * 7 % 13) as u8).collect();
        let encoded = round_trip(&data, 2, 20);
        let mut out = vec![0u8; data.len()];
        for cut in 0..encoded.len() {
            assert!(
                decompress_into(&encoded[..cut], &mut out, 2, 20).is_err(),
                "cut {cut}"
            );
        }
        let mut longer = encoded.clone();
        longer.push(0);
        assert!(decompress_into(&longer, &mut out, 2, 20).is_err());
    }
}
