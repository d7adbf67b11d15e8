//! Random-access reader (R2): the metadata in two reads, any tile in three, through the
//! index near the end. Works on a file, bytes in memory, any `Read + Seek`, or a custom
//! [`Source`] such as HTTP range requests against object storage.
//!
//! 1. the last 64 KiB (the `TAIL` and, in all but huge files, the `INDX`);
//! 2. the front of the file: header, `HEAD`, `META`, `PERS`, every `PLAN`;
//! 3. the tile.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::container::chunk::{
    parse_file_header, ChunkAt, ChunkType, FormatVersion, CHUNK_HEADER_LEN, FILE_HEADER_LEN,
};
use crate::container::head::Head;
use crate::container::index::{Index, IndexEntry};
use crate::container::manifest::Manifest;
use crate::container::order::ChunkInfo;
use crate::container::signature::SignatureRecord;
use crate::container::tail::Tail;
use crate::container::tile::TileHeader;
use crate::container::walk::{self, Decoded, Role, Walker};
use crate::crypto::digest::{chunk_digest, manifest_digest, Digest, DIGEST_LEN};
use crate::crypto::DigestAlgorithm;
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;
use crate::metadata::{Annotation, Event, PersonalData, ScanMetadata};
use crate::model::{PlaneInfo, TileRef, UnknownChunk};
use crate::parse::{
    check_annotation, check_tile_against_plane, parse_payload, redacted_tiles, Parsed,
};
use crate::pixels::{self, PixelBuffer, Rect, RowWindow, TileData};
use crate::source::{BytesSource, FileSource, Source};
use crate::stream::ReadOptions;

/// How many bytes the first read takes from the end of the file.
const TAIL_WINDOW: u64 = 64 << 10;

/// The chunks before the first tile, read in one go.
#[derive(Debug)]
struct Front {
    version: FormatVersion,
    file_id: [u8; 16],
    /// The digest algorithm `HEAD` declares, which every manifest must use.
    algorithm: DigestAlgorithm,
    metadata: ScanMetadata,
    metadata_json: Vec<u8>,
    personal: Option<PersonalData>,
    planes: Vec<PlaneInfo>,
}

/// The chunks after the tiles (annotations, events, manifests, signatures), read on demand.
#[derive(Debug, Default)]
struct Back {
    annotations: Vec<Annotation>,
    events: Vec<Event>,
    manifests: Vec<Manifest>,
    signatures: Vec<SignatureRecord>,
    unknown_chunks: Vec<UnknownChunk>,
    redacted: std::collections::BTreeSet<TileRef>,
}

/// Why reading the back of the file failed, kept so that every later call reports the same
/// error (kind, message, chunk and offset) without reading again.
#[derive(Debug)]
struct BackError {
    kind: ErrorKind,
    message: String,
    chunk: Option<[u8; 4]>,
    offset: Option<u64>,
}

impl BackError {
    fn from(e: &Error) -> Self {
        BackError {
            kind: e.kind(),
            message: e.message().to_owned(),
            chunk: e.chunk(),
            offset: e.offset(),
        }
    }

    fn to_error(&self) -> Error {
        let mut e = Error::new(self.kind, self.message.clone());
        if let Some(chunk) = self.chunk {
            e = e.with_chunk(chunk);
        }
        if let Some(offset) = self.offset {
            e = e.with_offset(offset);
        }
        e
    }
}

/// A scan file opened for random access.
#[derive(Debug)]
pub struct Reader<S> {
    source: S,
    limits: Limits,
    len: u64,
    index: Index,
    /// Positions of the TILE entries in the index, sorted by (plane, row, column).
    tiles: Vec<usize>,
    front: Front,
    back: OnceLock<Result<Back, BackError>>,
    /// With [`ReadOptions::check_digests`]: every digest the manifests list.
    listed: Option<HashSet<Digest>>,
}

impl Reader<FileSource> {
    /// Opens the file at `path` read-only.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Reader::from_source(FileSource::open(path)?, ReadOptions::default())
    }

    /// Opens the file at `path` with options.
    pub fn open_with(path: impl AsRef<std::path::Path>, options: ReadOptions) -> Result<Self> {
        Reader::from_source(FileSource::open(path)?, options)
    }
}

impl<T: AsRef<[u8]> + Send + Sync> Reader<BytesSource<T>> {
    /// Opens a file held in memory.
    pub fn from_bytes(bytes: T) -> Result<Self> {
        Reader::from_source(BytesSource(bytes), ReadOptions::default())
    }
}

