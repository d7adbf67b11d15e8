//! The scan metadata record (META chunk) and its parts.

use serde::{Deserialize, Serialize};

use super::json::present;
use super::rules::{self, Path, MAX_CODE_CHARS, MAX_NAME_CHARS};
use super::{checks, Extensions, Validate};
use crate::error::Result;
use crate::Timestamp;

/// Most container numbers in one scan (a train of double-stacked wagons stays below).
const MAX_CONTAINERS: usize = 256;
/// Most wagon numbers in one scan.
const MAX_WAGONS: usize = 256;
/// Most HS codes in one declaration reference (customs declarations have at most 999 items).
const MAX_HS_CODES: usize = 999;
/// Most beam energies of one scanner.
const MAX_ENERGIES: usize = 8;
/// Most view geometries in one scan.
const MAX_VIEWS: usize = 16;
/// Highest beam energy accepted, in MeV (cargo linacs and betatrons stay well below).
const MAX_ENERGY_MEV: f64 = 20.0;

/// What was scanned, where, when, by whom and with what (R5). Holds no personal data:
/// registration plates and names belong in [`super::PersonalData`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScanMetadata {
    /// Identifies the scan (not the file: a scan exported twice keeps its id). A UUID in
    /// lower-case canonical form.
    pub scan_id: String,
    /// When the scan was taken (RFC 3339 in UTC, ending in `Z`, in the JSON).
    pub time: Timestamp,
    /// Where the scanner stands.
    pub site: Site,
    /// The customs administration that operates the scanner.
    pub agency: Agency,
    /// The scanner.
    pub scanner: Scanner,
    /// What was scanned.
    pub conveyance: Conveyance,
    /// References to the customs declaration and transport document, if known.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub declaration: Option<Declaration>,
    /// How each view was acquired; planes refer to views by [`View`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<ViewGeometry>,
    /// Vendor extensions (`x-` members).
    #[serde(flatten, serialize_with = "super::json::serialize_extensions")]
    pub extensions: Extensions,
}

/// The scanning site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Site {
    /// UN/LOCODE of the place, such as `BEANR` (Antwerp).
    pub locode: String,
    /// A human-readable name of the site or lane.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<String>,
}

/// A customs administration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Agency {
    /// ISO 3166-1 alpha-2 code of the agency's country.
    pub country: String,
    /// The agency's name.
    pub name: String,
}

vocabulary! {
    /// The kind of radiation source.
    pub enum SourceType {
        /// A linear electron accelerator.
        Linac = "linac",
        /// An X-ray tube.
        XRayTube = "x-ray-tube",
        /// A cobalt-60 gamma source.
        Cobalt60 = "cobalt-60",
        /// A betatron.
        Betatron = "betatron",
        /// Anything else.
        Other = "other",
    }
}

/// The scanner that took the image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Scanner {
    /// Manufacturer's name.
    pub manufacturer: String,
    /// Model name.
    pub model: String,
    /// Serial number.
    pub serial: String,
    /// Version of the acquisition software.
    pub software_version: String,
    /// Kind of source.
    pub source_type: SourceType,
    /// Nominal beam energies in MeV (one for single energy, two for dual energy), each
    /// above 0 and at most 20.
    pub energies_mev: Vec<f64>,
}

vocabulary! {
    /// What carried the goods through the scanner.
    pub enum ConveyanceKind {
        /// An intermodal container, on whatever vehicle carries it.
        Container = "container",
        /// A rigid truck or a tractor without container.
        Truck = "truck",
        /// One or more rail wagons.
        RailWagon = "rail-wagon",
        /// A road trailer or semi-trailer.
        Trailer = "trailer",
        /// Anything else (a car, a bus, a pallet, ...).
        Other = "other",
    }
}

/// The conveyance and the identifiers painted on it. Registration plates are personal data
/// and live in [`super::PersonalData`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Conveyance {
    /// What was scanned.
    pub kind: ConveyanceKind,
    /// ISO 6346 container numbers in stored form (`CSQU3054383`: 11 characters, no spaces,
    /// correct check digit), no number twice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub container_numbers: Vec<String>,
    /// UIC wagon numbers in stored form: 12 digits with no spaces or hyphens, the last the
    /// check digit (`218124712173` for the wagon marked `21 81 2471 217-3`). See
    /// [`checks::normalize_uic_wagon`] to convert the printed form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wagon_numbers: Vec<String>,
}

