//! Small helpers shared by the subcommands: output files, argument parsing, clocks,
//! progress bars.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scanx::atomic::{write_atomic, write_atomic_new, Access};
use scanx::crypto::{Role, SigningKey};
use scanx::pixels::Rect;
use scanx::Timestamp;

use crate::fail::{self, CliResult, Fail};

/// Refuses an existing destination unless `force`, before any work is done; the write
/// itself ([`write_output`]) refuses it again at the moment the file is put in place, so a
/// file created meanwhile is not replaced either.
pub fn check_destination(path: &Path, force: bool) -> CliResult<()> {
    if !force && path.symlink_metadata().is_ok() {
        return Err(already_exists(path));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            return Err(
                Fail::new(format!("the folder {} does not exist", parent.display()))
                    .help("create the folder first, or choose another output path"),
            );
        }
    }
    Ok(())
}

fn already_exists(path: &Path) -> Fail {
    Fail::new(format!("{} already exists", path.display()))
        .help("choose another output path, or pass --force to replace it")
}

/// Writes `path` atomically (temporary file beside it, synced, then moved into place)
/// after [`check_destination`]. Without `force` the final step creates the name only if
/// nothing has it ([`write_atomic_new`]): there is no window between the check and the
/// move in which a file that appeared could be replaced. With `force` an existing file is
/// replaced ([`write_atomic`]).
pub fn write_output(
    path: &Path,
    force: bool,
    access: Access,
    write: impl FnOnce(&mut dyn Write) -> scanx::Result<()>,
) -> CliResult<()> {
    check_destination(path, force)?;
    let written = if force {
        write_atomic(path, access, write)
    } else {
        write_atomic_new(path, access, write)
    };
    written.map_err(|e| {
        if !force && e.kind() == scanx::ErrorKind::Io && path.symlink_metadata().is_ok() {
            let mut f = already_exists(path);
            f.message = format!(
                "{} (created while this command ran; left as it was)",
                f.message
            );
            f.kind = Some(e.kind());
            return f;
        }
        let mut f = fail::core(format!("cannot write {}", path.display()), e);
        if f.kind == Some(scanx::ErrorKind::Io) {
            f.help = Some("check that the destination folder exists and is writable".into());
        }
        f
    })
}

/// The integrity option of every command that reads a scanx file without verifying it.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ReadFlags {
    /// Do not check chunks against the digests their manifests list. By default every
    /// chunk read is checked (integrity, not trust) and a file altered after it was
    /// signed fails with DIGEST_MISMATCH (code 700) or BAD_SIGNATURE (701), exit 3.
    #[arg(long)]
    pub no_digest_check: bool,
}

impl ReadFlags {
    /// The core's read options these flags ask for.
    pub fn options(&self) -> scanx::ReadOptions {
        scanx::ReadOptions::default().with_digest_check(!self.no_digest_check)
    }
}

/// Reads a whole input file (JSON, images) with a clear message.
pub fn read_input(path: &Path, what: &str) -> CliResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        Fail::new(format!("cannot read the {what} {}: {e}", path.display()))
            .help("check the path and its permissions")
    })
}

/// Parses `x,y,w,h`.
pub fn parse_rect(text: &str) -> Result<Rect, String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [x, y, w, h] = parts.as_slice() else {
        return Err(format!("{text:?} is not x,y,width,height"));
    };
    let n = |s: &str| {
        s.parse::<u32>()
            .map_err(|_| format!("{s:?} in {text:?} is not a whole number"))
    };
    let rect = Rect::new(n(x)?, n(y)?, n(w)?, n(h)?);
    if rect.is_empty() {
        return Err(format!("{text:?} is an empty rectangle"));
    }
    Ok(rect)
}

/// A region of one plane: `PLANE:x,y,w,h` (the plane by index).
#[derive(Debug, Clone, Copy)]
pub struct PlaneRegion {
    pub plane: u16,
    pub rect: Rect,
}

/// Parses `PLANE:x,y,w,h`.
pub fn parse_plane_region(text: &str) -> Result<PlaneRegion, String> {
    let (plane, rect) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?} is not PLANE:x,y,width,height"))?;
    let plane = plane
        .trim()
        .parse::<u16>()
        .map_err(|_| format!("plane {plane:?} in {text:?} is not a plane index"))?;
    Ok(PlaneRegion {
        plane,
        rect: parse_rect(rect)?,
    })
}

