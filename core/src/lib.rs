#![forbid(unsafe_code)]
//! scanx: an open, signed, versioned exchange format for X-ray scans of containers, trucks
//! and rail wagons.
//!
//! A scanx file holds the raw channels of a scan as tiled planes, the customs metadata
//! (validated against `spec/metadata.schema.json`), personal data kept apart so it can be
//! removed, annotations, and a chain of signed generations proving who captured the scan
//! and what each agency did to it. The format is specified in `spec/scanx-format.md`.
//!
//! ```
//! use scanx::{Reader, Result};
//! use scanx::pixels::Rect;
//!
//! fn main() -> Result<()> {
//!     // A dual-energy scan from the conformance vectors: side and top views.
//!     let scan = Reader::open("../spec/vectors/valid/dual-energy-two-views.scx")?;
//!     let metadata = scan.metadata();
//!     assert_eq!(metadata.site.locode, "BEANR");
//!     for plane in scan.planes() {
//!         println!(
//!             "plane {} ({}): {}x{} {}",
//!             plane.index, plane.attributes.name, plane.grid.width, plane.grid.height,
//!             plane.sample_type.name()
//!         );
//!     }
//!     // Only the tiles under the rectangle are read and decoded.
//!     let corner = scan.read_region(0, Rect { x: 0, y: 0, width: 4, height: 3 })?;
//!     assert_eq!(corner.as_bytes().len(), 4 * 3 * 2);
//!     Ok(())
//! }
//! ```
//!
//! - Reading: [`Reader`] for random access (a file, bytes, any `Read + Seek`, or your own
//!   [`Source`] such as HTTP range requests), [`read_stream`] for one forward pass over any
//!   `Read` that checks the structure of every chunk and decodes every plane. Neither
//!   compares chunks with the signed digests unless asked:
//!   [`ReadOptions::with_digest_check`] makes every read fail on an altered, inserted or
//!   reordered chunk ([`verify`] also decides whether the signers are trusted).
//!   [`Reader::read_region_into`] decodes straight into the caller's buffer.
//! - Writing: [`Writer`] streams a new file front to back to any `Write`; [`Editor`] appends
//!   a generation to an existing one (annotate, redact, countersign), copying every
//!   unchanged chunk byte for byte; [`atomic::write_atomic`] puts a file in place only once
//!   it is complete.
//! - Bad input: every failure is an [`Error`] with a stable [`ErrorKind`] code, the chunk
//!   and the byte offset; [`Limits`] bound what a hostile file can make the reader allocate.
//!   A cut file is mostly `LENGTH_OVERFLOW` (forward reader) or `MISSING_CHUNK` (random
//!   access), rarely `TRUNCATED`: the [`error`] module says which cut gives which, and why.
//!
//! # Features
//!
//! - `internals` (off by default): makes public the chunk parsers and serializers
//!   (`container`), the splitting of a file into its generations (`generations`) and the
//!   digest helpers (`crypto::digest`). They are for the conformance vector generator, the
//!   fuzz targets and tests that take files apart chunk by chunk, and may change in any
//!   release. The decoded structures the public API hands out (such as
//!   [`model::Manifest`]) are public either way.

pub mod atomic;
mod bands;
#[cfg(feature = "internals")]
pub mod container;
#[cfg(not(feature = "internals"))]
#[allow(dead_code, unused_imports)]
mod container;
pub mod crypto;
pub mod detached;
pub mod edit;
pub mod error;
#[cfg(feature = "internals")]
pub mod generations;
#[cfg(not(feature = "internals"))]
#[allow(dead_code)]
mod generations;
pub mod limits;
pub mod metadata;
pub mod model;
mod parse;
pub mod pixels;
pub mod provenance;
pub mod reader;
pub mod seal;
pub mod source;
pub mod stream;
pub mod synthetic;
pub mod time;
pub mod verify;
pub mod writer;

pub use container::chunk::{ChunkType, FormatVersion};
pub use crypto::{DigestAlgorithm, Role};
pub use edit::{Editor, RedactRequest};
pub use error::{Error, ErrorKind, Result};
pub use limits::Limits;
pub use model::{Plane, PlaneInfo, Scan, TileRef, UnknownChunk};
pub use reader::Reader;
pub use seal::SignRequest;
pub use source::{BytesSource, FileSource, SeekSource, Source};
pub use stream::{read_bytes, read_path, read_stream, ReadOptions};
pub use time::Timestamp;
pub use verify::{
    verify_bytes, verify_path, verify_region, verify_stream, Reason, Status, VerifyReport,
};
pub use writer::{PlaneSpec, WriteOptions, Writer};
