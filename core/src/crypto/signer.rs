//! Interim signer shapes; the full module replaces this file.
#![allow(missing_docs, missing_debug_implementations)]
use crate::error::Result;
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct KeyId(pub [u8; 16]);
impl KeyId {
    pub fn from_public_key(pk: &[u8; 32]) -> KeyId {
        let d = crate::crypto::DigestAlgorithm::Sha256.digest(&[b"scanx-key-id-v1\0", pk]);
        let mut o = [0; 16];
        o.copy_from_slice(&d[..16]);
        KeyId(o)
    }
}
pub struct PublicKey(pub [u8; 32]);
impl PublicKey {
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }
    pub fn key_id(&self) -> KeyId {
        KeyId::from_public_key(&self.0)
    }
}
pub trait Signer: Send + Sync {
    fn public_key(&self) -> Result<PublicKey>;
    fn sign(&self, message: &[u8]) -> Result<[u8; 64]>;
}
