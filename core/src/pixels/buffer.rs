//! Decoded pixels in memory.

use super::grid::Rect;
use super::sample::SampleType;
use crate::error::{Error, ErrorKind, Result};

/// Decoded pixels of a plane or region: little-endian samples, row-major, no padding.
///
/// The size always matches the data: `data.len() == width * height * bytes_per_sample`,
/// with `width` and `height` at least 1.
#[derive(Debug, Clone, PartialEq)]
pub struct PixelBuffer {
    sample_type: SampleType,
    width: u32,
    height: u32,
    data: Vec<u8>,
}

/// The byte size of a `width` x `height` image of `sample_type`.
///
/// `INVALID_ARGUMENT` if a side is 0; `LIMIT_EXCEEDED` if the size does not fit in memory
/// addresses (only possible with sizes from a hostile file on a 32-bit target, or absurd
/// ones on any target).
pub(crate) fn image_len(sample_type: SampleType, width: u32, height: u32) -> Result<usize> {
    if width == 0 || height == 0 {
        return Err(Error::invalid_argument(format!(
            "image of {width} x {height} pixels: both sides must be at least 1"
        )));
    }
    let bytes = u64::from(width)
        .checked_mul(u64::from(height))
        .and_then(|n| n.checked_mul(sample_type.bytes_per_sample() as u64));
    bytes
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| isize::try_from(n).is_ok())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::LimitExceeded,
                format!(
                    "{width} x {height} samples of {} do not fit in memory",
                    sample_type.name()
                ),
            )
        })
}

/// A zero-filled buffer of `len` bytes, or `LIMIT_EXCEEDED` if it cannot be allocated.
///
/// The memory comes from a zeroed allocation: for a plane, the allocator maps fresh pages
/// that the system supplies already zero on first write, so nothing writes zeros over
/// memory the decoder is about to fill, and the pages are faulted in by the tasks that
/// decode into them, in parallel. Asking for the same size first with a fallible
/// reservation turns a size the allocator refuses into an error instead of an abort.
pub(crate) fn zeroed_bytes(len: usize) -> Result<Vec<u8>> {
    Vec::<u8>::new().try_reserve_exact(len).map_err(|_| {
        Error::new(
            ErrorKind::LimitExceeded,
            format!("cannot allocate {len} bytes for pixels"),
        )
    })?;
    Ok(vec![0u8; len])
}

/// The first `len` bytes of a buffer reused from tile to tile, of unspecified content: it
/// only grows, so it is zero-filled only where it grows. `LIMIT_EXCEEDED` if the bytes
/// cannot be allocated.
pub(crate) fn grown(buffer: &mut Vec<u8>, len: usize) -> Result<&mut [u8]> {
    if buffer.len() < len {
        buffer.try_reserve_exact(len - buffer.len()).map_err(|_| {
            Error::new(
                ErrorKind::LimitExceeded,
                format!("cannot allocate {len} bytes for a tile"),
            )
        })?;
        buffer.resize(len, 0);
    }
    Ok(&mut buffer[..len])
}

/// The largest scratch buffer a thread keeps between tiles; a larger one is freed after use,
/// so one huge tile does not pin its size in every thread.
const SCRATCH_KEPT: usize = 16 << 20;

thread_local! {
    static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// A buffer of unspecified bytes reused by every tile a thread decodes: a tile decoded
/// through an intermediate buffer (an unshuffle after the codec, a tile narrower than its
/// plane) neither allocates nor zero-fills one per tile. Taken from the thread on creation
/// and given back on drop; a nested user gets a buffer of its own.
pub(crate) struct Scratch(Vec<u8>);

impl Scratch {
    pub(crate) fn take() -> Scratch {
        Scratch(SCRATCH.with(std::cell::Cell::take))
    }

    /// The first `len` bytes, as [`grown`] gives them.
    pub(crate) fn get(&mut self, len: usize) -> Result<&mut [u8]> {
        grown(&mut self.0, len)
    }

    /// The buffer itself, for filters that size it as they need.
    pub(crate) fn vec(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.0.capacity() <= SCRATCH_KEPT {
            let kept = std::mem::take(&mut self.0);
            // During thread exit the slot may be gone: the buffer is then simply freed.
            let _ = SCRATCH.try_with(|slot| slot.set(kept));
        }
    }
}

/// Where a block of rows sits in a row-major image: the image's row length in bytes, the
/// block's first row, and its first byte within each row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowWindow {
    pub(crate) stride: usize,
    pub(crate) first_row: usize,
    pub(crate) offset: usize,
}

/// Copies `rows` rows of `row_len` bytes from the block of `src` at `from` to the block of
/// `dst` at `to`. The caller has checked that both blocks lie inside their images.
pub(crate) fn copy_rows(
    src: &[u8],
    from: RowWindow,
    dst: &mut [u8],
    to: RowWindow,
    rows: usize,
    row_len: usize,
) {
    let src_rows = src
        .chunks_exact(from.stride)
        .skip(from.first_row)
        .take(rows);
    let dst_rows = dst.chunks_exact_mut(to.stride).skip(to.first_row);
    for (src_row, dst_row) in src_rows.zip(dst_rows) {
        dst_row[to.offset..to.offset + row_len]
            .copy_from_slice(&src_row[from.offset..from.offset + row_len]);
    }
}

