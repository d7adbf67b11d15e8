//! A synthetic dual-energy container scan, for demonstrations, benchmarks and tests.
//!
//! Not random noise: the image is a side view of a 40-foot container on a truck, made with
//! the physics of transmission imaging (Beer-Lambert: `I = I0 * exp(-mu * t)`) so that the
//! two channels relate as real ones do and compress as real ones would. It has a detector
//! gain gradient, the container's corrugated walls and frame, the truck chassis and wheels,
//! pallets of cargo of several materials, a dense block hidden among them, and photon noise
//! from a seeded generator, so the same arguments always give the same pixels.

use crate::error::Result;
use crate::pixels::PixelBuffer;

/// The two channels of a dual-energy scan: high and low energy transmission, 16-bit.
#[derive(Debug, Clone, PartialEq)]
pub struct DualEnergyScan {
    /// High-energy channel (e.g. 6 MeV): penetrates more.
    pub high: PixelBuffer,
    /// Low-energy channel (e.g. 4 MeV): more contrast between materials.
    pub low: PixelBuffer,
}

/// A material: attenuation per millimetre at the high and low energy.
#[derive(Debug, Clone, Copy)]
struct Material {
    mu_high: f64,
    mu_low: f64,
}

const STEEL: Material = Material {
    mu_high: 0.030,
    mu_low: 0.042,
};
const ORGANIC: Material = Material {
    mu_high: 0.0045,
    mu_low: 0.0052,
};
const ALUMINIUM: Material = Material {
    mu_high: 0.0100,
    mu_low: 0.0125,
};
const DENSE: Material = Material {
    mu_high: 0.060,
    mu_low: 0.095,
};

/// A tiny deterministic generator (SplitMix64): reproducible noise without a dependency.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Approximately standard normal (sum of uniforms; cheap and bounded).
    fn next_gaussian(&mut self) -> f64 {
        (0..4).map(|_| self.next_f64()).sum::<f64>() * 1.732_050_8 - 2.0 * 1.732_050_8
    }
}

/// An axis-aligned block of material, in pixel coordinates, with its thickness along the beam.
#[derive(Debug, Clone, Copy)]
struct Block {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    material: Material,
    thickness_mm: f64,
}

/// Makes a `width` x `height` dual-energy scan (6000 x 2000 is a realistic full scan).
/// `seed` changes the cargo layout and the noise.
pub fn dual_energy_scan(width: u32, height: u32, seed: u64) -> Result<DualEnergyScan> {
    let w = f64::from(width);
    let h = f64::from(height);
    let mut rng = SplitMix64(seed ^ 0x5CA1_AB1E);
    let blocks = layout(w, h, &mut rng);

    let mut high = Vec::with_capacity(width as usize * height as usize);
    let mut low = Vec::with_capacity(width as usize * height as usize);
    for yi in 0..height {
        let y = f64::from(yi);
        // Detector gain falls off toward the ends of the linear array.
        let gain = 1.0 - 0.12 * ((y / h) - 0.5).powi(2) * 4.0;
        let row_blocks: Vec<&Block> = blocks.iter().filter(|b| y >= b.y0 && y < b.y1).collect();
        for xi in 0..width {
            let x = f64::from(xi);
            let (mut t_high, mut t_low) = (0.0, 0.0);
            for b in &row_blocks {
                if x >= b.x0 && x < b.x1 {
                    t_high += b.material.mu_high * b.thickness_mm;
                    t_low += b.material.mu_low * b.thickness_mm;
                }
            }
            // Corrugated side walls: a thin steel sheet folded every 60 pixels.
            if container_box(w, h).contains(x, y) {
                let fold = 1.0 + 0.6 * ((x / 60.0) * std::f64::consts::TAU).sin().abs();
                t_high += STEEL.mu_high * 2.0 * fold;
                t_low += STEEL.mu_low * 2.0 * fold;
            }
            let i0 = 60_000.0 * gain;
            let noise_scale = |i: f64| i.max(1.0).sqrt() * 2.0;
            let ih = i0 * (-t_high).exp();
            let il = i0 * 0.85 * (-t_low).exp();
            let ih = ih + rng.next_gaussian() * noise_scale(ih);
            let il = il + rng.next_gaussian() * noise_scale(il);
            high.push(ih.clamp(0.0, 65_535.0) as u16);
            low.push(il.clamp(0.0, 65_535.0) as u16);
        }
    }
    Ok(DualEnergyScan {
        high: PixelBuffer::from_u16(width, height, &high)?,
        low: PixelBuffer::from_u16(width, height, &low)?,
    })
}

#[derive(Debug, Clone, Copy)]
struct BoxArea {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl BoxArea {
    fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x0 && x < self.x1 && y >= self.y0 && y < self.y1
    }
}

fn container_box(w: f64, h: f64) -> BoxArea {
    BoxArea {
        x0: w * 0.12,
        y0: h * 0.10,
        x1: w * 0.95,
        y1: h * 0.78,
    }
}

/// The truck, the container frame and the cargo.
fn layout(w: f64, h: f64, rng: &mut SplitMix64) -> Vec<Block> {
    let c = container_box(w, h);
    let mut blocks = frame(w, h, &c);
    wheels(w, h, &mut blocks);
    cargo(w, h, &c, rng, &mut blocks);
    blocks
}

