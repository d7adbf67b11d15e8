//! Writing new files and editing existing ones (annotate, redact, transfer, countersign),
//! signed by in-memory keys or by Python callables (an HSM, a KMS).

use numpy::{PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;
use scanx::crypto::{CallbackSigner, PublicKey, Signer, SIGNATURE_LEN};
use scanx::metadata::{
    self, Agency, Annotation, Event, PersonalData, PlaneAttributes, ScanMetadata,
};
use scanx::pixels::{Codec, Encoding, Filter, PixelView, Rect, SampleType};
use scanx::provenance::EventStamp;
use scanx::{
    DigestAlgorithm, Error, ErrorKind, PlaneSpec, RedactRequest, SignRequest, WriteOptions, Writer,
};

use crate::error::IntoPy;
use crate::keys::{role, SigningKey};

/// JSON inputs are bounded by the default metadata limit, as on reading.
fn json_limit() -> u64 {
    scanx::Limits::default().max_metadata_bytes
}

fn parse<T: serde::de::DeserializeOwned + metadata::Validate>(bytes: &[u8]) -> PyResult<T> {
    metadata::from_json(bytes, json_limit()).py()
}

fn parse_agency(bytes: &[u8]) -> PyResult<Agency> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::schema(format!("agency: {e}")))
        .py()
}

/// A key held in Python memory.
struct KeySigner(Py<SigningKey>);

impl Signer for KeySigner {
    fn public_key(&self) -> scanx::Result<PublicKey> {
        Signer::public_key(&self.0.get().inner)
    }

    fn sign(&self, message: &[u8]) -> scanx::Result<[u8; SIGNATURE_LEN]> {
        Signer::sign(&self.0.get().inner, message)
    }
}

