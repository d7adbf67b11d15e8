//! Invalid files broken at the level of bytes: magic, version, truncation, chunk lengths
//! and types, bytes after the end.

use scanx::container::chunk::{ChunkType, CHUNK_HEADER_LEN};
use scanx::{Error, ErrorKind, Result};

use crate::scans::base;
use crate::surgery::{cut, overwrite, Surgery};
use crate::vector::{Context, Expect, Verdict, Vector};

/// The framing vectors.
pub const VECTORS: &[Vector] = &[
    Vector {
        name: "empty-file",
        expect: Expect::Invalid(ErrorKind::Truncated),
        verify: Verdict::FORMAT_ERROR,
        comment: "a file of zero bytes",
        recipe: "no bytes at all",
        make: empty_file,
    },
    Vector {
        name: "bad-magic",
        expect: Expect::Invalid(ErrorKind::BadMagic),
        verify: Verdict::FORMAT_ERROR,
        comment: "the PNG magic instead of the scanx magic",
        recipe: "base file with its first 8 bytes replaced by 89 50 4E 47 0D 0A 1A 0A",
        make: bad_magic,
    },
    Vector {
        name: "magic-crlf-to-lf",
        expect: Expect::Invalid(ErrorKind::TextModeCorruption),
        verify: Verdict::FORMAT_ERROR,
        comment: "a text-mode transfer turned every CR LF into LF",
        recipe: "base file with every 0D 0A pair replaced by 0A",
        make: magic_crlf_to_lf,
    },
    Vector {
        name: "magic-lf-to-crlf",
        expect: Expect::Invalid(ErrorKind::TextModeCorruption),
        verify: Verdict::FORMAT_ERROR,
        comment: "a text-mode transfer turned every LF into CR LF",
        recipe: "base file with 0D inserted before every 0A not already preceded by 0D",
        make: magic_lf_to_crlf,
    },
    Vector {
        name: "magic-high-bit-stripped",
        expect: Expect::Invalid(ErrorKind::TextModeCorruption),
        verify: Verdict::FORMAT_ERROR,
        comment: "a 7-bit transfer cleared the high bit of every byte",
        recipe: "base file with every byte ANDed with 7F",
        make: magic_high_bit_stripped,
    },
    Vector {
        name: "version-major-2",
        expect: Expect::Invalid(ErrorKind::UnsupportedVersion),
        verify: Verdict::FORMAT_ERROR,
        comment: "a future major version (2.0) is refused, naming both versions",
        recipe: "base file with the version field set to major 2, minor 0",
        make: version_major_2,
    },
    Vector {
        name: "tampered-unsigned-minor-version-changed",
        expect: Expect::Valid,
        verify: Verdict::UNSIGNED,
        comment: "the minor version of an unsigned file changed from 1.0 to 1.1: no digest covers the file header, so nothing detects it",
        recipe: "base file (written as version 1.0) with the minor version field set to 1; nothing else changed",
        make: tampered_unsigned_minor_version_changed,
    },
    Vector {
        name: "version-major-0",
        expect: Expect::Invalid(ErrorKind::UnsupportedVersion),
        verify: Verdict::FORMAT_ERROR,
        comment: "a major version below 1 is refused",
        recipe: "base file with the version field set to major 0, minor 9",
        make: version_major_0,
    },
    Vector {
        name: "truncated-in-magic",
        expect: Expect::Invalid(ErrorKind::Truncated),
        verify: Verdict::FORMAT_ERROR,
        comment: "the file ends inside the magic",
        recipe: "the first 5 bytes of the base file",
        make: truncated_in_magic,
    },
    Vector {
        name: "truncated-in-version",
        expect: Expect::Invalid(ErrorKind::Truncated),
        verify: Verdict::FORMAT_ERROR,
        comment: "the file ends inside the version field",
        recipe: "the first 10 bytes of the base file",
        make: truncated_in_version,
    },
    Vector {
        name: "truncated-in-chunk-header",
        expect: Expect::Invalid(ErrorKind::Truncated),
        verify: Verdict::FORMAT_ERROR,
        comment: "the file ends inside a chunk header",
        recipe: "the base file cut 7 bytes into the header of the META chunk",
        make: truncated_in_chunk_header,
    },
    Vector {
        name: "truncated-at-chunk-boundary",
        expect: Expect::Invalid(ErrorKind::Truncated),
        verify: Verdict::FORMAT_ERROR,
        comment: "the file ends between two chunks, before the manifest",
        recipe: "the base file cut right after its last TILE chunk",
        make: truncated_at_chunk_boundary,
    },
    Vector {
        name: "truncated-before-tail",
        expect: Expect::Invalid(ErrorKind::Truncated),
        verify: Verdict::FORMAT_ERROR,
        comment: "the file ends after the index, without its TAIL",
        recipe: "the base file without its last 28 bytes (the TAIL chunk)",
        make: truncated_before_tail,
    },
    Vector {
        name: "truncated-in-payload",
        expect: Expect::Invalid(ErrorKind::LengthOverflow),
        verify: Verdict::FORMAT_ERROR,
        comment: "the file ends inside a tile: the tile's declared length exceeds the bytes left",
        recipe: "the base file cut in the middle of the payload of tile (1, 0)",
        make: truncated_in_payload,
    },
    Vector {
        name: "truncated-in-tail",
        expect: Expect::Invalid(ErrorKind::LengthOverflow),
        verify: Verdict::FORMAT_ERROR,
        comment: "the last byte is missing: the TAIL declares one byte more than is left",
        recipe: "the base file without its last byte",
        make: truncated_in_tail,
    },
    Vector {
        name: "length-overflow",
        expect: Expect::Invalid(ErrorKind::LengthOverflow),
        verify: Verdict::FORMAT_ERROR,
        comment: "a chunk length of 2^64 - 1, which no file can hold",
        recipe: "base file with the length of the META chunk set to FF FF FF FF FF FF FF FF",
        make: length_overflow,
    },
    Vector {
        name: "chunk-past-end",
        expect: Expect::Invalid(ErrorKind::LengthOverflow),
        verify: Verdict::FORMAT_ERROR,
        comment: "a chunk in the middle of the file declares a length running one byte past the end",
        recipe: "base file with the length of the ANNO chunk set to the number of bytes after its header plus one",
        make: chunk_past_end,
    },
    Vector {
        name: "bad-chunk-type",
        expect: Expect::Invalid(ErrorKind::BadChunkType),
        verify: Verdict::FORMAT_ERROR,
        comment: "a chunk type with a byte that is not an ASCII letter",
        recipe: "base file with the type of the ANNO chunk changed to 'AN0O' (a digit zero); index and tail rebuilt",
        make: bad_chunk_type,
    },
    Vector {
        name: "trailing-bytes",
        expect: Expect::Invalid(ErrorKind::TrailingBytes),
        verify: Verdict::FORMAT_ERROR,
        comment: "bytes after the TAIL chunk",
        recipe: "base file followed by 00 00 00 00",
        make: trailing_bytes,
    },
];

