//! Annotation records (ANNO chunks): what was found where, by whom, and what physical
//! inspection showed (R7), in the manner of a DICOS threat detection report.

use base64::Engine;
use serde::{Deserialize, Serialize};

use super::json::present;
use super::rules::{self, Path, MAX_CODE_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS};
use super::{Extensions, Validate};
use crate::error::{Error, Result};
use crate::Timestamp;

/// Fewest vertices of a polygon.
const MIN_POLYGON_POINTS: usize = 3;
/// Most vertices of a polygon.
const MAX_POLYGON_POINTS: usize = 10_000;
/// Largest pixel coordinate (planes are at most `u32::MAX` pixels wide).
const MAX_COORDINATE: f64 = 4_294_967_295.0;

vocabulary! {
    /// What an annotation says is there (a controlled vocabulary shared by every agency, so
    /// that training sets from several countries can be merged).
    pub enum Category {
        /// Drugs and precursors.
        Narcotics = "narcotics",
        /// Firearms, their parts and other weapons.
        Weapons = "weapons",
        /// Explosives and detonators.
        Explosives = "explosives",
        /// Cash and bearer instruments.
        Currency = "currency",
        /// Cigarettes and other tobacco products.
        Tobacco = "tobacco",
        /// Alcoholic beverages.
        Alcohol = "alcohol",
        /// Medicines, including counterfeit ones.
        Pharmaceuticals = "pharmaceuticals",
        /// People (stowaways, smuggled persons).
        Persons = "persons",
        /// Cars, motorcycles and other vehicles.
        Vehicles = "vehicles",
        /// A modified structure hiding something: false walls, floors, roofs, fuel tanks.
        StructuralConcealment = "structural-concealment",
        /// Goods that are not on the declaration.
        UndeclaredGoods = "undeclared-goods",
        /// The conveyance, or the marked part of it, is empty.
        Empty = "empty",
        /// Anything else (say what in `label`).
        Other = "other",
    }
}

vocabulary! {
    /// Who made an annotation.
    pub enum AnnotationSource {
        /// An image analyst.
        Operator = "operator",
        /// An automatic detection algorithm (see `algorithm`).
        Algorithm = "algorithm",
        /// Established after the fact (physical inspection, a staged test load): the
        /// reference training sets are built from.
        GroundTruth = "ground-truth",
    }
}

vocabulary! {
    /// What physical inspection of the conveyance showed.
    pub enum InspectionResult {
        /// The annotated item was found.
        Confirmed = "confirmed",
        /// The conveyance was inspected and the item was not there.
        NotFound = "not-found",
        /// No physical inspection took place.
        NotInspected = "not-inspected",
    }
}

/// One annotation. Records are appended, never edited: a correction is a new record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Annotation {
    /// Identifies the record (UUID, lower-case canonical form); provenance events refer to
    /// it.
    pub id: String,
    /// Index of the plane the geometry is on, a `u16` like every plane index.
    pub plane: u16,
    /// Where, in the plane's pixel coordinates (x to the right, y down, origin at the
    /// top-left corner of the top-left pixel).
    pub geometry: Geometry,
    /// What is there.
    pub category: Category,
    /// Free label, for example the commodity (`cocaine`, `cigarettes, 10 000 cartons`).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub label: Option<String>,
    /// Confidence from 0 to 1.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub confidence: Option<f64>,
    /// Who made the annotation.
    pub source: AnnotationSource,
    /// The algorithm, required when `source` is `algorithm`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub algorithm: Option<AlgorithmInfo>,
    /// The outcome of physical inspection, if known.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub inspection: Option<InspectionOutcome>,
    /// When the record was made (RFC 3339 in UTC in the JSON).
    pub created: Timestamp,
    /// Vendor extensions (`x-` members).
    #[serde(flatten, serialize_with = "super::json::serialize_extensions")]
    pub extensions: Extensions,
}

