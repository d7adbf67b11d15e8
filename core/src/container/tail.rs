//! `TAIL`: the end marker, pointing back at the index.

use super::bytes::Cursor;
use super::chunk::CHUNK_HEADER_LEN;
use crate::error::{Error, ErrorKind, Result};

/// Payload of the `TAIL` chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tail {
    /// Offset of the `INDX` chunk header.
    pub index_offset: u64,
    /// Length of the whole `INDX` chunk, header included.
    pub index_length: u64,
}

impl Tail {
    /// Payload length.
    pub const LEN: usize = 16;
    /// Whole chunk length: a random-access reader reads this many bytes from the end.
    pub const CHUNK_LEN: u64 = CHUNK_HEADER_LEN + Tail::LEN as u64;

    /// Parses a payload found at `offset`.
    pub fn parse(payload: &[u8], offset: u64) -> Result<Tail> {
        let mut c = Cursor::new(payload, offset);
        let tail = Tail {
            index_offset: c.u64("index offset")?,
            index_length: c.u64("index length")?,
        };
        c.finish("TAIL")?;
        Ok(tail)
    }

    /// Checks that the index it points at ends exactly where the TAIL chunk starts.
    pub fn check_against(&self, tail_offset: u64) -> Result<()> {
        if self.index_offset.checked_add(self.index_length) != Some(tail_offset) {
            return Err(Error::at(
                ErrorKind::IndexMismatch,
                tail_offset,
                format!(
                    "TAIL points at an index of {} bytes at {}, which does not end where TAIL starts ({tail_offset})",
                    self.index_length, self.index_offset
                ),
            ));
        }
        Ok(())
    }

    /// The payload bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Tail::LEN);
        out.extend_from_slice(&self.index_offset.to_le_bytes());
        out.extend_from_slice(&self.index_length.to_le_bytes());
        out
    }
}