/// A new buffer with `rows` rows of `row_len` bytes copied from the block of `src` at
/// `from`, which the caller has checked lies inside `src`. Nothing is zero-filled first.
pub(crate) fn copy_out(
    src: &[u8],
    from: RowWindow,
    rows: usize,
    row_len: usize,
) -> Result<Vec<u8>> {
    let len = rows
        .checked_mul(row_len)
        .ok_or_else(|| Error::new(ErrorKind::LimitExceeded, "block size overflows".to_string()))?;
    let mut block = Vec::new();
    block.try_reserve_exact(len).map_err(|_| {
        Error::new(
            ErrorKind::LimitExceeded,
            format!("cannot allocate {len} bytes for pixels"),
        )
    })?;
    for src_row in src
        .chunks_exact(from.stride)
        .skip(from.first_row)
        .take(rows)
    {
        block.extend_from_slice(&src_row[from.offset..from.offset + row_len]);
    }
    Ok(block)
}

macro_rules! typed_access {
    ($from:ident, $to:ident, $t:ty, $variant:ident, $n:expr, $to_bits:expr, $from_bits:expr) => {
        #[doc = concat!("A `", stringify!($t), "` buffer from samples in row-major order; `INVALID_ARGUMENT` if `samples.len() != width * height`.")]
        pub fn $from(width: u32, height: u32, samples: &[$t]) -> Result<Self> {
            let len = image_len(SampleType::$variant, width, height)?;
            if samples.len().checked_mul($n) != Some(len) {
                return Err(Error::invalid_argument(format!(
                    "{} samples given for {width} x {height} pixels",
                    samples.len()
                )));
            }
            let to_bits = $to_bits;
            let mut data = Vec::with_capacity(len);
            data.extend(samples.iter().flat_map(|&s| to_bits(s).to_le_bytes()));
            Ok(PixelBuffer {
                sample_type: SampleType::$variant,
                width,
                height,
                data,
            })
        }

        #[doc = concat!("The samples as `", stringify!($t), "`, row-major; `INVALID_ARGUMENT` if the buffer holds another sample type.")]
        pub fn $to(&self) -> Result<Vec<$t>> {
            self.expect_type(SampleType::$variant)?;
            let from_bits = $from_bits;
            Ok(self
                .data
                .chunks_exact($n)
                .map(|bytes| {
                    let mut raw = [0u8; $n];
                    raw.copy_from_slice(bytes);
                    from_bits(raw)
                })
                .collect())
        }
    };
}

impl PixelBuffer {
    /// A buffer over `data`; `INVALID_ARGUMENT` unless `width` and `height` are at least 1
    /// and `data.len() == width * height * bytes_per_sample`.
    pub fn new(sample_type: SampleType, width: u32, height: u32, data: Vec<u8>) -> Result<Self> {
        let len = image_len(sample_type, width, height)?;
        if data.len() != len {
            return Err(Error::invalid_argument(format!(
                "{} bytes given for {width} x {height} samples of {} ({len} bytes)",
                data.len(),
                sample_type.name()
            )));
        }
        Ok(PixelBuffer {
            sample_type,
            width,
            height,
            data,
        })
    }

    /// A buffer of zero samples.
    pub fn zeroed(sample_type: SampleType, width: u32, height: u32) -> Result<Self> {
        let len = image_len(sample_type, width, height)?;
        Ok(PixelBuffer {
            sample_type,
            width,
            height,
            data: zeroed_bytes(len)?,
        })
    }

    typed_access!(from_u8, to_u8, u8, U8, 1, |s: u8| s, u8::from_le_bytes);
    typed_access!(
        from_u16,
        to_u16,
        u16,
        U16,
        2,
        |s: u16| s,
        u16::from_le_bytes
    );
    typed_access!(
        from_u32,
        to_u32,
        u32,
        U32,
        4,
        |s: u32| s,
        u32::from_le_bytes
    );
    typed_access!(from_f32, to_f32, f32, F32, 4, f32::to_bits, |raw| {
        f32::from_bits(u32::from_le_bytes(raw))
    });

    /// The type of every sample.
    pub fn sample_type(&self) -> SampleType {
        self.sample_type
    }

    /// The width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// The height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The little-endian sample bytes, row-major.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// The sample bytes for writing in place (the size cannot change).
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// The sample bytes, without a copy.
    pub fn into_bytes(self) -> Vec<u8> {
        self.data
    }

    /// The bytes of one row.
    pub(crate) fn row_len(&self) -> usize {
        self.width as usize * self.sample_type.bytes_per_sample()
    }