impl<S: Source> Reader<S> {
    /// Opens any source: two reads (the end, then the front).
    pub fn from_source(source: S, options: ReadOptions) -> Result<Self> {
        let limits = options.limits;
        let len = source.len()?;
        let opened = Self::read_index(&source, len, &limits).and_then(|(index, window)| {
            let front = Self::read_front(&source, &index, &window, &limits)?;
            Ok((index, front))
        });
        let (index, front) = match opened {
            Ok(v) => v,
            Err(e) => return Err(diagnose_header(&source, len).unwrap_or(e)),
        };
        let tiles = index.tile_positions();
        let mut reader = Reader {
            source,
            limits,
            len,
            index,
            tiles,
            front,
            back: OnceLock::new(),
            listed: None,
        };
        if options.check_digests {
            reader.listed = Some(reader.check_integrity()?);
        }
        Ok(reader)
    }

    /// For [`ReadOptions::check_digests`], at open: reads every chunk but the tiles,
    /// checks that the manifests chain and that each chunk's digest is the next its
    /// generation's manifest lists, and returns every listed digest, against which each
    /// tile is checked as it is read (a tile's position is in its own header, so a
    /// listed tile cannot be moved). A chunk that does not match (altered, inserted,
    /// reordered, or spliced from another file: the digest binds the file id) fails with
    /// `DIGEST_MISMATCH`. Signatures are not checked here; the verifier does that. A
    /// chunk removed without a redaction record is not noticed unless it is a tile (a
    /// missing tile fails to read). This costs one read per chunk before the tiles.
    fn check_integrity(&self) -> Result<HashSet<Digest>> {
        let manifests = self.manifests()?;
        let (algorithm, file_id) = (self.front.algorithm, self.front.file_id);
        let listed: HashSet<Digest> = manifests
            .iter()
            .flat_map(|m| m.entries.iter().map(|e| e.digest))
            .collect();
        let mut previous: Digest = [0; DIGEST_LEN];
        // How far into its generation's manifest entries the chunks read so far have
        // matched: listed chunks must come in the order their manifest lists them, so a
        // reordering is refused too.
        let mut cursor = 0usize;
        let mut walker = Walker::trusting_order(&self.limits);
        for e in &self.index.entries {
            let place = walker.place(e.chunk_type, e.offset, ChunkInfo::Other)?;
            if e.chunk_type == ChunkType::TILE || place.role == Role::Signature {
                continue;
            }
            let chunk = self.chunk_bytes(e)?;
            let manifest = (place.generation as usize)
                .checked_sub(1)
                .and_then(|g| manifests.get(g))
                .ok_or_else(|| digest_error(e))?;
            if place.role == Role::Manifest {
                if manifest.previous != previous {
                    return Err(Error::at(
                        ErrorKind::DigestMismatch,
                        e.offset,
                        format!(
                            "manifest {} does not chain to the manifest before it",
                            manifest.generation
                        ),
                    )
                    .with_chunk(ChunkType::MANI.0));
                }
                previous = manifest_digest(algorithm, &file_id, &chunk);
                cursor = 0;
                continue;
            }
            let digest = chunk_digest(algorithm, &file_id, &chunk);
            let at = manifest.entries[cursor.min(manifest.entries.len())..]
                .iter()
                .position(|entry| entry.digest == digest)
                .ok_or_else(|| digest_error(e))?;
            cursor += at + 1;
        }
        Ok(listed)
    }

