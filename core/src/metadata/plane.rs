//! Attributes of an image plane (the JSON inside a PLAN chunk).

use serde::{Deserialize, Serialize};

use super::json::present;
use super::rules::{self, Path, MAX_CODE_CHARS, MAX_NAME_CHARS};
use super::{Extensions, Validate, View};
use crate::error::Result;

/// Largest pixel spacing accepted, in mm.
const MAX_PIXEL_SPACING_MM: f64 = 1000.0;

vocabulary! {
    /// What a plane's samples measure.
    pub enum Channel {
        /// Transmission or attenuation at the high (or only) beam energy.
        HighEnergy = "high-energy",
        /// Transmission or attenuation at the low beam energy.
        LowEnergy = "low-energy",
        /// A material classification derived from dual energy.
        Material = "material",
        /// Effective atomic number.
        ZEffective = "z-effective",
        /// Density or areal density.
        Density = "density",
        /// A visible-light photograph (a cab or plate camera).
        Photo = "photo",
        /// Anything else.
        Other = "other",
    }
}

/// How to read and show one plane's samples. The binary part of the PLAN chunk holds the
/// size, sample type, tiling and the personal flag; this holds what the numbers mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlaneAttributes {
    /// A human-readable name, such as `side high energy`.
    pub name: String,
    /// The view the plane belongs to.
    pub view: View,
    /// What the samples measure.
    pub channel: Channel,
    /// Distance between pixel centres in mm: `[along a row (x), along a column (y)]`, both
    /// above 0 and at most 1000.
    pub pixel_spacing_mm: [f64; 2],
    /// The quantity after rescaling, as a lower-case token: `transmission`, `attenuation`,
    /// `log-attenuation`, `z-effective`, `density`, `material-class`, `luminance`, ...
    pub value_meaning: String,
    /// Stored sample `s` means `s * rescale_slope + rescale_intercept`. Finite, not zero;
    /// 1 when absent.
    #[serde(default = "one")]
    pub rescale_slope: f64,
    /// See `rescale_slope`. Finite; 0 when absent.
    #[serde(default)]
    pub rescale_intercept: f64,
    /// The window a viewer shows first, in rescaled units.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub display_window: Option<DisplayWindow>,
    /// Vendor extensions (`x-` members).
    #[serde(flatten, serialize_with = "super::json::serialize_extensions")]
    pub extensions: Extensions,
}

fn one() -> f64 {
    1.0
}

/// A display window: values from `center - width / 2` to `center + width / 2` span the
/// grey scale.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct DisplayWindow {
    /// Centre of the window, in rescaled units. Finite.
    pub center: f64,
    /// Width of the window, in rescaled units. Finite and above 0.
    pub width: f64,
}

impl PlaneAttributes {
    /// What a plane's samples mean, with the members the schema requires (the name, the
    /// view, the channel, the pixel spacing and the meaning of the values: without them a
    /// viewer cannot place or read the plane); the samples are not rescaled (slope 1,
    /// intercept 0) and no display window is suggested. Set the others with the `with_`
    /// methods.
    ///
    /// Not validated: check it with [`Validate::validate`] (the writer does).
    ///
    /// ```
    /// use scanx::metadata::{Channel, DisplayWindow, PlaneAttributes, Validate, View};
    ///
    /// let high = PlaneAttributes::new(
    ///     "side high energy",
    ///     View::Side,
    ///     Channel::HighEnergy,
    ///     [5.0, 5.0],
    ///     "transmission",
    /// )
    /// .with_rescale(1.0 / 65536.0, 0.0)
    /// .with_display_window(DisplayWindow::new(0.5, 1.0));
    /// high.validate()?;
    /// # Ok::<(), scanx::Error>(())
    /// ```
    pub fn new(
        name: impl Into<String>,
        view: View,
        channel: Channel,
        pixel_spacing_mm: [f64; 2],
        value_meaning: impl Into<String>,
    ) -> PlaneAttributes {
        PlaneAttributes {
            name: name.into(),
            view,
            channel,
            pixel_spacing_mm,
            value_meaning: value_meaning.into(),
            rescale_slope: 1.0,
            rescale_intercept: 0.0,
            display_window: None,
            extensions: Extensions::new(),
        }
    }

