//! A candidate codec, `rice`: MED prediction and Golomb-Rice codes of a tile raster.
//!
//! Not part of the format: measured here against the default encoding and JPEG-LS. Each sample is predicted from its left, upper
//! and upper-left neighbours by the median edge detector of LOCO-I; the residual is folded
//! to an unsigned value `m` and written as a Rice code `m >> k` in unary and `k` raw low
//! bits. `k` comes from the mean of the eight nearest values of the row above, so the
//! parameters of a whole row are known before it is decoded: the unary parts and the raw
//! bits go to two separate bit streams, and the decoder's only serial work per sample is a
//! bit scan and an add. A noisy plane puts its incompressible low bits in the raw stream;
//! a smooth one spends one or two bits a sample.

use scanx::error::{Error, ErrorKind, Result};

/// Quotients of this value or more are escaped: `ESCAPE` zero bits in the unary stream,
/// then a one, and the mapped residual in `B` raw bits.
const ESCAPE: u32 = 24;

/// The bytes of the length of the unary stream, at the start of the data.
const HEADER: usize = 4;

/// Samples of one width, read from and written to little-endian bytes.
trait Sample: Copy {
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
                // The value has `BYTES` bytes: it is a sample or a wrapped sum of them.
                bytes.copy_from_slice(&(value as $t).to_le_bytes());
            }
        }
    };
}

impl_sample!(u8, 1);
impl_sample!(u16, 2);
impl_sample!(u32, 4);

/// The MED (LOCO-I) prediction from the left, upper and upper-left neighbours.
#[inline(always)]
fn med(a: u32, b: u32, c: u32) -> u32 {
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    if c >= high {
        low
    } else if c <= low {
        high
    } else {
        // low < c < high, so the result lies in (low, high), though `a + b` may wrap.
        a.wrapping_add(b).wrapping_sub(c)
    }
}

/// The residual `s - p` modulo 2^`bits`, read as a signed number and folded to unsigned:
/// 0, -1, 1, -2, 2, ... become 0, 1, 2, 3, 4, ...
#[inline(always)]
fn map(sample: u32, prediction: u32, bits: u32) -> u32 {
    let shift = 32 - bits;
    // The difference in the top `bits` bits of an i32, so that its sign is the residual's.
    let e = (sample.wrapping_sub(prediction) << shift) as i32;
    (((e << 1) ^ (e >> 31)) as u32) >> shift
}

