//! The chunk walker: one state machine for what every reader needs of the chunk sequence
//! beyond each chunk's own bytes. It decodes the chunks that shape a file (`HEAD`, a
//! tile's header, `MANI`, `SIGN`), checks the order rules (see [`super::order`]) when
//! asked to, checks each manifest against `HEAD` when asked to, and says which generation
//! each chunk belongs to.
//!
//! It is pushed one chunk at a time, so the forward reader drives it as bytes arrive
//! (holding nothing but its own state) and the random-access reader drives it from the
//! index, with or without the chunks' bytes: [`Walker::chunk`] takes a chunk with its
//! payload, [`Walker::place`] takes only where a chunk is.

use super::chunk::{ChunkAt, ChunkType};
use super::head::Head;
use super::manifest::Manifest;
use super::order::{ChunkInfo, OrderChecker};
use super::signature::SignatureRecord;
use super::tile::TileHeader;
use crate::crypto::DigestAlgorithm;
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;
use crate::model::TileRef;
use crate::pixels::TileGrid;

/// What a chunk is to the generations of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Content of its generation: `HEAD`, `META`, `PERS`, `PLAN`, `TILE`, `ANNO`, `EVNT`
    /// or an ancillary chunk, listed in the generation's manifest.
    Content,
    /// The `MANI` that ends its generation.
    Manifest,
    /// A `SIGN` over its generation's manifest.
    Signature,
    /// `INDX` or `TAIL`, after every generation.
    Trailer,
}

/// Where a chunk stands among the generations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The 1-based generation it belongs to (for a trailer, the last one).
    pub generation: u32,
    /// What it is to that generation.
    pub role: Role,
}

/// What the walker decoded of a chunk.
#[derive(Debug)]
pub enum Decoded {
    /// `HEAD`.
    Head(Head),
    /// The header of a `TILE` (its data stays in the chunk).
    Tile(TileHeader),
    /// `MANI`.
    Manifest(Manifest),
    /// `SIGN`.
    Signature(SignatureRecord),
    /// Any other chunk: the walker leaves its payload to the caller.
    Other,
}

/// One chunk walked: where it stands and what was decoded of it.
#[derive(Debug)]
pub struct Walked {
    /// Its generation and role.
    pub place: Place,
    /// What the walker decoded.
    pub decoded: Decoded,
}

impl Walked {
    /// The position a `TILE` names in its header.
    pub fn tile(&self) -> Option<TileRef> {
        match &self.decoded {
            Decoded::Tile(h) => Some(tile_ref(h)),
            _ => None,
        }
    }
}

/// The position a tile header names.
pub fn tile_ref(h: &TileHeader) -> TileRef {
    TileRef {
        plane: h.plane,
        col: h.col,
        row: h.row,
    }
}

/// Decodes what the walker decodes of a chunk (see [`Decoded`]); errors name the chunk.
pub fn decode(chunk: ChunkAt<'_>, limits: &Limits) -> Result<Decoded> {
    let at = chunk.payload_offset();
    let payload = chunk.payload;
    let locate = |e: Error| chunk.locate(e);
    Ok(match chunk.chunk_type {
        ChunkType::HEAD => Decoded::Head(Head::parse(payload, at).map_err(locate)?),
        ChunkType::TILE => Decoded::Tile(TileHeader::parse(payload, at).map_err(locate)?.0),
        ChunkType::MANI => Decoded::Manifest(Manifest::parse(payload, at, limits).map_err(locate)?),
        ChunkType::SIGN => Decoded::Signature(SignatureRecord::parse(payload, at).map_err(locate)?),
        _ => Decoded::Other,
    })
}

/// The chunk walker (see the module documentation).
#[derive(Debug)]
pub struct Walker {
    /// `None` when the caller takes the order as given (already checked on the index,
    /// or not its concern, as for the generation splitter).
    order: Option<OrderChecker>,
    check_manifests: bool,
    limits: Limits,
    head: Option<Head>,
    /// Manifests seen so far: the number of the last complete generation.
    sealed: u32,
}

impl Walker {
    /// A walker that checks every order rule.
    pub fn checking_order(limits: &Limits) -> Self {
        Walker {
            order: Some(OrderChecker::new(limits)),
            ..Walker::trusting_order(limits)
        }
    }

