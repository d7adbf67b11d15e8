//! Editing by appending (R9): annotate, redact, countersign. Every chunk that does not
//! change is copied byte for byte, never re-serialized; the edit becomes a new generation
//! with its own manifest and signatures, so every earlier signature still verifies what it
//! covered that is still there.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use crate::container::chunk::{ChunkType, CHUNK_HEADER_LEN, FILE_HEADER_LEN};
use crate::container::index::{Index, PlaneRef};
use crate::crypto::digest::SignatureChain;
use crate::detached::{DetachedSeal, PendingSignature};
use crate::error::{Error, ErrorKind, Result};
use crate::generations::{align, EntryMatch, FileLayout};
use crate::metadata::{self, Action, Annotation, Event, RemovedChunk, Validate};
use crate::model::{PlaneInfo, Scan, TileRef};
use crate::pixels::Rect;
use crate::provenance::EventStamp;
use crate::seal::{Ledger, Place, SignRequest};
use crate::stream::ReadOptions;

/// What to remove, and why.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RedactRequest {
    /// Why (recorded in the signed event).
    pub reason: String,
    /// Remove the personal-data chunk.
    pub personal_data: bool,
    /// Remove these tiles (they then read as zero).
    pub tiles: Vec<TileRef>,
}

impl RedactRequest {
    /// A request with a reason and nothing selected yet.
    pub fn new(reason: impl Into<String>) -> Self {
        RedactRequest {
            reason: reason.into(),
            personal_data: false,
            tiles: Vec::new(),
        }
    }

    /// Also removes the personal-data chunk.
    pub fn personal_data(mut self) -> Self {
        self.personal_data = true;
        self
    }

    /// Also removes one tile.
    pub fn tile(mut self, tile: TileRef) -> Self {
        self.tiles.push(tile);
        self
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        Error::new(
            ErrorKind::Io,
            format!("cannot read {}: {e}", path.display()),
        )
    })
}

/// An existing file being extended with a new generation.
#[derive(Debug)]
pub struct Editor {
    bytes: Vec<u8>,
    layout: FileLayout,
    /// The file as read, without its planes (see [`Editor::scan`]).
    scan: Scan,
    planes: Vec<PlaneInfo>,
    removed: BTreeSet<(usize, usize)>,
    added: Vec<(ChunkType, Vec<u8>)>,
}

impl Editor {
    /// Reads and checks a whole file (from a path; the file itself is never modified).
    ///
    /// The file is verified in the same pass (without a trust store): one that
    /// verification finds `INVALID` (an altered chunk, a broken chain, a bad signature)
    /// is refused with `DIGEST_MISMATCH` or `BAD_SIGNATURE`, so an agency never seals a
    /// new generation over a tampered file by mistake. [`Editor::open_unverified`] edits
    /// it anyway, for a caller that has decided to.
    pub fn open(path: impl AsRef<Path>) -> Result<Editor> {
        Editor::from_bytes(read_file(path.as_ref())?)
    }

    /// As [`Editor::open`], without refusing a file that does not verify.
    pub fn open_unverified(path: impl AsRef<Path>) -> Result<Editor> {
        Editor::from_bytes_unverified(read_file(path.as_ref())?, &ReadOptions::default())
    }

