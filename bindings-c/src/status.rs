//! Status codes and the thread's last error.

use std::cell::RefCell;
use std::ffi::c_char;

use scanx::ErrorKind;

use crate::ffi;

/// The result of every libscanx function.
///
/// `SCANX_OK` (0) is success. Every other value is the stable code of core's error kinds
/// (1xx I/O, 2xx format, 3xx caller, 4xx limits, 5xx unsupported, 6xx metadata, 7xx
/// integrity and trust; the specification lists them), plus four codes of the C library
/// itself in the 8xx group, which the core never uses. A value, once published, never
/// changes meaning and is never reused.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum scanx_status {
    /// Success.
    SCANX_OK = 0,
    /// Reading or writing failed at the operating-system level (or a read or write
    /// callback reported a failure).
    SCANX_IO = 100,
    /// The file does not start with the scanx magic bytes.
    SCANX_BAD_MAGIC = 200,
    /// The magic has been through a text-mode (CR/LF) conversion.
    SCANX_TEXT_MODE_CORRUPTION = 201,
    /// The file's major version is not one this library reads.
    SCANX_UNSUPPORTED_VERSION = 202,
    /// The file ends before a structure is complete.
    SCANX_TRUNCATED = 203,
    /// A declared length does not fit in the bytes that follow, or overflows.
    SCANX_LENGTH_OVERFLOW = 204,
    /// A chunk type contains bytes other than ASCII letters.
    SCANX_BAD_CHUNK_TYPE = 205,
    /// An unknown chunk type has its critical bit set.
    SCANX_UNKNOWN_CRITICAL_CHUNK = 206,
    /// A required chunk is absent.
    SCANX_MISSING_CHUNK = 207,
    /// A chunk that may appear once appears again.
    SCANX_DUPLICATE_CHUNK = 208,
    /// A chunk appears where the format does not allow it.
    SCANX_CHUNK_ORDER = 209,
    /// A chunk's payload is malformed.
    SCANX_MALFORMED_CHUNK = 210,
    /// Bytes follow the end marker.
    SCANX_TRAILING_BYTES = 211,
    /// The index does not describe the file it is in.
    SCANX_INDEX_MISMATCH = 212,
    /// A tile decodes to a size other than the one it declares.
    SCANX_TILE_SIZE_MISMATCH = 213,
    /// A compressed tile stream is corrupt.
    SCANX_CODEC_ERROR = 214,
    /// Text that must be UTF-8 is not.
    SCANX_INVALID_UTF8 = 215,
    /// Text that must be JSON is not.
    SCANX_INVALID_JSON = 216,
    /// An argument is invalid (a short buffer, a bad stride, an unknown enum value ...).
    SCANX_INVALID_ARGUMENT = 300,
    /// A region lies outside the plane (or is empty).
    SCANX_REGION_OUT_OF_BOUNDS = 301,
    /// No plane, signature, item or chunk with that index or identifier.
    SCANX_NOT_FOUND = 302,
    /// The operation is not allowed in the current state (for example on a writer that
    /// has been finished).
    SCANX_INVALID_STATE = 303,
    /// A size, count or allocation would exceed the limits.
    SCANX_LIMIT_EXCEEDED = 400,
    /// A filter id this library does not know.
    SCANX_UNSUPPORTED_FILTER = 500,
    /// A codec id this library does not know.
    SCANX_UNSUPPORTED_CODEC = 501,
    /// A sample type id this library does not know.
    SCANX_UNSUPPORTED_SAMPLE_TYPE = 502,
    /// A digest algorithm id this library does not know.
    SCANX_UNSUPPORTED_DIGEST = 503,
    /// Metadata breaks the JSON Schema or a validation rule.
    SCANX_SCHEMA_VIOLATION = 600,
    /// A chunk's digest does not match its manifest entry.
    SCANX_DIGEST_MISMATCH = 700,
    /// An Ed25519 signature does not verify.
    SCANX_BAD_SIGNATURE = 701,
    /// A key cannot be parsed or is weak.
    SCANX_BAD_KEY = 702,
    /// A trust store cannot be parsed.
    SCANX_BAD_TRUST_STORE = 703,
    /// A strict verification found a status other than trusted.
    SCANX_NOT_TRUSTED = 704,
    /// An external signer (a signing callback) reported a failure or a wrong signature.
    SCANX_SIGNER_FAILED = 705,
    /// Provenance events contradict the file.
    SCANX_PROVENANCE_VIOLATION = 706,
    /// C library only: a pointer argument that must not be NULL was NULL.
    SCANX_NULL_POINTER = 800,
    /// C library only: a caller's buffer for a message or text is too short; the length
    /// needed is reported.
    SCANX_BUFFER_TOO_SMALL = 801,
    /// C library only: an internal error (a panic) was caught at the boundary. Please
    /// report it; the handle involved should be freed and not used further.
    SCANX_PANIC = 802,
    /// C library only: a core error kind newer than this header (the last error message
    /// names it).
    SCANX_UNKNOWN_ERROR = 899,
}

