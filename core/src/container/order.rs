//! The order rules of section "File structure": one state machine, fed chunk by chunk by
//! the streaming reader and by the random-access reader (from the index), so both enforce
//! exactly the same grammar.
//!
//! ```text
//! file  = magic version HEAD gen1 *genN INDX TAIL
//! gen1  = META [PERS] 1*PLAN *TILE *(ANNO / EVNT / ancillary) MANI *SIGN
//! genN  = *(ANNO / EVNT / ancillary) MANI *SIGN
//! ```
//! Ancillary chunks may also appear among the planes and tiles. Tiles are sorted by
//! (plane, row, column) and each lies in its plane's grid.

use super::chunk::ChunkType;
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;
use crate::pixels::TileGrid;

/// What the order rules need to know about a chunk besides its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkInfo {
    /// A `PLAN` chunk.
    Plane {
        /// Its plane index.
        index: u16,
        /// Its geometry.
        grid: TileGrid,
    },
    /// A `TILE` chunk.
    Tile {
        /// Plane index.
        plane: u16,
        /// Column.
        col: u32,
        /// Row.
        row: u32,
    },
    /// Any other chunk.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    AfterHead,
    AfterMeta,
    Planes,
    Tiles,
    Content,
    Sealed,
    Indexed,
}

/// Checks the chunk sequence of one file.
#[derive(Debug)]
pub struct OrderChecker {
    state: State,
    seen_pers: bool,
    planes: Vec<TileGrid>,
    last_tile: Option<(u16, u32, u32)>,
    generations: u32,
    chunks: u64,
    tiles: u64,
    annotations: u64,
    limits: Limits,
}

impl OrderChecker {
    /// A checker for a new file.
    pub fn new(limits: &Limits) -> Self {
        OrderChecker {
            state: State::Start,
            seen_pers: false,
            planes: Vec::new(),
            last_tile: None,
            generations: 0,
            chunks: 0,
            tiles: 0,
            annotations: 0,
            limits: limits.clone(),
        }
    }

    /// The planes seen so far.
    pub fn planes(&self) -> &[TileGrid] {
        &self.planes
    }

    /// Number of complete generations (manifests) seen so far.
    pub fn generations(&self) -> u32 {
        self.generations
    }

    /// Accepts or rejects the next chunk.
    pub fn feed(&mut self, t: ChunkType, info: ChunkInfo, offset: u64) -> Result<()> {
        self.feed_inner(t, info, offset)
            .map_err(|e| e.with_chunk(t.0).with_offset(offset))
    }

    fn feed_inner(&mut self, t: ChunkType, info: ChunkInfo, offset: u64) -> Result<()> {
        self.chunks += 1;
        Limits::check("chunks", self.chunks, self.limits.max_chunks)?;
        if !t.is_known() {
            return self.unknown(t, offset);
        }
        if !self.front_matter(t, offset, info)? {
            self.content(t, offset, info)?;
        }
        Ok(())
    }

