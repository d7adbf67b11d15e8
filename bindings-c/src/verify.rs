//! Trust stores, verification and its report.

use std::ffi::{c_char, CString};

use scanx::crypto::TrustStore;
use scanx::{ReadOptions, Reason, Status, VerifyReport};

use crate::ffi;
use crate::keys::scanx_role;
use crate::status::{scanx_status, Failure};

/// A set of public keys trusted for some roles and times, with revocations.
///
/// Thread safety: may be shared between threads for every call but its `_free`.
pub struct scanx_trust_store {
    pub(crate) store: TrustStore,
}

/// What a verification found. Strings it hands out are owned by it and valid until it is
/// freed.
///
/// Thread safety: may be shared between threads for every call but its `_free`.
pub struct scanx_report {
    report: VerifyReport,
    json: CString,
    signatures: Vec<[CString; 4]>,
    problems: Vec<[CString; 3]>,
    redactions: Vec<[CString; 4]>,
    events: Vec<[CString; 5]>,
}

/// The verdict on a whole file.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum scanx_verify_status {
    /// Every chunk matches its signed manifest, every generation is signed, and every
    /// signature is valid and by a key the trust store trusts for its role and time.
    SCANX_VERIFY_TRUSTED = 1,
    /// Nothing is altered and every signature is valid, but trust could not be
    /// established (unknown or expired key, wrong role, no trust store ...).
    SCANX_VERIFY_VALID_UNTRUSTED = 2,
    /// Something is wrong: structure, digest, signature, redaction record, a missing or
    /// extra signature, or a revoked key.
    SCANX_VERIFY_INVALID = 3,
    /// The file carries no signature at all (and nothing in it is inconsistent).
    SCANX_VERIFY_UNSIGNED = 4,
}

/// Why a file, chunk or signature is not what it should be. Values follow the order of
/// the specification's table of reasons and are stable; `scanx_report_problem` also
/// gives the name.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum scanx_reason {
    /// A reason newer than this header (its name is in the problem).
    SCANX_REASON_OTHER = 0,
    /// The file breaks the format (`error_code` says how).
    SCANX_REASON_FORMAT_ERROR = 1,
    /// A manifest names another digest algorithm than `HEAD`.
    SCANX_REASON_DIGEST_ALGORITHM_MISMATCH = 2,
    /// A manifest's generation number is not its position.
    SCANX_REASON_GENERATION_MISMATCH = 3,
    /// A manifest's previous digest is not that of the manifest before it.
    SCANX_REASON_MANIFEST_CHAIN_BROKEN = 4,
    /// A chunk was altered.
    SCANX_REASON_DIGEST_MISMATCH = 5,
    /// A chunk no manifest entry accounts for.
    SCANX_REASON_UNLISTED_CHUNK = 6,
    /// A chunk is gone and no redaction record names it.
    SCANX_REASON_REMOVED_WITHOUT_REDACTION = 7,
    /// A redaction record names a wrong entry.
    SCANX_REASON_BAD_REDACTION_REFERENCE = 8,
    /// A redaction record names a chunk still present.
    SCANX_REASON_REDACTED_CHUNK_PRESENT = 9,
    /// A signature's chain digest is wrong.
    SCANX_REASON_SIGNATURE_CHAIN_MISMATCH = 10,
    /// A signature's key id is not that of its public key.
    SCANX_REASON_KEY_ID_MISMATCH = 11,
    /// An Ed25519 signature does not verify.
    SCANX_REASON_BAD_SIGNATURE = 12,
    /// The same key signed a generation twice.
    SCANX_REASON_DUPLICATE_SIGNATURE = 13,
    /// An event's actor did not sign its generation.
    SCANX_REASON_EVENT_ACTOR_NOT_SIGNER = 14,
    /// A signature was stripped.
    SCANX_REASON_SIGNATURE_MISSING = 15,
    /// More signatures than the manifest expects.
    SCANX_REASON_UNEXPECTED_SIGNATURE = 16,
    /// The trust store does not list the key.
    SCANX_REASON_UNKNOWN_KEY = 17,
    /// The key is revoked.
    SCANX_REASON_REVOKED_KEY = 18,
    /// The signature is dated before the key's validity.
    SCANX_REASON_KEY_NOT_YET_VALID = 19,
    /// The signature is dated after the key's validity.
    SCANX_REASON_KEY_EXPIRED = 20,
    /// The key may not sign in the role it claims.
    SCANX_REASON_ROLE_NOT_ALLOWED = 21,
    /// The trust store lists the key id with another public key.
    SCANX_REASON_TRUST_KEY_MISMATCH = 22,
    /// A generation nobody signed, while others are signed.
    SCANX_REASON_UNSIGNED_GENERATION = 23,
    /// The file is signed but no trust store was given.
    SCANX_REASON_NO_TRUST_STORE = 24,
}

