//! Interim metadata shapes; the full module replaces this file.
#![allow(missing_docs, missing_debug_implementations)]
use crate::error::{Error, ErrorKind, Result};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

pub trait Validate {
    fn validate(&self) -> Result<()>;
}
pub fn from_json<T: DeserializeOwned + Validate>(bytes: &[u8], max_bytes: u64) -> Result<T> {
    if bytes.len() as u64 > max_bytes {
        return Err(Error::limit("json", bytes.len() as u64, max_bytes));
    }
    let s = std::str::from_utf8(bytes)
        .map_err(|e| Error::new(ErrorKind::InvalidUtf8, e.to_string()))?;
    let v: T =
        serde_json::from_str(s).map_err(|e| Error::new(ErrorKind::InvalidJson, e.to_string()))?;
    v.validate()?;
    Ok(v)
}
pub fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}
macro_rules! opaque { ($($n:ident),*) => { $(
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
    pub struct $n(pub serde_json::Value);
    impl Validate for $n { fn validate(&self) -> Result<()> { Ok(()) } }
)* } }
opaque!(ScanMetadata, PersonalData, PlaneAttributes);
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    pub plane: u32,
}
impl Validate for Annotation {
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Actor {
    pub key_id: String,
}
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    pub time: String,
    pub actor: Actor,
    #[serde(flatten)]
    pub action: Action,
    #[serde(flatten)]
    pub extensions: std::collections::BTreeMap<String, serde_json::Value>,
}
impl Validate for Event {
    fn validate(&self) -> Result<()> {
        Ok(())
    }
}
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Action {
    Capture {},
    Redact {
        reason: String,
        removed: Vec<RemovedChunk>,
    },
}
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemovedChunk {
    pub generation: u32,
    pub entry: u32,
    pub chunk: String,
    pub digest: String,
    pub plane: Option<u32>,
    pub col: Option<u32>,
    pub row: Option<u32>,
}

impl ScanMetadata {
    pub fn example() -> Self {
        Self(serde_json::json!({"scan_id": "x"}))
    }
}
impl PlaneAttributes {
    pub fn example_high_energy() -> Self {
        Self(serde_json::json!({"name": "he"}))
    }
    pub fn example_low_energy() -> Self {
        Self(serde_json::json!({"name": "le"}))
    }
}
impl PersonalData {
    pub fn example() -> Self {
        Self(serde_json::json!({"driver_name": "x"}))
    }
}
