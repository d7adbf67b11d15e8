//! `scanx synthetic` (hidden): input files for demonstrations and tests, made by the core's
//! synthetic dual-energy scan, in the formats `scanx create` imports.

use std::path::PathBuf;

use clap::Args;
use scanx::atomic::Access;
use scanx::metadata::{to_json, PersonalData, ScanMetadata};

use crate::fail::{self, exit, CliResult, Fail};
use crate::images;
use crate::util::write_output;

/// Write a synthetic dual-energy scan (high.npy, low.npy) with example metadata.json and
/// personal-data.json into a folder.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  scanx synthetic -o inputs --width 6000 --height 2000 --seed 2026"
)]
pub struct SyntheticArgs {
    /// The folder to write into (created if missing).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Width in pixels.
    #[arg(long, default_value_t = 6000)]
    pub width: u32,
    /// Height in pixels.
    #[arg(long, default_value_t = 2000)]
    pub height: u32,
    /// Changes the cargo layout and the noise.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Also write the two channels as 16-bit TIFF (high.tif, low.tif).
    #[arg(long)]
    pub tiff: bool,
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: SyntheticArgs) -> CliResult<i32> {
    std::fs::create_dir_all(&args.output)
        .map_err(|e| Fail::new(format!("cannot create {}: {e}", args.output.display())))?;
    let scan = scanx::synthetic::dual_energy_scan(args.width, args.height, args.seed)
        .map_err(|e| fail::core("cannot make the synthetic scan", e))?;
    let dir = &args.output;
    write_output(&dir.join("high.npy"), args.force, Access::Shared, |w| {
        images::write_npy(w, &scan.high)
    })?;
    write_output(&dir.join("low.npy"), args.force, Access::Shared, |w| {
        images::write_npy(w, &scan.low)
    })?;
    if args.tiff {
        write_output(&dir.join("high.tif"), args.force, Access::Shared, |w| {
            images::write_tiff(w, &scan.high)
        })?;
        write_output(&dir.join("low.tif"), args.force, Access::Shared, |w| {
            images::write_tiff(w, &scan.low)
        })?;
    }
    let metadata = to_json(&ScanMetadata::example());
    write_output(
        &dir.join("metadata.json"),
        args.force,
        Access::Shared,
        |w| Ok(w.write_all(&metadata)?),
    )?;
    let personal = to_json(&PersonalData::example());
    write_output(
        &dir.join("personal-data.json"),
        args.force,
        Access::Shared,
        |w| Ok(w.write_all(&personal)?),
    )?;
    println!(
        "wrote a {}x{} synthetic dual-energy scan to {} (high.npy, low.npy{}, metadata.json, personal-data.json)",
        args.width,
        args.height,
        dir.display(),
        if args.tiff { ", high.tif, low.tif" } else { "" }
    );
    Ok(exit::OK)
}
