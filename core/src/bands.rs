//! Decoding the tiles of a forward pass while the pass goes on.
//!
//! Tiles arrive sorted by plane, row and column, so a band (one row of tiles of a plane)
//! is complete as soon as a tile of another band, or any other chunk, follows it. Each
//! complete band is handed to a task of the thread pool, which decodes its tiles into the
//! band's part of the plane and hands each tile to the pass's tile observer (the verifier
//! digests it there, while it is in cache). The pass goes on reading meanwhile, so reading
//! and decoding overlap, and it holds only the compressed tiles of the bands not yet
//! decoded: when those pass [`max_in_flight_bytes`], the pass decodes the next band itself
//! instead of reading further. Memory beyond the planes is thus bounded whatever the size
//! of the file, which a streaming verification of a file larger than memory relies on.
//!
//! Errors keep the order a reader reports them in: a structural error anywhere in the file
//! comes first (the pass stops, and tasks still queued skip their work), then a missing
//! tile, then the decoding error of the tile at the lowest offset. The decoding errors are
//! therefore recorded here and given to the pass at the end.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::container::chunk::RawChunk;
use crate::container::tile::TileHeader;
use crate::error::{Error, ErrorKind, Result};
use crate::model::PlaneInfo;
use crate::parse::check_tile_against_plane;
use crate::pixels::{self, Scratch};

/// Compressed bytes handed to tasks and not yet decoded, beyond which the pass decodes
/// the next band itself: a few bands per thread of the pool, enough to keep every thread
/// busy. More only adds to the memory a read holds beyond its planes (measured with the
/// Python `read_verified` of a 48 MB stored scan on 2 threads: 16 MiB gave 1.37x the
/// decoded size at its peak, 4 MiB 1.27x, at the same speed).
fn max_in_flight_bytes() -> usize {
    (2 << 20) * rayon::current_num_threads().max(2)
}

/// Without an output, a run of tiles is handed over at this size even within a band, so
/// that a very wide band does not have to be held whole.
const MAX_DISCARDED_RUN_BYTES: usize = 4 << 20;

/// A tile read by the pass and not yet decoded.
pub(crate) struct PendingTile {
    pub header: TileHeader,
    pub chunk: RawChunk,
}

/// What the pass and its decoding tasks share.
pub(crate) struct Shared<'a> {
    in_flight: AtomicUsize,
    /// Set when the pass fails: queued tasks then skip their work.
    abort: AtomicBool,
    /// The decoding error of the tile at the lowest offset, with that offset.
    error: Mutex<Option<(u64, Error)>>,
    tile_observer: &'a (dyn Fn(&RawChunk) + Sync),
}

impl<'a> Shared<'a> {
    pub fn new(tile_observer: &'a (dyn Fn(&RawChunk) + Sync)) -> Self {
        Shared {
            in_flight: AtomicUsize::new(0),
            abort: AtomicBool::new(false),
            error: Mutex::new(None),
            tile_observer,
        }
    }

    /// Tells the tasks not yet run that their work is not needed.
    pub fn abort(&self) {
        self.abort.store(true, Ordering::Relaxed);
    }

    /// The decoding error of the tile at the lowest offset, if any tile failed.
    pub fn into_error(self) -> Option<Error> {
        match self.error.into_inner() {
            Ok(error) => error.map(|(_, e)| e),
            Err(poisoned) => poisoned.into_inner().map(|(_, e)| e),
        }
    }

    fn record(&self, offset: u64, error: Error) {
        let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_none_or(|(at, _)| offset < *at) {
            *slot = Some((offset, error));
        }
    }

    /// Whether a run of tiles starting at `offset` can make no difference to the result:
    /// the pass failed, or a tile before it failed to decode.
    fn needless(&self, offset: u64) -> bool {
        self.abort.load(Ordering::Relaxed)
            || self
                .error
                .lock()
                .map(|slot| slot.as_ref().is_some_and(|(at, _)| *at < offset))
                .unwrap_or(true)
    }
}

/// Collects the tiles of the current band and hands complete bands to tasks of `scope`.
pub(crate) struct BandDecoder<'a> {
    planes: &'a [PlaneInfo],
    /// Per plane, per tile row: the band's part of the plane, taken when the band is
    /// handed over. `None` throughout when the pixels are discarded.
    outputs: Vec<Vec<Option<&'a mut [u8]>>>,
    keep: bool,
    run: Vec<PendingTile>,
    run_band: (u16, u32),
    run_bytes: usize,
    shared: &'a Shared<'a>,
}

impl<'a> BandDecoder<'a> {
    /// A decoder writing each band into its part of `outputs` (one buffer per plane), or,
    /// with `outputs` `None`, decoding every tile into a scratch buffer and dropping it.
    pub fn new(
        planes: &'a [PlaneInfo],
        outputs: Option<Vec<&'a mut [u8]>>,
        shared: &'a Shared<'a>,
    ) -> Self {
        let keep = outputs.is_some();
        let outputs = outputs
            .map(|buffers| {
                planes
                    .iter()
                    .zip(buffers)
                    .map(|(info, buffer)| {
                        let row_bytes =
                            info.grid.width as usize * info.sample_type.bytes_per_sample();
                        let band_len = row_bytes * info.grid.tile_height as usize;
                        buffer.chunks_mut(band_len.max(1)).map(Some).collect()
                    })
                    .collect()
            })
            .unwrap_or_default();
        BandDecoder {
            planes,
            outputs,
            keep,
            run: Vec::new(),
            run_band: (0, 0),
            run_bytes: 0,
            shared,
        }
    }