impl scanx_reason {
    pub(crate) fn from_core(reason: Reason) -> scanx_reason {
        use scanx_reason::*;
        match reason {
            Reason::FormatError => SCANX_REASON_FORMAT_ERROR,
            Reason::DigestAlgorithmMismatch => SCANX_REASON_DIGEST_ALGORITHM_MISMATCH,
            Reason::GenerationMismatch => SCANX_REASON_GENERATION_MISMATCH,
            Reason::ManifestChainBroken => SCANX_REASON_MANIFEST_CHAIN_BROKEN,
            Reason::DigestMismatch => SCANX_REASON_DIGEST_MISMATCH,
            Reason::UnlistedChunk => SCANX_REASON_UNLISTED_CHUNK,
            Reason::RemovedWithoutRedaction => SCANX_REASON_REMOVED_WITHOUT_REDACTION,
            Reason::BadRedactionReference => SCANX_REASON_BAD_REDACTION_REFERENCE,
            Reason::RedactedChunkPresent => SCANX_REASON_REDACTED_CHUNK_PRESENT,
            Reason::SignatureChainMismatch => SCANX_REASON_SIGNATURE_CHAIN_MISMATCH,
            Reason::KeyIdMismatch => SCANX_REASON_KEY_ID_MISMATCH,
            Reason::BadSignature => SCANX_REASON_BAD_SIGNATURE,
            Reason::DuplicateSignature => SCANX_REASON_DUPLICATE_SIGNATURE,
            Reason::EventActorNotSigner => SCANX_REASON_EVENT_ACTOR_NOT_SIGNER,
            Reason::SignatureMissing => SCANX_REASON_SIGNATURE_MISSING,
            Reason::UnexpectedSignature => SCANX_REASON_UNEXPECTED_SIGNATURE,
            Reason::UnknownKey => SCANX_REASON_UNKNOWN_KEY,
            Reason::RevokedKey => SCANX_REASON_REVOKED_KEY,
            Reason::KeyNotYetValid => SCANX_REASON_KEY_NOT_YET_VALID,
            Reason::KeyExpired => SCANX_REASON_KEY_EXPIRED,
            Reason::RoleNotAllowed => SCANX_REASON_ROLE_NOT_ALLOWED,
            Reason::TrustKeyMismatch => SCANX_REASON_TRUST_KEY_MISMATCH,
            Reason::UnsignedGeneration => SCANX_REASON_UNSIGNED_GENERATION,
            Reason::NoTrustStore => SCANX_REASON_NO_TRUST_STORE,
            _ => SCANX_REASON_OTHER,
        }
    }
}

/// One signature of the file, as the verifier judged it.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy)]
pub struct scanx_signature_info {
    /// The generation it signs, from 1.
    pub generation: u32,
    /// Byte offset of its `SIGN` chunk.
    pub offset: u64,
    /// The signer's key id, 32 lower-case hex digits.
    pub key_id: *const c_char,
    /// The role it claims.
    pub role: scanx_role,
    /// When it was made, RFC 3339 UTC.
    pub time: *const c_char,
    /// The Ed25519 signature verifies and its chain digest is right.
    pub valid: bool,
    /// The trust store's decision (`"TRUSTED"`, `"UNKNOWN_KEY"`, `"REVOKED"` ...) or
    /// NULL if no trust store was given or the signature is not valid.
    pub trust: *const c_char,
    /// The agency the trust store names for the key, or NULL.
    pub agency: *const c_char,
}

