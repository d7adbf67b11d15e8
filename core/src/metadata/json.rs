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
/// 3. it is one I-JSON value (`INVALID_JSON`): every number's text at most
///    [`MAX_NUMBER_CHARS`] characters and its value a finite binary64, no escaped lone
///    surrogate, and no object naming a member twice, names compared after unescaping (a
///    duplicate would let two readers see different values behind the same signed bytes);
/// 4. its shape matches `T`: members, types, vocabularies (`SCHEMA_VIOLATION`);
/// 5. [`Validate::validate`]: codes, check digits, lengths and ranges (`SCHEMA_VIOLATION`).
///
/// Arrays and objects nested more than [`MAX_NESTING`] levels deep (the outermost value
/// is level 1; a scalar is no level) are refused as invalid JSON, so a hostile payload
/// cannot exhaust the stack.
pub fn from_json<T: DeserializeOwned + Validate>(bytes: &[u8], max_bytes: u64) -> Result<T> {
    let length = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    Limits::check("JSON payload bytes", length, max_bytes)?;
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::new(
            ErrorKind::InvalidUtf8,
            format!("JSON payload is not UTF-8: {e}"),
        )
    })?;
    check_lexical_limits(text)?;
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

/// The most characters the text of one JSON number may have, sign, fraction and exponent
/// included. Enough for every binary64 value in its shortest round-trip form (at most 24)
/// and every 64-bit integer (at most 20), and short enough that a reader never has to
/// convert a thousand-digit number, which readers round differently.
pub const MAX_NUMBER_CHARS: usize = 64;

/// The deepest nesting of arrays and objects in a payload: the outermost value is level 1.
pub const MAX_NESTING: usize = 127;

/// Fails on the first number whose text is longer than [`MAX_NUMBER_CHARS`], or the first
/// array or object nested deeper than [`MAX_NESTING`]. A lexical pass over the text (whether
/// it is well-formed JSON is the parser's question, asked next): outside strings, a number
/// is a maximal run of `-`, `+`, `.`, digits, `e` and `E` beginning with `-` or a digit.
fn check_lexical_limits(text: &str) -> Result<()> {
    let invalid = |message: String| Err(Error::new(ErrorKind::InvalidJson, message));
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < bytes.len()
                    && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                if i - start > MAX_NUMBER_CHARS {
                    return invalid(format!(
                        "a number of {} characters at byte {start}; at most {MAX_NUMBER_CHARS} are allowed",
                        i - start
                    ));
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return invalid(format!(
                        "arrays and objects nested more than {MAX_NESTING} levels deep at byte {i}"
                    ));
                }
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Any JSON value, validated by nothing beyond the JSON rules.
    #[derive(Deserialize)]
    struct Any(#[allow(dead_code)] Value);

    impl Validate for Any {
        fn validate(&self) -> Result<()> {
            Ok(())
        }
    }

    fn kind(text: &str) -> Option<ErrorKind> {
        from_json::<Any>(text.as_bytes(), 1 << 20)
            .err()
            .map(|e| e.kind())
    }

    #[test]
    fn numbers_are_finite_binary64_of_bounded_text() {
        for ok in [
            "0",
            "-0",
            "1e308",
            "1.7976931348623157e308",
            "1e-400",
            "-2.2250738585072014e-308",
        ] {
            assert_eq!(kind(ok), None, "{ok}");
        }
        let at_limit = format!("1.{}", "0".repeat(MAX_NUMBER_CHARS - 2));
        assert_eq!(kind(&at_limit), None);
        assert_eq!(kind(&format!("[{at_limit}]")), None);
        let past = format!("1.{}", "0".repeat(MAX_NUMBER_CHARS - 1));
        let thousand = format!("1{}", "0".repeat(999));
        for bad in [
            "1e400",
            "-1e400",
            "1.8e308",
            past.as_str(),
            thousand.as_str(),
        ] {
            assert_eq!(kind(bad), Some(ErrorKind::InvalidJson), "{bad}");
            assert_eq!(
                kind(&format!("{{\"x\":[{bad}]}}")),
                Some(ErrorKind::InvalidJson)
            );
        }
        // Digits inside a string are no number.
        assert_eq!(kind(&format!("\"{thousand}\"")), None);
        assert_eq!(kind(&format!("\"\\\"{thousand}\"")), None);
    }

    #[test]
    fn lone_surrogates_and_escaped_duplicates_are_invalid() {
        for bad in [
            r#""\ud800""#,
            r#""\udc00""#,
            r#""\ud800\u0041""#,
            r#"{"\ud800":1}"#,
        ] {
            assert_eq!(kind(bad), Some(ErrorKind::InvalidJson), "{bad}");
        }
        assert_eq!(kind(r#""\ud83d\ude00""#), None);
        assert_eq!(kind(r#"{"a":1,"\u0061":2}"#), Some(ErrorKind::InvalidJson));
        assert_eq!(kind(r#"{"\u00e9":1,"\u0065\u0301":2}"#), None);
    }

    #[test]
    fn nesting_stops_at_its_limit() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(kind(&nested(MAX_NESTING)), None);
        assert_eq!(kind(&nested(MAX_NESTING + 1)), Some(ErrorKind::InvalidJson));
        // A scalar inside the deepest array is no level of its own.
        let with_scalar = format!("{}1{}", "[".repeat(MAX_NESTING), "]".repeat(MAX_NESTING));
        assert_eq!(kind(&with_scalar), None);
        let objects = format!(
            "{}1{}",
            "{\"a\":".repeat(MAX_NESTING),
            "}".repeat(MAX_NESTING)
        );
        assert_eq!(kind(&objects), None);
        let objects = format!(
            "{}1{}",
            "{\"a\":".repeat(MAX_NESTING + 1),
            "}".repeat(MAX_NESTING + 1)
        );
        assert_eq!(kind(&objects), Some(ErrorKind::InvalidJson));
    }
}