    /// Read 1: the end of the file, holding TAIL and usually INDX.
    fn read_index(source: &S, len: u64, limits: &Limits) -> Result<(Index, Window)> {
        let min_len = FILE_HEADER_LEN + Tail::CHUNK_LEN;
        if len < min_len {
            return Err(Error::at(
                ErrorKind::Truncated,
                len,
                format!("a scanx file has at least {min_len} bytes; this one has {len}"),
            ));
        }
        let start = len.saturating_sub(TAIL_WINDOW);
        let mut window = Window {
            start,
            bytes: vec![0; (len - start) as usize],
        };
        source.read_exact_at(start, &mut window.bytes)?;
        let tail_offset = len - Tail::CHUNK_LEN;
        let tail_chunk = window.slice(tail_offset, Tail::CHUNK_LEN)?;
        if tail_chunk[..4] != ChunkType::TAIL.0
            || tail_chunk[4..12] != (Tail::LEN as u64).to_le_bytes()
        {
            return Err(Error::at(
                ErrorKind::MissingChunk,
                tail_offset,
                "the file does not end with a TAIL chunk (truncated, or bytes appended)",
            ));
        }
        let tail = Tail::parse(&tail_chunk[12..], tail_offset + CHUNK_HEADER_LEN)?;
        tail.check_against(tail_offset)?;
        if tail.index_offset < FILE_HEADER_LEN || tail.index_length < CHUNK_HEADER_LEN {
            return Err(Error::at(
                ErrorKind::IndexMismatch,
                tail_offset,
                "TAIL points outside the file",
            ));
        }
        Limits::check(
            "chunk payload bytes",
            tail.index_length - CHUNK_HEADER_LEN,
            limits.max_chunk_bytes,
        )
        .map_err(|e| {
            e.with_chunk(ChunkType::INDX.0)
                .with_offset(tail.index_offset)
        })?;
        let index_bytes = match window.slice(tail.index_offset, tail.index_length) {
            Ok(b) => b.to_vec(),
            Err(_) => {
                let mut b = vec![0; tail.index_length as usize];
                source.read_exact_at(tail.index_offset, &mut b)?;
                b
            }
        };
        check_chunk_header(&index_bytes, ChunkType::INDX, tail.index_offset)?;
        let index = Index::parse(
            &index_bytes[CHUNK_HEADER_LEN as usize..],
            tail.index_offset + CHUNK_HEADER_LEN,
            tail.index_offset,
            limits,
        )
        .map_err(|e| e.with_chunk(ChunkType::INDX.0))?;

        // The same grammar as a forward read, checked on the index alone.
        let mut walker = Walker::checking_order(limits);
        for e in &index.entries {
            walker.place(e.chunk_type, e.offset, entry_info(&index, e)?)?;
        }
        walker.place(ChunkType::INDX, tail.index_offset, ChunkInfo::Other)?;
        if walker.planes().len() != index.planes.len() {
            return Err(Error::at(
                ErrorKind::IndexMismatch,
                tail.index_offset,
                "plane table and PLAN entries disagree",
            ));
        }
        Ok((index, window))
    }

    /// Read 2: everything before the first tile.
    fn read_front(source: &S, index: &Index, window: &Window, limits: &Limits) -> Result<Front> {
        // HEAD, META, PERS and every PLAN precede the first tile (the order rules were
        // checked on the index), but ancillary chunks may sit among them: the front ends
        // with the last PLAN, and ancillary chunks in it are skipped.
        let front_len = index
            .entries
            .iter()
            .rposition(|e| e.chunk_type == ChunkType::PLAN)
            .map_or(0, |last_plan| last_plan + 1);
        let front_entries: Vec<&IndexEntry> = index
            .entries
            .iter()
            .take(front_len)
            .filter(|e| e.chunk_type.is_known())
            .collect();
        let end = front_entries
            .last()
            .map(|e| e.offset + e.length)
            .unwrap_or(FILE_HEADER_LEN);
        Limits::check("front bytes", end, limits.max_chunk_bytes.saturating_mul(2))?;
        let bytes = match window.slice(0, end) {
            Ok(b) => b.to_vec(),
            Err(_) => {
                let mut b = vec![0; end as usize];
                source.read_exact_at(0, &mut b)?;
                b
            }
        };
        let version = parse_file_header(&bytes)?;
        let mut head = None;
        let mut metadata = None;
        let mut metadata_json = Vec::new();
        let mut personal = None;
        let mut planes = Vec::new();
        for e in front_entries {
            let chunk = &bytes[e.offset as usize..(e.offset + e.length) as usize];
            check_chunk_header(chunk, e.chunk_type, e.offset)?;
            let payload = &chunk[CHUNK_HEADER_LEN as usize..];
            match parse_payload(e.chunk_type, payload, e.offset, limits)? {
                Parsed::Structure => {
                    let chunk = ChunkAt::whole(e.chunk_type, e.offset, chunk)?;
                    if let Decoded::Head(h) = walk::decode(chunk, limits)? {
                        head = Some(h);
                    }
                }
                Parsed::Meta(m) => {
                    metadata = Some(*m);
                    metadata_json = payload.to_vec();
                }
                Parsed::Pers(p) => personal = Some(*p),
                Parsed::Plan(p) => {
                    check_plane_agrees(index, e, &p)?;
                    planes.push(p);
                }
                _ => {}
            }
        }
        let head = head.ok_or_else(|| Error::new(ErrorKind::MissingChunk, "no HEAD chunk"))?;
        Ok(Front {
            version,
            file_id: head.file_id,
            algorithm: head.algorithm,
            metadata: metadata
                .ok_or_else(|| Error::new(ErrorKind::MissingChunk, "no META chunk"))?,
            metadata_json,
            personal,
            planes,
        })
    }

    /// The file's format version.
    pub fn version(&self) -> FormatVersion {
        self.front.version
    }

    /// The file id.
    pub fn file_id(&self) -> [u8; 16] {
        self.front.file_id
    }

    /// Total file length.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True if the file is empty (never: an open file has at least a header and a tail).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The scan metadata.
    pub fn metadata(&self) -> &ScanMetadata {
        &self.front.metadata
    }

    /// The META payload exactly as stored.
    pub fn metadata_json(&self) -> &[u8] {
        &self.front.metadata_json
    }

