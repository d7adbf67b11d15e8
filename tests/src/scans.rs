//! Small scans written with the library: the valid vectors, and the valid files the invalid
//! vectors are cut from.

use scanx::metadata::{
    Action, Actor, Annotation, Category, Event, Geometry, PersonalData, PlaneAttributes,
    ScanMetadata,
};
use scanx::pixels::{Encoding, PixelBuffer, SampleType};
use scanx::{DigestAlgorithm, PlaneSpec, Result, Role, SignRequest, Timestamp, Writer};

use crate::vector::Context;

/// A scan to write: metadata, optional personal data, planes with their pixels,
/// annotations and events.
#[derive(Debug, Clone)]
pub struct ScanBuilder {
    metadata: ScanMetadata,
    personal: Option<PersonalData>,
    planes: Vec<(PlaneSpec, PixelBuffer)>,
    annotations: Vec<Annotation>,
    events: Vec<Event>,
    digest: DigestAlgorithm,
}

impl Default for ScanBuilder {
    fn default() -> Self {
        ScanBuilder::new()
    }
}

impl ScanBuilder {
    /// The example metadata and nothing else yet.
    pub fn new() -> ScanBuilder {
        ScanBuilder {
            metadata: ScanMetadata::example(),
            personal: None,
            planes: Vec::new(),
            annotations: Vec::new(),
            events: Vec::new(),
            digest: DigestAlgorithm::Sha256,
        }
    }

    /// Replaces the scan metadata.
    pub fn metadata(mut self, metadata: ScanMetadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// Adds a personal-data chunk.
    pub fn personal(mut self, personal: PersonalData) -> Self {
        self.personal = Some(personal);
        self
    }

    /// Adds a plane and the pixels of all its tiles.
    pub fn plane(mut self, spec: PlaneSpec, pixels: PixelBuffer) -> Self {
        self.planes.push((spec, pixels));
        self
    }

    /// Adds a plane of `width` x `height` samples of a deterministic pattern, tiled
    /// `tile_width` x `tile_height`, written with `encoding`.
    pub fn pattern_plane(
        self,
        sample_type: SampleType,
        (width, height): (u32, u32),
        (tile_width, tile_height): (u32, u32),
        encoding: Encoding,
        attributes: PlaneAttributes,
        seed: u64,
    ) -> Result<Self> {
        let pixels = pattern(sample_type, width, height, seed)?;
        let spec = PlaneSpec::new(sample_type, width, height, attributes)
            .with_tile_size(tile_width, tile_height)
            .with_encoding(encoding);
        Ok(self.plane(spec, pixels))
    }

    /// Adds an annotation record.
    pub fn annotation(mut self, annotation: Annotation) -> Self {
        self.annotations.push(annotation);
        self
    }

    /// Adds a provenance event.
    pub fn event(mut self, event: Event) -> Self {
        self.events.push(event);
        self
    }

    /// Chooses the digest algorithm of the manifest.
    pub fn digest(mut self, digest: DigestAlgorithm) -> Self {
        self.digest = digest;
        self
    }

    /// Writes the file, unsigned, with the context's fixed file id and salt seed.
    pub fn write(&self, ctx: &Context) -> Result<Vec<u8>> {
        self.write_signed(ctx, &[])
    }

    /// Writes the file with the context's fixed file id and salt seed, generation 1 signed
    /// by `signers` (none: unsigned).
    pub fn write_signed(&self, ctx: &Context, signers: &[SignRequest<'_>]) -> Result<Vec<u8>> {
        let mut w = Writer::new(
            Vec::new(),
            &self.metadata,
            ctx.options().with_digest(self.digest),
        )?;
        if let Some(p) = &self.personal {
            w.personal_data(p)?;
        }
        let mut indices = Vec::with_capacity(self.planes.len());
        for (spec, _) in &self.planes {
            indices.push(w.add_plane(spec.clone())?);
        }
        for (index, (_, pixels)) in indices.into_iter().zip(&self.planes) {
            w.write_plane(index, pixels)?;
        }
        for a in &self.annotations {
            w.annotation(a)?;
        }
        for e in &self.events {
            w.event(e)?;
        }
        w.finish(signers)
    }
}

/// The file most invalid vectors are cut from: personal data, one 8 x 6 u16 plane in 2 x 2
/// stored tiles of 4 x 3 (so tile bytes are easy to edit), an annotation and an event.
pub fn base(ctx: &Context) -> Result<Vec<u8>> {
    base_builder()?.write(ctx)
}

/// The builder of [`base`], for recipes that change one thing before writing.
pub fn base_builder() -> Result<ScanBuilder> {
    Ok(ScanBuilder::new()
        .personal(PersonalData::example())
        .pattern_plane(
            SampleType::U16,
            (8, 6),
            (4, 3),
            Encoding::stored(),
            PlaneAttributes::example_high_energy(),
            1,
        )?
        .annotation(small_annotation(0, "6f1d2c3b-8a9e-4f70-b1c2-d3e4f5a6b7c8"))
        .event(capture_event()))
}

/// A box annotation on `plane` that fits in a plane of 4 x 4 pixels or more.
pub fn small_annotation(plane: u16, id: &str) -> Annotation {
    let geometry = Geometry::BoundingBox {
        x: 1,
        y: 1,
        width: 3,
        height: 2,
    };
    Annotation::new(plane, geometry, Category::Narcotics)
        .with_id(id)
        .with_label("dense blocks behind the evaporator panel")
        .with_confidence(0.87)
        .by_algorithm("acme-anomaly", "2.3.0")
        .with_created(at("2026-03-01T08:16:02.350Z"))
}

/// A time the recipes spell out, as text for the reader of the recipe.
///
/// # Panics
///
/// If `text` is not a time, which is a mistake in the recipe.
pub fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).expect("a recipe's time is valid")
}