/// The inverse of [`map`]: the sample whose residual from `prediction` maps to `mapped`.
#[inline(always)]
fn unmap(mapped: u32, prediction: u32, bits: u32) -> u32 {
    let e = (mapped >> 1) ^ (mapped & 1).wrapping_neg();
    let mask = u32::MAX >> (32 - bits);
    prediction.wrapping_add(e) & mask
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

/// The Rice parameter from `u`, eight times the mean of the values it is estimated from.
#[inline(always)]
fn parameter(u: u64) -> u32 {
    64 - (u >> 4).leading_zeros()
}

/// The parameter of every sample of a row from the mapped residuals of the row above:
/// `u(x)` is the sum of `above[clamp(x + i)]` for `i` in -4..=3.
fn row_parameters(above: &[u32], k: &mut [u32]) {
    let last = above.len() - 1;
    let at = |i: isize| u64::from(above[i.clamp(0, last as isize) as usize]);
    let mut u: u64 = (-4..4).map(at).sum();
    for (x, k) in k.iter_mut().enumerate() {
        *k = parameter(u);
        let x = x as isize;
        u = u + at(x + 4) - at(x - 4);
    }
}

/// The MED prediction of every sample of row `current` (y > 0) is made while decoding;
/// this gives it for one sample.
#[inline(always)]
fn predict(current: &[u32], above: &[u32], x: usize) -> u32 {
    if x == 0 {
        above[0]
    } else {
        med(current[x - 1], above[x], above[x - 1])
    }
}

/// Appends bits least significant first.
struct BitWriter {
    bytes: Vec<u8>,
    buffer: u128,
    filled: u32,
}

impl BitWriter {
    fn new(capacity: usize) -> Self {
        BitWriter {
            bytes: Vec::with_capacity(capacity),
            buffer: 0,
            filled: 0,
        }
    }

    /// Writes the low `count` bits of `value` (`count` <= 64, higher bits of `value` zero).
    #[inline(always)]
    fn put(&mut self, value: u64, count: u32) {
        self.buffer |= u128::from(value) << self.filled;
        self.filled += count;
        if self.filled >= 64 {
            self.bytes
                .extend_from_slice(&(self.buffer as u64).to_le_bytes());
            self.buffer >>= 64;
            self.filled -= 64;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        while self.filled > 0 {
            self.bytes.push(self.buffer as u8);
            self.buffer >>= 8;
            self.filled = self.filled.saturating_sub(8);
        }
        self.bytes
    }
}

struct Writers {
    unary: BitWriter,
    raw: BitWriter,
}

impl Writers {
    /// Writes the Rice code of `mapped` with parameter `k` (`k` < `bits` <= 32).
    #[inline(always)]
    fn code(&mut self, mapped: u32, k: u32, bits: u32) {
        let quotient = mapped >> k;
        if quotient < ESCAPE {
            self.unary.put(1 << quotient, quotient + 1);
            self.raw.put(u64::from(mapped) & ((1u64 << k) - 1), k);
        } else {
            self.unary.put(1 << ESCAPE, ESCAPE + 1);
            self.raw.put(u64::from(mapped), bits);
        }
    }
}

fn encode<S: Sample>(data: &[u8], width: usize) -> Vec<u8> {
    let bits = 8 * S::BYTES as u32;
    let row_bytes = width * S::BYTES;
    let mut w = Writers {
        unary: BitWriter::new(data.len() / 8 + 16),
        raw: BitWriter::new(data.len() / 2 + 16),
    };
    if row_bytes > 0 {
        let mut above = vec![0u32; width];
        let mut current = vec![0u32; width];
        let mut above_mapped = vec![0u32; width];
        let mut mapped = vec![0u32; width];
        let mut k = vec![0u32; width];
        for (y, row) in data.chunks_exact(row_bytes).enumerate() {
            for (value, bytes) in current.iter_mut().zip(row.chunks_exact(S::BYTES)) {
                *value = S::load(bytes);
            }
            if y == 0 {
                let mut left = 0;
                for x in 0..width {
                    let m = map(current[x], left, bits);
                    let k = if x == 0 {
                        0
                    } else {
                        parameter(8 * u64::from(mapped[x - 1]))
                    };
                    w.code(m, k, bits);
                    mapped[x] = m;
                    left = current[x];
                }
            } else {
                row_parameters(&above_mapped, &mut k);
                for x in 0..width {
                    let m = map(current[x], predict(&current, &above, x), bits);
                    w.code(m, k[x], bits);
                    mapped[x] = m;
                }
            }
            std::mem::swap(&mut above, &mut current);
            std::mem::swap(&mut above_mapped, &mut mapped);
        }
    }
    let unary = w.unary.finish();
    let raw = w.raw.finish();
    let mut out = Vec::with_capacity(HEADER + unary.len() + raw.len());
    // The unary stream of a tile is at most (ESCAPE + 1) / 8 bytes a sample, and a tile
    // held in memory has fewer than 2^32 / 4 samples on the platforms that can encode one
    // of 2^32 bytes; larger tiles are refused before they reach the codec.
    out.extend_from_slice(&(unary.len() as u32).to_le_bytes());
    out.extend_from_slice(&unary);
    out.extend_from_slice(&raw);
    out
}

fn codec_error(message: String) -> Error {
    Error::new(ErrorKind::CodecError, message)
}

/// The 8 bytes at `byte` of `data` as a little-endian word, zeros past the end.
#[inline(always)]
fn word_at(data: &[u8], byte: usize) -> u64 {
    let mut raw = [0u8; 8];
    match data.get(byte..byte + 8) {
        Some(bytes) => raw.copy_from_slice(bytes),
        None => {
            let rest = data.get(byte..).unwrap_or_default();
            raw[..rest.len()].copy_from_slice(rest);
        }
    }
    u64::from_le_bytes(raw)
}

/// Reads unary codes: the set bits of one 64-bit word at a time.
struct UnaryReader<'a> {
    data: &'a [u8],
    /// The byte after the current word.
    next: usize,
    /// The bits of the current word not yet read.
    word: u64,
    /// Where in the current word the code being read starts.
    start: u32,
    /// Zeros of the code being read that were in earlier words.
    carried: u32,
}

impl UnaryReader<'_> {
    /// The next quotient, at most `ESCAPE`; `None` for a longer run of zeros (also what
    /// the end of the stream reads as).
    #[inline(always)]
    fn read(&mut self) -> Option<u32> {
        while self.word == 0 {
            self.carried += 64 - self.start;
            self.start = 0;
            if self.carried > ESCAPE || self.next >= self.data.len() {
                return None;
            }
            self.word = word_at(self.data, self.next);
            self.next += 8;
        }
        let end = self.word.trailing_zeros();
        self.word &= self.word - 1;
        let quotient = self.carried + end - self.start;
        self.start = end + 1;
        self.carried = 0;
        (quotient <= ESCAPE).then_some(quotient)
    }

    /// Whether the stream ended right after the last code, with zero padding.
    fn finished(&self) -> bool {
        let used = (self.next as u64 * 8 + u64::from(self.start)).saturating_sub(64);
        self.word == 0 && used.div_ceil(8) == self.data.len() as u64
    }
}

