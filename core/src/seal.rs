//! Closing a generation: the manifest, the signatures, the index and the tail.
//!
//! Shared by the writer (generation 1) and the editor (every later generation), so both
//! produce exactly the same structures.

use std::io::Write;

use crate::container::chunk::{
    chunk_header, write_chunk, ChunkType, FormatVersion, CHUNK_HEADER_LEN,
};
use crate::container::index::{Index, IndexEntry, PlaneRef};
use crate::container::manifest::{Manifest, ManifestEntry};
use crate::container::signature::{signed_message, SignatureRecord, SignedFields};
use crate::container::tail::Tail;
use crate::crypto::digest::{
    chunk_digest_of_parts, manifest_digest, Digest, DigestAlgorithm, SignatureChain,
};
use crate::crypto::{KeyId, PublicKey, Role, Signer, SIGNATURE_LEN};
use crate::error::{Error, ErrorKind, Result};
use crate::time::Timestamp;

/// One signature to add when a generation is sealed: build it with [`SignRequest::new`].
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct SignRequest<'a> {
    /// Who signs: an in-memory key or an external signer (HSM, KMS).
    pub signer: &'a dyn Signer,
    /// The role the signature claims.
    pub role: Role,
    /// Signing time. Passed in, never read from the clock here, so output is reproducible
    /// (R14). A signature records whole seconds: a fraction of a second is dropped
    /// ([`Timestamp::unix_seconds`]).
    pub time: Timestamp,
}

impl<'a> SignRequest<'a> {
    /// A signature by `signer` in `role` at `time` (whole seconds are signed).
    /// All three are required: the signed message names the key, the role and the time.
    /// The time is given, never read from the clock, so that output is reproducible.
    ///
    /// ```
    /// use scanx::crypto::{Role, SigningKey};
    /// use scanx::{SignRequest, Timestamp};
    ///
    /// let key = SigningKey::from_seed(&[7; 32]);
    /// let request = SignRequest::new(&key, Role::Scanner, Timestamp::from_unix_seconds(1_772_352_930));
    /// assert_eq!(request.role, Role::Scanner);
    /// ```
    pub fn new(signer: &'a dyn Signer, role: Role, time: Timestamp) -> SignRequest<'a> {
        SignRequest { signer, role, time }
    }
}

impl std::fmt::Debug for SignRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignRequest")
            .field("role", &self.role)
            .field("time", &self.time)
            .finish_non_exhaustive()
    }
}

/// Tracks the bytes written so far: offsets for the index and digests for the manifest.
#[derive(Debug)]
pub(crate) struct Ledger {
    pub file_id: [u8; 16],
    pub version: FormatVersion,
    pub algorithm: DigestAlgorithm,
    pub offset: u64,
    pub index: Index,
    /// Entries of the generation being written.
    pub entries: Vec<ManifestEntry>,
    /// Number of the generation being written.
    pub generation: u32,
    /// Digest of the previous generation's MANI chunk.
    pub previous_manifest: Digest,
    /// The signature chain over every SIGN chunk written or copied so far, in order.
    pub chain: SignatureChain,
}

impl Ledger {
    /// Records a chunk that has just been written at `self.offset` with the given digest.
    pub fn record(&mut self, chunk_type: ChunkType, total_len: u64, digest: Digest, place: Place) {
        self.entries.push(ManifestEntry { chunk_type, digest });
        self.record_unhashed(chunk_type, total_len, place);
    }

    /// Records a chunk that is not a manifest entry of the current generation (MANI, SIGN,
    /// or a chunk copied from an earlier generation).
    pub fn record_unhashed(&mut self, chunk_type: ChunkType, total_len: u64, place: Place) {
        self.index.entries.push(IndexEntry {
            chunk_type,
            offset: self.offset,
            length: total_len,
            plane: place.plane,
            col: place.col,
            row: place.row,
        });
        self.offset += total_len;
    }

    /// Writes a chunk of the current generation given as parts, digesting it on the way.
    pub fn write_parts<W: Write + ?Sized>(
        &mut self,
        w: &mut W,
        chunk_type: ChunkType,
        parts: &[&[u8]],
        place: Place,
    ) -> Result<()> {
        let payload_len: u64 = parts.iter().map(|p| p.len() as u64).sum();
        let header = chunk_header(chunk_type, payload_len);
        w.write_all(&header)?;
        for p in parts {
            w.write_all(p)?;
        }
        let mut pieces = Vec::with_capacity(parts.len() + 1);
        pieces.push(&header[..]);
        pieces.extend_from_slice(parts);
        let digest = chunk_digest_of_parts(self.algorithm, &self.file_id, &pieces);
        self.record(chunk_type, CHUNK_HEADER_LEN + payload_len, digest, place);
        Ok(())
    }

