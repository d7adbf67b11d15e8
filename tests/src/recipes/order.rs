//! Invalid files whose chunks are missing, duplicated, misplaced or unknown. Every one is
//! resealed (manifests, index and tail rebuilt for the new sequence), so the order itself
//! is the only defect.

use scanx::container::chunk::ChunkType;
use scanx::container::signature::SignatureRecord;
use scanx::metadata::PlaneAttributes;
use scanx::pixels::{Encoding, SampleType};
use scanx::{ErrorKind, Result, Role};

use crate::scans::{base, base_builder};
use crate::surgery::{Chunk, Surgery};
use crate::vector::{Context, Expect, Verdict, Vector};

/// The order vectors.
pub const VECTORS: &[Vector] = &[
    Vector {
        name: "missing-head",
        expect: Expect::Invalid(ErrorKind::MissingChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "no HEAD chunk: the file starts with META",
        recipe: "base file without its HEAD chunk; resealed",
        make: missing_head,
    },
    Vector {
        name: "missing-meta",
        expect: Expect::Invalid(ErrorKind::MissingChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "no META chunk: PERS follows HEAD",
        recipe: "base file without its META chunk; resealed",
        make: missing_meta,
    },
    Vector {
        name: "missing-plan",
        expect: Expect::Invalid(ErrorKind::MissingChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "no PLAN chunk: tiles follow the personal data",
        recipe: "base file without its PLAN chunk; resealed",
        make: missing_plan,
    },
    Vector {
        name: "missing-tile",
        expect: Expect::Invalid(ErrorKind::MissingChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "a tile is absent and no redaction event names it",
        recipe: "base file without tile (1, 0); resealed",
        make: missing_tile,
    },
    Vector {
        name: "missing-mani",
        expect: Expect::Invalid(ErrorKind::MissingChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "no manifest: INDX follows the events",
        recipe: "base file without its MANI chunk; index and tail rebuilt",
        make: missing_mani,
    },
    Vector {
        name: "missing-indx",
        expect: Expect::Invalid(ErrorKind::MissingChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "no index: TAIL follows the manifest",
        recipe: "base file without its INDX chunk (the TAIL still points where it was)",
        make: missing_indx,
    },
    Vector {
        name: "duplicate-head",
        expect: Expect::Invalid(ErrorKind::DuplicateChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "HEAD twice",
        recipe: "base file with a copy of HEAD right after it; resealed",
        make: duplicate_head,
    },
    Vector {
        name: "duplicate-meta",
        expect: Expect::Invalid(ErrorKind::DuplicateChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "META twice",
        recipe: "base file with a copy of META right after it; resealed",
        make: duplicate_meta,
    },
    Vector {
        name: "duplicate-pers",
        expect: Expect::Invalid(ErrorKind::DuplicateChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "PERS twice",
        recipe: "base file with a copy of PERS right after it; resealed",
        make: duplicate_pers,
    },
    Vector {
        name: "duplicate-plan",
        expect: Expect::Invalid(ErrorKind::DuplicateChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "plane 0 declared twice",
        recipe: "base file with a copy of PLAN right after it; resealed",
        make: duplicate_plan,
    },
    Vector {
        name: "duplicate-tile",
        expect: Expect::Invalid(ErrorKind::DuplicateChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "the same tile twice",
        recipe: "base file with a copy of tile (0, 0) right after it; resealed",
        make: duplicate_tile,
    },
    Vector {
        name: "duplicate-indx",
        expect: Expect::Invalid(ErrorKind::DuplicateChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "INDX twice",
        recipe: "base file with a copy of its INDX inserted before the TAIL; the second INDX and the tail rebuilt (the tail points at the second)",
        make: duplicate_indx,
    },
    Vector {
        name: "misordered-tiles",
        expect: Expect::Invalid(ErrorKind::ChunkOrder),
        verify: Verdict::FORMAT_ERROR,
        comment: "tiles not sorted by plane, row, column",
        recipe: "base file with tiles (0, 0) and (1, 0) swapped; resealed",
        make: misordered_tiles,
    },
    Vector {
        name: "misordered-pers-after-plan",
        expect: Expect::Invalid(ErrorKind::ChunkOrder),
        verify: Verdict::FORMAT_ERROR,
        comment: "PERS after a PLAN instead of right after META",
        recipe: "base file with PERS moved after PLAN; resealed",
        make: misordered_pers_after_plan,
    },
    Vector {
        name: "misordered-plan-after-tile",
        expect: Expect::Invalid(ErrorKind::ChunkOrder),
        verify: Verdict::FORMAT_ERROR,
        comment: "a PLAN among the tiles",
        recipe: "base file with a second 4x3 plane; its PLAN moved after the first tile; resealed",
        make: misordered_plan_after_tile,
    },
    Vector {
        name: "misordered-tile-after-anno",
        expect: Expect::Invalid(ErrorKind::ChunkOrder),
        verify: Verdict::FORMAT_ERROR,
        comment: "a tile after an annotation",
        recipe: "base file with ANNO moved before the last tile; resealed",
        make: misordered_tile_after_anno,
    },
    Vector {
        name: "misordered-sign-before-mani",
        expect: Expect::Invalid(ErrorKind::ChunkOrder),
        verify: Verdict::FORMAT_ERROR,
        comment: "a SIGN chunk that does not follow a manifest",
        recipe: "base file with a well-formed SIGN record (zero key and signature, role scanner) inserted before MANI; resealed",
        make: misordered_sign_before_mani,
    },
    Vector {
        name: "ancillary-before-meta",
        expect: Expect::Invalid(ErrorKind::ChunkOrder),
        verify: Verdict::FORMAT_ERROR,
        comment: "an ancillary chunk between HEAD and META",
        recipe: "base file with an ancillary chunk vndA inserted after HEAD; resealed",
        make: ancillary_before_meta,
    },
    Vector {
        name: "ancillary-after-indx",
        expect: Expect::Invalid(ErrorKind::ChunkOrder),
        verify: Verdict::FORMAT_ERROR,
        comment: "an ancillary chunk between INDX and TAIL",
        recipe: "base file with an ancillary chunk vndA inserted between INDX and TAIL; index and tail rebuilt",
        make: ancillary_after_indx,
    },
    Vector {
        name: "unknown-critical-chunk",
        expect: Expect::Invalid(ErrorKind::UnknownCriticalChunk),
        verify: Verdict::FORMAT_ERROR,
        comment: "a chunk type this version does not define, with the critical bit set",
        recipe: "base file with a chunk VNDX (payload 'critical vendor data') inserted after the last tile; resealed",
        make: unknown_critical_chunk,
    },
];

fn parse_base(ctx: &Context) -> Result<Surgery> {
    Surgery::parse(&base(ctx)?)
}

fn without(ctx: &Context, t: ChunkType) -> Result<Vec<u8>> {
    let mut s = parse_base(ctx)?;
    let i = s.position(t)?;
    s.remove(i)?;
    s.reseal()
}

fn twice(ctx: &Context, t: ChunkType) -> Result<Vec<u8>> {
    let mut s = parse_base(ctx)?;
    let i = s.position(t)?;
    let copy = s.chunk(i)?.clone();
    s.insert(i + 1, copy)?;
    s.reseal()
}

fn missing_head(ctx: &Context) -> Result<Vec<u8>> {
    without(ctx, ChunkType::HEAD)
}

fn missing_meta(ctx: &Context) -> Result<Vec<u8>> {
    without(ctx, ChunkType::META)
}

fn missing_plan(ctx: &Context) -> Result<Vec<u8>> {
    without(ctx, ChunkType::PLAN)
}

fn missing_tile(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = parse_base(ctx)?;
    let i = s.tile_position(0, 1, 0)?;
    s.remove(i)?;
    s.reseal()
}

fn missing_mani(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = parse_base(ctx)?;
    let i = s.position(ChunkType::MANI)?;
    s.remove(i)?;
    s.reindex()
}

fn missing_indx(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = parse_base(ctx)?;
    let i = s.position(ChunkType::INDX)?;
    s.remove(i)?;
    Ok(s.into_bytes())
}

fn duplicate_head(ctx: &Context) -> Result<Vec<u8>> {
    twice(ctx, ChunkType::HEAD)
}

fn duplicate_meta(ctx: &Context) -> Result<Vec<u8>> {
    twice(ctx, ChunkType::META)
}

fn duplicate_pers(ctx: &Context) -> Result<Vec<u8>> {
    twice(ctx, ChunkType::PERS)
}

fn duplicate_plan(ctx: &Context) -> Result<Vec<u8>> {
    twice(ctx, ChunkType::PLAN)
}

fn duplicate_tile(ctx: &Context) -> Result<Vec<u8>> {
    twice(ctx, ChunkType::TILE)
}

fn duplicate_indx(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = parse_base(ctx)?;
    let i = s.position(ChunkType::INDX)?;
    let copy = s.chunk(i)?.clone();
    s.insert(i + 1, copy)?;
    s.reindex()
}

fn misordered_tiles(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = parse_base(ctx)?;
    let first = s.tile_position(0, 0, 0)?;
    let second = s.tile_position(0, 1, 0)?;
    s.chunks.swap(first, second);
    s.reseal()
}

fn misordered_pers_after_plan(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = parse_base(ctx)?;
    let pers = s.position(ChunkType::PERS)?;
    let plan = s.position(ChunkType::PLAN)?;
    s.move_chunk(pers, plan)?;
    s.reseal()
}

fn misordered_plan_after_tile(ctx: &Context) -> Result<Vec<u8>> {
    let bytes = base_builder()?
        .pattern_plane(
            SampleType::U16,
            (4, 3),
            (4, 3),
            Encoding::stored(),
            PlaneAttributes::example_low_energy(),
            2,
        )?
        .write(ctx)?;
    let mut s = Surgery::parse(&bytes)?;
    let second_plan = *s
        .positions(ChunkType::PLAN)
        .get(1)
        .ok_or_else(|| scanx::Error::invalid_argument("no second plane"))?;
    let first_tile = s.position(ChunkType::TILE)?;
    s.move_chunk(second_plan, first_tile)?;
    s.reseal()
}

fn misordered_tile_after_anno(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = parse_base(ctx)?;
    let anno = s.position(ChunkType::ANNO)?;
    let last_tile = s.tile_position(0, 1, 1)?;
    s.move_chunk(anno, last_tile)?;
    s.reseal()
}

fn misordered_sign_before_mani(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = parse_base(ctx)?;
    let record = SignatureRecord {
        key_id: [0; 16],
        public_key: [0; 32],
        role: Role::Scanner,
        time: 1_772_352_930,
        chain: [0; 32],
        signature: [0; 64],
    };
    let mani = s.position(ChunkType::MANI)?;
    s.insert(mani, Chunk::new(ChunkType::SIGN, record.encode()))?;
    s.reseal()
}

fn ancillary_before_meta(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = parse_base(ctx)?;
    let meta = s.position(ChunkType::META)?;
    s.insert(
        meta,
        Chunk::new(ChunkType(*b"vndA"), b"acme calibration table 3".to_vec()),
    )?;
    s.reseal()
}

fn ancillary_after_indx(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = parse_base(ctx)?;
    let tail = s.position(ChunkType::TAIL)?;
    s.insert(
        tail,
        Chunk::new(ChunkType(*b"vndA"), b"acme calibration table 3".to_vec()),
    )?;
    s.reindex()
}

fn unknown_critical_chunk(ctx: &Context) -> Result<Vec<u8>> {
    let mut s = parse_base(ctx)?;
    let last_tile = s.tile_position(0, 1, 1)?;
    s.insert(
        last_tile + 1,
        Chunk::new(ChunkType(*b"VNDX"), b"critical vendor data".to_vec()),
    )?;
    s.reseal()
}
