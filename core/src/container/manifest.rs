//! `MANI`: the digests of one generation's chunks.

use super::bytes::Cursor;
use super::chunk::ChunkType;
use crate::crypto::digest::{Digest, DigestAlgorithm, DIGEST_LEN};
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;

/// One manifest entry: the type and digest of one chunk of the generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManifestEntry {
    /// The chunk's type.
    pub chunk_type: ChunkType,
    /// The chunk's digest (see [`crate::crypto::digest::chunk_digest`]).
    pub digest: Digest,
}

/// Payload of a `MANI` chunk.
///
/// A file is a sequence of generations: the first holds the scan, each later one what an
/// agency appended (annotations, events). Each generation ends with its manifest, which
/// lists the digest of every chunk of that generation and chains to the previous manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Digest algorithm of the entries, the chain and the signatures over this manifest.
    pub algorithm: DigestAlgorithm,
    /// How many `SIGN` chunks the sealer wrote right after this manifest. It is covered by
    /// those signatures and by the next manifest, so stripping a signature is detectable.
    pub expected_signatures: u8,
    /// 1 for the first generation, then consecutive.
    pub generation: u32,
    /// Digest of the previous generation's `MANI` chunk; zero for generation 1.
    pub previous: Digest,
    /// One entry per chunk of the generation, in file order.
    pub entries: Vec<ManifestEntry>,
}

const ENTRY_LEN: usize = 4 + DIGEST_LEN;

impl Manifest {
    /// Length of the fixed part.
    pub const FIXED_LEN: usize = 44;

    /// Parses a payload found at `offset`.
    pub fn parse(payload: &[u8], offset: u64, limits: &Limits) -> Result<Manifest> {
        let mut c = Cursor::new(payload, offset);
        let alg_at = c.offset();
        let algorithm = DigestAlgorithm::from_id(c.u8("digest algorithm")?)
            .map_err(|e| e.with_offset(alg_at))?;
        let expected_signatures = c.u8("expected signatures")?;
        c.reserved(2)?;
        let gen_at = c.offset();
        let generation = c.u32("generation")?;
        if generation == 0 {
            return Err(Error::at(
                ErrorKind::MalformedChunk,
                gen_at,
                "generation numbers start at 1",
            ));
        }
        let previous = c.array("previous manifest digest")?;
        let count_at = c.offset();
        let count = u64::from(c.u32("entry count")?);
        Limits::check("manifest entries", count, limits.max_chunks)
            .map_err(|e| e.with_offset(count_at))?;
        if count * ENTRY_LEN as u64 != c.remaining() as u64 {
            return Err(Error::at(
                ErrorKind::MalformedChunk,
                count_at,
                format!(
                    "{count} entries need {} bytes but {} follow",
                    count * ENTRY_LEN as u64,
                    c.remaining()
                ),
            ));
        }
        let mut entries = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let t_at = c.offset();
            let chunk_type = ChunkType(c.array("entry type")?);
            if !chunk_type.is_well_formed() {
                return Err(Error::at(
                    ErrorKind::MalformedChunk,
                    t_at,
                    "manifest entry type is not four ASCII letters",
                ));
            }
            let digest = c.array("entry digest")?;
            entries.push(ManifestEntry { chunk_type, digest });
        }
        c.finish("MANI")?;
        Ok(Manifest {
            algorithm,
            expected_signatures,
            generation,
            previous,
            entries,
        })
    }

    /// The payload bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::FIXED_LEN + self.entries.len() * ENTRY_LEN);
        out.push(self.algorithm.id());
        out.push(self.expected_signatures);
        out.extend_from_slice(&[0; 2]);
        out.extend_from_slice(&self.generation.to_le_bytes());
        out.extend_from_slice(&self.previous);
        out.extend_from_slice(&(self.entries.len() as u32).to_le_bytes());
        for e in &self.entries {
            out.extend_from_slice(&e.chunk_type.0);
            out.extend_from_slice(&e.digest);
        }
        out
    }
}
