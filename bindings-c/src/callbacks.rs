//! C callbacks behind core's traits: a [`scanx::Source`] over read-at and size callbacks, a
//! `Write` over a write callback, and a [`scanx::crypto::Signer`] over a signing callback
//! (through core's `CallbackSigner`, which checks every signature it returns).

use std::ffi::{c_int, c_void};

use scanx::crypto::{CallbackSigner, PublicKey, Signer, SIGNATURE_LEN};
use scanx::{Error, ErrorKind, Result};

use crate::ffi::UserData;

/// Reads `len` bytes at `offset` of the file into `buf`. Returns 0 once all `len` bytes
/// are in `buf`, anything else on failure (the reader then fails with `SCANX_IO`, or
/// `SCANX_TRUNCATED` if the callback returns `SCANX_READ_PAST_END`).
///
/// Called from the threads that use the reader and from the library's decoding threads,
/// possibly several at once: it must be thread-safe and must not keep a file position.
pub type scanx_read_at_fn =
    Option<extern "C" fn(user_data: *mut c_void, offset: u64, buf: *mut u8, len: usize) -> c_int>;

/// Writes the total size of the file in bytes into `*out_size`; returns 0 on success.
/// Same thread rules as [`scanx_read_at_fn`].
pub type scanx_size_fn = Option<extern "C" fn(user_data: *mut c_void, out_size: *mut u64) -> c_int>;

/// Writes `len` bytes of output; returns 0 once all are written, anything else on failure
/// (the write then fails with `SCANX_IO`). Called on the calling thread only, in order.
pub type scanx_write_fn =
    Option<extern "C" fn(user_data: *mut c_void, buf: *const u8, len: usize) -> c_int>;

/// Signs `message_len` bytes at `message` with the private half of the public key it was
/// registered with, writing the 64-byte Ed25519 signature (RFC 8032) into `signature`
/// (`signature_len` is 64). Returns 0 on success, anything else on failure (the signing
/// call then fails with `SCANX_SIGNER_FAILED`). Every signature is checked against the
/// public key before use. Called on the thread that finishes or saves, during that call.
pub type scanx_sign_fn = Option<
    extern "C" fn(
        user_data: *mut c_void,
        message: *const u8,
        message_len: usize,
        signature: *mut u8,
        signature_len: usize,
    ) -> c_int,
>;

/// What a [`scanx_read_at_fn`] returns to say the range lies past the end of the file.
pub const SCANX_READ_PAST_END: c_int = -2;

/// A file reached through the caller's callbacks.
#[derive(Debug)]
pub(crate) struct CallbackSource {
    pub(crate) read_at: scanx_read_at_fn,
    pub(crate) size: scanx_size_fn,
    pub(crate) user: UserData,
}

impl scanx::Source for CallbackSource {
    fn len(&self) -> Result<u64> {
        let mut size = 0u64;
        let Some(size_fn) = self.size else {
            return Err(Error::new(ErrorKind::InvalidArgument, "no size callback"));
        };
        let rc = size_fn(self.user.get(), &mut size);
        if rc != 0 {
            return Err(Error::new(
                ErrorKind::Io,
                format!("the size callback failed with {rc}"),
            ));
        }
        Ok(size)
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        let Some(read_at) = self.read_at else {
            return Err(Error::new(ErrorKind::InvalidArgument, "no read callback"));
        };
        let rc = read_at(self.user.get(), offset, buf.as_mut_ptr(), buf.len());
        match rc {
            0 => Ok(()),
            SCANX_READ_PAST_END => Err(Error::at(
                ErrorKind::Truncated,
                offset,
                format!("the read callback has no {} bytes at {offset}", buf.len()),
            )),
            rc => Err(Error::at(
                ErrorKind::Io,
                offset,
                format!(
                    "the read callback failed with {rc} reading {} bytes",
                    buf.len()
                ),
            )),
        }
    }
}

/// Output through the caller's write callback.
pub(crate) struct CallbackSink {
    pub(crate) write: scanx_write_fn,
    pub(crate) user: UserData,
}

impl std::io::Write for CallbackSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        let Some(write) = self.write else {
            return Err(std::io::Error::other("no write callback"));
        };
        let rc = write(self.user.get(), buf.as_ptr(), buf.len());
        if rc != 0 {
            return Err(std::io::Error::other(format!(
                "the write callback failed with {rc}"
            )));
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A signer whose signatures come from the caller's callback.
pub(crate) fn callback_signer(
    public_key: PublicKey,
    sign: scanx_sign_fn,
    user: UserData,
) -> impl Signer {
    CallbackSigner::new(public_key, move |message: &[u8]| {
        let mut signature = [0u8; SIGNATURE_LEN];
        let Some(sign) = sign else {
            return Err("no signing callback".to_owned());
        };
        let rc = sign(
            user.get(),
            message.as_ptr(),
            message.len(),
            signature.as_mut_ptr(),
            signature.len(),
        );
        if rc != 0 {
            return Err(format!("the signing callback returned {rc}"));
        }
        Ok(signature)
    })
}

/// The user data pointer as the callbacks get it.
pub(crate) fn user_data(ptr: *mut c_void) -> UserData {
    UserData(ptr)
}
