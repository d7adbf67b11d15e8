//! Compression codecs for tile data, and decoding that never produces more than declared.

use std::cell::RefCell;
use std::ops::RangeInclusive;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use zstd::zstd_safe;

use super::rice;
use crate::error::{Error, ErrorKind, Result};

/// The compression of a tile's filtered bytes. The numeric value is the id written in the
/// TILE chunk.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// Stored as is.
    None = 0,
    /// A zlib stream (RFC 1950) of deflate data (RFC 1951).
    Deflate = 1,
    /// One Zstandard frame (RFC 8878).
    Zstd = 2,
    /// MED prediction and Golomb-Rice codes of the samples (specification section 5.6.1).
    /// Codes the samples themselves, not their bytes: it needs no filter.
    Rice = 3,
}

/// zlib's own default, used for level 0.
const DEFLATE_DEFAULT_LEVEL: u32 = 6;

impl Codec {
    /// Every codec, in id order.
    pub const ALL: &'static [Codec] = &[Codec::None, Codec::Deflate, Codec::Zstd, Codec::Rice];

    /// The id stored in the file.
    pub fn id(self) -> u8 {
        self as u8
    }

    /// The minor version of the format that defines this codec: 0 for the codecs of 1.0,
    /// 1 for `rice`. A writer puts the largest of its planes' in the file header.
    pub fn format_minor(self) -> u16 {
        match self {
            Codec::None | Codec::Deflate | Codec::Zstd => 0,
            Codec::Rice => 1,
        }
    }

    /// The codec with this id; `UNSUPPORTED_CODEC` for any other value.
    pub fn from_id(id: u8) -> Result<Self> {
        Codec::ALL
            .iter()
            .copied()
            .find(|c| c.id() == id)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::UnsupportedCodec,
                    format!("codec id {id} is not supported"),
                )
            })
    }

    /// The name used on the command line and in the bindings: `none`, `deflate`, `zstd`,
    /// `rice`.
    pub fn name(self) -> &'static str {
        match self {
            Codec::None => "none",
            Codec::Deflate => "deflate",
            Codec::Zstd => "zstd",
            Codec::Rice => "rice",
        }
    }

    /// The codec with this name; `INVALID_ARGUMENT` for any other string.
    pub fn from_name(name: &str) -> Result<Self> {
        Codec::ALL
            .iter()
            .copied()
            .find(|c| c.name() == name)
            .ok_or_else(|| Error::invalid_argument(format!("unknown codec {name:?}")))
    }

    /// The compression levels this codec accepts. Level 0 is always accepted and means the
    /// codec's default (6 for deflate, 3 for zstd); `None` and `Rice` accept only 0. Zstd's
    /// negative levels trade ratio for speed.
    pub fn level_range(self) -> RangeInclusive<i32> {
        match self {
            Codec::None | Codec::Rice => 0..=0,
            Codec::Deflate => 0..=9,
            Codec::Zstd => zstd::compression_level_range(),
        }
    }
}

/// The raster a codec's input bytes form: `rice` codes samples, the others bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Raster {
    /// 1, 2 or 4.
    pub(crate) bytes_per_sample: usize,
    /// Samples a row; the data holds whole rows.
    pub(crate) width: usize,
}

/// Compresses `data`, a `raster`, with `codec` at `level` (already validated). `None`
/// returns `data` itself, without a copy.
///
/// The output depends only on the input, the codec, the level and the codec library's
/// version: both encoders run on the calling thread with fixed parameters.
pub(crate) fn compress(codec: Codec, level: i32, data: Vec<u8>, raster: Raster) -> Result<Vec<u8>> {
    match codec {
        Codec::None => Ok(data),
        Codec::Deflate => {
            let level = match u32::try_from(level) {
                Ok(0) | Err(_) => DEFLATE_DEFAULT_LEVEL,
                Ok(level) => level,
            };
            deflate(level, &data)
        }
        // A one-shot compression of a buffer of known size: single-threaded (the crate is
        // built without zstd's multi-threading), and the frame header records the content
        // size, which lets a reader reject a wrong size before decoding.
        Codec::Zstd => ZSTD_COMPRESSOR.with_borrow_mut(|slot| {
            let compressor = match slot {
                Some(compressor) => compressor,
                None => slot.insert(zstd::bulk::Compressor::new(level).map_err(zstd_failed)?),
            };
            compressor
                .set_compression_level(level)
                .map_err(zstd_failed)?;
            compressor.compress(&data).map_err(zstd_failed)
        }),
        Codec::Rice => Ok(rice::compress(&data, raster.bytes_per_sample, raster.width)),
    }
}

