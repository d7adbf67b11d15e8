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

use std::ops::Range;

use wide::i32x4;

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
    /// Stores `values` in `row`, as many as both have.
    fn store_row(values: &[u32], row: &mut [u8]);
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
            fn store_row(values: &[u32], row: &mut [u8]) {
                // Whole arrays rather than `chunks_exact_mut`, which the compiler turns into
                // vector stores.
                let (samples, _) = row.as_chunks_mut::<$n>();
                for (bytes, &value) in samples.iter_mut().zip(values) {
                    // The value has `BYTES` bytes: it is a sample rebuilt modulo 2^B.
                    *bytes = (value as $t).to_le_bytes();
                }
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
    // `ilog2` of a number that is not zero is one instruction; `u | 15` has the same top
    // bit as `u` from 16 on, and gives 0 below.
    (u | 15).ilog2().wrapping_sub(3)
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

/// The rows rebuilt together: row `y + 1` of a group lags row `y` by one sample, so the
/// prediction chains of the rows run side by side.
const GROUP: usize = 4;

/// The 8 bytes of `data` at byte `at` as a little-endian word, zeros past the end.
#[inline(always)]
fn load_word(data: &[u8], at: usize) -> u64 {
    match data.get(at..at.wrapping_add(8)) {
        Some(bytes) => {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(bytes);
            u64::from_le_bytes(raw)
        }
        None => tail_word(data, at),
    }
}

#[cold]
fn tail_word(data: &[u8], at: usize) -> u64 {
    let mut raw = [0u8; 8];
    let rest = data.get(at..).unwrap_or_default();
    let n = rest.len().min(8);
    raw[..n].copy_from_slice(&rest[..n]);
    u64::from_le_bytes(raw)
}

/// Whether a stream of which `used` bits were read ends right after them: in its last
/// byte, with zero padding bits.
fn ends_at(data: &[u8], used: usize) -> bool {
    if used.div_ceil(8) != data.len() {
        return false;
    }
    let spare = used % 8;
    match data.last() {
        Some(&last) if spare > 0 => last >> spare == 0,
        _ => true,
    }
}

/// `MASKS[n]` has the low `n` bits set: a table, as a shift by a variable amount costs
/// several instructions on x86-64 without BMI2.
const MASKS: [u64; 64] = {
    let mut masks = [0u64; 64];
    let mut n = 1;
    while n < 64 {
        masks[n] = (1 << n) - 1;
        n += 1;
    }
    masks
};

/// The unary stream, read by its one bits: the set bits of a 64-bit word are taken one
/// after another, so a run of short codes costs one load. A copy is cheap: a decoder
/// works on one in locals, where no field stays in memory around the call to
/// [`next_word`].
#[derive(Clone, Copy)]
struct Unary<'a> {
    data: &'a [u8],
    /// The bit index in the stream of `word`, a multiple of 64.
    base: usize,
    /// The 64 bits at `base` (zeros past the end), less the one bits already taken.
    word: u64,
    /// The bits read so far, less `base` (modulo 2^64: the code being read may have
    /// started in an earlier word). Relative, so that reading a code does not need `base`.
    start: usize,
}

impl<'a> Unary<'a> {
    fn new(data: &'a [u8]) -> Self {
        Unary {
            data,
            base: 0,
            word: load_word(data, 0),
            start: 0,
        }
    }

    /// The bits read so far: the last code read ends at the bit before.
    fn position(&self) -> usize {
        self.base.wrapping_add(self.start)
    }

    /// The number of the next codes, at most `left`, whose one bits are all in the current
    /// word, moving to the next word that has a one bit if this one has none left; `None`
    /// if the stream has no more one bit. [`Unary::take`] reads them without a test: with
    /// the ones of a word counted first, the loop over the codes of a row makes one test a
    /// code.
    #[inline(always)]
    fn run(&mut self, left: usize) -> Option<usize> {
        if self.word == 0 {
            let (base, word, position) = next_word(self.data, self.base, self.position())?;
            (self.base, self.word, self.start) = (base, word, position.wrapping_sub(base));
        }
        Some((self.word.count_ones() as usize).min(left))
    }

    /// The number of zeros of the next code, whose one bit is the lowest of `word` (which
    /// is not zero). At most 63 + ESCAPE + 1: the code starts in this word or ESCAPE + 1
    /// bits before it, and at or below its lowest one bit.
    #[inline(always)]
    fn take(&mut self) -> u64 {
        let one = self.word.trailing_zeros() as usize;
        let zeros = one.wrapping_sub(self.start) as u64;
        self.start = one.wrapping_add(1);
        self.word &= self.word.wrapping_sub(1);
        zeros
    }
}

