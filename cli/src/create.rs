//! `scanx create`: image files and JSON records into a new, optionally signed, scanx file.

use std::path::{Path, PathBuf};

use clap::Args;
use scanx::atomic::Access;
use scanx::metadata::{Channel, DisplayWindow, PersonalData, PlaneAttributes, ScanMetadata, View};
use scanx::pixels::{Codec, Encoding, Filter, PixelBuffer};
use scanx::provenance::EventStamp;
use scanx::{DigestAlgorithm, PlaneSpec, Role, SignRequest, WriteOptions, Writer};
use serde::{Deserialize, Serialize};

use crate::fail::{self, exit, CliResult, Fail};
use crate::images::read_image;
use crate::util::{self, load_json, load_key, parse_role, parse_time, time_or_now, write_output};

/// Create a scanx file from image planes (16-bit TIFF or PNG, or .npy) and metadata JSON.
///
/// Each plane is given with `--plane FILE,key=value,...` (repeatable, in file order) or
/// all of them in a `--planes` manifest. Keys: name, view (side, top, ...), channel
/// (high-energy, low-energy, material, z-effective, density, photo, other), spacing (mm,
/// `X` or `XxY`), meaning (value_meaning, default transmission), slope, intercept,
/// window (`CENTER:WIDTH`), personal (the plane shows a person or the cab).
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  scanx create -o scan.scx --metadata meta.json --personal-data personal.json \\\n    --plane high.npy,name=side high,view=side,channel=high-energy,spacing=5x5,slope=0.0000152587890625,window=0.5:1 \\\n    --plane low.tif,view=side,channel=low-energy,spacing=5 \\\n    --key keys/scanner.private.pem --role scanner\n\nPlane manifest (--planes planes.json; files relative to the manifest):\n  [{\"file\": \"high.npy\", \"personal\": false,\n    \"attributes\": {\"name\": \"side high\", \"view\": \"side\", \"channel\": \"high-energy\",\n                   \"pixel_spacing_mm\": [5, 5], \"value_meaning\": \"transmission\"}}]"
)]
pub struct CreateArgs {
    /// The new file (refused if it exists, unless --force).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Scan metadata JSON (spec/metadata.schema.json).
    #[arg(long)]
    pub metadata: PathBuf,
    /// Personal data JSON (plates, names), kept apart so it can be redacted.
    #[arg(long)]
    pub personal_data: Option<PathBuf>,
    /// A plane: FILE,key=value,... (repeat, in file order).
    #[arg(long = "plane", value_name = "FILE,KEY=VALUE...")]
    pub planes: Vec<String>,
    /// A JSON plane manifest, instead of or after the --plane options.
    #[arg(long = "planes", value_name = "MANIFEST")]
    pub manifest: Option<PathBuf>,
    /// Codec of every tile: none, deflate, zstd or rice (rice is meant for an empty
    /// filter chain: `--filters none`).
    #[arg(long, default_value = "zstd")]
    pub codec: String,
    /// Compression level (0: the codec's default).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub level: i32,
    /// Filter chain, comma-separated: delta, predictor2d, shuffle; or none.
    #[arg(long, default_value = "predictor2d,shuffle")]
    pub filters: String,
    /// Tile size, WIDTHxHEIGHT.
    #[arg(long, default_value = "512x512", value_parser = parse_size)]
    pub tile: (u32, u32),
    /// Digest algorithm of the manifest: sha256 or blake3.
    #[arg(long, default_value = "sha256")]
    pub digest: String,
    /// Sign with this private key (PEM), and record a capture event by it.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// The role the signature claims.
    #[arg(long, default_value = "scanner", value_parser = parse_role)]
    pub role: Role,
    /// Signing time (RFC 3339, UTC); now if absent.
    #[arg(long, value_parser = parse_time)]
    pub time: Option<scanx::Timestamp>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
}

fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("{text:?} is not WIDTHxHEIGHT"))?;
    let n = |s: &str| {
        s.trim()
            .parse::<u32>()
            .ok()
            .filter(|&v| v > 0)
            .ok_or_else(|| format!("{s:?} in {text:?} is not a positive whole number"))
    };
    Ok((n(w)?, n(h)?))
}

/// One entry of a plane manifest.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestPlane {
    file: PathBuf,
    #[serde(default)]
    personal: bool,
    attributes: serde_json::Value,
}

/// A plane to write: where its pixels come from and what they mean.
#[derive(Debug)]
struct PlaneInput {
    file: PathBuf,
    personal: bool,
    attributes: PlaneAttributes,
}

fn enum_value<T: serde::de::DeserializeOwned>(key: &str, value: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| format!("{key}={value:?} is not a known {key}"))
}

