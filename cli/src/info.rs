//! `scanx info`: what a file holds, read through the random-access reader (no pixels are
//! decoded).

use std::path::PathBuf;

use clap::Args;
use scanx::metadata::{Action, Event, Geometry};
use scanx::Reader;
use serde::Serialize;

use crate::fail::{self, exit, CliResult};
use crate::util;

/// Show a readable summary of a scanx file: scan, conveyance, declaration, planes,
/// annotations, signatures and the provenance timeline. Signatures are listed, not
/// checked (`scanx verify` checks them); every chunk read is checked against its manifest
/// digest unless --no-digest-check.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  scanx info scan.scx\n  scanx info scan.scx --json | jq .planes"
)]
pub struct InfoArgs {
    /// The scanx file.
    pub file: PathBuf,
    /// Print everything as one JSON object.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub read: util::ReadFlags,
}

#[derive(Debug, Serialize)]
struct PlaneOut<'a> {
    index: u16,
    name: &'a str,
    view: &'static str,
    channel: &'static str,
    width: u32,
    height: u32,
    sample_type: &'static str,
    tile_width: u32,
    tile_height: u32,
    tiles: u64,
    personal: bool,
    attributes: &'a scanx::metadata::PlaneAttributes,
}

#[derive(Debug, Serialize)]
struct SignatureOut {
    generation: u32,
    key_id: String,
    role: &'static str,
    time: String,
}

#[derive(Debug, Serialize)]
struct TileOut {
    plane: u16,
    col: u32,
    row: u32,
}

#[derive(Debug, Serialize)]
struct InfoOut<'a> {
    file: String,
    bytes: u64,
    version: String,
    file_id: String,
    metadata: serde_json::Value,
    personal_data: bool,
    planes: Vec<PlaneOut<'a>>,
    annotations: &'a [scanx::metadata::Annotation],
    events: &'a [Event],
    generations: usize,
    signatures: Vec<SignatureOut>,
    redacted_tiles: Vec<TileOut>,
    unknown_chunks: Vec<String>,
}

/// One line saying what an event did.
pub fn event_summary(event: &Event) -> String {
    match &event.action {
        Action::Capture {} => "captured the scan".to_owned(),
        Action::Annotate { annotation_ids } => {
            format!("added {} annotation(s)", annotation_ids.len())
        }
        Action::Redact { reason, removed } => {
            let personal = removed.iter().filter(|r| r.chunk == "PERS").count();
            let tiles = removed.iter().filter(|r| r.chunk == "TILE").count();
            let mut what = Vec::new();
            if personal > 0 {
                what.push("the personal data".to_owned());
            }
            if tiles > 0 {
                what.push(format!("{tiles} tile(s)"));
            }
            let others = removed.len() - personal - tiles;
            if others > 0 {
                what.push(format!("{others} other chunk(s)"));
            }
            format!("removed {} because: {reason}", what.join(" and "))
        }
        Action::ReEncode { codec, .. } => format!("re-encoded the pixels ({codec})"),
        Action::Derive { parent_file_id, .. } => format!("derived from file {parent_file_id}"),
        Action::Transfer { from, to } => format!(
            "transferred from {} ({}) to {} ({})",
            from.name, from.country, to.name, to.country
        ),
        Action::Countersign { note } => match note {
            Some(n) => format!("countersigned: {n}"),
            None => "countersigned".to_owned(),
        },
        _ => event.action.name().to_owned(),
    }
}

/// Who did it: role, agency and key id.
pub fn actor_text(event: &Event) -> String {
    let agency = event
        .actor
        .agency
        .as_ref()
        .map(|a| format!(" of {} ({})", a.name, a.country))
        .unwrap_or_default();
    format!("{}{agency}, key {}", event.actor.role, event.actor.key_id)
}

fn geometry_text(g: &Geometry) -> String {
    match g {
        Geometry::BoundingBox {
            x,
            y,
            width,
            height,
        } => format!("box {x},{y} {width}x{height}"),
        Geometry::Polygon { points, .. } => format!("polygon of {} points", points.len()),
        Geometry::Mask { width, height, .. } => format!("mask {width}x{height}"),
        _ => "geometry".to_owned(),
    }
}

