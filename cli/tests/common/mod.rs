//! Helpers for the end-to-end tests: run the built `scanx`, make keys, inputs and files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const SLOPE: &str = "0.0000152587890625";

/// The result of one run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Asserts the exit code, showing both streams if it differs.
    #[track_caller]
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "expected exit {code}, got {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// The stdout as one JSON value.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}):\n{}", self.stdout))
    }

    /// An error report: `error:` first, a `help:` line, no panic or backtrace.
    #[track_caller]
    pub fn clear_error(self, needle: &str) -> Run {
        assert!(
            self.stderr.starts_with("error: "),
            "stderr does not start with 'error: ':\n{}",
            self.stderr
        );
        assert!(
            self.stderr.contains("\nhelp: "),
            "no help line:\n{}",
            self.stderr
        );
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("RUST_BACKTRACE"),
            "{}",
            self.stderr
        );
        assert!(
            self.stderr.contains(needle),
            "stderr does not mention {needle:?}:\n{}",
            self.stderr
        );
        self
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_scanx")
}

/// Runs `scanx` with arguments.
pub fn scanx<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Run::from(
        Command::new(bin())
            .args(args)
            .output()
            .expect("the scanx binary runs"),
    )
}

/// The repository root (the workspace).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ has a parent")
        .to_path_buf()
}

pub fn p(path: &Path) -> String {
    path.display().to_string()
}

/// A folder with keys, a trust store, synthetic inputs and a signed scan.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn s(&self, name: &str) -> String {
        p(&self.path(name))
    }

    /// Keys scanner, desk, analyst, recipient; trust store `trust.json` with all four;
    /// synthetic 320 x 96 inputs in `in/`.
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temporary folder");
        let f = Fixture { dir };
        for (name, agency, country, role) in [
            (
                "scanner",
                "General Administration of Customs and Excise",
                "BE",
                "scanner",
            ),
            (
                "desk",
                "General Administration of Customs and Excise",
                "BE",
                "agency",
            ),
            (
                "analyst",
                "General Administration of Customs and Excise",
                "BE",
                "analyst",
            ),
            ("recipient", "Receita Federal do Brasil", "BR", "recipient"),
        ] {
            scanx(["keygen", &f.s(name)]).expect(0);
            scanx([
                "trust",
                "add",
                "--store",
                &f.s("trust.json"),
                "--public-key",
                &f.s(&format!("{name}.public.pem")),
                "--agency",
                agency,
                "--country",
                country,
                "--role",
                role,
            ])
            .expect(0);
        }
        scanx([
            "synthetic",
            "-o",
            &f.s("in"),
            "--width",
            "320",
            "--height",
            "96",
            "--tiff",
        ])
        .expect(0);
        f
    }

    /// Creates `name` from the synthetic inputs with extra arguments.
    pub fn create(&self, name: &str, extra: &[&str]) -> Run {
        let high = format!(
            "{},name=side high,view=side,channel=high-energy,spacing=5,slope={SLOPE},window=0.5:1",
            self.s("in/high.npy")
        );
        let low = format!(
            "{},name=side low,view=side,channel=low-energy,spacing=5,slope={SLOPE}",
            self.s("in/low.tif")
        );
        let mut args = vec![
            "create".to_owned(),
            "-o".to_owned(),
            self.s(name),
            "--metadata".to_owned(),
            self.s("in/metadata.json"),
            "--personal-data".to_owned(),
            self.s("in/personal-data.json"),
            "--plane".to_owned(),
            high,
            "--plane".to_owned(),
            low,
            "--tile".to_owned(),
            "64x64".to_owned(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        scanx(args)
    }

    /// A file signed by the scanner key.
    pub fn signed(&self, name: &str, extra: &[&str]) -> PathBuf {
        let mut args = vec![
            "--key",
            "",
            "--role",
            "scanner",
            "--time",
            "2026-03-01T08:20:00Z",
        ];
        let key = self.s("scanner.private.pem");
        args[1] = &key;
        args.extend_from_slice(extra);
        self.create(name, &args).expect(0);
        self.path(name)
    }
}

/// Writes a `.npy` array of u8 samples.
pub fn write_npy_u8(path: &Path, width: usize, height: usize, samples: &[u8]) {
    let mut header =
        format!("{{'descr': '|u1', 'fortran_order': False, 'shape': ({height}, {width}), }}");
    let total = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(samples);
    std::fs::write(path, bytes).expect("write npy");
}

/// SHA-free fingerprint of a file's bytes, to show a file was not modified.
pub fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read file")
}

/// Files in a folder (names), to show nothing was left behind.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("list folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
