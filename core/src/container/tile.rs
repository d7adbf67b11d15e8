//! `TILE`: one encoded tile of a plane.

use super::bytes::Cursor;
use crate::error::{Error, ErrorKind, Result};
use crate::pixels::{Codec, Filter, MAX_FILTERS};

/// The header of a `TILE` payload; the encoded data follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileHeader {
    /// Random bytes that make the tile's digest unguessable once the tile is redacted (R8).
    pub salt: [u8; 16],
    /// The plane this tile belongs to.
    pub plane: u16,
    /// Codec of the data.
    pub codec: Codec,
    /// Filters applied before the codec, in order.
    pub filters: Vec<Filter>,
    /// Tile column in the plane's grid.
    pub col: u32,
    /// Tile row in the plane's grid.
    pub row: u32,
    /// Bytes the data decodes to: the (clipped) tile's width x height x bytes per sample.
    pub decoded_length: u64,
}

impl TileHeader {
    /// Length of the fixed part, before the filter ids.
    pub const FIXED_LEN: usize = 36;

    /// Parses a payload found at `offset`; returns the header and the encoded data.
    pub fn parse(payload: &[u8], offset: u64) -> Result<(TileHeader, &[u8])> {
        let mut c = Cursor::new(payload, offset);
        let salt = c.array("salt")?;
        let plane = c.u16("plane index")?;
        let codec_at = c.offset();
        let codec = Codec::from_id(c.u8("codec")?).map_err(|e| e.with_offset(codec_at))?;
        let count_at = c.offset();
        let filter_count = usize::from(c.u8("filter count")?);
        if filter_count > MAX_FILTERS {
            return Err(Error::at(
                ErrorKind::MalformedChunk,
                count_at,
                format!("{filter_count} filters; at most {MAX_FILTERS} are allowed"),
            ));
        }
        let col = c.u32("tile column")?;
        let row = c.u32("tile row")?;
        let decoded_length = c.u64("decoded length")?;
        let mut filters = Vec::with_capacity(filter_count);
        for _ in 0..filter_count {
            let at = c.offset();
            filters.push(Filter::from_id(c.u8("filter id")?).map_err(|e| e.with_offset(at))?);
        }
        let data = c.rest();
        Ok((
            TileHeader {
                salt,
                plane,
                codec,
                filters,
                col,
                row,
                decoded_length,
            },
            data,
        ))
    }

    /// The header bytes; the payload is these followed by the data.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::FIXED_LEN + self.filters.len());
        out.extend_from_slice(&self.salt);
        out.extend_from_slice(&self.plane.to_le_bytes());
        out.push(self.codec.id());
        out.push(self.filters.len() as u8);
        out.extend_from_slice(&self.col.to_le_bytes());
        out.extend_from_slice(&self.row.to_le_bytes());
        out.extend_from_slice(&self.decoded_length.to_le_bytes());
        out.extend(self.filters.iter().map(|f| f.id()));
        out
    }
}
