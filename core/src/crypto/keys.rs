//! Ed25519 keys: key ids, public keys (SPKI PEM), private keys (PKCS#8 PEM) and key files.
//!
//! Every public key accepted here is canonically encoded and of large order, and every
//! signature check is strict (RFC 8032 section 5.1.7 plus the rejection of small-order
//! points): a file's signatures mean the same thing to every conforming implementation.

use std::fmt;
use std::io::Read;
use std::path::Path;

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{
    DecodePrivateKey as _, DecodePublicKey as _, EncodePrivateKey as _, EncodePublicKey as _,
    KeypairBytes,
};
use sha2::Digest as _;
use zeroize::Zeroizing;

use crate::atomic::{write_bytes_atomic, Access};
use crate::error::{Error, ErrorKind, Result};

/// Domain-separation prefix of a key id.
pub const KEY_ID_DOMAIN: &[u8] = b"scanx-key-id-v1\0";

/// Length in bytes of an Ed25519 public key.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length in bytes of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;

/// Largest key file [`SigningKey::read_pem_file`] and [`PublicKey::read_pem_file`] read. A PKCS#8 Ed25519 key in PEM is
/// under 200 bytes; the bound keeps a wrong path (a disk image, a device) from being
/// read whole.
const MAX_PEM_FILE_BYTES: u64 = 64 << 10;

/// A key identifier: the first 16 bytes of SHA-256(`"scanx-key-id-v1\0"` || public key).
///
/// Stored in every signature record and in the trust store. Shown as 32 lower-case hex
/// digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 16]);

impl KeyId {
    /// The key id of a 32-byte Ed25519 public key.
    pub fn from_public_key(public_key: &[u8; PUBLIC_KEY_LEN]) -> KeyId {
        let digest = sha2::Sha256::new()
            .chain_update(KEY_ID_DOMAIN)
            .chain_update(public_key)
            .finalize();
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        KeyId(id)
    }

    /// The 32 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 32 hex digits (either case). Anything else fails with `INVALID_ARGUMENT`.
    pub fn from_hex(text: &str) -> Result<KeyId> {
        let mut id = [0u8; 16];
        hex::decode_to_slice(text, &mut id).map_err(|e| {
            Error::invalid_argument(format!(
                "{text:?} is not a key id (32 hex digits expected): {e}"
            ))
        })?;
        Ok(KeyId(id))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.to_hex())
    }
}

impl std::str::FromStr for KeyId {
    type Err = Error;

    fn from_str(text: &str) -> Result<KeyId> {
        KeyId::from_hex(text)
    }
}

impl serde::Serialize for KeyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for KeyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        KeyId::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

