//! The test keys of the signed vectors, and the trust store every vector is verified
//! against.
//!
//! Seven Ed25519 keys, one per part they play: the scanner, the exporting agency, the
//! recipient and the analyst, each trusted for its own role; a revoked key; a key whose
//! validity ended before the vectors were signed; and a key the trust store does not list.
//! Each key's seed is derived from its name ([`TestKey::seed`]), so the keys are the same
//! on every run; `make-vectors` publishes both halves in `spec/vectors/keys/` and the
//! trust store in `spec/vectors/truststore.json`. They are test keys, published on
//! purpose: the README written beside them says so, and so does every trust store entry.

use scanx::crypto::{PublicKey, Revocation, Role, SigningKey, TrustStore, TrustedKey};
use scanx::metadata::Agency;
use scanx::{Result, Timestamp};

use crate::vector::Context;

/// One of the test keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestKey {
    /// The scanner that captures and signs generation 1.
    Scanner,
    /// The exporting agency: redacts, records the transfer, signs.
    Agency,
    /// The receiving agency: countersigns what it received.
    Recipient,
    /// An analyst: annotates, derives crops.
    Analyst,
    /// A scanner key the trust store lists as revoked.
    Revoked,
    /// A scanner key whose validity window ended before the vectors were signed.
    Expired,
    /// A scanner key the trust store does not list.
    Unknown,
}

/// Start of the validity window of every trusted test key: 2024-01-01T00:00:00Z.
pub const VALID_FROM: &str = "2024-01-01T00:00:00Z";
/// End of the validity window of the trusted test keys: 2030-01-01T00:00:00Z.
pub const VALID_UNTIL: &str = "2030-01-01T00:00:00Z";
/// End of the validity window of [`TestKey::Expired`], before any vector is signed.
pub const EXPIRED_AFTER: &str = "2025-12-31T23:59:59Z";
/// When [`TestKey::Revoked`] was revoked: after the vectors were signed, since a revoked key
/// is untrusted whatever the date of its signatures.
pub const REVOKED_AT: &str = "2026-04-01T00:00:00Z";

/// What every trust store entry and the keys README say.
const WARNING: &str = "TEST KEY, published on purpose with its private key in spec/vectors/keys/: NEVER TRUST IN PRODUCTION";

impl TestKey {
    /// Every test key, in the order of the trust store (the unknown key last; it is not
    /// in the store).
    pub const ALL: [TestKey; 7] = [
        TestKey::Scanner,
        TestKey::Agency,
        TestKey::Recipient,
        TestKey::Analyst,
        TestKey::Revoked,
        TestKey::Expired,
        TestKey::Unknown,
    ];

    /// Its name: the stem of its key files.
    pub fn name(self) -> &'static str {
        match self {
            TestKey::Scanner => "scanner",
            TestKey::Agency => "agency",
            TestKey::Recipient => "recipient",
            TestKey::Analyst => "analyst",
            TestKey::Revoked => "revoked",
            TestKey::Expired => "expired",
            TestKey::Unknown => "unknown",
        }
    }

    /// The role it signs in.
    pub fn role(self) -> Role {
        match self {
            TestKey::Agency => Role::Agency,
            TestKey::Recipient => Role::Recipient,
            TestKey::Analyst => Role::Analyst,
            TestKey::Scanner | TestKey::Revoked | TestKey::Expired | TestKey::Unknown => {
                Role::Scanner
            }
        }
    }

    /// The agency that holds it, as events name it.
    pub fn agency(self) -> Agency {
        match self {
            TestKey::Recipient => brazil(),
            _ => Agency::example(),
        }
    }

    /// The 32-byte seed (RFC 8032 private key): SHA-256 of
    /// `"scanx-vectors-v1\0" || "test key" || 0x00 || name`.
    pub fn seed(self) -> [u8; 32] {
        Context::new(self.name()).derive(b"test key")
    }

    /// The private key.
    pub fn signing_key(self) -> SigningKey {
        SigningKey::from_seed(&self.seed())
    }

    /// The public key.
    pub fn public_key(self) -> PublicKey {
        self.signing_key().public_key()
    }

    /// What the trust store says of it, in a few words (for the README).
    fn standing(self) -> String {
        match self {
            TestKey::Revoked => format!("scanner, revoked since {REVOKED_AT}"),
            TestKey::Expired => format!("trusted as scanner from {VALID_FROM} to {EXPIRED_AFTER}"),
            TestKey::Unknown => "not in the trust store".to_owned(),
            other => format!(
                "trusted as {} from {VALID_FROM} to {VALID_UNTIL}",
                other.role()
            ),
        }
    }

    /// Its trust store entry; `None` for the unknown key.
    fn entry(self) -> Result<Option<TrustedKey>> {
        if self == TestKey::Unknown {
            return Ok(None);
        }
        let agency = self.agency();
        let mut key = TrustedKey::new(
            self.public_key(),
            agency.name,
            agency.country,
            vec![self.role()],
        )?;
        key.not_before = Some(Timestamp::parse_whole_seconds(VALID_FROM)?);
        key.not_after = Some(Timestamp::parse_whole_seconds(match self {
            TestKey::Expired => EXPIRED_AFTER,
            _ => VALID_UNTIL,
        })?);
        if self == TestKey::Revoked {
            key.revoked = Some(Revocation::new(
                Timestamp::parse_whole_seconds(REVOKED_AT)?,
                "test key revoked on purpose".to_owned(),
            ));
        }
        key.comment = Some(format!("{WARNING} ({} key)", self.name()));
        Ok(Some(key))
    }
}

