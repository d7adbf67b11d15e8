//! Digest algorithms for manifests, chunk digests and the signature chain.

use crate::error::{Error, ErrorKind, Result};

/// The digest algorithm of a manifest. Its id is inside the signed bytes, so it cannot be
/// swapped without breaking the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-256 (FIPS 180-4). The default: every agency's tooling has it.
    #[default]
    Sha256 = 1,
    /// BLAKE3, for faster hashing of very large scans.
    Blake3 = 2,
}

/// Length in bytes of every digest used by scanx.
pub const DIGEST_LEN: usize = 32;

/// A 32-byte digest.
pub type Digest = [u8; DIGEST_LEN];

impl DigestAlgorithm {
    /// The id stored in a manifest.
    pub fn id(self) -> u8 {
        self as u8
    }

    /// Parses a manifest's algorithm id.
    pub fn from_id(id: u8) -> Result<Self> {
        match id {
            1 => Ok(DigestAlgorithm::Sha256),
            2 => Ok(DigestAlgorithm::Blake3),
            other => Err(Error::new(
                ErrorKind::UnsupportedDigest,
                format!("digest algorithm id {other} is not known"),
            )),
        }
    }

    /// The name used in JSON, the CLI and reports.
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Blake3 => "blake3",
        }
    }

    /// Parses a name as produced by [`DigestAlgorithm::name`].
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "sha256" | "sha-256" | "SHA-256" => Ok(DigestAlgorithm::Sha256),
            "blake3" | "BLAKE3" => Ok(DigestAlgorithm::Blake3),
            other => Err(Error::invalid_argument(format!(
                "unknown digest algorithm {other:?} (expected sha256 or blake3)"
            ))),
        }
    }

    /// A fresh incremental hasher.
    pub fn hasher(self) -> Hasher {
        match self {
            DigestAlgorithm::Sha256 => Hasher::Sha256(<sha2::Sha256 as sha2::Digest>::new()),
            DigestAlgorithm::Blake3 => Hasher::Blake3(Box::new(blake3::Hasher::new())),
        }
    }

    /// The digest of the concatenation of `parts`.
    pub fn digest(self, parts: &[&[u8]]) -> Digest {
        let mut h = self.hasher();
        for part in parts {
            h.update(part);
        }
        h.finalize()
    }
}

/// An incremental hasher for either algorithm.
#[derive(Clone)]
pub enum Hasher {
    /// SHA-256 state.
    Sha256(sha2::Sha256),
    /// BLAKE3 state (boxed: it is large).
    Blake3(Box<blake3::Hasher>),
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Hasher::Sha256(_) => f.write_str("Hasher(sha256)"),
            Hasher::Blake3(_) => f.write_str("Hasher(blake3)"),
        }
    }
}

impl Hasher {
    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => sha2::Digest::update(h, bytes),
            Hasher::Blake3(h) => {
                h.update(bytes);
            }
        }
    }

    /// The digest of everything fed.
    pub fn finalize(self) -> Digest {
        match self {
            Hasher::Sha256(h) => sha2::Digest::finalize(h).into(),
            Hasher::Blake3(h) => *h.finalize().as_bytes(),
        }
    }
}

/// Domain-separation prefix of a chunk digest.
pub const CHUNK_DOMAIN: &[u8] = b"scanx-chunk-v1\0";
/// Domain-separation prefix of a manifest digest.
pub const MANIFEST_DOMAIN: &[u8] = b"scanx-manifest-v1\0";
/// Domain-separation prefix of the signature chain digest.
pub const CHAIN_DOMAIN: &[u8] = b"scanx-chain-v1\0";

/// The digest of one whole chunk (12-byte header and payload) of the file `file_id`.
///
/// Binding the file id means a chunk spliced in from another file never matches, even if
/// its bytes are identical.
pub fn chunk_digest(alg: DigestAlgorithm, file_id: &[u8; 16], chunk: &[u8]) -> Digest {
    chunk_digest_of_parts(alg, file_id, &[chunk])
}

/// The same digest as [`chunk_digest`], of a chunk given in pieces (its 12-byte header,
/// then its payload in any number of parts), so writers need not join them first.
pub fn chunk_digest_of_parts(alg: DigestAlgorithm, file_id: &[u8; 16], parts: &[&[u8]]) -> Digest {
    domain_digest(alg, CHUNK_DOMAIN, file_id, parts)
}

