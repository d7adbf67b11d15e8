//! Errors as the tool reports them: `error: what went wrong`, then `help: what to do`, on
//! stderr, with the core's stable error code when there is one, and a documented exit code.

use std::fmt;

use scanx::ErrorKind;

/// Exit codes (documented in cli/README.md). Verification has its own codes so that a
/// script can tell a bad file from a file it merely does not trust.
pub mod exit {
    /// Success; for `verify`, the status is TRUSTED.
    pub const OK: i32 = 0;
    /// The operation failed: bad input (images, JSON, keys, trust store), a refused
    /// overwrite, an unwritable destination.
    pub const FAILURE: i32 = 1;
    /// The command line is wrong (clap's usage errors).
    pub const USAGE: i32 = 2;
    /// `verify`: INVALID (a signature, digest or provenance check failed, or the file
    /// breaks the format). Any other command reading a scanx file: the file fails its
    /// integrity check (`DIGEST_MISMATCH`, `BAD_SIGNATURE`, `PROVENANCE_VIOLATION`).
    pub const INVALID: i32 = 3;
    /// `verify`: VALID_UNTRUSTED (good signatures, but no trusted signer for some).
    pub const VALID_UNTRUSTED: i32 = 4;
    /// `verify`: UNSIGNED.
    pub const UNSIGNED: i32 = 5;
    /// A scanx input file cannot be read (missing, unreadable, breaks the format or the
    /// metadata schema); for `validate`, at least one file is not valid.
    pub const UNREADABLE: i32 = 6;
}

/// A failure to report: what went wrong, what to do, the core error kind if any, and the
/// exit code.
#[derive(Debug)]
pub struct Fail {
    pub message: String,
    pub help: Option<String>,
    pub kind: Option<ErrorKind>,
    pub exit: i32,
}

pub type CliResult<T> = Result<T, Fail>;

impl Fail {
    /// A failure without a core error behind it.
    pub fn new(message: impl Into<String>) -> Fail {
        Fail {
            message: message.into(),
            help: None,
            kind: None,
            exit: exit::FAILURE,
        }
    }

    /// Adds the `help:` line.
    pub fn help(mut self, help: impl Into<String>) -> Fail {
        self.help = Some(help.into());
        self
    }

    /// Sets the exit code.
    pub fn exit(mut self, code: i32) -> Fail {
        self.exit = code;
        self
    }

    /// Prints the failure on stderr.
    pub fn report(&self) {
        eprintln!("error: {}", self.message);
        if let Some(kind) = self.kind {
            eprintln!("code: {} ({})", kind.code(), kind.name());
        }
        if let Some(help) = &self.help {
            eprintln!("help: {help}");
        }
    }
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Turns a core error into a failure with `context` in front ("cannot read scan.scx").
pub fn core(context: impl fmt::Display, e: scanx::Error) -> Fail {
    let kind = e.kind();
    Fail {
        message: format!("{context}: {e}"),
        help: Some(default_help(kind).to_owned()),
        kind: Some(kind),
        exit: exit::FAILURE,
    }
}

/// As [`core`], for an error met while reading a scanx input file: exit code 6, or 3
/// when the file fails its integrity check (see [`is_integrity`]).
pub fn unreadable(path: &std::path::Path, e: scanx::Error) -> Fail {
    let integrity = is_integrity(e.kind());
    let mut fail = core(format!("cannot read {}", path.display()), e);
    fail.exit = if integrity {
        exit::INVALID
    } else {
        exit::UNREADABLE
    };
    fail
}

/// As [`unreadable`]; an integrity failure's help ends with `bypass`: the option that
/// reads (or edits) the file anyway, and what it does.
pub fn unreadable_or(path: &std::path::Path, e: scanx::Error, bypass: &str) -> Fail {
    let mut fail = unreadable(path, e);
    if fail.exit == exit::INVALID {
        fail.help = Some(format!(
            "the file is not what its signers sealed (altered, or its signatures are broken); \
             `scanx verify FILE` gives the full report; {bypass}"
        ));
    }
    fail
}

/// Whether an error says the file fails its integrity check: a chunk that does not match
/// its manifest digest (`DIGEST_MISMATCH`), a broken signature (`BAD_SIGNATURE`) or
/// provenance (`PROVENANCE_VIOLATION`).
pub fn is_integrity(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::DigestMismatch | ErrorKind::BadSignature | ErrorKind::ProvenanceViolation
    )
}

/// What to do, by the kind of error.
fn default_help(kind: ErrorKind) -> &'static str {
    let code = kind.code();
    match code {
        100..=199 => "check that the path exists and that you may read (or write) it",
        200..=299 => "the file is damaged or not a scanx file; `scanx validate FILE` names the first defect",
        300..=399 => "check the arguments (`scanx COMMAND --help`)",
        400..=499 => "the file asks for more memory than the limits allow; it may be hostile",
        500..=599 => "this version of scanx cannot handle that feature of the file",
        600..=699 => "fix the JSON so that it follows spec/metadata.schema.json",
        _ => match kind {
            ErrorKind::BadKey => "give an Ed25519 private key in PKCS#8 PEM, as written by `scanx keygen`",
            ErrorKind::BadTrustStore => "fix the trust store so that it follows spec/truststore.schema.json (`scanx trust add` writes valid entries)",
            _ => "run `scanx verify FILE --trust STORE` for the full report",
        },
    }
}
