//! Verifying one region of one plane through random access, without reading the rest.
//!
//! What is read and digested: `HEAD`, the plane's `PLAN`, every `EVNT` (the redaction
//! records and the actors), every `MANI` and `SIGN`, and the tiles the region touches,
//! digested in parallel. Every manifest and signature rule is checked as for a whole
//! file; for content, each chunk read must match an entry of its generation's manifest
//! (a tile's digest covers its header, which names its plane, column and row, so a match
//! proves its position too), and each tile of the region that is not in the file must be
//! named by a valid redaction record.
//!
//! What is not checked: the other chunks, so neither whether one of them was altered or
//! removed, nor whether a redaction record names a chunk that is still there elsewhere in
//! the file. The whole-file verification checks those.

use rayon::prelude::*;

use crate::container::chunk::{ChunkType, CHUNK_HEADER_LEN};
use crate::container::head::Head;
use crate::container::index::IndexEntry;
use crate::container::manifest::Manifest;
use crate::container::signature::SignatureRecord;
use crate::container::tile::TileHeader;
use crate::crypto::digest::{chunk_digest, manifest_digest, SignatureChain};
use crate::crypto::TrustStore;
use crate::error::{Error, ErrorKind, Result};
use crate::generations::ChunkRef;
use crate::metadata::{self, Event};
use crate::model::TileRef;
use crate::pixels::Rect;
use crate::reader::Reader;
use crate::source::Source;
use crate::verify::collect::{Collected, EventData, GenerationData, RegionInput, SignatureData};
use crate::verify::report::{Problem, Status, UnknownChunkReport, VerifyReport};

/// Verifies the manifests, the signatures and the tiles of `plane` that `region` touches,
/// reading and digesting nothing else of the file's pixels (see the module documentation
/// for exactly what is covered).
///
/// Fails only for a bad argument: `NOT_FOUND` for a plane the file does not have,
/// `REGION_OUT_OF_BOUNDS` for a region that is empty or not inside the plane. Anything
/// wrong with the file is in the report, as for [`crate::verify::verify_stream`]; the
/// report's [`VerifyReport::region`] lists the tiles checked and those redacted.
pub fn verify_region<S: Source>(
    reader: &Reader<S>,
    plane: u16,
    region: Rect,
    trust: Option<&TrustStore>,
) -> Result<VerifyReport> {
    let info = reader.plane(plane)?;
    let tiles: Vec<(u32, u32)> = info.grid.tiles_in(region)?.collect();
    Ok(match collect(reader, plane, region, &tiles) {
        Ok(collected) => super::check::analyse(&collected, trust),
        Err(e) => {
            let mut report = VerifyReport::empty(Status::Invalid);
            report.file_id = Some(uuid::Uuid::from_bytes(reader.file_id()));
            report.version = Some(reader.version().to_string());
            report.problems.push(Problem::format(&e));
            report
        }
    })
}

/// The payload of a chunk read whole, and an error locator for it.
fn payload<'a>(bytes: &'a [u8], e: &IndexEntry) -> Result<&'a [u8]> {
    bytes.get(CHUNK_HEADER_LEN as usize..).ok_or_else(|| {
        Error::at(
            ErrorKind::Truncated,
            e.offset,
            "chunk shorter than its header",
        )
        .with_chunk(e.chunk_type.0)
    })
}

fn locate(e: &IndexEntry) -> impl Fn(Error) -> Error + '_ {
    move |err| err.with_chunk(e.chunk_type.0).with_offset(e.offset)
}

