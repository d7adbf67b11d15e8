//! Keys and trust stores (R10).

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use scanx::crypto::{self, Role, Signer};

use crate::error::IntoPy;

/// Parses a role name (`scanner`, `agency`, `recipient`, `analyst`).
pub fn role(name: &str) -> PyResult<Role> {
    Role::from_name(name).py()
}

/// An Ed25519 signing key (the private half).
#[pyclass(frozen, module = "scanx._scanx")]
#[derive(Debug)]
pub struct SigningKey {
    pub inner: crypto::SigningKey,
}

#[pymethods]
impl SigningKey {
    /// A new random key.
    #[staticmethod]
    fn generate() -> PyResult<Self> {
        Ok(SigningKey {
            inner: crypto::SigningKey::generate().py()?,
        })
    }

    /// The key derived from a 32-byte seed (for tests and reproducible output).
    #[staticmethod]
    fn from_seed(seed: &[u8]) -> PyResult<Self> {
        let seed: [u8; 32] = seed.try_into().map_err(|_| {
            crate::error::to_py(scanx::Error::invalid_argument(format!(
                "a seed has 32 bytes, not {}",
                seed.len()
            )))
        })?;
        Ok(SigningKey {
            inner: crypto::SigningKey::from_seed(&seed),
        })
    }

    /// Reads a PKCS#8 PEM private key.
    #[staticmethod]
    fn from_pem(pem: &str) -> PyResult<Self> {
        Ok(SigningKey {
            inner: crypto::SigningKey::from_pkcs8_pem(pem).py()?,
        })
    }

    /// The key as PKCS#8 PEM (keep it secret).
    fn to_pem(&self) -> String {
        self.inner.to_pkcs8_pem().to_string()
    }

    /// The public half.
    #[getter]
    fn public_key(&self) -> PublicKey {
        PublicKey {
            inner: self.inner.public_key(),
        }
    }

    /// The key id (32 hex digits), derived from the public key.
    #[getter]
    fn key_id(&self) -> String {
        self.inner.public_key().key_id().to_hex()
    }

    /// The 64-byte Ed25519 signature of `message`.
    fn sign<'py>(&self, py: Python<'py>, message: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let signature = Signer::sign(&self.inner, message).py()?;
        Ok(PyBytes::new(py, &signature))
    }

    fn __repr__(&self) -> String {
        format!("SigningKey(key_id='{}')", self.key_id())
    }
}

/// An Ed25519 public key.
#[pyclass(frozen, eq, hash, module = "scanx._scanx")]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PublicKey {
    pub inner: crypto::PublicKey,
}

#[pymethods]
impl PublicKey {
    /// Parses the 32-byte key.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        let bytes: [u8; 32] = data.try_into().map_err(|_| {
            crate::error::to_py(scanx::Error::new(
                scanx::ErrorKind::BadKey,
                format!("a public key has 32 bytes, not {}", data.len()),
            ))
        })?;
        Ok(PublicKey {
            inner: crypto::PublicKey::from_bytes(&bytes).py()?,
        })
    }

    /// Reads a SubjectPublicKeyInfo PEM public key.
    #[staticmethod]
    fn from_pem(pem: &str) -> PyResult<Self> {
        Ok(PublicKey {
            inner: crypto::PublicKey::from_pem(pem).py()?,
        })
    }

    /// The key as PEM.
    fn to_pem(&self) -> String {
        self.inner.to_pem()
    }

    /// The 32 key bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes())
    }

    /// The key id (32 hex digits).
    #[getter]
    fn key_id(&self) -> String {
        self.inner.key_id().to_hex()
    }

    /// Checks a strict Ed25519 signature; raises `VerificationError` if it does not verify.
    fn verify(&self, message: &[u8], signature: &[u8]) -> PyResult<()> {
        let signature: [u8; 64] = signature.try_into().map_err(|_| {
            crate::error::to_py(scanx::Error::new(
                scanx::ErrorKind::BadSignature,
                format!("a signature has 64 bytes, not {}", signature.len()),
            ))
        })?;
        self.inner.verify_strict(message, &signature).py()
    }

    fn __repr__(&self) -> String {
        format!("PublicKey(key_id='{}')", self.key_id())
    }
}

/// A trust store: the keys trusted, for which roles and when.
#[pyclass(module = "scanx._scanx")]
#[derive(Debug)]
pub struct TrustStore {
    pub inner: crypto::TrustStore,
}

#[pymethods]
impl TrustStore {
    /// An empty store.
    #[new]
    fn new() -> Self {
        TrustStore {
            inner: crypto::TrustStore::new(),
        }
    }

    /// Reads a trust store file.
    #[staticmethod]
    fn load(path: std::path::PathBuf) -> PyResult<Self> {
        Ok(TrustStore {
            inner: crypto::TrustStore::load(path).py()?,
        })
    }

    /// Parses a trust store from its JSON text.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        Ok(TrustStore {
            inner: crypto::TrustStore::from_json(text.as_bytes()).py()?,
        })
    }

    /// The store as JSON text.
    fn to_json(&self) -> String {
        String::from_utf8_lossy(&self.inner.to_json()).into_owned()
    }

    /// Writes the store to `path` atomically.
    fn save(&self, path: std::path::PathBuf) -> PyResult<()> {
        self.inner.save(path).py()
    }

    /// Trusts `public_key` for `agency` of `country` in `roles`, optionally only between
    /// `not_before` and `not_after` (seconds since the Unix epoch, UTC).
    #[pyo3(signature = (public_key, agency, country, roles, *, not_before=None, not_after=None, comment=None))]
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        public_key: &PublicKey,
        agency: &str,
        country: &str,
        roles: Vec<String>,
        not_before: Option<i64>,
        not_after: Option<i64>,
        comment: Option<String>,
    ) -> PyResult<()> {
        let roles = roles
            .iter()
            .map(|r| role(r))
            .collect::<PyResult<Vec<_>>>()?;
        let mut key = crypto::TrustedKey::new(public_key.inner, agency, country, roles).py()?;
        key.not_before = not_before.map(crate::time);
        key.not_after = not_after.map(crate::time);
        key.comment = comment;
        self.inner.insert(key).py()
    }

    /// Revokes the key with this key id at `time` for `reason`.
    fn revoke(&mut self, key_id: &str, time: i64, reason: String) -> PyResult<()> {
        let id = crypto::KeyId::from_hex(key_id).py()?;
        let key = self
            .inner
            .keys
            .iter_mut()
            .find(|k| k.key_id == id)
            .ok_or_else(|| {
                crate::error::to_py(scanx::Error::new(
                    scanx::ErrorKind::NotFound,
                    format!("no key {key_id} in the store"),
                ))
            })?;
        key.revoked = Some(crypto::Revocation::new(crate::time(time), reason));
        Ok(())
    }

    /// The key ids in the store, in order.
    #[getter]
    fn key_ids(&self) -> Vec<String> {
        self.inner.keys.iter().map(|k| k.key_id.to_hex()).collect()
    }

    fn __len__(&self) -> usize {
        self.inner.keys.len()
    }

    fn __repr__(&self) -> String {
        format!("TrustStore({} keys)", self.inner.keys.len())
    }
}
