//! Random-access byte sources: a file, bytes in memory, any `Read + Seek`, or your own (an
//! HTTP range-request client on object storage implements [`Source`] in a few lines).

use std::io::{Read, Seek, SeekFrom};
use std::sync::Mutex;

use crate::error::{Error, ErrorKind, Result};

/// Something the random-access reader can read byte ranges from.
///
/// Implementations must be safe to call from several threads at once: tiles of a region
/// are fetched and decoded in parallel.
pub trait Source: Send + Sync {
    /// Total length in bytes.
    fn len(&self) -> Result<u64>;

    /// True if the source holds no bytes.
    fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// Fills `buf` with the bytes at `offset`; fails with `TRUNCATED` if they are not all there.
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()>;

    /// All the bytes, when they are already in memory (or memory-mapped): readers then
    /// borrow chunks and decode tiles straight from them instead of copying them out.
    fn as_slice(&self) -> Option<&[u8]> {
        None
    }
}

/// Bytes in memory.
#[derive(Debug, Clone)]
pub struct BytesSource<T>(pub T);

impl<T: AsRef<[u8]> + Send + Sync> Source for BytesSource<T> {
    fn len(&self) -> Result<u64> {
        Ok(self.0.as_ref().len() as u64)
    }

    fn as_slice(&self) -> Option<&[u8]> {
        Some(self.0.as_ref())
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let bytes = self.0.as_ref();
        let start = usize::try_from(offset).ok().filter(|&s| s <= bytes.len());
        let range = start.and_then(|s| s.checked_add(buf.len()).map(|e| s..e));
        match range.and_then(|r| bytes.get(r)) {
            Some(src) => {
                buf.copy_from_slice(src);
                Ok(())
            }
            None => Err(Error::at(
                ErrorKind::Truncated,
                offset,
                format!(
                    "{} bytes requested at {offset}, the data holds {}",
                    buf.len(),
                    bytes.len()
                ),
            )),
        }
    }
}

/// A file opened for reading; reads use positioned I/O, so threads do not contend.
#[derive(Debug)]
pub struct FileSource {
    file: std::fs::File,
    len: u64,
}

impl FileSource {
    /// Opens `path` read-only. The file is never modified.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!("cannot open {}: {e}", path.display()),
            )
        })?;
        let len = file.metadata()?.len();
        Ok(FileSource { file, len })
    }
}

impl Source for FileSource {
    fn len(&self) -> Result<u64> {
        Ok(self.len)
    }

    #[cfg(unix)]
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        use std::os::unix::fs::FileExt;
        self.file
            .read_exact_at(buf, offset)
            .map_err(|e| Error::from(e).with_offset(offset))
    }

    #[cfg(not(unix))]
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let mut f = &self.file;
        f.seek(SeekFrom::Start(offset))?;
        f.read_exact(buf)
            .map_err(|e| Error::from(e).with_offset(offset))
    }
}

/// Any `Read + Seek` (behind a lock, since seeking moves a shared position).
#[derive(Debug)]
pub struct SeekSource<R> {
    inner: Mutex<R>,
    len: u64,
}

impl<R: Read + Seek + Send> SeekSource<R> {
    /// Wraps a reader; measures its length by seeking to the end.
    pub fn new(mut inner: R) -> Result<Self> {
        let len = inner.seek(SeekFrom::End(0))?;
        Ok(SeekSource {
            inner: Mutex::new(inner),
            len,
        })
    }
}

impl<R: Read + Seek + Send> Source for SeekSource<R> {
    fn len(&self) -> Result<u64> {
        Ok(self.len)
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let mut inner = self
            .inner
            .lock()
            .map_err(|_| Error::new(ErrorKind::Io, "the reader's lock is poisoned"))?;
        inner.seek(SeekFrom::Start(offset))?;
        inner
            .read_exact(buf)
            .map_err(|e| Error::from(e).with_offset(offset))
    }
}

impl<S: Source + ?Sized> Source for &S {
    fn len(&self) -> Result<u64> {
        (**self).len()
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        (**self).read_exact_at(offset, buf)
    }

    fn as_slice(&self) -> Option<&[u8]> {
        (**self).as_slice()
    }
}

impl<S: Source + ?Sized> Source for Box<S> {
    fn len(&self) -> Result<u64> {
        (**self).len()
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        (**self).read_exact_at(offset, buf)
    }

    fn as_slice(&self) -> Option<&[u8]> {
        (**self).as_slice()
    }
}