/// References to the customs declaration covering the goods. At least one member: start
/// from `Default` (no member) and set the ones known with the `with_` methods.
///
/// ```
/// use scanx::metadata::Declaration;
///
/// let declaration = Declaration::default()
///     .with_declaration_number("26BE000000012345A7")
///     .with_hs_code("080390")
///     .with_origin_country("BR");
/// assert_eq!(declaration.hs_codes, ["080390"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Declaration {
    /// The declaration's reference number (an MRN, for example).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub declaration_number: Option<String>,
    /// The transport document number (bill of lading, CMR, CIM consignment note).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub transport_document: Option<String>,
    /// Declared commodity codes: 6, 8 or 10 digits without dots.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hs_codes: Vec<String>,
    /// ISO 3166-1 alpha-2 code of the country of origin.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub origin_country: Option<String>,
    /// ISO 3166-1 alpha-2 code of the country of destination.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_country: Option<String>,
}

vocabulary! {
    /// The direction the beam looks at the conveyance from.
    pub enum View {
        /// From one side (the usual view of a drive-through portal).
        Side = "side",
        /// From above.
        Top = "top",
        /// Along the direction of travel.
        Front = "front",
        /// At an angle other than the above.
        Oblique = "oblique",
        /// Anything else.
        Other = "other",
    }
}

vocabulary! {
    /// Where the radiation source stands, relative to the conveyance's direction of travel.
    pub enum SourcePosition {
        /// On the left of the conveyance.
        Left = "left",
        /// On the right of the conveyance.
        Right = "right",
        /// Above the conveyance.
        Above = "above",
        /// Below the conveyance.
        Below = "below",
        /// Anything else.
        Other = "other",
    }
}

vocabulary! {
    /// The order in which the scanner acquired the lines of the stored image: for a
    /// drive-through scan, `left-to-right` means column 0 was acquired first.
    pub enum ScanDirection {
        /// Column 0 first.
        LeftToRight = "left-to-right",
        /// The last column first.
        RightToLeft = "right-to-left",
        /// Row 0 first.
        TopToBottom = "top-to-bottom",
        /// The last row first.
        BottomToTop = "bottom-to-top",
    }
}

/// How one view was acquired: enough to orient the image and to correct magnification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ViewGeometry {
    /// The view described.
    pub view: View,
    /// Where the source stands.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub source_position: Option<SourcePosition>,
    /// The order in which image lines were acquired.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub scan_direction: Option<ScanDirection>,
    /// Speed of the conveyance (or of the scanner over it) in metres per second, above 0
    /// and at most 100.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub conveyance_speed_m_s: Option<f64>,
    /// Distance from the source to the conveyance's centre plane in mm, above 0 and at
    /// most 1 000 000.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub distance_source_object_mm: Option<f64>,
    /// Distance from the source to the detector in mm, above 0 and at most 1 000 000.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub distance_source_detector_mm: Option<f64>,
    /// Angle of the central beam above the horizontal, in degrees, -90 to 90 (0 for a
    /// side view, 90 for a top view looking down).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub beam_angle_deg: Option<f64>,
}

/// Longest distance accepted in a view geometry, in mm.
const MAX_DISTANCE_MM: f64 = 1_000_000.0;
/// Highest conveyance speed accepted, in m/s.
const MAX_SPEED_M_S: f64 = 100.0;

