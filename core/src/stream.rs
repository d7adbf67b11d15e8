//! One forward pass over a whole file from any `Read` (R2): every structure checked, every
//! tile decoded, the index rebuilt and compared. Suits a network stream, and is the reader
//! the conformance vectors are judged by.

use std::io::Read;

use std::collections::BTreeSet;

use crate::bands::{BandDecoder, PendingTile, Shared};
use crate::container::chunk::{ChunkStream, ChunkType, RawChunk, CHUNK_HEADER_LEN};
use crate::container::index::{Index, IndexEntry, PlaneRef};
use crate::container::walk::{tile_ref, Decoded, Walked, Walker};
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;
use crate::model::{Plane, PlaneInfo, Scan, TileRef, UnknownChunk};
use crate::parse::{
    check_annotation, check_tile_against_plane, parse_payload, redacted_tiles, Parsed,
};
use crate::pixels::PixelBuffer;

/// Options for reading.
#[non_exhaustive]
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Resource limits.
    pub limits: Limits,
    /// Check every chunk read against the digests its manifest lists (and the manifests
    /// against each other, and every signature present against its key), failing with
    /// `DIGEST_MISMATCH` or `BAD_SIGNATURE` on the first chunk that does not match. This
    /// is integrity, not trust: it says the bytes are those the file's signers sealed,
    /// not who they are (use [`crate::verify`] for that). Off by default in the Rust API;
    /// the C, Python and command-line front ends turn it on.
    pub check_digests: bool,
    /// Set by the verifier, which checks manifest numbering and algorithms itself and
    /// reports each with its own reason instead of a format error.
    pub(crate) manifests_checked_by_verifier: bool,
}

impl ReadOptions {
    /// Options with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        ReadOptions {
            limits,
            ..ReadOptions::default()
        }
    }

    /// Turns the integrity check of every chunk read on or off (see
    /// [`ReadOptions::check_digests`]).
    pub fn with_digest_check(mut self, check: bool) -> Self {
        self.check_digests = check;
        self
    }
}

/// Reads a whole file in one forward pass. `total_len`, when known, lets lengths be
/// checked against the bytes left before anything is read.
///
/// What it checks: the structure of every chunk and the order of the chunks, every
/// length against the limits, metadata against the schema rules, every tile's header
/// and decoded size, and the index, rebuilt and compared byte for byte. It does not
/// compare chunks with their manifest digests unless [`ReadOptions::check_digests`] is
/// set: without it, an altered tile whose structure is intact reads as altered pixels.
pub fn read_stream<R: Read>(
    reader: R,
    total_len: Option<u64>,
    options: &ReadOptions,
) -> Result<Scan> {
    if options.check_digests {
        return crate::verify::read_checked(reader, total_len, options);
    }
    read_pass(
        reader,
        total_len,
        options,
        &mut |_, _| Ok(()),
        &|_| (),
        Pixels::Keep,
    )
}

/// Reads a whole file from memory.
pub fn read_bytes(bytes: &[u8], options: &ReadOptions) -> Result<Scan> {
    read_stream(bytes, Some(bytes.len() as u64), options)
}

/// Reads a whole file from a path (opened read-only; never modified).
pub fn read_path(path: impl AsRef<std::path::Path>, options: &ReadOptions) -> Result<Scan> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!("cannot open {}: {e}", path.display()),
        )
    })?;
    let len = file.metadata()?.len();
    read_stream(
        std::io::BufReader::with_capacity(1 << 20, file),
        Some(len),
        options,
    )
}

/// What a forward pass does with the pixels it decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pixels {
    /// Decoded into the planes of the scan.
    Keep,
    /// Decoded, so that every tile is checked as a read checks it, into one scratch
    /// buffer per task and dropped: the verifier needs the checks, not the pixels, and a
    /// verification then holds no more than the compressed tiles. Each plane of the scan
    /// returned holds a single sample.
    Discard,
}

/// Called with every chunk once it has been checked, with what the walker made of it (the
/// verifier digests chunks this way, in the same pass).
pub(crate) type Observer<'a> = dyn FnMut(&RawChunk, &Walked) -> Result<()> + 'a;

