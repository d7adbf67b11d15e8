//! Writing a new file from the caller's buffers.

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use scanx::crypto::{Role, Signer};
use scanx::metadata::{from_json, Annotation, Event, PersonalData, PlaneAttributes, ScanMetadata};
use scanx::pixels::{Codec, Encoding, Filter, PixelView, SampleType, MAX_FILTERS};
use scanx::{Limits, PlaneSpec, SignRequest, Timestamp, WriteOptions, Writer};

use crate::callbacks::{scanx_write_fn, user_data, CallbackSink};
use crate::editor::{scanx_stamp, stamp_from_c};
use crate::ffi;
use crate::keys::{role_from_c, scanx_signer};
use crate::plane::sample_type_from_c;
use crate::status::{scanx_status, Failure, Outcome};

/// A file being written. Planes are declared first (`scanx_writer_add_plane`), then their
/// pixels written (`scanx_writer_write_plane`), then signatures registered and the file
/// finished to a path or a callback. The file is assembled in memory and put in place
/// only when complete.
///
/// Thread safety: not to be used from two threads at once.
///
/// After a failed call that reached the file being built (writing pixels, finishing),
/// the writer is spent and every later call fails with `SCANX_INVALID_STATE`; a call
/// that fails checking its arguments leaves it usable. Always free it with
/// `scanx_writer_free`.
pub struct scanx_writer {
    writer: Option<Writer<Vec<u8>>>,
    signers: Vec<PendingSignature>,
    /// Sample type, width and height of each declared plane.
    planes: Vec<(SampleType, u32, u32)>,
}

/// A signature to add when a generation is sealed.
pub(crate) struct PendingSignature {
    pub(crate) signer: Arc<dyn Signer>,
    pub(crate) role: Role,
    pub(crate) time: Timestamp,
}

/// Adds a signature unless the same key already signs in the same role.
pub(crate) fn push_signature(
    list: &mut Vec<PendingSignature>,
    signer: Arc<dyn Signer>,
    role: Role,
    time: Timestamp,
) -> Outcome {
    let id = signer.public_key()?.key_id();
    for p in list.iter() {
        if p.signer.public_key()?.key_id() == id && p.role == role {
            return Ok(());
        }
    }
    list.push(PendingSignature { signer, role, time });
    Ok(())
}

pub(crate) fn sign_requests(list: &[PendingSignature]) -> Vec<SignRequest<'_>> {
    list.iter()
        .map(|p| SignRequest::new(p.signer.as_ref(), p.role, p.time))
        .collect()
}

/// Codecs for tiles.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum scanx_codec {
    /// Stored as is.
    SCANX_CODEC_NONE = 0,
    /// zlib (deflate).
    SCANX_CODEC_DEFLATE = 1,
    /// Zstandard.
    SCANX_CODEC_ZSTD = 2,
    /// MED prediction and Golomb-Rice codes (format 1.1); use it with no filter.
    SCANX_CODEC_RICE = 3,
}

/// Filters applied to a tile before compression, in order.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum scanx_filter {
    /// Horizontal delta.
    SCANX_FILTER_DELTA = 1,
    /// 2-D predictor (left + up - upleft).
    SCANX_FILTER_PREDICTOR_2D = 2,
    /// Byte shuffle.
    SCANX_FILTER_BYTE_SHUFFLE = 3,
}

/// The most filters one plane's chain may hold.
pub const SCANX_MAX_FILTERS: usize = 4;

/// How to store one plane. A zeroed struct with `sample_type`, `width` and `height` set
/// gives 512 x 512 tiles and the default encoding (2-D predictor, byte shuffle, zstd).
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy)]
pub struct scanx_plane_spec {
    /// A `scanx_sample_type` value.
    pub sample_type: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Tile width, or 0 for 512.
    pub tile_width: u32,
    /// Tile height, or 0 for 512.
    pub tile_height: u32,
    /// Use `codec`, `level` and `filters` below instead of the default encoding.
    pub custom_encoding: bool,
    /// A `scanx_codec` value.
    pub codec: u32,
    /// Compression level, 0 for the codec's default.
    pub level: i32,
    /// `scanx_filter` values, applied in order; the first `filter_count` are used.
    pub filters: [u32; SCANX_MAX_FILTERS],
    /// How many of `filters` are used (at most `SCANX_MAX_FILTERS`).
    pub filter_count: usize,
    /// The plane shows a person or the cab (personal data, removable by redaction).
    pub personal: bool,
}