    /// A chunk type this reader does not know: refused if critical, else allowed wherever
    /// content may stand (after a signature it opens the next generation).
    fn unknown(&mut self, t: ChunkType, offset: u64) -> Result<()> {
        if t.is_critical() {
            return Err(Error::at(
                ErrorKind::UnknownCriticalChunk,
                offset,
                format!("unknown critical chunk type {t}; this reader cannot safely ignore it"),
            ));
        }
        match self.state {
            State::Start | State::AfterHead => Err(misplaced(t, offset, "before META")),
            State::Indexed => Err(misplaced(t, offset, "after INDX")),
            State::Sealed => {
                self.state = State::Content;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// HEAD, META, PERS and PLAN, and any chunk that comes before the first PLAN. Returns
    /// whether the chunk was one of these; the others go to [`Self::content`].
    fn front_matter(&mut self, t: ChunkType, offset: u64, info: ChunkInfo) -> Result<bool> {
        match (t, self.state) {
            (ChunkType::HEAD, State::Start) => self.state = State::AfterHead,
            (ChunkType::HEAD, _) => return Err(duplicate_or(t, offset, "must be the first chunk")),
            (_, State::Start) => {
                return Err(Error::at(
                    ErrorKind::MissingChunk,
                    offset,
                    format!("the first chunk must be HEAD, found {t}"),
                ))
            }
            (ChunkType::META, State::AfterHead) => self.state = State::AfterMeta,
            (ChunkType::META, _) => return Err(duplicate_or(t, offset, "after the planes")),
            (_, State::AfterHead) => {
                return Err(Error::at(
                    ErrorKind::MissingChunk,
                    offset,
                    format!("META must follow HEAD, found {t}"),
                ))
            }
            (ChunkType::PERS, State::AfterMeta) if !self.seen_pers => self.seen_pers = true,
            (ChunkType::PERS, _) if self.seen_pers => {
                return Err(Error::at(
                    ErrorKind::DuplicateChunk,
                    offset,
                    "a second PERS chunk",
                ))
            }
            (ChunkType::PERS, _) => return Err(misplaced(t, offset, "must come right after META")),
            (ChunkType::PLAN, State::AfterMeta | State::Planes) => self.plane(info, offset)?,
            (ChunkType::PLAN, _) => {
                return Err(misplaced(t, offset, "after tiles or other content"))
            }
            (_, State::AfterMeta) => {
                return Err(Error::at(
                    ErrorKind::MissingChunk,
                    offset,
                    format!("at least one PLAN must precede {t}"),
                ))
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Every known chunk after the first PLAN: tiles, content, manifests, signatures and
    /// the index.
    fn content(&mut self, t: ChunkType, offset: u64, info: ChunkInfo) -> Result<()> {
        match (t, self.state) {
            (ChunkType::TILE, State::Planes | State::Tiles) => {
                self.tile(info, offset)?;
                self.state = State::Tiles;
            }
            (ChunkType::TILE, _) => {
                return Err(misplaced(
                    t,
                    offset,
                    "after annotations, events or a manifest",
                ))
            }
            (
                ChunkType::ANNO | ChunkType::EVNT,
                State::Planes | State::Tiles | State::Content | State::Sealed,
            ) => {
                if t == ChunkType::ANNO {
                    self.annotations += 1;
                    Limits::check("annotations", self.annotations, self.limits.max_annotations)?;
                }
                self.state = State::Content;
            }
            (ChunkType::MANI, State::Planes | State::Tiles | State::Content | State::Sealed) => {
                self.generations += 1;
                self.state = State::Sealed;
            }
            (ChunkType::SIGN, State::Sealed) => {}
            (ChunkType::SIGN, _) => {
                return Err(misplaced(t, offset, "must follow a MANI or another SIGN"))
            }
            (ChunkType::INDX, State::Sealed) => self.state = State::Indexed,
            (ChunkType::INDX, State::Indexed) => {
                return Err(Error::at(
                    ErrorKind::DuplicateChunk,
                    offset,
                    "a second INDX chunk",
                ))
            }
            (ChunkType::INDX, _) => {
                return Err(Error::at(
                    ErrorKind::MissingChunk,
                    offset,
                    "INDX must follow a MANI (every generation ends with a manifest)",
                ))
            }
            (ChunkType::TAIL, State::Indexed) => {}
            (ChunkType::TAIL, _) => {
                return Err(Error::at(
                    ErrorKind::MissingChunk,
                    offset,
                    "TAIL must follow INDX",
                ))
            }
            (_, State::Indexed) => return Err(misplaced(t, offset, "after INDX")),
            _ => return Err(misplaced(t, offset, "is not allowed here")),
        }
        Ok(())
    }

    fn plane(&mut self, info: ChunkInfo, offset: u64) -> Result<()> {
        let ChunkInfo::Plane { index, grid } = info else {
            return Err(Error::at(
                ErrorKind::MalformedChunk,
                offset,
                "PLAN without geometry",
            ));
        };
        let expected = self.planes.len();
        if usize::from(index) < expected {
            return Err(Error::at(
                ErrorKind::DuplicateChunk,
                offset,
                format!("plane {index} is declared twice"),
            ));
        }
        if usize::from(index) != expected {
            return Err(Error::at(
                ErrorKind::ChunkOrder,
                offset,
                format!("plane {index} declared where plane {expected} was expected"),
            ));
        }
        Limits::check("planes", expected as u64 + 1, self.limits.max_planes)?;
        self.tiles += grid.tile_count();
        Limits::check("tiles", self.tiles, self.limits.max_tiles)?;
        self.planes.push(grid);
        self.state = State::Planes;
        Ok(())
    }

    fn tile(&mut self, info: ChunkInfo, offset: u64) -> Result<()> {
        let ChunkInfo::Tile { plane, col, row } = info else {
            return Err(Error::at(
                ErrorKind::MalformedChunk,
                offset,
                "TILE without position",
            ));
        };
        let grid = self.planes.get(usize::from(plane)).ok_or_else(|| {
            Error::at(
                ErrorKind::MalformedChunk,
                offset,
                format!("tile of plane {plane}, which is not declared"),
            )
        })?;
        if col >= grid.cols() || row >= grid.rows() {
            return Err(Error::at(
                ErrorKind::MalformedChunk,
                offset,
                format!(
                    "tile ({col}, {row}) lies outside plane {plane}'s grid of {}x{} tiles",
                    grid.cols(),
                    grid.rows()
                ),
            ));
        }
        let key = (plane, row, col);
        if let Some(last) = self.last_tile {
            if key == last {
                return Err(Error::at(
                    ErrorKind::DuplicateChunk,
                    offset,
                    format!("tile ({col}, {row}) of plane {plane} appears twice"),
                ));
            }
            if key < last {
                return Err(Error::at(
                    ErrorKind::ChunkOrder,
                    offset,
                    format!("tile ({col}, {row}) of plane {plane} is out of order (tiles are sorted by plane, row, column)"),
                ));
            }
        }
        self.last_tile = Some(key);
        Ok(())
    }

    /// Checks the file ended in a complete state (after `TAIL`).
    pub fn finish(&self) -> Result<()> {
        if self.state != State::Indexed {
            return Err(Error::new(
                ErrorKind::MissingChunk,
                "the file has no INDX before its TAIL",
            ));
        }
        Ok(())
    }
}

/// A known chunk in a place the grammar does not allow.
fn misplaced(t: ChunkType, offset: u64, what: &str) -> Error {
    Error::at(ErrorKind::ChunkOrder, offset, format!("{t} chunk {what}"))
}

fn duplicate_or(t: ChunkType, offset: u64, misplaced: &str) -> Error {
    Error::at(
        ErrorKind::DuplicateChunk,
        offset,
        format!("a second {t} chunk ({t} {misplaced})"),
    )
}