    /// Personal data, unless absent or redacted.
    pub fn personal_data(&self) -> Option<&PersonalData> {
        self.front.personal.as_ref()
    }

    /// The planes.
    pub fn planes(&self) -> &[PlaneInfo] {
        &self.front.planes
    }

    /// One plane's description.
    pub fn plane(&self, plane: u16) -> Result<&PlaneInfo> {
        self.front.planes.get(usize::from(plane)).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!(
                    "no plane {plane} (the file has {})",
                    self.front.planes.len()
                ),
            )
        })
    }

    /// The index.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Annotations (read on first use).
    pub fn annotations(&self) -> Result<&[Annotation]> {
        Ok(&self.back()?.annotations)
    }

    /// Provenance events (read on first use).
    pub fn events(&self) -> Result<&[Event]> {
        Ok(&self.back()?.events)
    }

    /// Manifests, one per generation.
    pub fn manifests(&self) -> Result<&[Manifest]> {
        Ok(&self.back()?.manifests)
    }

    /// Signature records.
    pub fn signatures(&self) -> Result<&[SignatureRecord]> {
        Ok(&self.back()?.signatures)
    }

    /// Skipped ancillary chunks.
    pub fn unknown_chunks(&self) -> Result<&[UnknownChunk]> {
        Ok(&self.back()?.unknown_chunks)
    }

    /// Tiles removed by redaction (they read as zero).
    pub fn redacted_tiles(&self) -> Result<Vec<TileRef>> {
        Ok(self.back()?.redacted.iter().copied().collect())
    }

    fn back(&self) -> Result<&Back> {
        self.back
            .get_or_init(|| self.read_back().map_err(|e| BackError::from(&e)))
            .as_ref()
            .map_err(BackError::to_error)
    }

    fn read_back(&self) -> Result<Back> {
        let mut back = Back::default();
        let mut json_total = 0u64;
        // The order was checked at open, on the index; this walk decodes and checks the
        // manifests and signatures. It skips the chunks before the tiles, none of which
        // ends or signs a generation.
        let head = Head {
            file_id: self.front.file_id,
            algorithm: self.front.algorithm,
        };
        let mut walker = Walker::trusting_order(&self.limits)
            .checking_manifests(true)
            .after_head(head);
        for e in &self.index.entries {
            if matches!(
                e.chunk_type,
                ChunkType::HEAD
                    | ChunkType::META
                    | ChunkType::PERS
                    | ChunkType::PLAN
                    | ChunkType::TILE
            ) {
                continue;
            }
            if !e.chunk_type.is_known() {
                back.unknown_chunks.push(UnknownChunk {
                    chunk_type: e.chunk_type,
                    offset: e.offset,
                    length: e.length - CHUNK_HEADER_LEN,
                });
                continue;
            }
            json_total = json_total.saturating_add(e.length);
            Limits::check(
                "annotation, event and signature bytes",
                json_total,
                self.limits.max_decoded_bytes,
            )?;
            let bytes = self.read_chunk(e)?;
            let chunk = ChunkAt::whole(e.chunk_type, e.offset, &bytes)?;
            let parsed = parse_payload(e.chunk_type, chunk.payload, e.offset, &self.limits)?;
            match (parsed, walker.chunk(chunk, None)?.decoded) {
                (Parsed::Anno(a), _) => {
                    check_annotation(&a, &self.front.planes, e.offset)?;
                    back.annotations.push(*a);
                }
                (Parsed::Evnt(ev), _) => back.events.push(*ev),
                (_, Decoded::Manifest(m)) => back.manifests.push(m),
                (_, Decoded::Signature(s)) => back.signatures.push(s),
                _ => {}
            }
        }
        // Only tiles that are not in the file: one a redaction event names but that is
        // present (put back, or planted) reads like any other, as in a forward read.
        back.redacted = redacted_tiles(&back.events);
        back.redacted.retain(|t| {
            self.index
                .find_tile(&self.tiles, t.plane, t.col, t.row)
                .is_none()
        });
        Ok(back)
    }

    fn read_chunk(&self, e: &IndexEntry) -> Result<Vec<u8>> {
        self.chunk_bytes(e).map(Cow::into_owned)
    }

    /// The whole chunk an index entry points at, checked against the limits and the
    /// entry: borrowed when the source is in memory, read into a new buffer otherwise.
    fn chunk_bytes(&self, e: &IndexEntry) -> Result<Cow<'_, [u8]>> {
        self.check_chunk_limit(e)?;
        let chunk = match self.source.as_slice() {
            Some(all) => Cow::Borrowed(slice_chunk(all, e)?),
            None => {
                let mut chunk = vec![0; e.length as usize];
                self.source.read_exact_at(e.offset, &mut chunk)?;
                Cow::Owned(chunk)
            }
        };
        check_chunk_header(&chunk, e.chunk_type, e.offset)?;
        Ok(chunk)
    }

    /// As [`Reader::chunk_bytes`], reading into `buffer` when the source is not in memory:
    /// the buffer only grows, so a task that reads tile after tile through one buffer
    /// neither allocates nor zero-fills for each.
    fn chunk_into<'a>(&'a self, e: &IndexEntry, buffer: &'a mut Vec<u8>) -> Result<&'a [u8]> {
        self.check_chunk_limit(e)?;
        let chunk = match self.source.as_slice() {
            Some(all) => slice_chunk(all, e)?,
            None => {
                let chunk = pixels::grown(buffer, e.length as usize)?;
                self.source.read_exact_at(e.offset, chunk)?;
                chunk
            }
        };
        check_chunk_header(chunk, e.chunk_type, e.offset)?;
        Ok(chunk)
    }

    /// A chunk's payload may be at most the limit's size; checked before it is read.
    fn check_chunk_limit(&self, e: &IndexEntry) -> Result<()> {
        Limits::check(
            "chunk payload bytes",
            e.length - CHUNK_HEADER_LEN,
            self.limits.max_chunk_bytes,
        )
        .map_err(|err| err.with_chunk(e.chunk_type.0).with_offset(e.offset))
    }

    /// The resource limits this reader applies.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The whole chunk (header and payload) an index entry points at, in one read,
    /// checked against the limits and against the entry's type and length. The verifier
    /// digests chunks this way when it checks one region.
    pub fn raw_chunk(&self, entry: &IndexEntry) -> Result<Vec<u8>> {
        if entry.length < CHUNK_HEADER_LEN {
            return Err(Error::invalid_argument(format!(
                "an index entry of {} bytes cannot hold a chunk header",
                entry.length
            )));
        }
        self.read_chunk(entry)
    }

    /// Decodes one tile; `None` if it was redacted. One read.
    pub fn read_tile(&self, plane: u16, col: u32, row: u32) -> Result<Option<Vec<u8>>> {
        let info = self.plane(plane)?;
        let Some(entry) = self.tile_entry(info, col, row)? else {
            return Ok(None);
        };
        let rect = info
            .grid
            .tile_rect(col, row)
            .ok_or_else(|| Error::new(ErrorKind::RegionOutOfBounds, "tile outside the grid"))?;
        let mut out = vec![0; pixels::image_len(info.sample_type, rect.width, rect.height)?];
        let packed = RowWindow {
            stride: rect.width as usize * info.sample_type.bytes_per_sample(),
            first_row: 0,
            offset: 0,
        };
        let window = Rect::new(0, 0, rect.width, rect.height);
        let (mut buffer, mut scratch) = (Vec::new(), Vec::new());
        self.decode_entry_window(
            info,
            entry,
            &mut buffer,
            window,
            &mut out,
            packed,
            &mut scratch,
        )?;
        Ok(Some(out))
    }

    /// The index entry of a tile; `None` if a redaction removed it, `MISSING_CHUNK` if it
    /// is absent and no redaction names it.
    fn tile_entry(&self, info: &PlaneInfo, col: u32, row: u32) -> Result<Option<&IndexEntry>> {
        let plane = info.index;
        if let Some(entry) = self.index.find_tile(&self.tiles, plane, col, row) {
            return Ok(Some(entry));
        }
        if col >= info.grid.cols() || row >= info.grid.rows() {
            return Err(Error::new(
                ErrorKind::RegionOutOfBounds,
                format!("tile ({col}, {row}) is outside plane {plane}"),
            ));
        }
        if self.back()?.redacted.contains(&TileRef { plane, col, row }) {
            return Ok(None);
        }
        Err(Error::new(
            ErrorKind::MissingChunk,
            format!(
                "tile ({col}, {row}) of plane {plane} is missing and no redaction event names it"
            ),
        )
        .with_chunk(ChunkType::TILE.0))
    }

    /// Decodes the part `window` (tile coordinates) of the tile an index entry points at
    /// into the block of `out` at `to`; see [`pixels::decode_tile_window`].
    #[allow(clippy::too_many_arguments)]
    fn decode_entry_window(
        &self,
        info: &PlaneInfo,
        entry: &IndexEntry,
        buffer: &mut Vec<u8>,
        window: Rect,
        out: &mut [u8],
        to: RowWindow,
        scratch: &mut Vec<u8>,
    ) -> Result<()> {
        let (header, data, rect) = self.tile_chunk(info, entry, buffer)?;
        let tile = TileData {
            data,
            sample_type: info.sample_type,
            width: rect.width,
            height: rect.height,
            filters: &header.filters,
            codec: header.codec,
        };
        pixels::decode_tile_window(tile, window, out, to, scratch)
            .map_err(|e| e.with_chunk(ChunkType::TILE.0).with_offset(entry.offset))
    }

    /// The tile chunk an index entry points at, read through `buffer` and checked: its
    /// digest against the manifests (when the reader checks digests), its header against
    /// the entry and the plane. Gives the header, the data and the tile's rectangle.
    fn tile_chunk<'a>(
        &'a self,
        info: &PlaneInfo,
        entry: &IndexEntry,
        buffer: &'a mut Vec<u8>,
    ) -> Result<(TileHeader, &'a [u8], Rect)> {
        let chunk = self.chunk_into(entry, buffer)?;
        if let Some(listed) = &self.listed {
            let digest = chunk_digest(self.front.algorithm, &self.front.file_id, chunk);
            if !listed.contains(&digest) {
                return Err(digest_error(entry));
            }
        }
        let payload_offset = entry.offset + CHUNK_HEADER_LEN;
        let (header, data) = TileHeader::parse(&chunk[CHUNK_HEADER_LEN as usize..], payload_offset)
            .map_err(|e| e.with_chunk(ChunkType::TILE.0).with_offset(entry.offset))?;
        if (header.plane, header.col, header.row) != (entry.plane, entry.col, entry.row) {
            return Err(Error::at(
                ErrorKind::IndexMismatch,
                entry.offset,
                "the index points at a different tile",
            )
            .with_chunk(ChunkType::TILE.0));
        }
        let rect = check_tile_against_plane(&header, info, entry.offset)?;
        Ok((header, data, rect))
    }

    /// Decodes a whole plane.
    pub fn read_plane(&self, plane: u16) -> Result<PixelBuffer> {
        self.read_region(plane, self.whole_plane(plane)?)
    }

    /// Decodes a rectangle of a plane into a new buffer, touching only the tiles it
    /// overlaps (see [`Reader::read_region_into`]). Redacted tiles read as zero.
    pub fn read_region(&self, plane: u16, region: Rect) -> Result<PixelBuffer> {
        let info = self.plane(plane)?;
        // Every tile is looked up before the output is allocated, so a file that declares
        // a huge plane without its tiles is refused without allocating it.
        let tiles = self.region_tiles(info, region)?;
        let mut out = PixelBuffer::zeroed(info.sample_type, region.width, region.height)?;
        let stride = region.width as usize * info.sample_type.bytes_per_sample();
        self.decode_region(info, region, &tiles, out.as_bytes_mut(), stride, false)?;
        Ok(out)
    }

    /// Decodes a whole plane into the caller's buffer; see [`Reader::read_region_into`].
    pub fn read_plane_into(&self, plane: u16, out: &mut [u8], row_stride: usize) -> Result<()> {
        self.read_region_into(plane, self.whole_plane(plane)?, out, row_stride)
    }

    /// Decodes a rectangle of a plane straight into the caller's buffer (a numpy array, a
    /// C buffer): row `y` of the region starts at byte `y * row_stride` of `out`, samples
    /// little-endian; bytes between rows are left untouched. Only the tiles the rectangle
    /// overlaps are read and decoded, in parallel, one band of tile rows per task; no
    /// intermediate copy of the region is made. Redacted tiles read as zero.
    ///
    /// `INVALID_ARGUMENT` if `row_stride` is shorter than a row of the region or `out` is
    /// shorter than `(height - 1) * row_stride + width * bytes_per_sample`;
    /// `REGION_OUT_OF_BOUNDS` if the rectangle is empty or leaves the plane. On error, `out`
    /// holds unspecified bytes.
    pub fn read_region_into(
        &self,
        plane: u16,
        region: Rect,
        out: &mut [u8],
        row_stride: usize,
    ) -> Result<()> {
        let info = self.plane(plane)?;
        let tiles = self.region_tiles(info, region)?;
        pixels::check_strided(
            info.sample_type,
            region.width,
            region.height,
            row_stride,
            out.len(),
        )?;
        self.decode_region(info, region, &tiles, out, row_stride, true)
    }

    fn whole_plane(&self, plane: u16) -> Result<Rect> {
        let grid = self.plane(plane)?.grid;
        Ok(Rect::new(0, 0, grid.width, grid.height))
    }

    /// The tiles a region overlaps, as a band of tile rows (first, last) and columns
    /// (first, last), each tile's index entry looked up (`None`: redacted). Checks the
    /// region lies inside the plane and its size against the limits.
    fn region_tiles(&self, info: &PlaneInfo, region: Rect) -> Result<RegionTiles<'_>> {
        // Saturating: (2^32 - 1)^2 samples of 4 bytes do not fit a u64.
        let bytes = u64::from(region.width)
            .saturating_mul(u64::from(region.height))
            .saturating_mul(info.sample_type.bytes_per_sample() as u64);
        Limits::check("decoded bytes", bytes, self.limits.max_decoded_bytes)?;
        region.check_inside(info.grid.width, info.grid.height)?;
        let mut tiles = RegionTiles {
            cols: (u32::MAX, 0),
            rows: (u32::MAX, 0),
            entries: Vec::new(),
        };
        for (col, row) in info.grid.tiles_in(region)? {
            tiles.cols = (tiles.cols.0.min(col), tiles.cols.1.max(col));
            tiles.rows = (tiles.rows.0.min(row), tiles.rows.1.max(row));
            tiles.entries.push(self.tile_entry(info, col, row)?);
        }
        Ok(tiles)
    }

    /// Decodes the tiles under `region` into `out` (checked by the caller to hold it with
    /// `row_stride`). Each band of tile rows is a disjoint slice of `out`, so bands are
    /// decoded in parallel without locks, each tile with as few copies as it allows (see
    /// [`pixels::decode_tile_window`]; one reused scratch buffer per band). Each band reads
    /// its chunks through one reused buffer when the source is not in memory.
    /// `zero_redacted`: whether redacted tiles must be cleared (a fresh buffer is zero).
    fn decode_region(
        &self,
        info: &PlaneInfo,
        region: Rect,
        tiles: &RegionTiles<'_>,
        out: &mut [u8],
        row_stride: usize,
        zero_redacted: bool,
    ) -> Result<()> {
        let grid = info.grid;
        let bps = info.sample_type.bytes_per_sample();
        let (first_col, last_col) = tiles.cols;
        if tiles.entries.is_empty() {
            return Ok(());
        }
        let bands = region_bands(grid.tile_height, region, tiles, out, row_stride);
        bands
            .into_par_iter()
            .try_for_each(|(row, band_y, band, entries)| {
                let (mut buffer, mut scratch) = (Vec::new(), Vec::new());
                for (col, entry) in (first_col..=last_col).zip(entries) {
                    let tile = grid.tile_rect(col, row).ok_or_else(|| {
                        Error::new(ErrorKind::RegionOutOfBounds, "tile outside the grid")
                    })?;
                    // The part of the tile inside the region and this band, in plane coordinates.
                    let x0 = tile.x.max(region.x);
                    let x1 = (tile.right().min(region.right())) as u32;
                    let y0 = tile.y.max(band_y);
                    let y1 = (tile.bottom().min(region.bottom())) as u32;
                    let part_len = (x1 - x0) as usize * bps;
                    let dest_offset = (x0 - region.x) as usize * bps;
                    let dest_row = |y: u32| (y - band_y) as usize * row_stride + dest_offset;
                    let Some(entry) = entry else {
                        if zero_redacted {
                            for y in y0..y1 {
                                band[dest_row(y)..dest_row(y) + part_len].fill(0);
                            }
                        }
                        continue;
                    };
                    let window = Rect::new(x0 - tile.x, y0 - tile.y, x1 - x0, y1 - y0);
                    let to = RowWindow {
                        stride: row_stride,
                        first_row: (y0 - band_y) as usize,
                        offset: dest_offset,
                    };
                    self.decode_entry_window(
                        info,
                        entry,
                        &mut buffer,
                        window,
                        band,
                        to,
                        &mut scratch,
                    )?;
                }
                Ok::<(), Error>(())
            })
    }
}