impl scanx_status {
    /// The status of a core error kind: the same number.
    pub(crate) fn from_kind(kind: ErrorKind) -> scanx_status {
        use scanx_status::*;
        match kind {
            ErrorKind::Io => SCANX_IO,
            ErrorKind::BadMagic => SCANX_BAD_MAGIC,
            ErrorKind::TextModeCorruption => SCANX_TEXT_MODE_CORRUPTION,
            ErrorKind::UnsupportedVersion => SCANX_UNSUPPORTED_VERSION,
            ErrorKind::Truncated => SCANX_TRUNCATED,
            ErrorKind::LengthOverflow => SCANX_LENGTH_OVERFLOW,
            ErrorKind::BadChunkType => SCANX_BAD_CHUNK_TYPE,
            ErrorKind::UnknownCriticalChunk => SCANX_UNKNOWN_CRITICAL_CHUNK,
            ErrorKind::MissingChunk => SCANX_MISSING_CHUNK,
            ErrorKind::DuplicateChunk => SCANX_DUPLICATE_CHUNK,
            ErrorKind::ChunkOrder => SCANX_CHUNK_ORDER,
            ErrorKind::MalformedChunk => SCANX_MALFORMED_CHUNK,
            ErrorKind::TrailingBytes => SCANX_TRAILING_BYTES,
            ErrorKind::IndexMismatch => SCANX_INDEX_MISMATCH,
            ErrorKind::TileSizeMismatch => SCANX_TILE_SIZE_MISMATCH,
            ErrorKind::CodecError => SCANX_CODEC_ERROR,
            ErrorKind::InvalidUtf8 => SCANX_INVALID_UTF8,
            ErrorKind::InvalidJson => SCANX_INVALID_JSON,
            ErrorKind::InvalidArgument => SCANX_INVALID_ARGUMENT,
            ErrorKind::RegionOutOfBounds => SCANX_REGION_OUT_OF_BOUNDS,
            ErrorKind::NotFound => SCANX_NOT_FOUND,
            ErrorKind::InvalidState => SCANX_INVALID_STATE,
            ErrorKind::LimitExceeded => SCANX_LIMIT_EXCEEDED,
            ErrorKind::UnsupportedFilter => SCANX_UNSUPPORTED_FILTER,
            ErrorKind::UnsupportedCodec => SCANX_UNSUPPORTED_CODEC,
            ErrorKind::UnsupportedSampleType => SCANX_UNSUPPORTED_SAMPLE_TYPE,
            ErrorKind::UnsupportedDigest => SCANX_UNSUPPORTED_DIGEST,
            ErrorKind::SchemaViolation => SCANX_SCHEMA_VIOLATION,
            ErrorKind::DigestMismatch => SCANX_DIGEST_MISMATCH,
            ErrorKind::BadSignature => SCANX_BAD_SIGNATURE,
            ErrorKind::BadKey => SCANX_BAD_KEY,
            ErrorKind::BadTrustStore => SCANX_BAD_TRUST_STORE,
            ErrorKind::NotTrusted => SCANX_NOT_TRUSTED,
            ErrorKind::SignerFailed => SCANX_SIGNER_FAILED,
            ErrorKind::ProvenanceViolation => SCANX_PROVENANCE_VIOLATION,
            _ => SCANX_UNKNOWN_ERROR,
        }
    }

    /// The stable symbolic name (core's names for core codes).
    pub(crate) fn name(self) -> &'static str {
        use scanx_status::*;
        match self {
            SCANX_OK => "OK",
            SCANX_NULL_POINTER => "NULL_POINTER",
            SCANX_BUFFER_TOO_SMALL => "BUFFER_TOO_SMALL",
            SCANX_PANIC => "PANIC",
            SCANX_UNKNOWN_ERROR => "UNKNOWN_ERROR",
            other => ErrorKind::ALL
                .iter()
                .find(|k| k.code() == other as u32)
                .map(|k| k.name())
                .unwrap_or("UNKNOWN_ERROR"),
        }
    }
}

/// A failure on its way to C: its status, message and place in the file.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    status: scanx_status,
    message: String,
    offset: Option<u64>,
}

/// What an exported function's body returns.
pub(crate) type Outcome = Result<(), Failure>;

impl Failure {
    pub(crate) fn new(status: scanx_status, message: impl Into<String>) -> Failure {
        let message = format!("{}: {}", status.name(), message.into());
        Failure {
            status,
            message,
            offset: None,
        }
    }

