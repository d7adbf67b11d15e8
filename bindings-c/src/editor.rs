//! Editing by appending a generation: redact, annotate, transfer, countersign.

use std::ffi::c_char;
use std::path::PathBuf;

use scanx::{Error, ErrorKind};

use scanx::crypto::{Role, Signer};
use scanx::metadata::{Agency, Annotation};
use scanx::pixels::Rect;
use scanx::provenance::EventStamp;
use scanx::{Editor, RedactRequest, Timestamp};

use crate::ffi;
use crate::keys::{role_from_c, scanx_signer};
use crate::reader::{read_options, scanx_read_options};
use crate::status::{scanx_status, Failure, Outcome};
use crate::writer::{json_arg, push_signature, sign_requests, PendingSignature};

/// Who records an event, as what, for which agency, when and under which id.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy)]
pub struct scanx_stamp {
    /// A `scanx_role` value: the role the actor signs in.
    pub role: u32,
    /// ISO 3166-1 alpha-2 country of the actor's agency, or NULL for none (then
    /// `agency_name` must be NULL too).
    pub agency_country: *const c_char,
    /// The agency's name, or NULL.
    pub agency_name: *const c_char,
    /// Seconds since the Unix epoch, UTC: the event's time and its signature's.
    pub time: i64,
    /// The event id (a lower-case UUID), or NULL for a new random one.
    pub event_id: *const c_char,
}

/// A rectangle of one plane.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy)]
pub struct scanx_region {
    /// The plane, from 0.
    pub plane: u32,
    /// First column.
    pub x: u32,
    /// First row.
    pub y: u32,
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
}

fn agency(country: *const c_char, name: *const c_char) -> Result<Option<Agency>, Failure> {
    match (
        ffi::opt_text(country, "agency_country")?,
        ffi::opt_text(name, "agency_name")?,
    ) {
        (None, None) => Ok(None),
        (Some(country), Some(name)) => Ok(Some(Agency::new(country, name))),
        _ => Err(Failure::invalid(
            "an agency needs both its country and its name (or neither)",
        )),
    }
}

/// The core stamp for a C stamp, and its role.
pub(crate) fn stamp_from_c(
    signer: &dyn Signer,
    stamp: &scanx_stamp,
) -> Result<(EventStamp, Role), Failure> {
    let role = role_from_c(stamp.role)?;
    let agency = agency(stamp.agency_country, stamp.agency_name)?;
    let mut event_stamp = EventStamp::new(signer, role, agency, ffi::time(stamp.time))?;
    if let Some(id) = ffi::opt_text(stamp.event_id, "event_id")? {
        event_stamp = event_stamp.with_id(id);
    }
    Ok((event_stamp, role))
}

/// An existing file being extended with a new generation. Every unchanged chunk is
/// copied byte for byte, so every earlier signature still verifies what it covered. The
/// file opened is never modified: the result is saved to another path.
///
/// Each recorded event registers its actor's signature for the new generation (once per
/// key and role); more signatures can be added with `scanx_editor_add_signature`.
///
/// Thread safety: not to be used from two threads at once.
pub struct scanx_editor {
    editor: Editor,
    /// The file opened, which `scanx_editor_save` refuses to replace (None from memory).
    source: Option<PathBuf>,
    signers: Vec<PendingSignature>,
}

/// Core's editor over `bytes`: refusing a file that verification finds `INVALID` unless
/// the options turn the integrity check off.
fn open_bytes(bytes: Vec<u8>, options: *const scanx_read_options) -> Result<Editor, Failure> {
    let (options, check) = read_options(options)?;
    // The editor verifies the file itself, in the same pass as it reads it.
    let options = options.with_digest_check(false);
    Ok(if check {
        Editor::from_bytes_with(bytes, &options)?
    } else {
        Editor::from_bytes_unverified(bytes, &options)?
    })
}

fn finish_editor(editor: Editor, source: Option<PathBuf>, out: ffi::Out<*mut scanx_editor>) {
    out.write(ffi::into_handle(scanx_editor {
        editor,
        source,
        signers: Vec::new(),
    }));
}

