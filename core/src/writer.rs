//! Streaming writer: produces a file front to back with no seek (R2).
//!
//! ```text
//! Writer::new(sink, &metadata, options)   header, HEAD, META
//!   .personal_data(&p)                    PERS (optional)
//!   .add_plane(spec) ...                  PLAN, one per plane
//!   .write_plane(i, &pixels) / .write_tile(i, col, row, &samples)
//!   .annotation(&a) / .event(&e)          ANNO, EVNT
//!   .finish(&signers)                     MANI, SIGN..., INDX, TAIL
//! ```

use std::collections::VecDeque;
use std::io::Write;
use std::sync::mpsc::{sync_channel, Receiver, TryRecvError};

use rayon::prelude::*;

use crate::container::chunk::{ChunkType, FormatVersion, CHUNK_HEADER_LEN, MAGIC};
use crate::container::head::Head;
use crate::container::index::{Index, PlaneRef};
use crate::container::order::{ChunkInfo, OrderChecker};
use crate::container::plane::PlaneHeader;
use crate::container::tile::TileHeader;
use crate::crypto::digest::{Digest, DigestAlgorithm, SignatureChain};
use crate::detached::{DetachedSeal, PendingSignature};
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;
use crate::metadata::{
    self, Annotation, Event, PersonalData, PlaneAttributes, ScanMetadata, Validate,
};
use crate::pixels::{self, Encoding, PixelBuffer, PixelView, SampleType, TileGrid};
use crate::seal::{Ledger, Place, SignRequest};

/// Options for a new file.
#[non_exhaustive]
#[derive(Clone, Default)]
pub struct WriteOptions {
    /// The file id. `None`: a random UUID (version 4).
    pub file_id: Option<[u8; 16]>,
    /// Secret seed from which every salt is derived. `None`: random. Fix it (with the
    /// file id, the key and the signing time) to get byte-identical output (R14); keep it
    /// secret, or redacted content can be guessed from its digest.
    pub salt_seed: Option<[u8; 32]>,
    /// Digest algorithm of the manifest. SHA-256 unless chosen otherwise.
    pub digest: DigestAlgorithm,
}

/// The salt seed is secret (it lets removed content be confirmed from its digest): its
/// presence is shown, never its bytes.
impl std::fmt::Debug for WriteOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteOptions")
            .field("file_id", &self.file_id.map(uuid::Uuid::from_bytes))
            .field(
                "salt_seed",
                &self.salt_seed.map(|_| "<secret>").unwrap_or("<random>"),
            )
            .field("digest", &self.digest)
            .finish()
    }
}

impl WriteOptions {
    /// Options with a fixed file id and salt seed, for reproducible output.
    pub fn deterministic(file_id: [u8; 16], salt_seed: [u8; 32]) -> Self {
        WriteOptions {
            file_id: Some(file_id),
            salt_seed: Some(salt_seed),
            digest: DigestAlgorithm::Sha256,
        }
    }

    /// Sets the digest algorithm.
    pub fn with_digest(mut self, digest: DigestAlgorithm) -> Self {
        self.digest = digest;
        self
    }
}

/// Describes one image plane to add.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct PlaneSpec {
    /// Sample type.
    pub sample_type: SampleType,
    /// Plane width in pixels.
    pub width: u32,
    /// Plane height in pixels.
    pub height: u32,
    /// Tile width (edge tiles are clipped).
    pub tile_width: u32,
    /// Tile height.
    pub tile_height: u32,
    /// The plane shows a person or the cab (R6).
    pub personal: bool,
    /// View, channel, spacing, rescale, window.
    pub attributes: PlaneAttributes,
    /// Filters and codec for every tile.
    pub encoding: Encoding,
}

impl PlaneSpec {
    /// A plane with 512 x 512 tiles and the default encoding.
    pub fn new(
        sample_type: SampleType,
        width: u32,
        height: u32,
        attributes: PlaneAttributes,
    ) -> Self {
        PlaneSpec {
            sample_type,
            width,
            height,
            tile_width: 512,
            tile_height: 512,
            personal: false,
            attributes,
            encoding: Encoding::default(),
        }
    }

    /// Sets the tile size.
    pub fn with_tile_size(mut self, tile_width: u32, tile_height: u32) -> Self {
        self.tile_width = tile_width;
        self.tile_height = tile_height;
        self
    }

