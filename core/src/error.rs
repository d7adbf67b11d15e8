//! One error type for the whole library, with stable numeric codes.
//!
//! The codes are part of the public contract: the C library, the Python package and the
//! command-line tool report the same numbers, and `spec/scanx-format.md` lists them. A
//! code, once published, never changes meaning and is never reused.
//!
//! # A cut file
//!
//! A file that ends early (an interrupted copy or download) is rarely reported as
//! [`ErrorKind::Truncated`]. Which error it gives depends on where the cut falls and on the
//! reader, as `spec/scanx-format.md` section 3.3 requires:
//!
//! | Reader | Cut falls | Error |
//! |---|---|---|
//! | forward ([`crate::read_bytes`], [`crate::read_stream`]) | inside the 12-byte file header | `TRUNCATED` |
//! | forward | inside a 12-byte chunk header, or exactly where a chunk would begin | `TRUNCATED` |
//! | forward | inside a chunk payload | `LENGTH_OVERFLOW` |
//! | forward, length unknown | inside a payload whose declared length exceeds `max_chunk_bytes` | `LIMIT_EXCEEDED` |
//! | random access ([`crate::Reader`]) | anywhere, leaving fewer than 40 bytes | `TRUNCATED` |
//! | random access | anywhere else | `MISSING_CHUNK` |
//!
//! Almost every byte of a file is payload (tiles, metadata, signatures), so a cut almost
//! always falls inside one: the forward reader finds a chunk whose declared `length` is
//! more than what follows its header, which is `LENGTH_OVERFLOW` whether or not the reader
//! knows the file's length (section 3.3, steps 3 and 5). `TRUNCATED` is kept for a file
//! that stops inside a structure of fixed size, before any length could be checked.
//!
//! The random-access reader starts from the end of the file, where every scanx file has its
//! 28-byte `TAIL` chunk; a cut file ends with whatever bytes the cut left, so its last 28
//! bytes are not a `TAIL` and the `TAIL` is reported missing (`MISSING_CHUNK`, with the
//! offset where it should have started). Only a file too short to hold a file header and a
//! `TAIL` (40 bytes) is `TRUNCATED`. Bytes appended after the `TAIL` give the same
//! `MISSING_CHUNK` to random access and `TRAILING_BYTES` to the forward reader.
//!
//! To tell a cut file from other damage, treat `TRUNCATED`, `LENGTH_OVERFLOW` and, from
//! the random-access reader, `MISSING_CHUNK` at [`Error::offset`] `len - 28` as "the file
//! may be incomplete". The test `core/tests/truncation_errors.rs` holds both readers to this
//! table at every cut of three test vectors.

use std::fmt;

/// Why an operation failed, grouped by cause. The numeric value is stable.
///
/// - 1xx: the operating system (I/O)
/// - 2xx: the bytes of the file break the format (with the offset and chunk)
/// - 3xx: the caller passed a bad parameter
/// - 4xx: a limit from [`crate::Limits`] was exceeded
/// - 5xx: valid, but not supported by this implementation
/// - 6xx: metadata breaks the schema or a validation rule
/// - 7xx: integrity, signatures, keys and trust
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Reading or writing failed at the operating-system level.
    Io = 100,

    /// The file does not start with the scanx magic bytes.
    BadMagic = 200,
    /// The magic is recognisable but has been through a text-mode (CR/LF) conversion.
    TextModeCorruption = 201,
    /// The file's major version is not one this implementation reads.
    UnsupportedVersion = 202,
    /// The file ends before a structure is complete.
    Truncated = 203,
    /// A declared length does not fit in the bytes that follow, or overflows.
    LengthOverflow = 204,
    /// A chunk type contains bytes other than ASCII letters.
    BadChunkType = 205,
    /// A chunk type this implementation does not know has its critical bit set.
    UnknownCriticalChunk = 206,
    /// A required chunk is absent.
    MissingChunk = 207,
    /// A chunk that may appear once appears again.
    DuplicateChunk = 208,
    /// A chunk appears where the format does not allow it.
    ChunkOrder = 209,
    /// A chunk's payload is malformed (wrong size, reserved bits set, bad field value).
    MalformedChunk = 210,
    /// Bytes follow the end marker.
    TrailingBytes = 211,
    /// The index does not describe the file it is in.
    IndexMismatch = 212,
    /// A tile decodes to a size other than the one it declares.
    TileSizeMismatch = 213,
    /// A compressed tile stream is corrupt.
    CodecError = 214,
    /// Text that must be UTF-8 is not.
    InvalidUtf8 = 215,
    /// Text that must be JSON is not.
    InvalidJson = 216,

    /// An argument from the caller is invalid.
    InvalidArgument = 300,
    /// A region lies outside the plane.
    RegionOutOfBounds = 301,
    /// No plane, annotation or chunk with that identifier.
    NotFound = 302,
    /// The operation is not allowed in the current state (for example tiles before planes).
    InvalidState = 303,

    /// A size, count or allocation would exceed the configured limits.
    LimitExceeded = 400,

    /// A filter id this implementation does not know.
    UnsupportedFilter = 500,
    /// A codec id this implementation does not know.
    UnsupportedCodec = 501,
    /// A sample type id this implementation does not know.
    UnsupportedSampleType = 502,
    /// A digest algorithm id this implementation does not know.
    UnsupportedDigest = 503,

    /// Metadata breaks the JSON Schema or a validation rule (check digit, code shape ...).
    SchemaViolation = 600,

    /// A chunk's digest does not match its manifest entry.
    DigestMismatch = 700,
    /// An Ed25519 signature does not verify.
    BadSignature = 701,
    /// A key cannot be parsed or is weak.
    BadKey = 702,
    /// A trust store cannot be parsed.
    BadTrustStore = 703,
    /// A strict verification found a status other than `TRUSTED`.
    NotTrusted = 704,
    /// An external signer reported a failure.
    SignerFailed = 705,
    /// Retired in specification 1.0.1 and never raised: verification reports provenance
    /// problems as typed reasons instead. The code stays reserved and is not reused.
    ProvenanceViolation = 706,
}

