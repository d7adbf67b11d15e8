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

use crate::container::chunk::{ChunkAt, ChunkType, CHUNK_HEADER_LEN};
use crate::container::head::Head;
use crate::container::index::IndexEntry;
use crate::container::order::ChunkInfo;
use crate::container::walk::{self, tile_ref, Decoded, Walker};
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

/// Everything a region verification reads, walked in index order: the chunks named in
/// the module documentation but the tiles, which [`region_tiles`] reads in parallel.
struct RegionWalk<'r, S> {
    reader: &'r Reader<S>,
    plane: u16,
    head: Head,
    walker: Walker,
    chain: SignatureChain,
    generations: Vec<GenerationData>,
    /// The content chunks read since the last manifest.
    content: Vec<ChunkRef>,
    events: Vec<EventData>,
    unknown: Vec<UnknownChunkReport>,
}

impl<'r, S: Source> RegionWalk<'r, S> {
    /// Reads `HEAD`, the first entry of the index.
    fn start(reader: &'r Reader<S>, plane: u16) -> Result<Self> {
        let first = reader
            .index()
            .entries
            .first()
            .filter(|e| e.chunk_type == ChunkType::HEAD)
            .ok_or_else(|| Error::new(ErrorKind::MissingChunk, "the index lists no HEAD first"))?;
        // The order was checked at open, on the index.
        let mut walker = Walker::trusting_order(reader.limits());
        let bytes = reader.raw_chunk(first)?;
        walker.chunk(
            ChunkAt::whole(first.chunk_type, first.offset, &bytes)?,
            None,
        )?;
        let head = *walker
            .head()
            .ok_or_else(|| Error::new(ErrorKind::MissingChunk, "no HEAD chunk"))?;
        let mut walk = RegionWalk {
            reader,
            plane,
            head,
            walker,
            chain: SignatureChain::new(head.algorithm, &head.file_id),
            generations: Vec::new(),
            content: Vec::new(),
            events: Vec::new(),
            unknown: Vec::new(),
        };
        let head_ref = walk.chunk_ref(first, &bytes, None);
        walk.content.push(head_ref);
        Ok(walk)
    }

    fn chunk_ref(&self, e: &IndexEntry, bytes: &[u8], tile: Option<TileRef>) -> ChunkRef {
        chunk_ref(&self.head, e, bytes, tile)
    }

    /// Whether the region verification reads the chunk an entry points at.
    fn reads(&self, e: &IndexEntry) -> bool {
        match e.chunk_type {
            ChunkType::PLAN => e.plane == self.plane,
            t => matches!(t, ChunkType::EVNT | ChunkType::MANI | ChunkType::SIGN),
        }
    }

    /// Takes one index entry after `HEAD`: reads its chunk if the region verification
    /// needs it, and puts it in its generation.
    fn entry(&mut self, e: &IndexEntry) -> Result<()> {
        if !self.reads(e) {
            let place = self
                .walker
                .place(e.chunk_type, e.offset, ChunkInfo::Other)?;
            if !e.chunk_type.is_known() {
                self.unknown.push(UnknownChunkReport {
                    chunk: e.chunk_type.to_string(),
                    offset: e.offset,
                    length: e.length.saturating_sub(CHUNK_HEADER_LEN),
                    generation: place.generation,
                });
            }
            return Ok(());
        }
        let bytes = self.reader.raw_chunk(e)?;
        let chunk = ChunkAt::whole(e.chunk_type, e.offset, &bytes)?;
        let walked = self.walker.chunk(chunk, None)?;
        let generation = walked.place.generation;
        match walked.decoded {
            Decoded::Manifest(manifest) => {
                self.generations.push(GenerationData {
                    manifest,
                    manifest_offset: e.offset,
                    manifest_digest: manifest_digest(
                        self.head.algorithm,
                        &self.head.file_id,
                        &bytes,
                    ),
                    content: std::mem::take(&mut self.content),
                    signatures: Vec::new(),
                });
            }
            Decoded::Signature(record) => {
                let expected_chain = self.chain.digest();
                self.chain.push(&[&bytes]);
                // The walker refuses a SIGN before any MANI.
                if let Some(g) = self.generations.last_mut() {
                    g.signatures.push(SignatureData {
                        offset: e.offset,
                        record,
                        expected_chain,
                    });
                }
            }
            _ if e.chunk_type == ChunkType::EVNT => {
                let limit = self.reader.limits().max_metadata_bytes;
                let event: Event =
                    metadata::from_json(chunk.payload, limit).map_err(|err| chunk.locate(err))?;
                self.content.push(self.chunk_ref(e, &bytes, None));
                self.events.push(EventData {
                    generation,
                    offset: e.offset,
                    event,
                });
            }
            _ => self.content.push(self.chunk_ref(e, &bytes, None)),
        }
        Ok(())
    }
}

/// A chunk read whole, digested.
fn chunk_ref(head: &Head, e: &IndexEntry, bytes: &[u8], tile: Option<TileRef>) -> ChunkRef {
    ChunkRef {
        chunk_type: e.chunk_type,
        offset: e.offset,
        length: e.length,
        digest: chunk_digest(head.algorithm, &head.file_id, bytes),
        tile,
    }
}

/// Reads and digests the tiles of the region (in parallel); `None` for a tile that is not
/// in the file.
fn region_tiles<S: Source>(
    reader: &Reader<S>,
    head: &Head,
    plane: u16,
    tiles: &[(u32, u32)],
) -> Result<Vec<(TileRef, Option<ChunkRef>)>> {
    let index = reader.index();
    let positions = index.tile_positions();
    tiles
        .par_iter()
        .map(|&(col, row)| {
            let t = TileRef { plane, col, row };
            let Some(entry) = index.find_tile(&positions, plane, col, row) else {
                return Ok((t, None));
            };
            let bytes = reader.raw_chunk(entry)?;
            let chunk = ChunkAt::whole(entry.chunk_type, entry.offset, &bytes)?;
            let named = match walk::decode(chunk, reader.limits())? {
                Decoded::Tile(header) => Some(tile_ref(&header)),
                _ => None,
            };
            if named != Some(t) {
                return Err(Error::at(
                    ErrorKind::IndexMismatch,
                    entry.offset,
                    "the index points at a different tile",
                )
                .with_chunk(ChunkType::TILE.0));
            }
            Ok((t, Some(chunk_ref(head, entry, &bytes, Some(t)))))
        })
        .collect()
}

fn collect<S: Source>(
    reader: &Reader<S>,
    plane: u16,
    region: Rect,
    tiles: &[(u32, u32)],
) -> Result<Collected> {
    let mut walk = RegionWalk::start(reader, plane)?;
    // HEAD, the first entry, was read by `start`.
    for e in reader.index().entries.iter().skip(1) {
        walk.entry(e)?;
    }
    let found = region_tiles(reader, &walk.head, plane, tiles)?;
    let mut generations = walk.generations;
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
        file_id: walk.head.file_id,
        algorithm: walk.head.algorithm,
        generations,
        events: walk.events,
        unknown: walk.unknown,
        complete: false,
        region: Some(RegionInput {
            plane,
            rect: region,
            present,
            missing,
        }),
    })
}