fn zstd_failed(e: std::io::Error) -> Error {
    Error::new(ErrorKind::CodecError, format!("zstd compression: {e}"))
}

// Codec contexts, one of each per thread and reused for every tile that thread encodes or
// decodes: building a context costs more than coding a small tile (a zstd context
// allocates its tables, a deflate one its window and hash chains). Each is reset before
// use, so the bytes produced do not depend on what the thread coded before.
thread_local! {
    static ZSTD_COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { RefCell::new(None) };
    static ZSTD_DECOMPRESSOR: RefCell<Option<zstd_safe::DCtx<'static>>> =
        const { RefCell::new(None) };
    /// The deflate compressor and the level it was made for.
    static DEFLATER: RefCell<Option<(u32, Compress)>> = const { RefCell::new(None) };
    static INFLATER: RefCell<Option<Decompress>> = const { RefCell::new(None) };
}

/// Compresses `data` into one zlib stream with this thread's deflate context.
fn deflate(level: u32, data: &[u8]) -> Result<Vec<u8>> {
    DEFLATER.with_borrow_mut(|slot| {
        let deflater = match slot {
            Some((made_for, deflater)) if *made_for == level => {
                deflater.reset();
                deflater
            }
            _ => {
                &mut slot
                    .insert((level, Compress::new(Compression::new(level), true)))
                    .1
            }
        };
        let mut output = Vec::with_capacity(data.len() / 2 + 64);
        loop {
            let consumed = usize::try_from(deflater.total_in()).unwrap_or(usize::MAX);
            let input = data.get(consumed..).unwrap_or_default();
            if output.len() == output.capacity() {
                output.reserve(output.capacity().max(64));
            }
            let status = deflater
                .compress_vec(input, &mut output, FlushCompress::Finish)
                .map_err(|e| Error::new(ErrorKind::CodecError, format!("deflate: {e}")))?;
            if status == Status::StreamEnd {
                return Ok(output);
            }
        }
    })
}

/// Decodes `data` into `out`, a `raster`, which must be filled exactly.
///
/// At most `out.len()` bytes are ever produced: a stream that would produce more, or
/// fewer, is `TILE_SIZE_MISMATCH`; a corrupt or truncated stream, or bytes after its end,
/// is `CODEC_ERROR` (a `rice` stream always codes exactly the raster, so any fault of it
/// is `CODEC_ERROR`).
pub(crate) fn decompress_into(
    codec: Codec,
    data: &[u8],
    out: &mut [u8],
    raster: Raster,
) -> Result<()> {
    match codec {
        Codec::None => {
            check_stored_length(data, out.len())?;
            out.copy_from_slice(data);
            Ok(())
        }
        Codec::Deflate => inflate_exact(data, out),
        Codec::Zstd => zstd_decompress_exact(data, out),
        Codec::Rice => rice::decompress_into(data, out, raster.bytes_per_sample, raster.width),
    }
}

/// A stored tile is exactly its decoded bytes.
pub(crate) fn check_stored_length(data: &[u8], expected: usize) -> Result<()> {
    if data.len() == expected {
        Ok(())
    } else {
        Err(size_mismatch(format!(
            "stored tile has {} bytes, {expected} declared",
            data.len()
        )))
    }
}

fn size_mismatch(message: String) -> Error {
    Error::new(ErrorKind::TileSizeMismatch, message)
}

fn codec_error(message: String) -> Error {
    Error::new(ErrorKind::CodecError, message)
}

/// Inflates one zlib stream into `out`. Once `out` is full, output goes to a one-byte
/// probe: any byte landing there means the stream is longer than declared, and decoding
/// stops right there.
fn inflate_exact(data: &[u8], out: &mut [u8]) -> Result<()> {
    INFLATER.with_borrow_mut(|slot| {
        let inflater = match slot {
            Some(inflater) => {
                inflater.reset(true);
                inflater
            }
            None => slot.insert(Decompress::new(true)),
        };
        inflate_with(inflater, data, out)
    })
}