/// The next word of the unary stream after the one at `base` that has a one bit: its
/// position, itself, and the position of the code that goes on in it, moved up to
/// `ESCAPE + 1` bits before the word if it was further (too many zeros either way).
/// `None` if there is no more one bit.
#[inline(never)]
fn next_word(data: &[u8], mut base: usize, position: usize) -> Option<(usize, u64, usize)> {
    let end = data.len().saturating_mul(8);
    loop {
        base = base.checked_add(64).filter(|&next| next < end)?;
        let word = load_word(data, base / 8);
        if word != 0 {
            return Some((base, word, position.max(base - (ESCAPE as usize + 1))));
        }
    }
}

/// The raw stream: each field is read at its own bit position with one 8-byte load, so
/// the reads of a row do not wait on one another.
#[derive(Clone, Copy)]
struct Raw<'a> {
    data: &'a [u8],
    /// The bits read so far.
    position: usize,
}

/// The bytes that the fields of a run are read from, at bit offsets from its start.
trait Fields {
    /// The stream from bit `at` on: 57 bits or more of the stream, zeros past its end.
    fn word(&self, at: usize) -> u64;
}

/// A whole stream: each load checks where the stream ends.
struct Stream<'a>(&'a [u8]);

impl Fields for Stream<'_> {
    #[inline(always)]
    fn word(&self, at: usize) -> u64 {
        load_word(self.0, at / 8) >> (at % 8)
    }
}

/// The bytes of a stream from the first byte of a run on, when the stream has that many.
/// A run of codes (at most 64, from one word of the unary stream) takes at most 257 raw
/// bytes (64 fields of at most 32 bits, after up to 7 bits of the first byte): the offset
/// of a load, masked to 512, is the same, and within the block without a test.
struct Block<'a>(&'a [u8; BLOCK + 8]);

/// The bytes of a [`Block`], less the 8 of its last load: a power of two.
const BLOCK: usize = 512;

impl Fields for Block<'_> {
    #[inline(always)]
    fn word(&self, at: usize) -> u64 {
        let byte = (at / 8) % BLOCK;
        match self.0.get(byte..byte + 8) {
            Some(bytes) => {
                let mut raw = [0u8; 8];
                raw.copy_from_slice(bytes);
                u64::from_le_bytes(raw) >> (at % 8)
            }
            None => 0,
        }
    }
}

/// Reads the low bits, at bit `*at` of `fields`, of the code of a mapped residual with
/// `zeros` zeros (from [`Unary::take`]) and parameter `k` (< 32, being the bit length of
/// a sum of eight u32 over 16): the residual, valid only if it has at most `bits` bits
/// (the caller checks a row at once; bit 63 is set for an invalid escape).
#[inline(always)]
fn read_field(fields: &impl Fields, at: &mut usize, zeros: u64, k: u32, bits: u32) -> u64 {
    let word = fields.word(*at);
    let (value, length) = if zeros < u64::from(ESCAPE) {
        (zeros << (k & 63) | (word & MASKS[(k & 63) as usize]), k)
    } else {
        escape(word, zeros, k, bits)
    };
    *at = at.wrapping_add(length as usize);
    value
}

/// The mapped residual of an escape (the low `bits` bits of `word`) and its length in the
/// raw stream; bit 63 set if it is no valid code.
#[inline(always)]
fn escape(word: u64, zeros: u64, k: u32, bits: u32) -> (u64, u32) {
    let value = word & MASKS[(bits & 63) as usize];
    // An escape holds only what the plain code cannot; more than ESCAPE zeros is no code.
    let valid = zeros == u64::from(ESCAPE) && value >> (k & 31) >= u64::from(ESCAPE);
    (value | u64::from(!valid) << 63, bits)
}