    /// Writes the manifest and signatures closing the current generation, then the index
    /// and the tail. Consumes the ledger: nothing may follow.
    pub fn seal<W: Write + ?Sized>(self, w: &mut W, signers: &[SignRequest<'_>]) -> Result<()> {
        let mut sealing = self.begin_seal(w, signers.len())?;
        for request in signers {
            let public_key = request.signer.public_key()?;
            sealing.add_signature(w, &public_key, request.role, request.time, |message| {
                request.signer.sign(message).map_err(|e| {
                    if e.kind() == ErrorKind::SignerFailed {
                        e
                    } else {
                        Error::new(ErrorKind::SignerFailed, format!("signer failed: {e}"))
                    }
                })
            })?;
        }
        sealing.end(w)
    }

    /// Writes the manifest closing the current generation, which expects `signatures`
    /// signatures; they follow through the returned [`Sealing`].
    pub fn begin_seal<W: Write + ?Sized>(
        mut self,
        w: &mut W,
        signatures: usize,
    ) -> Result<Sealing> {
        let expected_signatures = u8::try_from(signatures)
            .map_err(|_| Error::invalid_argument("at most 255 signatures per generation"))?;
        let manifest = Manifest {
            algorithm: self.algorithm,
            expected_signatures,
            generation: self.generation,
            previous: self.previous_manifest,
            entries: std::mem::take(&mut self.entries),
        };
        let mani_payload = manifest.encode();
        let mut mani_chunk = Vec::with_capacity(mani_payload.len() + CHUNK_HEADER_LEN as usize);
        mani_chunk.extend_from_slice(&chunk_header(ChunkType::MANI, mani_payload.len() as u64));
        mani_chunk.extend_from_slice(&mani_payload);
        w.write_all(&mani_chunk)?;
        self.record_unhashed(ChunkType::MANI, mani_chunk.len() as u64, Place::NONE);
        let manifest_digest = manifest_digest(self.algorithm, &self.file_id, &mani_chunk);
        Ok(Sealing {
            ledger: self,
            manifest_digest,
            expected: signatures,
        })
    }

    /// Adds a plane to the index's plane table.
    pub fn add_plane_ref(&mut self, plane_ref: PlaneRef) {
        self.index.planes.push(plane_ref);
    }
}

/// A generation whose manifest is written and whose signatures are being added, one at a
/// time and in order: each signs the chain of those before it.
#[derive(Debug)]
pub(crate) struct Sealing {
    ledger: Ledger,
    manifest_digest: Digest,
    expected: usize,
}

impl Sealing {
    /// How many signatures the manifest expects that are not written yet.
    pub fn remaining(&self) -> usize {
        self.expected - self.signed()
    }

    fn signed(&self) -> usize {
        // Signatures of this generation are the SIGN entries after its MANI entry.
        self.ledger
            .index
            .entries
            .iter()
            .rev()
            .take_while(|e| e.chunk_type == ChunkType::SIGN)
            .count()
    }

    /// The exact bytes the next signature signs, for `public_key` in `role` at `time`.
    pub fn message(&self, public_key: &PublicKey, role: Role, time: Timestamp) -> Vec<u8> {
        let key_id = KeyId::from_public_key(&public_key.to_bytes()).0;
        signed_message(&SignedFields {
            version: self.ledger.version,
            file_id: &self.ledger.file_id,
            algorithm: self.ledger.algorithm,
            generation: self.ledger.generation,
            manifest_digest: &self.manifest_digest,
            key_id: &key_id,
            role,
            time: time.unix_seconds(),
            chain: &self.ledger.chain.digest(),
        })
    }

    /// Signs the next signature with `sign` and writes it. `INVALID_STATE` if the manifest
    /// expects no more.
    pub fn add_signature<W: Write + ?Sized>(
        &mut self,
        w: &mut W,
        public_key: &PublicKey,
        role: Role,
        time: Timestamp,
        sign: impl FnOnce(&[u8]) -> Result<[u8; SIGNATURE_LEN]>,
    ) -> Result<()> {
        if self.remaining() == 0 {
            return Err(Error::new(
                ErrorKind::InvalidState,
                format!(
                    "the manifest expects {} signature(s), all written",
                    self.expected
                ),
            ));
        }
        let message = self.message(public_key, role, time);
        let signature = sign(&message)?;
        let ledger = &mut self.ledger;
        let record = SignatureRecord {
            key_id: KeyId::from_public_key(&public_key.to_bytes()).0,
            public_key: public_key.to_bytes(),
            role,
            time: time.unix_seconds(),
            chain: ledger.chain.digest(),
            signature,
        };
        let payload = record.encode();
        let header = chunk_header(ChunkType::SIGN, payload.len() as u64);
        w.write_all(&header)?;
        w.write_all(&payload)?;
        ledger.chain.push(&[&header, &payload]);
        ledger.record_unhashed(
            ChunkType::SIGN,
            CHUNK_HEADER_LEN + payload.len() as u64,
            Place::NONE,
        );
        Ok(())
    }

    /// Writes the index and the tail and flushes. `INVALID_STATE` if signatures the
    /// manifest expects are missing.
    pub fn end<W: Write + ?Sized>(self, w: &mut W) -> Result<()> {
        if self.remaining() != 0 {
            return Err(Error::new(
                ErrorKind::InvalidState,
                format!(
                    "{} of the {} signature(s) the manifest expects are missing",
                    self.remaining(),
                    self.expected
                ),
            ));
        }
        let ledger = self.ledger;
        let index_offset = ledger.offset;
        let index_payload = ledger.index.encode();
        let index_len = write_chunk(w, ChunkType::INDX, &index_payload)?;
        let tail = Tail {
            index_offset,
            index_length: index_len,
        };
        write_chunk(w, ChunkType::TAIL, &tail.encode())?;
        w.flush()?;
        Ok(())
    }
}

/// Plane, column and row of a chunk for its index entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    pub plane: u16,
    pub col: u32,
    pub row: u32,
}

impl Place {
    pub const NONE: Place = Place {
        plane: 0,
        col: 0,
        row: 0,
    };
}
