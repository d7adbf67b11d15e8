#![forbid(unsafe_code)]
//! scanx: the signed exchange format for X-ray scans of containers, trucks and wagons.

pub mod atomic;
pub mod container;
pub mod crypto;
pub mod edit;
pub mod error;
pub mod generations;
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
pub use verify::{
    verify_bytes, verify_path, verify_region, verify_stream, verify_strict, Reason, Status,
    VerifyReport,
};
pub use writer::{PlaneSpec, WriteOptions, Writer};