/// Decodes the first row: its mapped residuals into `mapped` and its samples, each
/// predicted by its left neighbour, into `current`. Whether every code was valid.
fn decode_first_row(
    unary: &mut Unary<'_>,
    raw: &mut Raw<'_>,
    mapped: &mut [u32],
    current: &mut [u32],
    bits: u32,
    mask: u32,
) -> bool {
    let mut all = 0;
    let mut previous = 0;
    let mut done = 0;
    while let Some(n) = unary.run(mapped.len() - done) {
        for m in mapped.get_mut(done..done + n).unwrap_or_default() {
            let k = parameter(8 * u64::from(previous));
            let value = read_field(&Stream(raw.data), &mut raw.position, unary.take(), k, bits);
            all |= value;
            *m = value as u32;
            previous = *m;
        }
        done += n;
        if done == mapped.len() {
            break;
        }
    }
    let mut left = 0;
    for (s, &m) in current.iter_mut().zip(mapped.iter()) {
        left = unmap(m, left, mask);
        *s = left;
    }
    done == mapped.len() && all >> bits == 0
}

/// The changes of the parameter window from one sample of a row to the next: from
/// `padded` (the mapped residuals of the row above, padded), into `deltas`, and the sum
/// of the window of the first sample. A loop of its own, which the compiler vectorizes,
/// and which leaves the loop of [`decode_row`] one array to read instead of two.
fn window_deltas(padded: &[u32], deltas: &mut [i64]) -> u64 {
    let entering = padded.get(2 * REACH..).unwrap_or_default();
    for (d, (&old, &new)) in deltas.iter_mut().zip(padded.iter().zip(entering)) {
        *d = i64::from(new) - i64::from(old);
    }
    padded.iter().take(2 * REACH).map(|&v| u64::from(v)).sum()
}

/// Decodes one row of mapped residuals into `mapped`, the parameter window starting at
/// `u` and changing by `deltas` (from [`window_deltas`]); returns whether every code was
/// valid. Not inlined, so that the loop of [`decode_run`] has the registers to itself.
#[inline(never)]
fn decode_row(
    unary: &mut Unary<'_>,
    raw: &mut Raw<'_>,
    u: u64,
    deltas: &[i64],
    mapped: &mut [u32],
    bits: u32,
) -> bool {
    // In locals: fields behind a reference would stay in memory around calls.
    let mut row = Row {
        codes: *unary,
        u,
        all: 0,
    };
    let mut position = raw.position;
    let mut done = 0;
    while let Some(n) = row.codes.run(mapped.len() - done) {
        let run = mapped.get_mut(done..done + n).unwrap_or_default();
        let steps = deltas.get(done..).unwrap_or_default();
        let first = position / 8;
        let block = raw.data.get(first..).and_then(|rest| rest.first_chunk());
        position = match block {
            Some(block) => {
                let mut at = position % 8;
                decode_run(&Block(block), &mut at, &mut row, run, steps, bits);
                (8 * first).wrapping_add(at)
            }
            None => {
                let mut at = position;
                decode_run(&Stream(raw.data), &mut at, &mut row, run, steps, bits);
                at
            }
        };
        done += n;
        if done == mapped.len() {
            break;
        }
    }
    (*unary, raw.position) = (row.codes, position);
    done == mapped.len() && row.all >> bits == 0
}

/// What goes on from a run of codes of a row to the next.
struct Row<'a> {
    codes: Unary<'a>,
    /// The sum of the parameter window of the next code.
    u: u64,
    /// The bits of every residual: one test of the row finds one with more than `bits`.
    all: u64,
}

/// Decodes the codes of a run (as many as `mapped` has, whose one bits are all in the word
/// of `row.codes`), their fields at bit `*at` of `fields`. The unary part, the parameter
/// and the low bits of a code are read in one loop, which keeps nothing between them in
/// memory. Not inlined, so that the loop has the registers to itself.
#[inline(never)]
fn decode_run(
    fields: &impl Fields,
    at: &mut usize,
    row: &mut Row<'_>,
    mapped: &mut [u32],
    deltas: &[i64],
    bits: u32,
) {
    for (m, &delta) in mapped.iter_mut().zip(deltas) {
        let k = parameter(row.u);
        row.u = row.u.wrapping_add_signed(delta);
        let value = read_field(fields, at, row.codes.take(), k, bits);
        row.all |= value;
        *m = value as u32;
    }
}

/// The unary and the raw part of a stream, after its header.
fn split_streams(data: &[u8]) -> Result<(&[u8], &[u8])> {
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
    Ok(rest.split_at(unary_length))
}

fn row_error(y: usize) -> Error {
    codec_error(format!(
        "rice stream: no valid code for a sample of row {y}, or the stream ends before it"
    ))
}

fn unary_tail_error() -> Error {
    codec_error("rice stream: bytes or set bits follow the last code of the unary part".into())
}

