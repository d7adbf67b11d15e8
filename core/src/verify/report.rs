//! What a verification found: one status, and typed reasons per chunk and per signature.
//!
//! The report serializes to JSON with a stable shape (the command-line tool prints it with
//! `--json`, the bindings hand it over as a dict). Every member is always present; absent
//! values are `null`, empty lists `[]`. Names of statuses and reasons are stable
//! SCREAMING_SNAKE strings, shared by every implementation and the test vectors.

use std::fmt;

use serde::Serialize;

use crate::crypto::{DigestAlgorithm, Role, TrustDecision};
use crate::error::{Error, ErrorKind, Result};
use crate::time::Timestamp;

/// The verdict on a whole file (or, for [`crate::verify::verify_region`], on the part of it
/// that was checked).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Every chunk matches its signed manifest, every generation is signed, and every
    /// signature is valid and by a key the trust store trusts for its role and time.
    Trusted,
    /// Nothing is altered and every signature present is valid, but trust could not be
    /// established: an unknown, expired or not-yet-valid key, a role the key does not
    /// hold, no trust store, or a generation that nobody signed.
    ValidUntrusted,
    /// Something is wrong: the structure, a digest, a signature, the redaction record, a
    /// missing or extra signature, or a revoked key.
    Invalid,
    /// The file carries no signature at all (and nothing in it is inconsistent).
    Unsigned,
}

impl Status {
    /// The stable name: `TRUSTED`, `VALID_UNTRUSTED`, `INVALID` or `UNSIGNED`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Trusted => "TRUSTED",
            Status::ValidUntrusted => "VALID_UNTRUSTED",
            Status::Invalid => "INVALID",
            Status::Unsigned => "UNSIGNED",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Why a file, a chunk or a signature is not what it should be.
///
/// Each reason either makes the file [`Status::Invalid`] ([`Reason::invalidates`]) or only
/// keeps it from being [`Status::Trusted`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The file breaks the format (the error kind, chunk and offset are in the problem).
    /// Also used when the bytes could not be read to the end.
    FormatError,
    /// A manifest names a digest algorithm other than the one in `HEAD`.
    DigestAlgorithmMismatch,
    /// A manifest's generation number is not its position in the file.
    GenerationMismatch,
    /// A manifest's `previous` digest is not the digest of the manifest before it.
    ManifestChainBroken,
    /// A chunk was altered: its digest matches no entry, and an entry of its type is
    /// missing its chunk.
    DigestMismatch,
    /// A chunk no manifest entry accounts for: inserted, reordered, repeated, spliced in
    /// from another file, or planted where a redacted chunk was.
    UnlistedChunk,
    /// A manifest entry's chunk is gone and no redaction record names it.
    RemovedWithoutRedaction,
    /// A redaction record names an entry that does not exist, does not match, is not from
    /// an earlier generation, or was already named by another record.
    BadRedactionReference,
    /// A redaction record names a chunk that is still in the file.
    RedactedChunkPresent,
    /// A signature's chain digest is not the digest of the signatures before it.
    SignatureChainMismatch,
    /// A signature's key id is not the id of its public key.
    KeyIdMismatch,
    /// An Ed25519 signature does not verify strictly, or its public key is unusable.
    BadSignature,
    /// The same key signed the same generation more than once.
    DuplicateSignature,
    /// An event names an actor whose key did not sign the event's generation (which
    /// others signed).
    EventActorNotSigner,
    /// Fewer signatures follow a manifest than it says its sealer wrote (a stripped
    /// signature).
    SignatureMissing,
    /// More signatures follow a manifest than it says its sealer wrote.
    UnexpectedSignature,
    /// The trust store does not list the signing key.
    UnknownKey,
    /// The trust store says the signing key is revoked. Makes the file invalid.
    RevokedKey,
    /// The signature is dated before the key's validity window.
    KeyNotYetValid,
    /// The signature is dated after the key's validity window.
    KeyExpired,
    /// The trust store does not allow the key to sign in the role it claims.
    RoleNotAllowed,
    /// The trust store lists the key id with a different public key.
    TrustKeyMismatch,
    /// A generation was sealed without signatures while other generations are signed:
    /// nobody vouches for what it added.
    UnsignedGeneration,
    /// The file is signed but no trust store was given, so no signer can be trusted.
    NoTrustStore,
}

