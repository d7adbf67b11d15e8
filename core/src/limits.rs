//! Resource limits applied to every file read.
//!
//! Every size read from a file is checked against these before anything is allocated, so
//! a hostile file cannot make the reader allocate more than the caller allowed.

use crate::error::{Error, Result};

/// Upper bounds on what a reader accepts. The defaults suit real cargo scans (a 20 000 x
/// 6 000 dual-energy image fits) while keeping a hostile file's cost bounded.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest payload of any single chunk, in bytes.
    pub max_chunk_bytes: u64,
    /// Largest number of pixels in one plane (width x height).
    pub max_pixels_per_plane: u64,
    /// Largest total of decoded pixel bytes over all planes read from one file.
    pub max_decoded_bytes: u64,
    /// Largest metadata, personal-data, annotation or event JSON payload, in bytes.
    pub max_metadata_bytes: u64,
    /// Largest number of tiles over all planes.
    pub max_tiles: u64,
    /// Largest number of planes.
    pub max_planes: u64,
    /// Largest number of annotation records.
    pub max_annotations: u64,
    /// Largest number of chunks of any kind (bounds index and manifest sizes).
    pub max_chunks: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_chunk_bytes: 256 << 20,
            max_pixels_per_plane: 200_000_000,
            max_decoded_bytes: 2 << 30,
            max_metadata_bytes: 4 << 20,
            max_tiles: 100_000,
            max_planes: 64,
            max_annotations: 10_000,
            max_chunks: 200_000,
        }
    }
}

impl Limits {
    /// No limits at all: only for trusted input.
    pub fn unlimited() -> Self {
        Limits {
            max_chunk_bytes: u64::MAX,
            max_pixels_per_plane: u64::MAX,
            max_decoded_bytes: u64::MAX,
            max_metadata_bytes: u64::MAX,
            max_tiles: u64::MAX,
            max_planes: u64::MAX,
            max_annotations: u64::MAX,
            max_chunks: u64::MAX,
        }
    }

    /// Fails with `LIMIT_EXCEEDED` if `value > limit`.
    pub fn check(what: &str, value: u64, limit: u64) -> Result<()> {
        if value > limit {
            Err(Error::limit(what, value, limit))
        } else {
            Ok(())
        }
    }
}