/// The bytes of the chunk an index entry points at, in a source held in memory.
fn slice_chunk<'a>(all: &'a [u8], e: &IndexEntry) -> Result<&'a [u8]> {
    let range = usize::try_from(e.offset)
        .ok()
        .and_then(|start| Some(start..start.checked_add(usize::try_from(e.length).ok()?)?));
    range.and_then(|r| all.get(r)).ok_or_else(|| {
        Error::at(
            ErrorKind::Truncated,
            e.offset,
            format!(
                "a chunk of {} bytes runs past the end of the data",
                e.length
            ),
        )
    })
}

/// A PLAN chunk must say what the index's plane table says of its plane.
fn check_plane_agrees(index: &Index, e: &IndexEntry, p: &PlaneInfo) -> Result<()> {
    let r = index.planes.get(usize::from(p.index));
    let agrees = r.is_some_and(|r| {
        r.grid == p.grid && r.sample_type == p.sample_type && r.flags == u8::from(p.personal)
    });
    if !agrees || p.index != e.plane {
        return Err(Error::at(
            ErrorKind::IndexMismatch,
            e.offset,
            format!("the index's plane table disagrees with PLAN {}", p.index),
        ));
    }
    Ok(())
}

/// What the order rules need of an index entry: a `PLAN`'s geometry (from the plane
/// table), a `TILE`'s position.
fn entry_info(index: &Index, e: &IndexEntry) -> Result<ChunkInfo> {
    Ok(match e.chunk_type {
        ChunkType::PLAN => ChunkInfo::Plane {
            index: e.plane,
            grid: index
                .planes
                .get(usize::from(e.plane))
                .map(|p| p.grid)
                .ok_or_else(|| {
                    Error::at(
                        ErrorKind::IndexMismatch,
                        e.offset,
                        "PLAN entry without a plane",
                    )
                })?,
        },
        ChunkType::TILE => ChunkInfo::Tile {
            plane: e.plane,
            col: e.col,
            row: e.row,
        },
        _ => ChunkInfo::Other,
    })
}