    /// Sets the encoding.
    pub fn with_encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Marks the plane as personal data.
    pub fn personal(mut self, personal: bool) -> Self {
        self.personal = personal;
        self
    }
}

#[derive(Debug)]
struct PlaneState {
    index: u16,
    sample_type: SampleType,
    grid: TileGrid,
    encoding: Encoding,
    tiles_written: u64,
}

/// Writes one scanx file to any `Write`, front to back.
#[derive(Debug)]
pub struct Writer<W: Write> {
    sink: W,
    ledger: Ledger,
    order: OrderChecker,
    salts: SaltSource,
    planes: Vec<PlaneState>,
    /// Tiles given to [`Writer::write_tile`] and being encoded in the thread pool, oldest
    /// first, each with the channel its encoded form comes back on.
    encoding: VecDeque<Receiver<Result<PreparedTile>>>,
    /// `HEAD`, `META`, `PERS` and `PLAN`, held until the first tile or later chunk: the
    /// file header that goes before them names the format's minor version, which depends
    /// on the codecs of the planes (section 3.2.2), and every plane is declared before any
    /// tile. `None` once written.
    preamble: Option<Vec<u8>>,
}

/// Tiles `write_tile` lets the pool encode ahead of the sink: enough to keep every thread
/// busy, few enough that the samples held stay a handful of tiles.
/// The samples of a band of tiles that `write_plane_view` encodes at once, while the band
/// before is written.
const BAND_BYTES: usize = 8 << 20;

fn max_tiles_in_flight() -> usize {
    2 * rayon::current_num_threads() + 2
}

impl<W: Write> Writer<W> {
    /// Starts a file: validates the metadata and prepares the file header, `HEAD` and
    /// `META`. They reach the sink, after the planes' `PLAN` chunks are declared, with the
    /// first tile (or the first later chunk), so an error of the sink shows then.
    pub fn new(sink: W, metadata: &ScanMetadata, options: WriteOptions) -> Result<Self> {
        metadata.validate()?;
        let file_id = options
            .file_id
            .unwrap_or_else(|| *uuid::Uuid::new_v4().as_bytes());
        let salt_seed = match options.salt_seed {
            Some(seed) => seed,
            None => random_seed()?,
        };
        // The minor version is settled when the preamble is written (`write_preamble`).
        let version = FormatVersion::CURRENT;
        let mut writer = Writer {
            sink,
            ledger: Ledger {
                file_id,
                version,
                algorithm: options.digest,
                offset: crate::container::FILE_HEADER_LEN,
                index: Index::default(),
                entries: Vec::new(),
                generation: 1,
                previous_manifest: [0; 32],
                chain: SignatureChain::new(options.digest, &file_id),
            },
            order: OrderChecker::new(&Limits::unlimited()),
            salts: SaltSource { seed: salt_seed },
            planes: Vec::new(),
            encoding: VecDeque::new(),
            preamble: Some(Vec::new()),
        };
        writer.emit(
            ChunkType::HEAD,
            &[&Head {
                file_id,
                algorithm: options.digest,
            }
            .encode()],
            ChunkInfo::Other,
            Place::NONE,
        )?;
        writer.emit(
            ChunkType::META,
            &[&metadata::to_json(metadata)],
            ChunkInfo::Other,
            Place::NONE,
        )?;
        Ok(writer)
    }

    /// The file id.
    pub fn file_id(&self) -> [u8; 16] {
        self.ledger.file_id
    }

    /// Writes the personal-data chunk. Must come right after the metadata.
    pub fn personal_data(&mut self, personal: &PersonalData) -> Result<()> {
        personal.validate()?;
        let salt = self.salts.salt(b"PERS", 0, 0, 0);
        self.emit(
            ChunkType::PERS,
            &[&salt, &metadata::to_json(personal)],
            ChunkInfo::Other,
            Place::NONE,
        )
    }

