//! Gathering what the rules need, in the same forward pass that reads the file: every
//! chunk's digest, each manifest's digest, and the chain digest each signature must carry.
//!
//! Chunks are digested as they pass, except tiles: the reader keeps those until it decodes
//! them, in parallel, once the whole file has been read, and they are digested there, in
//! the same parallel step. Hashing thus uses every core and takes no copy of any chunk:
//! the verifier holds no more memory than the reader.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::container::chunk::{chunk_header, ChunkType, FormatVersion, RawChunk};
use crate::container::head::Head;
use crate::container::manifest::Manifest;
use crate::container::signature::SignatureRecord;
use crate::container::walk::{Decoded, Role, Walked};
use crate::crypto::digest::{
    chunk_digest_of_parts, manifest_digest_of_parts, Digest, DigestAlgorithm, SignatureChain,
};
use crate::error::{Error, ErrorKind, Result};
use crate::generations::ChunkRef;
use crate::metadata::Event;
use crate::model::{Scan, TileRef};
use crate::verify::report::UnknownChunkReport;

/// What the rules are applied to: the file seen as generations, with digests.
#[derive(Debug)]
pub(crate) struct Collected {
    pub version: FormatVersion,
    pub file_id: [u8; 16],
    pub algorithm: DigestAlgorithm,
    pub generations: Vec<GenerationData>,
    /// Every event, in file order.
    pub events: Vec<EventData>,
    pub unknown: Vec<UnknownChunkReport>,
    /// Every content chunk was digested (a whole-file verification). When false, only
    /// some were (a region verification) and absence of the others proves nothing.
    pub complete: bool,
    /// For a region verification: what it covers.
    pub region: Option<RegionInput>,
}

/// One generation as collected.
#[derive(Debug)]
pub(crate) struct GenerationData {
    pub manifest: Manifest,
    pub manifest_offset: u64,
    /// Digest of the MANI chunk under the file's algorithm.
    pub manifest_digest: Digest,
    /// The generation's content chunks that were digested, in file order.
    pub content: Vec<ChunkRef>,
    pub signatures: Vec<SignatureData>,
}

/// One SIGN chunk as collected.
#[derive(Debug)]
pub(crate) struct SignatureData {
    pub offset: u64,
    pub record: SignatureRecord,
    /// The chain digest this signature must record: computed from the SIGN chunks
    /// before it, never taken from the file.
    pub expected_chain: Digest,
}

/// One EVNT chunk as collected.
#[derive(Debug)]
pub(crate) struct EventData {
    pub generation: u32,
    pub offset: u64,
    pub event: Event,
}

/// The region a region verification covers.
#[derive(Debug)]
pub(crate) struct RegionInput {
    pub plane: u16,
    pub rect: crate::pixels::Rect,
    /// Tiles of the region that are in the file (and were digested).
    pub present: Vec<TileRef>,
    /// Tiles of the region that are not in the file.
    pub missing: Vec<TileRef>,
}

/// What the two observers of a forward read share: the file's `HEAD`, once seen, and
/// the digests of the tiles.
#[derive(Default)]
pub(crate) struct TileDigests {
    head: OnceLock<Head>,
    /// (offset, digest) of each tile, in no particular order.
    digests: Mutex<Vec<(u64, Digest)>>,
}

impl TileDigests {
    /// Digests one tile; called from the reader's parallel decoding step.
    pub fn observe(&self, raw: &RawChunk) {
        let Some(head) = self.head.get() else { return };
        let header = chunk_header(raw.chunk_type, raw.payload.len() as u64);
        let digest = chunk_digest_of_parts(head.algorithm, &head.file_id, &[&header, &raw.payload]);
        if let Ok(mut digests) = self.digests.lock() {
            digests.push((raw.offset, digest));
        }
    }
}

/// The per-chunk observer of a forward read.
#[derive(Default)]
pub(crate) struct StreamCollector {
    head: Option<Head>,
    /// Fed with every SIGN chunk in order.
    chain: Option<SignatureChain>,
    /// Every content chunk, in file order, with the generation it belongs to.
    chunks: Vec<(u32, ChunkRef)>,
    /// Offset -> position in `chunks` of each tile, whose digest comes later.
    tiles: HashMap<u64, usize>,
    /// (offset, digest) of each MANI chunk.
    manifests: Vec<(u64, Digest)>,
    /// (generation, offset, expected chain) of each SIGN chunk.
    signs: Vec<(u32, u64, Digest)>,
    /// (generation, offset) of each EVNT chunk.
    events: Vec<(u32, u64)>,
    unknown: Vec<UnknownChunkReport>,
}

impl StreamCollector {
    /// The file id and algorithm, once `HEAD` has been seen.
    pub fn head(&self) -> Option<Head> {
        self.head
    }

