//! `scanx verify` (signatures and trust) and `scanx validate` (structure and schema).

use std::path::PathBuf;

use clap::Args;
use rayon::prelude::*;
use scanx::verify::Status;
use scanx::{ReadOptions, Reader};
use serde::Serialize;

use crate::fail::{self, exit, CliResult, Fail};
use crate::keys::load_store;
use crate::util::{self, parse_plane_region, PlaneRegion};

/// Verify a file's digests, signatures and provenance against a trust store.
///
/// Exits 0 only when the file is TRUSTED; 3 INVALID, 4 VALID_UNTRUSTED, 5 UNSIGNED,
/// 6 when the file cannot be opened, 1 for a bad trust store, 2 for a usage error.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  scanx verify scan.scx --trust truststore.json\n  scanx verify scan.scx --trust truststore.json --region 0:0,0,700,2000 --json\n\nExit codes: 0 TRUSTED, 3 INVALID, 4 VALID_UNTRUSTED, 5 UNSIGNED, 6 unreadable file,\n1 other failure (bad trust store), 2 usage error."
)]
pub struct VerifyArgs {
    /// The scanx file.
    pub file: PathBuf,
    /// The trust store JSON (spec/truststore.schema.json). Without it a well-signed file
    /// is at best VALID_UNTRUSTED.
    #[arg(long)]
    pub trust: Option<PathBuf>,
    /// Verify only the tiles of one region (PLANE:x,y,width,height), with every manifest
    /// and signature, reading nothing else of the pixels.
    #[arg(long, value_parser = parse_plane_region)]
    pub region: Option<PlaneRegion>,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// The exit code of a verification status.
pub fn status_exit(status: Status) -> i32 {
    match status {
        Status::Trusted => exit::OK,
        Status::ValidUntrusted => exit::VALID_UNTRUSTED,
        Status::Unsigned => exit::UNSIGNED,
        _ => exit::INVALID,
    }
}

pub fn verify(args: VerifyArgs) -> CliResult<i32> {
    let trust = args.trust.as_deref().map(load_store).transpose()?;
    let path = &args.file;
    let report = match args.region {
        None => scanx::verify_path(path, trust.as_ref(), &ReadOptions::default())
            .map_err(|e| fail::unreadable(path, e))?,
        Some(r) => {
            let reader = Reader::open(path).map_err(|e| fail::unreadable(path, e))?;
            scanx::verify_region(&reader, r.plane, r.rect, trust.as_ref()).map_err(|e| {
                let mut f = fail::core("cannot verify that region", e);
                f.help = Some("`scanx info FILE` lists the planes and their sizes".into());
                f.exit(exit::USAGE)
            })?
        }
    };
    if args.json {
        util::print_json(&report);
    } else {
        print!("{report}");
        if trust.is_none() && report.status != Status::Unsigned {
            eprintln!("note: no --trust store given: no signer can be TRUSTED");
        }
    }
    Ok(status_exit(report.status))
}

/// Check files against the format and the metadata schema (a full forward read of every
/// byte, every tile decoded), and their integrity: every chunk against its manifest
/// digest and every signature against its own key (unless --no-digest-check); no trust
/// store, no trust decision. One result line per file.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  scanx validate scans/*.scx\n  scanx validate --json spec/vectors/invalid/*.scx\n\nExits 0 if every file is valid, 6 if any is not."
)]
pub struct ValidateArgs {
    /// The files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// One JSON object per file.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub read: util::ReadFlags,
}

#[derive(Debug, Serialize)]
struct ValidateOut {
    file: String,
    valid: bool,
    error: Option<&'static str>,
    code: Option<u32>,
    message: Option<String>,
    chunk: Option<String>,
    offset: Option<u64>,
    planes: Option<usize>,
    generations: Option<usize>,
}

pub fn validate(args: ValidateArgs) -> CliResult<i32> {
    let options = args.read.options();
    let bar = util::progress(args.files.len() as u64, "validating");
    let results: Vec<ValidateOut> = args
        .files
        .par_iter()
        .map(|path| {
            let result = scanx::read_path(path, &options);
            bar.inc(1);
            let file = path.display().to_string();
            match result {
                Ok(scan) => ValidateOut {
                    file,
                    valid: true,
                    error: None,
                    code: None,
                    message: None,
                    chunk: None,
                    offset: None,
                    planes: Some(scan.planes.len()),
                    generations: Some(scan.manifests.len()),
                },
                Err(e) => ValidateOut {
                    file,
                    valid: false,
                    error: Some(e.kind().name()),
                    code: Some(e.code()),
                    message: Some(e.to_string()),
                    chunk: e.chunk().map(|c| String::from_utf8_lossy(&c).into_owned()),
                    offset: e.offset(),
                    planes: None,
                    generations: None,
                },
            }
        })
        .collect();
    bar.finish_and_clear();
    let invalid = results.iter().filter(|r| !r.valid).count();
    for r in &results {
        if args.json {
            util::print_json(r);
        } else if r.valid {
            println!(
                "valid    {} ({} plane(s), {} generation(s))",
                r.file,
                r.planes.unwrap_or(0),
                r.generations.unwrap_or(0)
            );
        } else {
            println!(
                "INVALID  {}: {} [code {}]",
                r.file,
                r.message.as_deref().unwrap_or(""),
                r.code.unwrap_or(0)
            );
        }
    }
    if invalid > 0 {
        if !args.json {
            Fail::new(format!(
                "{invalid} of {} file(s) are not valid",
                results.len()
            ))
            .help("each line names the first defect of its file and the error code")
            .report();
        }
        return Ok(exit::UNREADABLE);
    }
    Ok(exit::OK)
}
