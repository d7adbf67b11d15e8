//! Reading and writing the JSON payloads of the META, PERS, PLAN, ANNO and EVNT chunks.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{self, DeserializeOwned, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::Validate;
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;

/// Parses and validates one JSON payload.
///
/// The checks run in this order, each with its own error kind, so that the cheap ones
/// protect the expensive ones:
///
/// 1. the payload is at most `max_bytes` long (`LIMIT_EXCEEDED`), checked before anything
///    is parsed;
/// 2. it is UTF-8 (`INVALID_UTF8`);
/// 3. it is one JSON value with no object naming a member twice (`INVALID_JSON`): a
///    duplicate would let two readers see different values behind the same signed bytes;
/// 4. its shape matches `T`: members, types, vocabularies (`SCHEMA_VIOLATION`);
/// 5. [`Validate::validate`]: codes, check digits, lengths and ranges (`SCHEMA_VIOLATION`).
///
/// Nesting deeper than 128 levels is refused as invalid JSON, so a hostile payload cannot
/// exhaust the stack.
pub fn from_json<T: DeserializeOwned + Validate>(bytes: &[u8], max_bytes: u64) -> Result<T> {
    let length = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    Limits::check("JSON payload bytes", length, max_bytes)?;
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::new(
            ErrorKind::InvalidUtf8,
            format!("JSON payload is not UTF-8: {e}"),
        )
    })?;
    reject_duplicate_members(text)?;
    let value: T = serde_json::from_str(text).map_err(|e| {
        if e.is_data() {
            Error::schema(e.to_string())
        } else {
            Error::new(ErrorKind::InvalidJson, e.to_string())
        }
    })?;
    value.validate()?;
    Ok(value)
}

/// Serializes a value in canonical form: compact (no whitespace), members of a record in
/// the order of the schema's `properties`, then vendor extensions sorted by name, and the
/// members of any object inside an extension sorted by name too. The same value always
/// gives the same bytes, which test vectors and reproducible files rely on (R14).
///
/// Numbers are written in their shortest form that reads back to the same value. A
/// non-finite number cannot be written in JSON and comes out as `null`, which
/// [`from_json`] then refuses: validate a value before writing it.
///
/// # Panics
///
/// Only if `T`'s `Serialize` implementation reports an error, which none of the types of
/// this module (nor `serde_json::Value`) ever does.
pub fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    match serde_json::to_vec(value) {
        Ok(bytes) => bytes,
        // Writing into a Vec cannot fail; only a Serialize implementation that rejects its
        // own value (a map keyed by something other than strings, say) ends here.
        Err(e) => panic!("value cannot be serialized as JSON: {e}"),
    }
}

/// Walks the whole document once, keeping only the member names of the object being read,
/// and fails on the first name given twice.
fn reject_duplicate_members(text: &str) -> Result<()> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    UniqueMembers::deserialize(&mut deserializer)
        .and_then(|_| deserializer.end())
        .map_err(|e| Error::new(ErrorKind::InvalidJson, e.to_string()))
}

/// Any JSON value whose objects have unique member names.
struct UniqueMembers;

impl<'de> Deserialize<'de> for UniqueMembers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueMembersVisitor)
    }
}

struct UniqueMembersVisitor;

impl<'de> Visitor<'de> for UniqueMembersVisitor {
    type Value = UniqueMembers;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers)
    }

    fn visit_unit<E: de::Error>(self) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueMembers, A::Error> {
        while seq.next_element::<UniqueMembers>()?.is_some() {}
        Ok(UniqueMembers)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueMembers, A::Error> {
        // A BTreeSet, not a hash set: its cost cannot be driven up by chosen names.
        let mut names = BTreeSet::new();
        while let Some(name) = map.next_key::<String>()? {
            map.next_value::<UniqueMembers>()?;
            if let Some(name) = names.replace(name) {
                let shown: String = name.chars().take(80).collect();
                return Err(de::Error::custom(format!(
                    "member {shown:?} appears twice in one object"
                )));
            }
        }
        Ok(UniqueMembers)
    }
}

/// `serialize_with` for the flattened `extensions` map of every record type: writes each
/// extension value with object members sorted by name, whatever order the in-memory map
/// keeps (serde_json's `preserve_order` feature, if some dependency turns it on, would
/// otherwise make the output depend on the order of the input).
pub(crate) fn serialize_extensions<S: Serializer>(
    extensions: &BTreeMap<String, Value>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(extensions.len()))?;
    for (name, value) in extensions {
        map.serialize_entry(name, &Sorted(value))?;
    }
    map.end()
}

/// A JSON value serialized with the members of every object in name order.
struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(object) => {
                let mut members: Vec<(&String, &Value)> = object.iter().collect();
                members.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (name, value) in members {
                    map.serialize_entry(name, &Sorted(value))?;
                }
                map.end()
            }
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Sorted(item))?;
                }
                seq.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// Deserializes an optional member that, when present, must not be `null`: absence is the
/// only spelling of "none", as in the schema.
pub(crate) fn present<'de, D, T>(deserializer: D) -> std::result::Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}
