//! `INDX`: where every chunk is, so a random-access reader needs three reads at most.
//!
//! The index is derived data: it is fully determined by the rest of the file, so it is not
//! digested; a full read rebuilds it and fails unless the stored one is byte-identical.

use super::bytes::Cursor;
use super::chunk::{ChunkType, CHUNK_HEADER_LEN, FILE_HEADER_LEN};
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;
use crate::pixels::{SampleType, TileGrid};

/// Geometry of one plane, repeated in the index so a tile can be located and decoded
/// without reading the `PLAN` chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaneRef {
    /// Plane and tile sizes.
    pub grid: TileGrid,
    /// Sample type.
    pub sample_type: SampleType,
    /// The plane's flags byte (bit 0: personal).
    pub flags: u8,
    /// Position of the plane's `PLAN` chunk in the entry list.
    pub plan_entry: u32,
}

/// Where one chunk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexEntry {
    /// The chunk's type.
    pub chunk_type: ChunkType,
    /// Offset of the chunk header.
    pub offset: u64,
    /// Whole chunk length, header included.
    pub length: u64,
    /// Plane index (TILE and PLAN), else 0.
    pub plane: u16,
    /// Tile column (TILE), else 0.
    pub col: u32,
    /// Tile row (TILE), else 0.
    pub row: u32,
}

/// Payload of the `INDX` chunk.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Index {
    /// One per plane, in plane order.
    pub planes: Vec<PlaneRef>,
    /// One per chunk from `HEAD` to the last `MANI` or `SIGN`, in file order.
    pub entries: Vec<IndexEntry>,
}

const PLANE_REF_LEN: u64 = 24;
const ENTRY_LEN: u64 = 36;

impl Index {
    /// Length of the fixed part.
    pub const FIXED_LEN: usize = 8;

    /// Parses a payload found at `offset`. Checks that the entries tile the file from the
    /// end of the file header to `end` (the offset of the INDX chunk) without gap or overlap.
    pub fn parse(payload: &[u8], offset: u64, end: u64, limits: &Limits) -> Result<Index> {
        let mut c = Cursor::new(payload, offset);
        let plane_count = u64::from(c.u16("plane count")?);
        c.reserved(2)?;
        let count_at = c.offset();
        let entry_count = u64::from(c.u32("entry count")?);
        Limits::check("planes", plane_count, limits.max_planes)
            .map_err(|e| e.with_offset(offset))?;
        Limits::check("index entries", entry_count, limits.max_chunks)
            .map_err(|e| e.with_offset(count_at))?;
        let needed = plane_count * PLANE_REF_LEN + entry_count * ENTRY_LEN;
        if needed != c.remaining() as u64 {
            return Err(Error::at(
                ErrorKind::IndexMismatch,
                count_at,
                format!(
                    "index declares {needed} bytes of tables but {} follow",
                    c.remaining()
                ),
            ));
        }
        let planes = (0..plane_count)
            .map(|_| Self::parse_plane_ref(&mut c))
            .collect::<Result<Vec<_>>>()?;
        let entries = Self::parse_entries(&mut c, entry_count, offset, end)?;
        for (i, p) in planes.iter().enumerate() {
            let ok = entries
                .get(p.plan_entry as usize)
                .is_some_and(|e| e.chunk_type == ChunkType::PLAN && usize::from(e.plane) == i);
            if !ok {
                return Err(Error::at(
                    ErrorKind::IndexMismatch,
                    offset,
                    format!("plane {i} does not point at its PLAN entry"),
                ));
            }
        }
        c.finish("INDX")?;
        Ok(Index { planes, entries })
    }

    /// One plane's row of the plane table.
    fn parse_plane_ref(c: &mut Cursor<'_>) -> Result<PlaneRef> {
        let at = c.offset();
        let [width, height, tile_width, tile_height] = c.geometry()?;
        let grid = TileGrid::new(width, height, tile_width, tile_height).map_err(|_| {
            Error::at(
                ErrorKind::IndexMismatch,
                at,
                "plane geometry with a zero size",
            )
        })?;
        let sample_type = SampleType::from_id(c.u8("sample type")?)
            .map_err(|e| Error::at(ErrorKind::IndexMismatch, at, e.message().to_string()))?;
        let flags = c.u8("flags")?;
        c.reserved(2)?;
        let plan_entry = c.u32("plan entry")?;
        Ok(PlaneRef {
            grid,
            sample_type,
            flags,
            plan_entry,
        })
    }

