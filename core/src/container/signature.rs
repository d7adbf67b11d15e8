//! `SIGN`: one signature record over a manifest.

use super::bytes::Cursor;
use super::chunk::FormatVersion;
use crate::crypto::digest::{Digest, DigestAlgorithm};
use crate::crypto::Role;
use crate::error::Result;

/// Domain-separation prefix of the signed message.
pub const SIGNATURE_DOMAIN: &[u8] = b"scanx-signature-v1\0";

/// Payload of a `SIGN` chunk (160 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureRecord {
    /// Key id derived from the public key.
    pub key_id: [u8; 16],
    /// The Ed25519 public key.
    pub public_key: [u8; 32],
    /// The role the signer claims.
    pub role: Role,
    /// Signing time, seconds since the Unix epoch (UTC).
    pub time: i64,
    /// Digest of every earlier `SIGN` chunk of the file, in order (zero if none).
    pub chain: Digest,
    /// The Ed25519 signature over [`signed_message`].
    pub signature: [u8; 64],
}

impl SignatureRecord {
    /// Payload length.
    pub const LEN: usize = 160;

    /// Parses a payload found at `offset`.
    pub fn parse(payload: &[u8], offset: u64) -> Result<SignatureRecord> {
        let mut c = Cursor::new(payload, offset);
        let key_id = c.array("key id")?;
        let public_key = c.array("public key")?;
        let role_at = c.offset();
        let role = Role::from_id(c.u8("role")?).map_err(|e| e.with_offset(role_at))?;
        c.reserved(7)?;
        let time = c.i64("time")?;
        let chain = c.array("chain digest")?;
        let signature = c.array("signature")?;
        c.finish("SIGN")?;
        Ok(SignatureRecord {
            key_id,
            public_key,
            role,
            time,
            chain,
            signature,
        })
    }

    /// The payload bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::LEN);
        out.extend_from_slice(&self.key_id);
        out.extend_from_slice(&self.public_key);
        out.push(self.role.id());
        out.extend_from_slice(&[0; 7]);
        out.extend_from_slice(&self.time.to_le_bytes());
        out.extend_from_slice(&self.chain);
        out.extend_from_slice(&self.signature);
        out
    }
}

/// What a signer signs: everything that identifies the file, the manifest and the signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedFields<'a> {
    /// The file's format version.
    pub version: FormatVersion,
    /// The file id.
    pub file_id: &'a [u8; 16],
    /// The manifest's digest algorithm.
    pub algorithm: DigestAlgorithm,
    /// The manifest's generation.
    pub generation: u32,
    /// Digest of the whole `MANI` chunk.
    pub manifest_digest: &'a Digest,
    /// The signer's key id.
    pub key_id: &'a [u8; 16],
    /// The signer's role.
    pub role: Role,
    /// Signing time.
    pub time: i64,
    /// Digest of the earlier signatures.
    pub chain: &'a Digest,
}

/// The exact bytes an Ed25519 signature covers.
pub fn signed_message(f: &SignedFields<'_>) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNATURE_DOMAIN.len() + 4 + 16 + 1 + 4 + 32 + 16 + 1 + 8 + 32);
    m.extend_from_slice(SIGNATURE_DOMAIN);
    m.extend_from_slice(&f.version.to_bytes());
    m.extend_from_slice(f.file_id);
    m.push(f.algorithm.id());
    m.extend_from_slice(&f.generation.to_le_bytes());
    m.extend_from_slice(f.manifest_digest);
    m.extend_from_slice(f.key_id);
    m.push(f.role.id());
    m.extend_from_slice(&f.time.to_le_bytes());
    m.extend_from_slice(f.chain);
    m
}
