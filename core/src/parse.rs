//! Parsing one chunk's payload into its typed value, shared by every reader.

use std::collections::BTreeSet;

use crate::container::chunk::ChunkType;
use crate::container::plane::PlaneHeader;
use crate::container::tail::Tail;
use crate::container::tile::TileHeader;
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;
use crate::metadata::{
    self, Action, Annotation, Event, PersonalData, PlaneAttributes, ScanMetadata,
};
use crate::model::{PlaneInfo, TileRef};

/// Length of the salt that opens a PERS payload.
pub(crate) const PERS_SALT_LEN: usize = 16;

/// A parsed chunk.
#[derive(Debug)]
pub(crate) enum Parsed {
    Meta(Box<ScanMetadata>),
    Pers(Box<PersonalData>),
    Plan(PlaneInfo),
    Anno(Box<Annotation>),
    Evnt(Box<Event>),
    Indx,
    Tail(Tail),
    /// `HEAD`, `TILE`, `MANI` or `SIGN`: decoded by the chunk walker
    /// ([`crate::container::walk`]), which every reader drives.
    Structure,
    Unknown,
}

/// Parses `payload` of a chunk of type `t` whose header is at `offset` (but for the
/// chunks the walker decodes).
pub(crate) fn parse_payload(
    t: ChunkType,
    payload: &[u8],
    offset: u64,
    limits: &Limits,
) -> Result<Parsed> {
    let at = offset + crate::container::CHUNK_HEADER_LEN;
    let locate = |e: Error| e.with_chunk(t.0).with_offset(offset);
    let json_limit = limits.max_metadata_bytes;
    let parsed = match t {
        ChunkType::META => Parsed::Meta(Box::new(
            metadata::from_json(payload, json_limit).map_err(locate)?,
        )),
        ChunkType::PERS => {
            let json = payload.get(PERS_SALT_LEN..).ok_or_else(|| {
                locate(Error::at(
                    ErrorKind::MalformedChunk,
                    at,
                    "PERS payload shorter than its salt",
                ))
            })?;
            Parsed::Pers(Box::new(
                metadata::from_json(json, json_limit).map_err(locate)?,
            ))
        }
        ChunkType::PLAN => {
            let header = PlaneHeader::parse(payload, at, limits).map_err(locate)?;
            let attributes: PlaneAttributes =
                metadata::from_json(&header.attributes_json, json_limit).map_err(locate)?;
            Parsed::Plan(PlaneInfo {
                index: header.index,
                sample_type: header.sample_type,
                personal: header.personal,
                grid: header.grid,
                attributes,
            })
        }
        ChunkType::ANNO => Parsed::Anno(Box::new(
            metadata::from_json(payload, json_limit).map_err(locate)?,
        )),
        ChunkType::EVNT => Parsed::Evnt(Box::new(
            metadata::from_json(payload, json_limit).map_err(locate)?,
        )),
        ChunkType::HEAD | ChunkType::TILE | ChunkType::MANI | ChunkType::SIGN => Parsed::Structure,
        ChunkType::INDX => Parsed::Indx,
        ChunkType::TAIL => Parsed::Tail(Tail::parse(payload, at).map_err(locate)?),
        _ => Parsed::Unknown,
    };
    Ok(parsed)
}

/// Checks a tile header against its plane: the declared decoded length must be the size
/// of the (clipped) tile, so a decoder never produces more than the plane can hold.
pub(crate) fn check_tile_against_plane(
    tile: &TileHeader,
    plane: &PlaneInfo,
    offset: u64,
) -> Result<crate::pixels::Rect> {
    let rect = plane.grid.tile_rect(tile.col, tile.row).ok_or_else(|| {
        Error::at(
            ErrorKind::MalformedChunk,
            offset,
            format!(
                "tile ({}, {}) is outside plane {}",
                tile.col, tile.row, plane.index
            ),
        )
    })?;
    let expected = u64::from(rect.width)
        .checked_mul(u64::from(rect.height))
        .and_then(|n| n.checked_mul(plane.sample_type.bytes_per_sample() as u64))
        .ok_or_else(|| {
            Error::at(
                ErrorKind::LimitExceeded,
                offset,
                format!(
                    "tile ({}, {}) of plane {} has more bytes than a 64-bit size counts",
                    tile.col, tile.row, plane.index
                ),
            )
            .with_chunk(ChunkType::TILE.0)
        })?;
    if tile.decoded_length != expected {
        return Err(Error::at(
            ErrorKind::TileSizeMismatch,
            offset,
            format!(
                "tile ({}, {}) of plane {} declares {} decoded bytes; a {}x{} {} tile has {expected}",
                tile.col,
                tile.row,
                plane.index,
                tile.decoded_length,
                rect.width,
                rect.height,
                plane.sample_type.name()
            ),
        )
        .with_chunk(ChunkType::TILE.0));
    }
    Ok(rect)
}

/// Tiles that redaction events say were removed.
pub(crate) fn redacted_tiles<'a>(events: impl IntoIterator<Item = &'a Event>) -> BTreeSet<TileRef> {
    let mut out = BTreeSet::new();
    for event in events {
        if let Action::Redact { removed, .. } = &event.action {
            for r in removed {
                if r.chunk == "TILE" {
                    if let (Some(plane), Some(col), Some(row)) = (r.plane, r.col, r.row) {
                        out.insert(TileRef { plane, col, row });
                    }
                }
            }
        }
    }
    out
}

/// An annotation must refer to a plane of the file and lie within it.
pub(crate) fn check_annotation(
    annotation: &Annotation,
    planes: &[PlaneInfo],
    offset: u64,
) -> Result<()> {
    let Some(plane) = planes.get(usize::from(annotation.plane)) else {
        return Err(Error::at(
            ErrorKind::SchemaViolation,
            offset,
            format!(
                "annotation {} refers to plane {}; the file has {}",
                annotation.id,
                annotation.plane,
                planes.len()
            ),
        )
        .with_chunk(ChunkType::ANNO.0));
    };
    if !annotation
        .geometry
        .fits_within(plane.grid.width, plane.grid.height)
    {
        return Err(Error::at(
            ErrorKind::SchemaViolation,
            offset,
            format!(
                "annotation {} does not lie within plane {} ({}x{})",
                annotation.id, annotation.plane, plane.grid.width, plane.grid.height
            ),
        )
        .with_chunk(ChunkType::ANNO.0));
    }
    Ok(())
}
