//! `PLAN`: an image plane's geometry, sample type and attributes.

use super::bytes::{to_usize, Cursor};
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;
use crate::pixels::{SampleType, TileGrid};

/// The binary part of a `PLAN` payload; the JSON attributes follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaneHeader {
    /// Position of the plane in the file, 0-based and dense.
    pub index: u16,
    /// Type of every sample.
    pub sample_type: SampleType,
    /// The plane shows a person or the cab and may be redacted whole (R6).
    pub personal: bool,
    /// Plane size and tile size.
    pub grid: TileGrid,
    /// UTF-8 JSON plane attributes (view, channel, spacing, rescale, window ...).
    pub attributes_json: Vec<u8>,
}

/// Flag bit: personal plane.
const FLAG_PERSONAL: u8 = 0x01;

impl PlaneHeader {
    /// Length of the fixed part.
    pub const FIXED_LEN: usize = 24;

    /// Parses a payload found at `offset`, checking the geometry against the limits.
    pub fn parse(payload: &[u8], offset: u64, limits: &Limits) -> Result<PlaneHeader> {
        let mut c = Cursor::new(payload, offset);
        let index = c.u16("plane index")?;
        let type_at = c.offset();
        let sample_type =
            SampleType::from_id(c.u8("sample type")?).map_err(|e| e.with_offset(type_at))?;
        let flags_at = c.offset();
        let flags = c.u8("flags")?;
        if flags & !FLAG_PERSONAL != 0 {
            return Err(Error::at(
                ErrorKind::MalformedChunk,
                flags_at,
                format!("undefined plane flag bits {flags:#04x}"),
            ));
        }
        let geometry_at = c.offset();
        let [width, height, tile_width, tile_height] = c.geometry()?;
        let grid = TileGrid::new(width, height, tile_width, tile_height).map_err(|_| {
            Error::at(
                ErrorKind::MalformedChunk,
                geometry_at,
                format!("plane {width}x{height} with tiles {tile_width}x{tile_height}: every size must be at least 1"),
            )
        })?;
        let pixels = u64::from(width) * u64::from(height);
        Limits::check("pixels per plane", pixels, limits.max_pixels_per_plane)
            .map_err(|e| e.with_offset(geometry_at))?;
        Limits::check("tiles in a plane", grid.tile_count(), limits.max_tiles)
            .map_err(|e| e.with_offset(geometry_at))?;
        let attrs_at = c.offset();
        let attrs_len = to_usize(u64::from(c.u32("attributes length")?), "attributes length")?;
        if attrs_len != c.remaining() {
            return Err(Error::at(
                ErrorKind::MalformedChunk,
                attrs_at,
                format!(
                    "attributes length {attrs_len} does not match the {} bytes that follow",
                    c.remaining()
                ),
            ));
        }
        Limits::check(
            "plane attributes bytes",
            attrs_len as u64,
            limits.max_metadata_bytes,
        )
        .map_err(|e| e.with_offset(attrs_at))?;
        let attributes_json = c.rest().to_vec();
        Ok(PlaneHeader {
            index,
            sample_type,
            personal: flags & FLAG_PERSONAL != 0,
            grid,
            attributes_json,
        })
    }

    /// Decoded size of the whole plane in bytes (`u64::MAX` if it does not fit a u64).
    pub fn decoded_len(&self) -> u64 {
        u64::from(self.grid.width)
            .saturating_mul(u64::from(self.grid.height))
            .saturating_mul(self.sample_type.bytes_per_sample() as u64)
    }

    /// The payload bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::FIXED_LEN + self.attributes_json.len());
        out.extend_from_slice(&self.index.to_le_bytes());
        out.push(self.sample_type.id());
        out.push(if self.personal { FLAG_PERSONAL } else { 0 });
        out.extend_from_slice(&self.grid.width.to_le_bytes());
        out.extend_from_slice(&self.grid.height.to_le_bytes());
        out.extend_from_slice(&self.grid.tile_width.to_le_bytes());
        out.extend_from_slice(&self.grid.tile_height.to_le_bytes());
        out.extend_from_slice(&(self.attributes_json.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.attributes_json);
        out
    }
}
