//! The registry of test vectors.
//!
//! Each module of this folder holds one family of vectors and exports them as
//!
//! ```text
//! pub const VECTORS: &[Vector] = &[Vector {
//!     name: "tile-data-short",                       // file name, unique
//!     expect: Expect::Invalid(ErrorKind::TileSizeMismatch),
//!     comment: "a stored tile two bytes shorter than it declares",   // one line
//!     recipe: "base file; the data of tile (0, 0) loses its last two bytes", // how
//!     make: tile_data_short,                         // fn(&Context) -> Result<Vec<u8>>
//! }];
//! ```
//!
//! To add a family (the signed vectors, say): write `recipes/signed.rs` with its
//! `VECTORS`, and add `signed` to the list in the `families!` call below. Nothing else:
//! `make-vectors` writes the new files, their expectations, the README and the index, and
//! the tests run them. A recipe must be deterministic; take every fixed input (file id, salt
//! seed, key seed) from its [`Context`](crate::Context).

use crate::vector::Vector;

/// Declares the family modules and lists their vectors in order.
macro_rules! families {
    ($($family:ident),+ $(,)?) => {
        $(mod $family;)+

        /// Every vector, family by family, in registry order.
        pub fn all() -> Vec<Vector> {
            let mut out = Vec::new();
            $(out.extend_from_slice($family::VECTORS);)+
            out
        }
    };
}

families!(valid, framing, order, planes, tiles, rice, payloads, derived, signed);

/// The times, ids and texts of the signed vectors, for `inputs.json`.
pub(crate) fn signed_inputs() -> serde_json::Value {
    signed::inputs()
}
