//! Plane descriptions and pixel reads into the caller's buffers.

use std::ffi::c_char;

use scanx::pixels::{Rect, SampleType};

use crate::ffi;
use crate::reader::scanx_reader;
use crate::status::{scanx_status, Failure};

/// The type of every sample of a plane (the ids the file stores). Samples are
/// little-endian in every buffer.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum scanx_sample_type {
    /// Unsigned 8-bit integer.
    SCANX_SAMPLE_U8 = 1,
    /// Unsigned 16-bit integer.
    SCANX_SAMPLE_U16 = 2,
    /// Unsigned 32-bit integer.
    SCANX_SAMPLE_U32 = 3,
    /// IEEE-754 binary32.
    SCANX_SAMPLE_F32 = 4,
}

impl scanx_sample_type {
    pub(crate) fn from_core(t: SampleType) -> Self {
        match t {
            SampleType::U8 => scanx_sample_type::SCANX_SAMPLE_U8,
            SampleType::U16 => scanx_sample_type::SCANX_SAMPLE_U16,
            SampleType::U32 => scanx_sample_type::SCANX_SAMPLE_U32,
            _ => scanx_sample_type::SCANX_SAMPLE_F32,
        }
    }
}

/// A sample type from its C value (`SCANX_INVALID_ARGUMENT` for any other value).
pub(crate) fn sample_type_from_c(value: u32) -> Result<SampleType, Failure> {
    u8::try_from(value)
        .ok()
        .and_then(|id| SampleType::from_id(id).ok())
        .ok_or_else(|| Failure::invalid(format!("{value} is not a scanx_sample_type")))
}

/// What one plane is. The strings are owned by the reader and valid until it is freed.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy)]
pub struct scanx_plane_info {
    /// Position of the plane in the file, from 0.
    pub index: u16,
    /// Its name, such as `"side high energy (6 MeV)"` (UTF-8).
    pub name: *const c_char,
    /// The view: `"side"`, `"top"`, `"front"`, `"oblique"` or `"other"`.
    pub view: *const c_char,
    /// The channel: `"high-energy"`, `"low-energy"`, `"material"`, `"z-effective"`,
    /// `"density"`, `"photo"` or `"other"`.
    pub channel: *const c_char,
    /// What a sample means, such as `"transmission"`.
    pub value_meaning: *const c_char,
    /// The type of every sample.
    pub sample_type: scanx_sample_type,
    /// Bytes per sample (1, 2 or 4).
    pub bytes_per_sample: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Tile width (edge tiles are clipped).
    pub tile_width: u32,
    /// Tile height.
    pub tile_height: u32,
    /// Pixel spacing in millimetres, along x (columns) and y (rows).
    pub spacing_mm: [f64; 2],
    /// Physical value = sample * rescale_slope + rescale_intercept.
    pub rescale_slope: f64,
    /// See `rescale_slope`.
    pub rescale_intercept: f64,
    /// Whether a display window is given (`window_center`, `window_width`).
    pub has_window: bool,
    /// Display window centre, in physical units (0 if none).
    pub window_center: f64,
    /// Display window width (0 if none).
    pub window_width: f64,
    /// The plane shows a person or the cab (personal data).
    pub personal: bool,
}

/// The number of planes.
#[no_mangle]
pub extern "C" fn scanx_reader_plane_count(
    reader: *const scanx_reader,
    out_count: *mut usize,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(reader, "reader")?;
        ffi::out(out_count, "out_count")?.write(r.reader.planes().len());
        Ok(())
    })
}

/// Describes plane `plane` (from 0) in `*out_info`; `SCANX_NOT_FOUND` if there is no such
/// plane.
#[no_mangle]
pub extern "C" fn scanx_reader_plane_info(
    reader: *const scanx_reader,
    plane: u32,
    out_info: *mut scanx_plane_info,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(reader, "reader")?;
        let out = ffi::out(out_info, "out_info")?;
        let index = plane_index(plane)?;
        let p = r.reader.plane(index)?;
        let texts = r
            .texts
            .get(usize::from(index))
            .ok_or_else(|| Failure::not_found(format!("no plane {plane}")))?;
        let a = &p.attributes;
        out.write(scanx_plane_info {
            index: p.index,
            name: ffi::borrow_c_str(&texts.name),
            view: ffi::borrow_c_str(&texts.view),
            channel: ffi::borrow_c_str(&texts.channel),
            value_meaning: ffi::borrow_c_str(&texts.value_meaning),
            sample_type: scanx_sample_type::from_core(p.sample_type),
            bytes_per_sample: p.sample_type.bytes_per_sample() as u32,
            width: p.grid.width,
            height: p.grid.height,
            tile_width: p.grid.tile_width,
            tile_height: p.grid.tile_height,
            spacing_mm: a.pixel_spacing_mm,
            rescale_slope: a.rescale_slope,
            rescale_intercept: a.rescale_intercept,
            has_window: a.display_window.is_some(),
            window_center: a.display_window.map_or(0.0, |w| w.center),
            window_width: a.display_window.map_or(0.0, |w| w.width),
            personal: p.personal,
        });
        Ok(())
    })
}

fn plane_index(plane: u32) -> Result<u16, Failure> {
    u16::try_from(plane).map_err(|_| Failure::not_found(format!("no plane {plane}")))
}

/// Decodes a rectangle of plane `plane` into the caller's buffer `out` of `out_len`
/// bytes: row `y` of the region starts at byte `y * row_stride`, samples little-endian,
/// redacted tiles as zeros; bytes between rows are left as they were. Only the tiles the
/// rectangle overlaps are read and decoded.
///
/// `row_stride` is in bytes and must be at least `width * bytes_per_sample`; `out_len`
/// must be at least `(height - 1) * row_stride + width * bytes_per_sample`
/// (`SCANX_INVALID_ARGUMENT` otherwise). `SCANX_REGION_OUT_OF_BOUNDS` if the rectangle is
/// empty or leaves the plane, `SCANX_NOT_FOUND` if there is no such plane. On failure the
/// buffer's content is unspecified.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn scanx_reader_read_region(
    reader: *const scanx_reader,
    plane: u32,
    x: u32,
    y: u32,
    width: u32,
    height: u32,
    out: *mut u8,
    out_len: usize,
    row_stride: usize,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(reader, "reader")?;
        let buf = ffi::bytes_mut(out, out_len, "out")?;
        let index = plane_index(plane)?;
        r.reader
            .read_region_into(index, Rect::new(x, y, width, height), buf, row_stride)?;
        Ok(())
    })
}

/// Decodes the whole of plane `plane` into `out`, as `scanx_reader_read_region` with the
/// plane's full rectangle (`out_len` at least `(height - 1) * row_stride + width *
/// bytes_per_sample`).
#[no_mangle]
pub extern "C" fn scanx_reader_read_plane(
    reader: *const scanx_reader,
    plane: u32,
    out: *mut u8,
    out_len: usize,
    row_stride: usize,
) -> scanx_status {
    ffi::guard(|| {
        let r = ffi::arg_ref(reader, "reader")?;
        let buf = ffi::bytes_mut(out, out_len, "out")?;
        let index = plane_index(plane)?;
        r.reader.read_plane_into(index, buf, row_stride)?;
        Ok(())
    })
}
