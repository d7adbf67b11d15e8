//! Where a file's bytes come from: a path, bytes held by Python, or a Python callable that
//! reads a range (a seekable file object, an fsspec file system), taking the GIL for each
//! read.

use std::io::Read;

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyBytes;
use scanx::{BytesSource, Error, ErrorKind, FileSource, Result, Source};

/// `read_at(offset, length) -> bytes` implemented in Python. The callable must be safe to
/// call from several threads at once (the package's wrappers take a lock around seek and
/// read).
#[derive(Debug)]
pub struct PyRangeSource {
    read_at: Py<PyAny>,
    len: u64,
}

impl PyRangeSource {
    pub fn new(read_at: Py<PyAny>, len: u64) -> Self {
        PyRangeSource { read_at, len }
    }
}

impl Source for PyRangeSource {
    fn len(&self) -> Result<u64> {
        Ok(self.len)
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        let fail = |what: String| Error::new(ErrorKind::Io, what).with_offset(offset);
        Python::attach(|py| {
            let got = self
                .read_at
                .call1(py, (offset, buf.len()))
                .map_err(|e| fail(format!("reading {} bytes failed: {e}", buf.len())))?;
            let got = got.bind(py);
            let bytes = got
                .cast::<PyBytes>()
                .map_err(|_| fail("the range reader must return bytes".to_owned()))?
                .as_bytes();
            if bytes.len() != buf.len() {
                return Err(Error::at(
                    ErrorKind::Truncated,
                    offset,
                    format!(
                        "asked for {} bytes, the source gave {}",
                        buf.len(),
                        bytes.len()
                    ),
                ));
            }
            buf.copy_from_slice(bytes);
            Ok(())
        })
    }
}

/// Every kind of source a Python `Scan` can read.
#[derive(Debug)]
pub enum AnySource {
    File(FileSource),
    Bytes(BytesSource<PyBackedBytes>),
    Range(PyRangeSource),
}

impl Source for AnySource {
    fn len(&self) -> Result<u64> {
        match self {
            AnySource::File(s) => s.len(),
            AnySource::Bytes(s) => s.len(),
            AnySource::Range(s) => s.len(),
        }
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        match self {
            AnySource::File(s) => s.read_exact_at(offset, buf),
            AnySource::Bytes(s) => s.read_exact_at(offset, buf),
            AnySource::Range(s) => s.read_exact_at(offset, buf),
        }
    }

    fn as_slice(&self) -> Option<&[u8]> {
        match self {
            AnySource::Bytes(s) => s.as_slice(),
            AnySource::File(_) | AnySource::Range(_) => None,
        }
    }
}

/// A source shared by the reader and the one-pass verifier of the same `Scan`.
#[derive(Debug, Clone)]
pub struct Shared(pub std::sync::Arc<AnySource>);

impl Source for Shared {
    fn len(&self) -> Result<u64> {
        self.0.len()
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        self.0.read_exact_at(offset, buf)
    }

    fn as_slice(&self) -> Option<&[u8]> {
        self.0.as_slice()
    }
}

/// A forward `Read` over a random-access source, for the one-pass reader and verifier.
#[derive(Debug)]
pub struct SourceRead<'a, S> {
    source: &'a S,
    position: u64,
    len: u64,
}

impl<'a, S: Source> SourceRead<'a, S> {
    pub fn new(source: &'a S) -> Result<Self> {
        Ok(SourceRead {
            source,
            position: 0,
            len: source.len()?,
        })
    }

    pub fn len(&self) -> u64 {
        self.len
    }
}

impl<S: Source> Read for SourceRead<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.len.saturating_sub(self.position);
        let n = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        if n == 0 {
            return Ok(0);
        }
        self.source
            .read_exact_at(self.position, &mut buf[..n])
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        self.position += n as u64;
        Ok(n)
    }
}