/// A region of a plane, in pixel coordinates. JSON: an object whose `type` member is
/// `box`, `polygon` or `mask`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Geometry {
    /// An axis-aligned rectangle of whole pixels.
    #[serde(rename = "box")]
    BoundingBox {
        /// Left column.
        x: u32,
        /// Top row.
        y: u32,
        /// Width in pixels, at least 1.
        width: u32,
        /// Height in pixels, at least 1.
        height: u32,
    },
    /// A closed polygon, with sub-pixel vertices `[x, y]` (3 to 10 000 of them, each
    /// coordinate from 0 to 4294967295).
    Polygon {
        /// The vertices in order; the last connects back to the first.
        points: Vec<[f64; 2]>,
    },
    /// A bitmap of the pixels that belong to the region, within a rectangle.
    Mask {
        /// Left column of the rectangle.
        x: u32,
        /// Top row of the rectangle.
        y: u32,
        /// Width of the rectangle in pixels, at least 1.
        width: u32,
        /// Height of the rectangle in pixels, at least 1.
        height: u32,
        /// The bits, base64 (RFC 4648 section 4, with padding): one bit per pixel of the
        /// rectangle, row by row with no padding between rows, most significant bit first;
        /// 1 means inside. Exactly `ceil(width * height / 8)` bytes; unused bits of the last
        /// byte are 0.
        bits: String,
    },
}

/// The algorithm that made an annotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AlgorithmInfo {
    /// Its name.
    pub name: String,
    /// Its version (model weights included).
    pub version: String,
}

/// The outcome of physical inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct InspectionOutcome {
    /// What was found.
    pub result: InspectionResult,
    /// When (RFC 3339 in UTC in the JSON).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub time: Option<Timestamp>,
    /// What the inspectors reported.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub notes: Option<String>,
}

impl Annotation {
    /// A valid record: an algorithm's finding on plane 0 of
    /// [`super::ScanMetadata::example`], confirmed by inspection.
    pub fn example() -> Annotation {
        Annotation {
            id: "6f1d2c3b-8a9e-4f70-b1c2-d3e4f5a6b7c8".to_owned(),
            plane: 0,
            geometry: Geometry::BoundingBox {
                x: 1200,
                y: 310,
                width: 420,
                height: 180,
            },
            category: Category::Narcotics,
            label: Some("dense blocks behind the reefer evaporator panel".to_owned()),
            confidence: Some(0.87),
            source: AnnotationSource::Algorithm,
            algorithm: Some(AlgorithmInfo {
                name: "acme-anomaly".to_owned(),
                version: "2.3.0".to_owned(),
            }),
            inspection: Some(InspectionOutcome {
                result: InspectionResult::Confirmed,
                time: Some(Timestamp::from_unix_seconds(1_772_365_200)), // 11:40:00Z
                notes: Some("42 packages of cocaine, 50 kg in total.".to_owned()),
            }),
            created: Timestamp::parse("2026-03-01T08:16:02.350Z").expect("a valid time"),
            extensions: Extensions::new(),
        }
    }
}

impl Annotation {
    /// An operator's box around `rect` on `plane`, saying `category` is there: a fresh
    /// random id, created now (the system clock, to the second), no label, confidence,
    /// algorithm or inspection. Set those with the `with_` methods; set the id and time
    /// with [`Annotation::with_id`] and [`Annotation::with_created`] when the file must
    /// be reproducible.
    ///
    /// Fails nothing: check the result with [`Validate::validate`] (the writer and the
    /// editor do), which refuses an empty rectangle, and with
    /// [`Geometry::fits_within`] against the plane.
    ///
    /// ```
    /// use scanx::metadata::{Annotation, AnnotationSource, Category, Validate};
    /// use scanx::pixels::Rect;
    ///
    /// let rect = Rect { x: 1200, y: 310, width: 420, height: 180 };
    /// let finding = Annotation::new_box(0, Category::Narcotics, rect)
    ///     .with_label("dense blocks behind the evaporator panel")
    ///     .with_confidence(0.87)
    ///     .by_algorithm("acme-anomaly", "2.3.0");
    /// assert_eq!(finding.source, AnnotationSource::Algorithm);
    /// finding.validate()?;
    /// // Another call gives another id.
    /// assert_ne!(finding.id, Annotation::new_box(0, Category::Narcotics, rect).id);
    /// # Ok::<(), scanx::Error>(())
    /// ```
    pub fn new_box(plane: u16, category: Category, rect: crate::pixels::Rect) -> Annotation {
        Annotation::new(
            plane,
            Geometry::BoundingBox {
                x: rect.x,
                y: rect.y,
                width: rect.width,
                height: rect.height,
            },
            category,
        )
    }

