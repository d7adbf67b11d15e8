//! Sample types: how one pixel value is stored.

use crate::error::{Error, ErrorKind, Result};

/// The type of one sample of a plane. Samples are stored little-endian.
///
/// The numeric value is the id written in the PLAN chunk.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SampleType {
    /// Unsigned 8-bit integer (photos, masks).
    U8 = 1,
    /// Unsigned 16-bit integer (the usual detector output).
    U16 = 2,
    /// Unsigned 32-bit integer.
    U32 = 3,
    /// IEEE-754 binary32 (derived quantities such as Z-effective or density).
    F32 = 4,
}

impl SampleType {
    /// Every sample type, in id order.
    pub const ALL: &'static [SampleType] = &[
        SampleType::U8,
        SampleType::U16,
        SampleType::U32,
        SampleType::F32,
    ];

    /// The id stored in the file.
    pub fn id(self) -> u8 {
        self as u8
    }

    /// The sample type with this id; `UNSUPPORTED_SAMPLE_TYPE` for any other value.
    pub fn from_id(id: u8) -> Result<Self> {
        SampleType::ALL
            .iter()
            .copied()
            .find(|t| t.id() == id)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::UnsupportedSampleType,
                    format!("sample type id {id} is not supported"),
                )
            })
    }

    /// The size of one sample in bytes.
    pub fn bytes_per_sample(self) -> usize {
        match self {
            SampleType::U8 => 1,
            SampleType::U16 => 2,
            SampleType::U32 | SampleType::F32 => 4,
        }
    }

    /// The name used in metadata, the command line and the bindings: `u8`, `u16`, `u32`, `f32`.
    pub fn name(self) -> &'static str {
        match self {
            SampleType::U8 => "u8",
            SampleType::U16 => "u16",
            SampleType::U32 => "u32",
            SampleType::F32 => "f32",
        }
    }

    /// The sample type with this name; `INVALID_ARGUMENT` for any other string.
    pub fn from_name(name: &str) -> Result<Self> {
        SampleType::ALL
            .iter()
            .copied()
            .find(|t| t.name() == name)
            .ok_or_else(|| Error::invalid_argument(format!("unknown sample type {name:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_round_trip() {
        for &t in SampleType::ALL {
            assert_eq!(SampleType::from_id(t.id()).ok(), Some(t));
            assert_eq!(SampleType::from_name(t.name()).ok(), Some(t));
        }
        assert_eq!(SampleType::U16.bytes_per_sample(), 2);
        assert_eq!(SampleType::F32.bytes_per_sample(), 4);
    }

    #[test]
    fn unknown_ids_and_names_are_rejected() {
        for id in [0u8, 5, 200, 255] {
            let err = SampleType::from_id(id).err().map(|e| e.kind());
            assert_eq!(err, Some(ErrorKind::UnsupportedSampleType));
        }
        for name in ["", "U16", "i16", "f64"] {
            let err = SampleType::from_name(name).err().map(|e| e.kind());
            assert_eq!(err, Some(ErrorKind::InvalidArgument));
        }
    }
}
