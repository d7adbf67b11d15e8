//! Magic, version and chunk framing.

use std::fmt;
use std::io::{Read, Write};

use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;

/// The eight bytes every scanx file starts with.
///
/// Like PNG's: the high-bit first byte catches 7-bit transfers, the CR LF pair and the lone
/// LF catch line-ending conversion in either direction, and 0x1A stops `type` on DOS.
pub const MAGIC: [u8; 8] = [0x89, b'S', b'C', b'X', 0x0D, 0x0A, 0x1A, 0x0A];

/// Magic plus version: the bytes before the first chunk.
pub const FILE_HEADER_LEN: u64 = 12;

/// Chunk type plus length: the bytes before a chunk's payload.
pub const CHUNK_HEADER_LEN: u64 = 12;

/// A format version, major.minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FormatVersion {
    /// Incompatible changes.
    pub major: u16,
    /// Compatible additions.
    pub minor: u16,
}

impl FormatVersion {
    /// The newest version this implementation reads and writes. A file it writes says 1.0
    /// unless it uses a feature of 1.1 (the writer's `write_preamble`).
    pub const CURRENT: FormatVersion = FormatVersion { major: 1, minor: 1 };

    /// The 4 bytes stored after the magic.
    pub fn to_bytes(self) -> [u8; 4] {
        let mut out = [0u8; 4];
        out[..2].copy_from_slice(&self.major.to_le_bytes());
        out[2..].copy_from_slice(&self.minor.to_le_bytes());
        out
    }
}

impl fmt::Display for FormatVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Checks the 12-byte file header and returns the version.
///
/// Rejects a different major version with an error naming both versions; accepts any
/// minor version of the major version it reads.
pub fn parse_file_header(header: &[u8]) -> Result<FormatVersion> {
    if header.len() < MAGIC.len() || header[..MAGIC.len()] != MAGIC {
        return Err(diagnose_magic(header));
    }
    if header.len() < FILE_HEADER_LEN as usize {
        return Err(Error::at(
            ErrorKind::Truncated,
            header.len() as u64,
            "file ends inside the version field",
        ));
    }
    let version = FormatVersion {
        major: u16::from_le_bytes([header[8], header[9]]),
        minor: u16::from_le_bytes([header[10], header[11]]),
    };
    if version.major != FormatVersion::CURRENT.major {
        return Err(Error::at(
            ErrorKind::UnsupportedVersion,
            8,
            format!(
                "file is scanx version {version}; this reader supports major version {} (up to {})",
                FormatVersion::CURRENT.major,
                FormatVersion::CURRENT
            ),
        ));
    }
    Ok(version)
}

/// Says why `header` is not a scanx magic: text-mode damage or something else entirely.
fn diagnose_magic(header: &[u8]) -> Error {
    let crlf_to_lf = [0x89, b'S', b'C', b'X', 0x0A, 0x1A, 0x0A];
    // A conversion that leaves the existing CR LF alone, and a naive one that does not.
    let lf_to_crlf = [0x89, b'S', b'C', b'X', 0x0D, 0x0A, 0x1A, 0x0D, 0x0A];
    let lf_to_crlf_naive = [0x89, b'S', b'C', b'X', 0x0D, 0x0D, 0x0A, 0x1A, 0x0D, 0x0A];
    let stripped_high_bit = [0x09, b'S', b'C', b'X', 0x0D, 0x0A, 0x1A, 0x0A];
    if header.starts_with(&crlf_to_lf)
        || header.starts_with(&lf_to_crlf)
        || header.starts_with(&lf_to_crlf_naive)
        || header.starts_with(&stripped_high_bit)
    {
        return Error::at(
            ErrorKind::TextModeCorruption,
            0,
            "the scanx magic has been altered by a text-mode transfer (line endings or the high bit); transfer the file in binary mode",
        );
    }
    if header.len() < MAGIC.len() && MAGIC.starts_with(header) {
        return Error::at(
            ErrorKind::Truncated,
            header.len() as u64,
            "file ends inside the magic",
        );
    }
    Error::at(ErrorKind::BadMagic, 0, "not a scanx file (bad magic bytes)")
}

/// A four-letter chunk type. Byte 0 upper-case means critical, lower-case ancillary.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChunkType(pub [u8; 4]);