fn empty_file(_: &Context) -> Result<Vec<u8>> {
    Ok(Vec::new())
}

fn bad_magic(ctx: &Context) -> Result<Vec<u8>> {
    let mut bytes = base(ctx)?;
    overwrite(&mut bytes, 0, &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a])?;
    Ok(bytes)
}

fn magic_crlf_to_lf(ctx: &Context) -> Result<Vec<u8>> {
    let bytes = base(ctx)?;
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == 0x0d && bytes.get(i + 1) == Some(&0x0a) {
            i += 1;
            continue;
        }
        out.push(b);
        i += 1;
    }
    Ok(out)
}

fn magic_lf_to_crlf(ctx: &Context) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut previous = None;
    for b in base(ctx)? {
        if b == 0x0a && previous != Some(0x0d) {
            out.push(0x0d);
        }
        out.push(b);
        previous = Some(b);
    }
    Ok(out)
}

fn magic_high_bit_stripped(ctx: &Context) -> Result<Vec<u8>> {
    Ok(base(ctx)?.into_iter().map(|b| b & 0x7f).collect())
}

fn version_major_2(ctx: &Context) -> Result<Vec<u8>> {
    let mut bytes = base(ctx)?;
    overwrite(&mut bytes, 8, &[2, 0, 0, 0])?;
    Ok(bytes)
}