impl ScanMetadata {
    /// A complete, valid record: a dual-energy linac portal at Antwerp scanning a container
    /// declared from Brazil.
    pub fn example() -> ScanMetadata {
        let mut extensions = Extensions::new();
        extensions.insert(
            "x-acme-lane".to_owned(),
            serde_json::json!({ "lane": 2, "operator_console": "B" }),
        );
        ScanMetadata {
            scan_id: "0b7c8e2a-5f3d-4c1e-9a6b-2d4f8e1c3a57".to_owned(),
            time: Timestamp::from_unix_seconds(1_772_352_930), // 2026-03-01T08:15:30Z
            site: Site {
                locode: "BEANR".to_owned(),
                name: Some("Antwerp, Deurganck dock, portal 2".to_owned()),
            },
            agency: Agency::example(),
            scanner: Scanner {
                manufacturer: "Acme Inspection Systems".to_owned(),
                model: "CX-6000 DE".to_owned(),
                serial: "CX6-00421".to_owned(),
                software_version: "4.2.1".to_owned(),
                source_type: SourceType::Linac,
                energies_mev: vec![4.0, 6.0],
            },
            conveyance: Conveyance {
                kind: ConveyanceKind::Container,
                container_numbers: vec!["CSQU3054383".to_owned()],
                wagon_numbers: Vec::new(),
            },
            declaration: Some(Declaration {
                declaration_number: Some("26BE000000012345A7".to_owned()),
                transport_document: Some("MEDUSZ123456".to_owned()),
                hs_codes: vec!["080390".to_owned(), "0803901000".to_owned()],
                origin_country: Some("BR".to_owned()),
                destination_country: Some("BE".to_owned()),
            }),
            views: vec![ViewGeometry {
                view: View::Side,
                source_position: Some(SourcePosition::Left),
                scan_direction: Some(ScanDirection::LeftToRight),
                conveyance_speed_m_s: Some(0.4),
                distance_source_object_mm: Some(6500.0),
                distance_source_detector_mm: Some(9800.0),
                beam_angle_deg: Some(0.0),
            }],
            extensions,
        }
    }
}

impl Agency {
    /// The Belgian customs administration.
    pub fn example() -> Agency {
        Agency {
            country: "BE".to_owned(),
            name: "General Administration of Customs and Excise".to_owned(),
        }
    }

    pub(crate) fn check(&self, path: &Path) -> Result<()> {
        rules::country(&path.field("country"), &self.country)?;
        rules::line(&path.field("name"), &self.name, MAX_NAME_CHARS)
    }
}

impl Validate for ScanMetadata {
    fn validate(&self) -> Result<()> {
        let root = Path::Root;
        rules::uuid(&root.field("scan_id"), &self.scan_id)?;
        self.site.check(&root.field("site"))?;
        self.agency.check(&root.field("agency"))?;
        self.scanner.check(&root.field("scanner"))?;
        self.conveyance.check(&root.field("conveyance"))?;
        if let Some(declaration) = &self.declaration {
            declaration.check(&root.field("declaration"))?;
        }
        rules::list(&root.field("views"), &self.views, 0, MAX_VIEWS, |p, v| {
            v.check(p)
        })?;
        rules::extensions(&root, &self.extensions)
    }
}

impl Site {
    fn check(&self, path: &Path) -> Result<()> {
        let at = path.field("locode");
        if !checks::is_locode(&self.locode) {
            return Err(at.error(format!(
                "{:?} is not a UN/LOCODE (assigned country code and 3 characters A-Z, 2-9)",
                self.locode
            )));
        }
        rules::optional_line(&path.field("name"), self.name.as_ref(), MAX_NAME_CHARS)
    }
}

impl Scanner {
    fn check(&self, path: &Path) -> Result<()> {
        rules::line(
            &path.field("manufacturer"),
            &self.manufacturer,
            MAX_NAME_CHARS,
        )?;
        rules::line(&path.field("model"), &self.model, MAX_NAME_CHARS)?;
        rules::line(&path.field("serial"), &self.serial, MAX_CODE_CHARS)?;
        rules::line(
            &path.field("software_version"),
            &self.software_version,
            MAX_CODE_CHARS,
        )?;
        rules::list(
            &path.field("energies_mev"),
            &self.energies_mev,
            1,
            MAX_ENERGIES,
            |p, &e| rules::number(p, e, 0.0, true, MAX_ENERGY_MEV),
        )
    }
}

impl Conveyance {
    fn check(&self, path: &Path) -> Result<()> {
        let containers = path.field("container_numbers");
        rules::list(
            &containers,
            &self.container_numbers,
            0,
            MAX_CONTAINERS,
            check_container_number,
        )?;
        rules::unique(&containers, &self.container_numbers)?;
        let wagons = path.field("wagon_numbers");
        rules::list(&wagons, &self.wagon_numbers, 0, MAX_WAGONS, |p, n| {
            check_wagon_number(p, n)
        })?;
        rules::unique(&wagons, &self.wagon_numbers)
    }
}