fn raw_tail_error() -> Error {
    codec_error("rice stream: bytes or set bits follow the last field of the raw part".into())
}

/// Decodes the first row alone, then the others by groups of [`GROUP`] rows: their
/// residuals one row after the other (the parameters of a row come from the row above),
/// each row checked before the next is read, then their samples together.
fn decode<S: Sample>(data: &[u8], out: &mut [u8], width: usize) -> Result<()> {
    let bits = 8 * S::BYTES as u32;
    let mask = u32::MAX >> (32 - bits);
    let row_bytes = width * S::BYTES;
    let (unary_bytes, raw_bytes) = split_streams(data)?;
    let mut unary = Unary::new(unary_bytes);
    let mut raw = Raw {
        data: raw_bytes,
        position: 0,
    };
    let overrun = |unary: &Unary<'_>, raw: &Raw<'_>| {
        unary.position() > 8 * unary_bytes.len() || raw.position > 8 * raw_bytes.len()
    };
    if let Some(height) = out.len().checked_div(row_bytes) {
        // Row 0 of these holds the last row decoded, rows 1 to GROUP those of a group.
        let mut samples = vec![0u32; (GROUP + 1) * width];
        let mut mapped = vec![0u32; (GROUP + 1) * width];
        let mut padded = Vec::with_capacity(width + 2 * REACH);
        let mut deltas = vec![0i64; width];
        let mut rows = out.chunks_exact_mut(row_bytes);
        if let Some(first) = rows.next() {
            let valid = decode_first_row(
                &mut unary,
                &mut raw,
                &mut mapped[..width],
                &mut samples[..width],
                bits,
                mask,
            );
            if !valid || overrun(&unary, &raw) {
                return Err(row_error(0));
            }
            S::store_row(&samples[..width], first);
        }
        let mut y = 1;
        while y < height {
            let n = GROUP.min(height - y);
            for i in 0..n {
                let (done, next) = mapped.split_at_mut((i + 1) * width);
                pad(&done[i * width..], &mut padded);
                let u = window_deltas(&padded, &mut deltas);
                let valid = decode_row(&mut unary, &mut raw, u, &deltas, &mut next[..width], bits);
                if !valid || overrun(&unary, &raw) {
                    return Err(row_error(y + i));
                }
            }
            let (above, group) = samples.split_at_mut(width);
            let group = &mut group[..n * width];
            rebuild_group(above, &mapped[width..(n + 1) * width], group, mask);
            for (row, values) in rows.by_ref().take(n).zip(group.chunks_exact(width)) {
                S::store_row(values, row);
            }
            samples.copy_within(n * width..(n + 1) * width, 0);
            mapped.copy_within(n * width..(n + 1) * width, 0);
            y += n;
        }
    }
    if !ends_at(unary_bytes, unary.position()) {
        return Err(unary_tail_error());
    }
    if !ends_at(raw_bytes, raw.position) {
        return Err(raw_tail_error());
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

/// The samples `span` of a row below the first, those before it being rebuilt already.
fn rebuild_span(above: &[u32], mapped: &[u32], current: &mut [u32], span: Range<usize>, mask: u32) {
    for x in span {
        let (Some(&m), Some(&b)) = (mapped.get(x), above.get(x)) else {
            return;
        };
        let prediction = match x.checked_sub(1) {
            None => b,
            Some(w) => match (current.get(w), above.get(w)) {
                (Some(&a), Some(&c)) => med(a, b, c),
                _ => return,
            },
        };
        if let Some(s) = current.get_mut(x) {
            *s = unmap(m, prediction, mask);
        }
    }
}

/// The samples of the rows of a group (as many as `mapped` has, of the width of `above`)
/// from the row above the group and their mapped residuals. A full group of rows of
/// [`GROUP`] samples or more is rebuilt as a wavefront, the others row by row.
fn rebuild_group(above: &[u32], mapped: &[u32], rows: &mut [u32], mask: u32) {
    let width = above.len();
    if width < GROUP || rows.len() != GROUP * width || mapped.len() != rows.len() {
        let mut up = above;
        for (current, m) in rows
            .chunks_exact_mut(width.max(1))
            .zip(mapped.chunks_exact(width.max(1)))
        {
            rebuild(up, m, current, mask);
            up = current;
        }
        return;
    }
    let mut m = mapped.chunks_exact(width);
    let mut r = rows.chunks_exact_mut(width);
    let (Some(m0), Some(m1), Some(m2), Some(m3)) = (m.next(), m.next(), m.next(), m.next()) else {
        return;
    };
    let (Some(r0), Some(r1), Some(r2), Some(r3)) = (r.next(), r.next(), r.next(), r.next()) else {
        return;
    };
    // The first samples of the rows, so that each row can lag the one above by one sample.
    rebuild_span(above, m0, r0, 0..4, mask);
    rebuild_span(r0, m1, r1, 0..3, mask);
    rebuild_span(r1, m2, r2, 0..2, mask);
    rebuild_span(r2, m3, r3, 0..1, mask);
    let w = width;
    // Sample x of row 0 with x - 1 of row 1, x - 2 of row 2 and x - 3 of row 3: four
    // chains of predictions that do not wait on one another. The upper and upper-left
    // neighbours of a row are the last two samples of the row above.
    let last = [r0[3], r1[2], r2[1], r3[0]];
    let before = [r0[2], r1[1], r2[0], 0];
    let n = w - 4;
    let above = [&above[4..4 + n], &above[3..3 + n]];
    let m = [&m0[4..4 + n], &m1[3..3 + n], &m2[2..2 + n], &m3[1..1 + n]];
    let (o0, o1) = (&mut r0[4..4 + n], &mut r1[3..3 + n]);
    let (o2, o3) = (&mut r2[2..2 + n], &mut r3[1..1 + n]);
    let o = [o0, o1, o2, o3];
    let state = [last, before];
    if mask <= u32::from(u16::MAX) {
        wavefront::<i32x4>(above, m, o, state, mask);
    } else {
        wavefront::<[u32; 4]>(above, m, o, state, mask);
    }
    rebuild_span(r0, m1, r1, w - 1..w, mask);
    rebuild_span(r1, m2, r2, w - 2..w, mask);
    rebuild_span(r2, m3, r3, w - 3..w, mask);
}

/// The samples of the four rows of a wavefront at one step, one a lane.
trait Lanes: Copy {
    fn new(samples: [u32; 4]) -> Self;
    fn samples(self) -> [u32; 4];
    /// `first` and the first three lanes of `self`: the upper neighbours of the samples
    /// of a step are the samples of the step before moved down a lane.
    fn below(self, first: u32) -> Self;
    /// The samples whose mapped residuals are `m`, from their left, upper and upper-left
    /// neighbours.
    fn step(m: [u32; 4], a: Self, b: Self, c: Self, mask: u32) -> Self;
}

/// Samples of any width, one lane after the other.
impl Lanes for [u32; 4] {
    #[inline(always)]
    fn new(samples: [u32; 4]) -> Self {
        samples
    }
    #[inline(always)]
    fn samples(self) -> [u32; 4] {
        self
    }
    #[inline(always)]
    fn below(self, first: u32) -> Self {
        [first, self[0], self[1], self[2]]
    }
    #[inline(always)]
    fn step(m: [u32; 4], a: Self, b: Self, c: Self, mask: u32) -> Self {
        std::array::from_fn(|j| unmap(m[j], med(a[j], b[j], c[j]), mask))
    }
}

/// Samples of at most 16 bits, in the lanes of a vector: `a + b - c` fits in an `i32`.
impl Lanes for i32x4 {
    #[inline(always)]
    fn new(samples: [u32; 4]) -> Self {
        i32x4::new(samples.map(|s| s as i32))
    }
    #[inline(always)]
    fn samples(self) -> [u32; 4] {
        self.to_array().map(|s| s as u32)
    }
    #[inline(always)]
    fn below(self, first: u32) -> Self {
        let [l0, l1, l2, _] = self.to_array();
        i32x4::new([first as i32, l0, l1, l2])
    }
    #[inline(always)]
    fn step(m: [u32; 4], a: Self, b: Self, c: Self, mask: u32) -> Self {
        let prediction = (a + b - c).max(a.min(b)).min(a.max(b));
        let m = <i32x4 as Lanes>::new(m);
        let e = (m >> 1) ^ (i32x4::ZERO - (m & i32x4::ONE));
        (prediction + e) & i32x4::splat(mask as i32)
    }
}

/// The wavefront of [`rebuild_group`] past its first samples: `above` has the upper and
/// the upper-left neighbours of the samples of the first row, `m` the mapped residuals
/// of the four rows, `out` their samples, each row one sample behind the row above;
/// `state` has the last two samples of each row before them.
fn wavefront<L: Lanes>(
    above: [&[u32]; 2],
    m: [&[u32]; 4],
    out: [&mut [u32]; 4],
    state: [[u32; 4]; 2],
    mask: u32,
) {
    let ([up, up_left], [m0, m1, m2, m3], [o0, o1, o2, o3]) = (above, m, out);
    let (mut left, mut last) = (L::new(state[0]), L::new(state[1]));
    let n = up.len();
    let (up_left, m0, m1, m2, m3) = (&up_left[..n], &m0[..n], &m1[..n], &m2[..n], &m3[..n]);
    let (o0, o1, o2, o3) = (&mut o0[..n], &mut o1[..n], &mut o2[..n], &mut o3[..n]);
    for i in 0..n {
        let (b, c) = (left.below(up[i]), last.below(up_left[i]));
        let v = L::step([m0[i], m1[i], m2[i], m3[i]], left, b, c, mask);
        let [v0, v1, v2, v3] = v.samples();
        o0[i] = v0;
        o1[i] = v1;
        o2[i] = v2;
        o3[i] = v3;
        (last, left) = (left, v);
    }
}

/// The decoder as it was before the codes were read a word at a time and the rows rebuilt
/// in groups: the tests compare the two on valid and damaged streams.
#[cfg(test)]
mod reference {
    use super::*;

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

        /// Makes at least 56 bits valid. The bits loaded above `count` are those of the
        /// stream, so loading them again later is harmless.
        #[inline(always)]
        fn refill(&mut self) {
            self.buffer |= load_word(self.data, self.next) << self.count;
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
            usize::try_from(self.consumed()).is_ok_and(|used| ends_at(self.data, used))
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
    fn read_code(
        unary: &mut BitReader<'_>,
        raw: &mut BitReader<'_>,
        k: u32,
        bits: u32,
    ) -> (u32, bool) {
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

    pub(super) fn decode_reference<S: Sample>(
        data: &[u8],
        out: &mut [u8],
        width: usize,
    ) -> Result<()> {
        let bits = 8 * S::BYTES as u32;
        let mask = u32::MAX >> (32 - bits);
        let row_bytes = width * S::BYTES;
        let (unary_bytes, raw_bytes) = split_streams(data)?;
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
                    return Err(row_error(y));
                }
                S::store_row(&current, row);
                std::mem::swap(&mut above, &mut current);
            }
        }
        if !unary.finished() {
            return Err(unary_tail_error());
        }
        if !raw.finished() {
            return Err(raw_tail_error());
        }
        Ok(())
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

    /// A linear congruential generator (Knuth's MMIX constants), its high 40 bits.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 24
        }
    }

    /// `n` samples of `bps` bytes of one kind of content: noise, a random walk, extremes, a
    /// gradient with noise, f32 bit patterns, spikes on a flat plane (which escape), a
    /// constant.
    fn content(kind: usize, n: usize, bps: usize, rng: &mut Lcg) -> Vec<u8> {
        let max = u32::MAX >> (32 - 8 * bps as u32);
        let mut walk = (rng.next() as u32) & max;
        let specials = [
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -0.0,
            f32::MIN_POSITIVE,
            f32::MAX,
        ];
        let values: Vec<u32> = (0..n)
            .map(|i| match kind {
                0 => rng.next() as u32 & max,
                1 => {
                    walk = walk.wrapping_add((rng.next() % 5) as u32).wrapping_sub(2) & max;
                    walk
                }
                2 => [0, max, max / 2, 1][(rng.next() % 4) as usize],
                3 => {
                    (i as u32)
                        .wrapping_mul(97)
                        .wrapping_add((rng.next() % 64) as u32)
                        & max
                }
                4 => {
                    let x = if rng.next().is_multiple_of(16) {
                        specials[(rng.next() % 6) as usize]
                    } else {
                        (i as f32) * 0.37 + (rng.next() % 1000) as f32 * 1e-3
                    };
                    x.to_bits() & max
                }
                5 => {
                    if rng.next().is_multiple_of(16) {
                        max / 2
                    } else {
                        0
                    }
                }
                _ => walk,
            })
            .collect();
        values
            .iter()
            .flat_map(|v| v.to_le_bytes()[..bps].to_vec())
            .collect()
    }

    /// Decodes `data` with the decoder and the reference: the same samples, or both refuse
    /// the stream with `CODEC_ERROR`. Whether it was decoded.
    fn same_as_reference(data: &[u8], bps: usize, width: usize, height: usize) -> bool {
        let mut new = vec![0u8; width * height * bps];
        let mut old = new.clone();
        let result = decompress_into(data, &mut new, bps, width);
        let expected = match bps {
            1 => reference::decode_reference::<u8>(data, &mut old, width),
            2 => reference::decode_reference::<u16>(data, &mut old, width),
            _ => reference::decode_reference::<u32>(data, &mut old, width),
        };
        match (result, expected) {
            (Ok(()), Ok(())) => {
                assert_eq!(new, old, "bps {bps} {width} x {height}");
                true
            }
            (Err(a), Err(b)) => {
                assert_eq!(a.kind(), ErrorKind::CodecError);
                assert_eq!(b.kind(), ErrorKind::CodecError);
                false
            }
            (a, b) => panic!("bps {bps} {width} x {height}: {a:?} but the reference {b:?}"),
        }
    }

    /// The number of escapes in a valid stream.
    fn escapes_in(encoded: &[u8], samples: usize) -> usize {
        let (unary_bytes, _) = split_streams(encoded).expect("stream");
        let mut unary = Unary::new(unary_bytes);
        let mut escapes = 0;
        let mut done = 0;
        while let Some(n) = unary.run(samples - done) {
            for _ in 0..n {
                escapes += usize::from(unary.take() == u64::from(ESCAPE));
            }
            done += n;
            if done == samples {
                break;
            }
        }
        escapes
    }

    #[test]
    fn decodes_as_the_reference_does() {
        let mut rng = Lcg(0x5eed);
        let mut sizes: Vec<(usize, usize)> = (1..=9)
            .flat_map(|w| (1..=11).map(move |h| (w, h)))
            .collect();
        sizes.extend([(16, 16), (17, 13), (64, 33), (100, 9), (255, 6), (513, 5)]);
        // Rows whose raw fields are read from a block of the stream and, near its end,
        // from the stream itself, and many groups of rows.
        sizes.extend([(300, 21), (1031, 6)]);
        let mut escapes = 0;
        for &(w, h) in &sizes {
            for bps in [1usize, 2, 4] {
                for kind in 0..7 {
                    let data = content(kind, w * h, bps, &mut rng);
                    let encoded = compress(&data, bps, w);
                    assert!(same_as_reference(&encoded, bps, w, h));
                    let mut out = vec![0u8; data.len()];
                    decompress_into(&encoded, &mut out, bps, w).expect("decode");
                    assert_eq!(out, data, "bps {bps} {w} x {h} kind {kind}");
                    escapes += escapes_in(&encoded, w * h);
                    let len = encoded.len();
                    for cut in [1, 2, 3, 7, 8, len / 2, len - HEADER] {
                        same_as_reference(&encoded[..len - cut.min(len)], bps, w, h);
                    }
                    for _ in 0..4 {
                        let cut = (rng.next() as usize) % len;
                        same_as_reference(&encoded[..cut], bps, w, h);
                    }
                    for extra in [&[0u8][..], &[1], &[0x80], &[0, 0, 0, 0, 0, 0, 0, 0, 0]] {
                        let mut longer = encoded.clone();
                        longer.extend_from_slice(extra);
                        same_as_reference(&longer, bps, w, h);
                    }
                    for _ in 0..12 {
                        let mut changed = encoded.clone();
                        let at = (rng.next() as usize) % len;
                        changed[at] ^= 1 << (rng.next() % 8);
                        if rng.next().is_multiple_of(2) {
                            let at = (rng.next() as usize) % len;
                            changed[at] ^= rng.next() as u8 | 1;
                        }
                        same_as_reference(&changed, bps, w, h);
                    }
                    for delta in [1u64, u64::MAX] {
                        let mut changed = encoded.clone();
                        let unary = u64::from_le_bytes(changed[..8].try_into().expect("8"));
                        changed[..8].copy_from_slice(&unary.wrapping_add(delta).to_le_bytes());
                        same_as_reference(&changed, bps, w, h);
                    }
                    let noise: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                    let mut garbage = encoded[..HEADER].to_vec();
                    garbage.extend_from_slice(&noise[HEADER..]);
                    same_as_reference(&garbage, bps, w, h);
                }
            }
        }
        assert!(escapes > 1000, "{escapes} escapes");
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
