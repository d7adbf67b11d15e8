//! Digests, keys, signers and trust.

#[cfg(feature = "internals")]
pub mod digest;
#[cfg(not(feature = "internals"))]
#[allow(dead_code)]
pub(crate) mod digest;
pub mod keys;
pub mod role;
pub mod signer;
pub mod trust;

pub use digest::{Digest, DigestAlgorithm, Hasher, DIGEST_LEN};
pub use keys::{KeyId, PublicKey, SigningKey, KEY_ID_DOMAIN, PUBLIC_KEY_LEN, SIGNATURE_LEN};
pub use role::Role;
pub use signer::{CallbackSigner, Signer};
pub use trust::{Revocation, TrustDecision, TrustStore, TrustedKey};
/// Secret text and bytes that are wiped from memory when dropped (re-exported so callers
/// of [`SigningKey::to_pkcs8_pem`] need no direct dependency).
pub use zeroize::Zeroizing;
