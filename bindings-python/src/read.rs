//! Random-access reading, whole-file validation and verification.

use numpy::{PyArray2, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::{PyBytes, PyDict, PyList};
use scanx::pixels::{Rect, SampleType};
use scanx::{Error, ErrorKind, FileSource, Limits, ReadOptions, Source};

use crate::error::IntoPy;
use crate::keys::TrustStore;
use crate::source::{AnySource, PyRangeSource, Shared, SourceRead};

/// Read options from a `{limit name: value}` dict (the fields of the core's `Limits`),
/// with the integrity check of every chunk against its manifest digests on or off.
pub fn options(limits: Option<&Bound<'_, PyDict>>, check_digests: bool) -> PyResult<ReadOptions> {
    let mut l = Limits::default();
    if let Some(d) = limits {
        for (k, v) in d.iter() {
            let name: String = k.extract()?;
            let value: u64 = v.extract()?;
            let field = match name.as_str() {
                "max_chunk_bytes" => &mut l.max_chunk_bytes,
                "max_pixels_per_plane" => &mut l.max_pixels_per_plane,
                "max_decoded_bytes" => &mut l.max_decoded_bytes,
                "max_metadata_bytes" => &mut l.max_metadata_bytes,
                "max_tiles" => &mut l.max_tiles,
                "max_planes" => &mut l.max_planes,
                "max_annotations" => &mut l.max_annotations,
                "max_chunks" => &mut l.max_chunks,
                _ => {
                    return Err(crate::error::to_py(Error::invalid_argument(format!(
                        "unknown limit {name:?}"
                    ))))
                }
            };
            *field = value;
        }
    }
    Ok(ReadOptions::with_limits(l).with_digest_check(check_digests))
}

/// The default limits as a dict.
pub fn default_limits(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let l = Limits::default();
    let d = PyDict::new(py);
    d.set_item("max_chunk_bytes", l.max_chunk_bytes)?;
    d.set_item("max_pixels_per_plane", l.max_pixels_per_plane)?;
    d.set_item("max_decoded_bytes", l.max_decoded_bytes)?;
    d.set_item("max_metadata_bytes", l.max_metadata_bytes)?;
    d.set_item("max_tiles", l.max_tiles)?;
    d.set_item("max_planes", l.max_planes)?;
    d.set_item("max_annotations", l.max_annotations)?;
    d.set_item("max_chunks", l.max_chunks)?;
    Ok(d)
}

/// Allocates a `height` x `width` numpy array of `sample_type` and hands its bytes, with
/// the GIL released, to `fill`, which decodes straight into them.
pub fn new_array<'py>(
    py: Python<'py>,
    sample_type: SampleType,
    height: u32,
    width: u32,
    fill: impl FnOnce(&mut [u8], usize) -> scanx::Result<()> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    fn typed<'py, T: numpy::Element + bytemuck::Pod>(
        py: Python<'py>,
        height: u32,
        width: u32,
        fill: impl FnOnce(&mut [u8], usize) -> scanx::Result<()> + Send,
    ) -> PyResult<Bound<'py, PyAny>> {
        let array = PyArray2::<T>::zeros(py, [height as usize, width as usize], false);
        {
            let mut rw = array.try_readwrite()?;
            let samples = rw.as_slice_mut().map_err(|e| {
                pyo3::exceptions::PyRuntimeError::new_err(format!("fresh array: {e}"))
            })?;
            let bytes: &mut [u8] = bytemuck::cast_slice_mut(samples);
            let stride = width as usize * std::mem::size_of::<T>();
            py.detach(|| fill(bytes, stride)).py()?;
        }
        Ok(array.into_any())
    }
    match sample_type {
        SampleType::U8 => typed::<u8>(py, height, width, fill),
        SampleType::U16 => typed::<u16>(py, height, width, fill),
        SampleType::U32 => typed::<u32>(py, height, width, fill),
        SampleType::F32 => typed::<f32>(py, height, width, fill),
        _ => Err(crate::error::to_py(Error::new(
            ErrorKind::UnsupportedSampleType,
            format!("sample type {} has no numpy dtype here", sample_type.name()),
        ))),
    }
}