impl ChunkType {
    /// File header: the file id.
    pub const HEAD: ChunkType = ChunkType(*b"HEAD");
    /// Scan metadata (JSON).
    pub const META: ChunkType = ChunkType(*b"META");
    /// Personal data (salt + JSON), removable.
    pub const PERS: ChunkType = ChunkType(*b"PERS");
    /// Image plane descriptor.
    pub const PLAN: ChunkType = ChunkType(*b"PLAN");
    /// One encoded tile of a plane.
    pub const TILE: ChunkType = ChunkType(*b"TILE");
    /// One annotation record (JSON).
    pub const ANNO: ChunkType = ChunkType(*b"ANNO");
    /// One provenance event (JSON).
    pub const EVNT: ChunkType = ChunkType(*b"EVNT");
    /// Manifest of digests of one generation.
    pub const MANI: ChunkType = ChunkType(*b"MANI");
    /// One signature record.
    pub const SIGN: ChunkType = ChunkType(*b"SIGN");
    /// Index for random access.
    pub const INDX: ChunkType = ChunkType(*b"INDX");
    /// End marker, pointing at the index.
    pub const TAIL: ChunkType = ChunkType(*b"TAIL");

    /// Every type defined by version 1.0.
    pub const KNOWN: [ChunkType; 11] = [
        ChunkType::HEAD,
        ChunkType::META,
        ChunkType::PERS,
        ChunkType::PLAN,
        ChunkType::TILE,
        ChunkType::ANNO,
        ChunkType::EVNT,
        ChunkType::MANI,
        ChunkType::SIGN,
        ChunkType::INDX,
        ChunkType::TAIL,
    ];

    /// True if every byte is an ASCII letter.
    pub fn is_well_formed(self) -> bool {
        self.0.iter().all(u8::is_ascii_alphabetic)
    }

    /// True if a reader that does not know this type must reject the file.
    pub fn is_critical(self) -> bool {
        self.0[0].is_ascii_uppercase()
    }

    /// True if this type is defined by the version this implementation reads.
    pub fn is_known(self) -> bool {
        ChunkType::KNOWN.contains(&self)
    }

    /// The type as text (lossy for malformed types).
    pub fn as_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// The type's numeric value: its four bytes read as a little-endian `u32`.
    pub fn number(self) -> u32 {
        u32::from_le_bytes(self.0)
    }

    /// Parses a 4-letter name.
    pub fn from_name(name: &str) -> Result<ChunkType> {
        let bytes: [u8; 4] = name.as_bytes().try_into().map_err(|_| {
            Error::invalid_argument(format!("chunk type {name:?} is not four letters"))
        })?;
        let t = ChunkType(bytes);
        if !t.is_well_formed() {
            return Err(Error::invalid_argument(format!(
                "chunk type {name:?} is not four ASCII letters"
            )));
        }
        Ok(t)
    }
}

impl fmt::Debug for ChunkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_str())
    }
}

impl fmt::Display for ChunkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_str())
    }
}

/// The 12-byte header of a chunk.
pub fn chunk_header(chunk_type: ChunkType, payload_len: u64) -> [u8; 12] {
    let mut h = [0u8; 12];
    h[..4].copy_from_slice(&chunk_type.0);
    h[4..].copy_from_slice(&payload_len.to_le_bytes());
    h
}

/// A whole chunk (header and payload) as one buffer.
pub fn frame_chunk(chunk_type: ChunkType, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + CHUNK_HEADER_LEN as usize);
    out.extend_from_slice(&chunk_header(chunk_type, payload.len() as u64));
    out.extend_from_slice(payload);
    out
}

/// Writes one chunk; returns the number of bytes written.
pub fn write_chunk<W: Write + ?Sized>(
    w: &mut W,
    chunk_type: ChunkType,
    payload: &[u8],
) -> Result<u64> {
    w.write_all(&chunk_header(chunk_type, payload.len() as u64))?;
    w.write_all(payload)?;
    Ok(CHUNK_HEADER_LEN + payload.len() as u64)
}

