//! One conversion from the core's error to the Python exception hierarchy, which is
//! defined once, in `scanx/errors.py`; the class is chosen there from the code's range.

use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// Converts a core error into the matching `scanx.ScanxError` subclass.
pub fn to_py(e: scanx::Error) -> PyErr {
    Python::attach(|py| match build(py, &e) {
        Ok(err) => err,
        Err(import_failure) => import_failure,
    })
}

fn build(py: Python<'_>, e: &scanx::Error) -> PyResult<PyErr> {
    let errors = py.import("scanx.errors")?;
    let chunk = e.chunk().map(|c| String::from_utf8_lossy(&c).into_owned());
    let args = (
        e.to_string(),
        e.code(),
        e.kind().name(),
        chunk,
        e.offset(),
        e.message().to_owned(),
    );
    let exc = errors.getattr("_from_core")?.call1(args)?;
    Ok(PyErr::from_value(exc))
}

/// Extension trait: `result.py()?` turns a core result into a Python one.
pub trait IntoPy<T> {
    /// The core error as the matching Python exception.
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for scanx::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

/// Every error kind as `(code, name)`, in code order (for the Python tests and docs).
#[pyfunction]
pub fn error_kinds(py: Python<'_>) -> PyResult<Bound<'_, PyTuple>> {
    let kinds: Vec<(u32, &str)> = scanx::ErrorKind::ALL
        .iter()
        .map(|k| (k.code(), k.name()))
        .collect();
    PyTuple::new(py, kinds)
}
