//! `scanx export`: a plane or a region to TIFF, PNG or .npy; previews; metadata as JSON.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use scanx::atomic::Access;
use scanx::metadata::Channel;
use scanx::pixels::{PixelBuffer, Rect};
use scanx::source::FileSource;
use scanx::{PlaneInfo, Reader};
use serde::Serialize;

use crate::fail::{self, exit, CliResult, Fail};
use crate::images;
use crate::preview;
use crate::util::{self, parse_rect, write_output};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// The plane's samples as a greyscale TIFF (u8, u16, u32 or f32).
    Tiff,
    /// The plane's samples as a greyscale PNG (u8 or u16).
    Png,
    /// The plane's samples as a NumPy array.
    Npy,
    /// An 8-bit greyscale PNG through the plane's display window.
    Preview,
    /// An 8-bit RGB PNG: dual-energy material classes (organic, mixed, metallic).
    Material,
    /// The scan metadata JSON exactly as stored.
    Metadata,
    /// The personal data JSON (fails if absent or redacted).
    PersonalData,
}

/// Export pixels (a plane or a region) or records from a scanx file. Every chunk and
/// every tile read is checked against its manifest digest (unless --no-digest-check): a
/// file altered after signing fails with DIGEST_MISMATCH (code 700), exit 3, and nothing
/// is written.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  scanx export scan.scx -o high.tif --format tiff --plane 0\n  scanx export scan.scx -o cab.npy --format npy --plane 1 --region 0,0,700,2000\n  scanx export scan.scx -o preview.png --format preview\n  scanx export scan.scx -o material.png --format material\n  scanx export scan.scx -o meta.json --format metadata"
)]
pub struct ExportArgs {
    /// The scanx file.
    pub input: PathBuf,
    /// The file to write (refused if it exists, unless --force).
    #[arg(short, long)]
    pub output: PathBuf,
    /// What to write.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// The plane, by index or name (default 0; for material, the high-energy plane).
    #[arg(long)]
    pub plane: Option<String>,
    /// The low-energy plane of a material preview (default: the plane whose channel is
    /// low-energy, in the same view).
    #[arg(long)]
    pub low_plane: Option<String>,
    /// Only this rectangle of the plane: x,y,width,height (only its tiles are decoded).
    #[arg(long, value_parser = parse_rect)]
    pub region: Option<Rect>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub read: util::ReadFlags,
}

#[derive(Debug, Serialize)]
struct ExportOut {
    file: String,
    format: String,
    planes: Vec<u16>,
    width: Option<u32>,
    height: Option<u32>,
    bytes: u64,
}

fn find_plane<'a>(reader: &'a Reader<FileSource>, spec: &str) -> CliResult<&'a PlaneInfo> {
    let planes = reader.planes();
    let found = match spec.parse::<u16>() {
        Ok(i) => planes.get(usize::from(i)),
        Err(_) => planes.iter().find(|p| p.attributes.name == spec),
    };
    found.ok_or_else(|| {
        let names: Vec<String> = planes
            .iter()
            .map(|p| format!("{} ({})", p.index, p.attributes.name))
            .collect();
        Fail::new(format!("no plane {spec:?} in the file"))
            .help(format!("the planes are: {}", names.join(", ")))
    })
}

fn by_channel(
    reader: &Reader<FileSource>,
    channel: Channel,
    view: Option<scanx::metadata::View>,
) -> Option<&PlaneInfo> {
    reader
        .planes()
        .iter()
        .find(|p| p.attributes.channel == channel && view.is_none_or(|v| p.attributes.view == v))
}

fn read_pixels(
    reader: &Reader<FileSource>,
    plane: &PlaneInfo,
    region: Option<Rect>,
    input: &std::path::Path,
) -> CliResult<PixelBuffer> {
    let result = match region {
        Some(r) => reader.read_region(plane.index, r),
        None => reader.read_plane(plane.index),
    };
    result.map_err(|e| {
        let kind = e.kind();
        if kind == scanx::ErrorKind::RegionOutOfBounds {
            fail::core("cannot export that region", e).help(format!(
                "plane {} is {}x{}",
                plane.index, plane.grid.width, plane.grid.height
            ))
        } else {
            fail::unreadable_or(input, e, "--no-digest-check reads it anyway")
        }
    })
}

