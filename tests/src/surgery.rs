//! Surgical edits of a valid file: split it into its chunks, change exactly one thing, then
//! put back every piece of derived data (manifests, index, tail) so that the intended defect
//! is the only one a reader can find.
//!
//! A reader stops at the first problem it meets, and the random-access reader meets the
//! index first: a chunk moved without rebuilding the index would fail there with
//! `INDEX_MISMATCH` instead of with the `CHUNK_ORDER` the vector is about. So a recipe edits
//! the chunk list and then calls [`Surgery::reseal`] (manifests, index and tail rebuilt for
//! the new chunk sequence), [`Surgery::reindex`] (index and tail only, when the defect is
//! in a manifest) or [`Surgery::into_bytes`] (nothing rebuilt, when the defect is in the
//! index or the tail itself).

use scanx::container::chunk::{frame_chunk, ChunkType, CHUNK_HEADER_LEN, FILE_HEADER_LEN};
use scanx::container::head::Head;
use scanx::container::index::{Index, IndexEntry, PlaneRef};
use scanx::container::manifest::{Manifest, ManifestEntry};
use scanx::container::tail::Tail;
use scanx::container::tile::TileHeader;
use scanx::crypto::digest::{chunk_digest, manifest_digest};
use scanx::pixels::{SampleType, TileGrid};
use scanx::{DigestAlgorithm, Error, Limits, Result};

/// One chunk: its type and payload (the 12-byte header is derived from them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The four type bytes.
    pub chunk_type: ChunkType,
    /// The payload.
    pub payload: Vec<u8>,
}

impl Chunk {
    /// A chunk of type `chunk_type` holding `payload`.
    pub fn new(chunk_type: ChunkType, payload: Vec<u8>) -> Chunk {
        Chunk {
            chunk_type,
            payload,
        }
    }

    /// Header and payload, as written in a file.
    pub fn to_bytes(&self) -> Vec<u8> {
        frame_chunk(self.chunk_type, &self.payload)
    }

    /// Length of the whole chunk, header included.
    pub fn total_len(&self) -> u64 {
        CHUNK_HEADER_LEN + self.payload.len() as u64
    }
}

/// A file taken apart into its chunks.
#[derive(Debug, Clone)]
pub struct Surgery {
    /// Magic and version: the 12 bytes before the first chunk.
    pub header: [u8; 12],
    /// Every chunk, in file order, from `HEAD` to `TAIL`.
    pub chunks: Vec<Chunk>,
    file_id: [u8; 16],
    algorithm: DigestAlgorithm,
    /// The plane table of the original index, for planes whose `PLAN` a recipe made
    /// unreadable (an index cannot describe a zero width or an unknown sample type).
    original_planes: Vec<PlaneRef>,
    /// Some manifest entry names a chunk that is absent (a redaction): rebuilding the
    /// manifests from the chunks present would drop it.
    has_absent_entries: bool,
}

impl Surgery {
    /// Takes apart a well-formed file (one the library wrote).
    pub fn parse(bytes: &[u8]) -> Result<Surgery> {
        let header: [u8; 12] = bytes
            .get(..FILE_HEADER_LEN as usize)
            .and_then(|h| h.try_into().ok())
            .ok_or_else(|| broken("shorter than the file header"))?;
        let mut chunks = Vec::new();
        let mut at = FILE_HEADER_LEN as usize;
        while at < bytes.len() {
            let head = bytes
                .get(at..at + CHUNK_HEADER_LEN as usize)
                .ok_or_else(|| broken("ends inside a chunk header"))?;
            let mut t = [0u8; 4];
            t.copy_from_slice(&head[..4]);
            let mut l = [0u8; 8];
            l.copy_from_slice(&head[4..]);
            let len = usize::try_from(u64::from_le_bytes(l))
                .map_err(|_| broken("chunk length does not fit in memory"))?;
            let start = at + CHUNK_HEADER_LEN as usize;
            let end = start
                .checked_add(len)
                .filter(|&e| e <= bytes.len())
                .ok_or_else(|| broken("a chunk runs past the end"))?;
            chunks.push(Chunk::new(ChunkType(t), bytes[start..end].to_vec()));
            at = end;
        }
        let head = chunks
            .iter()
            .find(|c| c.chunk_type == ChunkType::HEAD)
            .ok_or_else(|| broken("no HEAD chunk"))?;
        let head = Head::parse(&head.payload, 0)?;
        let mut surgery = Surgery {
            header,
            chunks,
            file_id: head.file_id,
            algorithm: head.algorithm,
            original_planes: Vec::new(),
            has_absent_entries: false,
        };
        let (index_at, _) = surgery.index_and_tail();
        if let Some(i) = index_at {
            let end = surgery.offset_of(i);
            let index = Index::parse(&surgery.chunks[i].payload, 0, end, &Limits::unlimited())?;
            surgery.original_planes = index.planes;
        }
        surgery.has_absent_entries = surgery.manifests_name_absent_chunks()?;
        Ok(surgery)
    }

