//! Digests, keys, signers and trust.

pub mod digest;
pub mod role;

pub use digest::{Digest, DigestAlgorithm};
pub use role::Role;
pub mod signer;
pub use signer::{KeyId, PublicKey, Signer};
