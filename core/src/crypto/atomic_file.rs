//! Writing a file so that a crash never leaves a half-written one at the destination.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, ErrorKind, Result};

/// Who may read the file written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Only the owner (mode 0600 on Unix): private keys.
    OwnerOnly,
    /// Anyone the umask lets read it (mode 0644 before the umask on Unix).
    Shared,
}

/// Writes `bytes` to `path` through a temporary file in the same directory, synced and
/// then renamed over `path`, so readers see either the old file or the whole new one.
///
/// The temporary file is created with its final permissions, so a private key is never
/// readable by others, not even for a moment. An existing file at `path` is replaced.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8], access: Access) -> Result<()> {
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
    let mut temporary = builder
        .tempfile_in(directory)
        .map_err(|e| io_error("cannot create a temporary file beside", e))?;
    temporary
        .write_all(bytes)
        .map_err(|e| io_error("cannot write", e))?;
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_behind() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out.txt");
        write_atomically(&path, b"first", Access::Shared)?;
        write_atomically(&path, b"second", Access::Shared)?;
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
        let err = write_atomically(
            Path::new("/nonexistent-scanx-dir/x/out.txt"),
            b"x",
            Access::Shared,
        )
        .err()
        .map(|e| e.kind());
        assert_eq!(err, Some(ErrorKind::Io));
    }
}
