//! Borrowed pixels: samples that live in someone else's memory (a numpy array, a C
//! buffer, a memory-mapped file), with a row stride, so they can be encoded or decoded
//! into without first being copied into a [`PixelBuffer`].

use super::buffer::{image_len, PixelBuffer};
use super::sample::SampleType;
use crate::error::{Error, Result};

/// The number of bytes a `height`-row image with rows of `row_len` bytes spaced
/// `row_stride` bytes apart spans: `(height - 1) * row_stride + row_len`.
///
/// `INVALID_ARGUMENT` if the stride is shorter than a row or the span overflows.
pub(crate) fn strided_len(row_len: usize, height: u32, row_stride: usize) -> Result<usize> {
    if row_stride < row_len {
        return Err(Error::invalid_argument(format!(
            "a row stride of {row_stride} bytes is shorter than a row of {row_len} bytes"
        )));
    }
    (height as usize)
        .checked_sub(1)
        .and_then(|rows| rows.checked_mul(row_stride))
        .and_then(|n| n.checked_add(row_len))
        .ok_or_else(|| {
            Error::invalid_argument(format!(
                "{height} rows of stride {row_stride} do not fit in memory"
            ))
        })
}

/// Checks that a caller's buffer of `len` bytes holds a `width` x `height` image of
/// `sample_type` with rows `row_stride` bytes apart; returns the row length in bytes.
pub(crate) fn check_strided(
    sample_type: SampleType,
    width: u32,
    height: u32,
    row_stride: usize,
    len: usize,
) -> Result<usize> {
    // Checks both sides are at least 1 and the packed size fits in memory.
    image_len(sample_type, width, height)?;
    let row_len = width as usize * sample_type.bytes_per_sample();
    let needed = strided_len(row_len, height, row_stride)?;
    if len < needed {
        return Err(Error::invalid_argument(format!(
            "a buffer of {len} bytes is too short for {width} x {height} samples of {} \
             with a row stride of {row_stride} bytes ({needed} bytes needed)",
            sample_type.name()
        )));
    }
    Ok(row_len)
}

/// Samples borrowed from the caller: `height` rows of `width` little-endian samples, each
/// row starting `row_stride` bytes after the one before (the bytes between rows are
/// ignored).
#[derive(Debug, Clone, Copy)]
pub struct PixelView<'a> {
    sample_type: SampleType,
    width: u32,
    height: u32,
    row_stride: usize,
    data: &'a [u8],
}

impl<'a> PixelView<'a> {
    /// A view over `data`; `INVALID_ARGUMENT` unless both sides are at least 1, the stride
    /// is at least a row, and `data` holds every row.
    pub fn new(
        sample_type: SampleType,
        width: u32,
        height: u32,
        data: &'a [u8],
        row_stride: usize,
    ) -> Result<Self> {
        check_strided(sample_type, width, height, row_stride, data.len())?;
        Ok(PixelView {
            sample_type,
            width,
            height,
            row_stride,
            data,
        })
    }

    /// A view over packed rows (`row_stride` = one row).
    pub fn packed(
        sample_type: SampleType,
        width: u32,
        height: u32,
        data: &'a [u8],
    ) -> Result<Self> {
        let row_len = (width as usize).saturating_mul(sample_type.bytes_per_sample());
        Self::new(sample_type, width, height, data, row_len)
    }

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

    /// Bytes from the start of one row to the start of the next.
    pub fn row_stride(&self) -> usize {
        self.row_stride
    }

    /// `len` bytes of row `y` from byte `offset`; the caller has checked they lie inside
    /// the view.
    pub(crate) fn row_part(&self, y: usize, offset: usize, len: usize) -> &'a [u8] {
        let start = y * self.row_stride + offset;
        &self.data[start..start + len]
    }
}

impl<'a> From<&'a PixelBuffer> for PixelView<'a> {
    fn from(buffer: &'a PixelBuffer) -> Self {
        let row_stride = buffer.width() as usize * buffer.sample_type().bytes_per_sample();
        PixelView {
            sample_type: buffer.sample_type(),
            width: buffer.width(),
            height: buffer.height(),
            row_stride,
            data: buffer.as_bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn sizes_and_strides_are_checked() {
        let data = [0u8; 20];
        assert!(PixelView::new(SampleType::U16, 3, 2, &data, 8).is_ok());
        assert!(PixelView::new(SampleType::U16, 3, 2, &data[..14], 8).is_ok());
        for (w, h, stride, len) in [
            (3, 2, 8, 13),
            (3, 2, 5, 20),
            (0, 2, 8, 20),
            (3, 0, 8, 20),
            (3, 3, 8, 20),
        ] {
            let view = PixelView::new(SampleType::U16, w, h, &data[..len], stride);
            assert_eq!(
                view.err().map(|e| e.kind()),
                Some(ErrorKind::InvalidArgument),
                "{w}x{h} stride {stride} len {len}"
            );
        }
        assert!(
            PixelView::new(SampleType::U8, 1, u32::MAX, &data, usize::MAX / 2).is_err(),
            "a span that overflows is refused"
        );
    }

    #[test]
    fn rows_skip_padding() {
        let data: Vec<u8> = (0..12).collect();
        let view = PixelView::new(SampleType::U8, 2, 3, &data, 4).expect("view");
        assert_eq!(view.row_part(0, 0, 2), &[0, 1]);
        assert_eq!(view.row_part(2, 1, 1), &[9]);
    }
}