fn tampered_unsigned_minor_version_changed(ctx: &Context) -> Result<Vec<u8>> {
    let mut bytes = base(ctx)?;
    overwrite(&mut bytes, 10, &[1, 0])?;
    Ok(bytes)
}

fn version_major_0(ctx: &Context) -> Result<Vec<u8>> {
    let mut bytes = base(ctx)?;
    overwrite(&mut bytes, 8, &[0, 0, 9, 0])?;
    Ok(bytes)
}

fn truncated_in_magic(ctx: &Context) -> Result<Vec<u8>> {
    cut(base(ctx)?, 5)
}

fn truncated_in_version(ctx: &Context) -> Result<Vec<u8>> {
    cut(base(ctx)?, 10)
}

fn truncated_in_chunk_header(ctx: &Context) -> Result<Vec<u8>> {
    let bytes = base(ctx)?;
    let s = Surgery::parse(&bytes)?;
    let at = s.offset_of(s.position(ChunkType::META)?) + 7;
    cut(bytes, at)
}

fn truncated_at_chunk_boundary(ctx: &Context) -> Result<Vec<u8>> {
    let bytes = base(ctx)?;
    let s = Surgery::parse(&bytes)?;
    let last = s.positions(ChunkType::TILE).pop().ok_or_else(no_tile)?;
    cut(bytes, s.offset_of(last + 1))
}

fn truncated_before_tail(ctx: &Context) -> Result<Vec<u8>> {
    let bytes = base(ctx)?;
    let len = bytes.len() as u64;
    cut(bytes, len - 28)
}

fn truncated_in_payload(ctx: &Context) -> Result<Vec<u8>> {
    let bytes = base(ctx)?;
    let s = Surgery::parse(&bytes)?;
    let tile = s.tile_position(0, 1, 0)?;
    let at = s.offset_of(tile) + CHUNK_HEADER_LEN + s.chunk(tile)?.payload.len() as u64 / 2;
    cut(bytes, at)
}

fn truncated_in_tail(ctx: &Context) -> Result<Vec<u8>> {
    let bytes = base(ctx)?;
    let len = bytes.len() as u64;
    cut(bytes, len - 1)
}

fn length_overflow(ctx: &Context) -> Result<Vec<u8>> {
    let mut bytes = base(ctx)?;
    let s = Surgery::parse(&bytes)?;
    let at = s.offset_of(s.position(ChunkType::META)?) + 4;
    overwrite(&mut bytes, at, &u64::MAX.to_le_bytes())?;
    Ok(bytes)
}

fn chunk_past_end(ctx: &Context) -> Result<Vec<u8>> {
    let mut bytes = base(ctx)?;
    let s = Surgery::parse(&bytes)?;
    let at = s.offset_of(s.position(ChunkType::ANNO)?);
    let after_header = bytes.len() as u64 - at - CHUNK_HEADER_LEN;
    overwrite(&mut bytes, at + 4, &(after_header + 1).to_le_bytes())?;
    Ok(bytes)
}

fn bad_chunk_type(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let anno = s.position(ChunkType::ANNO)?;
    s.retype(anno, *b"AN0O")?;
    // The manifest keeps its entry: a manifest entry must name a well-formed type, and
    // the broken chunk is the defect, not the manifest.
    s.reindex()
}

fn trailing_bytes(ctx: &Context) -> Result<Vec<u8>> {
    let mut bytes = base(ctx)?;
    bytes.extend_from_slice(&[0; 4]);
    Ok(bytes)
}

fn no_tile() -> Error {
    Error::new(ErrorKind::NotFound, "no TILE chunk")
}