    /// Declares a plane and writes its `PLAN` chunk; returns its index. All planes must be
    /// declared before any tile is written.
    pub fn add_plane(&mut self, spec: PlaneSpec) -> Result<u16> {
        spec.attributes.validate()?;
        spec.encoding.validate()?;
        let index = u16::try_from(self.planes.len())
            .map_err(|_| Error::invalid_argument("too many planes"))?;
        let grid = TileGrid::new(spec.width, spec.height, spec.tile_width, spec.tile_height)?;
        let header = PlaneHeader {
            index,
            sample_type: spec.sample_type,
            personal: spec.personal,
            grid,
            attributes_json: metadata::to_json(&spec.attributes),
        };
        if header.attributes_json.len() > u32::MAX as usize {
            return Err(Error::invalid_argument("plane attributes are too large"));
        }
        let plan_entry = self.ledger.index.entries.len() as u32;
        self.emit(
            ChunkType::PLAN,
            &[&header.encode()],
            ChunkInfo::Plane { index, grid },
            Place {
                plane: index,
                col: 0,
                row: 0,
            },
        )?;
        self.ledger.add_plane_ref(PlaneRef {
            grid,
            sample_type: spec.sample_type,
            flags: u8::from(spec.personal),
            plan_entry,
        });
        self.planes.push(PlaneState {
            index,
            sample_type: spec.sample_type,
            grid,
            encoding: spec.encoding,
            tiles_written: 0,
        });
        Ok(index)
    }

    /// Encodes and writes every tile of a plane. Tiles are encoded and digested in
    /// parallel, then written in order.
    pub fn write_plane(&mut self, plane: u16, pixels: &PixelBuffer) -> Result<()> {
        self.write_plane_view(plane, PixelView::from(pixels))
    }

    /// Encodes and writes every tile of a plane from borrowed samples (a numpy array, a C
    /// buffer), with any row stride. Each tile is copied out once, since filters work in
    /// place, and encoded and digested in parallel; tiles are written in order.
    pub fn write_plane_view(&mut self, plane: u16, pixels: PixelView<'_>) -> Result<()> {
        self.write_preamble()?;
        self.write_encoded_tiles(0)?;
        let state = self.plane_state(plane)?;
        if pixels.sample_type() != state.sample_type
            || pixels.width() != state.grid.width
            || pixels.height() != state.grid.height
        {
            return Err(Error::invalid_argument(format!(
                "plane {plane} is {}x{} {}, the pixels given are {}x{} {}",
                state.grid.width,
                state.grid.height,
                state.sample_type.name(),
                pixels.width(),
                pixels.height(),
                pixels.sample_type().name()
            )));
        }
        if state.tiles_written != 0 {
            return Err(Error::new(
                ErrorKind::InvalidState,
                format!("plane {plane} already has tiles written"),
            ));
        }
        let encoder = self.tile_encoder(plane)?;
        let grid = encoder.grid;
        let positions: Vec<(u32, u32)> = (0..grid.rows())
            .flat_map(|row| (0..grid.cols()).map(move |col| (col, row)))
            .collect();
        let prepare = |band: &[(u32, u32)]| -> Result<Vec<PreparedTile>> {
            band.par_iter()
                .map(|&(col, row)| {
                    let samples = pixels::extract_tile(pixels, &grid, col, row)?;
                    encoder.prepare(col, row, samples)
                })
                .collect()
        };
        // Bands of tiles: the pool encodes and digests the next band while this thread
        // writes the one before, so hashing overlaps the sink's writes and at most two
        // bands of encoded tiles are held, not the whole plane.
        let tile_bytes = grid.tile_width as usize
            * grid.tile_height as usize
            * encoder.sample_type.bytes_per_sample();
        let band_len = (BAND_BYTES / tile_bytes.max(1)).max(2 * rayon::current_num_threads());
        let mut bands = positions.chunks(band_len);
        let mut ready = match bands.next() {
            Some(first) => prepare(first)?,
            None => Vec::new(),
        };
        loop {
            let next = bands.next();
            let mut prepared = None;
            // The sink need not be `Send`: this thread writes, the pool prepares; the
            // scope's end waits for (and, on a pool thread, helps with) the next band.
            let written = rayon::in_place_scope(|scope| {
                if let Some(band) = next {
                    let prepared = &mut prepared;
                    let prepare = &prepare;
                    scope.spawn(move |_| *prepared = Some(prepare(band)));
                }
                for tile in ready {
                    self.feed_tile_order(tile.place())?;
                    self.write_prepared(tile)?;
                }
                Ok::<(), Error>(())
            });
            written?;
            match prepared {
                Some(band) => ready = band?,
                None => return Ok(()),
            }
        }
    }