    /// The file id from `HEAD`, which every chunk digest is bound to.
    pub fn file_id(&self) -> [u8; 16] {
        self.file_id
    }

    /// Position of the first chunk of type `t`.
    pub fn position(&self, t: ChunkType) -> Result<usize> {
        self.chunks
            .iter()
            .position(|c| c.chunk_type == t)
            .ok_or_else(|| broken(&format!("no {t} chunk")))
    }

    /// Positions of every chunk of type `t`.
    pub fn positions(&self, t: ChunkType) -> Vec<usize> {
        (0..self.chunks.len())
            .filter(|&i| self.chunks[i].chunk_type == t)
            .collect()
    }

    /// Position of the `TILE` chunk of a plane, column and row.
    pub fn tile_position(&self, plane: u16, col: u32, row: u32) -> Result<usize> {
        self.positions(ChunkType::TILE)
            .into_iter()
            .find(|&i| {
                TileHeader::parse(&self.chunks[i].payload, 0)
                    .is_ok_and(|(h, _)| (h.plane, h.col, h.row) == (plane, col, row))
            })
            .ok_or_else(|| broken(&format!("no tile ({col}, {row}) of plane {plane}")))
    }

    /// The chunk at `i`.
    pub fn chunk(&self, i: usize) -> Result<&Chunk> {
        self.chunks
            .get(i)
            .ok_or_else(|| broken(&format!("no chunk {i}")))
    }

    /// The payload of the chunk at `i`, to edit in place.
    pub fn payload_mut(&mut self, i: usize) -> Result<&mut Vec<u8>> {
        self.chunks
            .get_mut(i)
            .map(|c| &mut c.payload)
            .ok_or_else(|| broken(&format!("no chunk {i}")))
    }

    /// Sets the type of the chunk at `i` (the payload stays).
    pub fn retype(&mut self, i: usize, t: [u8; 4]) -> Result<()> {
        self.chunks
            .get_mut(i)
            .ok_or_else(|| broken(&format!("no chunk {i}")))?
            .chunk_type = ChunkType(t);
        Ok(())
    }

    /// Replaces the only occurrence of `from` in the payload of the chunk at `i` with `to`.
    /// Fails unless `from` occurs exactly once, so a recipe cannot silently edit nothing.
    pub fn replace(&mut self, i: usize, from: &[u8], to: &[u8]) -> Result<()> {
        let payload = self.payload_mut(i)?;
        let hits: Vec<usize> = payload
            .windows(from.len())
            .enumerate()
            .filter(|(_, w)| *w == from)
            .map(|(at, _)| at)
            .collect();
        let [at] = hits[..] else {
            return Err(broken(&format!(
                "{:?} occurs {} times in chunk {i}, not once",
                String::from_utf8_lossy(from),
                hits.len()
            )));
        };
        payload.splice(at..at + from.len(), to.iter().copied());
        Ok(())
    }

    /// Edits the header and data of the `TILE` chunk at `i`.
    pub fn edit_tile(
        &mut self,
        i: usize,
        edit: impl FnOnce(&mut TileHeader, &mut Vec<u8>),
    ) -> Result<()> {
        let payload = self.payload_mut(i)?;
        let (mut header, data) = TileHeader::parse(payload, 0)?;
        let mut data = data.to_vec();
        edit(&mut header, &mut data);
        let mut out = header.encode();
        out.extend_from_slice(&data);
        *payload = out;
        Ok(())
    }

    /// Inserts a chunk before position `i`.
    pub fn insert(&mut self, i: usize, chunk: Chunk) -> Result<()> {
        if i > self.chunks.len() {
            return Err(broken(&format!("cannot insert at {i}")));
        }
        self.chunks.insert(i, chunk);
        Ok(())
    }

    /// Removes and returns the chunk at `i`.
    pub fn remove(&mut self, i: usize) -> Result<Chunk> {
        if i >= self.chunks.len() {
            return Err(broken(&format!("no chunk {i}")));
        }
        Ok(self.chunks.remove(i))
    }

