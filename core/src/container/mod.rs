//! The container: magic, version, chunk framing and the binary structures of every chunk.
//!
//! Everything here is a pure function of bytes: parsing never allocates more than the bytes
//! it was given, and every structure has an `encode` that is its exact inverse. The reader,
//! the writer, the editor and the verifier are built on these.

pub mod bytes;
pub mod chunk;
pub mod head;
pub mod index;
pub mod manifest;
pub mod order;
pub mod plane;
pub mod signature;
pub mod tail;
pub mod tile;
pub mod walk;

pub use chunk::{ChunkType, FormatVersion, CHUNK_HEADER_LEN, FILE_HEADER_LEN, MAGIC};
