//! Invalid binary records: `HEAD`, the manifest, the index and the tail.

use scanx::container::chunk::ChunkType;
use scanx::container::index::Index;
use scanx::{Error, ErrorKind, Limits, Reason, Result};

use crate::scans::base;
use crate::surgery::{overwrite, Surgery};
use crate::vector::{Context, Expect, Verdict, Vector};

/// The vectors of the binary records.
pub const VECTORS: &[Vector] = &[
    Vector {
        name: "head-digest-unknown",
        expect: Expect::Invalid(ErrorKind::UnsupportedDigest),
        verify: Verdict::FORMAT_ERROR,
        comment: "digest algorithm id 3, which this version does not define",
        recipe: "base file with the HEAD digest_algorithm set to 3; resealed",
        make: head_digest_unknown,
    },
    Vector {
        name: "head-reserved-nonzero",
        expect: Expect::Invalid(ErrorKind::MalformedChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "a reserved byte of HEAD is not zero",
        recipe: "base file with the first reserved byte of HEAD set to 1; resealed",
        make: head_reserved_nonzero,
    },
    Vector {
        name: "head-length-wrong",
        expect: Expect::Invalid(ErrorKind::MalformedChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "a HEAD payload of 21 bytes instead of 20",
        recipe: "base file with a zero byte appended to the HEAD payload; resealed",
        make: head_length_wrong,
    },
    Vector {
        name: "mani-reserved-nonzero",
        expect: Expect::Invalid(ErrorKind::MalformedChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "a reserved byte of the manifest is not zero",
        recipe: "base file with the first reserved byte of MANI set to 1; index and tail rebuilt",
        make: mani_reserved_nonzero,
    },
    Vector {
        name: "mani-generation-zero",
        expect: Expect::Invalid(ErrorKind::MalformedChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "a manifest numbered generation 0 (generations start at 1)",
        recipe: "base file with the MANI generation set to 0; index and tail rebuilt",
        make: mani_generation_zero,
    },
    Vector {
        name: "mani-entry-count-wrong",
        expect: Expect::Invalid(ErrorKind::MalformedChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "a manifest declaring one entry more than it holds",
        recipe: "base file with the MANI entry_count increased by 1; index and tail rebuilt",
        make: mani_entry_count_wrong,
    },
    Vector {
        name: "mani-generation-wrong",
        expect: Expect::Invalid(ErrorKind::MalformedChunk),
        verify: Verdict::invalid(&[Reason::GenerationMismatch]),
        comment: "the first manifest numbered generation 2 (generations are numbered 1, 2, 3 ...)",
        recipe: "base file with the MANI generation set to 2; index and tail rebuilt",
        make: mani_generation_wrong,
    },
    Vector {
        name: "mani-algorithm-differs",
        expect: Expect::Invalid(ErrorKind::MalformedChunk),
        verify: Verdict::invalid(&[Reason::DigestAlgorithmMismatch]),
        comment: "a manifest using BLAKE3 in a file whose HEAD declares SHA-256",
        recipe: "base file with the MANI digest_algorithm set to 2 (BLAKE3) and its entries digested with BLAKE3; resealed",
        make: mani_algorithm_differs,
    },
    Vector {
        name: "index-tile-position-wrong",
        expect: Expect::Invalid(ErrorKind::IndexMismatch),
        verify: Verdict::FORMAT_ERROR,
        comment: "the index gives a tile another column than the tile has",
        recipe: "base file with the column of the index entry of tile (0, 0) set to 1 (the tile itself unchanged)",
        make: index_tile_position_wrong,
    },
    Vector {
        name: "index-plane-table-wrong",
        expect: Expect::Invalid(ErrorKind::IndexMismatch),
        verify: Verdict::FORMAT_ERROR,
        comment: "the index's plane table gives another tile width than the PLAN",
        recipe: "base file with the tile width in the index's plane table set to 8 (PLAN says 4)",
        make: index_plane_table_wrong,
    },
    Vector {
        name: "index-entry-missing",
        expect: Expect::Invalid(ErrorKind::IndexMismatch),
        verify: Verdict::FORMAT_ERROR,
        comment: "an index that leaves out the last chunk before it",
        recipe: "base file with the index's last entry (MANI) removed and entry_count decreased; tail rebuilt",
        make: index_entry_missing,
    },
    Vector {
        name: "tail-offset-wrong",
        expect: Expect::Invalid(ErrorKind::IndexMismatch),
        verify: Verdict::FORMAT_ERROR,
        comment: "the TAIL points 36 bytes before the index",
        recipe: "base file with index_offset in TAIL decreased by 36 and index_length increased by 36",
        make: tail_offset_wrong,
    },
];

fn head_digest_unknown(ctx: &Context) -> Result<Vec<u8>> {
    edit(ctx, ChunkType::HEAD, 16, &[3], Fix::Reseal)
}

fn head_reserved_nonzero(ctx: &Context) -> Result<Vec<u8>> {
    edit(ctx, ChunkType::HEAD, 17, &[1], Fix::Reseal)
}

fn head_length_wrong(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let head = s.position(ChunkType::HEAD)?;
    s.payload_mut(head)?.push(0);
    s.reseal()
}

fn mani_reserved_nonzero(ctx: &Context) -> Result<Vec<u8>> {
    edit(ctx, ChunkType::MANI, 2, &[1], Fix::Index)
}

fn mani_generation_zero(ctx: &Context) -> Result<Vec<u8>> {
    edit(ctx, ChunkType::MANI, 4, &0u32.to_le_bytes(), Fix::Index)
}

fn mani_entry_count_wrong(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let mani = s.position(ChunkType::MANI)?;
    let payload = s.payload_mut(mani)?;
    let count = (payload.len() as u32 - 44) / 36 + 1;
    overwrite(payload, 40, &count.to_le_bytes())?;
    s.reindex()
}

fn mani_generation_wrong(ctx: &Context) -> Result<Vec<u8>> {
    edit(ctx, ChunkType::MANI, 4, &2u32.to_le_bytes(), Fix::Index)
}

fn mani_algorithm_differs(ctx: &Context) -> Result<Vec<u8>> {
    edit(ctx, ChunkType::MANI, 0, &[2], Fix::Reseal)
}

/// The base file's index, to edit, and the surgery holding it.
fn with_index(ctx: &Context, edit: impl FnOnce(&mut Index)) -> Result<Surgery> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let at = s.position(ChunkType::INDX)?;
    let end = s.offset_of(at);
    let mut index = Index::parse(&s.chunk(at)?.payload, 0, end, &Limits::unlimited())?;
    edit(&mut index);
    *s.payload_mut(at)? = index.encode();
    Ok(s)
}

fn index_tile_position_wrong(ctx: &Context) -> Result<Vec<u8>> {
    let s = with_index(ctx, |index| {
        if let Some(e) = index
            .entries
            .iter_mut()
            .find(|e| e.chunk_type == ChunkType::TILE)
        {
            e.col = 1;
        }
    })?;
    Ok(s.into_bytes())
}

fn index_plane_table_wrong(ctx: &Context) -> Result<Vec<u8>> {
    let s = with_index(ctx, |index| {
        if let Some(p) = index.planes.first_mut() {
            p.grid.tile_width = 8;
        }
    })?;
    Ok(s.into_bytes())
}

fn index_entry_missing(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = with_index(ctx, |index| {
        index.entries.pop();
    })?;
    // The index is shorter now: point the tail at it as it is.
    let at = s.position(ChunkType::INDX)?;
    let tail = s.position(ChunkType::TAIL)?;
    let fixed = scanx::container::tail::Tail {
        index_offset: s.offset_of(at),
        index_length: s.chunk(at)?.total_len(),
    };
    *s.payload_mut(tail)? = fixed.encode();
    Ok(s.into_bytes())
}

fn tail_offset_wrong(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let tail = s.position(ChunkType::TAIL)?;
    let payload = s.payload_mut(tail)?;
    let mut t = scanx::container::tail::Tail::parse(payload, 0)?;
    t.index_offset = t
        .index_offset
        .checked_sub(36)
        .ok_or_else(|| Error::invalid_argument("index too early"))?;
    t.index_length += 36;
    *payload = t.encode();
    Ok(s.into_bytes())
}

/// What to rebuild after an edit.
enum Fix {
    /// Manifests, index and tail.
    Reseal,
    /// Index and tail only (the edit is in a manifest).
    Index,
}

/// The base file with `bytes` written at `at` in the payload of the first chunk of type `t`.
fn edit(ctx: &Context, t: ChunkType, at: u64, bytes: &[u8], fix: Fix) -> Result<Vec<u8>> {
    let mut s = Surgery::parse(&base(ctx)?)?;
    let i = s.position(t)?;
    overwrite(s.payload_mut(i)?, at, bytes)?;
    match fix {
        Fix::Reseal => s.reseal(),
        Fix::Index => s.reindex(),
    }
}
