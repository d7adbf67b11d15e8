//! Pictures for people: an 8-bit greyscale preview through a plane's display window, and
//! a dual-energy material preview.

use rayon::prelude::*;
use scanx::metadata::PlaneAttributes;
use scanx::pixels::{PixelBuffer, SampleType};

/// Samples as rescaled values (`s * slope + intercept`), whatever the sample type.
fn rescaled(pixels: &PixelBuffer, attributes: &PlaneAttributes) -> scanx::Result<Vec<f64>> {
    let (slope, intercept) = (attributes.rescale_slope, attributes.rescale_intercept);
    let raw: Vec<f64> = match pixels.sample_type() {
        SampleType::U8 => pixels.as_bytes().iter().map(|&s| f64::from(s)).collect(),
        SampleType::U16 => pixels.to_u16()?.into_iter().map(f64::from).collect(),
        SampleType::U32 => pixels.to_u32()?.into_iter().map(f64::from).collect(),
        SampleType::F32 => pixels.to_f32()?.into_iter().map(f64::from).collect(),
        _ => {
            return Err(scanx::Error::invalid_argument(
                "unsupported sample type for a preview",
            ))
        }
    };
    Ok(raw.into_iter().map(|s| s * slope + intercept).collect())
}

/// 8-bit greyscale through the plane's display window (`center ± width / 2` spans black
/// to white); a plane without a window is stretched from its smallest to its largest
/// finite value.
pub fn windowed_preview(
    pixels: &PixelBuffer,
    attributes: &PlaneAttributes,
) -> scanx::Result<Vec<u8>> {
    let values = rescaled(pixels, attributes)?;
    let (low, high) = match attributes.display_window {
        Some(w) => (w.center - w.width / 2.0, w.center + w.width / 2.0),
        None => {
            let finite = values.iter().copied().filter(|v| v.is_finite());
            let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
            if lo.is_finite() && hi > lo {
                (lo, hi)
            } else {
                (0.0, 1.0)
            }
        }
    };
    let span = (high - low).max(f64::MIN_POSITIVE);
    Ok(values
        .par_iter()
        .map(|&v| {
            let t = ((v - low) / span).clamp(0.0, 1.0);
            if t.is_nan() {
                0
            } else {
                (t * 255.0).round() as u8
            }
        })
        .collect())
}

/// Material classes of the dual-energy preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Material {
    Organic,
    Mixed,
    Metallic,
}

/// The R value above which a pixel is no longer organic.
pub const R_ORGANIC_MAX: f64 = 1.20;
/// The R value from which a pixel is metallic.
pub const R_METALLIC_MIN: f64 = 1.33;
/// Transmission above which a pixel is empty (air), shown white.
const T_AIR: f64 = 0.92;
/// Transmission below which too few photons pass to classify (shown near black).
const T_OPAQUE: f64 = 0.0003;

/// Classifies one pixel by its R value.
pub fn classify(r: f64) -> Material {
    if r < R_ORGANIC_MAX {
        Material::Organic
    } else if r < R_METALLIC_MIN {
        Material::Mixed
    } else {
        Material::Metallic
    }
}

/// The `q`-quantile of the finite values (0 if there are none).
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return 0.0;
    }
    let k = ((sorted.len() - 1) as f64 * q) as usize;
    let (_, &mut level, _) = sorted.select_nth_unstable_by(k, f64::total_cmp);
    level
}

/// The open-beam level of each row of a transmission plane. A row is one detector
/// element of a line scanner, and each element has its own gain, so each row is
/// normalised by its own air level: the 99th percentile of the row (the beam passes
/// beside the conveyance at the start and end of a scan). A row that shows no air (its
/// level below half of the plane's 99.9th percentile) uses the plane's level instead.
fn open_beam_rows(values: &[f64], width: usize) -> Vec<f64> {
    let global = quantile(values, 0.999);
    let global = if global > 0.0 { global } else { 1.0 };
    values
        .par_chunks(width.max(1))
        .map(|row| {
            let level = quantile(row, 0.99);
            if level > 0.5 * global {
                level
            } else {
                global
            }
        })
        .collect()
}