    /// As [`Annotation::new_box`], with any geometry (a polygon, a mask). The plane, the
    /// geometry and the category are required: an annotation says what is where.
    pub fn new(plane: u16, geometry: Geometry, category: Category) -> Annotation {
        Annotation {
            id: uuid::Uuid::new_v4().to_string(),
            plane,
            geometry,
            category,
            label: None,
            confidence: None,
            source: AnnotationSource::Operator,
            algorithm: None,
            inspection: None,
            created: Timestamp::now(),
            extensions: Extensions::new(),
        }
    }

    /// Sets the id (a UUID in lower-case canonical form).
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Sets when the record was made.
    pub fn with_created(mut self, created: Timestamp) -> Self {
        self.created = created;
        self
    }

    /// Sets the free label.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets the confidence (0 to 1).
    pub fn with_confidence(mut self, confidence: f64) -> Self {
        self.confidence = Some(confidence);
        self
    }

    /// Sets who made the annotation (an operator by default).
    pub fn with_source(mut self, source: AnnotationSource) -> Self {
        self.source = source;
        self
    }

    /// Says an algorithm made the annotation: the source becomes
    /// [`AnnotationSource::Algorithm`] and the algorithm is named.
    pub fn by_algorithm(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.source = AnnotationSource::Algorithm;
        self.algorithm = Some(AlgorithmInfo::new(name, version));
        self
    }

    /// Records what physical inspection showed, and when if known.
    pub fn with_inspection(mut self, result: InspectionResult, time: Option<Timestamp>) -> Self {
        self.inspection = Some(InspectionOutcome {
            result,
            time,
            notes: None,
        });
        self
    }

    /// Records the outcome of physical inspection, with the inspectors' notes if any.
    pub fn with_inspection_outcome(mut self, outcome: InspectionOutcome) -> Self {
        self.inspection = Some(outcome);
        self
    }

    /// Adds a vendor extension (its name must start with `x-`).
    pub fn with_extension(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.extensions.insert(name.into(), value);
        self
    }
}

impl AlgorithmInfo {
    /// The algorithm `name` at `version` (model weights included): both are required, as a
    /// finding can only be weighed, or reproduced, knowing exactly what made it.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> AlgorithmInfo {
        AlgorithmInfo {
            name: name.into(),
            version: version.into(),
        }
    }
}

impl InspectionOutcome {
    /// What physical inspection showed; the result is all the schema requires. Set when
    /// and what the inspectors reported with [`InspectionOutcome::with_time`] and
    /// [`InspectionOutcome::with_notes`].
    ///
    /// ```
    /// use scanx::metadata::{Annotation, InspectionOutcome, InspectionResult, Validate};
    ///
    /// let outcome = InspectionOutcome::new(InspectionResult::Confirmed)
    ///     .with_time("2026-03-01T11:40:00Z".parse()?)
    ///     .with_notes("42 packages of cocaine, 50 kg in total.");
    /// let annotation = Annotation::example().with_inspection_outcome(outcome);
    /// annotation.validate()?;
    /// # Ok::<(), scanx::Error>(())
    /// ```
    pub fn new(result: InspectionResult) -> InspectionOutcome {
        InspectionOutcome {
            result,
            time: None,
            notes: None,
        }
    }

