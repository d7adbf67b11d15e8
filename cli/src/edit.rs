//! `scanx sign`, `redact`, `annotate` and `transfer`: each appends a signed generation
//! through the core's `Editor` and writes a NEW file; the input is never modified.

use std::path::{Path, PathBuf};

use clap::Args;
use scanx::atomic::Access;
use scanx::crypto::SigningKey;
use scanx::metadata::{Agency, Annotation, Event};
use scanx::provenance::EventStamp;
use scanx::{Editor, RedactRequest, Role, SignRequest};
use serde::Serialize;

use crate::fail::{self, exit, CliResult, Fail};
use crate::info::event_summary;
use crate::util::{
    self, load_key, parse_plane_region, parse_role, parse_time, time_or_now, write_output,
    PlaneRegion,
};

/// Options every edit takes.
#[derive(Debug, Args)]
pub struct EditCommon {
    /// The file to edit (read only; never modified).
    pub input: PathBuf,
    /// The new file (refused if it exists, unless --force).
    #[arg(short, long)]
    pub output: PathBuf,
    /// The private key (PEM) that signs the new generation.
    #[arg(long)]
    pub key: PathBuf,
    /// Signing time (RFC 3339, UTC); now if absent.
    #[arg(long, value_parser = parse_time)]
    pub time: Option<scanx::Timestamp>,
    /// The signer's agency, COUNTRY:NAME (for example "BR:Receita Federal do Brasil").
    #[arg(long, value_parser = parse_agency)]
    pub agency: Option<Agency>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    /// Edit a file that verification finds INVALID (altered after signing, broken
    /// signatures). By default such a file is refused with DIGEST_MISMATCH (code 700) or
    /// BAD_SIGNATURE (701), exit 3, so no new generation is sealed over tampered content.
    #[arg(long)]
    pub allow_invalid: bool,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Parses `COUNTRY:NAME`.
pub fn parse_agency(text: &str) -> Result<Agency, String> {
    let (country, name) = text.split_once(':').ok_or_else(|| {
        format!("{text:?} is not COUNTRY:NAME (for example \"BE:Belgian Customs\")")
    })?;
    Ok(Agency::new(country.trim(), name.trim()))
}

/// Countersign a file: a new generation with a countersign event, signed by your key.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  scanx sign received.scx -o accepted.scx --key keys/brazil.private.pem --role recipient \\\n      --agency \"BR:Receita Federal do Brasil\" --note \"received intact\""
)]
pub struct SignArgs {
    #[command(flatten)]
    pub common: EditCommon,
    /// The role the signature claims.
    #[arg(long, default_value = "recipient", value_parser = parse_role)]
    pub role: Role,
    /// A remark recorded in the countersign event.
    #[arg(long)]
    pub note: Option<String>,
}

/// Remove personal data or tiles (a region, a whole plane), recording who, when and why;
/// every earlier signature still verifies what remains.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  scanx redact scan.scx -o export.scx --key keys/export-desk.private.pem \\\n      --personal-data --region 0:0,0,700,2000 --region 1:0,0,700,2000 \\\n      --reason \"personal data and driver's cab removed before export (GDPR art. 6)\""
)]
pub struct RedactArgs {
    #[command(flatten)]
    pub common: EditCommon,
    /// Remove the personal-data chunk.
    #[arg(long)]
    pub personal_data: bool,
    /// Remove every tile a region touches: PLANE:x,y,width,height (repeatable).
    #[arg(long = "region", value_parser = parse_plane_region)]
    pub regions: Vec<PlaneRegion>,
    /// Remove every tile of a plane, by index (repeatable).
    #[arg(long = "plane")]
    pub planes: Vec<u16>,
    /// Why (the legal basis, the agreement); recorded in the signed event.
    #[arg(long)]
    pub reason: String,
    /// The role the signature claims.
    #[arg(long, default_value = "agency", value_parser = parse_role)]
    pub role: Role,
}