/// An Ed25519 public key that is safe to verify with: canonically encoded and not of
/// small order.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl PublicKey {
    /// Parses the 32-byte encoding (RFC 8032 section 5.1.2).
    ///
    /// Fails with `BAD_KEY` if the bytes are not a point of the curve, are a non-canonical
    /// encoding of one (two encodings of one key would have two key ids), or are a weak
    /// key of small order (for which a signature can be forged that verifies for almost
    /// every message under lax verification).
    pub fn from_bytes(bytes: &[u8; PUBLIC_KEY_LEN]) -> Result<Self> {
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes).map_err(|_| {
            Error::new(
                ErrorKind::BadKey,
                "the public key is not a valid Ed25519 point",
            )
        })?;
        if key.to_edwards().compress().to_bytes() != *bytes {
            return Err(Error::new(
                ErrorKind::BadKey,
                "the public key is not canonically encoded",
            ));
        }
        if key.is_weak() {
            return Err(Error::new(
                ErrorKind::BadKey,
                "the public key is a weak key of small order",
            ));
        }
        Ok(PublicKey(key))
    }

    /// The 32-byte encoding.
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.0.to_bytes()
    }

    /// The key id derived from the encoding.
    pub fn key_id(&self) -> KeyId {
        KeyId::from_public_key(self.0.as_bytes())
    }

    /// The key as an RFC 8410 SubjectPublicKeyInfo in PEM (`-----BEGIN PUBLIC KEY-----`),
    /// as OpenSSL writes and reads it. Lines end with LF; the text ends with a newline.
    pub fn to_pem(&self) -> String {
        self.0
            .to_public_key_pem(LineEnding::LF)
            // The encoding of a 32-byte key has a fixed size and cannot fail.
            .expect("an Ed25519 SubjectPublicKeyInfo always encodes")
    }

    /// Parses a SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`) of an Ed25519 key.
    /// Whitespace around the PEM block is ignored. Fails with `BAD_KEY`.
    pub fn from_pem(pem: &str) -> Result<Self> {
        let key = ed25519_dalek::VerifyingKey::from_public_key_pem(pem.trim()).map_err(|e| {
            Error::new(
                ErrorKind::BadKey,
                format!("not an Ed25519 public key in SPKI PEM: {e}"),
            )
        })?;
        PublicKey::from_bytes(key.as_bytes())
    }

    /// Writes the key as SPKI PEM ([`PublicKey::to_pem`]) to `path`, replacing any file
    /// there. The file is readable by anyone the umask allows (a public key is no secret)
    /// and written atomically, as [`SigningKey::write_pem_file`] writes a private key.
    ///
    /// ```
    /// use scanx::crypto::{PublicKey, SigningKey};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("scanner.pub.pem");
    /// let public = SigningKey::from_seed(&[7; 32]).public_key();
    /// public.write_pem_file(&path)?;
    /// assert_eq!(PublicKey::read_pem_file(&path)?, public);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_pem_file(&self, path: impl AsRef<Path>) -> Result<()> {
        write_bytes_atomic(path.as_ref(), Access::Shared, self.to_pem().as_bytes())
    }

    /// Reads a key written by [`PublicKey::write_pem_file`] (or by OpenSSL:
    /// `openssl pkey -pubout`). Fails with `IO` if the file cannot be read, `BAD_KEY` if it
    /// does not hold an Ed25519 public key in SPKI PEM (a private key file is refused too).
    pub fn read_pem_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = read_key_file(path)?;
        let text = pem_text(path, &bytes)?;
        PublicKey::from_pem(text).map_err(|e| {
            Error::new(
                ErrorKind::BadKey,
                format!("{}: {}", path.display(), e.message()),
            )
        })
    }

    /// Checks an Ed25519 signature of `message` strictly: the signature's `S` must be
    /// reduced (below the group order), its `R` canonically encoded and not of small order.
    /// Fails with `BAD_SIGNATURE`.
    pub fn verify_strict(&self, message: &[u8], signature: &[u8; SIGNATURE_LEN]) -> Result<()> {
        let signature = ed25519_dalek::Signature::from_bytes(signature);
        self.0.verify_strict(message, &signature).map_err(|_| {
            Error::new(
                ErrorKind::BadSignature,
                format!("the signature does not verify under key {}", self.key_id()),
            )
        })
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", hex::encode(self.0.as_bytes()))
    }
}