fn check_container_number(path: &Path, number: &String) -> Result<()> {
    let bytes = number.as_bytes();
    let expected = bytes
        .get(..10)
        .and_then(|prefix| std::str::from_utf8(prefix).ok())
        .and_then(checks::iso6346_check_digit);
    match (expected, bytes.get(10), bytes.len()) {
        (Some(expected), Some(&last), 11) if last.is_ascii_digit() => {
            let found = last - b'0';
            if found == expected {
                Ok(())
            } else {
                Err(path.error(format!("check digit is {found}, expected {expected}")))
            }
        }
        _ => Err(path.error(format!(
            "{:?} is not an ISO 6346 container number (owner code of 3 letters, category U, J \
             or Z, 6 digits, check digit; no spaces)",
            number.chars().take(80).collect::<String>()
        ))),
    }
}

fn check_wagon_number(path: &Path, number: &str) -> Result<()> {
    let bytes = number.as_bytes();
    let expected = bytes
        .get(..11)
        .and_then(|first| std::str::from_utf8(first).ok())
        .and_then(checks::uic_wagon_check_digit);
    match (expected, bytes.get(11), bytes.len()) {
        (Some(expected), Some(&last), 12) if last.is_ascii_digit() => {
            let found = last - b'0';
            if found == expected {
                Ok(())
            } else {
                Err(path.error(format!("check digit is {found}, expected {expected}")))
            }
        }
        _ => Err(path.error(format!(
            "{:?} is not a UIC wagon number (12 digits, no spaces or hyphens)",
            number.chars().take(80).collect::<String>()
        ))),
    }
}

impl Declaration {
    fn check(&self, path: &Path) -> Result<()> {
        if *self == Declaration::default() {
            return Err(path.error("must have at least one member"));
        }
        rules::optional_line(
            &path.field("declaration_number"),
            self.declaration_number.as_ref(),
            MAX_CODE_CHARS,
        )?;
        rules::optional_line(
            &path.field("transport_document"),
            self.transport_document.as_ref(),
            MAX_CODE_CHARS,
        )?;
        let hs_codes = path.field("hs_codes");
        rules::list(&hs_codes, &self.hs_codes, 0, MAX_HS_CODES, |p, code| {
            if checks::is_hs_code(code) {
                Ok(())
            } else {
                Err(p.error(format!(
                    "{:?} is not an HS code (6, 8 or 10 digits, no dots)",
                    code.chars().take(80).collect::<String>()
                )))
            }
        })?;
        rules::unique(&hs_codes, &self.hs_codes)?;
        if let Some(country) = &self.origin_country {
            rules::country(&path.field("origin_country"), country)?;
        }
        if let Some(country) = &self.destination_country {
            rules::country(&path.field("destination_country"), country)?;
        }
        Ok(())
    }
}

impl ViewGeometry {
    fn check(&self, path: &Path) -> Result<()> {
        if let Some(speed) = self.conveyance_speed_m_s {
            rules::number(
                &path.field("conveyance_speed_m_s"),
                speed,
                0.0,
                true,
                MAX_SPEED_M_S,
            )?;
        }
        if let Some(distance) = self.distance_source_object_mm {
            rules::number(
                &path.field("distance_source_object_mm"),
                distance,
                0.0,
                true,
                MAX_DISTANCE_MM,
            )?;
        }
        if let Some(distance) = self.distance_source_detector_mm {
            rules::number(
                &path.field("distance_source_detector_mm"),
                distance,
                0.0,
                true,
                MAX_DISTANCE_MM,
            )?;
        }
        if let Some(angle) = self.beam_angle_deg {
            rules::number(&path.field("beam_angle_deg"), angle, -90.0, false, 90.0)?;
        }
        Ok(())
    }
}