/// Add annotation records from JSON (one object, or an array), with an annotate event.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  scanx annotate scan.scx -o annotated.scx --annotations findings.json \\\n      --key keys/analyst.private.pem --role analyst\n\nfindings.json: one annotation object or an array of them (the schema's $defs/annotation):\n  {\"id\": \"6f1d2c3b-8a9e-4f70-b1c2-d3e4f5a6b7c8\", \"plane\": 0,\n   \"geometry\": {\"type\": \"box\", \"x\": 1200, \"y\": 310, \"width\": 420, \"height\": 180},\n   \"category\": \"narcotics\", \"source\": \"operator\", \"created\": \"2026-03-01T09:00:00Z\"}"
)]
pub struct AnnotateArgs {
    #[command(flatten)]
    pub common: EditCommon,
    /// The annotations JSON file.
    #[arg(long)]
    pub annotations: PathBuf,
    /// The role the signature claims.
    #[arg(long, default_value = "analyst", value_parser = parse_role)]
    pub role: Role,
}

/// Record that the file is handed from one agency to another, signed by the sender.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  scanx transfer export.scx -o sent.scx --key keys/export-desk.private.pem \\\n      --to \"BR:Receita Federal do Brasil\""
)]
pub struct TransferArgs {
    #[command(flatten)]
    pub common: EditCommon,
    /// The receiving agency, COUNTRY:NAME.
    #[arg(long, value_parser = parse_agency)]
    pub to: Agency,
    /// The sending agency, COUNTRY:NAME; the scan's agency if absent.
    #[arg(long, value_parser = parse_agency)]
    pub from: Option<Agency>,
    /// The role the signature claims.
    #[arg(long, default_value = "agency", value_parser = parse_role)]
    pub role: Role,
}

#[derive(Debug, Serialize)]
struct EditOut {
    file: String,
    input: String,
    generation: usize,
    action: &'static str,
    event_id: String,
    summary: String,
    signed_by: String,
    role: &'static str,
    time: String,
}

/// An edit under way: the opened input, the key and the stamp of the new event.
struct Session {
    editor: Editor,
    key: SigningKey,
    stamp: EventStamp,
    role: Role,
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Opens the input for editing (verified in the same pass unless --allow-invalid) and
/// stamps the new event; `default_agency` gives the signer's agency when --agency is
/// absent.
fn open(
    common: &EditCommon,
    role: Role,
    default_agency: impl FnOnce(&Editor) -> Option<Agency>,
) -> CliResult<Session> {
    if same_file(&common.input, &common.output) {
        return Err(Fail::new(format!(
            "the output {} is the input file",
            common.output.display()
        ))
        .help(
            "an edit writes a new file and never modifies its input: choose another output path",
        ));
    }
    util::check_destination(&common.output, common.force)?;
    let key = load_key(&common.key)?;
    let opened = if common.allow_invalid {
        Editor::open_unverified(&common.input)
    } else {
        Editor::open(&common.input)
    };
    let editor = opened
        .map_err(|e| fail::unreadable_or(&common.input, e, "--allow-invalid edits it anyway"))?;
    let agency = common.agency.clone().or_else(|| default_agency(&editor));
    let time = time_or_now(common.time);
    let stamp = EventStamp::new(&key, role, agency, time)
        .map_err(|e| fail::core("cannot stamp the event", e))?;
    Ok(Session {
        editor,
        key,
        stamp,
        role,
    })
}

fn finish(session: Session, common: &EditCommon, event: &Event) -> CliResult<i32> {
    let Session {
        editor,
        key,
        stamp,
        role,
    } = session;
    let signers = [SignRequest::new(&key, role, stamp.time)];
    write_output(&common.output, common.force, Access::Shared, |w| {
        editor.write_to(w, &signers)
    })?;
    let out = EditOut {
        file: common.output.display().to_string(),
        input: common.input.display().to_string(),
        generation: editor.scan().manifests.len() + 1,
        action: event.action.name(),
        event_id: event.id.clone(),
        summary: event_summary(event),
        signed_by: key.public_key().key_id().to_hex(),
        role: role.name(),
        time: stamp.time.to_string(),
    };
    if common.json {
        util::print_json(&out);
    } else {
        println!(
            "wrote {} (generation {}): {}; signed by {} as {}",
            out.file, out.generation, out.summary, out.signed_by, out.role
        );
    }
    Ok(exit::OK)
}

fn edit_error(what: &str) -> impl Fn(scanx::Error) -> Fail + '_ {
    move |e| fail::core(format!("cannot {what}"), e)
}

