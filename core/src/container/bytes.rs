//! Bounds-checked little-endian parsing of chunk payloads.

use crate::error::{Error, ErrorKind, Result};

/// A cursor over a payload that never reads past its end.
///
/// Every failure is `MALFORMED_CHUNK` at the absolute file offset of the field that could
/// not be read, so messages point at the faulty byte.
#[derive(Debug)]
pub struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    base_offset: u64,
}

impl<'a> Cursor<'a> {
    /// A cursor over `bytes`, which start at `base_offset` in the file.
    pub fn new(bytes: &'a [u8], base_offset: u64) -> Self {
        Cursor {
            bytes,
            pos: 0,
            base_offset,
        }
    }

    /// The absolute file offset of the next byte.
    pub fn offset(&self) -> u64 {
        self.base_offset + self.pos as u64
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(Error::at(
                ErrorKind::MalformedChunk,
                self.offset(),
                format!(
                    "{what}: needs {n} bytes, only {} left in the payload",
                    self.remaining()
                ),
            ));
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// Takes everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        let out = &self.bytes[self.pos..];
        self.pos = self.bytes.len();
        out
    }

    /// Takes a fixed-size array.
    pub fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    /// Reads a `u8`.
    pub fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    /// Reads a little-endian `u16`.
    pub fn u16(&mut self, what: &str) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    /// Reads a little-endian `u32`.
    pub fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    /// Reads a plane's geometry as PLAN and the index's plane table write it: width,
    /// height, tile width, tile height, each a little-endian `u32`.
    pub fn geometry(&mut self) -> Result<[u32; 4]> {
        Ok([
            self.u32("width")?,
            self.u32("height")?,
            self.u32("tile width")?,
            self.u32("tile height")?,
        ])
    }

    /// Reads a little-endian `u64`.
    pub fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// Reads a little-endian `i64`.
    pub fn i64(&mut self, what: &str) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array(what)?))
    }

    /// Reads a reserved field that must be zero.
    pub fn reserved(&mut self, n: usize) -> Result<()> {
        let at = self.offset();
        if self.take(n, "reserved")?.iter().any(|&b| b != 0) {
            return Err(Error::at(
                ErrorKind::MalformedChunk,
                at,
                "reserved bytes must be zero",
            ));
        }
        Ok(())
    }

    /// Fails unless the whole payload was consumed.
    pub fn finish(&self, what: &str) -> Result<()> {
        if self.remaining() != 0 {
            return Err(Error::at(
                ErrorKind::MalformedChunk,
                self.offset(),
                format!("{what}: {} unexpected bytes at the end", self.remaining()),
            ));
        }
        Ok(())
    }
}

/// Converts a length read from a file to `usize`, failing instead of truncating.
pub fn to_usize(value: u64, what: &str) -> Result<usize> {
    usize::try_from(value).map_err(|_| {
        Error::new(
            ErrorKind::LimitExceeded,
            format!("{what} {value} does not fit in memory"),
        )
    })
}