fn json_bytes<'py>(py: Python<'py>, bytes: &[u8]) -> Bound<'py, PyBytes> {
    PyBytes::new(py, bytes)
}

/// A scan file opened for random access (the core's `Reader`). Safe to share between
/// threads: every read releases the GIL.
#[pyclass(frozen, module = "scanx._scanx")]
#[derive(Debug)]
pub struct Reader {
    inner: scanx::Reader<Shared>,
    source: Shared,
    check_digests: bool,
}

impl Reader {
    fn open(py: Python<'_>, source: AnySource, options: ReadOptions) -> PyResult<Self> {
        let source = Shared(std::sync::Arc::new(source));
        let check_digests = options.check_digests;
        let inner = py
            .detach(|| scanx::Reader::from_source(source.clone(), options))
            .py()?;
        Ok(Reader {
            inner,
            source,
            check_digests,
        })
    }

    fn rect(&self, plane: u16, x: u32, y: u32, width: u32, height: u32) -> PyResult<Rect> {
        let _ = self.inner.plane(plane).py()?;
        Ok(Rect {
            x,
            y,
            width,
            height,
        })
    }

    fn trust_of<'a>(
        trust: &'a Option<PyRef<'_, TrustStore>>,
    ) -> Option<&'a scanx::crypto::TrustStore> {
        trust.as_ref().map(|t| &t.inner)
    }
}

#[pymethods]
impl Reader {
    /// Opens the file at `path` read-only. With `check_digests`, every chunk but the
    /// tiles is checked against the manifests now, and each tile as it is read.
    #[staticmethod]
    #[pyo3(signature = (path, limits=None, check_digests=true))]
    fn open_path(
        py: Python<'_>,
        path: std::path::PathBuf,
        limits: Option<&Bound<'_, PyDict>>,
        check_digests: bool,
    ) -> PyResult<Self> {
        let options = options(limits, check_digests)?;
        let source = py.detach(|| FileSource::open(&path)).py()?;
        Reader::open(py, AnySource::File(source), options)
    }

    /// Opens a file held in `bytes` (kept, not copied) or a `bytearray` (copied once).
    #[staticmethod]
    #[pyo3(signature = (data, limits=None, check_digests=true))]
    fn from_bytes(
        py: Python<'_>,
        data: PyBackedBytes,
        limits: Option<&Bound<'_, PyDict>>,
        check_digests: bool,
    ) -> PyResult<Self> {
        let options = options(limits, check_digests)?;
        Reader::open(py, AnySource::Bytes(scanx::BytesSource(data)), options)
    }

    /// Opens a file through `read_at(offset, length) -> bytes`, of `length` bytes in all.
    #[staticmethod]
    #[pyo3(signature = (read_at, length, limits=None, check_digests=true))]
    fn from_range(
        py: Python<'_>,
        read_at: Py<PyAny>,
        length: u64,
        limits: Option<&Bound<'_, PyDict>>,
        check_digests: bool,
    ) -> PyResult<Self> {
        let options = options(limits, check_digests)?;
        Reader::open(
            py,
            AnySource::Range(PyRangeSource::new(read_at, length)),
            options,
        )
    }

    /// The default limits, as a dict.
    #[staticmethod]
    fn default_limits(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
        default_limits(py)
    }

    /// Whether chunks are checked against the manifest digests as they are read.
    #[getter]
    fn check_digests(&self) -> bool {
        self.check_digests
    }

    /// The format version, `major.minor`.
    #[getter]
    fn version(&self) -> String {
        self.inner.version().to_string()
    }