    /// Takes the next tile of the file (tiles come sorted by plane, row and column).
    pub fn push(&mut self, tile: PendingTile, scope: &rayon::Scope<'a>) -> Result<()> {
        let band = (tile.header.plane, tile.header.row);
        let full = !self.keep && self.run_bytes >= MAX_DISCARDED_RUN_BYTES;
        if !self.run.is_empty() && (band != self.run_band || full) {
            self.hand_over(scope)?;
        }
        self.run_band = band;
        self.run_bytes += tile.chunk.payload.len();
        self.run.push(tile);
        Ok(())
    }

    /// Hands over the last band; the scope then waits for every task.
    pub fn finish(mut self, scope: &rayon::Scope<'a>) -> Result<()> {
        if self.run.is_empty() {
            return Ok(());
        }
        self.hand_over(scope)
    }

    fn hand_over(&mut self, scope: &rayon::Scope<'a>) -> Result<()> {
        let tiles = std::mem::take(&mut self.run);
        let bytes = std::mem::replace(&mut self.run_bytes, 0);
        let (p, row) = self.run_band;
        let out_of_order = || {
            let offset = tiles.first().map_or(0, |t| t.chunk.offset);
            Error::at(
                ErrorKind::MalformedChunk,
                offset,
                "tile outside every band of its plane (tiles out of order)",
            )
        };
        let Some(plane) = self.planes.get(usize::from(p)) else {
            return Err(out_of_order());
        };
        let output = if self.keep {
            let slot = self
                .outputs
                .get_mut(usize::from(p))
                .and_then(|rows| rows.get_mut(row as usize))
                .and_then(Option::take);
            Some(slot.ok_or_else(out_of_order)?)
        } else {
            None
        };
        let shared = self.shared;
        let in_flight = shared.in_flight.load(Ordering::Acquire);
        if in_flight > 0 && in_flight + bytes > max_in_flight_bytes() {
            // The tasks are behind: reading on would only pile up compressed tiles.
            decode_run(shared, plane, output, &tiles);
        } else {
            shared.in_flight.fetch_add(bytes, Ordering::AcqRel);
            scope.spawn(move |_| {
                decode_run(shared, plane, output, &tiles);
                drop(tiles);
                shared.in_flight.fetch_sub(bytes, Ordering::AcqRel);
            });
        }
        Ok(())
    }
}

/// Decodes a run of tiles of one band of `plane`, recording the first error.
fn decode_run(
    shared: &Shared,
    plane: &PlaneInfo,
    output: Option<&mut [u8]>,
    tiles: &[PendingTile],
) {
    let Some(first) = tiles.first() else { return };
    if shared.needless(first.chunk.offset) {
        return;
    }
    if let Err((offset, error)) = decode_band(shared.tile_observer, plane, output, tiles) {
        shared.record(offset, error);
    }
}

/// Decodes tiles of one band into `band` (the band's rows of the plane), or into scratch
/// when there is no output. A tile as wide as its plane is decoded in place; a narrower
/// one goes through the thread's scratch buffer, since its rows are strided in the plane.
fn decode_band(
    tile_observer: &(dyn Fn(&RawChunk) + Sync),
    plane: &PlaneInfo,
    mut band: Option<&mut [u8]>,
    tiles: &[PendingTile],
) -> std::result::Result<(), (u64, Error)> {
    let bps = plane.sample_type.bytes_per_sample();
    let row_bytes = plane.grid.width as usize * bps;
    let mut scratch = Scratch::take();
    for t in tiles {
        let offset = t.chunk.offset;
        let fail = |e: Error| (offset, t.chunk.locate(e));
        tile_observer(&t.chunk);
        let rect = check_tile_against_plane(&t.header, plane, offset).map_err(fail)?;
        let (_, data) =
            TileHeader::parse(&t.chunk.payload, t.chunk.payload_offset()).map_err(fail)?;
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
        };
        match band.as_deref_mut() {
            Some(band) if rect.width == plane.grid.width => {
                let out = band.get_mut(..tile_len).ok_or_else(|| {
                    fail(Error::new(
                        ErrorKind::MalformedChunk,
                        "tile larger than its band",
                    ))
                })?;
                decode(out).map_err(fail)?;
            }
            band => {
                let decoded = scratch.get(tile_len).map_err(fail)?;
                decode(decoded).map_err(fail)?;
                let Some(band) = band else { continue };
                let x = rect.x as usize * bps;
                for (y, src) in decoded.chunks_exact(tile_row_bytes).enumerate() {
                    let at = y * row_bytes + x;
                    band[at..at + tile_row_bytes].copy_from_slice(src);
                }
            }
        }
    }
    Ok(())
}
