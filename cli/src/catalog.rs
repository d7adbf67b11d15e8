//! `scanx catalog`: one row per scan of a folder, from header-only reads, in parallel.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use rayon::prelude::*;
use scanx::atomic::Access;
use scanx::crypto::KeyId;
use scanx::{ReadOptions, Reader};
use serde::Serialize;

use crate::fail::{self, exit, CliResult, Fail};
use crate::keys::load_store;
use crate::util::{self, write_output};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CatalogFormat {
    /// Comma-separated values with a header row; lists joined with ';'.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// Catalogue every .scx file under a folder (recursively): one row per scan with its ids,
/// time, site, agency, conveyance, planes, annotation categories, signers and, with
/// --verify, the verification status. Reads only the index, the headers, annotations,
/// events and signatures; no pixel is decoded unless --verify is given.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  scanx catalog scans/ --format csv -o catalog.csv\n  scanx catalog scans/ --format jsonl --verify --trust truststore.json > catalog.jsonl"
)]
pub struct CatalogArgs {
    /// The folder to scan (recursively).
    pub folder: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: CatalogFormat,
    /// Write to this file (atomically) instead of stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Also verify every file (a full read of each: much slower).
    #[arg(long)]
    pub verify: bool,
    /// The trust store for --verify.
    #[arg(long, requires = "verify")]
    pub trust: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
}

/// One row. Field names are stable.
#[derive(Debug, Serialize, Default)]
struct Row {
    file: String,
    file_id: String,
    scan_id: String,
    time: String,
    site: String,
    agency_country: String,
    agency: String,
    conveyance: String,
    container_numbers: Vec<String>,
    wagon_numbers: Vec<String>,
    planes: usize,
    channels: Vec<String>,
    annotations: usize,
    annotation_categories: Vec<String>,
    generations: usize,
    signers: Vec<String>,
    personal_data: bool,
    redacted_tiles: usize,
    verification: String,
    error: Option<String>,
}

fn row_of(path: &Path, trust: Option<&scanx::crypto::TrustStore>, verify: bool) -> Row {
    let mut row = Row {
        file: path.display().to_string(),
        verification: "unchecked".to_owned(),
        ..Row::default()
    };
    let filled = (|| -> scanx::Result<()> {
        let reader = Reader::open(path)?;
        let m = reader.metadata();
        row.file_id = util::uuid_text(reader.file_id());
        row.scan_id = m.scan_id.clone();
        row.time = m.time.clone();
        row.site = m.site.locode.clone();
        row.agency_country = m.agency.country.clone();
        row.agency = m.agency.name.clone();
        row.conveyance = m.conveyance.kind.to_string();
        row.container_numbers = m.conveyance.container_numbers.clone();
        row.wagon_numbers = m.conveyance.wagon_numbers.clone();
        row.planes = reader.planes().len();
        row.channels = reader
            .planes()
            .iter()
            .map(|p| format!("{}/{}", p.attributes.view, p.attributes.channel))
            .collect();
        row.personal_data = reader.personal_data().is_some();
        let annotations = reader.annotations()?;
        row.annotations = annotations.len();
        let mut categories: Vec<String> =
            annotations.iter().map(|a| a.category.to_string()).collect();
        categories.sort();
        categories.dedup();
        row.annotation_categories = categories;
        row.generations = reader.manifests()?.len();
        row.signers = reader
            .signatures()?
            .iter()
            .map(|s| format!("{}:{}", KeyId(s.key_id).to_hex(), s.role))
            .collect();
        row.redacted_tiles = reader.redacted_tiles()?.len();
        Ok(())
    })();
    if let Err(e) = filled {
        row.error = Some(format!("{e} [code {}]", e.code()));
        row.verification = "INVALID".to_owned();
        return row;
    }
    if verify {
        row.verification = match scanx::verify_path(path, trust, &ReadOptions::default()) {
            Ok(report) => report.status.name().to_owned(),
            Err(e) => {
                row.error = Some(format!("{e} [code {}]", e.code()));
                "INVALID".to_owned()
            }
        };
    }
    row
}

