//! A file seen as its generations: the chunks each one added, its manifest and its
//! signatures, with every chunk digested and matched to its manifest entry.
//!
//! The editor uses this to copy chunks and to name what it redacts; the verifier uses the
//! same matching rule, so both agree on which chunk is which entry.

use rayon::prelude::*;

use crate::container::chunk::{ChunkAt, ChunkType, SliceChunks};
use crate::container::head::Head;
use crate::container::manifest::{Manifest, ManifestEntry};
use crate::container::order::ChunkInfo;
use crate::container::signature::SignatureRecord;
use crate::container::walk::{self, tile_ref, Decoded, Role, Walker};
use crate::crypto::digest::{chunk_digest, manifest_digest, Digest, DigestAlgorithm};
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;
use crate::model::TileRef;

/// Where one chunk is and what it digests to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkRef {
    /// Its type.
    pub chunk_type: ChunkType,
    /// Offset of its header.
    pub offset: u64,
    /// Whole length, header included.
    pub length: u64,
    /// Its digest under the file's algorithm.
    pub digest: Digest,
    /// Plane, column and row, for a tile.
    pub tile: Option<TileRef>,
}

impl ChunkRef {
    /// Its bytes within the whole file.
    pub fn bytes<'a>(&self, file: &'a [u8]) -> &'a [u8] {
        &file[self.offset as usize..(self.offset + self.length) as usize]
    }
}

/// One signature and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureRef {
    /// The parsed record.
    pub record: SignatureRecord,
    /// The chunk.
    pub chunk: ChunkRef,
}

/// One generation: content chunks, then the manifest, then signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    /// 1-based number.
    pub number: u32,
    /// The chunks between the previous generation's last SIGN (or MANI) and this MANI.
    pub content: Vec<ChunkRef>,
    /// The parsed manifest.
    pub manifest: Manifest,
    /// The MANI chunk.
    pub manifest_chunk: ChunkRef,
    /// Digest of the MANI chunk (what signatures sign and the next manifest chains to).
    pub manifest_digest: Digest,
    /// Signatures over this manifest, in file order.
    pub signatures: Vec<SignatureRef>,
}

/// How one manifest entry was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryMatch {
    /// The entry's chunk is present: its position in `Generation::content`.
    Present(usize),
    /// No chunk matches the entry (redacted, or removed by tampering).
    Absent,
}

/// Matches a generation's chunks to its manifest entries in order.
///
/// Digests are bound to the file id and, for removable chunks, salted, so no two chunks
/// share a digest and the greedy match is exact. Returns one match per entry, and the
/// positions of chunks that match no entry (altered, planted, reordered or foreign).
pub fn align(content: &[ChunkRef], entries: &[ManifestEntry]) -> (Vec<EntryMatch>, Vec<usize>) {
    // A map, not a search per entry: a hostile manifest with many absent entries must not
    // make matching quadratic.
    let mut position = std::collections::HashMap::with_capacity(content.len());
    for (i, c) in content.iter().enumerate() {
        position.entry((c.chunk_type, c.digest)).or_insert(i);
    }
    let mut used = vec![false; content.len()];
    let mut last: Option<usize> = None;
    let mut matches = Vec::with_capacity(entries.len());
    for entry in entries {
        match position.get(&(entry.chunk_type, entry.digest)) {
            Some(&p) if last.is_none_or(|l| p > l) => {
                used[p] = true;
                last = Some(p);
                matches.push(EntryMatch::Present(p));
            }
            _ => matches.push(EntryMatch::Absent),
        }
    }
    let unlisted = (0..content.len()).filter(|&i| !used[i]).collect();
    (matches, unlisted)
}

/// A whole file split into generations.
#[derive(Debug, Clone)]
pub struct FileLayout {
    /// The HEAD chunk's fields.
    pub head: Head,
    /// Generations in order.
    pub generations: Vec<Generation>,
    /// The INDX chunk.
    pub index: ChunkRef,
}

impl FileLayout {
    /// Splits `file` into generations and digests every chunk (in parallel).
    pub fn parse(file: &[u8], limits: &Limits) -> Result<FileLayout> {
        let (head, raw) = scan_chunks(file, limits)?;
        let alg = head.algorithm;
        let refs: Vec<ChunkRef> = raw
            .par_iter()
            .map(|&(chunk_type, offset, length, tile)| {
                let bytes = &file[offset as usize..(offset + length) as usize];
                ChunkRef {
                    chunk_type,
                    offset,
                    length,
                    digest: chunk_digest(alg, &head.file_id, bytes),
                    tile,
                }
            })
            .collect();

        let mut generations: Vec<Generation> = Vec::new();
        let mut content = Vec::new();
        let mut index = None;
        // The order is the verifier's concern, not the splitter's: the walker only says
        // which generation each chunk belongs to, and decodes manifests and signatures.
        let mut walker = Walker::trusting_order(limits);
        for r in refs {
            if !matches!(r.chunk_type, ChunkType::MANI | ChunkType::SIGN) {
                match walker.place(r.chunk_type, r.offset, ChunkInfo::Other)?.role {
                    Role::Trailer if r.chunk_type == ChunkType::INDX => index = Some(r),
                    Role::Trailer => {}
                    _ => content.push(r),
                }
                continue;
            }
            let chunk = ChunkAt::whole(r.chunk_type, r.offset, r.bytes(file))?;
            match walker.chunk(chunk, None)?.decoded {
                Decoded::Manifest(manifest) => {
                    let digest = manifest_digest(manifest.algorithm, &head.file_id, r.bytes(file));
                    generations.push(Generation {
                        number: generations.len() as u32 + 1,
                        content: std::mem::take(&mut content),
                        manifest,
                        manifest_chunk: r,
                        manifest_digest: digest,
                        signatures: Vec::new(),
                    });
                }
                Decoded::Signature(record) => {
                    // The walker refuses a SIGN before any MANI.
                    if let Some(generation) = generations.last_mut() {
                        generation
                            .signatures
                            .push(SignatureRef { record, chunk: r });
                    }
                }
                _ => {}
            }
        }
        let index = index.ok_or_else(|| Error::new(ErrorKind::MissingChunk, "no INDX chunk"))?;
        Ok(FileLayout {
            head,
            generations,
            index,
        })
    }

    /// The file's digest algorithm.
    pub fn algorithm(&self) -> DigestAlgorithm {
        self.head.algorithm
    }
}

/// Type, offset, whole length and (for a tile) position of one chunk.
type ChunkPlace = (ChunkType, u64, u64, Option<TileRef>);

/// Where each chunk of `file` is, and its HEAD: one forward pass over the chunk framing,
/// before anything is digested.
fn scan_chunks(file: &[u8], limits: &Limits) -> Result<(Head, Vec<ChunkPlace>)> {
    let mut chunks = SliceChunks::new(file, limits.clone())?;
    let mut head: Option<Head> = None;
    let mut raw: Vec<ChunkPlace> = Vec::new();
    while let Some(chunk) = chunks.next_chunk()? {
        let t = chunk.chunk_type;
        let mut tile = None;
        // A tile's position, and the first HEAD: what the splitter needs before digesting.
        if t == ChunkType::TILE || (t == ChunkType::HEAD && head.is_none()) {
            match walk::decode(chunk, limits)? {
                Decoded::Head(h) => head = Some(h),
                Decoded::Tile(h) => tile = Some(tile_ref(&h)),
                _ => {}
            }
        }
        raw.push((t, chunk.offset, chunk.total_len(), tile));
    }
    let head = head.ok_or_else(|| Error::new(ErrorKind::MissingChunk, "no HEAD chunk"))?;
    Ok((head, raw))
}