    /// The file id as 32 hex digits.
    #[getter]
    fn file_id(&self) -> String {
        self.inner
            .file_id()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The file's length in bytes.
    #[getter]
    fn length(&self) -> u64 {
        self.inner.len()
    }

    /// The META payload exactly as stored.
    fn metadata_json<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        json_bytes(py, self.inner.metadata_json())
    }

    /// The personal data as JSON, or None.
    fn personal_json<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.inner
            .personal_data()
            .map(|p| json_bytes(py, &scanx::metadata::to_json(p)))
    }

    /// The annotations as a JSON array.
    fn annotations_json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let json = py
            .detach(|| {
                self.inner
                    .annotations()
                    .map(|a| scanx::metadata::to_json(&a))
            })
            .py()?;
        Ok(json_bytes(py, &json))
    }

    /// The provenance events as a JSON array.
    fn events_json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let json = py
            .detach(|| self.inner.events().map(|e| scanx::metadata::to_json(&e)))
            .py()?;
        Ok(json_bytes(py, &json))
    }

    /// How many signatures and generations (manifests) the file has.
    fn counts(&self, py: Python<'_>) -> PyResult<(usize, usize)> {
        py.detach(|| {
            Ok((
                self.inner.signatures()?.len(),
                self.inner.manifests()?.len(),
            ))
        })
        .py()
    }

    /// Tiles removed by redaction, as `(plane, col, row)`.
    fn redacted_tiles(&self, py: Python<'_>) -> PyResult<Vec<(u16, u32, u32)>> {
        let tiles = py.detach(|| self.inner.redacted_tiles()).py()?;
        Ok(tiles.iter().map(|t| (t.plane, t.col, t.row)).collect())
    }

    /// Skipped ancillary chunks, as `(type, header offset, payload length)`.
    fn unknown_chunks(&self, py: Python<'_>) -> PyResult<Vec<(String, u64, u64)>> {
        let chunks = py
            .detach(|| self.inner.unknown_chunks().map(|c| c.to_vec()))
            .py()?;
        Ok(chunks
            .iter()
            .map(|c| (c.chunk_type.to_string(), c.offset, c.length))
            .collect())
    }

    /// Each plane's description as a dict.
    fn planes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for p in self.inner.planes() {
            let d = PyDict::new(py);
            d.set_item("index", p.index)?;
            d.set_item("sample_type", p.sample_type.name())?;
            d.set_item("width", p.grid.width)?;
            d.set_item("height", p.grid.height)?;
            d.set_item("tile_width", p.grid.tile_width)?;
            d.set_item("tile_height", p.grid.tile_height)?;
            d.set_item("personal", p.personal)?;
            d.set_item(
                "attributes_json",
                json_bytes(py, &scanx::metadata::to_json(&p.attributes)),
            )?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// Decodes a region of a plane into a new numpy array (only the tiles it touches).
    fn read_region<'py>(
        &self,
        py: Python<'py>,
        plane: u16,
        x: u32,
        y: u32,
        width: u32,
        height: u32,
    ) -> PyResult<Bound<'py, PyAny>> {
        let rect = self.rect(plane, x, y, width, height)?;
        let sample_type = self.inner.plane(plane).py()?.sample_type;
        if width == 0 || height == 0 {
            return Err(crate::error::to_py(Error::new(
                ErrorKind::RegionOutOfBounds,
                "an empty region",
            )));
        }
        let reader = &self.inner;
        new_array(py, sample_type, height, width, move |out, stride| {
            reader.read_region_into(plane, rect, out, stride)
        })
    }

    /// Decodes a whole plane into a new numpy array.
    fn read_plane<'py>(&self, py: Python<'py>, plane: u16) -> PyResult<Bound<'py, PyAny>> {
        let info = self.inner.plane(plane).py()?;
        let (sample_type, w, h) = (info.sample_type, info.grid.width, info.grid.height);
        let reader = &self.inner;
        new_array(py, sample_type, h, w, move |out, stride| {
            reader.read_plane_into(plane, out, stride)
        })
    }

    /// Verifies the whole file against `trust` (or none) in one forward pass; the core's
    /// report as JSON.
    #[pyo3(signature = (trust=None))]
    fn verify(&self, py: Python<'_>, trust: Option<PyRef<'_, TrustStore>>) -> PyResult<String> {
        let trust = Reader::trust_of(&trust);
        let limits = self.inner.limits().clone();
        py.detach(|| {
            let read = SourceRead::new(self.source())?;
            let len = read.len();
            let read = std::io::BufReader::with_capacity(4 << 20, read);
            scanx::verify_stream(read, Some(len), trust, &ReadOptions::with_limits(limits))
                .map(|r| r.to_json())
        })
        .py()
    }

    /// Verifies one region of one plane through random access; the report as JSON.
    #[pyo3(signature = (plane, x, y, width, height, trust=None))]
    #[allow(clippy::too_many_arguments)]
    fn verify_region(
        &self,
        py: Python<'_>,
        plane: u16,
        x: u32,
        y: u32,
        width: u32,
        height: u32,
        trust: Option<PyRef<'_, TrustStore>>,
    ) -> PyResult<String> {
        let rect = self.rect(plane, x, y, width, height)?;
        let trust = Reader::trust_of(&trust);
        py.detach(|| scanx::verify_region(&self.inner, plane, rect, trust).map(|r| r.to_json()))
            .py()
    }

    /// Reads the whole file in one forward pass with every check (the conformance
    /// reader); raises the first problem in file order. `check_digests` (None: as the
    /// reader was opened) also fails on anything verification finds INVALID.
    #[pyo3(signature = (check_digests=None))]
    fn validate(&self, py: Python<'_>, check_digests: Option<bool>) -> PyResult<()> {
        let limits = self.inner.limits().clone();
        let check = check_digests.unwrap_or(self.check_digests);
        py.detach(|| {
            let options = ReadOptions::with_limits(limits).with_digest_check(check);
            if let Some(bytes) = self.source().as_slice() {
                return scanx::read_bytes(bytes, &options).map(|_| ());
            }
            let read = SourceRead::new(self.source())?;
            let len = read.len();
            let read = std::io::BufReader::with_capacity(4 << 20, read);
            scanx::read_stream(read, Some(len), &options).map(|_| ())
        })
        .py()
    }

    /// Every byte of the file.
    fn read_all<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py
            .detach(|| {
                let len = usize::try_from(self.inner.len())
                    .map_err(|_| Error::new(ErrorKind::LimitExceeded, "file too large"))?;
                let mut buf = vec![0; len];
                self.source().read_exact_at(0, &mut buf)?;
                Ok(buf)
            })
            .py()?;
        Ok(PyBytes::new(py, &bytes))
    }
}