    /// A walker that takes the chunks in the order given. It still refuses a `SIGN`
    /// before any `MANI`, since such a signature belongs to no generation.
    pub fn trusting_order(limits: &Limits) -> Self {
        Walker {
            order: None,
            check_manifests: false,
            limits: limits.clone(),
            head: None,
            sealed: 0,
        }
    }

    /// Also checks each manifest against the file: it uses the digest algorithm `HEAD`
    /// declares, and generations are numbered 1, 2, 3 ... in file order.
    pub fn checking_manifests(mut self, check: bool) -> Self {
        self.check_manifests = check;
        self
    }

    /// Starts with a `HEAD` read before (the random-access reader reads it at open and
    /// walks the chunks after the tiles later).
    pub fn after_head(mut self, head: Head) -> Self {
        self.head = Some(head);
        self
    }

    /// The file's `HEAD`, once walked.
    pub fn head(&self) -> Option<&Head> {
        self.head.as_ref()
    }

    /// The planes' grids declared so far (only when checking the order).
    pub fn planes(&self) -> &[TileGrid] {
        self.order.as_ref().map_or(&[], OrderChecker::planes)
    }

    /// Takes a chunk by where it is alone: checks its order (`info` gives a `PLAN`'s
    /// geometry and a `TILE`'s position) and says where it stands.
    pub fn place(&mut self, t: ChunkType, offset: u64, info: ChunkInfo) -> Result<Place> {
        if let Some(order) = &mut self.order {
            order.feed(t, info, offset)?;
        }
        let (generation, role) = match t {
            ChunkType::MANI => {
                self.sealed += 1;
                (self.sealed, Role::Manifest)
            }
            ChunkType::SIGN if self.sealed == 0 => {
                return Err(Error::at(
                    ErrorKind::ChunkOrder,
                    offset,
                    "SIGN before any MANI",
                ))
            }
            ChunkType::SIGN => (self.sealed, Role::Signature),
            ChunkType::INDX | ChunkType::TAIL => (self.sealed, Role::Trailer),
            _ => (self.sealed + 1, Role::Content),
        };
        Ok(Place { generation, role })
    }

    /// Takes a chunk with its payload: decodes it (see [`Decoded`]), then checks its
    /// order and, for a manifest, the manifest. `plane` gives a `PLAN`'s index and
    /// geometry, decoded by the caller, for the order rules.
    pub fn chunk(&mut self, chunk: ChunkAt<'_>, plane: Option<(u16, TileGrid)>) -> Result<Walked> {
        let decoded = decode(chunk, &self.limits)?;
        let info = match (&decoded, plane) {
            (Decoded::Tile(h), _) => ChunkInfo::Tile {
                plane: h.plane,
                col: h.col,
                row: h.row,
            },
            (_, Some((index, grid))) => ChunkInfo::Plane { index, grid },
            _ => ChunkInfo::Other,
        };
        let place = self.place(chunk.chunk_type, chunk.offset, info)?;
        match &decoded {
            Decoded::Head(h) if self.head.is_none() => self.head = Some(*h),
            Decoded::Manifest(m) if self.check_manifests => {
                if let Some(h) = &self.head {
                    check_manifest(m, h.algorithm, place.generation, chunk.offset)?;
                }
            }
            _ => {}
        }
        Ok(Walked { place, decoded })
    }

    /// Checks the walk ended in a complete state (after `TAIL`), when checking the order.
    pub fn finish(&self) -> Result<()> {
        self.order.as_ref().map_or(Ok(()), OrderChecker::finish)
    }
}

/// Checks what the file structure requires of a manifest beyond its own bytes: it uses the
/// digest algorithm `HEAD` declares, and generations are numbered 1, 2, 3 ... in file order.
fn check_manifest(
    manifest: &Manifest,
    algorithm: DigestAlgorithm,
    generation: u32,
    offset: u64,
) -> Result<()> {
    let problem = if manifest.algorithm != algorithm {
        Some(format!(
            "the manifest uses {}, the file's HEAD declares {}",
            manifest.algorithm.name(),
            algorithm.name()
        ))
    } else if manifest.generation != generation {
        Some(format!(
            "manifest of generation {} where generation {generation} was expected",
            manifest.generation
        ))
    } else {
        None
    };
    match problem {
        Some(message) => {
            Err(Error::at(ErrorKind::MalformedChunk, offset, message).with_chunk(ChunkType::MANI.0))
        }
        None => Ok(()),
    }
}
