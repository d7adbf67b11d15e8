//! `HEAD`: the file id and the file's digest algorithm.

use super::bytes::Cursor;
use crate::crypto::DigestAlgorithm;
use crate::error::Result;

/// Payload of the `HEAD` chunk (20 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Identifies this file; bound into every digest and signature.
    pub file_id: [u8; 16],
    /// The digest algorithm of every manifest of the file. Declared up front so a reader
    /// can digest chunks in the same forward pass that reads them.
    pub algorithm: DigestAlgorithm,
}

impl Head {
    /// Payload length.
    pub const LEN: usize = 20;

    /// Parses a payload found at `offset`.
    pub fn parse(payload: &[u8], offset: u64) -> Result<Head> {
        let mut c = Cursor::new(payload, offset);
        let file_id = c.array("file id")?;
        let alg_at = c.offset();
        let algorithm = DigestAlgorithm::from_id(c.u8("digest algorithm")?)
            .map_err(|e| e.with_offset(alg_at))?;
        c.reserved(3)?;
        c.finish("HEAD")?;
        Ok(Head { file_id, algorithm })
    }

    /// The payload bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::LEN);
        out.extend_from_slice(&self.file_id);
        out.push(self.algorithm.id());
        out.extend_from_slice(&[0; 3]);
        out
    }
}
