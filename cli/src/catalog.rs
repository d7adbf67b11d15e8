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
    /// Apache Parquet, uncompressed; lists as LIST columns of strings.
    Parquet,
}

/// Catalogue every .scx file under a folder (recursively): one row per scan with its ids,
/// time, site, agency, conveyance, planes, annotation categories, signers and, with
/// --verify, the verification status. Reads only the index, the headers, annotations,
/// events and signatures, each checked against its manifest digest (unless
/// --no-digest-check; a file that fails is listed with its error and INVALID); no pixel
/// is decoded unless --verify is given.
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
    #[command(flatten)]
    pub read: util::ReadFlags,
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

fn row_of(
    path: &Path,
    trust: Option<&scanx::crypto::TrustStore>,
    verify: bool,
    options: &ReadOptions,
) -> Row {
    let mut row = Row {
        file: path.display().to_string(),
        verification: "unchecked".to_owned(),
        ..Row::default()
    };
    let filled = (|| -> scanx::Result<()> {
        let reader = Reader::open_with(path, options.clone())?;
        let m = reader.metadata();
        row.file_id = util::uuid_text(reader.file_id());
        row.scan_id = m.scan_id.clone();
        row.time = m.time.to_string();
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
        CatalogFormat::Parquet => out.write_all(&parquet_bytes(rows)?)?,
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

/// The Parquet schema of a catalog: one column per [`Row`] field, in the same order.
const PARQUET_SCHEMA: &str = "message scan {
  REQUIRED BYTE_ARRAY file (UTF8);
  REQUIRED BYTE_ARRAY file_id (UTF8);
  REQUIRED BYTE_ARRAY scan_id (UTF8);
  REQUIRED BYTE_ARRAY time (UTF8);
  REQUIRED BYTE_ARRAY site (UTF8);
  REQUIRED BYTE_ARRAY agency_country (UTF8);
  REQUIRED BYTE_ARRAY agency (UTF8);
  REQUIRED BYTE_ARRAY conveyance (UTF8);
  REQUIRED group container_numbers (LIST) { REPEATED group list { REQUIRED BYTE_ARRAY element (UTF8); } }
  REQUIRED group wagon_numbers (LIST) { REPEATED group list { REQUIRED BYTE_ARRAY element (UTF8); } }
  REQUIRED INT64 planes;
  REQUIRED group channels (LIST) { REPEATED group list { REQUIRED BYTE_ARRAY element (UTF8); } }
  REQUIRED INT64 annotations;
  REQUIRED group annotation_categories (LIST) { REPEATED group list { REQUIRED BYTE_ARRAY element (UTF8); } }
  REQUIRED INT64 generations;
  REQUIRED group signers (LIST) { REPEATED group list { REQUIRED BYTE_ARRAY element (UTF8); } }
  REQUIRED BOOLEAN personal_data;
  REQUIRED INT64 redacted_tiles;
  REQUIRED BYTE_ARRAY verification (UTF8);
  OPTIONAL BYTE_ARRAY error (UTF8);
}";

/// The values of one column.
enum Column {
    Text(Vec<String>),
    MaybeText(Vec<Option<String>>),
    Int(Vec<i64>),
    Bool(Vec<bool>),
    List(Vec<Vec<String>>),
}

fn columns(rows: &[Row]) -> Vec<Column> {
    let text = |f: fn(&Row) -> &String| Column::Text(rows.iter().map(|r| f(r).clone()).collect());
    let list =
        |f: fn(&Row) -> &Vec<String>| Column::List(rows.iter().map(|r| f(r).clone()).collect());
    let int = |f: fn(&Row) -> usize| Column::Int(rows.iter().map(|r| f(r) as i64).collect());
    vec![
        text(|r| &r.file),
        text(|r| &r.file_id),
        text(|r| &r.scan_id),
        text(|r| &r.time),
        text(|r| &r.site),
        text(|r| &r.agency_country),
        text(|r| &r.agency),
        text(|r| &r.conveyance),
        list(|r| &r.container_numbers),
        list(|r| &r.wagon_numbers),
        int(|r| r.planes),
        list(|r| &r.channels),
        int(|r| r.annotations),
        list(|r| &r.annotation_categories),
        int(|r| r.generations),
        list(|r| &r.signers),
        Column::Bool(rows.iter().map(|r| r.personal_data).collect()),
        int(|r| r.redacted_tiles),
        text(|r| &r.verification),
        Column::MaybeText(rows.iter().map(|r| r.error.clone()).collect()),
    ]
}

/// The catalog as a Parquet file: one row group, no compression.
fn parquet_bytes(rows: &[Row]) -> scanx::Result<Vec<u8>> {
    use parquet::data_type::{BoolType, ByteArray, ByteArrayType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use std::sync::Arc;

    let pq = |e: parquet::errors::ParquetError| {
        scanx::Error::new(scanx::ErrorKind::Io, format!("cannot write Parquet: {e}"))
    };
    let bytes = |v: &[String]| -> Vec<ByteArray> {
        v.iter().map(|s| ByteArray::from(s.as_str())).collect()
    };
    let schema = Arc::new(parquet::schema::parser::parse_message_type(PARQUET_SCHEMA).map_err(pq)?);
    let properties = Arc::new(WriterProperties::builder().build());
    let mut writer = SerializedFileWriter::new(Vec::new(), schema, properties).map_err(pq)?;
    let mut group = writer.next_row_group().map_err(pq)?;
    let mut data = columns(rows).into_iter();
    while let Some(mut column) = group.next_column().map_err(pq)? {
        let values = data.next().ok_or_else(|| {
            scanx::Error::new(
                scanx::ErrorKind::InvalidState,
                "Parquet schema and columns disagree",
            )
        })?;
        match values {
            Column::Text(v) => {
                column
                    .typed::<ByteArrayType>()
                    .write_batch(&bytes(&v), None, None)
                    .map_err(pq)?;
            }
            Column::MaybeText(v) => {
                let present: Vec<String> = v.iter().flatten().cloned().collect();
                let defined: Vec<i16> = v.iter().map(|x| i16::from(x.is_some())).collect();
                column
                    .typed::<ByteArrayType>()
                    .write_batch(&bytes(&present), Some(&defined), None)
                    .map_err(pq)?;
            }
            Column::Int(v) => {
                column
                    .typed::<Int64Type>()
                    .write_batch(&v, None, None)
                    .map_err(pq)?;
            }
            Column::Bool(v) => {
                column
                    .typed::<BoolType>()
                    .write_batch(&v, None, None)
                    .map_err(pq)?;
            }
            Column::List(v) => {
                // Definition level 0: an empty list; 1: an element. Repetition level 0
                // starts a row, 1 continues its list.
                let (mut values, mut defined, mut repeated) = (Vec::new(), Vec::new(), Vec::new());
                for list in &v {
                    if list.is_empty() {
                        defined.push(0);
                        repeated.push(0);
                    }
                    for (i, s) in list.iter().enumerate() {
                        values.push(s.clone());
                        defined.push(1);
                        repeated.push(i16::from(i > 0));
                    }
                }
                column
                    .typed::<ByteArrayType>()
                    .write_batch(&bytes(&values), Some(&defined), Some(&repeated))
                    .map_err(pq)?;
            }
        }
        column.close().map_err(pq)?;
    }
    group.close().map_err(pq)?;
    writer.into_inner().map_err(pq)
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
    let options = args.read.options();
    let bar = util::progress(files.len() as u64, "cataloguing");
    let rows: Vec<Row> = files
        .par_iter()
        .map(|p| {
            let row = row_of(p, trust.as_ref(), args.verify, &options);
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
        None if args.format == CatalogFormat::Parquet => {
            return Err(
                Fail::new("Parquet is a binary format: it is not written to the terminal")
                    .help("give the file to write with -o catalog.parquet")
                    .exit(exit::USAGE),
            );
        }
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