/// One problem the verifier found.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy)]
pub struct scanx_problem {
    /// What is wrong.
    pub reason: scanx_reason,
    /// The reason's stable name, such as `"DIGEST_MISMATCH"`.
    pub reason_name: *const c_char,
    /// The generation it concerns (from 1), or 0 for none.
    pub generation: u32,
    /// The chunk type it concerns, or NULL.
    pub chunk: *const c_char,
    /// Whether `offset` is set.
    pub has_offset: bool,
    /// Byte offset of the chunk (or faulty field).
    pub offset: u64,
    /// For `SCANX_REASON_FORMAT_ERROR`: the status of the format error, else `SCANX_OK`.
    pub error_code: scanx_status,
    /// A sentence for people.
    pub message: *const c_char,
}

/// One redaction the file records.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy)]
pub struct scanx_redaction_info {
    /// The generation the redaction was added in.
    pub generation: u32,
    /// The event id.
    pub event_id: *const c_char,
    /// When, RFC 3339.
    pub time: *const c_char,
    /// The actor's key id, hex.
    pub actor_key_id: *const c_char,
    /// The actor's role.
    pub actor_role: scanx_role,
    /// Why.
    pub reason: *const c_char,
    /// How many chunks it removed.
    pub removed_count: usize,
    /// A valid signature of its generation is by the actor.
    pub signed_by_actor: bool,
}

/// One provenance event, in file order: the file's timeline.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy)]
pub struct scanx_event_info {
    /// The generation it was added in.
    pub generation: u32,
    /// Byte offset of its `EVNT` chunk.
    pub offset: u64,
    /// The event id.
    pub id: *const c_char,
    /// `"capture"`, `"annotate"`, `"redact"`, `"re-encode"`, `"derive"`, `"transfer"` or
    /// `"countersign"`.
    pub action: *const c_char,
    /// When, RFC 3339.
    pub time: *const c_char,
    /// The actor's key id, hex.
    pub actor_key_id: *const c_char,
    /// The actor's role.
    pub actor_role: scanx_role,
    /// A valid signature of its generation is by the actor.
    pub signed_by_actor: bool,
    /// What it says, in a sentence.
    pub summary: *const c_char,
}

fn c(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap_or_default()
}

fn opt_ptr(s: &CString) -> *const c_char {
    if s.as_bytes().is_empty() {
        std::ptr::null()
    } else {
        ffi::borrow_c_str(s)
    }
}

impl scanx_report {
    fn new(report: VerifyReport) -> scanx_report {
        let signatures = report
            .signatures
            .iter()
            .map(|s| {
                [
                    c(&s.key_id),
                    c(&s.time.to_string()),
                    c(s.trust.as_ref().map_or("", |t| t.name())),
                    c(s.agency.as_deref().unwrap_or("")),
                ]
            })
            .collect();
        let problems = report
            .problems
            .iter()
            .map(|p| {
                [
                    c(p.reason.name()),
                    c(p.chunk.as_deref().unwrap_or("")),
                    c(&p.message),
                ]
            })
            .collect();
        let redactions = report
            .redactions
            .iter()
            .map(|r| {
                [
                    c(&r.event_id),
                    c(&r.time.to_string()),
                    c(&r.actor_key_id),
                    c(&r.reason),
                ]
            })
            .collect();
        let events = report
            .events
            .iter()
            .map(|e| {
                [
                    c(&e.id),
                    c(e.action),
                    c(&e.time.to_string()),
                    c(&e.actor_key_id),
                    c(&e.summary),
                ]
            })
            .collect();
        scanx_report {
            json: c(&report.to_json()),
            events,
            report,
            signatures,
            problems,
            redactions,
        }
    }
}

fn trust_out(out: *mut *mut scanx_trust_store, store: TrustStore) -> Result<(), Failure> {
    ffi::out(out, "out_store")?.write(ffi::into_handle(scanx_trust_store { store }));
    Ok(())
}