/// The scanner's capture event.
pub fn capture_event() -> Event {
    let actor = Actor::from_key_id("00112233445566778899aabbccddeeff", Role::Scanner, None);
    Event::new(at("2026-03-01T08:15:31Z"), actor, Action::Capture {})
        .with_id("0d5e3c1a-7b2f-4e9d-8a6c-5f4b3a2e1d0c")
}

/// A deterministic image: a gradient in both directions (what the predictors are for) with
/// a little noise from a fixed pseudo-random sequence (so compression has work to do).
pub fn pattern(sample_type: SampleType, width: u32, height: u32, seed: u64) -> Result<PixelBuffer> {
    let mut noise = Noise::new(seed);
    let n = width as usize * height as usize;
    let mut at = Vec::with_capacity(n);
    for y in 0..height {
        for x in 0..width {
            at.push((u64::from(x), u64::from(y), noise.next_value()));
        }
    }
    match sample_type {
        SampleType::U8 => {
            let s: Vec<u8> = at
                .iter()
                .map(|&(x, y, r)| (x * 3 + y * 5 + r % 8) as u8)
                .collect();
            PixelBuffer::from_u8(width, height, &s)
        }
        SampleType::U16 => {
            let s: Vec<u16> = at
                .iter()
                .map(|&(x, y, r)| (1000 + x * 37 + y * 91 + r % 64) as u16)
                .collect();
            PixelBuffer::from_u16(width, height, &s)
        }
        SampleType::U32 => {
            let s: Vec<u32> = at
                .iter()
                .map(|&(x, y, r)| (70_000 + x * 100_003 + y * 7_919 + r % 1024) as u32)
                .collect();
            PixelBuffer::from_u32(width, height, &s)
        }
        SampleType::F32 => {
            let s: Vec<f32> = at
                .iter()
                .map(|&(x, y, r)| x as f32 * 0.25 + y as f32 * 0.5 + (r % 1000) as f32 * 1e-3)
                .collect();
            PixelBuffer::from_f32(width, height, &s)
        }
        other => Err(scanx::Error::invalid_argument(format!(
            "no pattern for sample type {}",
            other.name()
        ))),
    }
}

/// xorshift64*: a fixed, portable pseudo-random sequence.
#[derive(Debug)]
pub struct Noise(u64);

impl Noise {
    /// A sequence started from `seed`.
    pub fn new(seed: u64) -> Noise {
        Noise(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    /// The next value.
    pub fn next_value(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}
