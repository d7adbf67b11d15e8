#![forbid(unsafe_code)]
//! The scanx conformance test vectors: the recipes that make `spec/vectors/`, the
//! expectations every reader is judged by, and the runner.
//!
//! - [`recipes`]: the registry, one [`Vector`] per file, each with the function that makes
//!   it. Valid files are written with the library; invalid ones are cut from valid files
//!   with [`surgery`], which changes one thing and rebuilds the manifests, the index and the
//!   tail around it so that the named defect is the only one. Tampered files are cut from
//!   signed files the same way, but only the index and the tail are rebuilt: an attacker
//!   cannot sign.
//! - [`expectation`]: the `NAME.json` beside each vector, and [`expectation::judge`], which
//!   runs a file through both readers and the verifier of the library and compares.
//! - [`keys`]: the published test keys of the signed vectors and the trust store every
//!   vector is verified against.
//! - [`tree`]: the whole folder in memory, written by the `make-vectors` binary and compared
//!   byte for byte with the disk by `make-vectors --check` and by the tests.
//!
//! Everything is deterministic: the same recipes give the same bytes on every run and every
//! machine (file ids and salt seeds come from the vector's name, see [`Context`]).

pub mod expectation;
pub mod inputs;
pub mod keys;
pub mod recipes;
pub mod scans;
pub mod surgery;
pub mod tree;
pub mod vector;

pub use vector::{Context, Expect, Vector, Verdict};
