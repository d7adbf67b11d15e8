//! One forward pass over a whole file from any `Read` (R2): every structure checked, every
//! tile decoded, the index rebuilt and compared. Suits a network stream, and is the reader
//! the conformance vectors are judged by.

use std::io::Read;

use rayon::prelude::*;

use crate::container::chunk::{ChunkStream, ChunkType, RawChunk, CHUNK_HEADER_LEN};
use crate::container::index::{Index, IndexEntry, PlaneRef};
use crate::container::order::OrderChecker;
use crate::container::tile::TileHeader;
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;
use crate::model::{Plane, PlaneInfo, Scan, TileRef, UnknownChunk};
use crate::parse::{
    check_annotation, check_manifest, check_tile_against_plane, order_info, parse_chunk,
    redacted_tiles, Parsed,
};
use crate::pixels::{self, PixelBuffer};

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

/// A tile kept encoded until the whole file has been read.
struct PendingTile {
    header: TileHeader,
    offset: u64,
    chunk: RawChunk,
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
    read_stream_with(reader, total_len, options, &mut |_| Ok(()))
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

/// As [`read_stream`], handing every chunk to `observer` as it is read (the verifier
/// digests chunks this way, in the same pass).
pub fn read_stream_with<R: Read>(
    reader: R,
    total_len: Option<u64>,
    options: &ReadOptions,
    observer: &mut dyn FnMut(&RawChunk) -> Result<()>,
) -> Result<Scan> {
    read_stream_observed(reader, total_len, options, observer, &|_| ())
}

/// As [`read_stream_with`], and hands every `TILE` chunk a second time to
/// `tile_observer`, from the parallel step that decodes the tiles once the whole file has
/// been read. The verifier digests tiles there: in parallel, and without copying them.
pub fn read_stream_observed<R: Read>(
    reader: R,
    total_len: Option<u64>,
    options: &ReadOptions,
    observer: &mut dyn FnMut(&RawChunk) -> Result<()>,
    tile_observer: &(dyn Fn(&RawChunk) + Sync),
) -> Result<Scan> {
    read_pass(
        reader,
        total_len,
        options,
        observer,
        tile_observer,
        Pixels::Keep,
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

/// The forward pass behind [`read_stream_observed`], keeping or discarding the pixels.
pub(crate) fn read_pass<R: Read>(
    reader: R,
    total_len: Option<u64>,
    options: &ReadOptions,
    observer: &mut dyn FnMut(&RawChunk) -> Result<()>,
    tile_observer: &(dyn Fn(&RawChunk) + Sync),
    pixels_mode: Pixels,
) -> Result<Scan> {
    let limits = &options.limits;
    let mut chunks = ChunkStream::new(reader, total_len, limits.clone())?;
    let version = chunks.version();
    let mut order = OrderChecker::new(limits);
    let mut rebuilt = Index::default();
    let mut head = None;
    let mut metadata = None;
    let mut metadata_json = Vec::new();
    let mut personal = None;
    let mut planes: Vec<PlaneInfo> = Vec::new();
    let mut pending: Vec<PendingTile> = Vec::new();
    let mut annotations = Vec::new();
    let mut events = Vec::new();
    let mut unknown_chunks = Vec::new();
    let mut manifests = Vec::new();
    let mut signatures = Vec::new();
    let mut decoded_total: u64 = 0;
    let mut index_chunk: Option<RawChunk> = None;

    while let Some(raw) = chunks.next_chunk()? {
        observer(&raw)?;
        let parsed = parse_chunk(&raw, limits)?;
        order.feed(raw.chunk_type, order_info(&parsed), raw.offset)?;
        let mut entry = IndexEntry {
            chunk_type: raw.chunk_type,
            offset: raw.offset,
            length: raw.total_len(),
            plane: 0,
            col: 0,
            row: 0,
        };
        match parsed {
            Parsed::Head(h) => head = Some(h),
            Parsed::Meta(m) => {
                metadata = Some(*m);
                metadata_json = raw.payload.clone();
            }
            Parsed::Pers(p) => personal = Some(*p),
            Parsed::Plan(info) => {
                // Saturating: (2^32 - 1)^2 samples of 4 bytes do not fit a u64.
                let bytes = u64::from(info.grid.width)
                    .saturating_mul(u64::from(info.grid.height))
                    .saturating_mul(info.sample_type.bytes_per_sample() as u64);
                decoded_total = decoded_total.saturating_add(bytes);
                Limits::check("decoded bytes", decoded_total, limits.max_decoded_bytes)
                    .map_err(|e| raw.locate(e))?;
                entry.plane = info.index;
                rebuilt.planes.push(PlaneRef {
                    grid: info.grid,
                    sample_type: info.sample_type,
                    flags: u8::from(info.personal),
                    plan_entry: rebuilt.entries.len() as u32,
                });
                planes.push(info);
            }
            Parsed::Tile(header) => {
                let plane = planes.get(usize::from(header.plane)).ok_or_else(|| {
                    raw.locate(Error::new(
                        ErrorKind::MalformedChunk,
                        "tile of an undeclared plane",
                    ))
                })?;
                check_tile_against_plane(&header, plane, raw.offset)?;
                entry.plane = header.plane;
                entry.col = header.col;
                entry.row = header.row;
                pending.push(PendingTile {
                    header,
                    offset: raw.offset,
                    chunk: raw,
                });
            }
            Parsed::Anno(a) => {
                check_annotation(&a, &planes, raw.offset)?;
                annotations.push(*a);
            }
            Parsed::Evnt(e) => events.push(*e),
            Parsed::Mani(m) => {
                if let Some(h) = head
                    .as_ref()
                    .filter(|_| !options.manifests_checked_by_verifier)
                {
                    check_manifest(&m, h.algorithm, manifests.len() + 1, raw.offset)?;
                }
                manifests.push(m);
            }
            Parsed::Sign(s) => signatures.push(s),
            Parsed::Indx => {
                index_chunk = Some(raw);
                continue;
            }
            Parsed::Tail(tail) => {
                let index = index_chunk.as_ref().ok_or_else(|| {
                    Error::at(ErrorKind::MissingChunk, raw.offset, "TAIL without INDX")
                })?;
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
                continue;
            }
            Parsed::Unknown => unknown_chunks.push(UnknownChunk {
                chunk_type: raw.chunk_type,
                offset: raw.offset,
                length: raw.total_len() - CHUNK_HEADER_LEN,
            }),
        }
        rebuilt.entries.push(entry);
    }
    order.finish()?;

    let index_chunk =
        index_chunk.ok_or_else(|| Error::new(ErrorKind::MissingChunk, "no INDX chunk"))?;
    if rebuilt.encode() != index_chunk.payload {
        return Err(index_chunk.locate(Error::new(
            ErrorKind::IndexMismatch,
            "the index does not describe the chunks of this file",
        )));
    }
    let head = head.ok_or_else(|| Error::new(ErrorKind::MissingChunk, "no HEAD chunk"))?;
    let metadata = metadata.ok_or_else(|| Error::new(ErrorKind::MissingChunk, "no META chunk"))?;

    let redacted = redacted_tiles(&events);
    // A tile a redaction event names but that is in the file (put back, or planted) is
    // decoded like any other: it is not a redacted tile. The verifier reports it.
    let present: std::collections::BTreeSet<TileRef> = pending
        .iter()
        .map(|t| TileRef {
            plane: t.header.plane,
            col: t.header.col,
            row: t.header.row,
        })
        .collect();
    let decoded_planes = decode_planes(planes, pending, &redacted, tile_observer, pixels_mode)?;
    let mut redacted_tiles: Vec<TileRef> = redacted.into_iter().collect();
    redacted_tiles.retain(|t| usize::from(t.plane) < decoded_planes.len() && !present.contains(t));

    Ok(Scan {
        version,
        file_id: head.file_id,
        metadata,
        metadata_json,
        personal,
        planes: decoded_planes,
        annotations,
        events,
        unknown_chunks,
        redacted_tiles,
        manifests,
        signatures,
    })
}

/// One row of tiles of a plane: its part of the plane's buffer (none when the pixels are
/// discarded) and its tiles.
type Band<'a> = (&'a PlaneInfo, Option<&'a mut [u8]>, &'a [PendingTile]);

/// Decodes every tile (in parallel) into its plane, checking first that every tile is
/// present unless a redaction removed it, so that an incomplete file is refused before
/// anything of its planes' declared size is allocated.
fn decode_planes(
    planes: Vec<PlaneInfo>,
    pending: Vec<PendingTile>,
    redacted: &std::collections::BTreeSet<TileRef>,
    tile_observer: &(dyn Fn(&RawChunk) + Sync),
    pixels_mode: Pixels,
) -> Result<Vec<Plane>> {
    let mut present: Vec<Vec<bool>> = planes
        .iter()
        .map(|p| vec![false; p.grid.tile_count() as usize])
        .collect();
    for t in &pending {
        let p = usize::from(t.header.plane);
        let Some(plane) = planes.get(p) else { continue };
        let slot = t.header.row as usize * plane.grid.cols() as usize + t.header.col as usize;
        if let Some(seen) = present.get_mut(p).and_then(|s| s.get_mut(slot)) {
            *seen = true;
        }
    }
    for (info, seen) in planes.iter().zip(&present) {
        let cols = info.grid.cols() as usize;
        for (slot, there) in seen.iter().enumerate() {
            let tile = TileRef {
                plane: info.index,
                col: (slot % cols) as u32,
                row: (slot / cols) as u32,
            };
            if !there && !redacted.contains(&tile) {
                return Err(Error::new(
                    ErrorKind::MissingChunk,
                    format!(
                        "tile ({}, {}) of plane {} is missing and no redaction event names it",
                        tile.col, tile.row, tile.plane
                    ),
                )
                .with_chunk(ChunkType::TILE.0));
            }
        }
    }
    drop(present);

    // Decode straight into the planes, one band of tile rows per task: bands are disjoint
    // slices of the plane, so tasks run in parallel without holding every decoded tile at
    // once. A tile as wide as its plane is decoded in place; a narrower one goes through
    // one reused scratch buffer per band, since its rows are strided in the plane.
    // Without the pixels, every band decodes into its task's scratch buffer.
    let mut buffers = planes
        .iter()
        .map(|p| match pixels_mode {
            Pixels::Keep => PixelBuffer::zeroed(p.sample_type, p.grid.width, p.grid.height),
            Pixels::Discard => PixelBuffer::zeroed(p.sample_type, 1, 1),
        })
        .collect::<Result<Vec<_>>>()?;
    let mut bands: Vec<Band> = Vec::new();
    let mut rest: &[PendingTile] = &pending;
    for (info, buffer) in planes.iter().zip(buffers.iter_mut()) {
        let row_bytes = info.grid.width as usize * info.sample_type.bytes_per_sample();
        let band_len = row_bytes * info.grid.tile_height as usize;
        let mut slices = match pixels_mode {
            Pixels::Keep => Some(buffer.as_bytes_mut().chunks_mut(band_len)),
            Pixels::Discard => None,
        };
        for row in 0..info.grid.rows() as usize {
            let band = slices.as_mut().and_then(|s| s.next());
            // Tiles are sorted by (plane, row, column), so each band's tiles are the next run.
            let n = rest
                .iter()
                .take_while(|t| t.header.plane == info.index && t.header.row as usize == row)
                .count();
            let (tiles, after) = rest.split_at(n);
            rest = after;
            bands.push((info, band, tiles));
        }
    }
    if let Some(t) = rest.first() {
        return Err(t.chunk.locate(Error::new(
            ErrorKind::MalformedChunk,
            "tile outside every band of its plane (tiles out of order)",
        )));
    }
    bands
        .into_par_iter()
        .try_for_each(|(plane, mut band, tiles)| {
            let bps = plane.sample_type.bytes_per_sample();
            let row_bytes = plane.grid.width as usize * bps;
            let mut scratch = Vec::new();
            for t in tiles {
                tile_observer(&t.chunk);
                let rect = check_tile_against_plane(&t.header, plane, t.offset)?;
                let (_, data) = TileHeader::parse(&t.chunk.payload, t.chunk.payload_offset())?;
                let tile_row_bytes = rect.width as usize * bps;
                let tile_len = tile_row_bytes * rect.height as usize;
                let decode = |out: &mut [u8]| {
                    pixels::decode_tile_into(
                        data,
                        plane.sample_type,
                        rect.width,
                        rect.height,
                        &t.header.filters,
                        t.header.codec,
                        out,
                    )
                    .map_err(|e| t.chunk.locate(e))
                };
                match band.as_deref_mut() {
                    Some(band) if rect.width == plane.grid.width => {
                        decode(&mut band[..tile_len])?;
                    }
                    band => {
                        scratch.resize(tile_len, 0);
                        decode(&mut scratch)?;
                        let Some(band) = band else { continue };
                        let x = rect.x as usize * bps;
                        for (y, src) in scratch.chunks_exact(tile_row_bytes).enumerate() {
                            let at = y * row_bytes + x;
                            band[at..at + tile_row_bytes].copy_from_slice(src);
                        }
                    }
                }
            }
            Ok::<(), Error>(())
        })?;
    drop(pending);

    Ok(planes
        .into_iter()
        .zip(buffers)
        .map(|(info, pixels)| Plane { info, pixels })
        .collect())
}