pub fn run(args: ExportArgs) -> CliResult<i32> {
    util::check_destination(&args.output, args.force)?;
    let reader = Reader::open_with(&args.input, args.read.options())
        .map_err(|e| fail::unreadable_or(&args.input, e, "--no-digest-check reads it anyway"))?;
    let mut used = Vec::new();
    let mut size = None;
    match args.format {
        ExportFormat::Metadata => {
            let json = reader.metadata_json().to_vec();
            write_output(&args.output, args.force, Access::Shared, |w| {
                Ok(w.write_all(&json)?)
            })?;
        }
        ExportFormat::PersonalData => {
            let personal = reader.personal_data().ok_or_else(|| {
                Fail::new(format!(
                    "{} holds no personal data (absent, or redacted)",
                    args.input.display()
                ))
                .help("`scanx info FILE` shows the redactions in its provenance timeline")
            })?;
            let json = scanx::metadata::to_json(personal);
            write_output(&args.output, args.force, Access::Shared, |w| {
                Ok(w.write_all(&json)?)
            })?;
        }
        ExportFormat::Material => {
            let high = match &args.plane {
                Some(p) => find_plane(&reader, p)?,
                None => by_channel(&reader, Channel::HighEnergy, None).ok_or_else(|| {
                    Fail::new("the file has no high-energy plane")
                        .help("name the planes with --plane HIGH --low-plane LOW")
                })?,
            };
            let low = match &args.low_plane {
                Some(p) => find_plane(&reader, p)?,
                None => by_channel(&reader, Channel::LowEnergy, Some(high.attributes.view))
                    .ok_or_else(|| {
                        Fail::new(format!(
                            "the file has no low-energy plane in the {} view",
                            high.attributes.view
                        ))
                        .help("a material preview needs a dual-energy scan; name the plane with --low-plane")
                    })?,
            };
            let h = read_pixels(&reader, high, args.region, &args.input)?;
            let l = read_pixels(&reader, low, args.region, &args.input)?;
            let rgb = preview::material_preview(&h, &high.attributes, &l, &low.attributes)
                .map_err(|e| fail::core("cannot make the material preview", e))?;
            let (w, hgt) = (h.width(), h.height());
            write_output(&args.output, args.force, Access::Shared, |out| {
                images::write_png(out, w, hgt, png::ColorType::Rgb, png::BitDepth::Eight, &rgb)
            })?;
            used = vec![high.index, low.index];
            size = Some((w, hgt));
        }
        format => {
            let plane = find_plane(&reader, args.plane.as_deref().unwrap_or("0"))?;
            let pixels = read_pixels(&reader, plane, args.region, &args.input)?;
            let (w, h) = (pixels.width(), pixels.height());
            let pixels_ref = &pixels;
            let attributes = &plane.attributes;
            write_output(
                &args.output,
                args.force,
                Access::Shared,
                move |out| match format {
                    ExportFormat::Tiff => images::write_tiff(out, pixels_ref),
                    ExportFormat::Png => images::write_png_plane(out, pixels_ref),
                    ExportFormat::Npy => images::write_npy(out, pixels_ref),
                    _ => {
                        let grey = preview::windowed_preview(pixels_ref, attributes)?;
                        images::write_png(
                            out,
                            w,
                            h,
                            png::ColorType::Grayscale,
                            png::BitDepth::Eight,
                            &grey,
                        )
                    }
                },
            )
            .map_err(|mut f| {
                if f.kind == Some(scanx::ErrorKind::InvalidArgument) {
                    f.help = Some("choose --format tiff or npy for this sample type".into());
                }
                f
            })?;
            used = vec![plane.index];
            size = Some((w, h));
        }
    }
    let out = ExportOut {
        file: args.output.display().to_string(),
        format: args
            .format
            .to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default(),
        planes: used,
        width: size.map(|s| s.0),
        height: size.map(|s| s.1),
        bytes: std::fs::metadata(&args.output)
            .map(|m| m.len())
            .unwrap_or(0),
    };
    if args.json {
        util::print_json(&out);
    } else {
        match size {
            Some((w, h)) => println!(
                "wrote {} ({}, {w}x{h}, plane(s) {:?}, {} bytes)",
                out.file, out.format, out.planes, out.bytes
            ),
            None => println!("wrote {} ({}, {} bytes)", out.file, out.format, out.bytes),
        }
    }
    Ok(exit::OK)
}
