//! Opening a file for random access, and what it says about itself.

use std::ffi::{c_char, c_void, CString};

use scanx::metadata::to_json;
use scanx::{BytesSource, FileSource, Limits, ReadOptions, Reader, Source};

use crate::callbacks::{scanx_read_at_fn, scanx_size_fn, user_data, CallbackSource};
use crate::ffi::{self, BorrowedMemory};
use crate::status::{scanx_status, Failure, Outcome};

/// An open scanx file, read on demand (random access: tail, index, then only the chunks
/// asked for).
///
/// Thread safety: a reader may be used from several threads at once for every read-only
/// call (`scanx_reader_*` other than `scanx_reader_free`), including region reads;
/// it must not be freed while another thread uses it.
pub struct scanx_reader {
    pub(crate) reader: Reader<Box<dyn Source>>,
    /// NUL-terminated copies of each plane's texts, kept for `scanx_plane_info`.
    pub(crate) texts: Vec<PlaneTexts>,
}

pub(crate) struct PlaneTexts {
    pub(crate) name: CString,
    pub(crate) view: CString,
    pub(crate) channel: CString,
    pub(crate) value_meaning: CString,
}

fn c_text(s: &str) -> CString {
    // Text read from a file is valid UTF-8 JSON text; a NUL inside it (escaped as \u0000)
    // would cut the C string short, so it is dropped.
    CString::new(s.replace('\0', "")).unwrap_or_default()
}

/// `scanx_read_options.flags`: turns the integrity check off. The random-access reader then
/// checks no chunk against the manifests, the forward check (`scanx_check_*`) accepts a
/// file whose structure is intact but whose bytes were altered, and the editor edits a file
/// that verification finds `INVALID`. For a caller that has decided to read such a file.
pub const SCANX_READ_NO_DIGEST_CHECK: u32 = 1;

/// Options for opening and checking a file: pass NULL, or a struct set to zero, for the
/// defaults (integrity check on, core's default limits). Each limit of 0 means core's
/// default for it; `UINT64_MAX` means no limit. A file over a limit fails with the limits
/// status of that limit (4xx).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct scanx_read_options {
    /// `SCANX_READ_*` flags, OR-ed; 0 for none. Unknown bits are `SCANX_INVALID_ARGUMENT`.
    pub flags: u32,
    /// Largest payload of any single chunk, in bytes (default 256 MiB).
    pub max_chunk_bytes: u64,
    /// Largest number of pixels in one plane (default 200 000 000).
    pub max_pixels_per_plane: u64,
    /// Largest total of decoded pixel bytes over all planes read from one file
    /// (default 2 GiB).
    pub max_decoded_bytes: u64,
    /// Largest metadata, personal-data, annotation or event JSON payload, in bytes
    /// (default 4 MiB).
    pub max_metadata_bytes: u64,
    /// Largest number of tiles over all planes (default 100 000).
    pub max_tiles: u64,
    /// Largest number of planes (default 64).
    pub max_planes: u64,
    /// Largest number of annotation records (default 10 000).
    pub max_annotations: u64,
    /// Largest number of chunks of any kind (default 200 000).
    pub max_chunks: u64,
}

/// What C options ask for: core's read options (with the integrity check on unless
/// turned off) and whether that check is on.
pub(crate) fn read_options(
    options: *const scanx_read_options,
) -> Result<(ReadOptions, bool), Failure> {
    let Some(o) = ffi::opt_ref(options) else {
        return Ok((ReadOptions::default().with_digest_check(true), true));
    };
    if o.flags & !SCANX_READ_NO_DIGEST_CHECK != 0 {
        return Err(Failure::invalid(format!(
            "unknown read option flags {:#x}",
            o.flags & !SCANX_READ_NO_DIGEST_CHECK
        )));
    }
    let mut limits = Limits::default();
    for (field, value) in [
        (&mut limits.max_chunk_bytes, o.max_chunk_bytes),
        (&mut limits.max_pixels_per_plane, o.max_pixels_per_plane),
        (&mut limits.max_decoded_bytes, o.max_decoded_bytes),
        (&mut limits.max_metadata_bytes, o.max_metadata_bytes),
        (&mut limits.max_tiles, o.max_tiles),
        (&mut limits.max_planes, o.max_planes),
        (&mut limits.max_annotations, o.max_annotations),
        (&mut limits.max_chunks, o.max_chunks),
    ] {
        if value != 0 {
            *field = value;
        }
    }
    let check = o.flags & SCANX_READ_NO_DIGEST_CHECK == 0;
    Ok((
        ReadOptions::with_limits(limits).with_digest_check(check),
        check,
    ))
}

