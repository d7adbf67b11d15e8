//! Building blocks of validation: where in the document a value is, and the rules that
//! several record types share (text lengths, list sizes, codes, extensions).
//!
//! Every limit here is also in `spec/metadata.schema.json`; the schema tests check that a
//! value one past a limit is refused by both.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use super::checks;
use crate::error::{Error, Result};

/// Longest name, label, serial number or other single-line text, in characters.
pub const MAX_NAME_CHARS: usize = 256;
/// Longest identifier-like text (document numbers, plates, versions, codec names), in
/// characters.
pub const MAX_CODE_CHARS: usize = 64;
/// Longest free text (notes, reasons, descriptions), in characters.
pub const MAX_NOTE_CHARS: usize = 4096;
/// Most vendor extension members in one object.
pub const MAX_EXTENSIONS: usize = 256;
/// Longest vendor extension member name, in characters (including `x-`).
pub const MAX_EXTENSION_KEY_CHARS: usize = 128;

/// A position in a JSON document, built on the stack while validation descends, and
/// turned into text (`conveyance.container_numbers[1]`) only when something is wrong.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Path<'a> {
    Root,
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    pub(crate) fn field(&'a self, name: &'a str) -> Path<'a> {
        Path::Field(self, name)
    }

    pub(crate) fn index(&'a self, index: usize) -> Path<'a> {
        Path::Index(self, index)
    }

    /// A `SCHEMA_VIOLATION` naming this position.
    pub(crate) fn error(&self, message: impl fmt::Display) -> Error {
        Error::schema(format!("{self}: {message}"))
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => f.write_str("(document)"),
            Path::Field(Path::Root, name) => f.write_str(name),
            Path::Field(parent, name) => write!(f, "{parent}.{name}"),
            Path::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

/// Non-empty text of at most `max` characters on one line: control characters (which
/// could rewrite a terminal or a log line when displayed) are refused.
pub(crate) fn line(path: &Path, text: &str, max: usize) -> Result<()> {
    characters(path, text, max, |c| c.is_control())
}

/// Non-empty text of at most `max` characters that may span lines: tab, line feed and
/// carriage return are allowed, other control characters are not.
pub(crate) fn note(path: &Path, text: &str, max: usize) -> Result<()> {
    characters(path, text, max, |c| {
        c.is_control() && !matches!(c, '\t' | '\n' | '\r')
    })
}

fn characters(path: &Path, text: &str, max: usize, forbidden: impl Fn(char) -> bool) -> Result<()> {
    if text.is_empty() {
        return Err(path.error("must not be empty"));
    }
    let mut count = 0usize;
    for c in text.chars() {
        count += 1;
        if count > max {
            return Err(path.error(format!("longer than {max} characters")));
        }
        if forbidden(c) {
            return Err(path.error(format!("contains the control character U+{:04X}", c as u32)));
        }
    }
    Ok(())
}

pub(crate) fn optional_line(path: &Path, text: Option<&String>, max: usize) -> Result<()> {
    text.map_or(Ok(()), |t| line(path, t, max))
}

pub(crate) fn optional_note(path: &Path, text: Option<&String>, max: usize) -> Result<()> {
    text.map_or(Ok(()), |t| note(path, t, max))
}

/// A list of at most `max` items, each checked by `item` at its own index.
pub(crate) fn list<T>(
    path: &Path,
    items: &[T],
    min: usize,
    max: usize,
    mut item: impl FnMut(&Path, &T) -> Result<()>,
) -> Result<()> {
    if items.len() > max {
        return Err(path.error(format!("more than {max} items")));
    }
    if items.len() < min {
        return Err(path.error(format!("fewer than {min} items")));
    }
    for (i, value) in items.iter().enumerate() {
        item(&path.index(i), value)?;
    }
    Ok(())
}

/// Fails if a list of codes names the same code twice (lists are at most a few thousand
/// items, so sorting a copy of references is cheap).
pub(crate) fn unique(path: &Path, items: &[String]) -> Result<()> {
    let mut sorted: Vec<&String> = items.iter().collect();
    sorted.sort_unstable();
    match sorted.windows(2).find(|pair| pair[0] == pair[1]) {
        Some(pair) => Err(path.error(format!("{:?} is listed twice", pair[0]))),
        None => Ok(()),
    }
}

pub(crate) fn uuid(path: &Path, text: &str) -> Result<()> {
    if checks::is_uuid(text) {
        Ok(())
    } else {
        Err(path.error(format!(
            "{:?} is not a UUID in lower-case canonical form",
            truncated(text)
        )))
    }
}

pub(crate) fn country(path: &Path, text: &str) -> Result<()> {
    if checks::is_country_code(text) {
        Ok(())
    } else {
        Err(path.error(format!(
            "{:?} is not an assigned ISO 3166-1 alpha-2 country code",
            truncated(text)
        )))
    }
}

pub(crate) fn hex(path: &Path, text: &str, len: usize) -> Result<()> {
    if checks::is_hex(text, len) {
        Ok(())
    } else {
        Err(path.error(format!(
            "{:?} is not {len} lower-case hexadecimal digits",
            truncated(text)
        )))
    }
}

/// A finite number in `min..=max`, with `min` itself excluded when `exclusive_min`.
pub(crate) fn number(
    path: &Path,
    value: f64,
    min: f64,
    exclusive_min: bool,
    max: f64,
) -> Result<()> {
    let above_min = if exclusive_min {
        value > min
    } else {
        value >= min
    };
    if value.is_finite() && above_min && value <= max {
        Ok(())
    } else {
        let low = if exclusive_min { "above" } else { "at least" };
        Err(path.error(format!(
            "{value} is not a number {low} {min} and at most {max}"
        )))
    }
}

/// Vendor extensions: every member name starts with `x-`. Because the record types gather
/// unknown members here, this is also where a misspelt or unknown field is refused.
pub(crate) fn extensions(path: &Path, extensions: &BTreeMap<String, Value>) -> Result<()> {
    if extensions.len() > MAX_EXTENSIONS {
        return Err(path.error(format!(
            "more than {MAX_EXTENSIONS} vendor extension members"
        )));
    }
    for key in extensions.keys() {
        let at = path.field(key);
        if !key.starts_with("x-") {
            return Err(at.error("unknown field (vendor extensions must start with \"x-\")"));
        }
        let chars = key.chars().count();
        if !(3..=MAX_EXTENSION_KEY_CHARS).contains(&chars) {
            return Err(at.error(format!(
                "a vendor extension name has 3 to {MAX_EXTENSION_KEY_CHARS} characters"
            )));
        }
    }
    Ok(())
}

/// Bounds what an error message quotes from the document.
fn truncated(text: &str) -> &str {
    match text.char_indices().nth(80) {
        Some((end, _)) => text.get(..end).unwrap_or(text),
        None => text,
    }
}

/// A lower-case token: a letter, then letters, digits or hyphens, at most 64 characters.
pub(crate) fn is_token(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() <= MAX_CODE_CHARS
        && bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes
            .iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}