fn inflate_with(inflater: &mut Decompress, data: &[u8], out: &mut [u8]) -> Result<()> {
    let expected = out.len() as u64;
    let mut probe = [0u8; 1];
    loop {
        let consumed = usize::try_from(inflater.total_in()).unwrap_or(usize::MAX);
        let produced = usize::try_from(inflater.total_out()).unwrap_or(usize::MAX);
        let input = data.get(consumed..).unwrap_or_default();
        let output = match out.get_mut(produced..) {
            Some(rest) if !rest.is_empty() => rest,
            _ => &mut probe[..],
        };
        let before = (inflater.total_in(), inflater.total_out());
        let status = inflater
            .decompress(input, output, FlushDecompress::None)
            .map_err(|e| codec_error(format!("corrupt deflate stream: {e}")))?;
        if inflater.total_out() > expected {
            return Err(size_mismatch(format!(
                "deflate stream decodes to more than the declared {expected} bytes"
            )));
        }
        match status {
            Status::StreamEnd => break,
            Status::Ok | Status::BufError => {
                if (inflater.total_in(), inflater.total_out()) == before {
                    return Err(codec_error(
                        "deflate stream is truncated (ends before its end marker)".into(),
                    ));
                }
            }
        }
    }
    if inflater.total_out() != expected {
        return Err(size_mismatch(format!(
            "deflate stream decodes to {} bytes, {expected} declared",
            inflater.total_out()
        )));
    }
    if inflater.total_in() != data.len() as u64 {
        return Err(codec_error(format!(
            "{} bytes follow the end of the deflate stream",
            (data.len() as u64).saturating_sub(inflater.total_in())
        )));
    }
    Ok(())
}

/// zstd's error code for an output buffer too small for the frame, as its functions return
/// it (the negated enum value as a `size_t`).
const ZSTD_DST_TOO_SMALL: usize =
    (zstd_safe::zstd_sys::ZSTD_ErrorCode::ZSTD_error_dstSize_tooSmall as usize).wrapping_neg();