/// The forward pass behind [`read_stream`], keeping or discarding the pixels. `observer`
/// sees every chunk as it is read; `tile_observer` sees every `TILE` chunk a second time,
/// from the parallel step that decodes the tiles (the verifier digests tiles there: in
/// parallel, and without copying them).
///
/// Chunks are read and checked in order; from the first tile on, the tiles of each band
/// are decoded by tasks of the thread pool while the pass reads on (see [`crate::bands`]),
/// so the pass holds a bounded amount of compressed data whatever the file's size.
pub(crate) fn read_pass<R: Read>(
    reader: R,
    total_len: Option<u64>,
    options: &ReadOptions,
    observer: &mut Observer<'_>,
    tile_observer: &(dyn Fn(&RawChunk) + Sync),
    pixels_mode: Pixels,
) -> Result<Scan> {
    let mut chunks = ChunkStream::new(reader, total_len, options.limits.clone())?;
    let mut pass = Pass::new(chunks.version(), options);
    let mut first_tile = None;
    while let Some(raw) = chunks.next_chunk()? {
        if let Some(tile) = pass.feed(raw, observer)? {
            first_tile = Some(tile);
            break;
        }
    }

    // Every PLAN precedes the first TILE (the order checker holds to it), so the planes
    // are known here, and their buffers are made before the tiles that fill them.
    let shared = Shared::new(tile_observer);
    let planes = pass.planes.clone();
    let mut buffers = None;
    if let Some(first) = first_tile {
        let outputs = match pixels_mode {
            Pixels::Keep => Some(plane_buffers(&planes)?),
            Pixels::Discard => None,
        };
        let buffers = buffers.insert(outputs);
        let outputs = buffers
            .as_mut()
            .map(|b| b.iter_mut().map(PixelBuffer::as_bytes_mut).collect());
        let mut decoder = BandDecoder::new(&planes, outputs, &shared);
        rayon::in_place_scope(|scope| {
            let read_on = || -> Result<()> {
                decoder.push(first, scope)?;
                while let Some(raw) = chunks.next_chunk()? {
                    if let Some(tile) = pass.feed(raw, observer)? {
                        decoder.push(tile, scope)?;
                    }
                }
                decoder.finish(scope)
            };
            let result = read_on();
            if result.is_err() {
                shared.abort();
            }
            result
        })?;
    }

    let scan = pass.finish()?;
    if let Some(error) = shared.into_error() {
        return Err(error);
    }
    let pixels = match buffers.flatten() {
        Some(buffers) => buffers,
        // No tile was read (every tile redacted) or the pixels are discarded.
        None => match pixels_mode {
            Pixels::Keep => plane_buffers(&planes)?,
            Pixels::Discard => planes
                .iter()
                .map(|p| PixelBuffer::zeroed(p.sample_type, 1, 1))
                .collect::<Result<_>>()?,
        },
    };
    Ok(scan.with_planes(
        planes
            .into_iter()
            .zip(pixels)
            .map(|(info, pixels)| Plane { info, pixels }),
    ))
}

/// A zero-filled buffer for each plane.
fn plane_buffers(planes: &[PlaneInfo]) -> Result<Vec<PixelBuffer>> {
    planes
        .iter()
        .map(|p| PixelBuffer::zeroed(p.sample_type, p.grid.width, p.grid.height))
        .collect()
}

/// Everything a forward pass learns from the chunks, as they pass.
struct Pass<'o> {
    options: &'o ReadOptions,
    version: crate::container::chunk::FormatVersion,
    walker: Walker,
    rebuilt: Index,
    metadata: Option<crate::metadata::ScanMetadata>,
    metadata_json: Vec<u8>,
    personal: Option<crate::metadata::PersonalData>,
    planes: Vec<PlaneInfo>,
    /// The tiles read, in file order (which is plane, row, column order).
    present: Vec<TileRef>,
    annotations: Vec<crate::metadata::Annotation>,
    events: Vec<crate::metadata::Event>,
    unknown_chunks: Vec<UnknownChunk>,
    manifests: Vec<crate::container::manifest::Manifest>,
    signatures: Vec<crate::container::signature::SignatureRecord>,
    decoded_total: u64,
    index_chunk: Option<RawChunk>,
}