/// The receiving agency of the vectors.
pub fn brazil() -> Agency {
    Agency::new("BR", "Receita Federal do Brasil")
}

/// The trust store every vector is verified against: each test key but the unknown one.
pub fn trust_store() -> Result<TrustStore> {
    let mut store = TrustStore::new();
    for key in TestKey::ALL {
        if let Some(entry) = key.entry()? {
            store.insert(entry)?;
        }
    }
    Ok(store)
}

/// The files `make-vectors` writes for the keys, by path relative to `spec/vectors/`:
/// `truststore.json`, and in `keys/` each key's public half (SPKI PEM), private half
/// (PKCS#8 PEM) and a README.
pub fn files() -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = vec![("truststore.json".to_owned(), trust_store()?.to_json())];
    for key in TestKey::ALL {
        let name = key.name();
        out.push((
            format!("keys/{name}.public.pem"),
            key.public_key().to_pem().into_bytes(),
        ));
        out.push((
            format!("keys/{name}.private.pem"),
            key.signing_key().to_pkcs8_pem().as_bytes().to_vec(),
        ));
    }
    out.push(("keys/README.md".to_owned(), readme().into_bytes()));
    Ok(out)
}

fn readme() -> String {
    let mut s = String::from(README_HEAD);
    s.push_str("| Key | Signs as | Key id | Trust store |\n|---|---|---|---|\n");
    for key in TestKey::ALL {
        s.push_str(&format!(
            "| `{name}` | {role} | `{id}` | {standing} |\n",
            name = key.name(),
            role = key.role(),
            id = key.public_key().key_id(),
            standing = key.standing(),
        ));
    }
    s
}

const README_HEAD: &str = "\
# TEST KEYS: NEVER TRUST THEM IN PRODUCTION

Generated by `cargo run -p scanx-conformance --bin make-vectors`: do not edit by hand.

THESE ARE TEST KEYS. THEIR PRIVATE KEYS ARE PUBLISHED HERE ON PURPOSE, SO THAT ANYONE CAN
RE-CREATE AND RE-SIGN THE CONFORMANCE VECTORS. ANYONE CAN SIGN ANYTHING WITH THEM. NEVER
PUT ONE OF THESE KEYS IN A PRODUCTION TRUST STORE, AND NEVER TRUST A FILE BECAUSE ONE OF
THEM SIGNED IT.

Each key is an Ed25519 key: `NAME.public.pem` is its public key (SubjectPublicKeyInfo,
RFC 8410), `NAME.private.pem` its private key (unencrypted PKCS#8, RFC 8410). The private
key is the 32-byte seed SHA-256(`\"scanx-vectors-v1\" 0x00 \"test key\" 0x00 NAME`).
`../truststore.json` is the trust store every vector is verified against: it lists every key
below but `unknown`.

";