/// The error for a chunk whose digest no manifest lists.
fn digest_error(e: &IndexEntry) -> Error {
    Error::at(
        ErrorKind::DigestMismatch,
        e.offset,
        format!(
            "the {} chunk's digest is not where its manifest lists it: it was altered, \
             inserted, moved or taken from another file",
            e.chunk_type
        ),
    )
    .with_chunk(e.chunk_type.0)
}

/// One band of tile rows of a region being decoded: its tile row, its first row in plane
/// coordinates, its slice of the output, and its tiles' index entries.
/// Splits `out` (a region of `row_stride` bytes per row) into one disjoint slice per band
/// of tile rows, each with its tile row, its first plane row and its tiles, so that bands
/// can be decoded in parallel.
fn region_bands<'o, 'e>(
    tile_height: u32,
    region: Rect,
    tiles: &'e RegionTiles<'e>,
    out: &'o mut [u8],
    row_stride: usize,
) -> Vec<Band<'o, 'e>> {
    let ((first_col, last_col), (first_row, last_row)) = (tiles.cols, tiles.rows);
    let cols = (last_col - first_col) as usize + 1;
    let mut bands = Vec::new();
    let mut rest = out;
    let mut y = region.y;
    for row in first_row..=last_row {
        let band_end = ((u64::from(row) + 1) * u64::from(tile_height))
            .min(u64::from(region.y) + u64::from(region.height)) as u32;
        let rows = (band_end - y) as usize;
        let take = if row == last_row {
            rest.len()
        } else {
            (rows * row_stride).min(rest.len())
        };
        let (band, after) = rest.split_at_mut(take);
        let first = (row - first_row) as usize * cols;
        bands.push((row, y, band, &tiles.entries[first..first + cols]));
        rest = after;
        y = band_end;
    }
    bands
}

