//! Atomic file output (R13): write to a temporary file in the destination folder, sync it,
//! then rename it into place. A crash leaves either the old file or the whole new one, never
//! a half-written one, and the destination is untouched if writing fails.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::{Error, ErrorKind, Result};

/// Who may read the file written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Only the owner (mode 0600 on Unix): private keys.
    OwnerOnly,
    /// Anyone the umask lets read it (mode 0644 before the umask on Unix).
    Shared,
}

/// Writes `path` atomically with whatever `write` produces.
///
/// The temporary file is created with its final permissions, so a private key is never
/// readable by others, not even for a moment. An existing file at `path` is replaced only
/// once the new content is complete and synced; on any error the temporary file is deleted
/// and `path` is untouched.
pub fn write_atomic<T>(
    path: impl AsRef<Path>,
    access: Access,
    write: impl FnOnce(&mut dyn Write) -> Result<T>,
) -> Result<T> {
    let path = path.as_ref();
    let io_error = |what: &str, e: std::io::Error| {
        Error::new(ErrorKind::Io, format!("{what} {}: {e}", path.display()))
    };
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };

    let mut builder = tempfile::Builder::new();
    builder.prefix(".scanx-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match access {
            Access::OwnerOnly => 0o600,
            Access::Shared => 0o644,
        };
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = access;

    // On any error below the temporary file is dropped, which deletes it.
    let temporary = builder
        .tempfile_in(directory)
        .map_err(|e| io_error("cannot create a temporary file beside", e))?;
    let mut out = BufWriter::with_capacity(1 << 20, temporary);
    let value = write(&mut out)?;
    let temporary = out
        .into_inner()
        .map_err(|e| io_error("cannot write", e.into_error()))?;
    temporary
        .as_file()
        .sync_all()
        .map_err(|e| io_error("cannot sync", e))?;
    temporary
        .persist(path)
        .map_err(|e| io_error("cannot rename into place", e.error))?;

    // The rename itself is durable only once the directory entry is synced.
    #[cfg(unix)]
    std::fs::File::open(directory)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("cannot sync the directory of", e))?;
    Ok(value)
}

/// Writes `bytes` to `path` atomically.
pub fn write_bytes_atomic(path: impl AsRef<Path>, bytes: &[u8], access: Access) -> Result<()> {
    write_atomic(path, access, |w| Ok(w.write_all(bytes)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_behind() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out.txt");
        write_bytes_atomic(&path, b"first", Access::Shared)?;
        write_bytes_atomic(&path, b"second", Access::Shared)?;
        assert_eq!(std::fs::read(&path)?, b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path())?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.txt")]);
        Ok(())
    }

    #[test]
    fn a_missing_directory_is_an_io_error() {
        let err = write_bytes_atomic(
            Path::new("/nonexistent-scanx-dir/x/out.txt"),
            b"x",
            Access::Shared,
        )
        .err()
        .map(|e| e.kind());
        assert_eq!(err, Some(ErrorKind::Io));
    }

    #[test]
    fn failure_leaves_destination_untouched_and_no_temp_files() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let dest = dir.path().join("scan.scx");
        std::fs::write(&dest, b"original")?;
        let r: Result<()> = write_atomic(&dest, Access::Shared, |w| {
            w.write_all(b"partial")?;
            Err(Error::invalid_argument("simulated failure"))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read(&dest)?, b"original");
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 1);
        write_atomic(&dest, Access::Shared, |w| Ok(w.write_all(b"new")?))?;
        assert_eq!(std::fs::read(&dest)?, b"new");
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 1);
        Ok(())
    }
}
