//! What a test vector is: a name, the outcome a reader must reach, the outcome a verifier
//! must reach, a comment, how it was made, and the function that makes it.

use scanx::{ErrorKind, Reason, Result, Status, WriteOptions};
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

/// What verifying a vector against the vectors' trust store (`spec/vectors/truststore.json`,
/// see [`crate::keys`]) must find: the status, and every distinct reason of every problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// The status.
    pub status: Status,
    /// The distinct reasons, in any order here (the expectation file sorts them by name).
    pub reasons: &'static [Reason],
}

impl Verdict {
    /// Every signature valid and trusted, nothing wrong.
    pub const TRUSTED: Verdict = Verdict {
        status: Status::Trusted,
        reasons: &[],
    };

    /// No signature at all, and nothing inconsistent.
    pub const UNSIGNED: Verdict = Verdict {
        status: Status::Unsigned,
        reasons: &[],
    };

    /// The file breaks the format: what every file a forward read rejects verifies to,
    /// except where the verifier checks the defect itself (manifest numbering and
    /// algorithm) and names it with its own reason.
    pub const FORMAT_ERROR: Verdict = Verdict {
        status: Status::Invalid,
        reasons: &[Reason::FormatError],
    };

    /// Invalid for these reasons.
    pub const fn invalid(reasons: &'static [Reason]) -> Verdict {
        Verdict {
            status: Status::Invalid,
            reasons,
        }
    }

    /// Valid but not trusted, for these reasons.
    pub const fn untrusted(reasons: &'static [Reason]) -> Verdict {
        Verdict {
            status: Status::ValidUntrusted,
            reasons,
        }
    }

    /// The reason names, sorted and unique: the form of the expectation file.
    pub fn reason_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.reasons.iter().map(|r| r.name().to_owned()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// One test vector: a row of the registry in [`crate::recipes`].
#[derive(Debug, Clone, Copy)]
pub struct Vector {
    /// File name without extension: lower-case words joined by `-`, unique.
    pub name: &'static str,
    /// What a reader must make of it.
    pub expect: Expect,
    /// What a verifier must make of it.
    pub verify: Verdict,
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
