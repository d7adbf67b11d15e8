#![forbid(unsafe_code)]
//! scanx: the signed exchange format for X-ray scans of containers, trucks and wagons.

pub mod crypto;
pub mod error;
pub mod limits;
pub mod metadata;
pub mod pixels;

pub use error::{Error, ErrorKind, Result};
pub use limits::Limits;