/// An Ed25519 private key held in memory. Its bytes are wiped when it is dropped, and
/// neither `Debug` nor any error message ever shows them.
#[derive(Clone)]
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// A new random key from the operating system's random number generator.
    ///
    /// Fails with `IO` only if the operating system cannot provide randomness.
    pub fn generate() -> Result<SigningKey> {
        use rand_core::RngCore as _;
        let mut seed = Zeroizing::new([0u8; 32]);
        rand_core::OsRng.try_fill_bytes(&mut *seed).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!("the operating system provided no randomness: {e}"),
            )
        })?;
        Ok(SigningKey::from_seed(&seed))
    }

    /// The key of a 32-byte seed (the RFC 8032 private key). For test vectors and for keys
    /// kept elsewhere; a real key comes from [`SigningKey::generate`].
    pub fn from_seed(seed: &[u8; 32]) -> SigningKey {
        SigningKey(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        // The public key of a real private key is never of small order: it is a multiple
        // of the base point by a clamped scalar, which is not a multiple of the group order.
        PublicKey(self.0.verifying_key())
    }

    /// Signs `message`. Deterministic (RFC 8032): the same key and message give the same
    /// signature.
    pub(crate) fn sign_bytes(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        ed25519_dalek::Signer::sign(&self.0, message).to_bytes()
    }

    /// The key as unencrypted PKCS#8 v1 PEM (`-----BEGIN PRIVATE KEY-----`, RFC 8410), the
    /// form OpenSSL 1.1.1 and later read. The text is wiped from memory when dropped; write
    /// it only where a private key belongs (see [`SigningKey::write_pem_file`]).
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        // v1, without the public key: the shortest form, and the one OpenSSL writes. The
        // pkcs8 crate wipes its DER and base64 buffers, and `KeypairBytes` its seed copy.
        KeypairBytes {
            secret_key: self.0.to_bytes(),
            public_key: None,
        }
        .to_pkcs8_pem(LineEnding::LF)
        // The encoding of a 32-byte seed has a fixed size and cannot fail.
        .expect("an Ed25519 PKCS#8 v1 key always encodes")
    }

    /// Parses an unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) of an Ed25519 key,
    /// v1 or v2; a v2 key's embedded public key must match its private key. Whitespace
    /// around the PEM block is ignored. Fails with `BAD_KEY`.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self> {
        let pem = pem.trim();
        if pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Err(Error::new(
                ErrorKind::BadKey,
                "encrypted PKCS#8 keys are not supported: decrypt the key first, or sign \
                 through an external signer",
            ));
        }
        ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
            .map(SigningKey)
            .map_err(|e| {
                Error::new(
                    ErrorKind::BadKey,
                    format!("not an Ed25519 private key in PKCS#8 PEM: {e}"),
                )
            })
    }

    /// Writes the key as PKCS#8 PEM to `path`, replacing any file there.
    ///
    /// The file is created readable by its owner only (mode 0600 on Unix) and written
    /// atomically: a temporary file in the same directory, synced, then renamed into place.
    pub fn write_pem_file(&self, path: impl AsRef<Path>) -> Result<()> {
        let pem = self.to_pkcs8_pem();
        write_bytes_atomic(path.as_ref(), Access::OwnerOnly, pem.as_bytes())
    }

    /// Reads a key written by [`SigningKey::write_pem_file`] (or by OpenSSL:
    /// `openssl genpkey -algorithm ed25519`). Fails with `IO` if the file cannot be read,
    /// `BAD_KEY` if it does not hold an Ed25519 private key.
    pub fn read_pem_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = read_key_file(path)?;
        let text = pem_text(path, &bytes)?;
        SigningKey::from_pkcs8_pem(text).map_err(|e| {
            Error::new(
                ErrorKind::BadKey,
                format!("{}: {}", path.display(), e.message()),
            )
        })
    }
}