impl Reason {
    /// Every reason, in the order of the specification's table.
    pub const ALL: &'static [Reason] = &[
        Reason::FormatError,
        Reason::DigestAlgorithmMismatch,
        Reason::GenerationMismatch,
        Reason::ManifestChainBroken,
        Reason::DigestMismatch,
        Reason::UnlistedChunk,
        Reason::RemovedWithoutRedaction,
        Reason::BadRedactionReference,
        Reason::RedactedChunkPresent,
        Reason::SignatureChainMismatch,
        Reason::KeyIdMismatch,
        Reason::BadSignature,
        Reason::DuplicateSignature,
        Reason::EventActorNotSigner,
        Reason::SignatureMissing,
        Reason::UnexpectedSignature,
        Reason::UnknownKey,
        Reason::RevokedKey,
        Reason::KeyNotYetValid,
        Reason::KeyExpired,
        Reason::RoleNotAllowed,
        Reason::TrustKeyMismatch,
        Reason::UnsignedGeneration,
        Reason::NoTrustStore,
    ];

    /// The stable name.
    pub fn name(self) -> &'static str {
        use Reason::*;
        match self {
            FormatError => "FORMAT_ERROR",
            DigestAlgorithmMismatch => "DIGEST_ALGORITHM_MISMATCH",
            GenerationMismatch => "GENERATION_MISMATCH",
            ManifestChainBroken => "MANIFEST_CHAIN_BROKEN",
            DigestMismatch => "DIGEST_MISMATCH",
            UnlistedChunk => "UNLISTED_CHUNK",
            RemovedWithoutRedaction => "REMOVED_WITHOUT_REDACTION",
            BadRedactionReference => "BAD_REDACTION_REFERENCE",
            RedactedChunkPresent => "REDACTED_CHUNK_PRESENT",
            SignatureChainMismatch => "SIGNATURE_CHAIN_MISMATCH",
            KeyIdMismatch => "KEY_ID_MISMATCH",
            BadSignature => "BAD_SIGNATURE",
            DuplicateSignature => "DUPLICATE_SIGNATURE",
            EventActorNotSigner => "EVENT_ACTOR_NOT_SIGNER",
            SignatureMissing => "SIGNATURE_MISSING",
            UnexpectedSignature => "UNEXPECTED_SIGNATURE",
            UnknownKey => "UNKNOWN_KEY",
            RevokedKey => "REVOKED_KEY",
            KeyNotYetValid => "KEY_NOT_YET_VALID",
            KeyExpired => "KEY_EXPIRED",
            RoleNotAllowed => "ROLE_NOT_ALLOWED",
            TrustKeyMismatch => "TRUST_KEY_MISMATCH",
            UnsignedGeneration => "UNSIGNED_GENERATION",
            NoTrustStore => "NO_TRUST_STORE",
        }
    }

    /// Looks a reason up by its name.
    pub fn from_name(name: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.name() == name)
    }

    /// Whether this reason makes the file [`Status::Invalid`]. The trust reasons do not,
    /// except a revoked key: whoever holds a compromised key can sign anything.
    pub fn invalidates(self) -> bool {
        !matches!(
            self,
            Reason::UnknownKey
                | Reason::KeyNotYetValid
                | Reason::KeyExpired
                | Reason::RoleNotAllowed
                | Reason::TrustKeyMismatch
                | Reason::UnsignedGeneration
                | Reason::NoTrustStore
        )
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One thing found wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Problem {
    /// What is wrong.
    pub reason: Reason,
    /// The generation it concerns (1-based), if any.
    pub generation: Option<u32>,
    /// The type of the chunk it concerns, if any.
    pub chunk: Option<String>,
    /// Byte offset of that chunk's header (or of the faulty field, for a format error).
    pub offset: Option<u64>,
    /// Position of the signature it concerns in [`VerifyReport::signatures`], if any.
    pub signature: Option<usize>,
    /// For [`Reason::FormatError`]: the error kind's stable name, such as `TRUNCATED`.
    pub error_kind: Option<&'static str>,
    /// For [`Reason::FormatError`]: the error kind's stable numeric code.
    pub error_code: Option<u32>,
    /// A sentence for people.
    pub message: String,
}

impl Problem {
    /// A problem with a reason and a message and nothing located yet.
    pub(crate) fn new(reason: Reason, message: impl Into<String>) -> Problem {
        Problem {
            reason,
            generation: None,
            chunk: None,
            offset: None,
            signature: None,
            error_kind: None,
            error_code: None,
            message: message.into(),
        }
    }

    /// The problem for a structural error.
    pub(crate) fn format(error: &Error) -> Problem {
        Problem {
            chunk: error
                .chunk()
                .map(|c| String::from_utf8_lossy(&c).into_owned()),
            offset: error.offset(),
            error_kind: Some(error.kind().name()),
            error_code: Some(error.kind().code()),
            ..Problem::new(Reason::FormatError, error.message())
        }
    }

    pub(crate) fn generation(mut self, generation: u32) -> Problem {
        self.generation = Some(generation);
        self
    }

    pub(crate) fn at(mut self, chunk: &str, offset: u64) -> Problem {
        self.chunk = Some(chunk.to_owned());
        self.offset = Some(offset);
        self
    }

    pub(crate) fn chunk(mut self, chunk: &str) -> Problem {
        self.chunk = Some(chunk.to_owned());
        self
    }

    pub(crate) fn signature(mut self, index: usize) -> Problem {
        self.signature = Some(index);
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.reason)?;
        if let Some(kind) = self.error_kind {
            write!(f, " ({kind})")?;
        }
        write!(f, ": {}", self.message)?;
        let mut place = Vec::new();
        if let Some(g) = self.generation {
            place.push(format!("generation {g}"));
        }
        match (&self.chunk, self.offset) {
            (Some(c), Some(o)) => place.push(format!("{c} at byte {o}")),
            (Some(c), None) => place.push(c.clone()),
            (None, Some(o)) => place.push(format!("byte {o}")),
            (None, None) => {}
        }
        if let Some(s) = self.signature {
            place.push(format!("signature {}", s + 1));
        }
        if !place.is_empty() {
            write!(f, " [{}]", place.join(", "))?;
        }
        Ok(())
    }
}