fn number(key: &str, value: &str) -> Result<f64, String> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{key}={value:?} is not a number"))
}

/// Parses `FILE,key=value,...`.
fn parse_plane_option(text: &str) -> Result<PlaneInput, String> {
    let mut parts = text.split(',');
    let file = PathBuf::from(parts.next().unwrap_or_default().trim());
    if file.as_os_str().is_empty() {
        return Err(format!("--plane {text:?}: the file comes first"));
    }
    let mut name = None;
    let mut view = View::Side;
    let mut channel = None;
    let mut spacing = [1.0, 1.0];
    let mut meaning = "transmission".to_owned();
    let mut slope = 1.0;
    let mut intercept = 0.0;
    let mut window = None;
    let mut personal = false;
    for part in parts {
        let (key, value) = match part.split_once('=') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (part.trim(), ""),
        };
        match key {
            "name" => name = Some(value.to_owned()),
            "view" => view = enum_value("view", value)?,
            "channel" => channel = Some(enum_value::<Channel>("channel", value)?),
            "spacing" => {
                spacing = match value.split_once(['x', 'X']) {
                    Some((x, y)) => [number("spacing", x)?, number("spacing", y)?],
                    None => {
                        let v = number("spacing", value)?;
                        [v, v]
                    }
                }
            }
            "meaning" => meaning = value.to_owned(),
            "slope" => slope = number("slope", value)?,
            "intercept" => intercept = number("intercept", value)?,
            "window" => {
                let (c, w) = value
                    .split_once(':')
                    .ok_or_else(|| format!("window={value:?} is not CENTER:WIDTH"))?;
                window = Some(DisplayWindow::new(
                    number("window", c)?,
                    number("window", w)?,
                ));
            }
            "personal" => {
                personal = match value {
                    "" | "true" | "yes" => true,
                    "false" | "no" => false,
                    _ => return Err(format!("personal={value:?} is not true or false")),
                }
            }
            "" => {}
            other => {
                return Err(format!(
                    "--plane {text:?}: unknown key {other:?} (name, view, channel, spacing, meaning, slope, intercept, window, personal)"
                ))
            }
        }
    }
    let channel = channel.ok_or_else(|| {
        format!("--plane {text:?}: say which channel (channel=high-energy, low-energy, material, z-effective, density, photo or other)")
    })?;
    let name = name.unwrap_or_else(|| {
        file.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let mut attributes =
        PlaneAttributes::new(name, view, channel, spacing, meaning).with_rescale(slope, intercept);
    attributes.display_window = window;
    Ok(PlaneInput {
        file,
        personal,
        attributes,
    })
}

fn read_manifest(path: &Path) -> CliResult<Vec<PlaneInput>> {
    let bytes = util::read_input(path, "plane manifest")?;
    let entries: Vec<ManifestPlane> = serde_json::from_slice(&bytes).map_err(|e| {
        Fail::new(format!("the plane manifest {} is not valid: {e}", path.display())).help(
            "give a JSON array of {\"file\": ..., \"personal\": false, \"attributes\": {...}} (see `scanx create --help`)",
        )
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let attributes_json = serde_json::to_vec(&e.attributes).unwrap_or_default();
            let attributes: PlaneAttributes = util::parse_json(
                &attributes_json,
                &format!("plane {i}'s attributes in {}", path.display()),
            )?;
            Ok(PlaneInput {
                file: base.join(e.file),
                personal: e.personal,
                attributes,
            })
        })
        .collect()
}

pub fn encoding_from(codec: &str, level: i32, filters: &str) -> CliResult<Encoding> {
    let usage = |e: scanx::Error| fail::core("bad encoding option", e).exit(exit::USAGE);
    let codec = Codec::from_name(codec).map_err(usage)?;
    let filters = if filters.trim().is_empty() || filters.trim() == "none" {
        Vec::new()
    } else {
        filters
            .split(',')
            .map(|f| Filter::from_name(f.trim()))
            .collect::<scanx::Result<Vec<_>>>()
            .map_err(usage)?
    };
    let encoding = Encoding::new(filters, codec).with_level(level);
    encoding.validate().map_err(usage)?;
    Ok(encoding)
}

#[derive(Debug, Serialize)]
struct CreateOut {
    file: String,
    file_id: String,
    planes: usize,
    bytes: u64,
    signed_by: Option<String>,
    role: Option<&'static str>,
}

pub fn run(args: CreateArgs) -> CliResult<i32> {
    util::check_destination(&args.output, args.force)?;
    let metadata: ScanMetadata = load_json(&args.metadata, "metadata")?;
    let personal: Option<PersonalData> = match &args.personal_data {
        Some(p) => Some(load_json(p, "personal data")?),
        None => None,
    };
    let mut inputs = Vec::new();
    for p in &args.planes {
        inputs.push(parse_plane_option(p).map_err(|m| {
            Fail::new(m)
                .help("see `scanx create --help` for the keys of --plane")
                .exit(exit::USAGE)
        })?);
    }
    if let Some(m) = &args.manifest {
        inputs.extend(read_manifest(m)?);
    }
    if inputs.is_empty() {
        return Err(Fail::new("no plane given")
            .help("add --plane FILE,channel=... or --planes MANIFEST")
            .exit(exit::USAGE));
    }
    let encoding = encoding_from(&args.codec, args.level, &args.filters)?;
    let digest = DigestAlgorithm::from_name(&args.digest)
        .map_err(|e| fail::core("bad --digest", e).exit(exit::USAGE))?;
    let key = args.key.as_deref().map(load_key).transpose()?;
    let time = time_or_now(args.time);

    let bar = util::progress(inputs.len() as u64, "reading planes");
    let mut planes: Vec<(PlaneInput, PixelBuffer)> = Vec::with_capacity(inputs.len());
    for input in inputs {
        let pixels = read_image(&input.file)?;
        planes.push((input, pixels));
        bar.inc(1);
    }
    bar.finish_and_clear();

    let capture = match &key {
        Some(k) => Some(
            EventStamp::new(k, args.role, Some(metadata.agency.clone()), time)
                .and_then(|s| s.capture())
                .map_err(|e| fail::core("cannot record the capture event", e))?,
        ),
        None => None,
    };
    let signers: Vec<SignRequest<'_>> = key
        .iter()
        .map(|k| SignRequest::new(k, args.role, time))
        .collect();
    let options = WriteOptions::default().with_digest(digest);
    let (tile_width, tile_height) = args.tile;
    let bar = util::progress(planes.len() as u64, "encoding planes");
    let mut file_id = [0u8; 16];
    write_output(&args.output, args.force, Access::Shared, |sink| {
        let mut w = Writer::new(sink, &metadata, options)?;
        file_id = w.file_id();
        if let Some(p) = &personal {
            w.personal_data(p)?;
        }
        let mut indices = Vec::with_capacity(planes.len());
        for (input, pixels) in &planes {
            let spec = PlaneSpec::new(
                pixels.sample_type(),
                pixels.width(),
                pixels.height(),
                input.attributes.clone(),
            )
            .with_tile_size(tile_width, tile_height)
            .with_encoding(encoding.clone())
            .personal(input.personal);
            indices.push(w.add_plane(spec)?);
        }
        for ((_, pixels), index) in planes.iter().zip(indices) {
            w.write_plane(index, pixels)?;
            bar.inc(1);
        }
        if let Some(event) = &capture {
            w.event(event)?;
        }
        w.finish(&signers)?;
        Ok(())
    })
    .map_err(|mut f| {
        if f.kind.is_some_and(|k| k != scanx::ErrorKind::Io) {
            f.message = format!("cannot create {}: {}", args.output.display(), f.message);
        }
        f
    })?;
    bar.finish_and_clear();
    let out = CreateOut {
        file: args.output.display().to_string(),
        file_id: util::uuid_text(file_id),
        planes: planes.len(),
        bytes: std::fs::metadata(&args.output)
            .map(|m| m.len())
            .unwrap_or(0),
        signed_by: key.as_ref().map(|k| k.public_key().key_id().to_hex()),
        role: key.as_ref().map(|_| args.role.name()),
    };
    if args.json {
        util::print_json(&out);
    } else {
        print!(
            "created {} (file {}, {} plane(s), {} bytes)",
            out.file, out.file_id, out.planes, out.bytes
        );
        match &out.signed_by {
            Some(k) => println!(", signed by {k} as {}", args.role),
            None => println!(", unsigned"),
        }
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plane_option_reads_every_key() -> Result<(), String> {
        let p = parse_plane_option(
            "a.npy,name=side high,view=top,channel=low-energy,spacing=5x4,slope=0.5,window=0.5:1,personal",
        )?;
        assert_eq!(p.file, PathBuf::from("a.npy"));
        assert_eq!(p.attributes.name, "side high");
        assert_eq!(p.attributes.view, View::Top);
        assert_eq!(p.attributes.channel, Channel::LowEnergy);
        assert_eq!(p.attributes.pixel_spacing_mm, [5.0, 4.0]);
        assert_eq!(p.attributes.rescale_slope, 0.5);
        assert!(p.personal);
        assert!(parse_plane_option("a.npy,view=side").is_err());
        assert!(parse_plane_option("a.npy,channel=bogus").is_err());
        assert!(parse_plane_option("a.npy,channel=photo,colour=red").is_err());
        Ok(())
    }
}