    /// Takes note of one chunk as the reader passes it, once the reader's walker has
    /// checked it.
    pub fn observe(&mut self, raw: &RawChunk, walked: &Walked, shared: &TileDigests) {
        if let Decoded::Head(head) = walked.decoded {
            if self.head.is_none() {
                self.chain = Some(SignatureChain::new(head.algorithm, &head.file_id));
                self.head = Some(head);
                // Only the first HEAD is ever set; a second one fails the read.
                let _ = shared.head.set(head);
            }
        }
        // HEAD comes first (the walker holds to it): there is always one here.
        let Some(head) = self.head else { return };
        let t = raw.chunk_type;
        let header = chunk_header(t, raw.payload.len() as u64);
        let generation = walked.place.generation;
        match walked.place.role {
            Role::Manifest => {
                let digest = manifest_digest_of_parts(
                    head.algorithm,
                    &head.file_id,
                    &[&header, &raw.payload],
                );
                self.manifests.push((raw.offset, digest));
            }
            Role::Signature => {
                if let Some(chain) = &mut self.chain {
                    let expected = chain.digest();
                    chain.push(&[&header, &raw.payload]);
                    self.signs.push((generation, raw.offset, expected));
                }
            }
            Role::Trailer => {}
            Role::Content => {
                if t == ChunkType::EVNT {
                    self.events.push((generation, raw.offset));
                }
                if !t.is_known() {
                    self.unknown.push(UnknownChunkReport {
                        chunk: t.to_string(),
                        offset: raw.offset,
                        length: raw.payload.len() as u64,
                        generation,
                    });
                }
                let digest = if t == ChunkType::TILE {
                    self.tiles.insert(raw.offset, self.chunks.len());
                    [0u8; 32]
                } else {
                    chunk_digest_of_parts(head.algorithm, &head.file_id, &[&header, &raw.payload])
                };
                self.chunks.push((
                    generation,
                    ChunkRef {
                        chunk_type: t,
                        offset: raw.offset,
                        length: raw.total_len(),
                        digest,
                        tile: walked.tile(),
                    },
                ));
            }
        }
    }

    /// Puts what was observed together with what the reader parsed. `scan` holds the
    /// manifests, signatures and events in the order they were observed (they are copied,
    /// so the caller keeps the scan); `shared` the digests of the tiles (every tile's,
    /// since the read succeeded).
    pub fn finish(mut self, scan: &Scan, shared: TileDigests) -> Result<Collected> {
        let head = self
            .head
            .ok_or_else(|| Error::new(ErrorKind::MissingChunk, "no HEAD chunk"))?;
        let digests = shared.digests.into_inner().map_err(|_| {
            Error::new(
                ErrorKind::InvalidState,
                "a tile digest could not be recorded",
            )
        })?;
        // Fail closed: a tile left with its placeholder digest must never be compared.
        let mut digested = 0usize;
        for (offset, digest) in digests {
            if let Some(&slot) = self.tiles.get(&offset) {
                if let Some((_, chunk)) = self.chunks.get_mut(slot) {
                    chunk.digest = digest;
                    digested += 1;
                }
            }
        }
        if digested != self.tiles.len() {
            return Err(Error::new(
                ErrorKind::InvalidState,
                format!("{} of {} tiles were digested", digested, self.tiles.len()),
            ));
        }
        let mut generations: Vec<GenerationData> = self
            .manifests
            .iter()
            .zip(scan.manifests.iter().cloned())
            .map(|(&(offset, digest), manifest)| GenerationData {
                manifest,
                manifest_offset: offset,
                manifest_digest: digest,
                content: Vec::new(),
                signatures: Vec::new(),
            })
            .collect();
        for (generation, chunk) in self.chunks {
            if let Some(g) = index_of(generation).and_then(|i| generations.get_mut(i)) {
                g.content.push(chunk);
            }
        }
        for (&(generation, offset, expected_chain), record) in
            self.signs.iter().zip(scan.signatures.iter().cloned())
        {
            if let Some(g) = index_of(generation).and_then(|i| generations.get_mut(i)) {
                g.signatures.push(SignatureData {
                    offset,
                    record,
                    expected_chain,
                });
            }
        }
        let events = self
            .events
            .iter()
            .zip(scan.events.iter().cloned())
            .map(|(&(generation, offset), event)| EventData {
                generation,
                offset,
                event,
            })
            .collect();
        Ok(Collected {
            version: scan.version,
            file_id: head.file_id,
            algorithm: head.algorithm,
            generations,
            events,
            unknown: self.unknown,
            complete: true,
            region: None,
        })
    }
}

/// The position in a list of generation `generation` (1-based).
fn index_of(generation: u32) -> Option<usize> {
    usize::try_from(generation).ok()?.checked_sub(1)
}