impl ErrorKind {
    /// The stable numeric code.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The kind with this numeric code, if there is one.
    pub fn from_code(code: u32) -> Option<ErrorKind> {
        ErrorKind::ALL.iter().copied().find(|k| k.code() == code)
    }

    /// The stable symbolic name used in the spec, the C header and the test vectors.
    pub fn name(self) -> &'static str {
        use ErrorKind::*;
        match self {
            Io => "IO",
            BadMagic => "BAD_MAGIC",
            TextModeCorruption => "TEXT_MODE_CORRUPTION",
            UnsupportedVersion => "UNSUPPORTED_VERSION",
            Truncated => "TRUNCATED",
            LengthOverflow => "LENGTH_OVERFLOW",
            BadChunkType => "BAD_CHUNK_TYPE",
            UnknownCriticalChunk => "UNKNOWN_CRITICAL_CHUNK",
            MissingChunk => "MISSING_CHUNK",
            DuplicateChunk => "DUPLICATE_CHUNK",
            ChunkOrder => "CHUNK_ORDER",
            MalformedChunk => "MALFORMED_CHUNK",
            TrailingBytes => "TRAILING_BYTES",
            IndexMismatch => "INDEX_MISMATCH",
            TileSizeMismatch => "TILE_SIZE_MISMATCH",
            CodecError => "CODEC_ERROR",
            InvalidUtf8 => "INVALID_UTF8",
            InvalidJson => "INVALID_JSON",
            InvalidArgument => "INVALID_ARGUMENT",
            RegionOutOfBounds => "REGION_OUT_OF_BOUNDS",
            NotFound => "NOT_FOUND",
            InvalidState => "INVALID_STATE",
            LimitExceeded => "LIMIT_EXCEEDED",
            UnsupportedFilter => "UNSUPPORTED_FILTER",
            UnsupportedCodec => "UNSUPPORTED_CODEC",
            UnsupportedSampleType => "UNSUPPORTED_SAMPLE_TYPE",
            UnsupportedDigest => "UNSUPPORTED_DIGEST",
            SchemaViolation => "SCHEMA_VIOLATION",
            DigestMismatch => "DIGEST_MISMATCH",
            BadSignature => "BAD_SIGNATURE",
            BadKey => "BAD_KEY",
            BadTrustStore => "BAD_TRUST_STORE",
            NotTrusted => "NOT_TRUSTED",
            SignerFailed => "SIGNER_FAILED",
            ProvenanceViolation => "PROVENANCE_VIOLATION",
        }
    }

    /// Every kind, in code order (for documentation and cross-language tests).
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::Io,
        ErrorKind::BadMagic,
        ErrorKind::TextModeCorruption,
        ErrorKind::UnsupportedVersion,
        ErrorKind::Truncated,
        ErrorKind::LengthOverflow,
        ErrorKind::BadChunkType,
        ErrorKind::UnknownCriticalChunk,
        ErrorKind::MissingChunk,
        ErrorKind::DuplicateChunk,
        ErrorKind::ChunkOrder,
        ErrorKind::MalformedChunk,
        ErrorKind::TrailingBytes,
        ErrorKind::IndexMismatch,
        ErrorKind::TileSizeMismatch,
        ErrorKind::CodecError,
        ErrorKind::InvalidUtf8,
        ErrorKind::InvalidJson,
        ErrorKind::InvalidArgument,
        ErrorKind::RegionOutOfBounds,
        ErrorKind::NotFound,
        ErrorKind::InvalidState,
        ErrorKind::LimitExceeded,
        ErrorKind::UnsupportedFilter,
        ErrorKind::UnsupportedCodec,
        ErrorKind::UnsupportedSampleType,
        ErrorKind::UnsupportedDigest,
        ErrorKind::SchemaViolation,
        ErrorKind::DigestMismatch,
        ErrorKind::BadSignature,
        ErrorKind::BadKey,
        ErrorKind::BadTrustStore,
        ErrorKind::NotTrusted,
        ErrorKind::SignerFailed,
        ErrorKind::ProvenanceViolation,
    ];

    /// Looks a kind up by its symbolic name.
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.iter().copied().find(|k| k.name() == name)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

