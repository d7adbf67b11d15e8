//! Atomic file output (R13): write to a temporary file in the destination folder, sync it,
//! then rename it into place. A crash leaves either the old file or the new one, never a
//! half-written one, and the destination is untouched if writing fails.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::{Error, ErrorKind, Result};

/// Writes `path` atomically with whatever `write` produces.
pub fn write_atomic<T>(
    path: impl AsRef<Path>,
    write: impl FnOnce(&mut dyn Write) -> Result<T>,
) -> Result<T> {
    let path = path.as_ref();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let io = |what: &str, e: std::io::Error| {
        Error::new(ErrorKind::Io, format!("{what} {}: {e}", path.display()))
    };
    let tmp = tempfile::Builder::new()
        .prefix(".scanx-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| io("cannot create a temporary file next to", e))?;
    let mut out = BufWriter::with_capacity(1 << 20, tmp);
    let value = write(&mut out)?;
    let tmp = out
        .into_inner()
        .map_err(|e| io("cannot write", e.into_error()))?;
    tmp.as_file().sync_all().map_err(|e| io("cannot sync", e))?;
    tmp.persist(path)
        .map_err(|e| io("cannot rename into place", e.error))?;
    // Make the rename itself durable.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_leaves_destination_untouched_and_no_temp_files() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let dest = dir.path().join("scan.scx");
        std::fs::write(&dest, b"original")?;
        let r: Result<()> = write_atomic(&dest, |w| {
            w.write_all(b"partial")?;
            Err(Error::invalid_argument("simulated failure"))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read(&dest)?, b"original");
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 1);
        write_atomic(&dest, |w| Ok(w.write_all(b"new")?))?;
        assert_eq!(std::fs::read(&dest)?, b"new");
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 1);
        Ok(())
    }
}