    pub(crate) fn null(name: &str) -> Failure {
        Failure::new(
            scanx_status::SCANX_NULL_POINTER,
            format!("`{name}` must not be NULL"),
        )
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Failure {
        Failure::from(scanx::Error::invalid_argument(message))
    }

    pub(crate) fn state(message: impl Into<String>) -> Failure {
        Failure::from(scanx::Error::new(ErrorKind::InvalidState, message))
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Failure {
        Failure::from(scanx::Error::new(ErrorKind::NotFound, message))
    }
}

impl From<scanx::Error> for Failure {
    fn from(e: scanx::Error) -> Failure {
        Failure {
            status: scanx_status::from_kind(e.kind()),
            // core's Display: kind name, message, chunk and byte offset.
            message: e.to_string(),
            offset: e.offset(),
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<Failure>> = const { RefCell::new(None) };
}

pub(crate) fn set_last_error(failure: Failure) -> scanx_status {
    let status = failure.status;
    LAST_ERROR.with(|last| *last.borrow_mut() = Some(failure));
    status
}

pub(crate) fn clear_last_error() {
    LAST_ERROR.with(|last| *last.borrow_mut() = None);
}

fn with_last<T>(f: impl FnOnce(Option<&Failure>) -> T) -> T {
    LAST_ERROR.with(|last| f(last.borrow().as_ref()))
}

/// Copies the calling thread's last error message (NUL-terminated, UTF-8) into `buf`.
///
/// The message is that of the last libscanx call on this thread that did not return
/// `SCANX_OK`; a successful call clears it, and then the message is empty. It names the
/// error kind, and the chunk and byte offset of the file where the problem is when known,
/// for example `MALFORMED_CHUNK: bad plane (chunk PLAN at byte 42)`.
///
/// `*needed` (if `needed` is not NULL) receives the size the message needs, with its NUL,
/// whether or not it fits. Returns `SCANX_BUFFER_TOO_SMALL` and writes nothing into `buf`
/// if `len` is less than that (call with `buf` NULL and `len` 0 to ask for the size);
/// `SCANX_NULL_POINTER` if `buf` is NULL and `len` is not 0. This function and the other
/// `scanx_last_error_*` getters leave the last error as it is.
#[no_mangle]
pub extern "C" fn scanx_last_error_message(
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> scanx_status {
    let message = with_last(|f| f.map(|f| f.message.clone()).unwrap_or_default());
    let size = message.len() + 1;
    if !needed.is_null() {
        if let Ok(out) = ffi::out(needed, "needed") {
            out.write(size);
        }
    }
    if len < size {
        if buf.is_null() && len != 0 {
            return scanx_status::SCANX_NULL_POINTER;
        }
        return scanx_status::SCANX_BUFFER_TOO_SMALL;
    }
    let Ok(target) = ffi::bytes_mut(buf.cast::<u8>(), len, "buf") else {
        return scanx_status::SCANX_NULL_POINTER;
    };
    target[..message.len()].copy_from_slice(message.as_bytes());
    target[message.len()] = 0;
    scanx_status::SCANX_OK
}

/// The status of the calling thread's last failed call, or `SCANX_OK` if the last call
/// succeeded (or none was made). Leaves the last error as it is.
#[no_mangle]
pub extern "C" fn scanx_last_error_code() -> scanx_status {
    with_last(|f| f.map(|f| f.status).unwrap_or(scanx_status::SCANX_OK))
}

/// Writes the byte offset in the file where the last error is, if the error names one.
///
/// Returns `SCANX_NOT_FOUND` (writing nothing) if the last error has no offset or there is
/// no last error, `SCANX_NULL_POINTER` if `out_offset` is NULL. Leaves the last error as
/// it is.
#[no_mangle]
pub extern "C" fn scanx_last_error_offset(out_offset: *mut u64) -> scanx_status {
    let Ok(out) = ffi::out(out_offset, "out_offset") else {
        return scanx_status::SCANX_NULL_POINTER;
    };
    match with_last(|f| f.and_then(|f| f.offset)) {
        Some(offset) => {
            out.write(offset);
            scanx_status::SCANX_OK
        }
        None => scanx_status::SCANX_NOT_FOUND,
    }
}

/// The stable name of a status, such as `"TRUNCATED"` or `"OK"` (a static string; never
/// freed). `"UNKNOWN_ERROR"` for a value that is not a status.
#[no_mangle]
pub extern "C" fn scanx_status_name(status: u32) -> *const c_char {
    let name: &'static std::ffi::CStr = match status {
        0 => c"OK",
        800 => c"NULL_POINTER",
        801 => c"BUFFER_TOO_SMALL",
        802 => c"PANIC",
        code => match ErrorKind::ALL.iter().find(|k| k.code() == code) {
            Some(kind) => status_c_name(scanx_status::from_kind(*kind)),
            None => c"UNKNOWN_ERROR",
        },
    };
    ffi::borrow_c_str(name)
}

fn status_c_name(status: scanx_status) -> &'static std::ffi::CStr {
    use scanx_status::*;
    match status {
        SCANX_OK => c"OK",
        SCANX_IO => c"IO",
        SCANX_BAD_MAGIC => c"BAD_MAGIC",
        SCANX_TEXT_MODE_CORRUPTION => c"TEXT_MODE_CORRUPTION",
        SCANX_UNSUPPORTED_VERSION => c"UNSUPPORTED_VERSION",
        SCANX_TRUNCATED => c"TRUNCATED",
        SCANX_LENGTH_OVERFLOW => c"LENGTH_OVERFLOW",
        SCANX_BAD_CHUNK_TYPE => c"BAD_CHUNK_TYPE",
        SCANX_UNKNOWN_CRITICAL_CHUNK => c"UNKNOWN_CRITICAL_CHUNK",
        SCANX_MISSING_CHUNK => c"MISSING_CHUNK",
        SCANX_DUPLICATE_CHUNK => c"DUPLICATE_CHUNK",
        SCANX_CHUNK_ORDER => c"CHUNK_ORDER",
        SCANX_MALFORMED_CHUNK => c"MALFORMED_CHUNK",
        SCANX_TRAILING_BYTES => c"TRAILING_BYTES",
        SCANX_INDEX_MISMATCH => c"INDEX_MISMATCH",
        SCANX_TILE_SIZE_MISMATCH => c"TILE_SIZE_MISMATCH",
        SCANX_CODEC_ERROR => c"CODEC_ERROR",
        SCANX_INVALID_UTF8 => c"INVALID_UTF8",
        SCANX_INVALID_JSON => c"INVALID_JSON",
        SCANX_INVALID_ARGUMENT => c"INVALID_ARGUMENT",
        SCANX_REGION_OUT_OF_BOUNDS => c"REGION_OUT_OF_BOUNDS",
        SCANX_NOT_FOUND => c"NOT_FOUND",
        SCANX_INVALID_STATE => c"INVALID_STATE",
        SCANX_LIMIT_EXCEEDED => c"LIMIT_EXCEEDED",
        SCANX_UNSUPPORTED_FILTER => c"UNSUPPORTED_FILTER",
        SCANX_UNSUPPORTED_CODEC => c"UNSUPPORTED_CODEC",
        SCANX_UNSUPPORTED_SAMPLE_TYPE => c"UNSUPPORTED_SAMPLE_TYPE",
        SCANX_UNSUPPORTED_DIGEST => c"UNSUPPORTED_DIGEST",
        SCANX_SCHEMA_VIOLATION => c"SCHEMA_VIOLATION",
        SCANX_DIGEST_MISMATCH => c"DIGEST_MISMATCH",
        SCANX_BAD_SIGNATURE => c"BAD_SIGNATURE",
        SCANX_BAD_KEY => c"BAD_KEY",
        SCANX_BAD_TRUST_STORE => c"BAD_TRUST_STORE",
        SCANX_NOT_TRUSTED => c"NOT_TRUSTED",
        SCANX_SIGNER_FAILED => c"SIGNER_FAILED",
        SCANX_PROVENANCE_VIOLATION => c"PROVENANCE_VIOLATION",
        SCANX_NULL_POINTER => c"NULL_POINTER",
        SCANX_BUFFER_TOO_SMALL => c"BUFFER_TOO_SMALL",
        SCANX_PANIC => c"PANIC",
        SCANX_UNKNOWN_ERROR => c"UNKNOWN_ERROR",
    }
}

/// Frees a string the library returned (JSON, PEM, key ids). NULL is a no-op. Returns
/// `SCANX_OK`.
#[no_mangle]
pub extern "C" fn scanx_string_free(string: *mut c_char) -> scanx_status {
    ffi::guard(|| {
        ffi::free_c_string(string);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_kind_has_a_status_with_its_number_and_name() {
        for kind in ErrorKind::ALL {
            let status = scanx_status::from_kind(*kind);
            assert_eq!(status as u32, kind.code(), "{kind}");
            assert_eq!(status.name(), kind.name());
            assert_eq!(status_c_name(status).to_str().ok(), Some(kind.name()));
        }
    }

    #[test]
    fn library_codes_collide_with_no_core_code() {
        for own in [
            scanx_status::SCANX_OK,
            scanx_status::SCANX_NULL_POINTER,
            scanx_status::SCANX_BUFFER_TOO_SMALL,
            scanx_status::SCANX_PANIC,
            scanx_status::SCANX_UNKNOWN_ERROR,
        ] {
            assert!(ErrorKind::ALL.iter().all(|k| k.code() != own as u32));
        }
    }
}