impl Reader {
    fn source(&self) -> &Shared {
        &self.source
    }
}

/// Reads the file at `path` in one forward pass with every check; raises the first
/// problem in file order. With `check_digests`, also fails on anything verification
/// finds INVALID (an altered chunk, a broken chain, a bad signature).
#[pyfunction]
#[pyo3(signature = (path, limits=None, check_digests=true))]
pub fn validate_path(
    py: Python<'_>,
    path: std::path::PathBuf,
    limits: Option<&Bound<'_, PyDict>>,
    check_digests: bool,
) -> PyResult<()> {
    let options = options(limits, check_digests)?;
    py.detach(|| scanx::read_path(&path, &options).map(|_| ()))
        .py()
}

/// As `validate_path`, for bytes.
#[pyfunction]
#[pyo3(signature = (data, limits=None, check_digests=true))]
pub fn validate_bytes(
    py: Python<'_>,
    data: PyBackedBytes,
    limits: Option<&Bound<'_, PyDict>>,
    check_digests: bool,
) -> PyResult<()> {
    let options = options(limits, check_digests)?;
    py.detach(|| scanx::read_bytes(&data, &options).map(|_| ()))
        .py()
}

/// Verifies the file at `path`; the report as JSON.
#[pyfunction]
#[pyo3(signature = (path, trust=None, limits=None))]
pub fn verify_path(
    py: Python<'_>,
    path: std::path::PathBuf,
    trust: Option<PyRef<'_, TrustStore>>,
    limits: Option<&Bound<'_, PyDict>>,
) -> PyResult<String> {
    let options = options(limits, false)?;
    let trust = Reader::trust_of(&trust);
    py.detach(|| scanx::verify_path(&path, trust, &options).map(|r| r.to_json()))
        .py()
}