/// One generation: its manifest, what of it was checked, and who signed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct GenerationReport {
    /// Its number, from 1.
    pub generation: u32,
    /// Byte offset of its `MANI` chunk.
    pub manifest_offset: u64,
    /// Digest of its `MANI` chunk, hex (what its signatures sign and the next manifest
    /// chains to).
    pub manifest_digest: String,
    /// Number of manifest entries.
    pub entries: usize,
    /// Chunks whose digests were computed and found in the manifest (every present chunk
    /// for a whole-file verification; the chunks read for a region verification).
    pub checked: usize,
    /// Entries whose chunk was removed by a valid redaction record.
    pub redacted: usize,
    /// Signatures the manifest says follow it.
    pub expected_signatures: u8,
    /// `SIGN` chunks that follow it.
    pub signatures: usize,
    /// Key ids (hex) of its valid signatures, in file order.
    pub signed_by: Vec<String>,
}

/// One signature and what was found about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SignatureReport {
    /// The generation whose manifest it signs.
    pub generation: u32,
    /// Byte offset of its `SIGN` chunk.
    pub offset: u64,
    /// The key id it records, hex.
    pub key_id: String,
    /// The role it claims.
    pub role: Role,
    /// The signing time it records (in JSON its RFC 3339 text).
    pub time: Timestamp,
    /// The signature verifies, is chained correctly, and is neither a duplicate nor extra.
    pub valid: bool,
    /// The trust store's decision; `None` if no store was given or the signature is not
    /// valid. In JSON its stable name ([`TrustDecision::name`]), such as `UNKNOWN_KEY`.
    #[serde(serialize_with = "trust_name")]
    pub trust: Option<TrustDecision>,
    /// The trusted entry's agency, when the key is in the trust store.
    pub agency: Option<String>,
    /// Everything found wrong with it (empty for a valid, trusted signature).
    pub reasons: Vec<Reason>,
}

