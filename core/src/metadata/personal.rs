//! The personal-data record (PERS chunk).

use serde::{Deserialize, Serialize};

use super::json::present;
use super::rules::{self, Path, MAX_CODE_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS};
use super::{Extensions, Validate};
use crate::error::Result;

/// Most registration plates in one record (tractor, trailers, escort vehicles).
const MAX_PLATES: usize = 16;
/// Most operator names in one record.
const MAX_OPERATORS: usize = 64;

/// Everything about people in a scan, kept in its own chunk so that an agency can remove it
/// before sharing while every signature still verifies the rest (R6). Cab photographs are
/// not here: they are image planes flagged as personal.
///
/// Every member is optional: start from [`PersonalData::new`] (or `Default`, the same
/// empty record) and set what is known with the `with_` methods or the public fields.
///
/// ```
/// use scanx::metadata::{PersonalData, Validate};
///
/// let personal = PersonalData::new()
///     .with_registration_plate("1-ABC-234")
///     .with_driver_name("Jan Peeters");
/// personal.validate()?;
/// # Ok::<(), scanx::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PersonalData {
    /// Registration plates of the vehicles, as read (at most 64 characters each).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registration_plates: Vec<String>,
    /// The driver's name.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub driver_name: Option<String>,
    /// Names of the scanner operators and image analysts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operator_names: Vec<String>,
    /// The driver's identity document (kind and number).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub driver_document: Option<String>,
    /// Free notes that may name or describe people.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub notes: Option<String>,
    /// Vendor extensions (`x-` members).
    #[serde(flatten, serialize_with = "super::json::serialize_extensions")]
    pub extensions: Extensions,
}

impl PersonalData {
    /// An empty record: no member is required, so nothing is asked for; an empty record
    /// is valid (and written as `{}`).
    pub fn new() -> PersonalData {
        PersonalData::default()
    }

    /// Adds a registration plate, as read.
    pub fn with_registration_plate(mut self, plate: impl Into<String>) -> Self {
        self.registration_plates.push(plate.into());
        self
    }

    /// Sets the driver's name.
    pub fn with_driver_name(mut self, name: impl Into<String>) -> Self {
        self.driver_name = Some(name.into());
        self
    }

    /// Adds the name of a scanner operator or image analyst.
    pub fn with_operator_name(mut self, name: impl Into<String>) -> Self {
        self.operator_names.push(name.into());
        self
    }

    /// Sets the driver's identity document (kind and number).
    pub fn with_driver_document(mut self, document: impl Into<String>) -> Self {
        self.driver_document = Some(document.into());
        self
    }

    /// Sets the free notes.
    pub fn with_notes(mut self, notes: impl Into<String>) -> Self {
        self.notes = Some(notes.into());
        self
    }

    /// Adds a vendor extension (its name must start with `x-`).
    pub fn with_extension(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.extensions.insert(name.into(), value);
        self
    }

    /// A valid record for the truck of [`super::ScanMetadata::example`].
    pub fn example() -> PersonalData {
        PersonalData {
            registration_plates: vec!["1-ABC-123".to_owned(), "Q-AZE-987".to_owned()],
            driver_name: Some("Jan Peeters".to_owned()),
            operator_names: vec!["An Janssens".to_owned()],
            driver_document: Some("BE passport EH123456".to_owned()),
            notes: Some("Driver stated the reefer unit was serviced in Santos.".to_owned()),
            extensions: Extensions::new(),
        }
    }
}

impl Validate for PersonalData {
    fn validate(&self) -> Result<()> {
        let root = Path::Root;
        rules::list(
            &root.field("registration_plates"),
            &self.registration_plates,
            0,
            MAX_PLATES,
            |p, plate| rules::line(p, plate, MAX_CODE_CHARS),
        )?;
        rules::optional_line(
            &root.field("driver_name"),
            self.driver_name.as_ref(),
            MAX_NAME_CHARS,
        )?;
        rules::list(
            &root.field("operator_names"),
            &self.operator_names,
            0,
            MAX_OPERATORS,
            |p, name| rules::line(p, name, MAX_NAME_CHARS),
        )?;
        rules::optional_line(
            &root.field("driver_document"),
            self.driver_document.as_ref(),
            MAX_NAME_CHARS,
        )?;
        rules::optional_note(&root.field("notes"), self.notes.as_ref(), MAX_NOTE_CHARS)?;
        rules::extensions(&root, &self.extensions)
    }
}