    /// Sets when the inspection took place.
    pub fn with_time(mut self, time: Timestamp) -> Self {
        self.time = Some(time);
        self
    }

    /// Sets what the inspectors reported.
    pub fn with_notes(mut self, notes: impl Into<String>) -> Self {
        self.notes = Some(notes.into());
        self
    }
}

impl Geometry {
    /// A mask geometry from packed bits (see [`Geometry::Mask`] for the bit order).
    ///
    /// Fails with `INVALID_ARGUMENT` if `packed` is not `ceil(width * height / 8)` bytes or
    /// sets a bit past the last pixel.
    pub fn mask_from_bits(
        x: u32,
        y: u32,
        width: u32,
        height: u32,
        packed: &[u8],
    ) -> Result<Geometry> {
        let geometry = Geometry::Mask {
            x,
            y,
            width,
            height,
            bits: base64::engine::general_purpose::STANDARD.encode(packed),
        };
        geometry
            .check(&Path::Root)
            .map_err(|e| Error::invalid_argument(e.message().to_owned()))?;
        Ok(geometry)
    }

    /// The packed bits of a mask geometry (`None` for other geometries), checked as
    /// [`Validate`] checks them.
    pub fn mask_bits(&self) -> Result<Option<Vec<u8>>> {
        match self {
            Geometry::Mask {
                width,
                height,
                bits,
                ..
            } => decode_mask(&Path::Root.field("bits"), *width, *height, bits).map(Some),
            _ => Ok(None),
        }
    }

    /// True if the whole geometry lies within a plane of `width` x `height` pixels.
    pub fn fits_within(&self, plane_width: u32, plane_height: u32) -> bool {
        let (w, h) = (u64::from(plane_width), u64::from(plane_height));
        match self {
            Geometry::BoundingBox {
                x,
                y,
                width,
                height,
            }
            | Geometry::Mask {
                x,
                y,
                width,
                height,
                ..
            } => u64::from(*x) + u64::from(*width) <= w && u64::from(*y) + u64::from(*height) <= h,
            Geometry::Polygon { points } => points.iter().all(|&[px, py]| {
                (0.0..=f64::from(plane_width)).contains(&px)
                    && (0.0..=f64::from(plane_height)).contains(&py)
            }),
        }
    }

    fn check(&self, path: &Path) -> Result<()> {
        match self {
            Geometry::BoundingBox { width, height, .. } => positive_size(path, *width, *height),
            Geometry::Polygon { points } => rules::list(
                &path.field("points"),
                points,
                MIN_POLYGON_POINTS,
                MAX_POLYGON_POINTS,
                |p, &[x, y]| {
                    rules::number(&p.index(0), x, 0.0, false, MAX_COORDINATE)?;
                    rules::number(&p.index(1), y, 0.0, false, MAX_COORDINATE)
                },
            ),
            Geometry::Mask {
                width,
                height,
                bits,
                ..
            } => {
                positive_size(path, *width, *height)?;
                decode_mask(&path.field("bits"), *width, *height, bits).map(|_| ())
            }
        }
    }
}

fn positive_size(path: &Path, width: u32, height: u32) -> Result<()> {
    if width == 0 {
        return Err(path.field("width").error("must be at least 1"));
    }
    if height == 0 {
        return Err(path.field("height").error("must be at least 1"));
    }
    Ok(())
}