/// Parses a 12-byte chunk header found at `offset`, checking the type and the length
/// against the limits and (when known) the bytes left in the file.
pub fn parse_chunk_header(
    header: &[u8; 12],
    offset: u64,
    bytes_left_after_header: Option<u64>,
    limits: &Limits,
) -> Result<(ChunkType, u64)> {
    let mut t = [0u8; 4];
    t.copy_from_slice(&header[..4]);
    let chunk_type = ChunkType(t);
    if !chunk_type.is_well_formed() {
        return Err(Error::at(
            ErrorKind::BadChunkType,
            offset,
            format!(
                "chunk type bytes {:02x?} are not four ASCII letters",
                chunk_type.0
            ),
        ));
    }
    let mut l = [0u8; 8];
    l.copy_from_slice(&header[4..]);
    let len = u64::from_le_bytes(l);
    if let Some(left) = bytes_left_after_header {
        if len > left {
            return Err(Error::at(
                ErrorKind::LengthOverflow,
                offset + 4,
                format!(
                    "chunk declares {len} payload bytes but only {left} bytes remain in the file"
                ),
            )
            .with_chunk(chunk_type.0));
        }
    }
    if len > limits.max_chunk_bytes {
        return Err(
            Error::limit("chunk payload bytes", len, limits.max_chunk_bytes)
                .with_offset(offset)
                .with_chunk(chunk_type.0),
        );
    }
    Ok((chunk_type, len))
}

/// One chunk with its payload borrowed, from wherever it was read: a [`RawChunk`], a
/// file in memory ([`SliceChunks`]), or the bytes an index entry points at.
#[derive(Debug, Clone, Copy)]
pub struct ChunkAt<'a> {
    /// The chunk type.
    pub chunk_type: ChunkType,
    /// Offset of the chunk header in the file.
    pub offset: u64,
    /// The payload.
    pub payload: &'a [u8],
}

impl<'a> ChunkAt<'a> {
    /// A whole chunk (header and payload) of type `chunk_type` read at `offset`, whose
    /// header has been checked by the caller; `TRUNCATED` if it is shorter than a header.
    pub fn whole(chunk_type: ChunkType, offset: u64, bytes: &'a [u8]) -> Result<Self> {
        let payload = bytes.get(CHUNK_HEADER_LEN as usize..).ok_or_else(|| {
            Error::at(
                ErrorKind::Truncated,
                offset,
                "chunk shorter than its header",
            )
            .with_chunk(chunk_type.0)
        })?;
        Ok(ChunkAt {
            chunk_type,
            offset,
            payload,
        })
    }

    /// Offset of the first payload byte.
    pub fn payload_offset(&self) -> u64 {
        self.offset + CHUNK_HEADER_LEN
    }

    /// Total length of the chunk including its header.
    pub fn total_len(&self) -> u64 {
        CHUNK_HEADER_LEN + self.payload.len() as u64
    }

    /// Attaches this chunk's type and offset to an error.
    pub fn locate(&self, e: Error) -> Error {
        e.with_chunk(self.chunk_type.0).with_offset(self.offset)
    }
}

/// One chunk read by [`ChunkStream`].
#[derive(Debug, Clone)]
pub struct RawChunk {
    /// Offset of the chunk header in the file.
    pub offset: u64,
    /// The chunk type.
    pub chunk_type: ChunkType,
    /// The payload.
    pub payload: Vec<u8>,
}

impl RawChunk {
    /// Offset of the first payload byte.
    pub fn payload_offset(&self) -> u64 {
        self.view().payload_offset()
    }

    /// Total length of the chunk including its header.
    pub fn total_len(&self) -> u64 {
        self.view().total_len()
    }

    /// Attaches this chunk's type and offset to an error.
    pub fn locate(&self, e: Error) -> Error {
        self.view().locate(e)
    }

    /// The chunk with its payload borrowed.
    pub fn view(&self) -> ChunkAt<'_> {
        ChunkAt {
            chunk_type: self.chunk_type,
            offset: self.offset,
            payload: &self.payload,
        }
    }
}

/// The framing rules every front-to-back chunk reader applies: where the next chunk
/// starts, its header checked against the limits and the bytes left, and nothing after
/// `TAIL`. [`ChunkStream`] (any `Read`) and [`SliceChunks`] (bytes in memory) differ only
/// in how the bytes arrive.
#[derive(Debug)]
struct Framing {
    offset: u64,
    /// Total file size when known (then lengths are checked before reading).
    total_len: Option<u64>,
    limits: Limits,
    finished: bool,
}

impl Framing {
    /// Checks the header of the chunk at `self.offset`, of which `got` bytes arrived;
    /// returns its type, its payload length, and whether that length was checked against
    /// the bytes left in the file.
    fn header(&self, header: &[u8; 12], got: usize) -> Result<(ChunkType, u64, bool)> {
        let offset = self.offset;
        if got == 0 {
            return Err(Error::at(
                ErrorKind::Truncated,
                offset,
                "file ends without a TAIL chunk",
            ));
        }
        if got < header.len() {
            return Err(Error::at(
                ErrorKind::Truncated,
                offset,
                format!("file ends inside a chunk header ({got} of 12 bytes)"),
            ));
        }
        let left = self
            .total_len
            .map(|total| total.saturating_sub(offset + CHUNK_HEADER_LEN));
        let (chunk_type, len) = parse_chunk_header(header, offset, left, &self.limits)?;
        Ok((chunk_type, len, left.is_some()))
    }