fn finish_open(
    source: Box<dyn Source>,
    options: *const scanx_read_options,
    out_reader: *mut *mut scanx_reader,
) -> Result<(), Failure> {
    let out = ffi::out(out_reader, "out_reader")?;
    let (options, _) = read_options(options)?;
    let reader = Reader::from_source(source, options)?;
    let texts = reader
        .planes()
        .iter()
        .map(|p| PlaneTexts {
            name: c_text(&p.attributes.name),
            view: c_text(p.attributes.view.name()),
            channel: c_text(p.attributes.channel.name()),
            value_meaning: c_text(&p.attributes.value_meaning),
        })
        .collect();
    out.write(ffi::into_handle(scanx_reader { reader, texts }));
    Ok(())
}

/// Opens the file at `path` (read-only; never modified) and reads its tail, index and
/// metadata. On success `*out_reader` receives a reader to free with `scanx_reader_free`.
///
/// `options` may be NULL (the defaults). Unless `SCANX_READ_NO_DIGEST_CHECK` is set, the
/// reader checks the file's integrity: at open, every chunk but the tiles against the
/// digests its generation's manifest lists (a mismatch fails the open with
/// `SCANX_DIGEST_MISMATCH`), then each tile as a read touches it (a read of an altered
/// tile fails with `SCANX_DIGEST_MISMATCH`, chunk `TILE`). This is integrity, not trust:
/// see `scanx_verify_path` for who signed the file.
#[no_mangle]
pub extern "C" fn scanx_reader_open_path(
    path: *const c_char,
    options: *const scanx_read_options,
    out_reader: *mut *mut scanx_reader,
) -> scanx_status {
    ffi::guard(|| {
        ffi::out(out_reader, "out_reader")?;
        let path = ffi::path(path, "path")?;
        let source = FileSource::open(&path)?;
        finish_open(Box::new(source), options, out_reader)
    })
}

/// Opens a file held in the caller's memory: `len` bytes at `data`, read in place and
/// never copied.
///
/// The buffer is borrowed: it must stay valid and unchanged until the reader is freed
/// (from every thread that uses the reader). `options` as for `scanx_reader_open_path`.
#[no_mangle]
pub extern "C" fn scanx_reader_open_memory(
    data: *const u8,
    len: usize,
    options: *const scanx_read_options,
    out_reader: *mut *mut scanx_reader,
) -> scanx_status {
    ffi::guard(|| {
        ffi::out(out_reader, "out_reader")?;
        let memory = BorrowedMemory::new(data, len, "data")?;
        finish_open(Box::new(BytesSource(memory)), options, out_reader)
    })
}

/// Opens a file reached through callbacks (a network range reader, an archive member, a
/// custom cache): `size` gives its length, `read_at` reads any range of it. `user_data`
/// is passed to both, untouched; it must stay valid until the reader is freed.
///
/// Thread requirements: both callbacks may be called during this call, during any later
/// call on the reader, from any thread that calls the reader and from the library's
/// decoding threads, several at once. They must be thread-safe and position-free.
/// `options` as for `scanx_reader_open_path`.
#[no_mangle]
pub extern "C" fn scanx_reader_open_callbacks(
    read_at: scanx_read_at_fn,
    size: scanx_size_fn,
    user_data_ptr: *mut c_void,
    options: *const scanx_read_options,
    out_reader: *mut *mut scanx_reader,
) -> scanx_status {
    ffi::guard(|| {
        ffi::out(out_reader, "out_reader")?;
        if read_at.is_none() {
            return Err(Failure::null("read_at"));
        }
        if size.is_none() {
            return Err(Failure::null("size"));
        }
        let source = CallbackSource {
            read_at,
            size,
            user: user_data(user_data_ptr),
        };
        finish_open(Box::new(source), options, out_reader)
    })
}

/// Frees a reader. NULL is a no-op. Returns `SCANX_OK`.
#[no_mangle]
pub extern "C" fn scanx_reader_free(reader: *mut scanx_reader) -> scanx_status {
    ffi::guard(|| {
        ffi::free_handle(reader);
        Ok(())
    })
}

/// Writes the 16-byte file id into `out_id` (`out_len` must be at least 16).
#[no_mangle]
pub extern "C" fn scanx_reader_file_id(
    reader: *const scanx_reader,
    out_id: *mut u8,
    out_len: usize,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(reader, "reader")?;
        let out = ffi::bytes_mut(out_id, out_len, "out_id")?;
        if out.len() < 16 {
            return Err(Failure::invalid(format!(
                "out_len is {out_len}, a file id needs 16 bytes"
            )));
        }
        out[..16].copy_from_slice(&r.reader.file_id());
        Ok(())
    })
}