/// One chunk a redaction removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RemovedReport {
    /// The generation whose manifest lists it.
    pub generation: u32,
    /// Its entry in that manifest, from 0.
    pub entry: u32,
    /// Its type, such as `PERS` or `TILE`.
    pub chunk: String,
    /// For a tile: the plane.
    pub plane: Option<u16>,
    /// For a tile: the column.
    pub col: Option<u32>,
    /// For a tile: the row.
    pub row: Option<u32>,
    /// The record matches an absent entry of an earlier generation.
    pub valid: bool,
}

/// One redaction: what was removed, by whom, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RedactionReport {
    /// The generation the redaction event was added in.
    pub generation: u32,
    /// The event id.
    pub event_id: String,
    /// When, as the event records it.
    pub time: Timestamp,
    /// Key id of the actor, hex.
    pub actor_key_id: String,
    /// The actor's role.
    pub actor_role: Role,
    /// The actor's agency name, as the event records it.
    pub actor_agency: Option<String>,
    /// Why.
    pub reason: String,
    /// What.
    pub removed: Vec<RemovedReport>,
    /// A valid signature of the event's generation is by the actor's key.
    pub signed_by_actor: bool,
}

/// One provenance event, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct EventReport {
    /// The generation it was added in.
    pub generation: u32,
    /// Byte offset of its `EVNT` chunk.
    pub offset: u64,
    /// The event id.
    pub id: String,
    /// Its type: `capture`, `annotate`, `redact`, `re-encode`, `derive`, `transfer` or
    /// `countersign`.
    pub action: &'static str,
    /// When, as the event records it.
    pub time: Timestamp,
    /// Key id of the actor, hex.
    pub actor_key_id: String,
    /// The actor's role.
    pub actor_role: Role,
    /// The actor's agency name, if the event names one.
    pub actor_agency: Option<String>,
    /// A valid signature of the event's generation is by the actor's key.
    pub signed_by_actor: bool,
    /// What the event says, in a sentence.
    pub summary: String,
}

/// An ancillary chunk this implementation does not know; it is still covered by its
/// generation's manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UnknownChunkReport {
    /// Its type.
    pub chunk: String,
    /// Byte offset of its header.
    pub offset: u64,
    /// Payload length.
    pub length: u64,
    /// The generation it belongs to.
    pub generation: u32,
}

/// What a region verification covered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RegionReport {
    /// The plane.
    pub plane: u16,
    /// Left column of the region.
    pub x: u32,
    /// Top row.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Tiles of the region whose digests were checked, as `[col, row]`.
    pub tiles_checked: Vec<[u32; 2]>,
    /// Tiles of the region that a redaction removed, as `[col, row]`.
    pub tiles_redacted: Vec<[u32; 2]>,
}

/// Everything a verification found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct VerifyReport {
    /// The verdict.
    pub status: Status,
    /// The file id, once `HEAD` was read. In JSON the hyphenated lower-case UUID.
    #[serde(serialize_with = "uuid_text")]
    pub file_id: Option<uuid::Uuid>,
    /// The format version, once the file header was read.
    pub version: Option<String>,
    /// The digest algorithm named in `HEAD`. In JSON its name (`sha256` or `blake3`).
    #[serde(serialize_with = "algorithm_name")]
    pub algorithm: Option<DigestAlgorithm>,
    /// One entry per generation.
    pub generations: Vec<GenerationReport>,
    /// One entry per `SIGN` chunk, in file order.
    pub signatures: Vec<SignatureReport>,
    /// Everything found wrong, in the order found.
    pub problems: Vec<Problem>,
    /// Every redaction, in file order.
    pub redactions: Vec<RedactionReport>,
    /// Every provenance event, in file order.
    pub events: Vec<EventReport>,
    /// Ancillary chunks that were skipped (and verified).
    pub unknown_chunks: Vec<UnknownChunkReport>,
    /// For a region verification, what it covered; `None` for a whole file.
    pub region: Option<RegionReport>,
}

/// `value` as the text `text` gives for it, `null` when absent: the report's typed fields
/// in JSON.
fn optional_text<T, D: fmt::Display, S: serde::Serializer>(
    value: &Option<T>,
    s: S,
    text: impl Fn(&T) -> D,
) -> std::result::Result<S::Ok, S::Error> {
    match value {
        Some(v) => s.collect_str(&text(v)),
        None => s.serialize_none(),
    }
}