    /// A copy of the pixels inside `r`; `REGION_OUT_OF_BOUNDS` if `r` is empty or not
    /// inside the buffer.
    pub fn region(&self, r: Rect) -> Result<PixelBuffer> {
        r.check_inside(self.width, self.height)?;
        let bps = self.sample_type.bytes_per_sample();
        let from = RowWindow {
            stride: self.row_len(),
            first_row: r.y as usize,
            offset: r.x as usize * bps,
        };
        let data = copy_out(&self.data, from, r.height as usize, r.width as usize * bps)?;
        Ok(PixelBuffer {
            sample_type: self.sample_type,
            width: r.width,
            height: r.height,
            data,
        })
    }

    fn expect_type(&self, wanted: SampleType) -> Result<()> {
        if self.sample_type == wanted {
            Ok(())
        } else {
            Err(Error::invalid_argument(format!(
                "the buffer holds {} samples, not {}",
                self.sample_type.name(),
                wanted.name()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind<T>(result: Result<T>) -> Option<ErrorKind> {
        result.err().map(|e| e.kind())
    }

    #[test]
    fn sizes_are_checked() {
        assert!(PixelBuffer::new(SampleType::U16, 3, 2, vec![0; 12]).is_ok());
        for (w, h, len) in [(3, 2, 11), (3, 2, 13), (0, 2, 0), (3, 0, 0)] {
            let result = PixelBuffer::new(SampleType::U16, w, h, vec![0; len]);
            assert_eq!(
                kind(result),
                Some(ErrorKind::InvalidArgument),
                "{w}x{h} {len}"
            );
        }
        assert_eq!(
            kind(PixelBuffer::from_u32(2, 2, &[1, 2, 3])),
            Some(ErrorKind::InvalidArgument)
        );
        // u32::MAX^2 * 4 overflows u64 arithmetic on the way.
        assert_eq!(
            kind(PixelBuffer::zeroed(SampleType::F32, u32::MAX, u32::MAX)),
            Some(ErrorKind::LimitExceeded)
        );
    }

    #[test]
    fn typed_views_round_trip_little_endian() {
        let buffer = PixelBuffer::from_u16(2, 1, &[0x0102, 0xA0B0]).expect("buffer");
        assert_eq!(buffer.as_bytes(), [0x02, 0x01, 0xB0, 0xA0]);
        assert_eq!(buffer.to_u16().expect("u16"), [0x0102, 0xA0B0]);
        assert_eq!(kind(buffer.to_u8()), Some(ErrorKind::InvalidArgument));
        assert_eq!(kind(buffer.to_f32()), Some(ErrorKind::InvalidArgument));

        let floats = [1.5f32, -0.0, f32::INFINITY, f32::MIN_POSITIVE];
        let buffer = PixelBuffer::from_f32(2, 2, &floats).expect("buffer");
        assert_eq!(&buffer.as_bytes()[..4], 1.5f32.to_le_bytes());
        let back = buffer.to_f32().expect("f32");
        assert_eq!(
            back.iter().map(|f| f.to_bits()).collect::<Vec<_>>(),
            floats.iter().map(|f| f.to_bits()).collect::<Vec<_>>()
        );
        // A NaN payload survives, bit for bit.
        let nan = f32::from_bits(0x7fc0_1234);
        let buffer = PixelBuffer::from_f32(1, 1, &[nan]).expect("buffer");
        assert_eq!(buffer.to_f32().expect("f32")[0].to_bits(), 0x7fc0_1234);

        let words = PixelBuffer::from_u32(1, 1, &[0xdead_beef]).expect("buffer");
        assert_eq!(words.as_bytes(), [0xef, 0xbe, 0xad, 0xde]);
        assert_eq!(words.to_u32().expect("u32"), [0xdead_beef]);
        let bytes = PixelBuffer::from_u8(3, 1, &[1, 2, 3]).expect("buffer");
        assert_eq!(bytes.to_u8().expect("u8"), [1, 2, 3]);
        assert_eq!(bytes.clone().into_bytes(), [1, 2, 3]);
        assert_eq!((bytes.width(), bytes.height()), (3, 1));
        assert_eq!(bytes.sample_type(), SampleType::U8);
    }

    #[test]
    fn region_copies_the_right_pixels() {
        let (w, h) = (7u32, 5u32);
        let samples: Vec<u16> = (0..w * h).map(|i| i as u16 * 3).collect();
        let buffer = PixelBuffer::from_u16(w, h, &samples).expect("buffer");
        for r in [
            Rect::new(0, 0, 7, 5),
            Rect::new(2, 1, 3, 3),
            Rect::new(6, 4, 1, 1),
            Rect::new(0, 3, 7, 2),
        ] {
            let region = buffer.region(r).expect("region");
            let mut expected = Vec::new();
            for y in r.y..r.y + r.height {
                for x in r.x..r.x + r.width {
                    expected.push(samples[(y * w + x) as usize]);
                }
            }
            assert_eq!(region.to_u16().expect("u16"), expected, "{r:?}");
            assert_eq!((region.width(), region.height()), (r.width, r.height));
        }
        for r in [
            Rect::new(0, 0, 8, 1),
            Rect::new(3, 3, 0, 1),
            Rect::new(6, 4, 2, 1),
        ] {
            assert_eq!(
                kind(buffer.region(r)),
                Some(ErrorKind::RegionOutOfBounds),
                "{r:?}"
            );
        }
    }
}