/// Writes the file's format version (`major.minor`).
#[no_mangle]
pub extern "C" fn scanx_reader_version(
    reader: *const scanx_reader,
    out_major: *mut u16,
    out_minor: *mut u16,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(reader, "reader")?;
        let major = ffi::out(out_major, "out_major")?;
        let minor = ffi::out(out_minor, "out_minor")?;
        let v = r.reader.version();
        major.write(v.major);
        minor.write(v.minor);
        Ok(())
    })
}

fn string_out(out: *mut *mut c_char, text: impl Into<Vec<u8>>) -> Outcome {
    let out = ffi::out(out, "out_json")?;
    out.write(ffi::into_c_string(text)?);
    Ok(())
}

/// The scan metadata (the `META` payload exactly as stored, canonical JSON) as a new
/// NUL-terminated string in `*out_json`; free it with `scanx_string_free`.
#[no_mangle]
pub extern "C" fn scanx_reader_metadata_json(
    reader: *const scanx_reader,
    out_json: *mut *mut c_char,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(reader, "reader")?;
        ffi::out(out_json, "out_json")?;
        string_out(out_json, r.reader.metadata_json().to_vec())
    })
}

/// Whether the file holds a personal-data chunk.
#[no_mangle]
pub extern "C" fn scanx_reader_has_personal_data(
    reader: *const scanx_reader,
    out_present: *mut bool,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(reader, "reader")?;
        ffi::out(out_present, "out_present")?.write(r.reader.personal_data().is_some());
        Ok(())
    })
}

/// The personal data (plates, driver, crew) as JSON in `*out_json` (free with
/// `scanx_string_free`); `SCANX_NOT_FOUND` if the file has none (redacted or never
/// recorded).
#[no_mangle]
pub extern "C" fn scanx_reader_personal_data_json(
    reader: *const scanx_reader,
    out_json: *mut *mut c_char,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(reader, "reader")?;
        ffi::out(out_json, "out_json")?;
        let personal = r
            .reader
            .personal_data()
            .ok_or_else(|| Failure::not_found("the file holds no personal data"))?;
        string_out(out_json, to_json(personal))
    })
}

/// Every annotation record as a JSON array in `*out_json` (free with
/// `scanx_string_free`); `[]` if there is none.
#[no_mangle]
pub extern "C" fn scanx_reader_annotations_json(
    reader: *const scanx_reader,
    out_json: *mut *mut c_char,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(reader, "reader")?;
        ffi::out(out_json, "out_json")?;
        let annotations = r.reader.annotations()?;
        string_out(out_json, to_json(&annotations))
    })
}

/// Every provenance event, in file order, as a JSON array in `*out_json` (free with
/// `scanx_string_free`); `[]` if there is none.
#[no_mangle]
pub extern "C" fn scanx_reader_events_json(
    reader: *const scanx_reader,
    out_json: *mut *mut c_char,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(reader, "reader")?;
        ffi::out(out_json, "out_json")?;
        let events = r.reader.events()?;
        string_out(out_json, to_json(&events))
    })
}

/// Checks a whole file at `path` the strict way: one forward pass from the first byte,
/// every structure checked, every tile decoded, the index rebuilt and compared. Returns
/// `SCANX_OK` or the first problem in file order (the status the conformance vectors give
/// as `code`). No trust decision: see `scanx_verify_path`.
///
/// `options` may be NULL (the defaults). Unless `SCANX_READ_NO_DIGEST_CHECK` is set, the
/// check also fails on anything verification finds `INVALID` (an altered chunk, a broken
/// manifest chain, a bad signature: `SCANX_DIGEST_MISMATCH`, `SCANX_BAD_SIGNATURE` ...).
/// The conformance vectors' `code` is the result with the check off.
#[no_mangle]
pub extern "C" fn scanx_check_path(
    path: *const c_char,
    options: *const scanx_read_options,
) -> scanx_status {
    ffi::guard(|| {
        let path = ffi::path(path, "path")?;
        let (options, _) = read_options(options)?;
        scanx::read_path(&path, &options)?;
        Ok(())
    })
}

/// As `scanx_check_path`, for `len` bytes at `data` (borrowed for the call only).
#[no_mangle]
pub extern "C" fn scanx_check_memory(
    data: *const u8,
    len: usize,
    options: *const scanx_read_options,
) -> scanx_status {
    ffi::guard(|| {
        let bytes = ffi::bytes(data, len, "data")?;
        let (options, _) = read_options(options)?;
        scanx::read_bytes(bytes, &options)?;
        Ok(())
    })
}