/// Reads a trust store from a JSON file (`SCANX_BAD_TRUST_STORE` if it is not one).
#[no_mangle]
pub extern "C" fn scanx_trust_store_load(
    path: *const c_char,
    out_store: *mut *mut scanx_trust_store,
) -> scanx_status {
    ffi::guard(|| {
        ffi::out(out_store, "out_store")?;
        let path = ffi::path(path, "path")?;
        trust_out(out_store, TrustStore::load(&path)?)
    })
}

/// Parses a trust store from `len` bytes of JSON at `json` (copied; no NUL needed).
#[no_mangle]
pub extern "C" fn scanx_trust_store_from_json(
    json: *const u8,
    len: usize,
    out_store: *mut *mut scanx_trust_store,
) -> scanx_status {
    ffi::guard(|| {
        ffi::out(out_store, "out_store")?;
        let bytes = ffi::bytes(json, len, "json")?;
        trust_out(out_store, TrustStore::from_json(bytes)?)
    })
}

/// Frees a trust store. NULL is a no-op. Returns `SCANX_OK`.
#[no_mangle]
pub extern "C" fn scanx_trust_store_free(store: *mut scanx_trust_store) -> scanx_status {
    ffi::guard(|| {
        ffi::free_handle(store);
        Ok(())
    })
}

fn trust_arg<'a>(store: *const scanx_trust_store) -> Result<Option<&'a TrustStore>, Failure> {
    if store.is_null() {
        Ok(None)
    } else {
        Ok(Some(&ffi::arg_ref(store, "trust")?.store))
    }
}

fn report_out(out: *mut *mut scanx_report, report: VerifyReport) -> Result<(), Failure> {
    ffi::out(out, "out_report")?.write(ffi::into_handle(scanx_report::new(report)));
    Ok(())
}

/// Verifies the whole file at `path` (one forward pass: structure, every digest,
/// manifest, redaction record and signature, and the trust store's decision on every
/// signer). `trust` may be NULL: signed files then come out `VALID_UNTRUSTED` at best,
/// with `NO_TRUST_STORE`.
///
/// Everything wrong with the file is in the report, not in the status: this returns
/// `SCANX_OK` and a report for a tampered or broken file; it fails only if the file cannot
/// be opened (`SCANX_IO`).
#[no_mangle]
pub extern "C" fn scanx_verify_path(
    path: *const c_char,
    trust: *const scanx_trust_store,
    out_report: *mut *mut scanx_report,
) -> scanx_status {
    ffi::guard(|| {
        ffi::out(out_report, "out_report")?;
        let path = ffi::path(path, "path")?;
        let trust = trust_arg(trust)?;
        let report = scanx::verify_path(&path, trust, &ReadOptions::default())?;
        report_out(out_report, report)
    })
}

/// As `scanx_verify_path`, for `len` bytes at `data` (borrowed for the call only).
#[no_mangle]
pub extern "C" fn scanx_verify_memory(
    data: *const u8,
    len: usize,
    trust: *const scanx_trust_store,
    out_report: *mut *mut scanx_report,
) -> scanx_status {
    ffi::guard(|| {
        ffi::out(out_report, "out_report")?;
        let bytes = ffi::bytes(data, len, "data")?;
        let trust = trust_arg(trust)?;
        let report = scanx::verify_bytes(bytes, trust, &ReadOptions::default())?;
        report_out(out_report, report)
    })
}

/// Verifies as `scanx_verify_path`, against a required trust store, and fails with
/// `SCANX_NOT_TRUSTED` unless the status is trusted (the last error message then gives
/// the status and every problem). For callers that must not act on a file whose signer
/// they cannot trust. `out_report` may be NULL if the report is not wanted.
#[no_mangle]
pub extern "C" fn scanx_verify_strict_path(
    path: *const c_char,
    trust: *const scanx_trust_store,
    out_report: *mut *mut scanx_report,
) -> scanx_status {
    ffi::guard(|| {
        let path = ffi::path(path, "path")?;
        let trust = ffi::arg_ref(trust, "trust")?;
        let report = scanx::verify_path(&path, Some(&trust.store), &ReadOptions::default())?
            .require_trusted()?;
        if !out_report.is_null() {
            report_out(out_report, report)?;
        }
        Ok(())
    })
}