    /// Reads and checks a whole file held in memory; refuses one that does not verify, as
    /// [`Editor::open`] does.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Editor> {
        Editor::from_bytes_with(bytes, &ReadOptions::default())
    }

    /// As [`Editor::from_bytes`] with read options.
    pub fn from_bytes_with(bytes: Vec<u8>, options: &ReadOptions) -> Result<Editor> {
        Editor::build(bytes, options, true)
    }

    /// As [`Editor::from_bytes_with`], without refusing a file that does not verify.
    pub fn from_bytes_unverified(bytes: Vec<u8>, options: &ReadOptions) -> Result<Editor> {
        Editor::build(bytes, options, false)
    }

    fn build(bytes: Vec<u8>, options: &ReadOptions, refuse_invalid: bool) -> Result<Editor> {
        // One pass: every chunk checked and digested, every tile decoded to check it, no
        // pixel kept, since an edit copies tiles byte for byte.
        let (report, scan) =
            crate::verify::verify_and_describe(&bytes[..], Some(bytes.len() as u64), options);
        let mut scan = scan?;
        let planes = std::mem::take(&mut scan.planes)
            .into_iter()
            .map(|p| p.info)
            .collect();
        if refuse_invalid {
            if let Some(e) = report.integrity_error() {
                return Err(e);
            }
        }
        let layout = FileLayout::parse(&bytes, &options.limits)?;
        Ok(Editor {
            bytes,
            layout,
            scan,
            planes,
            removed: BTreeSet::new(),
            added: Vec::new(),
        })
    }

    /// The file as read.
    ///
    /// The editor never decodes pixels it would not use: `planes` of this scan is empty;
    /// [`Editor::planes`] describes the planes.
    pub fn scan(&self) -> &Scan {
        &self.scan
    }

    /// The planes of the file: index, sample type, size, tiles and attributes.
    pub fn planes(&self) -> &[PlaneInfo] {
        &self.planes
    }

    /// Appends an annotation record to the new generation.
    pub fn add_annotation(&mut self, annotation: &Annotation) -> Result<()> {
        annotation.validate()?;
        crate::parse::check_annotation(annotation, &self.planes, 0)
            .map_err(|e| Error::invalid_argument(e.message().to_string()))?;
        self.added
            .push((ChunkType::ANNO, metadata::to_json(annotation)));
        Ok(())
    }

    /// Appends a provenance event to the new generation.
    pub fn add_event(&mut self, event: &Event) -> Result<()> {
        event.validate()?;
        self.added.push((ChunkType::EVNT, metadata::to_json(event)));
        Ok(())
    }

    /// Removes the chunks a request names and appends the redaction event that records
    /// them (by generation, manifest entry and salted digest), by whom, when and why:
    /// the actor, event id and time of `stamp`, the stamp of the key that will sign the
    /// new generation, so the verifier finds the actor among the signers. Returns the
    /// event.
    pub fn redact_as(&mut self, request: &RedactRequest, stamp: &EventStamp) -> Result<Event> {
        if request.reason.trim().is_empty() {
            return Err(Error::invalid_argument("a redaction needs a reason"));
        }
        let wanted_tiles: BTreeSet<TileRef> = request.tiles.iter().copied().collect();
        let mut found_tiles = BTreeSet::new();
        let mut found_personal = false;
        let mut removed = Vec::new();
        for (g, generation) in self.layout.generations.iter().enumerate() {
            let (matches, _) = align(&generation.content, &generation.manifest.entries);
            for (entry, m) in matches.iter().enumerate() {
                let EntryMatch::Present(c) = *m else { continue };
                let chunk = &generation.content[c];
                // Only salted chunks may be removed: a verifier rejects the record of any
                // other (an annotation, an event, the structure of the file).
                if !crate::verify::REDACTABLE.contains(&chunk.chunk_type) {
                    continue;
                }
                let take = match chunk.chunk_type {
                    ChunkType::PERS => request.personal_data,
                    ChunkType::TILE => chunk.tile.is_some_and(|t| wanted_tiles.contains(&t)),
                    _ => false,
                };
                if !take || self.removed.contains(&(g, c)) {
                    continue;
                }
                if chunk.chunk_type == ChunkType::PERS {
                    found_personal = true;
                }
                if let Some(t) = chunk.tile {
                    found_tiles.insert(t);
                }
                self.removed.insert((g, c));
                removed.push(RemovedChunk {
                    generation: generation.number,
                    entry: entry as u32,
                    chunk: chunk.chunk_type.to_string(),
                    digest: hex::encode(chunk.digest),
                    plane: chunk.tile.map(|t| t.plane),
                    col: chunk.tile.map(|t| t.col),
                    row: chunk.tile.map(|t| t.row),
                });
            }
        }
        if request.personal_data && !found_personal {
            return Err(Error::new(
                ErrorKind::NotFound,
                "the file has no personal-data chunk to remove",
            ));
        }
        if let Some(missing) = wanted_tiles.difference(&found_tiles).next() {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "tile ({}, {}) of plane {} is not in the file",
                    missing.col, missing.row, missing.plane
                ),
            ));
        }
        if removed.is_empty() {
            return Err(Error::invalid_argument("the redaction selects nothing"));
        }
        let event = stamp.event(Action::Redact {
            reason: request.reason.clone(),
            removed,
        })?;
        self.add_event(&event)?;
        Ok(event)
    }

    /// Records that the actor of `stamp` vouches for the file as it stands, with an
    /// optional note, and returns the event. A countersignature is the signature the new
    /// generation gets when saved with `stamp`'s key; the event says who gave it and why,
    /// so a generation that only countersigns still carries a content chunk to sign.
    pub fn countersign(&mut self, stamp: &EventStamp, note: Option<String>) -> Result<Event> {
        let event = stamp.countersign(note)?;
        self.add_event(&event)?;
        Ok(event)
    }

    /// The tiles of `plane` that overlap `region` (to redact the driver's cab, say).
    pub fn tiles_in(&self, plane: u16, region: Rect) -> Result<Vec<TileRef>> {
        let p = self
            .planes
            .get(usize::from(plane))
            .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("no plane {plane}")))?;
        Ok(p.grid
            .tiles_in(region)?
            .map(|(col, row)| TileRef { plane, col, row })
            .collect())
    }

    /// Writes the edited file: every kept chunk copied byte for byte, the new chunks, the
    /// new generation's manifest and signatures, a new index and tail.
    pub fn write_to<W: Write + ?Sized>(
        &self,
        w: &mut W,
        signers: &[SignRequest<'_>],
    ) -> Result<()> {
        self.write_content(w)?.seal(w, signers)
    }

    /// As [`Editor::write_to`], for signatures made elsewhere and later (an offline HSM):
    /// writes up to the new manifest and returns a [`DetachedSeal`] that gives each
    /// message to sign and takes each signature back.
    pub fn write_detached<W: Write>(
        &self,
        mut w: W,
        pending: Vec<PendingSignature>,
    ) -> Result<DetachedSeal<W>> {
        let sealing = self
            .write_content(&mut w)?
            .begin_seal(&mut w, pending.len())?;
        Ok(DetachedSeal::new(w, sealing, pending))
    }

    /// Writes everything before the new manifest; returns the ledger that seals it.
    fn write_content<W: Write + ?Sized>(&self, w: &mut W) -> Result<Ledger> {
        let file = &self.bytes;
        let last = self
            .layout
            .generations
            .last()
            .ok_or_else(|| Error::new(ErrorKind::MissingChunk, "no manifest"))?;
        let mut ledger = Ledger {
            file_id: self.layout.head.file_id,
            version: self.scan.version,
            algorithm: self.layout.algorithm(),
            offset: FILE_HEADER_LEN,
            index: Index::default(),
            entries: Vec::new(),
            generation: last.number + 1,
            previous_manifest: last.manifest_digest,
            chain: SignatureChain::new(self.layout.algorithm(), &self.layout.head.file_id),
        };
        w.write_all(&file[..FILE_HEADER_LEN as usize])?;
        for (g, generation) in self.layout.generations.iter().enumerate() {
            for (c, chunk) in generation.content.iter().enumerate() {
                if self.removed.contains(&(g, c)) {
                    continue;
                }
                if chunk.chunk_type == ChunkType::PLAN {
                    if let Some(p) = self.planes.get(ledger.index.planes.len()) {
                        ledger.add_plane_ref(PlaneRef {
                            grid: p.grid,
                            sample_type: p.sample_type,
                            flags: u8::from(p.personal),
                            plan_entry: ledger.index.entries.len() as u32,
                        });
                    }
                }
                let place = match chunk.tile {
                    Some(t) => Place {
                        plane: t.plane,
                        col: t.col,
                        row: t.row,
                    },
                    None if chunk.chunk_type == ChunkType::PLAN => Place {
                        plane: ledger.index.planes.len().saturating_sub(1) as u16,
                        col: 0,
                        row: 0,
                    },
                    None => Place::NONE,
                };
                w.write_all(chunk.bytes(file))?;
                ledger.record_unhashed(chunk.chunk_type, chunk.length, place);
            }
            w.write_all(generation.manifest_chunk.bytes(file))?;
            ledger.record_unhashed(
                ChunkType::MANI,
                generation.manifest_chunk.length,
                Place::NONE,
            );
            for s in &generation.signatures {
                let bytes = s.chunk.bytes(file);
                w.write_all(bytes)?;
                ledger.chain.push(&[bytes]);
                ledger.record_unhashed(ChunkType::SIGN, s.chunk.length, Place::NONE);
            }
        }
        for (chunk_type, payload) in &self.added {
            ledger.write_parts(w, *chunk_type, &[payload], Place::NONE)?;
        }
        debug_assert!(ledger.offset >= FILE_HEADER_LEN + CHUNK_HEADER_LEN);
        Ok(ledger)
    }

    /// The edited file as bytes.
    pub fn to_bytes(&self, signers: &[SignRequest<'_>]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.bytes.len() + 4096);
        self.write_to(&mut out, signers)?;
        Ok(out)
    }

    /// Writes the edited file to `path` atomically (it may be the file that was opened:
    /// the original is replaced only once the new one is complete and synced).
    pub fn save(&self, path: impl AsRef<Path>, signers: &[SignRequest<'_>]) -> Result<()> {
        crate::atomic::write_atomic(path, crate::atomic::Access::Shared, |w| {
            self.write_to(w, signers)
        })
    }
}