/// Reads and checks the whole file at `path` (read-only) for editing.
///
/// The file is verified in the same pass (without a trust store): by default one that
/// verification finds `INVALID` (an altered chunk, a broken manifest chain, a bad
/// signature) is refused with `SCANX_DIGEST_MISMATCH` or `SCANX_BAD_SIGNATURE`, so that no
/// new generation is sealed over a tampered file by mistake. With
/// `SCANX_READ_NO_DIGEST_CHECK` in `options` such a file is edited anyway (its structure
/// must still be intact). `options` may be NULL (the defaults); its limits apply.
#[no_mangle]
pub extern "C" fn scanx_editor_open_path(
    path: *const c_char,
    options: *const scanx_read_options,
    out_editor: *mut *mut scanx_editor,
) -> scanx_status {
    ffi::guard(|| {
        let out = ffi::out(out_editor, "out_editor")?;
        let path = ffi::path(path, "path")?;
        let bytes = std::fs::read(&path).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        let editor = open_bytes(bytes, options)?;
        let source = std::fs::canonicalize(&path).unwrap_or(path);
        finish_editor(editor, Some(source), out);
        Ok(())
    })
}

/// As `scanx_editor_open_path`, for `len` bytes at `data`, copied during the call (the
/// buffer may be freed right after).
#[no_mangle]
pub extern "C" fn scanx_editor_open_memory(
    data: *const u8,
    len: usize,
    options: *const scanx_read_options,
    out_editor: *mut *mut scanx_editor,
) -> scanx_status {
    ffi::guard(|| {
        let out = ffi::out(out_editor, "out_editor")?;
        let bytes = ffi::bytes(data, len, "data")?.to_vec();
        let editor = open_bytes(bytes, options)?;
        finish_editor(editor, None, out);
        Ok(())
    })
}

/// Frees an editor (unsaved changes are dropped). NULL is a no-op. Returns `SCANX_OK`.
#[no_mangle]
pub extern "C" fn scanx_editor_free(editor: *mut scanx_editor) -> scanx_status {
    ffi::guard(|| {
        ffi::free_handle(editor);
        Ok(())
    })
}

fn actor_signs(e: &mut scanx_editor, s: &scanx_signer, role: Role, time: Timestamp) -> Outcome {
    push_signature(&mut e.signers, s.signer.clone(), role, time)
}

/// Removes the personal-data chunk (if `personal_data`) and every tile under the
/// `region_count` rectangles at `regions` (NULL if 0), and records the redaction event by
/// `signer` as `stamp` says, with `reason` (required, UTF-8). Redacted tiles then read as
/// zero. `SCANX_NOT_FOUND` if there is nothing of that to remove.
#[no_mangle]
pub extern "C" fn scanx_editor_redact(
    editor: *mut scanx_editor,
    signer: *const scanx_signer,
    stamp: *const scanx_stamp,
    reason: *const c_char,
    personal_data: bool,
    regions: *const scanx_region,
    region_count: usize,
) -> scanx_status {
    ffi::guard(|| {
        let e = ffi::arg_mut(editor, "editor")?;
        let s = ffi::arg_ref(signer, "signer")?;
        let stamp = ffi::arg_ref(stamp, "stamp")?;
        let reason = ffi::text(reason, "reason")?;
        let regions = ffi::slice(regions, region_count, "regions")?;
        let (event_stamp, role) = stamp_from_c(s.signer.as_ref(), stamp)?;
        let mut request = RedactRequest::new(reason);
        if personal_data {
            request = request.personal_data();
        }
        for r in regions {
            let plane = u16::try_from(r.plane)
                .map_err(|_| Failure::not_found(format!("no plane {}", r.plane)))?;
            let rect = Rect::new(r.x, r.y, r.width, r.height);
            for tile in e.editor.tiles_in(plane, rect)? {
                request = request.tile(tile);
            }
        }
        e.editor.redact_as(&request, &event_stamp)?;
        actor_signs(e, s, role, event_stamp.time)
    })
}