/// A trust decision as its stable name, such as `UNKNOWN_KEY`.
fn trust_name<S: serde::Serializer>(
    decision: &Option<TrustDecision>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    optional_text(decision, s, |d| d.name())
}

/// A UUID as hyphenated lower-case text.
fn uuid_text<S: serde::Serializer>(
    id: &Option<uuid::Uuid>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    optional_text(id, s, |id| *id)
}

/// A digest algorithm as its name, `sha256` or `blake3`.
fn algorithm_name<S: serde::Serializer>(
    algorithm: &Option<DigestAlgorithm>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    optional_text(algorithm, s, |a| a.name())
}

impl VerifyReport {
    /// An empty report with a status, to be filled in.
    pub(crate) fn empty(status: Status) -> VerifyReport {
        VerifyReport {
            status,
            file_id: None,
            version: None,
            algorithm: None,
            generations: Vec::new(),
            signatures: Vec::new(),
            problems: Vec::new(),
            redactions: Vec::new(),
            events: Vec::new(),
            unknown_chunks: Vec::new(),
            region: None,
        }
    }

    /// Whether any problem has this reason.
    pub fn has(&self, reason: Reason) -> bool {
        self.problems.iter().any(|p| p.reason == reason)
    }

    /// The distinct reasons of every problem, in the order first found.
    pub fn reasons(&self) -> Vec<Reason> {
        let mut out: Vec<Reason> = Vec::new();
        for p in &self.problems {
            if !out.contains(&p.reason) {
                out.push(p.reason);
            }
        }
        out
    }

    /// Whether the status is [`Status::Trusted`].
    pub fn is_trusted(&self) -> bool {
        self.status == Status::Trusted
    }

    /// The report, or `NOT_TRUSTED` with a message giving the status and every reason
    /// unless the status is [`Status::Trusted`]. For callers that must not act on a file
    /// whose signer they cannot trust.
    pub fn require_trusted(self) -> Result<VerifyReport> {
        if self.is_trusted() {
            return Ok(self);
        }
        let mut message = format!("verification status is {}", self.status);
        if self.status == Status::Unsigned {
            message.push_str(": the file carries no signature");
        }
        for p in &self.problems {
            message.push_str("; ");
            message.push_str(&p.to_string());
        }
        Err(Error::new(ErrorKind::NotTrusted, message))
    }

    /// For an [`Status::Invalid`] report, the error a reader that checks integrity fails
    /// with: `BAD_SIGNATURE` when the first problem that invalidates concerns a signature,
    /// `DIGEST_MISMATCH` otherwise (a format error keeps its own kind), naming that
    /// problem's chunk and offset and counting the others. `None` for any other status.
    pub fn integrity_error(&self) -> Option<Error> {
        if self.status != Status::Invalid {
            return None;
        }
        let first = self
            .problems
            .iter()
            .find(|p| p.reason.invalidates())
            .or(self.problems.first())?;
        let kind = match first.reason {
            Reason::FormatError => first
                .error_code
                .and_then(ErrorKind::from_code)
                .unwrap_or(ErrorKind::MalformedChunk),
            Reason::BadSignature
            | Reason::KeyIdMismatch
            | Reason::SignatureChainMismatch
            | Reason::DuplicateSignature
            | Reason::SignatureMissing
            | Reason::UnexpectedSignature => ErrorKind::BadSignature,
            _ => ErrorKind::DigestMismatch,
        };
        let mut message = format!("integrity check failed: {first}");
        if self.problems.len() > 1 {
            message.push_str(&format!(" (and {} more problems)", self.problems.len() - 1));
        }
        let mut error = Error::new(kind, message);
        if let Some(chunk) = first
            .chunk
            .as_deref()
            .and_then(|c| <[u8; 4]>::try_from(c.as_bytes()).ok())
        {
            error = error.with_chunk(chunk);
        }
        if let Some(offset) = first.offset {
            error = error.with_offset(offset);
        }
        Some(error)
    }

