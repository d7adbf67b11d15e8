//! Two-phase signing, for an offline HSM or a signing service reached by hand: the file is
//! written up to its manifest, the caller takes the exact message to sign away, and
//! attaches the signature when it comes back; only then are the index and tail written.
//!
//! ```
//! use scanx::crypto::{Role, Signer, SigningKey};
//! use scanx::detached::PendingSignature;
//! use scanx::metadata::{PlaneAttributes, ScanMetadata};
//! use scanx::pixels::{PixelBuffer, SampleType};
//! use scanx::{PlaneSpec, Timestamp, WriteOptions, Writer};
//!
//! let hsm = SigningKey::from_seed(&[9; 32]); // stands for a key that never leaves the HSM
//! let mut w = Writer::new(Vec::new(), &ScanMetadata::example(), WriteOptions::default())?;
//! let p = w.add_plane(PlaneSpec::new(SampleType::U16, 8, 8, PlaneAttributes::example_high_energy()))?;
//! w.write_plane(p, &PixelBuffer::zeroed(SampleType::U16, 8, 8)?)?;
//! let mut sealing = w.finish_detached(vec![PendingSignature::new(
//!     hsm.public_key(),
//!     Role::Scanner,
//!     Timestamp::from_unix_seconds(1_772_355_600),
//! )])?;
//! while let Some(message) = sealing.message() {
//!     let signature = Signer::sign(&hsm, &message)?; // done elsewhere, later
//!     sealing.attach(signature)?;
//! }
//! let file: Vec<u8> = sealing.finish()?;
//! # Ok::<(), scanx::Error>(())
//! ```

use std::io::Write;

use crate::crypto::{PublicKey, Role, SIGNATURE_LEN};
use crate::error::{Error, ErrorKind, Result};
use crate::seal::Sealing;
use crate::time::Timestamp;

/// A signature that will be attached later: whose it is, the role it claims, its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingSignature {
    /// The public key whose private half will sign.
    pub public_key: PublicKey,
    /// The role the signature claims.
    pub role: Role,
    /// The signing time; whole seconds are recorded, as for
    /// [`SignRequest::time`](crate::SignRequest::time).
    pub time: Timestamp,
}

impl PendingSignature {
    /// A pending signature by `public_key` in `role` at `time`.
    pub fn new(public_key: PublicKey, role: Role, time: Timestamp) -> Self {
        PendingSignature {
            public_key,
            role,
            time,
        }
    }
}

/// A generation sealed up to its manifest, waiting for its signatures in order (each one
/// signs the chain of those before it, so the next message exists only once the previous
/// signature is attached).
#[derive(Debug)]
pub struct DetachedSeal<W: Write> {
    sink: W,
    sealing: Sealing,
    pending: std::collections::VecDeque<PendingSignature>,
}

impl<W: Write> DetachedSeal<W> {
    pub(crate) fn new(sink: W, sealing: Sealing, pending: Vec<PendingSignature>) -> Self {
        DetachedSeal {
            sink,
            sealing,
            pending: pending.into(),
        }
    }

    /// The signature expected next, if any.
    pub fn next(&self) -> Option<&PendingSignature> {
        self.pending.front()
    }

    /// The exact bytes the next signature must sign (Ed25519 over these bytes, as spec
    /// section 8 defines them), or `None` when every signature is attached.
    pub fn message(&self) -> Option<Vec<u8>> {
        let next = self.pending.front()?;
        Some(self.sealing.message(&next.public_key, next.role, next.time))
    }

    /// Attaches the next signature. It is checked against the pending key first, as a
    /// callback signer's is: `SIGNER_FAILED` if it does not verify (a wrong HSM slot, a
    /// signature of another message), and nothing is written. `INVALID_STATE` if no
    /// signature is pending.
    pub fn attach(&mut self, signature: [u8; SIGNATURE_LEN]) -> Result<()> {
        let next = *self
            .pending
            .front()
            .ok_or_else(|| Error::new(ErrorKind::InvalidState, "no signature is pending"))?;
        self.sealing.add_signature(
            &mut self.sink,
            &next.public_key,
            next.role,
            next.time,
            |message| {
                next.public_key
                    .verify_strict(message, &signature)
                    .map_err(|_| {
                        Error::new(
                            ErrorKind::SignerFailed,
                            format!(
                                "the signature attached for key {} does not verify under that \
                                 key over this file's message",
                                next.public_key.key_id()
                            ),
                        )
                    })?;
                Ok(signature)
            },
        )?;
        self.pending.pop_front();
        Ok(())
    }

    /// Writes the index and the tail and returns the sink. `INVALID_STATE` while a
    /// signature is still pending.
    pub fn finish(mut self) -> Result<W> {
        self.sealing.end(&mut self.sink)?;
        Ok(self.sink)
    }
}