/// The bytes of a key file, at most [`MAX_PEM_FILE_BYTES`] of them, in memory that is
/// wiped when dropped. Fails with `IO` if the file cannot be read, `BAD_KEY` if it is
/// larger.
fn read_key_file(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    let io_error =
        |e: std::io::Error| Error::new(ErrorKind::Io, format!("{}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(io_error)?;
    let mut bytes = Zeroizing::new(Vec::with_capacity(1024));
    file.take(MAX_PEM_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > MAX_PEM_FILE_BYTES {
        return Err(Error::new(
            ErrorKind::BadKey,
            format!(
                "{}: larger than {MAX_PEM_FILE_BYTES} bytes, not a key file",
                path.display()
            ),
        ));
    }
    Ok(bytes)
}

/// The text of a key file; `BAD_KEY` if it is not UTF-8.
fn pem_text<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|_| {
        Error::new(
            ErrorKind::BadKey,
            format!("{}: not a PEM text file", path.display()),
        )
    })
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.public_key().key_id())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8032 section 7.1, test 1.
    const RFC8032_SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const RFC8032_PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const RFC8032_SIGNATURE: &str = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    /// RFC 8410 sections 10.1 and 10.3: a public key and a private key in PEM.
    const RFC8410_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----\n\
        MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n\
        -----END PUBLIC KEY-----\n";
    const RFC8410_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----\n\
        MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n\
        -----END PRIVATE KEY-----\n";

    #[test]
    fn public_key_files_round_trip_and_refuse_what_is_not_a_public_key() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("key.pub.pem");
        let public = PublicKey::from_pem(RFC8410_PUBLIC_PEM)?;
        public.write_pem_file(&path)?;
        assert_eq!(std::fs::read_to_string(&path)?, public.to_pem());
        assert_eq!(PublicKey::read_pem_file(&path)?, public);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)?.permissions().mode() & 0o777;
            assert_eq!(mode & 0o600, 0o600, "{mode:o}");
        }
        // A private key file, a missing file and a huge file are refused.
        let private = dir.path().join("key.pem");
        std::fs::write(&private, RFC8410_PRIVATE_PEM)?;
        let e = PublicKey::read_pem_file(&private).expect_err("a private key");
        assert_eq!(e.kind(), ErrorKind::BadKey);
        assert!(e.message().contains("key.pem"), "{e}");
        let e = PublicKey::read_pem_file(dir.path().join("absent.pem")).expect_err("absent");
        assert_eq!(e.kind(), ErrorKind::Io);
        let huge = dir.path().join("huge.pem");
        std::fs::write(&huge, vec![b'A'; (MAX_PEM_FILE_BYTES + 1) as usize])?;
        let e = PublicKey::read_pem_file(&huge).expect_err("huge");
        assert_eq!(e.kind(), ErrorKind::BadKey);
        Ok(())
    }

    /// The eight points of small order, canonically encoded.
    const SMALL_ORDER_POINTS: [&str; 8] = [
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    ];

    fn bytes32(text: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        assert!(hex::decode_to_slice(text, &mut out).is_ok(), "{text}");
        out
    }

    fn bytes64(text: &str) -> [u8; 64] {
        let mut out = [0u8; 64];
        assert!(hex::decode_to_slice(text, &mut out).is_ok(), "{text}");
        out
    }

    fn rfc8032_key() -> SigningKey {
        SigningKey::from_seed(&bytes32(RFC8032_SEED))
    }

    #[test]
    fn rfc8032_known_answer() -> Result<()> {
        let key = rfc8032_key();
        let public = key.public_key();
        assert_eq!(hex::encode(public.to_bytes()), RFC8032_PUBLIC);
        let signature = key.sign_bytes(b"");
        assert_eq!(hex::encode(signature), RFC8032_SIGNATURE);
        public.verify_strict(b"", &bytes64(RFC8032_SIGNATURE))?;
        let err = public
            .verify_strict(b"x", &signature)
            .err()
            .map(|e| e.kind());
        assert_eq!(err, Some(ErrorKind::BadSignature));
        Ok(())
    }

    #[test]
    fn key_id_is_stable() {
        // Computed once from the definition; a change here breaks every published file.
        let id = rfc8032_key().public_key().key_id();
        assert_eq!(id.to_hex(), "121351f8978eaaafb06cff956018b7ca");
        assert_eq!(id, KeyId::from_public_key(&bytes32(RFC8032_PUBLIC)));
        assert_eq!(
            SigningKey::from_seed(&[1; 32])
                .public_key()
                .key_id()
                .to_hex(),
            "7d1073cb5242deba90a22890085e350c"
        );
    }

    #[test]
    fn key_id_hex_round_trips_and_rejects_junk() -> Result<()> {
        let id = rfc8032_key().public_key().key_id();
        assert_eq!(KeyId::from_hex(&id.to_hex())?, id);
        assert_eq!(KeyId::from_hex(&id.to_hex().to_uppercase())?, id);
        assert_eq!(id.to_string(), id.to_hex());
        assert_eq!(format!("{id:?}"), format!("KeyId({})", id.to_hex()));
        for junk in ["", "00", &"0".repeat(33), &"g".repeat(32), &"0".repeat(64)] {
            let err = KeyId::from_hex(junk).err().map(|e| e.kind());
            assert_eq!(err, Some(ErrorKind::InvalidArgument), "{junk:?}");
        }
        let json =
            serde_json::to_string(&id).map_err(|e| Error::invalid_argument(e.to_string()))?;
        assert_eq!(json, format!("\"{}\"", id.to_hex()));
        Ok(())
    }

    #[test]
    fn public_pem_round_trips_and_matches_the_reference_encoder() -> Result<()> {
        let public = rfc8032_key().public_key();
        let pem = public.to_pem();
        assert_eq!(PublicKey::from_pem(&pem)?, public);
        let reference = ed25519_dalek::VerifyingKey::from_bytes(&public.to_bytes())
            .ok()
            .and_then(|k| k.to_public_key_pem(LineEnding::LF).ok());
        assert_eq!(reference.as_deref(), Some(pem.as_str()));
        // CRLF line endings and surrounding whitespace, as found in files from Windows.
        let crlf = format!("\r\n  {}\r\n", pem.replace('\n', "\r\n"));
        assert_eq!(PublicKey::from_pem(&crlf)?, public);
        Ok(())
    }

    #[test]
    fn private_pem_round_trips_and_matches_the_reference_encoder() -> Result<()> {
        let key = rfc8032_key();
        let pem = key.to_pkcs8_pem();
        let back = SigningKey::from_pkcs8_pem(&pem)?;
        assert_eq!(back.public_key(), key.public_key());
        assert_eq!(back.sign_bytes(b"m"), key.sign_bytes(b"m"));
        // The reference encoder writes v1 when the public key is left out.
        let reference = ed25519_dalek::pkcs8::KeypairBytes {
            secret_key: bytes32(RFC8032_SEED),
            public_key: None,
        }
        .to_pkcs8_pem(LineEnding::LF)
        .ok();
        assert_eq!(reference.as_deref().map(|s| s.as_str()), Some(pem.as_str()));
        // A v2 key (with its public key) is read too.
        let v2 = key.0.to_pkcs8_pem(LineEnding::LF).ok();
        let v2 = v2.as_deref().map(|s| s.as_str()).unwrap_or_default();
        assert_ne!(v2, pem.as_str());
        assert_eq!(
            SigningKey::from_pkcs8_pem(v2)?.public_key(),
            key.public_key()
        );
        Ok(())
    }

    #[test]
    fn rfc8410_examples_parse_and_belong_together() -> Result<()> {
        let public = PublicKey::from_pem(RFC8410_PUBLIC_PEM)?;
        let private = SigningKey::from_pkcs8_pem(RFC8410_PRIVATE_PEM)?;
        assert_eq!(private.public_key(), public);
        assert_eq!(public.to_pem(), RFC8410_PUBLIC_PEM);
        assert_eq!(private.to_pkcs8_pem().as_str(), RFC8410_PRIVATE_PEM);
        Ok(())
    }

    /// Made by OpenSSL 3.0 (`openssl genpkey -algorithm ed25519`, then
    /// `openssl pkey -pubout`), not by this crate's encoder.
    const OPENSSL_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----\n\
        MC4CAQAwBQYDK2VwBCIEIBrdgbTVaafRHtsrVc1m5pYQz9izu5K0k+wAjHec08i9\n\
        -----END PRIVATE KEY-----\n";
    const OPENSSL_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----\n\
        MCowBQYDK2VwAyEAyXXv/vT3JiAH8x5VtqQVkbkFJQrZUz+SXFaJNfV6F2s=\n\
        -----END PUBLIC KEY-----\n";
    /// What `openssl pkey -text` shows of that key.
    const OPENSSL_SEED: &str = "1add81b4d569a7d11edb2b55cd66e69610cfd8b3bb92b493ec008c779cd3c8bd";
    const OPENSSL_PUBLIC: &str = "c975effef4f7262007f31e55b6a41591b905250ad9533f925c568935f57a176b";

    #[test]
    fn openssl_keys_read_and_are_written_back_byte_for_byte() -> Result<()> {
        let private = SigningKey::from_pkcs8_pem(OPENSSL_PRIVATE_PEM)?;
        let public = PublicKey::from_pem(OPENSSL_PUBLIC_PEM)?;
        assert_eq!(private.public_key(), public);
        assert_eq!(private.0.to_bytes(), bytes32(OPENSSL_SEED));
        assert_eq!(public.to_bytes(), bytes32(OPENSSL_PUBLIC));
        assert_eq!(private.to_pkcs8_pem().as_str(), OPENSSL_PRIVATE_PEM);
        assert_eq!(public.to_pem(), OPENSSL_PUBLIC_PEM);
        Ok(())
    }

    #[test]
    fn bad_pem_is_bad_key() {
        let private = rfc8032_key().to_pkcs8_pem();
        let public = rfc8032_key().public_key().to_pem();
        let encrypted =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n";
        for (what, result) in [
            ("empty", SigningKey::from_pkcs8_pem("").err()),
            (
                "public as private",
                SigningKey::from_pkcs8_pem(&public).err(),
            ),
            ("encrypted", SigningKey::from_pkcs8_pem(encrypted).err()),
            (
                "truncated",
                SigningKey::from_pkcs8_pem(&private[..60]).err(),
            ),
            ("private as public", PublicKey::from_pem(&private).err()),
            ("garbage", PublicKey::from_pem("hello").err()),
        ] {
            assert_eq!(result.map(|e| e.kind()), Some(ErrorKind::BadKey), "{what}");
        }
        // A v2 key whose embedded public key belongs to another key.
        let other = SigningKey::from_seed(&[7; 32]).public_key().to_bytes();
        let mismatched = ed25519_dalek::pkcs8::KeypairBytes {
            secret_key: bytes32(RFC8032_SEED),
            public_key: Some(ed25519_dalek::pkcs8::PublicKeyBytes(other)),
        }
        .to_pkcs8_pem(LineEnding::LF)
        .ok();
        let mismatched = mismatched
            .as_deref()
            .map(|s| s.as_str())
            .unwrap_or_default();
        assert!(mismatched.starts_with("-----BEGIN PRIVATE KEY-----"));
        let err = SigningKey::from_pkcs8_pem(mismatched)
            .err()
            .map(|e| e.kind());
        assert_eq!(err, Some(ErrorKind::BadKey));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let key = rfc8032_key();
        let shown = format!("{key:?} {:?}", key.clone());
        assert!(shown.contains(&key.public_key().key_id().to_hex()));
        assert!(!shown.to_lowercase().contains(&RFC8032_SEED[..8]));
        assert!(!shown.contains("secret"));
    }

    #[test]
    fn generated_keys_differ_and_work() -> Result<()> {
        let a = SigningKey::generate()?;
        let b = SigningKey::generate()?;
        assert_ne!(a.public_key(), b.public_key());
        a.public_key().verify_strict(b"m", &a.sign_bytes(b"m"))?;
        Ok(())
    }

    #[test]
    fn small_order_public_keys_are_rejected() {
        for text in SMALL_ORDER_POINTS {
            let bytes = bytes32(text);
            // Each constant really is a small-order point (else this test would prove nothing).
            let lax = ed25519_dalek::VerifyingKey::from_bytes(&bytes);
            assert!(lax.map(|k| k.is_weak()).unwrap_or(false), "{text}");
            let err = PublicKey::from_bytes(&bytes).err().map(|e| e.kind());
            assert_eq!(err, Some(ErrorKind::BadKey), "{text}");
        }
    }

    #[test]
    fn strict_verification_refuses_the_universal_forgery_of_a_weak_key() -> Result<()> {
        // With the identity as public key, R = identity and S = 0 satisfy the cofactorless
        // equation [S]B = R + [k]A for every message. Lax verification accepts it.
        let identity = bytes32(SMALL_ORDER_POINTS[0]);
        let lax = ed25519_dalek::VerifyingKey::from_bytes(&identity)
            .map_err(|_| Error::new(ErrorKind::BadKey, "identity must decode"))?;
        let mut forged = [0u8; 64];
        forged[..32].copy_from_slice(&identity);
        let forged_signature = ed25519_dalek::Signature::from_bytes(&forged);
        assert!(ed25519_dalek::Verifier::verify(&lax, b"any message", &forged_signature).is_ok());
        // Even a weak key that slipped past `from_bytes` is refused at verification.
        let err = PublicKey(lax)
            .verify_strict(b"any message", &forged)
            .err()
            .map(|e| e.kind());
        assert_eq!(err, Some(ErrorKind::BadSignature));
        Ok(())
    }

    #[test]
    fn non_canonical_s_is_rejected() -> Result<()> {
        // The group order L, little-endian.
        const L: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let key = rfc8032_key();
        let signature = key.sign_bytes(b"message");
        key.public_key().verify_strict(b"message", &signature)?;
        // S + L is the same scalar mod L: the same signature in a second encoding.
        let mut malleated = signature;
        let mut carry = 0u16;
        for (byte, l) in malleated[32..].iter_mut().zip(L) {
            let sum = u16::from(*byte) + u16::from(l) + carry;
            *byte = sum as u8;
            carry = sum >> 8;
        }
        assert_eq!(carry, 0);
        assert_ne!(malleated, signature);
        let err = key
            .public_key()
            .verify_strict(b"message", &malleated)
            .err()
            .map(|e| e.kind());
        assert_eq!(err, Some(ErrorKind::BadSignature));
        Ok(())
    }

    #[test]
    fn non_canonical_public_key_encodings_are_rejected() {
        // y = p + k (p = 2^255 - 19) for small k encodes the same y as k. Find those that
        // decode to a large-order point under lax decoding; each must still be refused.
        let mut refused = 0;
        for k in 0u8..19 {
            let mut bytes = [0xffu8; 32];
            bytes[0] = 0xed + k;
            bytes[31] = 0x7f;
            let lax = ed25519_dalek::VerifyingKey::from_bytes(&bytes);
            if lax.map(|key| !key.is_weak()).unwrap_or(false) {
                let err = PublicKey::from_bytes(&bytes).err().map(|e| e.kind());
                assert_eq!(err, Some(ErrorKind::BadKey), "y = p + {k}");
                refused += 1;
            }
        }
        assert!(
            refused > 0,
            "no non-canonical large-order encoding was tried"
        );
    }

    #[test]
    fn key_files_round_trip_with_owner_only_permissions() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("signer.pem");
        let key = rfc8032_key();
        key.write_pem_file(&path)?;
        let back = SigningKey::read_pem_file(&path)?;
        assert_eq!(back.public_key(), key.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)?.permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        // Replacing keeps the mode and the content is the new key.
        let other = SigningKey::from_seed(&[9; 32]);
        other.write_pem_file(&path)?;
        assert_eq!(
            SigningKey::read_pem_file(&path)?.public_key(),
            other.public_key()
        );
        Ok(())
    }

    #[test]
    fn unreadable_or_oversized_key_files_fail_cleanly() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let missing = SigningKey::read_pem_file(dir.path().join("none.pem"))
            .err()
            .map(|e| e.kind());
        assert_eq!(missing, Some(ErrorKind::Io));
        let big = dir.path().join("big.pem");
        std::fs::write(&big, vec![b'A'; (MAX_PEM_FILE_BYTES + 1) as usize])?;
        let err = SigningKey::read_pem_file(&big).err().map(|e| e.kind());
        assert_eq!(err, Some(ErrorKind::BadKey));
        let binary = dir.path().join("binary.pem");
        std::fs::write(&binary, [0xff, 0xfe, 0x00])?;
        let err = SigningKey::read_pem_file(&binary).err().map(|e| e.kind());
        assert_eq!(err, Some(ErrorKind::BadKey));
        Ok(())
    }
}
