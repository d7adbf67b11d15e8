//! Ed25519 keys, and signers (a key, or a signing callback for keys held elsewhere).

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use scanx::crypto::{PublicKey, Role, Signer, SigningKey, PUBLIC_KEY_LEN, SIGNATURE_LEN};

use crate::callbacks::{callback_signer, scanx_sign_fn, user_data};
use crate::ffi;
use crate::status::{scanx_status, Failure};

/// An Ed25519 private key (its secret is wiped from memory when freed).
///
/// Thread safety: may be shared between threads for every call but `scanx_key_free`.
pub struct scanx_key {
    pub(crate) key: SigningKey,
}

/// Whoever signs: a private key in this process, or a callback to one held elsewhere (an
/// HSM, a KMS). Made by `scanx_signer_from_key` or `scanx_signer_from_callback`.
///
/// Thread safety: may be shared between threads; it is used only during the writer and
/// editor calls it is passed to (which keep their own reference, so it may be freed right
/// after being passed).
pub struct scanx_signer {
    pub(crate) signer: Arc<dyn Signer>,
}

/// The role a signature claims (the ids the file stores).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum scanx_role {
    /// A role newer than this header.
    SCANX_ROLE_UNKNOWN = 0,
    /// The scanner that captured the image.
    SCANX_ROLE_SCANNER = 1,
    /// A customs agency that exports, redacts or transfers the file.
    SCANX_ROLE_AGENCY = 2,
    /// The receiving agency countersigning what it received.
    SCANX_ROLE_RECIPIENT = 3,
    /// An analyst or algorithm adding annotations.
    SCANX_ROLE_ANALYST = 4,
}

impl scanx_role {
    pub(crate) fn from_core(role: Role) -> scanx_role {
        match role {
            Role::Scanner => scanx_role::SCANX_ROLE_SCANNER,
            Role::Agency => scanx_role::SCANX_ROLE_AGENCY,
            Role::Recipient => scanx_role::SCANX_ROLE_RECIPIENT,
            Role::Analyst => scanx_role::SCANX_ROLE_ANALYST,
            _ => scanx_role::SCANX_ROLE_UNKNOWN,
        }
    }
}

/// A role from its C value (`SCANX_INVALID_ARGUMENT` for any other value).
pub(crate) fn role_from_c(value: u32) -> Result<Role, Failure> {
    u8::try_from(value)
        .ok()
        .and_then(|id| Role::from_id(id).ok())
        .ok_or_else(|| Failure::invalid(format!("{value} is not a scanx_role")))
}

fn key_out(out_key: *mut *mut scanx_key, key: SigningKey) -> Result<(), Failure> {
    ffi::out(out_key, "out_key")?.write(ffi::into_handle(scanx_key { key }));
    Ok(())
}

/// Generates a new key from the operating system's random source.
#[no_mangle]
pub extern "C" fn scanx_key_generate(out_key: *mut *mut scanx_key) -> scanx_status {
    ffi::guard(|| {
        ffi::out(out_key, "out_key")?;
        key_out(out_key, SigningKey::generate()?)
    })
}

/// Parses a private key from PKCS#8 PEM text (`pem_len` bytes at `pem`, no NUL needed);
/// `SCANX_BAD_KEY` if it is not one.
#[no_mangle]
pub extern "C" fn scanx_key_from_pem(
    pem: *const u8,
    pem_len: usize,
    out_key: *mut *mut scanx_key,
) -> scanx_status {
    ffi::guard(|| {
        ffi::out(out_key, "out_key")?;
        let bytes = ffi::bytes(pem, pem_len, "pem")?;
        let text = std::str::from_utf8(bytes).map_err(|_| {
            Failure::from(scanx::Error::new(
                scanx::ErrorKind::BadKey,
                "the PEM text is not UTF-8",
            ))
        })?;
        key_out(out_key, SigningKey::from_pkcs8_pem(text)?)
    })
}

/// Reads a private key from a PKCS#8 PEM file.
#[no_mangle]
pub extern "C" fn scanx_key_load_pem(
    path: *const c_char,
    out_key: *mut *mut scanx_key,
) -> scanx_status {
    ffi::guard(|| {
        ffi::out(out_key, "out_key")?;
        let path = ffi::path(path, "path")?;
        key_out(out_key, SigningKey::read_pem_file(&path)?)
    })
}

/// Writes the private key as a PKCS#8 PEM file, atomically and readable by the owner
/// only (mode 0600).
#[no_mangle]
pub extern "C" fn scanx_key_save_pem(key: *const scanx_key, path: *const c_char) -> scanx_status {
    ffi::guard(|| {
        let k = ffi::arg_ref(key, "key")?;
        let path = ffi::path(path, "path")?;
        k.key.write_pem_file(&path)?;
        Ok(())
    })
}

/// The private key as PKCS#8 PEM text in `*out_pem` (free with `scanx_string_free`;
/// the library cannot wipe it once handed over: overwrite it before freeing).
#[no_mangle]
pub extern "C" fn scanx_key_private_pem(
    key: *const scanx_key,
    out_pem: *mut *mut c_char,
) -> scanx_status {
    ffi::guard(|| {
        let k = ffi::arg_ref(key, "key")?;
        let out = ffi::out(out_pem, "out_pem")?;
        let pem = k.key.to_pkcs8_pem();
        out.write(ffi::into_c_string(pem.as_bytes().to_vec())?);
        Ok(())
    })
}

/// The public key as SPKI PEM text in `*out_pem` (free with `scanx_string_free`).
#[no_mangle]
pub extern "C" fn scanx_key_public_pem(
    key: *const scanx_key,
    out_pem: *mut *mut c_char,
) -> scanx_status {
    ffi::guard(|| {
        let k = ffi::arg_ref(key, "key")?;
        let out = ffi::out(out_pem, "out_pem")?;
        out.write(ffi::into_c_string(k.key.public_key().to_pem())?);
        Ok(())
    })
}