    /// Sets the rescaling: stored sample `s` means `s * slope + intercept`.
    pub fn with_rescale(mut self, slope: f64, intercept: f64) -> Self {
        self.rescale_slope = slope;
        self.rescale_intercept = intercept;
        self
    }

    /// Sets the window a viewer shows first.
    pub fn with_display_window(mut self, window: DisplayWindow) -> Self {
        self.display_window = Some(window);
        self
    }

    /// Adds a vendor extension (its name must start with `x-`).
    pub fn with_extension(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.extensions.insert(name.into(), value);
        self
    }

    /// The high-energy side view of [`super::ScanMetadata::example`]: 16-bit transmission,
    /// 5 mm pixels.
    pub fn example_high_energy() -> PlaneAttributes {
        PlaneAttributes {
            name: "side high energy (6 MeV)".to_owned(),
            view: View::Side,
            channel: Channel::HighEnergy,
            pixel_spacing_mm: [5.0, 5.0],
            value_meaning: "transmission".to_owned(),
            rescale_slope: 1.0 / 65536.0,
            rescale_intercept: 0.0,
            display_window: Some(DisplayWindow {
                center: 0.5,
                width: 1.0,
            }),
            extensions: Extensions::new(),
        }
    }

    /// The low-energy side view of [`super::ScanMetadata::example`].
    pub fn example_low_energy() -> PlaneAttributes {
        PlaneAttributes {
            name: "side low energy (4 MeV)".to_owned(),
            channel: Channel::LowEnergy,
            display_window: Some(DisplayWindow {
                center: 0.4,
                width: 0.8,
            }),
            ..PlaneAttributes::example_high_energy()
        }
    }
}

impl DisplayWindow {
    /// The window from `center - width / 2` to `center + width / 2`, in rescaled units;
    /// both are required, as together they are the window. [`Validate`] on the plane
    /// checks them (finite, width above 0).
    pub fn new(center: f64, width: f64) -> DisplayWindow {
        DisplayWindow { center, width }
    }
}

impl Validate for PlaneAttributes {
    fn validate(&self) -> Result<()> {
        let root = Path::Root;
        rules::line(&root.field("name"), &self.name, MAX_NAME_CHARS)?;
        let spacing = root.field("pixel_spacing_mm");
        for (i, &mm) in self.pixel_spacing_mm.iter().enumerate() {
            rules::number(&spacing.index(i), mm, 0.0, true, MAX_PIXEL_SPACING_MM)?;
        }
        let meaning = root.field("value_meaning");
        if !rules::is_token(&self.value_meaning) {
            return Err(meaning.error(format!(
                "{:?} is not a lower-case token (a-z first, then a-z, 0-9 or '-', at most \
                 {MAX_CODE_CHARS} characters)",
                self.value_meaning.chars().take(80).collect::<String>()
            )));
        }
        let slope = root.field("rescale_slope");
        if !self.rescale_slope.is_finite() || self.rescale_slope == 0.0 {
            return Err(slope.error(format!(
                "{} is not a finite number other than 0",
                self.rescale_slope
            )));
        }
        if !self.rescale_intercept.is_finite() {
            return Err(root
                .field("rescale_intercept")
                .error("must be a finite number"));
        }
        if let Some(window) = &self.display_window {
            let at = root.field("display_window");
            if !window.center.is_finite() {
                return Err(at.field("center").error("must be a finite number"));
            }
            rules::number(&at.field("width"), window.width, 0.0, true, f64::MAX)?;
        }
        rules::extensions(&root, &self.extensions)
    }
}