/// What a pass gives once every chunk has been read, before the planes are put in.
struct PassResult {
    scan: Scan,
}

impl PassResult {
    fn with_planes(mut self, planes: impl Iterator<Item = Plane>) -> Scan {
        self.scan.planes = planes.collect();
        let count = self.scan.planes.len();
        self.scan
            .redacted_tiles
            .retain(|t| usize::from(t.plane) < count);
        self.scan
    }
}

impl<'o> Pass<'o> {
    fn new(version: crate::container::chunk::FormatVersion, options: &'o ReadOptions) -> Self {
        Pass {
            options,
            version,
            walker: Walker::checking_order(&options.limits)
                .checking_manifests(!options.manifests_checked_by_verifier),
            rebuilt: Index::default(),
            metadata: None,
            metadata_json: Vec::new(),
            personal: None,
            planes: Vec::new(),
            present: Vec::new(),
            annotations: Vec::new(),
            events: Vec::new(),
            unknown_chunks: Vec::new(),
            manifests: Vec::new(),
            signatures: Vec::new(),
            decoded_total: 0,
            index_chunk: None,
        }
    }

    /// Checks one chunk, shows it to `observer` and takes note of it; a `TILE` is checked
    /// against its plane and given back, to be decoded.
    fn feed(&mut self, raw: RawChunk, observer: &mut Observer<'_>) -> Result<Option<PendingTile>> {
        let parsed = parse_payload(
            raw.chunk_type,
            &raw.payload,
            raw.offset,
            &self.options.limits,
        )?;
        let plane = match &parsed {
            Parsed::Plan(p) => Some((p.index, p.grid)),
            _ => None,
        };
        let walked = self.walker.chunk(raw.view(), plane)?;
        observer(&raw, &walked)?;
        let mut entry = IndexEntry {
            chunk_type: raw.chunk_type,
            offset: raw.offset,
            length: raw.total_len(),
            plane: 0,
            col: 0,
            row: 0,
        };
        let mut tile = None;
        match (parsed, walked.decoded) {
            (Parsed::Meta(m), _) => {
                self.metadata = Some(*m);
                self.metadata_json = raw.payload.clone();
            }
            (Parsed::Pers(p), _) => self.personal = Some(*p),
            (Parsed::Plan(info), _) => {
                self.plane(&info, &raw)?;
                entry.plane = info.index;
                self.planes.push(info);
            }
            (Parsed::Anno(a), _) => {
                check_annotation(&a, &self.planes, raw.offset)?;
                self.annotations.push(*a);
            }
            (Parsed::Evnt(e), _) => self.events.push(*e),
            (Parsed::Indx, _) => {
                self.index_chunk = Some(raw);
                return Ok(None);
            }
            (Parsed::Tail(tail), _) => {
                self.check_tail(&tail, &raw)?;
                return Ok(None);
            }
            (Parsed::Unknown, _) => self.unknown_chunks.push(UnknownChunk {
                chunk_type: raw.chunk_type,
                offset: raw.offset,
                length: raw.total_len() - CHUNK_HEADER_LEN,
            }),
            (Parsed::Structure, Decoded::Tile(header)) => {
                let plane = self.planes.get(usize::from(header.plane)).ok_or_else(|| {
                    raw.locate(Error::new(
                        ErrorKind::MalformedChunk,
                        "tile of an undeclared plane",
                    ))
                })?;
                check_tile_against_plane(&header, plane, raw.offset)?;
                entry.plane = header.plane;
                entry.col = header.col;
                entry.row = header.row;
                self.present.push(tile_ref(&header));
                tile = Some(PendingTile { header, chunk: raw });
            }
            (Parsed::Structure, Decoded::Manifest(m)) => self.manifests.push(m),
            (Parsed::Structure, Decoded::Signature(s)) => self.signatures.push(s),
            // HEAD: the walker keeps it.
            (Parsed::Structure, Decoded::Head(_) | Decoded::Other) => {}
        }
        self.rebuilt.entries.push(entry);
        Ok(tile)
    }

