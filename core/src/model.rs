//! What a scan file holds, as plain Rust values.

use crate::container::chunk::{ChunkType, FormatVersion};

// The decoded structures a reader hands out: public whether or not the `internals`
// feature makes the module of their parsers public too.
pub use crate::container::index::{Index, IndexEntry, PlaneRef};
pub use crate::container::manifest::{Manifest, ManifestEntry};
pub use crate::container::signature::SignatureRecord;
use crate::metadata::{Annotation, Event, PersonalData, PlaneAttributes, ScanMetadata};
use crate::pixels::{PixelBuffer, SampleType, TileGrid};

/// The description of one image plane.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PlaneInfo {
    /// Position of the plane in the file.
    pub index: u16,
    /// Type of every sample.
    pub sample_type: SampleType,
    /// The plane shows a person or the cab (R6).
    pub personal: bool,
    /// Plane and tile size.
    pub grid: TileGrid,
    /// View, channel, spacing, rescale, display window.
    pub attributes: PlaneAttributes,
}

/// A chunk of a type this implementation does not know, skipped when reading.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownChunk {
    /// Its type (ancillary: the first letter is lower-case).
    pub chunk_type: ChunkType,
    /// Offset of its header in the file.
    pub offset: u64,
    /// Payload length.
    pub length: u64,
}

/// A tile that is absent because a redaction removed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileRef {
    /// Plane index.
    pub plane: u16,
    /// Column.
    pub col: u32,
    /// Row.
    pub row: u32,
}

/// A plane with its decoded pixels. Redacted tiles read as zero.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Plane {
    /// The plane's description.
    pub info: PlaneInfo,
    /// The decoded samples.
    pub pixels: PixelBuffer,
}

/// Everything in a scan file, fully decoded by one forward pass.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Scan {
    /// The file's format version.
    pub version: FormatVersion,
    /// The file id.
    pub file_id: [u8; 16],
    /// The scan metadata.
    pub metadata: ScanMetadata,
    /// The raw META payload as stored (what the signatures cover).
    pub metadata_json: Vec<u8>,
    /// Personal data, unless absent or redacted.
    pub personal: Option<PersonalData>,
    /// The planes, in order.
    pub planes: Vec<Plane>,
    /// Annotation records, in file order.
    pub annotations: Vec<Annotation>,
    /// Provenance events, in file order.
    pub events: Vec<Event>,
    /// Ancillary chunks that were skipped.
    pub unknown_chunks: Vec<UnknownChunk>,
    /// Tiles absent because a redaction event removed them.
    pub redacted_tiles: Vec<TileRef>,
    /// One manifest per generation, in order.
    pub manifests: Vec<Manifest>,
    /// Every signature record, in file order.
    pub signatures: Vec<SignatureRecord>,
}