pub fn run(args: InfoArgs) -> CliResult<i32> {
    let path = &args.file;
    let reader = Reader::open_with(path, args.read.options())
        .map_err(|e| fail::unreadable_or(path, e, "--no-digest-check reads it anyway"))?;
    let back = |e| fail::unreadable_or(path, e, "--no-digest-check reads it anyway");
    let annotations = reader.annotations().map_err(back)?;
    let events = reader.events().map_err(back)?;
    let manifests = reader.manifests().map_err(back)?;
    let records = reader.signatures().map_err(back)?;
    let redacted = reader.redacted_tiles().map_err(back)?;
    let unknown = reader.unknown_chunks().map_err(back)?;

    // Signatures follow their generation's manifest, as many as it expects.
    let mut generation_of = Vec::with_capacity(records.len());
    for m in manifests {
        for _ in 0..m.expected_signatures {
            generation_of.push(m.generation);
        }
    }
    let signatures: Vec<SignatureOut> = records
        .iter()
        .enumerate()
        .map(|(i, s)| SignatureOut {
            generation: generation_of.get(i).copied().unwrap_or(0),
            key_id: scanx::crypto::KeyId(s.key_id).to_hex(),
            role: s.role.name(),
            time: scanx::Timestamp::from_unix_seconds(s.time).to_string(),
        })
        .collect();
    let planes: Vec<PlaneOut<'_>> = reader
        .planes()
        .iter()
        .map(|p| PlaneOut {
            index: p.index,
            name: &p.attributes.name,
            view: p.attributes.view.name(),
            channel: p.attributes.channel.name(),
            width: p.grid.width,
            height: p.grid.height,
            sample_type: p.sample_type.name(),
            tile_width: p.grid.tile_width,
            tile_height: p.grid.tile_height,
            tiles: p.grid.tile_count(),
            personal: p.personal,
            attributes: &p.attributes,
        })
        .collect();

    if args.json {
        let out = InfoOut {
            file: path.display().to_string(),
            bytes: reader.len(),
            version: reader.version().to_string(),
            file_id: util::uuid_text(reader.file_id()),
            metadata: serde_json::from_slice(reader.metadata_json())
                .unwrap_or(serde_json::Value::Null),
            personal_data: reader.personal_data().is_some(),
            planes,
            annotations,
            events,
            generations: manifests.len(),
            signatures,
            redacted_tiles: redacted
                .iter()
                .map(|t| TileOut {
                    plane: t.plane,
                    col: t.col,
                    row: t.row,
                })
                .collect(),
            unknown_chunks: unknown.iter().map(|u| u.chunk_type.to_string()).collect(),
        };
        util::print_json(&out);
        return Ok(exit::OK);
    }

    let m = reader.metadata();
    println!(
        "{}: scanx {}, {} bytes, file {}",
        path.display(),
        reader.version(),
        reader.len(),
        util::uuid_text(reader.file_id())
    );
    println!("scan        {} at {}", m.scan_id, m.time);
    println!(
        "site        {}{}",
        m.site.locode,
        m.site
            .name
            .as_ref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    );
    println!("agency      {} ({})", m.agency.name, m.agency.country);
    let energies: Vec<String> = m
        .scanner
        .energies_mev
        .iter()
        .map(|e| format!("{e} MeV"))
        .collect();
    println!(
        "scanner     {} {} serial {}, software {}, {} {}",
        m.scanner.manufacturer,
        m.scanner.model,
        m.scanner.serial,
        m.scanner.software_version,
        m.scanner.source_type,
        energies.join(" / ")
    );
    let mut conveyance = vec![m.conveyance.kind.to_string()];
    if !m.conveyance.container_numbers.is_empty() {
        conveyance.push(format!(
            "containers {}",
            m.conveyance.container_numbers.join(", ")
        ));
    }
    if !m.conveyance.wagon_numbers.is_empty() {
        conveyance.push(format!("wagons {}", m.conveyance.wagon_numbers.join(", ")));
    }
    println!("conveyance  {}", conveyance.join(", "));
    if let Some(d) = &m.declaration {
        let mut parts = Vec::new();
        if let Some(n) = &d.declaration_number {
            parts.push(format!("declaration {n}"));
        }
        if let Some(t) = &d.transport_document {
            parts.push(format!("transport document {t}"));
        }
        if !d.hs_codes.is_empty() {
            parts.push(format!("HS {}", d.hs_codes.join(", ")));
        }
        if d.origin_country.is_some() || d.destination_country.is_some() {
            parts.push(format!(
                "{} -> {}",
                d.origin_country.as_deref().unwrap_or("?"),
                d.destination_country.as_deref().unwrap_or("?")
            ));
        }
        println!("declaration {}", parts.join(", "));
    }
    println!(
        "personal    {}",
        match reader.personal_data() {
            Some(p) => format!(
                "present ({} plate(s){})",
                p.registration_plates.len(),
                if p.driver_name.is_some() {
                    ", driver's name"
                } else {
                    ""
                }
            ),
            None => "none (absent or redacted)".to_owned(),
        }
    );
    println!("planes      {}", planes.len());
    for p in &planes {
        println!(
            "  {}: {} ({} {}) {}x{} {} in {}x{} tiles{}",
            p.index,
            p.name,
            p.view,
            p.channel,
            p.width,
            p.height,
            p.sample_type,
            p.tile_width,
            p.tile_height,
            if p.personal { ", personal" } else { "" }
        );
    }
    if !redacted.is_empty() {
        println!("redacted    {} tile(s) read as zero", redacted.len());
    }
    println!("annotations {}", annotations.len());
    for a in annotations {
        println!(
            "  {} on plane {}: {}{} ({}, {}{})",
            a.id,
            a.plane,
            a.category,
            a.label
                .as_ref()
                .map(|l| format!(" \"{l}\""))
                .unwrap_or_default(),
            geometry_text(&a.geometry),
            a.source,
            a.confidence
                .map(|c| format!(", confidence {c}"))
                .unwrap_or_default()
        );
    }
    println!(
        "signatures  {} in {} generation(s) (not checked here: run scanx verify)",
        signatures.len(),
        manifests.len()
    );
    for s in &signatures {
        println!(
            "  generation {}: key {} as {} at {}",
            s.generation, s.key_id, s.role, s.time
        );
    }
    println!("provenance  {} event(s)", events.len());
    for e in events {
        println!("  {}  {:<11} {}", e.time, e.action.name(), event_summary(e));
        println!("  {:20} by {}", "", actor_text(e));
    }
    for u in unknown {
        println!(
            "unknown ancillary chunk {} at byte {} ({} bytes)",
            u.chunk_type, u.offset, u.length
        );
    }
    Ok(exit::OK)
}