/// The digest of a whole MANI chunk, as signed and as chained to the next manifest.
pub fn manifest_digest(alg: DigestAlgorithm, file_id: &[u8; 16], mani_chunk: &[u8]) -> Digest {
    manifest_digest_of_parts(alg, file_id, &[mani_chunk])
}

/// The same digest as [`manifest_digest`], of a MANI chunk given in pieces.
pub fn manifest_digest_of_parts(
    alg: DigestAlgorithm,
    file_id: &[u8; 16],
    parts: &[&[u8]],
) -> Digest {
    domain_digest(alg, MANIFEST_DOMAIN, file_id, parts)
}

/// The digest of `domain`, `file_id` and then `parts`, concatenated.
fn domain_digest(
    alg: DigestAlgorithm,
    domain: &[u8],
    file_id: &[u8; 16],
    parts: &[&[u8]],
) -> Digest {
    let mut h = alg.hasher();
    h.update(domain);
    h.update(file_id);
    for part in parts {
        h.update(part);
    }
    h.finalize()
}

/// The signature chain of a file: what each signature records as `chain` is the digest of
/// every SIGN chunk before it in the file (of every generation), or all zero for the first.
///
/// The one place the chain digest is computed: writers, the editor and both verifiers feed
/// it the whole SIGN chunks in file order and ask for the digest before each new one. It
/// keeps a hash state, not the chunks.
#[derive(Debug, Clone)]
pub struct SignatureChain {
    hasher: Hasher,
    /// Whether a SIGN chunk has been added: before one, the digest is all zero.
    linked: bool,
}

impl SignatureChain {
    /// The chain of file `file_id` before its first signature.
    pub fn new(alg: DigestAlgorithm, file_id: &[u8; 16]) -> Self {
        let mut hasher = alg.hasher();
        hasher.update(CHAIN_DOMAIN);
        hasher.update(file_id);
        SignatureChain {
            hasher,
            linked: false,
        }
    }

    /// The chain digest the next signature must record.
    pub fn digest(&self) -> Digest {
        if self.linked {
            self.hasher.clone().finalize()
        } else {
            [0u8; DIGEST_LEN]
        }
    }

    /// Adds one whole SIGN chunk (12-byte header and payload, in any number of parts).
    pub fn push(&mut self, sign_chunk_parts: &[&[u8]]) {
        for part in sign_chunk_parts {
            self.hasher.update(part);
        }
        self.linked = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        // FIPS 180-2 "abc" and the BLAKE3 reference vector for the empty input.
        assert_eq!(
            hex::encode(DigestAlgorithm::Sha256.digest(&[b"a", b"bc"])),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex::encode(DigestAlgorithm::Blake3.digest(&[])),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
    }

    #[test]
    fn signature_chain_is_zero_then_the_digest_of_every_sign_chunk_so_far() {
        let file_id = [7u8; 16];
        for alg in [DigestAlgorithm::Sha256, DigestAlgorithm::Blake3] {
            let mut chain = SignatureChain::new(alg, &file_id);
            assert_eq!(chain.digest(), [0u8; DIGEST_LEN]);
            chain.push(&[b"SIGN-one"]);
            assert_eq!(
                chain.digest(),
                alg.digest(&[CHAIN_DOMAIN, &file_id, b"SIGN-one"])
            );
            // Parts are concatenated: one chunk given in two pieces is the same link.
            chain.push(&[b"SIGN", b"-two"]);
            assert_eq!(
                chain.digest(),
                alg.digest(&[CHAIN_DOMAIN, &file_id, b"SIGN-one", b"SIGN-two"])
            );
            // Asking for the digest does not consume the state.
            assert_eq!(chain.digest(), chain.digest());
        }
    }

    #[test]
    fn manifest_digest_of_parts_matches_the_whole() {
        let file_id = [3u8; 16];
        let alg = DigestAlgorithm::Sha256;
        assert_eq!(
            manifest_digest(alg, &file_id, b"MANI-chunk"),
            manifest_digest_of_parts(alg, &file_id, &[b"MANI", b"-chunk"])
        );
    }

    #[test]
    fn ids_round_trip_and_unknown_is_rejected() {
        for alg in [DigestAlgorithm::Sha256, DigestAlgorithm::Blake3] {
            assert_eq!(DigestAlgorithm::from_id(alg.id()).ok(), Some(alg));
            assert_eq!(DigestAlgorithm::from_name(alg.name()).ok(), Some(alg));
        }
        assert_eq!(
            DigestAlgorithm::from_id(0).map_err(|e| e.kind()).err(),
            Some(ErrorKind::UnsupportedDigest)
        );
    }
}