impl ScanMetadata {
    /// A record with the members the schema requires, with a fresh random `scan_id`: when
    /// the scan was taken, where, by which agency, with
    /// which scanner and of what; a record without any of them cannot be placed or
    /// trusted. No declaration, views or extensions: add them with the `with_` methods.
    ///
    /// Not validated (so that a record can be built to be refused, or repaired): check it
    /// with [`Validate::validate`] (the writer does), or use [`ScanMetadata::builder`],
    /// which validates.
    ///
    /// ```
    /// use scanx::metadata::{
    ///     Agency, Conveyance, ConveyanceKind, ScanMetadata, Scanner, Site, SourceType,
    ///     Validate, View, ViewGeometry,
    /// };
    ///
    /// let metadata = ScanMetadata::new(
    ///     "2026-03-01T08:22:10Z".parse()?,
    ///     Site::new("BEANR"),
    ///     Agency::new("BE", "General Administration of Customs and Excise"),
    ///     Scanner::new("Acme", "CX-6000 DE", "CX6-00421", "4.2.1", SourceType::Linac, vec![6.0]),
    ///     Conveyance::new(ConveyanceKind::Container).with_container("CSQU3054383"),
    /// )
    /// .with_view(ViewGeometry::new(View::Side));
    /// metadata.validate()?;
    /// # Ok::<(), scanx::Error>(())
    /// ```
    pub fn new(
        time: Timestamp,
        site: Site,
        agency: Agency,
        scanner: Scanner,
        conveyance: Conveyance,
    ) -> ScanMetadata {
        ScanMetadata {
            scan_id: uuid::Uuid::new_v4().to_string(),
            time,
            site,
            agency,
            scanner,
            conveyance,
            declaration: None,
            views: Vec::new(),
            extensions: Extensions::new(),
        }
    }

    /// Sets the scan id (a UUID in lower-case canonical form), for reproducible output or
    /// a scan exported again.
    pub fn with_scan_id(mut self, scan_id: impl Into<String>) -> Self {
        self.scan_id = scan_id.into();
        self
    }

    /// Sets the references to the customs declaration.
    pub fn with_declaration(mut self, declaration: Declaration) -> Self {
        self.declaration = Some(declaration);
        self
    }

    /// Adds how a view was acquired.
    pub fn with_view(mut self, view: ViewGeometry) -> Self {
        self.views.push(view);
        self
    }

    /// Adds a vendor extension (its name must start with `x-`).
    pub fn with_extension(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.extensions.insert(name.into(), value);
        self
    }

    /// A builder for a new record, with a fresh random `scan_id`; give it at least the
    /// time, the site, the agency, the scanner and what was scanned.
    ///
    /// ```
    /// use scanx::metadata::{Agency, ScanMetadata, Scanner, SourceType};
    ///
    /// let metadata = ScanMetadata::builder()
    ///     .time("2026-03-01T08:22:10Z".parse()?)
    ///     .site("BEANR")
    ///     .site_name("Antwerp, Deurganck dock, portal 2")
    ///     .agency(Agency::new("BE", "General Administration of Customs and Excise"))
    ///     .scanner(Scanner::new(
    ///         "Acme Inspection Systems",
    ///         "CX-6000 DE",
    ///         "CX6-00421",
    ///         "4.2.1",
    ///         SourceType::Linac,
    ///         vec![4.0, 6.0],
    ///     ))
    ///     .container("CSQU3054383")
    ///     .build()?;
    /// assert_eq!(metadata.time.unix_seconds(), 1_772_353_330);
    /// assert_eq!(metadata.scan_id.len(), 36);
    ///
    /// // What is missing or wrong is named, as validation names it.
    /// let e = ScanMetadata::builder().site("BEANR").build().unwrap_err();
    /// assert_eq!(e.kind(), scanx::ErrorKind::SchemaViolation);
    /// assert!(e.message().contains("time"), "{e}");
    /// # Ok::<(), scanx::Error>(())
    /// ```
    pub fn builder() -> ScanMetadataBuilder {
        ScanMetadataBuilder {
            scan_id: uuid::Uuid::new_v4().to_string(),
            time: None,
            site: Site::new(""),
            agency: None,
            scanner: None,
            kind: None,
            container_numbers: Vec::new(),
            wagon_numbers: Vec::new(),
            declaration: None,
            views: Vec::new(),
            extensions: Extensions::new(),
        }
    }
}

/// Builds a [`ScanMetadata`]: see [`ScanMetadata::builder`]. [`ScanMetadataBuilder::build`]
/// validates the record.
#[derive(Debug, Clone)]
#[must_use]
pub struct ScanMetadataBuilder {
    scan_id: String,
    time: Option<Timestamp>,
    site: Site,
    agency: Option<Agency>,
    scanner: Option<Scanner>,
    kind: Option<ConveyanceKind>,
    container_numbers: Vec<String>,
    wagon_numbers: Vec<String>,
    declaration: Option<Declaration>,
    views: Vec<ViewGeometry>,
    extensions: Extensions,
}

