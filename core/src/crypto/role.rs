//! Roles in which a key may sign.

use crate::error::{Error, ErrorKind, Result};

/// What a signer vouches for. Stored as one byte in a signature record, as a lower-case
/// name in JSON (trust store, events, reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Role {
    /// The scanner that captured the image.
    Scanner = 1,
    /// A customs agency that exports, redacts or transfers the file.
    Agency = 2,
    /// The receiving agency countersigning what it received.
    Recipient = 3,
    /// An analyst or algorithm adding annotations.
    Analyst = 4,
}

impl Role {
    /// Every role, in id order.
    pub const ALL: [Role; 4] = [Role::Scanner, Role::Agency, Role::Recipient, Role::Analyst];

    /// The byte stored in a signature record.
    pub fn id(self) -> u8 {
        self as u8
    }

    /// Parses the byte of a signature record.
    pub fn from_id(id: u8) -> Result<Self> {
        Role::ALL
            .into_iter()
            .find(|r| r.id() == id)
            .ok_or_else(|| Error::new(ErrorKind::MalformedChunk, format!("unknown role id {id}")))
    }

    /// The JSON name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Scanner => "scanner",
            Role::Agency => "agency",
            Role::Recipient => "recipient",
            Role::Analyst => "analyst",
        }
    }

    /// Parses a JSON name.
    pub fn from_name(name: &str) -> Result<Self> {
        Role::ALL
            .into_iter()
            .find(|r| r.name() == name)
            .ok_or_else(|| {
                Error::invalid_argument(format!(
                    "unknown role {name:?} (expected scanner, agency, recipient or analyst)"
                ))
            })
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Role::from_name(&s).map_err(serde::de::Error::custom)
    }
}