fn collect<S: Source>(
    reader: &Reader<S>,
    plane: u16,
    region: Rect,
    tiles: &[(u32, u32)],
) -> Result<Collected> {
    let index = reader.index();
    let limits = reader.limits();
    let first = index
        .entries
        .first()
        .filter(|e| e.chunk_type == ChunkType::HEAD)
        .ok_or_else(|| Error::new(ErrorKind::MissingChunk, "the index lists no HEAD first"))?;
    let head_bytes = reader.raw_chunk(first)?;
    let head = Head::parse(
        payload(&head_bytes, first)?,
        first.offset + CHUNK_HEADER_LEN,
    )
    .map_err(locate(first))?;
    let (alg, file_id) = (head.algorithm, head.file_id);
    let chunk_ref = |e: &IndexEntry, bytes: &[u8], tile: Option<TileRef>| ChunkRef {
        chunk_type: e.chunk_type,
        offset: e.offset,
        length: e.length,
        digest: chunk_digest(alg, &file_id, bytes),
        tile,
    };

    let mut chain = SignatureChain::new(alg, &file_id);
    let mut generations: Vec<GenerationData> = Vec::new();
    let mut content: Vec<ChunkRef> = Vec::new();
    let mut events = Vec::new();
    let mut unknown = Vec::new();
    for e in &index.entries {
        let number = generations.len() as u32 + 1;
        match e.chunk_type {
            ChunkType::HEAD => content.push(chunk_ref(e, &head_bytes, None)),
            ChunkType::PLAN if e.plane == plane => {
                let bytes = reader.raw_chunk(e)?;
                content.push(chunk_ref(e, &bytes, None));
            }
            ChunkType::EVNT => {
                let bytes = reader.raw_chunk(e)?;
                let event: Event =
                    metadata::from_json(payload(&bytes, e)?, limits.max_metadata_bytes)
                        .map_err(locate(e))?;
                content.push(chunk_ref(e, &bytes, None));
                events.push(EventData {
                    generation: number,
                    offset: e.offset,
                    event,
                });
            }
            ChunkType::MANI => {
                let bytes = reader.raw_chunk(e)?;
                let manifest =
                    Manifest::parse(payload(&bytes, e)?, e.offset + CHUNK_HEADER_LEN, limits)
                        .map_err(locate(e))?;
                generations.push(GenerationData {
                    manifest,
                    manifest_offset: e.offset,
                    manifest_digest: manifest_digest(alg, &file_id, &bytes),
                    content: std::mem::take(&mut content),
                    signatures: Vec::new(),
                });
            }
            ChunkType::SIGN => {
                let bytes = reader.raw_chunk(e)?;
                let record =
                    SignatureRecord::parse(payload(&bytes, e)?, e.offset + CHUNK_HEADER_LEN)
                        .map_err(locate(e))?;
                let expected_chain = chain.digest();
                chain.push(&[&bytes]);
                let generation = generations.last_mut().ok_or_else(|| {
                    Error::at(ErrorKind::ChunkOrder, e.offset, "SIGN before any MANI")
                })?;
                generation.signatures.push(SignatureData {
                    offset: e.offset,
                    record,
                    expected_chain,
                });
            }
            t if !t.is_known() => unknown.push(UnknownChunkReport {
                chunk: t.to_string(),
                offset: e.offset,
                length: e.length.saturating_sub(CHUNK_HEADER_LEN),
                generation: number,
            }),
            _ => {}
        }
    }

    let positions = index.tile_positions();
    let found: Vec<(TileRef, Option<ChunkRef>)> = tiles
        .par_iter()
        .map(|&(col, row)| {
            let t = TileRef { plane, col, row };
            let Some(entry) = index.find_tile(&positions, plane, col, row) else {
                return Ok((t, None));
            };
            let bytes = reader.raw_chunk(entry)?;
            let (header, _) =
                TileHeader::parse(payload(&bytes, entry)?, entry.offset + CHUNK_HEADER_LEN)
                    .map_err(locate(entry))?;
            if (header.plane, header.col, header.row) != (plane, col, row) {
                return Err(Error::at(
                    ErrorKind::IndexMismatch,
                    entry.offset,
                    "the index points at a different tile",
                )
                .with_chunk(ChunkType::TILE.0));
            }
            Ok((t, Some(chunk_ref(entry, &bytes, Some(t)))))
        })
        .collect::<Result<_>>()?;

    let first_generation = generations
        .first_mut()
        .ok_or_else(|| Error::new(ErrorKind::MissingChunk, "the file has no manifest"))?;
    let mut present = Vec::new();
    let mut missing = Vec::new();
    for (t, chunk) in found {
        match chunk {
            Some(chunk) => {
                present.push(t);
                first_generation.content.push(chunk);
            }
            None => missing.push(t),
        }
    }
    Ok(Collected {
        version: reader.version(),
        file_id,
        algorithm: alg,
        generations,
        events,
        unknown,
        complete: false,
        region: Some(RegionInput {
            plane,
            rect: region,
            present,
            missing,
        }),
    })
}