    /// Moves the chunk at `from` so that it ends up at position `to`.
    pub fn move_chunk(&mut self, from: usize, to: usize) -> Result<()> {
        let chunk = self.remove(from)?;
        self.insert(to, chunk)
    }

    /// The file as it stands, nothing rebuilt.
    pub fn into_bytes(self) -> Vec<u8> {
        let mut out = self.header.to_vec();
        for c in &self.chunks {
            out.extend_from_slice(&c.to_bytes());
        }
        out
    }

    /// Rebuilds the index and the tail for the chunk sequence as it stands, then returns
    /// the file.
    pub fn reindex(mut self) -> Result<Vec<u8>> {
        self.rebuild_index()?;
        Ok(self.into_bytes())
    }

    /// Rebuilds every manifest (each lists the digests of the chunks of its generation as
    /// they now stand and chains to the manifest before it), then the index and the tail,
    /// and returns the file.
    ///
    /// Signatures are not remade: a recipe for a signed file re-signs after this. Refuses a
    /// file with redacted chunks, whose manifests keep entries for chunks that are gone.
    pub fn reseal(mut self) -> Result<Vec<u8>> {
        if self.has_absent_entries {
            return Err(broken(
                "a manifest names absent (redacted) chunks; rebuilding it would drop them",
            ));
        }
        self.rebuild_manifests()?;
        self.rebuild_index()?;
        Ok(self.into_bytes())
    }

    /// Offset of the chunk at `i` in the file as it stands.
    pub fn offset_of(&self, i: usize) -> u64 {
        FILE_HEADER_LEN
            + self.chunks[..i.min(self.chunks.len())]
                .iter()
                .map(Chunk::total_len)
                .sum::<u64>()
    }

    /// Position of the index (the last `INDX`) and of the tail (a final `TAIL`).
    fn index_and_tail(&self) -> (Option<usize>, Option<usize>) {
        let tail = self
            .chunks
            .last()
            .filter(|c| c.chunk_type == ChunkType::TAIL)
            .map(|_| self.chunks.len() - 1);
        (self.positions(ChunkType::INDX).pop(), tail)
    }