pub fn sign(args: SignArgs) -> CliResult<i32> {
    let mut s = open(&args.common, args.role, |_| None)?;
    let event = s
        .stamp
        .countersign(args.note.clone())
        .map_err(edit_error("record the countersign event"))?;
    s.editor
        .add_event(&event)
        .map_err(edit_error("record the countersign event"))?;
    finish(s, &args.common, &event)
}

pub fn redact(args: RedactArgs) -> CliResult<i32> {
    if !args.personal_data && args.regions.is_empty() && args.planes.is_empty() {
        return Err(Fail::new("nothing to redact")
            .help("add --personal-data, --region PLANE:x,y,w,h or --plane N")
            .exit(exit::USAGE));
    }
    let mut s = open(&args.common, args.role, |_| None)?;
    let mut request = RedactRequest::new(args.reason.clone());
    if args.personal_data {
        request = request.personal_data();
    }
    let planes = s.editor.planes();
    let mut regions: Vec<PlaneRegion> = args.regions.clone();
    for &p in &args.planes {
        let plane = planes.get(usize::from(p)).ok_or_else(|| {
            Fail::new(format!("no plane {p} (the file has {})", planes.len()))
                .help("`scanx info FILE` lists the planes")
        })?;
        let grid = plane.grid;
        regions.push(PlaneRegion {
            plane: p,
            rect: scanx::pixels::Rect::new(0, 0, grid.width, grid.height),
        });
    }
    let mut tiles = std::collections::BTreeSet::new();
    for r in &regions {
        let found = s.editor.tiles_in(r.plane, r.rect).map_err(|e| {
            fail::core(
                format!(
                    "region {}:{},{},{},{}",
                    r.plane, r.rect.x, r.rect.y, r.rect.width, r.rect.height
                ),
                e,
            )
            .help("`scanx info FILE` lists the planes and their sizes")
        })?;
        tiles.extend(found);
    }
    // Tiles an earlier redaction removed are gone already: selecting them again is fine.
    for t in &s.editor.scan().redacted_tiles {
        tiles.remove(t);
    }
    for t in tiles {
        request = request.tile(t);
    }
    let event = s
        .editor
        .redact_as(&request, &s.stamp)
        .map_err(edit_error("redact"))?;
    finish(s, &args.common, &event)
}

pub fn annotate(args: AnnotateArgs) -> CliResult<i32> {
    let bytes = util::read_input(&args.annotations, "annotations file")?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        Fail::new(format!(
            "the annotations file {} is not JSON: {e}",
            args.annotations.display()
        ))
        .help("give one annotation object or an array of them (see `scanx annotate --help`)")
    })?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        other => vec![other],
    };
    if items.is_empty() {
        return Err(Fail::new(format!(
            "the annotations file {} holds no annotation",
            args.annotations.display()
        )));
    }
    let annotations: Vec<Annotation> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let bytes = serde_json::to_vec(item).unwrap_or_default();
            util::parse_json(
                &bytes,
                &format!("annotation {i} of {}", args.annotations.display()),
            )
        })
        .collect::<CliResult<_>>()?;
    let mut s = open(&args.common, args.role, |_| None)?;
    for a in &annotations {
        s.editor
            .add_annotation(a)
            .map_err(|e| fail::core(format!("cannot add annotation {}", a.id), e))?;
    }
    let event = s
        .stamp
        .annotate(annotations.iter().map(|a| a.id.clone()).collect())
        .map_err(edit_error("record the annotate event"))?;
    s.editor
        .add_event(&event)
        .map_err(edit_error("record the annotate event"))?;
    finish(s, &args.common, &event)
}

pub fn transfer(args: TransferArgs) -> CliResult<i32> {
    // The sender defaults to the scan's agency, and signs as it unless --agency says
    // otherwise.
    let from_arg = args.from.clone();
    let mut s = open(&args.common, args.role, |editor| {
        Some(from_arg.unwrap_or_else(|| editor.scan().metadata.agency.clone()))
    })?;
    let from = match &args.from {
        Some(a) => a.clone(),
        None => s.editor.scan().metadata.agency.clone(),
    };
    let event = s
        .stamp
        .transfer(from, args.to.clone())
        .map_err(edit_error("record the transfer event"))?;
    s.editor
        .add_event(&event)
        .map_err(edit_error("record the transfer event"))?;
    finish(s, &args.common, &event)
}