    /// Moves past a chunk whose payload has been read; after `TAIL`, fails if
    /// `more_follows` (a byte after it).
    fn advance(
        &mut self,
        chunk_type: ChunkType,
        len: u64,
        more_follows: impl FnOnce() -> Result<bool>,
    ) -> Result<()> {
        self.offset += CHUNK_HEADER_LEN + len;
        if chunk_type == ChunkType::TAIL {
            self.finished = true;
            if more_follows()? {
                return Err(Error::at(
                    ErrorKind::TrailingBytes,
                    self.offset,
                    "bytes follow the TAIL chunk",
                ));
            }
        }
        Ok(())
    }
}

/// Reads a file front to back, one chunk at a time, from any `Read`.
///
/// Checks the magic, the version, chunk types and lengths, and that nothing follows the
/// `TAIL` chunk. A payload is read in pieces as bytes arrive, so a chunk that declares
/// more bytes than the stream holds never causes an allocation larger than what arrived.
#[derive(Debug)]
pub struct ChunkStream<R> {
    inner: R,
    framing: Framing,
    version: FormatVersion,
}

impl<R: Read> ChunkStream<R> {
    /// Reads and checks the file header.
    pub fn new(mut inner: R, total_len: Option<u64>, limits: Limits) -> Result<Self> {
        let mut header = [0u8; FILE_HEADER_LEN as usize];
        let got = read_up_to(&mut inner, &mut header)?;
        let version = parse_file_header(&header[..got])?;
        Ok(ChunkStream {
            inner,
            framing: Framing {
                offset: FILE_HEADER_LEN,
                total_len,
                limits,
                finished: false,
            },
            version,
        })
    }

    /// The file's format version.
    pub fn version(&self) -> FormatVersion {
        self.version
    }

    /// The offset of the next chunk.
    pub fn offset(&self) -> u64 {
        self.framing.offset
    }

    /// The next chunk, or `None` after `TAIL` (having checked that nothing follows it).
    pub fn next_chunk(&mut self) -> Result<Option<RawChunk>> {
        if self.framing.finished {
            return Ok(None);
        }
        let offset = self.framing.offset;
        let mut header = [0u8; CHUNK_HEADER_LEN as usize];
        let got = read_up_to(&mut self.inner, &mut header)?;
        let (chunk_type, len, checked) = self.framing.header(&header, got)?;
        let payload = read_payload(&mut self.inner, len, offset + 4, checked)
            .map_err(|e| e.with_chunk(chunk_type.0).with_offset(offset))?;
        let inner = &mut self.inner;
        self.framing.advance(chunk_type, len, || {
            let mut probe = [0u8; 1];
            Ok(read_up_to(inner, &mut probe)? != 0)
        })?;
        Ok(Some(RawChunk {
            offset,
            chunk_type,
            payload,
        }))
    }
}

/// Reads a file held in memory front to back, one chunk at a time, as [`ChunkStream`]
/// does (the same checks, the same errors), lending each payload from the bytes instead
/// of copying it.
#[derive(Debug)]
pub struct SliceChunks<'a> {
    file: &'a [u8],
    framing: Framing,
}

impl<'a> SliceChunks<'a> {
    /// Checks the file header.
    pub fn new(file: &'a [u8], limits: Limits) -> Result<Self> {
        let header = &file[..file.len().min(FILE_HEADER_LEN as usize)];
        parse_file_header(header)?;
        Ok(SliceChunks {
            file,
            framing: Framing {
                offset: FILE_HEADER_LEN,
                total_len: Some(file.len() as u64),
                limits,
                finished: false,
            },
        })
    }

    /// The next chunk, or `None` after `TAIL` (having checked that nothing follows it).
    pub fn next_chunk(&mut self) -> Result<Option<ChunkAt<'a>>> {
        if self.framing.finished {
            return Ok(None);
        }
        let offset = self.framing.offset;
        // Within the file: every earlier length was checked against the bytes left.
        let start = offset as usize;
        let rest = &self.file[start.min(self.file.len())..];
        let mut header = [0u8; CHUNK_HEADER_LEN as usize];
        let got = rest.len().min(header.len());
        header[..got].copy_from_slice(&rest[..got]);
        let (chunk_type, len, _) = self.framing.header(&header, got)?;
        // The length fits in the bytes left (checked above), so this cannot fail.
        let payload = &rest[got..][..len as usize];
        let file_len = self.file.len() as u64;
        self.framing.advance(chunk_type, len, || {
            Ok(offset + CHUNK_HEADER_LEN + len < file_len)
        })?;
        Ok(Some(ChunkAt {
            chunk_type,
            offset,
            payload,
        }))
    }
}