    fn manifests_name_absent_chunks(&self) -> Result<bool> {
        let mut present = std::collections::HashSet::new();
        for c in &self.chunks {
            present.insert(chunk_digest(self.algorithm, &self.file_id, &c.to_bytes()));
        }
        for i in self.positions(ChunkType::MANI) {
            let manifest = Manifest::parse(&self.chunks[i].payload, 0, &Limits::unlimited())?;
            if manifest
                .entries
                .iter()
                .any(|e| !present.contains(&e.digest))
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn rebuild_manifests(&mut self) -> Result<()> {
        let mut previous = [0u8; 32];
        let mut generation: Vec<usize> = Vec::new();
        for i in 0..self.chunks.len() {
            match self.chunks[i].chunk_type {
                ChunkType::MANI => {
                    let mut manifest =
                        Manifest::parse(&self.chunks[i].payload, 0, &Limits::unlimited())?;
                    let alg = manifest.algorithm;
                    manifest.previous = previous;
                    manifest.entries = generation
                        .drain(..)
                        .map(|c| ManifestEntry {
                            chunk_type: self.chunks[c].chunk_type,
                            digest: chunk_digest(alg, &self.file_id, &self.chunks[c].to_bytes()),
                        })
                        .collect();
                    self.chunks[i].payload = manifest.encode();
                    previous = manifest_digest(alg, &self.file_id, &self.chunks[i].to_bytes());
                }
                ChunkType::SIGN | ChunkType::INDX | ChunkType::TAIL => {}
                _ => generation.push(i),
            }
        }
        Ok(())
    }

    fn rebuild_index(&mut self) -> Result<()> {
        let (index_at, tail_at) = self.index_and_tail();
        let Some(index_at) = index_at else {
            // Nothing to rebuild: the tail of a file without an index points nowhere.
            return Ok(());
        };
        let mut index = Index::default();
        let mut offset = FILE_HEADER_LEN;
        for (i, c) in self.chunks[..index_at].iter().enumerate() {
            let p = &c.payload;
            let mut entry = IndexEntry {
                chunk_type: c.chunk_type,
                offset,
                length: c.total_len(),
                plane: 0,
                col: 0,
                row: 0,
            };
            match c.chunk_type {
                ChunkType::PLAN => {
                    entry.plane = le_u16(p, 0).unwrap_or(0);
                    let plane_ref = self.plane_ref(p, index.planes.len(), i)?;
                    index.planes.push(plane_ref);
                }
                ChunkType::TILE => {
                    entry.plane = le_u16(p, 16).unwrap_or(0);
                    entry.col = le_u32(p, 20).unwrap_or(0);
                    entry.row = le_u32(p, 24).unwrap_or(0);
                }
                _ => {}
            }
            index.entries.push(entry);
            offset += c.total_len();
        }
        self.chunks[index_at].payload = index.encode();
        if let Some(tail_at) = tail_at {
            let tail = Tail {
                index_offset: self.offset_of(index_at),
                index_length: self.chunks[index_at].total_len(),
            };
            self.chunks[tail_at].payload = tail.encode();
        }
        Ok(())
    }

    /// The plane table entry for the `n`-th `PLAN` payload, found at chunk `entry`.
    fn plane_ref(&self, p: &[u8], n: usize, entry: usize) -> Result<PlaneRef> {
        let plan_entry = u32::try_from(entry).map_err(|_| broken("too many chunks"))?;
        let typed = (|| {
            let sample_type = SampleType::from_id(*p.get(2)?).ok()?;
            let flags = *p.get(3)?;
            let grid =
                TileGrid::new(le_u32(p, 4)?, le_u32(p, 8)?, le_u32(p, 12)?, le_u32(p, 16)?).ok()?;
            Some(PlaneRef {
                grid,
                sample_type,
                flags,
                plan_entry,
            })
        })();
        typed
            .or_else(|| {
                self.original_planes
                    .get(n)
                    .map(|r| PlaneRef { plan_entry, ..*r })
            })
            .ok_or_else(|| broken(&format!("plane {n} cannot be described in an index")))
    }
}

/// The first `len` bytes.
pub fn cut(mut bytes: Vec<u8>, len: u64) -> Result<Vec<u8>> {
    let len = usize::try_from(len)
        .ok()
        .filter(|&l| l <= bytes.len())
        .ok_or_else(|| Error::invalid_argument(format!("cannot cut at {len}")))?;
    bytes.truncate(len);
    Ok(bytes)
}

/// Overwrites (in a whole file) the bytes at `at` with `with`.
pub fn overwrite(bytes: &mut [u8], at: u64, with: &[u8]) -> Result<()> {
    let at = usize::try_from(at).unwrap_or(usize::MAX);
    bytes
        .get_mut(at..at.saturating_add(with.len()))
        .ok_or_else(|| Error::invalid_argument(format!("cannot overwrite at {at}")))?
        .copy_from_slice(with);
    Ok(())
}

fn le_u16(p: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(p.get(at..at + 2)?.try_into().ok()?))
}

fn le_u32(p: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(p.get(at..at + 4)?.try_into().ok()?))
}

/// A recipe asked for something the file does not have.
fn broken(what: &str) -> Error {
    Error::invalid_argument(format!("surgery: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipes;
    use crate::vector::{Context, Expect};

    /// Rebuilding what the library wrote changes nothing: the helpers derive manifests,
    /// index and tail exactly as the writer and the editor do.
    #[test]
    fn rebuilding_a_valid_file_gives_the_same_bytes() -> Result<()> {
        let mut redacted = 0;
        for v in recipes::all() {
            if v.expect != Expect::Valid {
                continue;
            }
            let bytes = (v.make)(&Context::new(v.name))?;
            let s = Surgery::parse(&bytes)?;
            assert_eq!(s.clone().into_bytes(), bytes, "{}", v.name);
            assert_eq!(s.clone().reindex()?, bytes, "{}", v.name);
            if v.name.starts_with("tampered-") {
                // Its manifests no longer describe its chunks: resealing would repair them.
                continue;
            }
            if s.has_absent_entries {
                // A redaction: reseal must refuse rather than drop the absent entries.
                assert!(s.reseal().is_err(), "{}", v.name);
                redacted += 1;
            } else {
                assert_eq!(s.reseal()?, bytes, "{}", v.name);
            }
        }
        assert!(redacted > 0, "no valid vector has a redaction");
        Ok(())
    }

    #[test]
    fn replace_edits_exactly_one_occurrence() -> Result<()> {
        let mut s = Surgery::parse(&crate::scans::base(&Context::new("replace"))?)?;
        let meta = s.position(ChunkType::META)?;
        assert!(s.replace(meta, b"no such text", b"x").is_err());
        assert!(s.replace(meta, b"\"", b"'").is_err());
        let before = s.chunk(meta)?.payload.len();
        s.replace(meta, b"CSQU3054383", b"CSQU3054384!")?;
        assert_eq!(s.chunk(meta)?.payload.len(), before + 1);
        Ok(())
    }
}