    /// One line per signature: its key, role, time, validity and trust.
    fn write_signatures(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.signatures.iter().enumerate() {
            write!(
                f,
                "signature {} (generation {}): key {} as {} at {}: {}",
                i + 1,
                s.generation,
                s.key_id,
                s.role,
                s.time,
                if s.valid { "valid" } else { "NOT VALID" }
            )?;
            if let Some(t) = &s.trust {
                write!(f, ", {}", t.name())?;
            }
            if let Some(a) = &s.agency {
                write!(f, " ({a})")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }

    /// One line per redaction record, then one per chunk it removed.
    fn write_redactions(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.redactions {
            write!(
                f,
                "redaction (generation {}) at {} by {} as {}",
                r.generation, r.time, r.actor_key_id, r.actor_role
            )?;
            if let Some(a) = &r.actor_agency {
                write!(f, " for {a}")?;
            }
            writeln!(f, ", because: {}", r.reason)?;
            for x in &r.removed {
                write!(
                    f,
                    "  removed {} (generation {}, entry {})",
                    x.chunk, x.generation, x.entry
                )?;
                if let (Some(p), Some(c), Some(w)) = (x.plane, x.col, x.row) {
                    write!(f, " tile ({c}, {w}) of plane {p}")?;
                }
                if !x.valid {
                    write!(f, " [record does not match the file]")?;
                }
                writeln!(f)?;
            }
        }
        Ok(())
    }

    /// The report as pretty-printed JSON (the shape documented on each type).
    pub fn to_json(&self) -> String {
        // Only strings, numbers, booleans, lists and maps with string keys: serializing
        // cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "status: {}", self.status)?;
        if let Some(id) = &self.file_id {
            write!(f, "file: {id}")?;
            if let (Some(v), Some(a)) = (&self.version, self.algorithm) {
                write!(f, " (scanx {v}, {})", a.name())?;
            }
            writeln!(f, ", {} generation(s)", self.generations.len())?;
        }
        if let Some(r) = &self.region {
            writeln!(
                f,
                "region: plane {} x {} y {} {}x{}, {} tile(s) checked, {} redacted",
                r.plane,
                r.x,
                r.y,
                r.width,
                r.height,
                r.tiles_checked.len(),
                r.tiles_redacted.len()
            )?;
        }
        for g in &self.generations {
            write!(
                f,
                "generation {}: {} entries, {} checked, {} redacted, {} of {} signature(s)",
                g.generation, g.entries, g.checked, g.redacted, g.signatures, g.expected_signatures
            )?;
            if !g.signed_by.is_empty() {
                write!(f, ", signed by {}", g.signed_by.join(", "))?;
            }
            writeln!(f)?;
        }
        self.write_signatures(f)?;
        self.write_redactions(f)?;
        for e in &self.events {
            writeln!(
                f,
                "event (generation {}) {} at {} by {} as {}{}: {}",
                e.generation,
                e.action,
                e.time,
                e.actor_key_id,
                e.actor_role,
                if e.signed_by_actor {
                    ", signed"
                } else {
                    ", NOT signed by its actor"
                },
                e.summary
            )?;
        }
        for u in &self.unknown_chunks {
            writeln!(
                f,
                "unknown ancillary chunk {} at byte {} ({} bytes, generation {})",
                u.chunk, u.offset, u.length, u.generation
            )?;
        }
        if !self.problems.is_empty() {
            writeln!(f, "problems:")?;
            for p in &self.problems {
                writeln!(f, "  {p}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_names_are_unique_and_round_trip() {
        let mut names: Vec<&str> = Reason::ALL.iter().map(|r| r.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Reason::ALL.len());
        for r in Reason::ALL {
            assert_eq!(Reason::from_name(r.name()), Some(*r));
        }
        assert!(Reason::RevokedKey.invalidates());
        assert!(!Reason::UnknownKey.invalidates());
    }

    #[test]
    fn require_trusted_lists_every_reason() {
        let mut report = VerifyReport::empty(Status::Invalid);
        report.problems.push(
            Problem::new(Reason::DigestMismatch, "tile altered")
                .generation(1)
                .at("TILE", 400),
        );
        let e = report.require_trusted().err();
        assert_eq!(e.as_ref().map(|e| e.kind()), Some(ErrorKind::NotTrusted));
        let text = e.map(|e| e.to_string()).unwrap_or_default();
        assert!(text.contains("INVALID"), "{text}");
        assert!(text.contains("DIGEST_MISMATCH"), "{text}");
        assert!(text.contains("TILE at byte 400"), "{text}");
    }
}