impl ScanMetadataBuilder {
    /// Sets the scan id (a UUID in lower-case canonical form) instead of the fresh one,
    /// for reproducible output or a scan exported again.
    pub fn scan_id(mut self, scan_id: impl Into<String>) -> Self {
        self.scan_id = scan_id.into();
        self
    }

    /// When the scan was taken.
    pub fn time(mut self, time: Timestamp) -> Self {
        self.time = Some(time);
        self
    }

    /// The UN/LOCODE of the site, such as `BEANR`.
    pub fn site(mut self, locode: impl Into<String>) -> Self {
        self.site.locode = locode.into();
        self
    }

    /// A human-readable name of the site or lane.
    pub fn site_name(mut self, name: impl Into<String>) -> Self {
        self.site.name = Some(name.into());
        self
    }

    /// The customs administration operating the scanner.
    pub fn agency(mut self, agency: Agency) -> Self {
        self.agency = Some(agency);
        self
    }

    /// The scanner.
    pub fn scanner(mut self, scanner: Scanner) -> Self {
        self.scanner = Some(scanner);
        self
    }

    /// What was scanned. Without it, the kind is [`ConveyanceKind::Container`] if a
    /// container number is given, [`ConveyanceKind::RailWagon`] if only wagon numbers are,
    /// and [`ConveyanceKind::Other`] otherwise.
    pub fn conveyance(mut self, kind: ConveyanceKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Adds an ISO 6346 container number in stored form (`CSQU3054383`).
    pub fn container(mut self, number: impl Into<String>) -> Self {
        self.container_numbers.push(number.into());
        self
    }

    /// Adds a UIC wagon number in stored form (12 digits).
    pub fn wagon(mut self, number: impl Into<String>) -> Self {
        self.wagon_numbers.push(number.into());
        self
    }

    /// The references to the customs declaration.
    pub fn declaration(mut self, declaration: Declaration) -> Self {
        self.declaration = Some(declaration);
        self
    }

    /// Adds how a view was acquired.
    pub fn view(mut self, view: ViewGeometry) -> Self {
        self.views.push(view);
        self
    }

    /// Adds a vendor extension (its name must start with `x-`).
    pub fn extension(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.extensions.insert(name.into(), value);
        self
    }

    /// The record, validated. Fails with `SCHEMA_VIOLATION` naming the first member that
    /// is missing or breaks a rule.
    pub fn build(self) -> Result<ScanMetadata> {
        let missing = |name: &str| Path::Root.field(name).error("is required");
        let kind = self.kind.unwrap_or(
            match (
                self.container_numbers.is_empty(),
                self.wagon_numbers.is_empty(),
            ) {
                (false, _) => ConveyanceKind::Container,
                (true, false) => ConveyanceKind::RailWagon,
                (true, true) => ConveyanceKind::Other,
            },
        );
        let metadata = ScanMetadata {
            scan_id: self.scan_id,
            time: self.time.ok_or_else(|| missing("time"))?,
            site: self.site,
            agency: self.agency.ok_or_else(|| missing("agency"))?,
            scanner: self.scanner.ok_or_else(|| missing("scanner"))?,
            conveyance: Conveyance {
                kind,
                container_numbers: self.container_numbers,
                wagon_numbers: self.wagon_numbers,
            },
            declaration: self.declaration,
            views: self.views,
            extensions: self.extensions,
        };
        metadata.validate()?;
        Ok(metadata)
    }
}

impl Site {
    /// A site by its UN/LOCODE, the one required member (it says where the scanner stands
    /// in terms every agency reads), with no name.
    pub fn new(locode: impl Into<String>) -> Site {
        Site {
            locode: locode.into(),
            name: None,
        }
    }