/// Verifies a file held in bytes; the report as JSON.
#[pyfunction]
#[pyo3(signature = (data, trust=None, limits=None))]
pub fn verify_bytes(
    py: Python<'_>,
    data: PyBackedBytes,
    trust: Option<PyRef<'_, TrustStore>>,
    limits: Option<&Bound<'_, PyDict>>,
) -> PyResult<String> {
    let options = options(limits, false)?;
    let trust = Reader::trust_of(&trust);
    py.detach(|| scanx::verify_bytes(&data, trust, &options).map(|r| r.to_json()))
        .py()
}

/// Verifies a whole file and decodes it in the same forward pass (each byte read once):
/// the report as JSON and every plane as `(index, array)`. The pixels come back whatever
/// the report says (check its status before trusting them); a file that cannot be read
/// at all raises its format error.
#[pyfunction]
#[pyo3(signature = (path=None, data=None, trust=None, limits=None))]
pub fn read_verified<'py>(
    py: Python<'py>,
    path: Option<std::path::PathBuf>,
    data: Option<PyBackedBytes>,
    trust: Option<PyRef<'_, TrustStore>>,
    limits: Option<&Bound<'_, PyDict>>,
) -> PyResult<(String, Bound<'py, PyList>)> {
    let options = options(limits, false)?;
    let trust = Reader::trust_of(&trust);
    let (report, scan) = py
        .detach(|| match (&path, &data) {
            (Some(path), None) => {
                let file = std::fs::File::open(path).map_err(|e| {
                    Error::new(
                        ErrorKind::Io,
                        format!("cannot open {}: {e}", path.display()),
                    )
                })?;
                let len = file.metadata()?.len();
                let read = std::io::BufReader::with_capacity(1 << 20, file);
                Ok(scanx::verify::verify_and_read(
                    read,
                    Some(len),
                    trust,
                    &options,
                ))
            }
            (None, Some(data)) => Ok(scanx::verify::verify_and_read(
                &data[..],
                Some(data.len() as u64),
                trust,
                &options,
            )),
            _ => Err(Error::invalid_argument("give exactly one of path and data")),
        })
        .py()?;
    let scan = scan.py()?;
    let planes = PyList::empty(py);
    for plane in scan.planes {
        let index = plane.info.index;
        planes.append((index, owned_array(py, plane.pixels)?))?;
    }
    Ok((report.to_json(), planes))
}

/// The decoded plane as a 2-D numpy array that takes over the buffer the reader decoded
/// into, so the pixels are held once. The buffer's little-endian samples are viewed with an
/// explicitly little-endian dtype, whatever the host's byte order.
fn owned_array(py: Python<'_>, pixels: scanx::pixels::PixelBuffer) -> PyResult<Bound<'_, PyAny>> {
    let dtype = match pixels.sample_type() {
        SampleType::U8 => "u1",
        SampleType::U16 => "<u2",
        SampleType::U32 => "<u4",
        SampleType::F32 => "<f4",
        other => {
            return Err(crate::error::to_py(Error::new(
                ErrorKind::UnsupportedSampleType,
                format!("sample type {} has no numpy dtype here", other.name()),
            )))
        }
    };
    let shape = (pixels.height() as usize, pixels.width() as usize);
    let bytes = numpy::PyArray1::from_vec(py, pixels.into_bytes());
    bytes
        .call_method1("view", (dtype,))?
        .call_method1("reshape", (shape,))
}