/// An error from any scanx operation.
///
/// Carries a stable [`ErrorKind`], a human-readable message, and where the problem is in
/// the file: the chunk type and the byte offset, when known. Cheap to clone (the
/// underlying I/O error, if any, is shared), so a binding can keep it as a thread's last
/// error and a reader can report the same failure twice.
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    chunk: Option<[u8; 4]>,
    offset: Option<u64>,
    source: Option<std::sync::Arc<std::io::Error>>,
}

impl Error {
    /// A new error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            chunk: None,
            offset: None,
            source: None,
        }
    }

    /// A format error at a byte offset of the file.
    pub fn at(kind: ErrorKind, offset: u64, message: impl Into<String>) -> Self {
        Error::new(kind, message).with_offset(offset)
    }

    /// Attaches the byte offset (of the chunk header, or of the faulty field) if none is set.
    pub fn with_offset(mut self, offset: u64) -> Self {
        self.offset.get_or_insert(offset);
        self
    }

    /// Attaches the chunk type if none is set.
    pub fn with_chunk(mut self, chunk: [u8; 4]) -> Self {
        self.chunk.get_or_insert(chunk);
        self
    }

    /// A limit was exceeded: names the limit, the value asked for and the limit.
    pub fn limit(what: &str, requested: u64, limit: u64) -> Self {
        Error::new(
            ErrorKind::LimitExceeded,
            format!("{what}: {requested} exceeds the limit of {limit}"),
        )
    }

    /// A bad argument from the caller.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    /// A metadata validation failure.
    pub fn schema(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::SchemaViolation, message)
    }

    /// The stable kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The stable numeric code (same as `kind().code()`).
    pub fn code(&self) -> u32 {
        self.kind.code()
    }

    /// The message without location.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The chunk type where the problem is, if known.
    pub fn chunk(&self) -> Option<[u8; 4]> {
        self.chunk
    }

    /// The byte offset in the file where the problem is, if known.
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)?;
        if let Some(chunk) = self.chunk {
            write!(f, " (chunk {}", String::from_utf8_lossy(&chunk))?;
            if let Some(offset) = self.offset {
                write!(f, " at byte {offset}")?;
            }
            write!(f, ")")?;
        } else if let Some(offset) = self.offset {
            write!(f, " (at byte {offset})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| &**e as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        // A short read while parsing is a truncated file, not an operating-system failure.
        let kind = if e.kind() == std::io::ErrorKind::UnexpectedEof {
            ErrorKind::Truncated
        } else {
            ErrorKind::Io
        };
        Error {
            kind,
            message: e.to_string(),
            chunk: None,
            offset: None,
            source: Some(std::sync::Arc::new(e)),
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_round_trip() {
        let mut codes: Vec<u32> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_name(kind.name()), Some(*kind));
        }
    }

    #[test]
    fn display_names_chunk_and_offset() {
        let e = Error::at(ErrorKind::MalformedChunk, 42, "bad plane").with_chunk(*b"PLAN");
        assert_eq!(
            e.to_string(),
            "MALFORMED_CHUNK: bad plane (chunk PLAN at byte 42)"
        );
        assert_eq!(e.code(), 210);
    }
}