    /// Sets the human-readable name of the site or lane.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

impl Agency {
    /// A customs administration: its country (ISO 3166-1 alpha-2) and name, both
    /// required.
    pub fn new(country: impl Into<String>, name: impl Into<String>) -> Agency {
        Agency {
            country: country.into(),
            name: name.into(),
        }
    }
}

impl Scanner {
    /// A scanner; every member is required by the schema (an image is only read right
    /// knowing the machine, its software and its beam energies).
    pub fn new(
        manufacturer: impl Into<String>,
        model: impl Into<String>,
        serial: impl Into<String>,
        software_version: impl Into<String>,
        source_type: SourceType,
        energies_mev: Vec<f64>,
    ) -> Scanner {
        Scanner {
            manufacturer: manufacturer.into(),
            model: model.into(),
            serial: serial.into(),
            software_version: software_version.into(),
            source_type,
            energies_mev,
        }
    }
}

impl Conveyance {
    /// A conveyance of `kind` (the one required member) with no identifiers; add them
    /// with [`Conveyance::with_container`] and [`Conveyance::with_wagon`].
    pub fn new(kind: ConveyanceKind) -> Conveyance {
        Conveyance {
            kind,
            container_numbers: Vec::new(),
            wagon_numbers: Vec::new(),
        }
    }

    /// Adds an ISO 6346 container number in stored form (`CSQU3054383`).
    pub fn with_container(mut self, number: impl Into<String>) -> Self {
        self.container_numbers.push(number.into());
        self
    }

    /// Adds a UIC wagon number in stored form (12 digits).
    pub fn with_wagon(mut self, number: impl Into<String>) -> Self {
        self.wagon_numbers.push(number.into());
        self
    }
}

impl Declaration {
    /// Sets the declaration's reference number (an MRN, for example).
    pub fn with_declaration_number(mut self, number: impl Into<String>) -> Self {
        self.declaration_number = Some(number.into());
        self
    }

    /// Sets the transport document number (bill of lading, CMR, CIM consignment note).
    pub fn with_transport_document(mut self, document: impl Into<String>) -> Self {
        self.transport_document = Some(document.into());
        self
    }

    /// Adds a declared commodity code (6, 8 or 10 digits without dots).
    pub fn with_hs_code(mut self, code: impl Into<String>) -> Self {
        self.hs_codes.push(code.into());
        self
    }

    /// Sets the country of origin (ISO 3166-1 alpha-2).
    pub fn with_origin_country(mut self, country: impl Into<String>) -> Self {
        self.origin_country = Some(country.into());
        self
    }

    /// Sets the country of destination (ISO 3166-1 alpha-2).
    pub fn with_destination_country(mut self, country: impl Into<String>) -> Self {
        self.destination_country = Some(country.into());
        self
    }
}

impl ViewGeometry {
    /// How `view` was acquired, with every optional member absent; set the ones known with
    /// the `with_` methods. The view is required: it is how planes refer to the geometry.
    ///
    /// ```
    /// use scanx::metadata::{ScanDirection, View, ViewGeometry};
    ///
    /// let side = ViewGeometry::new(View::Side)
    ///     .with_scan_direction(ScanDirection::LeftToRight)
    ///     .with_conveyance_speed_m_s(0.4);
    /// assert_eq!(side.beam_angle_deg, None);
    /// ```
    pub fn new(view: View) -> ViewGeometry {
        ViewGeometry {
            view,
            source_position: None,
            scan_direction: None,
            conveyance_speed_m_s: None,
            distance_source_object_mm: None,
            distance_source_detector_mm: None,
            beam_angle_deg: None,
        }
    }
    /// Sets where the source stands.
    pub fn with_source_position(mut self, position: SourcePosition) -> Self {
        self.source_position = Some(position);
        self
    }

    /// Sets the order in which image lines were acquired.
    pub fn with_scan_direction(mut self, direction: ScanDirection) -> Self {
        self.scan_direction = Some(direction);
        self
    }

    /// Sets the speed of the conveyance (or of the scanner over it), in m/s.
    pub fn with_conveyance_speed_m_s(mut self, speed: f64) -> Self {
        self.conveyance_speed_m_s = Some(speed);
        self
    }

    /// Sets the distance from the source to the conveyance's centre plane, in mm.
    pub fn with_distance_source_object_mm(mut self, distance: f64) -> Self {
        self.distance_source_object_mm = Some(distance);
        self
    }

    /// Sets the distance from the source to the detector, in mm.
    pub fn with_distance_source_detector_mm(mut self, distance: f64) -> Self {
        self.distance_source_detector_mm = Some(distance);
        self
    }

    /// Sets the angle of the central beam above the horizontal, in degrees.
    pub fn with_beam_angle_deg(mut self, angle: f64) -> Self {
        self.beam_angle_deg = Some(angle);
        self
    }
}