type Band<'o, 'e> = (u32, u32, &'o mut [u8], &'e [Option<&'e IndexEntry>]);

/// The tiles under a region, in row-major order: `entries[r * cols + c]` is the tile at
/// column `cols.0 + c`, row `rows.0 + r`; `None` where a redaction removed it.
struct RegionTiles<'a> {
    cols: (u32, u32),
    rows: (u32, u32),
    entries: Vec<Option<&'a IndexEntry>>,
}

/// The bytes of read 1, with a helper to cut absolute ranges out of them.
struct Window {
    start: u64,
    bytes: Vec<u8>,
}

impl Window {
    fn slice(&self, offset: u64, len: u64) -> Result<&[u8]> {
        let rel = offset.checked_sub(self.start);
        let range = rel.and_then(|r| r.checked_add(len).map(|e| r as usize..e as usize));
        range
            .and_then(|r| self.bytes.get(r))
            .ok_or_else(|| Error::at(ErrorKind::Truncated, offset, "range outside the window"))
    }
}

/// Checks that `chunk` starts with a header of type `t` and the length the index gave.
fn check_chunk_header(chunk: &[u8], t: ChunkType, offset: u64) -> Result<()> {
    let ok = chunk.len() >= CHUNK_HEADER_LEN as usize
        && chunk[..4] == t.0
        && chunk[4..12] == (chunk.len() as u64 - CHUNK_HEADER_LEN).to_le_bytes();
    if !ok {
        return Err(Error::at(
            ErrorKind::IndexMismatch,
            offset,
            format!(
                "the index says a {t} chunk of {} bytes is here; the bytes disagree",
                chunk.len()
            ),
        ));
    }
    Ok(())
}

/// After a failed open, looks at the first 12 bytes: a wrong magic or version explains
/// the failure better than whatever the index parse tripped over.
fn diagnose_header<S: Source>(source: &S, len: u64) -> Option<Error> {
    let n = len.min(FILE_HEADER_LEN) as usize;
    let mut header = vec![0u8; n];
    source.read_exact_at(0, &mut header).ok()?;
    parse_file_header(&header).err()
}