/// Adds an annotation record (`len` bytes of JSON at `json`, validated against the file's
/// planes) and the annotate event naming it, by `signer` as `stamp` says.
#[no_mangle]
pub extern "C" fn scanx_editor_annotate(
    editor: *mut scanx_editor,
    signer: *const scanx_signer,
    stamp: *const scanx_stamp,
    json: *const u8,
    len: usize,
) -> scanx_status {
    ffi::guard(|| {
        let e = ffi::arg_mut(editor, "editor")?;
        let s = ffi::arg_ref(signer, "signer")?;
        let stamp = ffi::arg_ref(stamp, "stamp")?;
        let annotation: Annotation = json_arg(json, len, "json")?;
        let (event_stamp, role) = stamp_from_c(s.signer.as_ref(), stamp)?;
        let event = event_stamp.annotate(vec![annotation.id.clone()])?;
        e.editor.add_annotation(&annotation)?;
        e.editor.add_event(&event)?;
        actor_signs(e, s, role, event_stamp.time)
    })
}

/// Records that the file was handed from one agency to another, by `signer` as `stamp`
/// says (all four texts required, UTF-8; countries are ISO 3166-1 alpha-2).
#[no_mangle]
pub extern "C" fn scanx_editor_transfer(
    editor: *mut scanx_editor,
    signer: *const scanx_signer,
    stamp: *const scanx_stamp,
    from_country: *const c_char,
    from_name: *const c_char,
    to_country: *const c_char,
    to_name: *const c_char,
) -> scanx_status {
    ffi::guard(|| {
        let e = ffi::arg_mut(editor, "editor")?;
        let s = ffi::arg_ref(signer, "signer")?;
        let stamp = ffi::arg_ref(stamp, "stamp")?;
        let from = Agency::new(
            ffi::text(from_country, "from_country")?,
            ffi::text(from_name, "from_name")?,
        );
        let to = Agency::new(
            ffi::text(to_country, "to_country")?,
            ffi::text(to_name, "to_name")?,
        );
        let (event_stamp, role) = stamp_from_c(s.signer.as_ref(), stamp)?;
        let event = event_stamp.transfer(from, to)?;
        e.editor.add_event(&event)?;
        actor_signs(e, s, role, event_stamp.time)
    })
}

/// Records that `signer` vouches for the file as it stands (with an optional `note`,
/// NULL for none), as `stamp` says.
#[no_mangle]
pub extern "C" fn scanx_editor_countersign(
    editor: *mut scanx_editor,
    signer: *const scanx_signer,
    stamp: *const scanx_stamp,
    note: *const c_char,
) -> scanx_status {
    ffi::guard(|| {
        let e = ffi::arg_mut(editor, "editor")?;
        let s = ffi::arg_ref(signer, "signer")?;
        let stamp = ffi::arg_ref(stamp, "stamp")?;
        let note = ffi::opt_text(note, "note")?.map(str::to_owned);
        let (event_stamp, role) = stamp_from_c(s.signer.as_ref(), stamp)?;
        let event = event_stamp.countersign(note)?;
        e.editor.add_event(&event)?;
        actor_signs(e, s, role, event_stamp.time)
    })
}

/// Registers one more signature of the new generation, by `signer` in `role` (a
/// `scanx_role` value) dated `time` (seconds since the Unix epoch, UTC).
#[no_mangle]
pub extern "C" fn scanx_editor_add_signature(
    editor: *mut scanx_editor,
    signer: *const scanx_signer,
    role: u32,
    time: i64,
) -> scanx_status {
    ffi::guard(|| {
        let e = ffi::arg_mut(editor, "editor")?;
        let s = ffi::arg_ref(signer, "signer")?;
        let role = role_from_c(role)?;
        actor_signs(e, s, role, ffi::time(time))
    })
}

/// Writes the edited file to `path` atomically (temporary file, sync, rename): on any
/// failure nothing is left at `path`. `path` must not be the file that was opened
/// (`SCANX_INVALID_ARGUMENT`): inputs are never modified. The editor stays usable.
#[no_mangle]
pub extern "C" fn scanx_editor_save(
    editor: *const scanx_editor,
    path: *const c_char,
) -> scanx_status {
    ffi::guard(|| {
        let e = ffi::arg_ref(editor, "editor")?;
        let path = ffi::path(path, "path")?;
        if let Ok(existing) = std::fs::canonicalize(&path) {
            if Some(&existing) == e.source.as_ref() {
                return Err(Failure::invalid(format!(
                    "{} is the file being edited; save to another path",
                    path.display()
                )));
            }
        }
        e.editor.save(&path, &sign_requests(&e.signers))?;
        Ok(())
    })
}
