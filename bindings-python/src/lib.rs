//! Python bindings: the private extension module `scanx._scanx` under the pure-Python
//! package `scanx`. Everything here is a thin layer over the core crate: parsing, digests,
//! verification and metadata validation live there once. Long work (decoding, encoding,
//! hashing, verification) runs with the GIL released.

use pyo3::prelude::*;

mod error;
mod keys;
mod read;
mod source;
mod write;

/// A time given from Python (seconds since the Unix epoch, UTC, an `int`) as the core's
/// [`scanx::Timestamp`]: the one place the binding converts Python times.
pub(crate) fn time(seconds: i64) -> scanx::Timestamp {
    scanx::Timestamp::from_unix_seconds(seconds)
}

/// The extension module.
#[pymodule]
fn _scanx(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<read::Reader>()?;
    m.add_class::<keys::SigningKey>()?;
    m.add_class::<keys::PublicKey>()?;
    m.add_class::<keys::TrustStore>()?;
    m.add_class::<write::Editor>()?;
    m.add_function(wrap_pyfunction!(write::write_scan, m)?)?;
    m.add_function(wrap_pyfunction!(read::validate_path, m)?)?;
    m.add_function(wrap_pyfunction!(read::validate_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(read::verify_path, m)?)?;
    m.add_function(wrap_pyfunction!(read::verify_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(read::read_verified, m)?)?;
    m.add_function(wrap_pyfunction!(error::error_kinds, m)?)?;
    Ok(())
}