    /// Encodes and writes one tile, for a scanner that streams tiles as it captures them.
    /// Tiles must come in order: plane by plane, row by row, column by column.
    ///
    /// The tile's position, order and size are checked here; it is then encoded and
    /// digested by the thread pool while the caller captures the next ones, and written in
    /// order as the encodings come back (a few tiles are held at most). The rare failure
    /// of an encoding (memory) is reported by a later call: `write_tile`, `finish` or any
    /// call that writes a chunk.
    pub fn write_tile(&mut self, plane: u16, col: u32, row: u32, samples: &[u8]) -> Result<()> {
        self.write_preamble()?;
        let encoder = self.tile_encoder(plane)?;
        check_tile_size(
            plane,
            col,
            row,
            encoder.sample_type,
            &encoder.grid,
            samples.len(),
        )?;
        self.feed_tile_order(Place { plane, col, row })?;
        let (send, receive) = sync_channel(1);
        let samples = samples.to_vec();
        rayon::spawn(move || {
            // The writer may be gone (dropped after an error): then nobody waits.
            let _ = send.send(encoder.prepare(col, row, samples));
        });
        self.encoding.push_back(receive);
        self.write_encoded_tiles(max_tiles_in_flight())
    }

    /// Writes, in order, the tiles of [`Writer::write_tile`] whose encoding is done,
    /// waiting for the oldest while more than `keep` are in flight (`keep` 0: all).
    fn write_encoded_tiles(&mut self, keep: usize) -> Result<()> {
        while let Some(oldest) = self.encoding.front() {
            let tile = if self.encoding.len() > keep {
                oldest.recv().ok()
            } else {
                match oldest.try_recv() {
                    Ok(tile) => Some(tile),
                    Err(TryRecvError::Empty) => return Ok(()),
                    Err(TryRecvError::Disconnected) => None,
                }
            };
            self.encoding.pop_front();
            let tile = tile.ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidState,
                    "a tile's encoding ended without a result",
                )
            })??;
            self.write_prepared(tile)?;
        }
        Ok(())
    }

    /// Appends an annotation record.
    pub fn annotation(&mut self, annotation: &Annotation) -> Result<()> {
        annotation.validate()?;
        let plane = self.planes.get(usize::from(annotation.plane));
        if !plane.is_some_and(|p| annotation.geometry.fits_within(p.grid.width, p.grid.height)) {
            return Err(Error::invalid_argument(format!(
                "annotation {} must refer to one of the {} planes added and lie within it",
                annotation.id,
                self.planes.len()
            )));
        }
        self.emit(
            ChunkType::ANNO,
            &[&metadata::to_json(annotation)],
            ChunkInfo::Other,
            Place::NONE,
        )
    }

    /// Appends a provenance event.
    pub fn event(&mut self, event: &Event) -> Result<()> {
        event.validate()?;
        self.emit(
            ChunkType::EVNT,
            &[&metadata::to_json(event)],
            ChunkInfo::Other,
            Place::NONE,
        )
    }

    /// Writes a chunk of a type this version does not define (a vendor's ancillary chunk,
    /// with a lower-case first letter). Readers skip it; signatures cover it.
    pub fn ancillary_chunk(&mut self, chunk_type: ChunkType, payload: &[u8]) -> Result<()> {
        if chunk_type.is_known() || chunk_type.is_critical() || !chunk_type.is_well_formed() {
            return Err(Error::invalid_argument(format!(
                "{chunk_type} is not an ancillary extension chunk type (four letters, the first lower-case)"
            )));
        }
        self.emit(chunk_type, &[payload], ChunkInfo::Other, Place::NONE)
    }

    /// Writes the manifest, the signatures (none: an unsigned file), the index and the
    /// tail, flushes, and returns the sink. Fails if a plane is missing tiles.
    pub fn finish(mut self, signers: &[SignRequest<'_>]) -> Result<W> {
        self.write_encoded_tiles(0)?;
        self.check_complete()?;
        self.write_preamble()?;
        self.order
            .feed(ChunkType::MANI, ChunkInfo::Other, self.ledger.offset)?;
        self.ledger.seal(&mut self.sink, signers)?;
        Ok(self.sink)
    }

    /// Every plane added and every tile written.
    fn check_complete(&self) -> Result<()> {
        if self.planes.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "a scan needs at least one plane",
            ));
        }
        for p in &self.planes {
            if p.tiles_written != p.grid.tile_count() {
                return Err(Error::new(
                    ErrorKind::InvalidState,
                    format!(
                        "plane {} has {} of its {} tiles written",
                        p.index,
                        p.tiles_written,
                        p.grid.tile_count()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// As [`Writer::finish`], for signatures made elsewhere and later (an offline HSM):
    /// writes up to the manifest and returns a [`DetachedSeal`] that gives each message
    /// to sign and takes each signature back, then writes the index and the tail.
    pub fn finish_detached(mut self, pending: Vec<PendingSignature>) -> Result<DetachedSeal<W>> {
        self.write_encoded_tiles(0)?;
        self.check_complete()?;
        self.write_preamble()?;
        self.order
            .feed(ChunkType::MANI, ChunkInfo::Other, self.ledger.offset)?;
        let sealing = self.ledger.begin_seal(&mut self.sink, pending.len())?;
        Ok(DetachedSeal::new(self.sink, sealing, pending))
    }

    /// What the pool needs to encode and digest tiles of `plane`, owned so that a task can
    /// outlive the borrow of the writer.
    fn tile_encoder(&self, plane: u16) -> Result<TileEncoder> {
        let state = self.plane_state(plane)?;
        Ok(TileEncoder {
            algorithm: self.ledger.algorithm,
            file_id: self.ledger.file_id,
            salts: self.salts.clone(),
            plane,
            sample_type: state.sample_type,
            grid: state.grid,
            encoding: state.encoding.clone(),
        })
    }

    fn plane_state(&self, plane: u16) -> Result<&PlaneState> {
        self.planes.get(usize::from(plane)).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("plane {plane} has not been added"),
            )
        })
    }

    fn emit(
        &mut self,
        chunk_type: ChunkType,
        parts: &[&[u8]],
        info: ChunkInfo,
        place: Place,
    ) -> Result<()> {
        let in_preamble = matches!(
            chunk_type,
            ChunkType::HEAD | ChunkType::META | ChunkType::PERS | ChunkType::PLAN
        );
        if !in_preamble {
            self.write_preamble()?;
        }
        self.write_encoded_tiles(0)?;
        self.order
            .feed(chunk_type, info, self.ledger.offset)
            .map_err(|e| Error::new(ErrorKind::InvalidState, e.message().to_string()))?;
        match &mut self.preamble {
            Some(held) => self.ledger.write_parts(held, chunk_type, parts, place),
            None => self
                .ledger
                .write_parts(&mut self.sink, chunk_type, parts, place),
        }
    }

    /// Writes the file header and the chunks held before it, once. The minor version is
    /// 1 if a plane is encoded with a codec of version 1.1 (`rice`), else 0, so that a
    /// file without them stays a 1.0 file. A plane declared after this point (only after
    /// an annotation or event, since tiles come after every plane) no longer changes it.
    fn write_preamble(&mut self) -> Result<()> {
        let Some(held) = self.preamble.take() else {
            return Ok(());
        };
        let minor = self
            .planes
            .iter()
            .map(|p| p.encoding.codec.format_minor())
            .max()
            .unwrap_or(0);
        let version = FormatVersion {
            major: FormatVersion::CURRENT.major,
            minor,
        };
        self.ledger.version = version;
        self.sink.write_all(&MAGIC)?;
        self.sink.write_all(&version.to_bytes())?;
        self.sink.write_all(&held)?;
        Ok(())
    }

    /// Checks that a tile comes where the order allows, before it is encoded.
    fn feed_tile_order(&mut self, tile: Place) -> Result<()> {
        self.order
            .feed(
                ChunkType::TILE,
                ChunkInfo::Tile {
                    plane: tile.plane,
                    col: tile.col,
                    row: tile.row,
                },
                self.ledger.offset,
            )
            .map_err(|e| Error::new(ErrorKind::InvalidState, e.message().to_string()))
    }

    /// Writes an encoded tile whose place in the order [`Writer::feed_tile_order`] checked.
    fn write_prepared(&mut self, tile: PreparedTile) -> Result<()> {
        let place = tile.place();
        let header = tile.header.encode();
        let payload_len = (header.len() + tile.data.len()) as u64;
        self.sink.write_all(&crate::container::chunk::chunk_header(
            ChunkType::TILE,
            payload_len,
        ))?;
        self.sink.write_all(&header)?;
        self.sink.write_all(&tile.data)?;
        self.ledger.record(
            ChunkType::TILE,
            CHUNK_HEADER_LEN + payload_len,
            tile.digest,
            place,
        );
        if let Some(state) = self.planes.get_mut(usize::from(place.plane)) {
            state.tiles_written += 1;
        }
        Ok(())
    }
}

/// An encoded, digested tile waiting to be written in order.
struct PreparedTile {
    header: TileHeader,
    data: Vec<u8>,
    digest: Digest,
}

impl PreparedTile {
    fn place(&self) -> Place {
        Place {
            plane: self.header.plane,
            col: self.header.col,
            row: self.header.row,
        }
    }
}

/// How the tiles of one plane are encoded and digested.
struct TileEncoder {
    algorithm: DigestAlgorithm,
    file_id: [u8; 16],
    salts: SaltSource,
    plane: u16,
    sample_type: SampleType,
    grid: TileGrid,
    encoding: Encoding,
}

/// Checks that `len` bytes are the samples of tile (`col`, `row`) of the plane, and gives
/// the tile's decoded length.
fn check_tile_size(
    plane: u16,
    col: u32,
    row: u32,
    sample_type: SampleType,
    grid: &TileGrid,
    len: usize,
) -> Result<u64> {
    let rect = grid.tile_rect(col, row).ok_or_else(|| {
        Error::invalid_argument(format!(
            "tile ({col}, {row}) is outside plane {plane}'s grid of {}x{} tiles",
            grid.cols(),
            grid.rows()
        ))
    })?;
    let decoded_length = u64::from(rect.width)
        .saturating_mul(u64::from(rect.height))
        .saturating_mul(sample_type.bytes_per_sample() as u64);
    if len as u64 != decoded_length {
        return Err(Error::invalid_argument(format!(
            "tile ({col}, {row}) of plane {plane} needs {decoded_length} bytes, got {len}"
        )));
    }
    Ok(decoded_length)
}

impl TileEncoder {
    /// Encodes and digests the packed `samples` of tile (`col`, `row`), filtering them in
    /// place.
    fn prepare(&self, col: u32, row: u32, samples: Vec<u8>) -> Result<PreparedTile> {
        let TileEncoder {
            algorithm,
            ref file_id,
            ref salts,
            plane,
            sample_type,
            ref grid,
            ref encoding,
        } = *self;
        let decoded_length = check_tile_size(plane, col, row, sample_type, grid, samples.len())?;
        let width = grid.tile_rect(col, row).map_or(0, |r| r.width);
        // The encoding was validated when the plane was added.
        let data = pixels::encode_owned(samples, sample_type, width, encoding)?;
        let header = TileHeader {
            salt: salts.salt(b"TILE", plane, col, row),
            plane,
            codec: encoding.codec,
            filters: encoding.filters.clone(),
            col,
            row,
            decoded_length,
        };
        let header_bytes = header.encode();
        let payload_len = (header_bytes.len() + data.len()) as u64;
        let chunk_header = crate::container::chunk::chunk_header(ChunkType::TILE, payload_len);
        let digest = crate::crypto::digest::chunk_digest_of_parts(
            algorithm,
            file_id,
            &[&chunk_header, &header_bytes, &data],
        );
        Ok(PreparedTile {
            header,
            data,
            digest,
        })
    }
}

/// Derives every salt of a file from one secret seed, so output is reproducible when the
/// seed is fixed and unguessable when it is secret.
#[derive(Clone)]
pub(crate) struct SaltSource {
    seed: [u8; 32],
}

impl std::fmt::Debug for SaltSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SaltSource(..)")
    }
}

