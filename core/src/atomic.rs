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
    write_atomic_with(path.as_ref(), access, Replace::Yes, write)
}

/// As [`write_atomic`], but never replaces an existing file: the final step creates the
/// destination's name only if nothing has it (even a file created while this one was
/// being written), failing with `IO` otherwise and leaving both files as they were. For
/// keys and for tools that promise never to overwrite.
pub fn write_atomic_new<T>(
    path: impl AsRef<Path>,
    access: Access,
    write: impl FnOnce(&mut dyn Write) -> Result<T>,
) -> Result<T> {
    write_atomic_with(path.as_ref(), access, Replace::No, write)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Replace {
    Yes,
    No,
}

fn write_atomic_with<T>(
    path: &Path,
    access: Access,
    replace: Replace,
    write: impl FnOnce(&mut dyn Write) -> Result<T>,
) -> Result<T> {
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
    match replace {
        Replace::Yes => temporary
            .persist(path)
            .map(drop)
            .map_err(|e| io_error("cannot rename into place", e.error))?,
        // A hard link to the new name fails if the name exists; the temporary name is
        // then removed.
        Replace::No => temporary.persist_noclobber(path).map(drop).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                Error::new(
                    ErrorKind::Io,
                    format!("{} already exists; it was left as it was", path.display()),
                )
            } else {
                io_error("cannot move into place", e.error)
            }
        })?,
    }

    // The rename itself is durable only once the directory entry is synced.
    #[cfg(unix)]
    std::fs::File::open(directory)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("cannot sync the directory of", e))?;
    Ok(value)
}

/// Writes `bytes` to `path` atomically, as [`write_atomic`] does.
///
/// The arguments come in the order of [`write_atomic`] and [`write_atomic_new`]: the path,
/// who may read the file, then the content.
pub fn write_bytes_atomic(path: impl AsRef<Path>, access: Access, bytes: &[u8]) -> Result<()> {
    write_atomic(path, access, |w| Ok(w.write_all(bytes)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_never_replaces_one_that_exists() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("key.pem");
        write_atomic_new(&path, Access::OwnerOnly, |w| Ok(w.write_all(b"first")?))?;
        let e = write_atomic_new(&path, Access::OwnerOnly, |w| Ok(w.write_all(b"second")?))
            .expect_err("exists");
        assert_eq!(e.kind(), ErrorKind::Io);
        assert!(e.message().contains("already exists"), "{e}");
        assert_eq!(std::fs::read(&path)?, b"first");
        let names: Vec<_> = std::fs::read_dir(dir.path())?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        Ok(())
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_behind() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out.txt");
        write_bytes_atomic(&path, Access::Shared, b"first")?;
        write_bytes_atomic(&path, Access::Shared, b"second")?;
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
            Access::Shared,
            b"x",
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