/// Decodes the bits of a mask after checking, from the text length alone, that they have
/// the size the rectangle needs, so a wrong mask costs nothing to refuse.
fn decode_mask(path: &Path, width: u32, height: u32, bits: &str) -> Result<Vec<u8>> {
    let pixels = u64::from(width) * u64::from(height);
    let bytes = pixels.div_ceil(8);
    let encoded_len = bytes.div_ceil(3) * 4;
    if u64::try_from(bits.len()).ok() != Some(encoded_len) {
        return Err(path.error(format!(
            "{} base64 characters, expected {encoded_len} for {width} x {height} pixels",
            bits.len()
        )));
    }
    let packed = base64::engine::general_purpose::STANDARD
        .decode(bits)
        .map_err(|e| path.error(format!("not canonical base64: {e}")))?;
    // The length check above fixes the decoded size up to padding; check it exactly.
    if u64::try_from(packed.len()).ok() != Some(bytes) {
        return Err(path.error(format!("{} bytes, expected {bytes}", packed.len())));
    }
    let used_bits_in_last = pixels % 8;
    if used_bits_in_last != 0 {
        let unused_mask = 0xFFu8 >> used_bits_in_last;
        if packed.last().is_some_and(|&last| last & unused_mask != 0) {
            return Err(path.error("bits past the last pixel must be 0"));
        }
    }
    Ok(packed)
}

impl Validate for Annotation {
    fn validate(&self) -> Result<()> {
        let root = Path::Root;
        rules::uuid(&root.field("id"), &self.id)?;
        // `plane` is a u16: JSON above 65535 is refused when it is parsed.
        self.geometry.check(&root.field("geometry"))?;
        rules::optional_line(&root.field("label"), self.label.as_ref(), MAX_NAME_CHARS)?;
        if let Some(confidence) = self.confidence {
            rules::number(&root.field("confidence"), confidence, 0.0, false, 1.0)?;
        }
        match (&self.algorithm, self.source) {
            (Some(algorithm), _) => {
                let at = root.field("algorithm");
                rules::line(&at.field("name"), &algorithm.name, MAX_NAME_CHARS)?;
                rules::line(&at.field("version"), &algorithm.version, MAX_CODE_CHARS)?;
            }
            (None, AnnotationSource::Algorithm) => {
                return Err(root
                    .field("algorithm")
                    .error("required when source is \"algorithm\""));
            }
            (None, _) => {}
        }
        if let Some(inspection) = &self.inspection {
            let at = root.field("inspection");
            rules::optional_note(
                &at.field("notes"),
                inspection.notes.as_ref(),
                MAX_NOTE_CHARS,
            )?;
        }
        rules::extensions(&root, &self.extensions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_are_sized_and_padded_exactly() {
        // 3 x 3 pixels: 9 bits, 2 bytes, the last holding one used bit.
        let geometry = Geometry::mask_from_bits(10, 20, 3, 3, &[0b1010_1010, 0b1000_0000]);
        let geometry = geometry.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            geometry.mask_bits().ok().flatten(),
            Some(vec![0b1010_1010, 0b1000_0000])
        );
        assert!(geometry.fits_within(13, 23) && !geometry.fits_within(12, 23));
        let padding_set = Geometry::mask_from_bits(10, 20, 3, 3, &[0, 0b0100_0000]);
        assert!(padding_set.is_err());
        let too_short = Geometry::mask_from_bits(10, 20, 3, 3, &[0]);
        assert!(too_short.is_err());
        let too_long = Geometry::mask_from_bits(10, 20, 3, 3, &[0, 0, 0]);
        assert!(too_long.is_err());
        // The right number of characters, but with non-zero trailing bits in the last
        // base64 character: a second spelling of the same bytes, refused.
        let non_canonical = Geometry::Mask {
            x: 0,
            y: 0,
            width: 3,
            height: 3,
            bits: "AAB=".to_owned(),
        };
        assert!(non_canonical.mask_bits().is_err());
        // A huge rectangle is refused from its length alone.
        let huge = Geometry::Mask {
            x: 0,
            y: 0,
            width: u32::MAX,
            height: u32::MAX,
            bits: "AA==".to_owned(),
        };
        assert!(huge.mask_bits().is_err());
    }
}