/// A signer from Python: a `SigningKey`, or `(PublicKey, callable)` where the callable
/// signs `message: bytes` and returns the 64-byte signature. The core checks every
/// signature a callable returns against the public key.
pub fn signer(obj: &Bound<'_, PyAny>) -> PyResult<Box<dyn Signer>> {
    if let Ok(key) = obj.cast::<SigningKey>() {
        return Ok(Box::new(KeySigner(key.clone().unbind())));
    }
    let (public_key, callback): (PyRef<'_, crate::keys::PublicKey>, Py<PyAny>) = obj.extract()?;
    let public_key = public_key.inner;
    Ok(Box::new(CallbackSigner::new(
        public_key,
        move |message: &[u8]| {
            Python::attach(|py| {
                let got = callback
                    .call1(py, (PyBytes::new(py, message),))
                    .map_err(|e| e.to_string())?;
                let got = got.bind(py);
                let bytes = got
                    .cast::<PyBytes>()
                    .map_err(|_| "the signer must return bytes".to_owned())?
                    .as_bytes();
                <[u8; SIGNATURE_LEN]>::try_from(bytes)
                    .map_err(|_| format!("the signer returned {} bytes, not 64", bytes.len()))
            })
        },
    )))
}

/// Signers with their roles and times, from `[(signer, role, time), ...]`.
struct Signers {
    signers: Vec<(Box<dyn Signer>, scanx::Role, i64)>,
}

impl Signers {
    fn new(list: Vec<(Bound<'_, PyAny>, String, i64)>) -> PyResult<Self> {
        let signers = list
            .iter()
            .map(|(s, r, t)| Ok((signer(s)?, role(r)?, *t)))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(Signers { signers })
    }

    fn requests(&self) -> Vec<SignRequest<'_>> {
        self.signers
            .iter()
            .map(|(signer, role, time)| {
                SignRequest::new(signer.as_ref(), *role, crate::time(*time))
            })
            .collect()
    }
}

/// A numpy array borrowed read-only for the time of a write.
enum Held<'py> {
    U8(PyReadonlyArray2<'py, u8>),
    U16(PyReadonlyArray2<'py, u16>),
    U32(PyReadonlyArray2<'py, u32>),
    F32(PyReadonlyArray2<'py, f32>),
}

impl<'py> Held<'py> {
    fn new(array: &Bound<'py, PyAny>, sample_type: SampleType) -> PyResult<Self> {
        Ok(match sample_type {
            SampleType::U8 => Held::U8(array.extract()?),
            SampleType::U16 => Held::U16(array.extract()?),
            SampleType::U32 => Held::U32(array.extract()?),
            SampleType::F32 => Held::F32(array.extract()?),
            _ => {
                return Err(crate::error::to_py(Error::new(
                    ErrorKind::UnsupportedSampleType,
                    format!("cannot write {}", sample_type.name()),
                )))
            }
        })
    }

    /// The array's bytes and its row stride in bytes: rows must be contiguous and in
    /// order (an array cropped in both axes qualifies, a transposed one does not; the
    /// package makes those contiguous first).
    fn bytes(&self) -> PyResult<(&[u8], usize)> {
        match self {
            Held::U8(a) => strided(a),
            Held::U16(a) => strided(a),
            Held::U32(a) => strided(a),
            Held::F32(a) => strided(a),
        }
    }
}

fn strided<'a, T: numpy::Element>(a: &'a PyReadonlyArray2<'_, T>) -> PyResult<(&'a [u8], usize)> {
    let item = std::mem::size_of::<T>();
    let (shape, strides) = (a.shape(), a.strides());
    let (height, width) = (shape[0], shape[1]);
    let row_len = width * item;
    let bad = || {
        crate::error::to_py(Error::invalid_argument(
            "pixels: the rows of the array are not contiguous".to_owned(),
        ))
    };
    if height == 0 || width == 0 {
        return Ok((&[], row_len));
    }
    let row_stride = if height == 1 {
        row_len
    } else {
        usize::try_from(strides[0]).map_err(|_| bad())?
    };
    if (width > 1 && strides[1] != item as isize) || row_stride < row_len {
        return Err(bad());
    }
    let len = (height - 1)
        .checked_mul(row_stride)
        .and_then(|n| n.checked_add(row_len))
        .ok_or_else(bad)?;
    let data = a.data() as *const u8;
    // SAFETY: numpy describes this memory as `height` rows of `width` samples, row `y`
    // starting `y * row_stride` bytes after `data`, all inside one allocation that the
    // read-only borrow `a` keeps alive (and keeps other Rust code from writing) for
    // `'a`; the slice spans exactly the first byte of row 0 to the last byte of the
    // last row, and only those bytes of each row are read (PixelView skips the gaps).
    #[allow(unsafe_code)]
    let bytes = unsafe { std::slice::from_raw_parts(data, len) };
    Ok((bytes, row_stride))
}

fn encoding(filters: &[String], codec: &str, level: i32) -> PyResult<Encoding> {
    Ok(Encoding::new(
        filters
            .iter()
            .map(|f| Filter::from_name(f))
            .collect::<scanx::Result<Vec<_>>>()
            .py()?,
        Codec::from_name(codec).py()?,
    )
    .with_level(level))
}

/// One plane to write: `(array, sample type, attributes JSON, tile width, tile height,
/// personal, filters, codec, level)`.
type PlaneArgs<'py> = (
    Bound<'py, PyAny>,
    String,
    PyBackedBytes,
    u32,
    u32,
    bool,
    Vec<String>,
    String,
    i32,
);

/// Writes a new scan file to `dest` atomically, or returns its bytes when `dest` is None.
#[pyfunction]
#[pyo3(signature = (dest, metadata_json, personal_json, planes, annotations_json, events_json, signers, file_id=None, salt_seed=None, digest="sha256"))]
#[allow(clippy::too_many_arguments)]
pub fn write_scan<'py>(
    py: Python<'py>,
    dest: Option<std::path::PathBuf>,
    metadata_json: PyBackedBytes,
    personal_json: Option<PyBackedBytes>,
    planes: Vec<PlaneArgs<'py>>,
    annotations_json: Vec<PyBackedBytes>,
    events_json: Vec<PyBackedBytes>,
    signers: Vec<(Bound<'py, PyAny>, String, i64)>,
    file_id: Option<&[u8]>,
    salt_seed: Option<&[u8]>,
    digest: &str,
) -> PyResult<Option<Bound<'py, PyBytes>>> {
    let metadata: ScanMetadata = parse(&metadata_json)?;
    let personal: Option<PersonalData> = personal_json.map(|p| parse(&p)).transpose()?;
    let annotations: Vec<Annotation> = annotations_json
        .iter()
        .map(|a| parse(a))
        .collect::<PyResult<_>>()?;
    let events: Vec<Event> = events_json
        .iter()
        .map(|e| parse(e))
        .collect::<PyResult<_>>()?;
    let signers = Signers::new(signers)?;
    let mut options = WriteOptions::default().with_digest(DigestAlgorithm::from_name(digest).py()?);
    let bad = |what: &str| crate::error::to_py(Error::invalid_argument(what.to_owned()));
    if let Some(id) = file_id {
        options.file_id = Some(id.try_into().map_err(|_| bad("a file id has 16 bytes"))?);
    }
    if let Some(seed) = salt_seed {
        options.salt_seed = Some(
            seed.try_into()
                .map_err(|_| bad("a salt seed has 32 bytes"))?,
        );
    }

    let mut specs = Vec::with_capacity(planes.len());
    let mut held = Vec::with_capacity(planes.len());
    for (array, sample_type, attributes, tile_w, tile_h, personal, filters, codec, level) in &planes
    {
        let sample_type = SampleType::from_name(sample_type).py()?;
        let h = Held::new(array, sample_type)?;
        let shape: Vec<usize> = array.getattr("shape")?.extract()?;
        let (height, width) = match shape[..] {
            [h, w] => (h, w),
            _ => return Err(bad("each plane is a 2-D array")),
        };
        let width = u32::try_from(width).map_err(|_| bad("plane too wide"))?;
        let height = u32::try_from(height).map_err(|_| bad("plane too high"))?;
        let attributes: PlaneAttributes = parse(attributes)?;
        let spec = PlaneSpec::new(sample_type, width, height, attributes)
            .with_tile_size(*tile_w, *tile_h)
            .with_encoding(encoding(filters, codec, *level)?)
            .personal(*personal);
        specs.push((spec, sample_type, width, height));
        held.push(h);
    }
    let pixels: Vec<(&[u8], usize)> = held.iter().map(|h| h.bytes()).collect::<PyResult<_>>()?;

    let write = |sink: &mut dyn std::io::Write| -> scanx::Result<()> {
        let mut w = Writer::new(sink, &metadata, options.clone())?;
        if let Some(p) = &personal {
            w.personal_data(p)?;
        }
        let mut indices = Vec::new();
        for (spec, ..) in &specs {
            indices.push(w.add_plane(spec.clone())?);
        }
        for ((i, (_, sample_type, width, height)), (data, row_stride)) in
            indices.iter().zip(&specs).zip(&pixels)
        {
            let view = PixelView::new(*sample_type, *width, *height, data, *row_stride)?;
            w.write_plane_view(*i, view)?;
        }
        for a in &annotations {
            w.annotation(a)?;
        }
        for e in &events {
            w.event(e)?;
        }
        w.finish(&signers.requests())?;
        Ok(())
    };
    match dest {
        Some(path) => {
            py.detach(|| {
                scanx::atomic::write_atomic(&path, scanx::atomic::Access::Shared, |sink| {
                    write(sink)
                })
            })
            .py()?;
            Ok(None)
        }
        None => {
            let bytes = py
                .detach(|| {
                    let mut out = Vec::new();
                    write(&mut out).map(|()| out)
                })
                .py()?;
            Ok(Some(PyBytes::new(py, &bytes)))
        }
    }
}

/// Appends a generation to an existing file (the core's `Editor`): every unchanged chunk
/// is copied byte for byte.
#[pyclass(module = "scanx._scanx")]
#[derive(Debug)]
pub struct Editor {
    inner: scanx::Editor,
}

fn stamp(
    signer_obj: &Bound<'_, PyAny>,
    role_name: &str,
    agency: Option<PyBackedBytes>,
    time: i64,
    event_id: Option<String>,
) -> PyResult<EventStamp> {
    let s = signer(signer_obj)?;
    let agency = agency.map(|a| parse_agency(&a)).transpose()?;
    let stamp = EventStamp::new(s.as_ref(), role(role_name)?, agency, crate::time(time)).py()?;
    Ok(match event_id {
        Some(id) => stamp.with_id(id),
        None => stamp,
    })
}

#[pymethods]
impl Editor {
    /// Opens the file at `path` for editing (read whole, every check of a forward read,
    /// verified in the same pass): a file that verification finds INVALID is refused
    /// with DIGEST_MISMATCH or BAD_SIGNATURE unless `allow_invalid`.
    #[staticmethod]
    #[pyo3(signature = (path, allow_invalid=false))]
    fn open(py: Python<'_>, path: std::path::PathBuf, allow_invalid: bool) -> PyResult<Self> {
        let inner = py
            .detach(|| {
                if allow_invalid {
                    scanx::Editor::open_unverified(&path)
                } else {
                    scanx::Editor::open(&path)
                }
            })
            .py()?;
        Ok(Editor { inner })
    }

    /// Opens a file held in memory for editing, as `open` does.
    #[staticmethod]
    #[pyo3(signature = (data, allow_invalid=false))]
    fn from_bytes(py: Python<'_>, data: Vec<u8>, allow_invalid: bool) -> PyResult<Self> {
        let inner = py
            .detach(|| {
                if allow_invalid {
                    scanx::Editor::from_bytes_unverified(data, &scanx::ReadOptions::default())
                } else {
                    scanx::Editor::from_bytes(data)
                }
            })
            .py()?;
        Ok(Editor { inner })
    }

    /// The tiles of `plane` that overlap the region, as `(plane, col, row)`.
    fn tiles_in(
        &self,
        plane: u16,
        x: u32,
        y: u32,
        width: u32,
        height: u32,
    ) -> PyResult<Vec<(u16, u32, u32)>> {
        Ok(self
            .inner
            .tiles_in(
                plane,
                Rect {
                    x,
                    y,
                    width,
                    height,
                },
            )
            .py()?
            .iter()
            .map(|t| (t.plane, t.col, t.row))
            .collect())
    }

    /// Removes the personal data and/or tiles, recording a redaction event by the signer
    /// in `role` at `time`; returns the event as JSON.
    #[pyo3(signature = (reason, personal_data, tiles, signer, role, time, agency=None, event_id=None))]
    #[allow(clippy::too_many_arguments)]
    fn redact(
        &mut self,
        reason: String,
        personal_data: bool,
        tiles: Vec<(u16, u32, u32)>,
        signer: &Bound<'_, PyAny>,
        role: &str,
        time: i64,
        agency: Option<PyBackedBytes>,
        event_id: Option<String>,
    ) -> PyResult<String> {
        let stamp = stamp(signer, role, agency, time, event_id)?;
        let mut request = RedactRequest::new(reason);
        if personal_data {
            request = request.personal_data();
        }
        for (plane, col, row) in tiles {
            request = request.tile(scanx::TileRef { plane, col, row });
        }
        let event = self.inner.redact_as(&request, &stamp).py()?;
        Ok(String::from_utf8_lossy(&metadata::to_json(&event)).into_owned())
    }

    /// Adds annotation records and the annotate event naming them.
    #[pyo3(signature = (annotations_json, signer, role, time, agency=None, event_id=None))]
    fn annotate(
        &mut self,
        annotations_json: Vec<PyBackedBytes>,
        signer: &Bound<'_, PyAny>,
        role: &str,
        time: i64,
        agency: Option<PyBackedBytes>,
        event_id: Option<String>,
    ) -> PyResult<()> {
        let stamp = stamp(signer, role, agency, time, event_id)?;
        let annotations: Vec<Annotation> = annotations_json
            .iter()
            .map(|a| parse(a))
            .collect::<PyResult<_>>()?;
        let ids = annotations.iter().map(|a| a.id.clone()).collect();
        let event = stamp.annotate(ids).py()?;
        for a in &annotations {
            self.inner.add_annotation(a).py()?;
        }
        self.inner.add_event(&event).py()
    }

    /// Records the file's transfer from one agency to another (agencies as JSON objects
    /// with `country` and `name`).
    #[pyo3(signature = (from_agency, to_agency, signer, role, time, agency=None, event_id=None))]
    #[allow(clippy::too_many_arguments)]
    fn transfer(
        &mut self,
        from_agency: PyBackedBytes,
        to_agency: PyBackedBytes,
        signer: &Bound<'_, PyAny>,
        role: &str,
        time: i64,
        agency: Option<PyBackedBytes>,
        event_id: Option<String>,
    ) -> PyResult<()> {
        let stamp = stamp(signer, role, agency, time, event_id)?;
        let event = stamp
            .transfer(parse_agency(&from_agency)?, parse_agency(&to_agency)?)
            .py()?;
        self.inner.add_event(&event).py()
    }

    /// Records a countersignature event (the signature itself is added on saving).
    #[pyo3(signature = (note, signer, role, time, agency=None, event_id=None))]
    fn countersign(
        &mut self,
        note: Option<String>,
        signer: &Bound<'_, PyAny>,
        role: &str,
        time: i64,
        agency: Option<PyBackedBytes>,
        event_id: Option<String>,
    ) -> PyResult<()> {
        let stamp = stamp(signer, role, agency, time, event_id)?;
        let event = stamp.countersign(note).py()?;
        self.inner.add_event(&event).py()
    }

    /// Adds any provenance event given as JSON.
    fn add_event(&mut self, event_json: PyBackedBytes) -> PyResult<()> {
        let event: Event = parse(&event_json)?;
        self.inner.add_event(&event).py()
    }

    /// Writes the edited file to `path` atomically, sealed by `signers`.
    fn save(
        &self,
        py: Python<'_>,
        path: std::path::PathBuf,
        signers: Vec<(Bound<'_, PyAny>, String, i64)>,
    ) -> PyResult<()> {
        let signers = Signers::new(signers)?;
        let inner = &self.inner;
        py.detach(|| inner.save(&path, &signers.requests())).py()
    }

    /// The edited file as bytes, sealed by `signers`.
    fn to_bytes<'py>(
        &self,
        py: Python<'py>,
        signers: Vec<(Bound<'py, PyAny>, String, i64)>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let signers = Signers::new(signers)?;
        let inner = &self.inner;
        let bytes = py.detach(|| inner.to_bytes(&signers.requests())).py()?;
        Ok(PyBytes::new(py, &bytes))
    }
}
