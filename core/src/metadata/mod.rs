//! Scan metadata, personal data, plane attributes, annotations and provenance events: the
//! JSON payloads of the META, PERS, PLAN, ANNO and EVNT chunks.
//!
//! Each record type matches one definition of `spec/metadata.schema.json` (JSON Schema
//! draft 2020-12): [`ScanMetadata`] is the schema's root, the others are its `$defs`
//! `personal`, `plane`, `annotation` and `event`. The schema describes shapes; the rules
//! JSON Schema cannot express (check digits, calendar dates, the list of assigned country
//! codes inside a UN/LOCODE, mask sizes) are enforced by [`Validate`] and listed in the
//! schema's descriptions.
//!
//! [`from_json`] reads a payload (size, UTF-8, JSON, shape, then validation, each with its
//! own error kind) and [`to_json`] writes the canonical form.
//!
//! Unknown members are errors, except vendor extensions: members whose names start with
//! `x-`, at the top level of each record. They are kept in the record's `extensions` map and
//! written back unchanged, so a file rewritten by a program that does not know them keeps
//! them.
//!
//! ```
//! use scanx::metadata::{from_json, to_json, ScanMetadata};
//!
//! let meta = ScanMetadata::example();
//! let bytes = to_json(&meta);
//! let back: ScanMetadata = from_json(&bytes, 1 << 20)?;
//! assert_eq!(back, meta);
//! assert_eq!(back.conveyance.container_numbers, ["CSQU3054383"]);
//! # Ok::<(), scanx::Error>(())
//! ```

/// Defines a closed vocabulary: a fieldless enum whose JSON form is a fixed string, with
/// `name()`, `ALL` (so tests can compare it with the schema's `enum`) and `Display`.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$variant_meta])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every value, in the order of the schema's `enum`.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The JSON string.
            pub fn name(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

mod annotation;
pub mod checks;
mod countries;
mod event;
mod json;
mod personal;
mod plane;
mod rules;
mod scan;

pub use annotation::{
    AlgorithmInfo, Annotation, AnnotationSource, Category, Geometry, InspectionOutcome,
    InspectionResult,
};
pub use event::{Action, Actor, DeriveOperation, Event, RemovedChunk};
pub use json::{from_json, to_json};
pub use personal::PersonalData;
pub use plane::{Channel, DisplayWindow, PlaneAttributes};
pub use rules::{
    MAX_CODE_CHARS, MAX_EXTENSIONS, MAX_EXTENSION_KEY_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS,
};
pub use scan::{
    Agency, Conveyance, ConveyanceKind, Declaration, ScanDirection, ScanMetadata, Scanner, Site,
    SourcePosition, SourceType, View, ViewGeometry,
};

use crate::error::Result;

/// Vendor extensions of a record: members whose names start with `x-`, with any JSON value.
pub type Extensions = std::collections::BTreeMap<String, serde_json::Value>;

/// The rules of a record that its JSON shape alone does not enforce.
pub trait Validate {
    /// Checks every rule; the first broken one is reported as `SCHEMA_VIOLATION` with a
    /// message that starts with the JSON path of the faulty value, for example
    /// `conveyance.container_numbers[0]: check digit is 4, expected 3`.
    fn validate(&self) -> Result<()>;
}

#[cfg(test)]
mod tests;