fn encoding_from_c(spec: &scanx_plane_spec) -> Result<Encoding, Failure> {
    if !spec.custom_encoding {
        return Ok(Encoding::default());
    }
    if spec.filter_count > SCANX_MAX_FILTERS || spec.filter_count > MAX_FILTERS {
        return Err(Failure::invalid(format!(
            "filter_count is {}, at most {SCANX_MAX_FILTERS}",
            spec.filter_count
        )));
    }
    let codec = u8::try_from(spec.codec)
        .ok()
        .and_then(|id| Codec::from_id(id).ok())
        .ok_or_else(|| Failure::invalid(format!("{} is not a scanx_codec", spec.codec)))?;
    let filters = spec.filters[..spec.filter_count]
        .iter()
        .map(|&f| {
            u8::try_from(f)
                .ok()
                .and_then(|id| Filter::from_id(id).ok())
                .ok_or_else(|| Failure::invalid(format!("{f} is not a scanx_filter")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Encoding::new(filters, codec).with_level(spec.level))
}

/// A JSON payload from C, parsed and validated by core.
pub(crate) trait ParseJson: Sized {
    fn parse(bytes: &[u8]) -> Result<Self, Failure>;
}

macro_rules! parse_with_core {
    ($($t:ty),*) => {$(
        impl ParseJson for $t {
            fn parse(bytes: &[u8]) -> Result<Self, Failure> {
                Ok(from_json::<$t>(bytes, Limits::default().max_metadata_bytes)?)
            }
        }
    )*};
}
parse_with_core!(
    ScanMetadata,
    PersonalData,
    PlaneAttributes,
    Annotation,
    Event
);

/// `len` bytes of JSON at `ptr`, parsed as `T`.
pub(crate) fn json_arg<T: ParseJson>(ptr: *const u8, len: usize, name: &str) -> Result<T, Failure> {
    T::parse(ffi::bytes(ptr, len, name)?)
}

/// Starts a file from its scan metadata (`metadata_len` bytes of JSON at `metadata_json`,
/// validated against the schema: `SCANX_SCHEMA_VIOLATION`, `SCANX_INVALID_JSON` ...) and
/// optional personal data (`personal_json` NULL for none). A new random file id is used.
#[no_mangle]
pub extern "C" fn scanx_writer_new(
    metadata_json: *const u8,
    metadata_len: usize,
    personal_json: *const u8,
    personal_len: usize,
    out_writer: *mut *mut scanx_writer,
) -> scanx_status {
    ffi::guard(|| {
        let out = ffi::out(out_writer, "out_writer")?;
        let metadata: ScanMetadata = json_arg(metadata_json, metadata_len, "metadata_json")?;
        let personal: Option<PersonalData> = if personal_json.is_null() {
            None
        } else {
            Some(json_arg(personal_json, personal_len, "personal_json")?)
        };
        let mut writer = Writer::new(Vec::new(), &metadata, WriteOptions::default())?;
        if let Some(p) = personal {
            writer.personal_data(&p)?;
        }
        out.write(ffi::into_handle(scanx_writer {
            writer: Some(writer),
            signers: Vec::new(),
            planes: Vec::new(),
        }));
        Ok(())
    })
}

/// Frees a writer (an unfinished file is dropped; nothing was written anywhere). NULL is
/// a no-op. Returns `SCANX_OK`.
#[no_mangle]
pub extern "C" fn scanx_writer_free(writer: *mut scanx_writer) -> scanx_status {
    ffi::guard(|| {
        ffi::free_handle(writer);
        Ok(())
    })
}

fn live(w: &mut scanx_writer) -> Result<&mut Writer<Vec<u8>>, Failure> {
    w.writer
        .as_mut()
        .ok_or_else(|| Failure::state("the writer is finished or spent by an earlier failure"))
}

/// Runs a step on the file being built; a failure spends the writer.
fn step<T>(
    w: &mut scanx_writer,
    f: impl FnOnce(&mut Writer<Vec<u8>>) -> scanx::Result<T>,
) -> Result<T, Failure> {
    let result = f(live(w)?);
    if result.is_err() {
        w.writer = None;
    }
    Ok(result?)
}

/// Declares a plane: its attributes (`attributes_len` bytes of JSON at `attributes_json`:
/// name, view, channel, pixel spacing, value meaning, rescale, window) and how it is
/// stored. All planes must be declared before any pixels are written. `*out_index`
/// (if `out_index` is not NULL) receives the plane's index.
#[no_mangle]
pub extern "C" fn scanx_writer_add_plane(
    writer: *mut scanx_writer,
    attributes_json: *const u8,
    attributes_len: usize,
    spec: *const scanx_plane_spec,
    out_index: *mut u32,
) -> scanx_status {
    ffi::guard(|| {
        let w = ffi::arg_mut(writer, "writer")?;
        let spec = ffi::arg_ref(spec, "spec")?;
        let attributes: PlaneAttributes =
            json_arg(attributes_json, attributes_len, "attributes_json")?;
        let sample_type = sample_type_from_c(spec.sample_type)?;
        let encoding = encoding_from_c(spec)?;
        let tile_width = if spec.tile_width == 0 {
            512
        } else {
            spec.tile_width
        };
        let tile_height = if spec.tile_height == 0 {
            512
        } else {
            spec.tile_height
        };
        let plane = PlaneSpec::new(sample_type, spec.width, spec.height, attributes)
            .with_tile_size(tile_width, tile_height)
            .with_encoding(encoding)
            .personal(spec.personal);
        live(w)?;
        let index = step(w, |writer| writer.add_plane(plane))?;
        w.planes.push((sample_type, spec.width, spec.height));
        if !out_index.is_null() {
            ffi::out(out_index, "out_index")?.write(u32::from(index));
        }
        Ok(())
    })
}

/// Encodes and writes every tile of plane `plane` from the caller's samples: `data_len`
/// bytes at `data`, row `y` starting at byte `y * row_stride`, samples little-endian
/// (`row_stride` at least `width * bytes_per_sample`; `data_len` at least `(height - 1) *
/// row_stride + width * bytes_per_sample`, else `SCANX_INVALID_ARGUMENT`). The samples
/// are read in place, not copied first; the buffer is needed only during the call.
#[no_mangle]
pub extern "C" fn scanx_writer_write_plane(
    writer: *mut scanx_writer,
    plane: u32,
    data: *const u8,
    data_len: usize,
    row_stride: usize,
) -> scanx_status {
    ffi::guard(|| {
        let w = ffi::arg_mut(writer, "writer")?;
        let bytes = ffi::bytes(data, data_len, "data")?;
        let index =
            u16::try_from(plane).map_err(|_| Failure::not_found(format!("no plane {plane}")))?;
        live(w)?;
        let &(sample_type, width, height) = w
            .planes
            .get(usize::from(index))
            .ok_or_else(|| Failure::not_found(format!("no plane {plane}")))?;
        let view = PixelView::new(sample_type, width, height, bytes, row_stride)?;
        step(w, |writer| writer.write_plane_view(index, view))
    })
}

/// Adds an annotation record (`len` bytes of JSON at `json`, validated).
#[no_mangle]
pub extern "C" fn scanx_writer_add_annotation(
    writer: *mut scanx_writer,
    json: *const u8,
    len: usize,
) -> scanx_status {
    ffi::guard(|| {
        let w = ffi::arg_mut(writer, "writer")?;
        let annotation: Annotation = json_arg(json, len, "json")?;
        live(w)?;
        step(w, |writer| writer.annotation(&annotation))
    })
}

/// Adds a provenance event given as JSON (`len` bytes at `json`, validated). The event's
/// actor must also sign the file (`scanx_writer_add_signature`), or the verifier reports
/// `EVENT_ACTOR_NOT_SIGNER`.
#[no_mangle]
pub extern "C" fn scanx_writer_add_event(
    writer: *mut scanx_writer,
    json: *const u8,
    len: usize,
) -> scanx_status {
    ffi::guard(|| {
        let w = ffi::arg_mut(writer, "writer")?;
        let event: Event = json_arg(json, len, "json")?;
        live(w)?;
        step(w, |writer| writer.event(&event))
    })
}

/// Records the capture event (the scanner made this file) for `signer` as described by
/// `stamp`, and registers `signer`'s signature in the stamp's role at the stamp's time.
#[no_mangle]
pub extern "C" fn scanx_writer_add_capture(
    writer: *mut scanx_writer,
    signer: *const scanx_signer,
    stamp: *const scanx_stamp,
) -> scanx_status {
    ffi::guard(|| {
        let w = ffi::arg_mut(writer, "writer")?;
        let s = ffi::arg_ref(signer, "signer")?;
        let stamp = ffi::arg_ref(stamp, "stamp")?;
        let (event_stamp, role) = stamp_from_c(s.signer.as_ref(), stamp)?;
        let event = event_stamp.capture()?;
        live(w)?;
        step(w, |writer| writer.event(&event))?;
        push_signature(&mut w.signers, s.signer.clone(), role, event_stamp.time)
    })
}

/// Registers a signature by `signer` in `role` (a `scanx_role` value) dated `time`
/// (seconds since the Unix epoch, UTC), made when the file is finished. The writer keeps
/// its own reference to the signer.
#[no_mangle]
pub extern "C" fn scanx_writer_add_signature(
    writer: *mut scanx_writer,
    signer: *const scanx_signer,
    role: u32,
    time: i64,
) -> scanx_status {
    ffi::guard(|| {
        let w = ffi::arg_mut(writer, "writer")?;
        let s = ffi::arg_ref(signer, "signer")?;
        let role = role_from_c(role)?;
        live(w)?;
        push_signature(&mut w.signers, s.signer.clone(), role, ffi::time(time))
    })
}

fn finish(w: &mut scanx_writer) -> Result<Vec<u8>, Failure> {
    let writer = w
        .writer
        .take()
        .ok_or_else(|| Failure::state("the writer is finished or spent by an earlier failure"))?;
    let requests = sign_requests(&w.signers);
    Ok(writer.finish(&requests)?)
}

/// Seals the file (manifest, signatures, index, tail) and writes it to `path`
/// atomically: to a temporary file in the same folder, synced, then renamed into place.
/// On any failure nothing is left at `path` (an existing file there is untouched). The
/// writer is finished either way.
#[no_mangle]
pub extern "C" fn scanx_writer_finish_path(
    writer: *mut scanx_writer,
    path: *const c_char,
) -> scanx_status {
    ffi::guard(|| {
        let w = ffi::arg_mut(writer, "writer")?;
        let path = ffi::path(path, "path")?;
        live(w)?;
        let bytes = finish(w)?;
        scanx::atomic::write_bytes_atomic(&path, scanx::atomic::Access::Shared, &bytes)?;
        Ok(())
    })
}

/// Seals the file and hands its bytes, in order, to `write` (with `user_data`). If the
/// callback fails (`SCANX_IO`), what it was given so far is incomplete: discard it. The
/// writer is finished either way.
#[no_mangle]
pub extern "C" fn scanx_writer_finish_callback(
    writer: *mut scanx_writer,
    write: scanx_write_fn,
    user_data_ptr: *mut c_void,
) -> scanx_status {
    ffi::guard(|| {
        let w = ffi::arg_mut(writer, "writer")?;
        if write.is_none() {
            return Err(Failure::null("write"));
        }
        live(w)?;
        let bytes = finish(w)?;
        let mut sink = CallbackSink {
            write,
            user: user_data(user_data_ptr),
        };
        std::io::Write::write_all(&mut sink, &bytes).map_err(scanx::Error::from)?;
        Ok(())
    })
}