    /// The chunk table: each entry must start where the one before ends, from the end of
    /// the file header to `end`, so that the index describes the file without gap or
    /// overlap. `offset` is the payload's, for the error of a table that stops short.
    fn parse_entries(
        c: &mut Cursor<'_>,
        entry_count: u64,
        offset: u64,
        end: u64,
    ) -> Result<Vec<IndexEntry>> {
        let mut entries = Vec::with_capacity(entry_count as usize);
        let mut expected_offset = FILE_HEADER_LEN;
        for _ in 0..entry_count {
            let at = c.offset();
            let chunk_type = ChunkType(c.array("entry type")?);
            c.reserved(4)?;
            let entry = IndexEntry {
                chunk_type,
                offset: c.u64("entry offset")?,
                length: c.u64("entry length")?,
                plane: c.u16("entry plane")?,
                col: {
                    c.reserved(2)?;
                    c.u32("entry column")?
                },
                row: c.u32("entry row")?,
            };
            if entry.offset != expected_offset || entry.length < CHUNK_HEADER_LEN {
                return Err(Error::at(
                    ErrorKind::IndexMismatch,
                    at,
                    format!(
                        "index entry for {} at {} (length {}) does not follow the previous chunk, which ends at {expected_offset}",
                        entry.chunk_type, entry.offset, entry.length
                    ),
                ));
            }
            expected_offset = entry
                .offset
                .checked_add(entry.length)
                .ok_or_else(|| Error::at(ErrorKind::IndexMismatch, at, "entry length overflows"))?;
            entries.push(entry);
        }
        if expected_offset != end {
            return Err(Error::at(
                ErrorKind::IndexMismatch,
                offset,
                format!("index entries end at {expected_offset} but the index starts at {end}"),
            ));
        }
        Ok(entries)
    }

    /// The payload bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            Self::FIXED_LEN
                + self.planes.len() * PLANE_REF_LEN as usize
                + self.entries.len() * ENTRY_LEN as usize,
        );
        out.extend_from_slice(&(self.planes.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0; 2]);
        out.extend_from_slice(&(self.entries.len() as u32).to_le_bytes());
        for p in &self.planes {
            out.extend_from_slice(&p.grid.width.to_le_bytes());
            out.extend_from_slice(&p.grid.height.to_le_bytes());
            out.extend_from_slice(&p.grid.tile_width.to_le_bytes());
            out.extend_from_slice(&p.grid.tile_height.to_le_bytes());
            out.push(p.sample_type.id());
            out.push(p.flags);
            out.extend_from_slice(&[0; 2]);
            out.extend_from_slice(&p.plan_entry.to_le_bytes());
        }
        for e in &self.entries {
            out.extend_from_slice(&e.chunk_type.0);
            out.extend_from_slice(&[0; 4]);
            out.extend_from_slice(&e.offset.to_le_bytes());
            out.extend_from_slice(&e.length.to_le_bytes());
            out.extend_from_slice(&e.plane.to_le_bytes());
            out.extend_from_slice(&[0; 2]);
            out.extend_from_slice(&e.col.to_le_bytes());
            out.extend_from_slice(&e.row.to_le_bytes());
        }
        out
    }

    /// Positions of the `TILE` entries, in file order. In a file that passed the order
    /// rules they are sorted by (plane, row, column), but not necessarily contiguous:
    /// ancillary chunks may sit between tiles.
    pub fn tile_positions(&self) -> Vec<usize> {
        (0..self.entries.len())
            .filter(|&i| self.entries[i].chunk_type == ChunkType::TILE)
            .collect()
    }

    /// The entry of a tile, by binary search over `tiles` (from [`Index::tile_positions`]).
    pub fn find_tile(
        &self,
        tiles: &[usize],
        plane: u16,
        col: u32,
        row: u32,
    ) -> Option<&IndexEntry> {
        let key = (plane, row, col);
        let found = tiles.binary_search_by(|&p| match self.entries.get(p) {
            Some(e) => (e.plane, e.row, e.col).cmp(&key),
            None => std::cmp::Ordering::Greater,
        });
        found
            .ok()
            .and_then(|i| tiles.get(i))
            .and_then(|&p| self.entries.get(p))
    }

    /// The first entry of a type.
    pub fn find(&self, chunk_type: ChunkType) -> Option<&IndexEntry> {
        self.entries.iter().find(|e| e.chunk_type == chunk_type)
    }
}