    /// Counts a plane's decoded bytes against the limits and enters it in the index
    /// being rebuilt.
    fn plane(&mut self, info: &PlaneInfo, raw: &RawChunk) -> Result<()> {
        // Saturating: (2^32 - 1)^2 samples of 4 bytes do not fit a u64.
        let bytes = u64::from(info.grid.width)
            .saturating_mul(u64::from(info.grid.height))
            .saturating_mul(info.sample_type.bytes_per_sample() as u64);
        self.decoded_total = self.decoded_total.saturating_add(bytes);
        Limits::check(
            "decoded bytes",
            self.decoded_total,
            self.options.limits.max_decoded_bytes,
        )
        .map_err(|e| raw.locate(e))?;
        self.rebuilt.planes.push(PlaneRef {
            grid: info.grid,
            sample_type: info.sample_type,
            flags: u8::from(info.personal),
            plan_entry: self.rebuilt.entries.len() as u32,
        });
        Ok(())
    }

    fn check_tail(&self, tail: &crate::container::tail::Tail, raw: &RawChunk) -> Result<()> {
        let index = self
            .index_chunk
            .as_ref()
            .ok_or_else(|| Error::at(ErrorKind::MissingChunk, raw.offset, "TAIL without INDX"))?;
        if tail.index_offset != index.offset || tail.index_length != index.total_len() {
            return Err(raw.locate(Error::new(
                ErrorKind::IndexMismatch,
                format!(
                    "TAIL points at an index at {} of {} bytes; the INDX chunk is at {} with {} bytes",
                    tail.index_offset,
                    tail.index_length,
                    index.offset,
                    index.total_len()
                ),
            )));
        }
        Ok(())
    }

    /// The checks that need the whole file: the order's end, the index, the chunks that
    /// must be there, and every tile present unless a redaction names it.
    fn finish(self) -> Result<PassResult> {
        self.walker.finish()?;
        let index_chunk = self
            .index_chunk
            .ok_or_else(|| Error::new(ErrorKind::MissingChunk, "no INDX chunk"))?;
        if self.rebuilt.encode() != index_chunk.payload {
            return Err(index_chunk.locate(Error::new(
                ErrorKind::IndexMismatch,
                "the index does not describe the chunks of this file",
            )));
        }
        let head = *self
            .walker
            .head()
            .ok_or_else(|| Error::new(ErrorKind::MissingChunk, "no HEAD chunk"))?;
        let metadata = self
            .metadata
            .ok_or_else(|| Error::new(ErrorKind::MissingChunk, "no META chunk"))?;
        let redacted = redacted_tiles(&self.events);
        check_every_tile_present(&self.planes, &self.present, &redacted)?;
        // A tile a redaction event names but that is in the file (put back, or planted)
        // is decoded like any other: it is not a redacted tile. The verifier reports it.
        let present: BTreeSet<TileRef> = self.present.into_iter().collect();
        let redacted_tiles = redacted
            .into_iter()
            .filter(|t| !present.contains(t))
            .collect();
        Ok(PassResult {
            scan: Scan {
                version: self.version,
                file_id: head.file_id,
                metadata,
                metadata_json: self.metadata_json,
                personal: self.personal,
                planes: Vec::new(),
                annotations: self.annotations,
                events: self.events,
                unknown_chunks: self.unknown_chunks,
                redacted_tiles,
                manifests: self.manifests,
                signatures: self.signatures,
            },
        })
    }
}

/// Fails with `MISSING_CHUNK` on the first tile position of a plane that no tile filled
/// and no redaction names. `present` is in file order, which is plane, row, column order.
fn check_every_tile_present(
    planes: &[PlaneInfo],
    present: &[TileRef],
    redacted: &BTreeSet<TileRef>,
) -> Result<()> {
    let mut read = present.iter().peekable();
    for info in planes {
        for row in 0..info.grid.rows() {
            for col in 0..info.grid.cols() {
                let tile = TileRef {
                    plane: info.index,
                    col,
                    row,
                };
                if read.peek() == Some(&&tile) {
                    read.next();
                } else if !redacted.contains(&tile) {
                    return Err(Error::new(
                        ErrorKind::MissingChunk,
                        format!(
                            "tile ({col}, {row}) of plane {} is missing and no redaction event names it",
                            info.index
                        ),
                    )
                    .with_chunk(ChunkType::TILE.0));
                }
            }
        }
    }
    Ok(())
}