const CSV_HEADER: [&str; 20] = [
    "file",
    "file_id",
    "scan_id",
    "time",
    "site",
    "agency_country",
    "agency",
    "conveyance",
    "container_numbers",
    "wagon_numbers",
    "planes",
    "channels",
    "annotations",
    "annotation_categories",
    "generations",
    "signers",
    "personal_data",
    "redacted_tiles",
    "verification",
    "error",
];

fn csv_record(r: &Row) -> [String; 20] {
    [
        r.file.clone(),
        r.file_id.clone(),
        r.scan_id.clone(),
        r.time.clone(),
        r.site.clone(),
        r.agency_country.clone(),
        r.agency.clone(),
        r.conveyance.clone(),
        r.container_numbers.join(";"),
        r.wagon_numbers.join(";"),
        r.planes.to_string(),
        r.channels.join(";"),
        r.annotations.to_string(),
        r.annotation_categories.join(";"),
        r.generations.to_string(),
        r.signers.join(";"),
        r.personal_data.to_string(),
        r.redacted_tiles.to_string(),
        r.verification.clone(),
        r.error.clone().unwrap_or_default(),
    ]
}

fn write_rows(out: &mut dyn Write, rows: &[Row], format: CatalogFormat) -> scanx::Result<()> {
    let io = |e: std::io::Error| scanx::Error::from(e);
    match format {
        CatalogFormat::Jsonl => {
            for r in rows {
                serde_json::to_writer(&mut *out, r)
                    .map_err(std::io::Error::from)
                    .map_err(io)?;
                out.write_all(b"\n")?;
            }
        }
        CatalogFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            let csv_error = |e: csv::Error| {
                scanx::Error::new(scanx::ErrorKind::Io, format!("cannot write CSV: {e}"))
            };
            w.write_record(CSV_HEADER).map_err(csv_error)?;
            for r in rows {
                w.write_record(csv_record(r)).map_err(csv_error)?;
            }
            w.flush()?;
        }
    }
    Ok(())
}

pub fn run(args: CatalogArgs) -> CliResult<i32> {
    if !args.folder.is_dir() {
        return Err(
            Fail::new(format!("{} is not a folder", args.folder.display()))
                .help("give the folder that holds the .scx files"),
        );
    }
    if let Some(o) = &args.output {
        util::check_destination(o, args.force)?;
    }
    let trust = args.trust.as_deref().map(load_store).transpose()?;
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in walkdir::WalkDir::new(&args.folder).sort_by_file_name() {
        let entry =
            entry.map_err(|e| Fail::new(format!("cannot list {}: {e}", args.folder.display())))?;
        let is_scx = entry
            .path()
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("scx"));
        if entry.file_type().is_file() && is_scx {
            files.push(entry.into_path());
        }
    }
    let bar = util::progress(files.len() as u64, "cataloguing");
    let rows: Vec<Row> = files
        .par_iter()
        .map(|p| {
            let row = row_of(p, trust.as_ref(), args.verify);
            bar.inc(1);
            row
        })
        .collect();
    bar.finish_and_clear();
    let failed = rows.iter().filter(|r| r.error.is_some()).count();
    match &args.output {
        Some(o) => write_output(o, args.force, Access::Shared, |w| {
            write_rows(w, &rows, args.format)
        })?,
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            write_rows(&mut lock, &rows, args.format)
                .and_then(|()| Ok(lock.flush()?))
                .map_err(|e| fail::core("cannot write the catalog", e))?;
        }
    }
    eprintln!(
        "catalogued {} file(s) under {}{}",
        rows.len(),
        args.folder.display(),
        if failed > 0 {
            format!(", {failed} unreadable (see their error column)")
        } else {
            String::new()
        }
    );
    Ok(exit::OK)
}