/// Reads a payload of `len` bytes. When `len` has been checked against the bytes left in
/// a file of known length, the buffer is made at its final size at once (growing it would
/// briefly hold up to three times the payload); otherwise it grows only as data arrives.
///
/// A stream that ends early gets the error a reader that knows the file's length gives
/// before reading anything: the length (whose field is at `length_at`) does not fit in the
/// bytes that follow. So the same file fails the same way however it is read.
fn read_payload<R: Read>(
    r: &mut R,
    len: u64,
    length_at: u64,
    checked_against_file: bool,
) -> Result<Vec<u8>> {
    const FIRST_ALLOCATION: u64 = 1 << 16;
    let first = if checked_against_file {
        len
    } else {
        len.min(FIRST_ALLOCATION)
    };
    let mut payload = Vec::with_capacity(usize::try_from(first).unwrap_or(0));
    let got = r.by_ref().take(len).read_to_end(&mut payload)? as u64;
    if got != len {
        return Err(Error::at(
            ErrorKind::LengthOverflow,
            length_at,
            format!("chunk declares {len} payload bytes but the file ends after {got}"),
        ));
    }
    Ok(payload)
}

/// Fills as much of `buf` as the reader has; returns how many bytes were read.
pub(crate) fn read_up_to<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_diagnosis() {
        let mut good = MAGIC.to_vec();
        good.extend_from_slice(&FormatVersion::CURRENT.to_bytes());
        assert_eq!(parse_file_header(&good).ok(), Some(FormatVersion::CURRENT));

        let crlf_to_lf = [0x89, b'S', b'C', b'X', 0x0A, 0x1A, 0x0A, 1, 0, 0, 0, 0];
        assert_eq!(
            parse_file_header(&crlf_to_lf).map_err(|e| e.kind()).err(),
            Some(ErrorKind::TextModeCorruption)
        );
        assert_eq!(
            parse_file_header(b"GIF89a......")
                .map_err(|e| e.kind())
                .err(),
            Some(ErrorKind::BadMagic)
        );
        assert_eq!(
            parse_file_header(&MAGIC[..3]).map_err(|e| e.kind()).err(),
            Some(ErrorKind::Truncated)
        );
        let mut v2 = MAGIC.to_vec();
        v2.extend_from_slice(&[2, 0, 0, 0]);
        let e = parse_file_header(&v2)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("2.0") && e.contains("up to 1.1"), "{e}");
    }

    #[test]
    fn critical_bit_and_shape() {
        assert!(ChunkType::TILE.is_critical());
        assert!(!ChunkType(*b"xVND").is_critical());
        assert!(!ChunkType(*b"AB1D").is_well_formed());
        assert_eq!(ChunkType::HEAD.number(), u32::from_le_bytes(*b"HEAD"));
    }

    #[test]
    fn payload_cut_short_is_the_same_error_with_or_without_the_file_length() {
        let mut file = MAGIC.to_vec();
        file.extend_from_slice(&FormatVersion::CURRENT.to_bytes());
        file.extend_from_slice(&chunk_header(ChunkType::HEAD, 20));
        file.extend_from_slice(&[0; 5]);
        for total in [Some(file.len() as u64), None] {
            let e = ChunkStream::new(&file[..], total, Limits::default())
                .and_then(|mut s| s.next_chunk())
                .err()
                .map(|e| (e.kind(), e.offset()));
            assert_eq!(e, Some((ErrorKind::LengthOverflow, Some(16))), "{total:?}");
        }
    }

    #[test]
    fn length_past_end_is_rejected_before_reading() {
        let h = chunk_header(ChunkType::META, 1 << 40);
        let e = parse_chunk_header(&h, 12, Some(10), &Limits::default())
            .err()
            .map(|e| e.kind());
        assert_eq!(e, Some(ErrorKind::LengthOverflow));
        let e = parse_chunk_header(&h, 12, None, &Limits::default())
            .err()
            .map(|e| e.kind());
        assert_eq!(e, Some(ErrorKind::LimitExceeded));
    }
}