/// Parses a role name (scanner, agency, recipient, analyst).
pub fn parse_role(text: &str) -> Result<Role, String> {
    Role::from_name(text)
        .map_err(|_| format!("{text:?} is not a role (scanner, agency, recipient or analyst)"))
}

/// Parses a time flag: RFC 3339 in UTC, whole seconds (as signatures and the trust store
/// record them).
pub fn parse_time(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse_whole_seconds(text).map_err(|e| format!("{text:?}: {}", e.message()))
}

/// The signing time: the one given, or now.
pub fn time_or_now(given: Option<Timestamp>) -> Timestamp {
    given.unwrap_or_else(Timestamp::now)
}

/// Reads a private key, naming the file when it fails.
pub fn load_key(path: &Path) -> CliResult<SigningKey> {
    SigningKey::read_pem_file(path).map_err(|e| {
        let mut f = fail::core("cannot load the private key", e);
        f.help = Some(
            "give the PKCS#8 PEM private key written by `scanx keygen` (PREFIX.private.pem)".into(),
        );
        f
    })
}

/// The file id as a UUID.
pub fn uuid_text(id: [u8; 16]) -> String {
    uuid::Uuid::from_bytes(id).hyphenated().to_string()
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
pub fn progress(len: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(what.to_owned());
    bar
}

/// Prints one JSON value as one line on stdout.
pub fn print_json(value: &impl serde::Serialize) {
    match serde_json::to_string(value) {
        Ok(line) => println!("{line}"),
        Err(e) => eprintln!("error: cannot write JSON: {e}"),
    }
}

/// `PREFIX.private.pem` and `PREFIX.public.pem`.
pub fn key_paths(prefix: &Path) -> (PathBuf, PathBuf) {
    let name = prefix
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (
        prefix.with_file_name(format!("{name}.private.pem")),
        prefix.with_file_name(format!("{name}.public.pem")),
    )
}

/// Reads and checks a JSON record (metadata, personal data, plane attributes, annotation)
/// through the core, which applies the schema and its rules.
pub fn load_json<T>(path: &Path, what: &str) -> CliResult<T>
where
    T: serde::de::DeserializeOwned + scanx::metadata::Validate,
{
    let bytes = read_input(path, what)?;
    parse_json(&bytes, &format!("the {what} {}", path.display()))
}

/// Checks JSON bytes as a record through the core.
pub fn parse_json<T>(bytes: &[u8], what: &str) -> CliResult<T>
where
    T: serde::de::DeserializeOwned + scanx::metadata::Validate,
{
    let limit = scanx::Limits::default().max_metadata_bytes;
    scanx::metadata::from_json(bytes, limit).map_err(|e| {
        let kind = e.kind();
        let mut f = fail::core(format!("{what} is not valid"), e);
        if kind == scanx::ErrorKind::InvalidJson || kind == scanx::ErrorKind::InvalidUtf8 {
            f.help = Some("the file must hold one JSON object (UTF-8)".into());
        }
        f
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("read_dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_destination_created_after_the_check_is_not_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("out.scx");
        // The destination appears while the output is being written: after the check,
        // before the move into place.
        let failure = write_output(&dest, false, Access::Shared, |w| {
            std::fs::write(&dest, b"someone else's file")?;
            Ok(w.write_all(b"ours")?)
        })
        .expect_err("the new file must not replace the one that appeared");
        assert!(failure.message.contains("already exists"), "{failure}");
        assert!(failure.help.is_some_and(|h| h.contains("--force")));
        assert_eq!(std::fs::read(&dest).expect("read"), b"someone else's file");
        assert_eq!(names(dir.path()), ["out.scx"], "no temporary file left");
    }

    #[test]
    fn force_replaces_and_a_free_name_is_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("out.scx");
        write_output(&dest, false, Access::Shared, |w| Ok(w.write_all(b"first")?))
            .expect("a free name is written");
        assert!(write_output(&dest, false, Access::Shared, |w| Ok(w.write_all(b"x")?)).is_err());
        write_output(&dest, true, Access::Shared, |w| Ok(w.write_all(b"second")?))
            .expect("--force replaces");
        assert_eq!(std::fs::read(&dest).expect("read"), b"second");
        assert_eq!(names(dir.path()), ["out.scx"]);
    }
}
