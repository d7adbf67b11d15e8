//! Runs the worked example `core/examples/agency.rs`: three generations (capture; redact,
//! annotate and transfer; countersign), each verified as TRUSTED, and a redaction that
//! says what it blanked beyond the region asked for.

#[path = "../examples/agency.rs"]
mod agency;

use scanx::{read_path, ReadOptions, Status};

#[test]
fn the_agency_example_runs_and_every_generation_is_trusted() -> scanx::Result<()> {
    let dir = tempfile::tempdir()?;
    let outcome = agency::run(dir.path())?;
    assert_eq!(outcome.statuses, vec![Status::Trusted; 3]);

    // A 300-pixel-wide cab over the full 400-pixel height with 256 x 256 tiles: columns 0
    // and 1, rows 0 and 1, on both planes; the tiles end at x = 512 and at the plane's
    // bottom edge (y = 400), so 212 x 400 pixels per plane are blanked beyond the cab.
    assert_eq!(outcome.blanked.len(), 8);
    assert_eq!(outcome.extra_pixels, 2 * 212 * 400);

    let last = read_path(&outcome.files[2], &ReadOptions::default())?;
    assert_eq!(last.manifests.len(), 3);
    assert!(last.personal.is_none());
    assert_eq!(last.annotations.len(), 1);
    let (mut redacted, mut blanked) = (last.redacted_tiles.clone(), outcome.blanked.clone());
    redacted.sort();
    blanked.sort();
    assert_eq!(redacted, blanked);
    let kinds: Vec<&str> = last.events.iter().map(|e| e.action.name()).collect();
    assert_eq!(
        kinds,
        ["capture", "redact", "annotate", "transfer", "countersign"]
    );
    Ok(())
}