/// An 8-bit RGB material picture from the high- and low-energy transmission planes.
///
/// For each pixel, the transmissions `T_h = H / H0` and `T_l = L / L0` are the samples
/// (rescaled) divided by each channel's open-beam level `H0`, `L0` in that row (see
/// `open_beam_rows`). By
/// Beer-Lambert, `-ln T = mu * t` for a material of attenuation `mu` and thickness `t`,
/// so the thickness cancels in
///
/// ```text
/// R = ln(T_l) / ln(T_h) = mu_low / mu_high
/// ```
///
/// which depends on the material alone: it grows with the effective atomic number,
/// because photoelectric absorption, which rises steeply with Z, weighs more at the low
/// energy. The pixel is **organic** (orange) when `R < 1.20`, **mixed or light metal**
/// (green) when `1.20 <= R < 1.33`, **metallic** (blue) from 1.33. These thresholds suit
/// MeV cargo scanners (the synthetic scan's organic cargo has R = 1.16, aluminium 1.25,
/// steel 1.40); a site calibrates its own.
///
/// The colour is shaded by the high-energy transmission: `shade = 1 + ln(T_h) / 9.5`
/// (1 for no attenuation, down to 0.15 for the densest pixels: log shading, as the eye
/// reads attenuation). Pixels with `T_h > 0.92` are air and shown white, faded into
/// their colour up to that point; pixels with `T_h < 0.0003` pass too few photons to
/// classify and are shown dark grey.
pub fn material_preview(
    high: &PixelBuffer,
    high_attributes: &PlaneAttributes,
    low: &PixelBuffer,
    low_attributes: &PlaneAttributes,
) -> scanx::Result<Vec<u8>> {
    if (high.width(), high.height()) != (low.width(), low.height()) {
        return Err(scanx::Error::invalid_argument(format!(
            "the high-energy plane is {}x{} and the low-energy plane {}x{}: a material preview needs the same size",
            high.width(),
            high.height(),
            low.width(),
            low.height()
        )));
    }
    let h = rescaled(high, high_attributes)?;
    let l = rescaled(low, low_attributes)?;
    let width = high.width() as usize;
    let (h0, l0) = (open_beam_rows(&h, width), open_beam_rows(&l, width));
    let floor = 1.0 / 65536.0;
    let rgb: Vec<u8> = h
        .par_chunks(width.max(1))
        .zip(l.par_chunks(width.max(1)))
        .zip(h0.par_iter().zip(l0.par_iter()))
        .flat_map_iter(|((hr, lr), (&h0, &l0))| {
            hr.iter().zip(lr).flat_map(move |(&hv, &lv)| {
                let th = (hv / h0).clamp(floor, 1.0);
                let tl = (lv / l0).clamp(floor, 1.0);
                pixel_colour(th, tl)
            })
        })
        .collect();
    Ok(rgb)
}

fn pixel_colour(th: f64, tl: f64) -> [u8; 3] {
    if th.is_nan() || tl.is_nan() {
        return [0, 0, 0];
    }
    if th < T_OPAQUE {
        return [40, 40, 40];
    }
    if th >= T_AIR {
        return [255, 255, 255];
    }
    let r = tl.ln() / th.ln();
    let colour: [f64; 3] = match classify(r) {
        Material::Organic => [255.0, 140.0, 0.0],
        Material::Mixed => [40.0, 170.0, 60.0],
        Material::Metallic => [40.0, 90.0, 230.0],
    };
    let shade = (1.0 + th.ln() / 9.5).clamp(0.15, 1.0);
    // Faint attenuation fades to white, so thin walls do not dominate the picture.
    let fade = ((T_AIR - th) / 0.15).clamp(0.0, 1.0);
    let mut out = [0u8; 3];
    for (o, c) in out.iter_mut().zip(colour) {
        let v = 255.0 * (1.0 - fade) + c * shade * fade;
        *o = v.round().clamp(0.0, 255.0) as u8;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Transmissions through `t` mm of a material with attenuations (per mm) `mu`.
    fn through(mu_high: f64, mu_low: f64, t: f64) -> (f64, f64) {
        ((-mu_high * t).exp(), (-mu_low * t).exp())
    }

    #[test]
    fn classes_follow_the_synthetic_materials_whatever_the_thickness() {
        for t in [100.0, 400.0, 900.0] {
            let (h, l) = through(0.0045, 0.0052, t * 2.0);
            assert_eq!(classify(l.ln() / h.ln()), Material::Organic);
            let (h, l) = through(0.0100, 0.0125, t / 2.0);
            assert_eq!(classify(l.ln() / h.ln()), Material::Mixed);
            let (h, l) = through(0.030, 0.042, t / 10.0);
            assert_eq!(classify(l.ln() / h.ln()), Material::Metallic);
        }
    }

    #[test]
    fn air_is_white_and_opaque_is_dark() {
        assert_eq!(pixel_colour(0.99, 0.99), [255, 255, 255]);
        assert_eq!(pixel_colour(0.0001, 0.00005), [40, 40, 40]);
        let [r, g, b] = pixel_colour(0.2, 0.2f64.powf(1.16));
        assert!(r > g && g > b, "organic is orange: {r} {g} {b}");
    }
}
