//! Signing through whatever holds the private key.

use std::fmt;

use super::keys::{PublicKey, SigningKey, SIGNATURE_LEN};
use crate::error::{Error, ErrorKind, Result};

/// Signing through something that holds the private key (an HSM, a KMS, a remote service).
/// The library never needs the secret.
///
/// Implementations produce plain Ed25519 signatures (RFC 8032, not Ed25519ph or
/// Ed25519ctx) of exactly the bytes given. Failures are reported as `SIGNER_FAILED`.
pub trait Signer: Send + Sync {
    /// The public key whose private half signs.
    fn public_key(&self) -> Result<PublicKey>;

    /// The 64-byte Ed25519 signature of `message`.
    fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LEN]>;
}

impl Signer for SigningKey {
    fn public_key(&self) -> Result<PublicKey> {
        Ok(SigningKey::public_key(self))
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LEN]> {
        Ok(self.sign_bytes(message))
    }
}

impl<S: Signer + ?Sized> Signer for &S {
    fn public_key(&self) -> Result<PublicKey> {
        (**self).public_key()
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LEN]> {
        (**self).sign(message)
    }
}

impl<S: Signer + ?Sized> Signer for Box<S> {
    fn public_key(&self) -> Result<PublicKey> {
        (**self).public_key()
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LEN]> {
        (**self).sign(message)
    }
}

impl<S: Signer + ?Sized> Signer for std::sync::Arc<S> {
    fn public_key(&self) -> Result<PublicKey> {
        (**self).public_key()
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LEN]> {
        (**self).sign(message)
    }
}

/// A [`Signer`] made of a public key and a closure that signs, for signers outside Rust
/// (the C and Python bindings pass their callbacks through it).
///
/// Every signature the closure returns is checked against the public key before it is
/// used: a misconfigured HSM slot or a wrong key in a KMS fails here, at signing, rather
/// than at the recipient's verification.
pub struct CallbackSigner<F> {
    public_key: PublicKey,
    callback: F,
}

impl<F> CallbackSigner<F>
where
    F: Fn(&[u8]) -> std::result::Result<[u8; SIGNATURE_LEN], String> + Send + Sync,
{
    /// A signer for `public_key` whose signatures come from `callback`. The callback
    /// returns the signature or a message saying why it could not sign.
    pub fn new(public_key: PublicKey, callback: F) -> Self {
        CallbackSigner {
            public_key,
            callback,
        }
    }
}

impl<F> Signer for CallbackSigner<F>
where
    F: Fn(&[u8]) -> std::result::Result<[u8; SIGNATURE_LEN], String> + Send + Sync,
{
    fn public_key(&self) -> Result<PublicKey> {
        Ok(self.public_key)
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LEN]> {
        let key_id = self.public_key.key_id();
        let signature = (self.callback)(message).map_err(|reason| {
            Error::new(
                ErrorKind::SignerFailed,
                format!("the external signer for key {key_id} failed: {reason}"),
            )
        })?;
        self.public_key
            .verify_strict(message, &signature)
            .map_err(|_| {
                Error::new(
                    ErrorKind::SignerFailed,
                    format!(
                        "the external signer for key {key_id} returned a signature that does \
                         not verify under that key"
                    ),
                )
            })?;
        Ok(signature)
    }
}

impl<F> fmt::Debug for CallbackSigner<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackSigner")
            .field("key_id", &self.public_key.key_id())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_seed(&[3; 32])
    }

    /// Signs through any `Signer`, as the writer will.
    fn sign_with(signer: impl Signer, message: &[u8]) -> Result<[u8; SIGNATURE_LEN]> {
        let signature = signer.sign(message)?;
        signer.public_key()?.verify_strict(message, &signature)?;
        Ok(signature)
    }

    #[test]
    fn a_signing_key_is_a_signer_by_reference_box_and_arc() -> Result<()> {
        let key = key();
        let signature = sign_with(&key, b"manifest")?;
        let boxed: Box<dyn Signer> = Box::new(key.clone());
        assert_eq!(sign_with(boxed, b"manifest")?, signature);
        let shared: std::sync::Arc<dyn Signer> = std::sync::Arc::new(key);
        assert_eq!(sign_with(shared, b"manifest")?, signature);
        Ok(())
    }

    #[test]
    fn a_callback_signer_passes_good_signatures_through() -> Result<()> {
        let held = key();
        let signer = CallbackSigner::new(held.public_key(), move |m: &[u8]| Ok(held.sign_bytes(m)));
        let signature = signer.sign(b"manifest")?;
        signer
            .public_key()?
            .verify_strict(b"manifest", &signature)?;
        assert!(format!("{signer:?}").contains(&key().public_key().key_id().to_hex()));
        Ok(())
    }

    #[test]
    fn a_failing_callback_is_signer_failed() {
        let signer = CallbackSigner::new(key().public_key(), |_: &[u8]| {
            Err("HSM slot 2 is locked".to_string())
        });
        let err = signer.sign(b"manifest").err();
        assert_eq!(
            err.as_ref().map(|e| e.kind()),
            Some(ErrorKind::SignerFailed)
        );
        assert!(err
            .map(|e| e.message().contains("HSM slot 2 is locked"))
            .unwrap_or(false));
    }

    #[test]
    fn a_signature_by_another_key_is_signer_failed() {
        let wrong = SigningKey::from_seed(&[4; 32]);
        let signer =
            CallbackSigner::new(key().public_key(), move |m: &[u8]| Ok(wrong.sign_bytes(m)));
        let err = signer.sign(b"manifest").err().map(|e| e.kind());
        assert_eq!(err, Some(ErrorKind::SignerFailed));
    }
}