impl SaltSource {
    pub(crate) fn salt(&self, kind: &[u8; 4], plane: u16, col: u32, row: u32) -> [u8; 16] {
        let d = DigestAlgorithm::Sha256.digest(&[
            b"scanx-salt-v1\0",
            &self.seed,
            kind,
            &plane.to_le_bytes(),
            &col.to_le_bytes(),
            &row.to_le_bytes(),
        ]);
        let mut salt = [0u8; 16];
        salt.copy_from_slice(&d[..16]);
        salt
    }
}

/// 32 bytes from the operating system's random source.
pub(crate) fn random_seed() -> Result<[u8; 32]> {
    use rand_core::{OsRng, RngCore};
    let mut seed = [0u8; 32];
    OsRng
        .try_fill_bytes(&mut seed)
        .map_err(|e| Error::new(ErrorKind::Io, format!("no random source: {e}")))?;
    Ok(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_salt_seed() {
        let options = WriteOptions::deterministic([1; 16], [0xAB; 32]);
        let text = format!("{options:?}");
        assert!(text.contains("<secret>"), "{text}");
        assert!(
            !text.contains("171"),
            "the seed's bytes (0xAB = 171) leak: {text}"
        );
    }

    /// A u16 plane of 64 x 64 tiles (clipped at the edges), written whole or tile by tile
    /// with the same options.
    fn file(tile_by_tile: bool, width: u32, height: u32) -> Result<Vec<u8>> {
        let samples: Vec<u16> = (0..width * height).map(|i| (i * 7 % 4093) as u16).collect();
        let pixels = PixelBuffer::from_u16(width, height, &samples)?;
        let mut w = Writer::new(
            Vec::new(),
            &ScanMetadata::example(),
            WriteOptions::deterministic([3; 16], [4; 32]),
        )?;
        let spec = PlaneSpec::new(
            SampleType::U16,
            width,
            height,
            PlaneAttributes::example_high_energy(),
        )
        .with_tile_size(64, 64);
        let grid = TileGrid::new(width, height, 64, 64)?;
        let p = w.add_plane(spec)?;
        if tile_by_tile {
            for row in 0..grid.rows() {
                for col in 0..grid.cols() {
                    let tile = pixels::extract_tile(&pixels, &grid, col, row)?;
                    w.write_tile(p, col, row, &tile)?;
                }
            }
        } else {
            w.write_plane(p, &pixels)?;
        }
        // A chunk after the tiles: every tile in flight is written before it.
        w.ancillary_chunk(ChunkType(*b"xTST"), b"after the tiles")?;
        w.finish(&[])
    }

    #[test]
    fn tiles_encoded_in_the_pool_are_written_in_order() -> Result<()> {
        assert_eq!(file(true, 300, 200)?, file(false, 300, 200)?);
        Ok(())
    }

    #[test]
    fn a_plane_written_in_several_bands_is_the_plane_written_tile_by_tile() -> Result<()> {
        // 2600 x 2000 u16 is 10.4 MB: more than one band of `BAND_BYTES`, the last short.
        let (width, height) = (2600, 2000);
        assert!(2 * (width * height) as usize > BAND_BYTES);
        let whole = file(false, width, height)?;
        assert_eq!(file(true, width, height)?, whole);
        let scan = crate::read_bytes(&whole, &crate::ReadOptions::default())?;
        let samples: Vec<u16> = (0..width * height).map(|i| (i * 7 % 4093) as u16).collect();
        assert_eq!(scan.planes[0].pixels.to_u16()?, samples);
        Ok(())
    }

    #[test]
    fn write_tile_checks_order_and_size_before_encoding() -> Result<()> {
        let mut w = Writer::new(
            Vec::new(),
            &ScanMetadata::example(),
            WriteOptions::default(),
        )?;
        let spec = PlaneSpec::new(
            SampleType::U16,
            128,
            64,
            PlaneAttributes::example_high_energy(),
        )
        .with_tile_size(64, 64);
        let p = w.add_plane(spec)?;
        let tile = vec![0u8; 64 * 64 * 2];
        let short = w.write_tile(p, 0, 0, &tile[1..]).expect_err("a short tile");
        assert_eq!(short.kind(), ErrorKind::InvalidArgument);
        let outside = w
            .write_tile(p, 2, 0, &tile)
            .expect_err("a tile outside the grid");
        assert_eq!(outside.kind(), ErrorKind::InvalidArgument);
        w.write_tile(p, 1, 0, &tile)?;
        let again = w
            .write_tile(p, 0, 0, &tile)
            .expect_err("a tile before the last one written");
        assert_eq!(again.kind(), ErrorKind::InvalidState);
        // Plane 0 lacks its tile (0, 0): refused once the tile in flight is written.
        let incomplete = w.finish(&[]).expect_err("a plane missing a tile");
        assert_eq!(incomplete.kind(), ErrorKind::InvalidState);
        Ok(())
    }
}