/// The 32-byte Ed25519 public key into `out` (`out_len` at least 32).
#[no_mangle]
pub extern "C" fn scanx_key_public_key(
    key: *const scanx_key,
    out: *mut u8,
    out_len: usize,
) -> scanx_status {
    ffi::guard(|| {
        let k = ffi::arg_ref(key, "key")?;
        let buf = ffi::bytes_mut(out, out_len, "out")?;
        if buf.len() < PUBLIC_KEY_LEN {
            return Err(Failure::invalid(format!(
                "out_len is {out_len}, a public key needs {PUBLIC_KEY_LEN} bytes"
            )));
        }
        buf[..PUBLIC_KEY_LEN].copy_from_slice(&k.key.public_key().to_bytes());
        Ok(())
    })
}

/// The key id (32 lower-case hex digits, as trust stores and reports name keys) in
/// `*out_hex` (free with `scanx_string_free`).
#[no_mangle]
pub extern "C" fn scanx_key_id(key: *const scanx_key, out_hex: *mut *mut c_char) -> scanx_status {
    ffi::guard(|| {
        let k = ffi::arg_ref(key, "key")?;
        let out = ffi::out(out_hex, "out_hex")?;
        out.write(ffi::into_c_string(k.key.public_key().key_id().to_hex())?);
        Ok(())
    })
}

/// Signs `message_len` bytes at `message` (plain Ed25519, RFC 8032), writing the 64-byte
/// signature into `out_signature` (`out_len` at least 64). For signing callbacks that
/// keep a key in this library, and for tests.
#[no_mangle]
pub extern "C" fn scanx_key_sign(
    key: *const scanx_key,
    message: *const u8,
    message_len: usize,
    out_signature: *mut u8,
    out_len: usize,
) -> scanx_status {
    ffi::guard(|| {
        let k = ffi::arg_ref(key, "key")?;
        let message = ffi::bytes(message, message_len, "message")?;
        let out = ffi::bytes_mut(out_signature, out_len, "out_signature")?;
        if out.len() < SIGNATURE_LEN {
            return Err(Failure::invalid(format!(
                "out_len is {out_len}, a signature needs {SIGNATURE_LEN} bytes"
            )));
        }
        let signature = Signer::sign(&k.key, message)?;
        out[..SIGNATURE_LEN].copy_from_slice(&signature);
        Ok(())
    })
}

/// Frees a key and wipes its secret. NULL is a no-op. Returns `SCANX_OK`.
#[no_mangle]
pub extern "C" fn scanx_key_free(key: *mut scanx_key) -> scanx_status {
    ffi::guard(|| {
        ffi::free_handle(key);
        Ok(())
    })
}

/// A signer using a copy of `key` (the key may be freed afterwards).
#[no_mangle]
pub extern "C" fn scanx_signer_from_key(
    key: *const scanx_key,
    out_signer: *mut *mut scanx_signer,
) -> scanx_status {
    ffi::guard(|| {
        let k = ffi::arg_ref(key, "key")?;
        let out = ffi::out(out_signer, "out_signer")?;
        out.write(ffi::into_handle(scanx_signer {
            signer: Arc::new(k.key.clone()),
        }));
        Ok(())
    })
}

/// A signer whose signatures come from `sign`, for the Ed25519 key whose 32-byte public
/// key is at `public_key` (`public_key_len` = 32). `user_data` is passed to `sign`
/// untouched and must stay valid as long as any writer or editor the signer was passed
/// to. Every signature the callback returns is verified against the public key before it
/// is used (`SCANX_SIGNER_FAILED` otherwise). `SCANX_BAD_KEY` if the public key is
/// unusable.
#[no_mangle]
pub extern "C" fn scanx_signer_from_callback(
    public_key: *const u8,
    public_key_len: usize,
    sign: scanx_sign_fn,
    user_data_ptr: *mut c_void,
    out_signer: *mut *mut scanx_signer,
) -> scanx_status {
    ffi::guard(|| {
        let out = ffi::out(out_signer, "out_signer")?;
        let bytes = ffi::bytes(public_key, public_key_len, "public_key")?;
        if sign.is_none() {
            return Err(Failure::null("sign"));
        }
        let array: [u8; PUBLIC_KEY_LEN] = bytes.try_into().map_err(|_| {
            Failure::invalid(format!(
                "public_key_len is {public_key_len}, an Ed25519 public key is {PUBLIC_KEY_LEN} bytes"
            ))
        })?;
        let public = PublicKey::from_bytes(&array)?;
        let signer = callback_signer(public, sign, user_data(user_data_ptr));
        out.write(ffi::into_handle(scanx_signer {
            signer: Arc::new(signer),
        }));
        Ok(())
    })
}

/// The key id of the signer's public key (32 lower-case hex digits) in `*out_hex` (free
/// with `scanx_string_free`).
#[no_mangle]
pub extern "C" fn scanx_signer_key_id(
    signer: *const scanx_signer,
    out_hex: *mut *mut c_char,
) -> scanx_status {
    ffi::guard(|| {
        let s = ffi::arg_ref(signer, "signer")?;
        let out = ffi::out(out_hex, "out_hex")?;
        let id = s.signer.public_key()?.key_id().to_hex();
        out.write(ffi::into_c_string(id)?);
        Ok(())
    })
}

/// Frees a signer. NULL is a no-op. Returns `SCANX_OK`.
#[no_mangle]
pub extern "C" fn scanx_signer_free(signer: *mut scanx_signer) -> scanx_status {
    ffi::guard(|| {
        ffi::free_handle(signer);
        Ok(())
    })
}