/// Decodes exactly one zstd frame into `out`.
///
/// One-shot decoding writes straight into `out` and allocates no window, however large a
/// window the frame header asks for; it fails with "destination too small" the moment the
/// frame would write past `out`.
fn zstd_decompress_exact(data: &[u8], out: &mut [u8]) -> Result<()> {
    let expected = out.len();
    // The data must be one frame and nothing else: zstd would otherwise go on to decode a
    // second frame, or skip a skippable one, as if it were part of the tile.
    let frame_length = zstd_safe::find_frame_compressed_size(data).map_err(|code| {
        codec_error(format!(
            "corrupt or truncated zstd frame: {}",
            zstd_safe::get_error_name(code)
        ))
    })?;
    if frame_length != data.len() {
        return Err(codec_error(format!(
            "{} bytes follow the end of the zstd frame",
            data.len().saturating_sub(frame_length)
        )));
    }
    // A declared content size lets a wrong size be refused before any decoding.
    match zstd_safe::get_frame_content_size(data) {
        Ok(Some(size)) if size != expected as u64 => {
            return Err(size_mismatch(format!(
                "zstd frame declares {size} bytes, {expected} declared by the tile"
            )));
        }
        Ok(_) => {}
        Err(_) => return Err(codec_error("corrupt zstd frame header".into())),
    }
    let decoded = ZSTD_DECOMPRESSOR.with_borrow_mut(|slot| {
        // One-shot decompression starts every frame afresh: nothing of the previous one
        // carries over.
        slot.get_or_insert_with(zstd_safe::DCtx::create)
            .decompress(out, data)
    });
    match decoded {
        Ok(produced) if produced == expected => Ok(()),
        Ok(produced) => Err(size_mismatch(format!(
            "zstd frame decodes to {produced} bytes, {expected} declared"
        ))),
        Err(ZSTD_DST_TOO_SMALL) => Err(size_mismatch(format!(
            "zstd frame decodes to more than the declared {expected} bytes"
        ))),
        Err(code) => Err(codec_error(format!(
            "corrupt zstd frame: {}",
            zstd_safe::get_error_name(code)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Byte codecs ignore the raster.
    const BYTES: Raster = Raster {
        bytes_per_sample: 1,
        width: 1,
    };

    fn decode(codec: Codec, data: &[u8], out: &mut [u8]) -> Result<()> {
        decompress_into(codec, data, out, BYTES)
    }

    fn kind_of(result: Result<()>) -> Option<ErrorKind> {
        result.err().map(|e| e.kind())
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        compress(Codec::Deflate, 9, data.to_vec(), BYTES).expect("deflate")
    }

    fn zstd_frame(data: &[u8]) -> Vec<u8> {
        compress(Codec::Zstd, 19, data.to_vec(), BYTES).expect("zstd")
    }

    /// A zstd frame whose header does not record the content size, as a streaming encoder
    /// writes it: only decoding can tell how much it produces.
    fn zstd_frame_without_size(data: &[u8]) -> Vec<u8> {
        let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), 19).expect("encoder");
        encoder.include_contentsize(false).expect("parameter");
        encoder.write_all(data).expect("write");
        let frame = encoder.finish().expect("finish");
        assert_eq!(zstd_safe::get_frame_content_size(&frame).ok(), Some(None));
        frame
    }

    #[test]
    fn ids_names_and_levels() {
        for &c in Codec::ALL {
            assert_eq!(Codec::from_id(c.id()).ok(), Some(c));
            assert_eq!(Codec::from_name(c.name()).ok(), Some(c));
            assert!(c.level_range().contains(&0));
        }
        for id in [4u8, 7, 200, 255] {
            let err = Codec::from_id(id).err().map(|e| e.kind());
            assert_eq!(err, Some(ErrorKind::UnsupportedCodec));
        }
        let err = Codec::from_name("gzip").err().map(|e| e.kind());
        assert_eq!(err, Some(ErrorKind::InvalidArgument));
        assert!(Codec::Zstd.level_range().contains(&22));
        assert!(!Codec::Deflate.level_range().contains(&10));
    }

    #[test]
    fn stored_length_must_match() {
        let mut out = [0u8; 4];
        assert_eq!(kind_of(decode(Codec::None, &[1, 2, 3, 4], &mut out)), None);
        assert_eq!(out, [1, 2, 3, 4]);
        for data in [&[1u8, 2, 3][..], &[1, 2, 3, 4, 5]] {
            assert_eq!(
                kind_of(decode(Codec::None, data, &mut out)),
                Some(ErrorKind::TileSizeMismatch)
            );
        }
    }

    #[test]
    fn zlib_bomb_is_stopped_at_the_declared_size() {
        let bomb = zlib(&vec![0u8; 64 << 20]);
        assert!(bomb.len() < 100_000, "bomb is {} bytes", bomb.len());
        let mut out = vec![0u8; 512];
        assert_eq!(
            kind_of(decode(Codec::Deflate, &bomb, &mut out)),
            Some(ErrorKind::TileSizeMismatch)
        );
        // One byte too many is already too many.
        let one_more = zlib(&[7u8; 513]);
        assert_eq!(
            kind_of(decode(Codec::Deflate, &one_more, &mut out)),
            Some(ErrorKind::TileSizeMismatch)
        );
    }

    #[test]
    fn zstd_bomb_is_stopped_at_the_declared_size() {
        let mut out = vec![0u8; 512];
        // With the size in the header, the frame is refused before decoding.
        let bomb = zstd_frame(&vec![0u8; 64 << 20]);
        assert!(bomb.len() < 100_000, "bomb is {} bytes", bomb.len());
        assert_eq!(
            kind_of(decode(Codec::Zstd, &bomb, &mut out)),
            Some(ErrorKind::TileSizeMismatch)
        );
        // Without it, decoding stops when the buffer is full.
        let bomb = zstd_frame_without_size(&vec![0u8; 64 << 20]);
        assert_eq!(
            kind_of(decode(Codec::Zstd, &bomb, &mut out)),
            Some(ErrorKind::TileSizeMismatch)
        );
        let one_more = zstd_frame_without_size(&[7u8; 513]);
        assert_eq!(
            kind_of(decode(Codec::Zstd, &one_more, &mut out)),
            Some(ErrorKind::TileSizeMismatch)
        );
    }

    #[test]
    fn short_streams_are_a_size_mismatch() {
        let mut out = vec![0u8; 512];
        let short = [5u8; 511];
        for (codec, data) in [
            (Codec::Deflate, zlib(&short)),
            (Codec::Zstd, zstd_frame(&short)),
            (Codec::Zstd, zstd_frame_without_size(&short)),
        ] {
            assert_eq!(
                kind_of(decode(codec, &data, &mut out)),
                Some(ErrorKind::TileSizeMismatch),
                "{codec:?}"
            );
        }
    }

    #[test]
    fn exact_streams_decode() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut out = vec![0u8; data.len()];
        decode(Codec::Deflate, &zlib(&data), &mut out).expect("deflate");
        assert_eq!(out, data);
        out.fill(0);
        decode(Codec::Zstd, &zstd_frame(&data), &mut out).expect("zstd");
        assert_eq!(out, data);
        out.fill(0);
        decode(Codec::Zstd, &zstd_frame_without_size(&data), &mut out).expect("zstd without size");
        assert_eq!(out, data);
    }

    #[test]
    fn trailing_bytes_after_the_stream_are_refused() {
        let data = [3u8; 300];
        let mut out = vec![0u8; 300];
        let cases = [
            (Codec::Deflate, zlib(&data)),
            (Codec::Zstd, zstd_frame(&data)),
        ];
        for (codec, stream) in cases {
            let mut trailing = stream.clone();
            trailing.push(0);
            assert_eq!(
                kind_of(decode(codec, &trailing, &mut out)),
                Some(ErrorKind::CodecError),
                "{codec:?}"
            );
            // A second complete stream is trailing data too.
            let mut doubled = stream.clone();
            doubled.extend_from_slice(&stream);
            assert_eq!(
                kind_of(decode(codec, &doubled, &mut out)),
                Some(ErrorKind::CodecError),
                "{codec:?}"
            );
        }
        // A zstd skippable frame after the data frame would be skipped by zstd itself.
        let mut skippable = zstd_frame(&data);
        skippable.extend_from_slice(&[0x50, 0x2a, 0x4d, 0x18, 1, 0, 0, 0, 0xaa]);
        assert_eq!(
            kind_of(decode(Codec::Zstd, &skippable, &mut out)),
            Some(ErrorKind::CodecError)
        );
    }

    #[test]
    fn truncated_streams_fail_without_panicking() {
        let data: Vec<u8> = (0..4000u32).map(|i| (i * i % 253) as u8).collect();
        let mut out = vec![0u8; data.len()];
        for (codec, stream) in [
            (Codec::Deflate, zlib(&data)),
            (Codec::Zstd, zstd_frame(&data)),
            (Codec::Zstd, zstd_frame_without_size(&data)),
        ] {
            for cut in 0..stream.len() {
                let kind = kind_of(decode(codec, &stream[..cut], &mut out));
                assert_eq!(kind, Some(ErrorKind::CodecError), "{codec:?} cut at {cut}");
            }
        }
    }

    #[test]
    fn corrupt_streams_are_codec_errors() {
        let data = [9u8; 200];
        let mut out = vec![0u8; 200];
        // A wrong Adler-32 checksum.
        let mut stream = zlib(&data);
        let last = stream.len() - 1;
        stream[last] ^= 1;
        assert_eq!(
            kind_of(decode(Codec::Deflate, &stream, &mut out)),
            Some(ErrorKind::CodecError)
        );
        // A raw deflate stream without the zlib header.
        assert_eq!(
            kind_of(decode(Codec::Deflate, &stream[2..], &mut out)),
            Some(ErrorKind::CodecError)
        );
        // Not a zstd frame at all.
        assert_eq!(
            kind_of(decode(Codec::Zstd, &data, &mut out)),
            Some(ErrorKind::CodecError)
        );
        assert_eq!(
            kind_of(decode(Codec::Zstd, &[], &mut out)),
            Some(ErrorKind::CodecError)
        );
        assert_eq!(
            kind_of(decode(Codec::Deflate, &[], &mut out)),
            Some(ErrorKind::CodecError)
        );
    }

    #[test]
    fn every_single_byte_corruption_is_handled() {
        let data: Vec<u8> = (0..600u32).map(|i| (i / 3) as u8).collect();
        let mut out = vec![0u8; data.len()];
        for (codec, stream) in [
            (Codec::Deflate, zlib(&data)),
            (Codec::Zstd, zstd_frame(&data)),
        ] {
            for position in 0..stream.len() {
                for flip in [0x01u8, 0x80, 0xff] {
                    let mut corrupt = stream.clone();
                    corrupt[position] ^= flip;
                    // Any outcome but a panic is acceptable: some bits (zlib's level
                    // hint, zstd literals without a checksum) do not affect validity.
                    let _ = decode(codec, &corrupt, &mut out);
                }
            }
        }
    }
}