/// Reads fixed-width fields.
struct RawReader<'a> {
    data: &'a [u8],
    position: usize,
}

impl RawReader<'_> {
    /// The next `count` bits (`count` <= 32); past the end they read as zeros, which
    /// [`RawReader::finished`] then refuses.
    #[inline(always)]
    fn read(&mut self, count: u32) -> u32 {
        let word = word_at(self.data, self.position >> 3) >> (self.position & 7);
        self.position += count as usize;
        (word & ((1u64 << count) - 1)) as u32
    }

    fn finished(&self) -> bool {
        let length = self.position.div_ceil(8);
        length == self.data.len()
            && (self.position.is_multiple_of(8)
                || self.data[length - 1] >> (self.position % 8) == 0)
    }
}

struct Readers<'a> {
    unary: UnaryReader<'a>,
    raw: RawReader<'a>,
}

impl Readers<'_> {
    /// One Rice code with parameter `k` (< `bits`); `None` if the stream cannot be one.
    #[inline(always)]
    fn code(&mut self, k: u32, bits: u32) -> Option<u32> {
        let quotient = self.unary.read()?;
        if quotient < ESCAPE {
            let mapped = (u64::from(quotient) << k) | u64::from(self.raw.read(k));
            // A quotient can say more than `bits` bits.
            (mapped >> bits == 0).then_some(mapped as u32)
        } else {
            let mapped = self.raw.read(bits);
            // An escape holds only what the plain code cannot.
            (mapped >> k >= ESCAPE).then_some(mapped)
        }
    }
}

fn decode<S: Sample>(data: &[u8], out: &mut [u8], width: usize) -> Result<()> {
    let bits = 8 * S::BYTES as u32;
    let row_bytes = width * S::BYTES;
    let Some((length, rest)) = data.split_first_chunk::<HEADER>() else {
        return Err(codec_error(format!(
            "rice stream of {} bytes: shorter than its header",
            data.len()
        )));
    };
    let unary_length = u32::from_le_bytes(*length) as usize;
    if unary_length > rest.len() {
        return Err(codec_error(format!(
            "rice stream: the unary part of {unary_length} bytes is longer than the {} bytes \
             that follow the header",
            rest.len()
        )));
    }
    let (unary, raw) = rest.split_at(unary_length);
    let mut r = Readers {
        unary: UnaryReader {
            data: unary,
            next: 0,
            word: 0,
            start: 64,
            carried: 0,
        },
        raw: RawReader {
            data: raw,
            position: 0,
        },
    };
    let invalid = |x: usize, y: usize| {
        codec_error(format!("rice stream: no valid code for sample ({x}, {y})"))
    };
    if row_bytes > 0 {
        let mut above = vec![0u32; width];
        let mut current = vec![0u32; width];
        let mut above_mapped = vec![0u32; width];
        let mut mapped = vec![0u32; width];
        let mut k = vec![0u32; width];
        for (y, row) in out.chunks_exact_mut(row_bytes).enumerate() {
            if y == 0 {
                let mut left = 0;
                for x in 0..width {
                    let k = if x == 0 {
                        0
                    } else {
                        parameter(8 * u64::from(mapped[x - 1]))
                    };
                    let m = r.code(k, bits).ok_or_else(|| invalid(x, y))?;
                    mapped[x] = m;
                    left = unmap(m, left, bits);
                    current[x] = left;
                }
            } else {
                row_parameters(&above_mapped, &mut k);
                for (x, (m, &k)) in mapped.iter_mut().zip(&k).enumerate() {
                    *m = r.code(k, bits).ok_or_else(|| invalid(x, y))?;
                }
                for x in 0..width {
                    current[x] = unmap(mapped[x], predict(&current, &above, x), bits);
                }
            }
            for (value, bytes) in current.iter().zip(row.chunks_exact_mut(S::BYTES)) {
                S::store(*value, bytes);
            }
            std::mem::swap(&mut above, &mut current);
            std::mem::swap(&mut above_mapped, &mut mapped);
            if r.raw.position > 8 * raw.len() {
                break;
            }
        }
    }
    if r.raw.position > 8 * raw.len() {
        return Err(codec_error(format!(
            "rice stream: the raw part of {} bytes ends before the tile's last sample",
            raw.len()
        )));
    }
    if !r.unary.finished() {
        return Err(codec_error(
            "rice stream: bytes or set bits follow the last code of the unary part".into(),
        ));
    }
    if !r.raw.finished() {
        return Err(codec_error(
            "rice stream: bytes or set bits follow the last field of the raw part".into(),
        ));
    }
    Ok(())
}
