//! What a test vector is: a name, the outcome a reader must reach, a comment, how it was
//! made, and the function that makes it.

use scanx::{ErrorKind, Result, WriteOptions};
use sha2::{Digest, Sha256};

/// The outcome every conforming reader must reach on a vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The file is valid: it reads, and its pixels and metadata have the recorded digests.
    Valid,
    /// The file is invalid: a full forward read fails with exactly this error.
    Invalid(ErrorKind),
}

impl Expect {
    /// The folder the vector goes in: `valid` or `invalid`.
    pub fn folder(self) -> &'static str {
        match self {
            Expect::Valid => "valid",
            Expect::Invalid(_) => "invalid",
        }
    }
}

/// One test vector: a row of the registry in [`crate::recipes`].
#[derive(Debug, Clone, Copy)]
pub struct Vector {
    /// File name without extension: lower-case words joined by `-`, unique.
    pub name: &'static str,
    /// What a reader must make of it.
    pub expect: Expect,
    /// One line: what the vector checks.
    pub comment: &'static str,
    /// How it was made, for a person re-creating it with another implementation.
    pub recipe: &'static str,
    /// Makes the file's bytes. Must be deterministic.
    pub make: fn(&Context) -> Result<Vec<u8>>,
}

/// Fixed inputs for one vector, derived from its name, so every run writes the same bytes
/// (R14) and no two vectors share a file id.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    name: &'static str,
}

impl Context {
    /// The context of the vector called `name`.
    pub fn new(name: &'static str) -> Context {
        Context { name }
    }

    /// The vector's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// A version-4 UUID derived from the name.
    pub fn file_id(&self) -> [u8; 16] {
        let d = self.derive(b"file id");
        let mut id = [0u8; 16];
        id.copy_from_slice(&d[..16]);
        id[6] = (id[6] & 0x0f) | 0x40;
        id[8] = (id[8] & 0x3f) | 0x80;
        id
    }

    /// The salt seed derived from the name.
    pub fn salt_seed(&self) -> [u8; 32] {
        self.derive(b"salt seed")
    }

    /// Write options with the derived file id and salt seed (SHA-256 manifests).
    pub fn options(&self) -> WriteOptions {
        WriteOptions::deterministic(self.file_id(), self.salt_seed())
    }

    /// 32 bytes derived from the name and a purpose, for any other fixed input a recipe
    /// needs (a key seed, say).
    pub fn derive(&self, purpose: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"scanx-vectors-v1\0");
        h.update(purpose);
        h.update([0]);
        h.update(self.name.as_bytes());
        h.finalize().into()
    }
}