/// As `scanx_verify_strict_path`, for `len` bytes at `data`.
#[no_mangle]
pub extern "C" fn scanx_verify_strict_memory(
    data: *const u8,
    len: usize,
    trust: *const scanx_trust_store,
    out_report: *mut *mut scanx_report,
) -> scanx_status {
    ffi::guard(|| {
        let bytes = ffi::bytes(data, len, "data")?;
        let trust = ffi::arg_ref(trust, "trust")?;
        let report = scanx::verify_bytes(bytes, Some(&trust.store), &ReadOptions::default())?
            .require_trusted()?;
        if !out_report.is_null() {
            report_out(out_report, report)?;
        }
        Ok(())
    })
}

/// Frees a report. NULL is a no-op. Returns `SCANX_OK`.
#[no_mangle]
pub extern "C" fn scanx_report_free(report: *mut scanx_report) -> scanx_status {
    ffi::guard(|| {
        ffi::free_handle(report);
        Ok(())
    })
}

/// The verdict.
#[no_mangle]
pub extern "C" fn scanx_report_status(
    report: *const scanx_report,
    out_status: *mut scanx_verify_status,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(report, "report")?;
        let out = ffi::out(out_status, "out_status")?;
        out.write(match r.report.status {
            Status::Trusted => scanx_verify_status::SCANX_VERIFY_TRUSTED,
            Status::ValidUntrusted => scanx_verify_status::SCANX_VERIFY_VALID_UNTRUSTED,
            Status::Unsigned => scanx_verify_status::SCANX_VERIFY_UNSIGNED,
            _ => scanx_verify_status::SCANX_VERIFY_INVALID,
        });
        Ok(())
    })
}

/// The report as pretty-printed JSON (the stable shape core documents: status, file id,
/// generations, signatures, problems, redactions, events ...). The string is owned by the
/// report: do not free it; it is valid until the report is freed.
#[no_mangle]
pub extern "C" fn scanx_report_json(
    report: *const scanx_report,
    out_json: *mut *const c_char,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(report, "report")?;
        ffi::out(out_json, "out_json")?.write(ffi::borrow_c_str(&r.json));
        Ok(())
    })
}

/// The number of signatures in the file (`SIGN` chunks).
#[no_mangle]
pub extern "C" fn scanx_report_signature_count(
    report: *const scanx_report,
    out_count: *mut usize,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(report, "report")?;
        ffi::out(out_count, "out_count")?.write(r.report.signatures.len());
        Ok(())
    })
}

/// Signature `index` (from 0, in file order); `SCANX_NOT_FOUND` past the end.
#[no_mangle]
pub extern "C" fn scanx_report_signature(
    report: *const scanx_report,
    index: usize,
    out_info: *mut scanx_signature_info,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(report, "report")?;
        let out = ffi::out(out_info, "out_info")?;
        let s = r
            .report
            .signatures
            .get(index)
            .ok_or_else(|| Failure::not_found(format!("no signature {index}")))?;
        let texts = &r.signatures[index];
        out.write(scanx_signature_info {
            generation: s.generation,
            offset: s.offset,
            key_id: ffi::borrow_c_str(&texts[0]),
            role: scanx_role::from_core(s.role),
            time: ffi::borrow_c_str(&texts[1]),
            valid: s.valid,
            trust: opt_ptr(&texts[2]),
            agency: opt_ptr(&texts[3]),
        });
        Ok(())
    })
}

/// The number of problems found (0 for a trusted file, or an unsigned one with nothing
/// wrong).
#[no_mangle]
pub extern "C" fn scanx_report_problem_count(
    report: *const scanx_report,
    out_count: *mut usize,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(report, "report")?;
        ffi::out(out_count, "out_count")?.write(r.report.problems.len());
        Ok(())
    })
}