/// The steel of the truck: cab, engine, chassis, and the container's rails and posts.
fn frame(w: f64, h: f64, c: &BoxArea) -> Vec<Block> {
    vec![
        // Cab: steel shell, engine block.
        Block {
            x0: w * 0.01,
            y0: h * 0.30,
            x1: w * 0.11,
            y1: h * 0.85,
            material: STEEL,
            thickness_mm: 6.0,
        },
        Block {
            x0: w * 0.02,
            y0: h * 0.60,
            x1: w * 0.08,
            y1: h * 0.82,
            material: STEEL,
            thickness_mm: 40.0,
        },
        // Chassis beam under the container.
        Block {
            x0: w * 0.01,
            y0: h * 0.80,
            x1: w * 0.97,
            y1: h * 0.84,
            material: STEEL,
            thickness_mm: 30.0,
        },
        // Container floor and roof rails, corner posts.
        Block {
            x0: c.x0,
            y0: c.y1 - h * 0.02,
            x1: c.x1,
            y1: c.y1,
            material: STEEL,
            thickness_mm: 25.0,
        },
        Block {
            x0: c.x0,
            y0: c.y0,
            x1: c.x1,
            y1: c.y0 + h * 0.015,
            material: STEEL,
            thickness_mm: 20.0,
        },
        Block {
            x0: c.x0,
            y0: c.y0,
            x1: c.x0 + w * 0.006,
            y1: c.y1,
            material: STEEL,
            thickness_mm: 45.0,
        },
        Block {
            x0: c.x1 - w * 0.006,
            y0: c.y0,
            x1: c.x1,
            y1: c.y1,
            material: STEEL,
            thickness_mm: 45.0,
        },
    ]
}

fn wheels(w: f64, h: f64, blocks: &mut Vec<Block>) {
    // Wheels: approximated by squares of rubber and steel rims.
    for &wx in &[0.06, 0.55, 0.62, 0.85, 0.92] {
        blocks.push(Block {
            x0: w * wx - h * 0.05,
            y0: h * 0.84,
            x1: w * wx + h * 0.05,
            y1: h * 0.96,
            material: ORGANIC,
            thickness_mm: 300.0,
        });
        blocks.push(Block {
            x0: w * wx - h * 0.02,
            y0: h * 0.87,
            x1: w * wx + h * 0.02,
            y1: h * 0.93,
            material: STEEL,
            thickness_mm: 30.0,
        });
    }
}

/// Pallets along the container floor, and one dense package hidden among them.
fn cargo(w: f64, h: f64, c: &BoxArea, rng: &mut SplitMix64, blocks: &mut Vec<Block>) {
    // Pallets of cargo along the floor, stacked one or two high.
    let floor = c.y1 - h * 0.02;
    let mut x = c.x0 + w * 0.01;
    while x < c.x1 - w * 0.06 {
        let pallet_w = w * (0.035 + 0.02 * rng.next_f64());
        let material = if rng.next_f64() < 0.7 {
            ORGANIC
        } else {
            ALUMINIUM
        };
        let stack = if rng.next_f64() < 0.5 { 1 } else { 2 };
        let layer_h = (floor - c.y0) * (0.28 + 0.12 * rng.next_f64());
        for layer in 0..stack {
            let y1 = floor - f64::from(layer) * layer_h;
            blocks.push(Block {
                x0: x,
                y0: y1 - layer_h * 0.95,
                x1: x + pallet_w,
                y1,
                material,
                thickness_mm: 800.0 + 1200.0 * rng.next_f64(),
            });
            // The wooden pallet under each load.
            blocks.push(Block {
                x0: x,
                y0: y1 - h * 0.012,
                x1: x + pallet_w,
                y1,
                material: ORGANIC,
                thickness_mm: 1800.0,
            });
        }
        x += pallet_w + w * 0.004;
    }
    // A dense package hidden in the middle of the load: what an analyst looks for.
    let hx = c.x0 + (c.x1 - c.x0) * (0.3 + 0.4 * rng.next_f64());
    blocks.push(Block {
        x0: hx,
        y0: floor - h * 0.12,
        x1: hx + w * 0.012,
        y1: floor - h * 0.07,
        material: DENSE,
        thickness_mm: 250.0,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_physically_ordered() -> Result<()> {
        let a = dual_energy_scan(300, 100, 1)?;
        let b = dual_energy_scan(300, 100, 1)?;
        assert_eq!(a, b);
        let c = dual_energy_scan(300, 100, 2)?;
        assert_ne!(a.high, c.high);
        // Low energy is attenuated more than high energy on average.
        let high = a.high.to_u16()?;
        let low = a.low.to_u16()?;
        let sum = |v: &[u16]| v.iter().map(|&s| u64::from(s)).sum::<u64>();
        assert!(sum(&low) < sum(&high));
        // Not flat: the container and cargo make structure.
        let min = high.iter().min().copied().unwrap_or(0);
        let max = high.iter().max().copied().unwrap_or(0);
        assert!(max - min > 20_000, "range {min}..{max}");
        Ok(())
    }
}