/// Problem `index` (from 0, in the order found); `SCANX_NOT_FOUND` past the end.
#[no_mangle]
pub extern "C" fn scanx_report_problem(
    report: *const scanx_report,
    index: usize,
    out_problem: *mut scanx_problem,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(report, "report")?;
        let out = ffi::out(out_problem, "out_problem")?;
        let p = r
            .report
            .problems
            .get(index)
            .ok_or_else(|| Failure::not_found(format!("no problem {index}")))?;
        let texts = &r.problems[index];
        let error_code = p
            .error_code
            .and_then(|code| scanx::ErrorKind::ALL.iter().find(|k| k.code() == code))
            .map_or(scanx_status::SCANX_OK, |k| scanx_status::from_kind(*k));
        out.write(scanx_problem {
            reason: scanx_reason::from_core(p.reason),
            reason_name: ffi::borrow_c_str(&texts[0]),
            generation: p.generation.unwrap_or(0),
            chunk: opt_ptr(&texts[1]),
            has_offset: p.offset.is_some(),
            offset: p.offset.unwrap_or(0),
            error_code,
            message: ffi::borrow_c_str(&texts[2]),
        });
        Ok(())
    })
}

/// The number of redactions the file records.
#[no_mangle]
pub extern "C" fn scanx_report_redaction_count(
    report: *const scanx_report,
    out_count: *mut usize,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(report, "report")?;
        ffi::out(out_count, "out_count")?.write(r.report.redactions.len());
        Ok(())
    })
}

/// Redaction `index` (from 0, in file order); `SCANX_NOT_FOUND` past the end.
#[no_mangle]
pub extern "C" fn scanx_report_redaction(
    report: *const scanx_report,
    index: usize,
    out_info: *mut scanx_redaction_info,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(report, "report")?;
        let out = ffi::out(out_info, "out_info")?;
        let d = r
            .report
            .redactions
            .get(index)
            .ok_or_else(|| Failure::not_found(format!("no redaction {index}")))?;
        let texts = &r.redactions[index];
        out.write(scanx_redaction_info {
            generation: d.generation,
            event_id: ffi::borrow_c_str(&texts[0]),
            time: ffi::borrow_c_str(&texts[1]),
            actor_key_id: ffi::borrow_c_str(&texts[2]),
            actor_role: scanx_role::from_core(d.actor_role),
            reason: ffi::borrow_c_str(&texts[3]),
            removed_count: d.removed.len(),
            signed_by_actor: d.signed_by_actor,
        });
        Ok(())
    })
}

/// The number of provenance events.
#[no_mangle]
pub extern "C" fn scanx_report_event_count(
    report: *const scanx_report,
    out_count: *mut usize,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(report, "report")?;
        ffi::out(out_count, "out_count")?.write(r.report.events.len());
        Ok(())
    })
}

/// Provenance event `index` (from 0, in file order); `SCANX_NOT_FOUND` past the end.
#[no_mangle]
pub extern "C" fn scanx_report_event(
    report: *const scanx_report,
    index: usize,
    out_info: *mut scanx_event_info,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(report, "report")?;
        let out = ffi::out(out_info, "out_info")?;
        let e = r
            .report
            .events
            .get(index)
            .ok_or_else(|| Failure::not_found(format!("no event {index}")))?;
        let texts = &r.events[index];
        out.write(scanx_event_info {
            generation: e.generation,
            offset: e.offset,
            id: ffi::borrow_c_str(&texts[0]),
            action: ffi::borrow_c_str(&texts[1]),
            time: ffi::borrow_c_str(&texts[2]),
            actor_key_id: ffi::borrow_c_str(&texts[3]),
            actor_role: scanx_role::from_core(e.actor_role),
            signed_by_actor: e.signed_by_actor,
            summary: ffi::borrow_c_str(&texts[4]),
        });
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_its_own_code_in_table_order() {
        for (i, reason) in Reason::ALL.iter().enumerate() {
            assert_eq!(scanx_reason::from_core(*reason) as usize, i + 1, "{reason}");
        }
    }
}
