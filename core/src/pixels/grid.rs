//! Rectangles of pixels and the tile grid of a plane.

use std::iter::FusedIterator;

use crate::error::{Error, ErrorKind, Result};

/// A rectangle of pixels: `width` columns from `x`, `height` rows from `y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    /// The first column.
    pub x: u32,
    /// The first row.
    pub y: u32,
    /// The number of columns.
    pub width: u32,
    /// The number of rows.
    pub height: u32,
}

impl Rect {
    /// A rectangle from its origin and size.
    pub const fn new(x: u32, y: u32, width: u32, height: u32) -> Self {
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    /// Whether the rectangle holds no pixel.
    pub const fn is_empty(&self) -> bool {
        self.width == 0 || self.height == 0
    }

    /// The column just past the rectangle (never overflows).
    pub(crate) fn right(&self) -> u64 {
        u64::from(self.x) + u64::from(self.width)
    }

    /// The row just past the rectangle (never overflows).
    pub(crate) fn bottom(&self) -> u64 {
        u64::from(self.y) + u64::from(self.height)
    }

    /// `RegionOutOfBounds` unless the rectangle is non-empty and inside a `width` x
    /// `height` image.
    pub(crate) fn check_inside(&self, width: u32, height: u32) -> Result<()> {
        if self.is_empty() {
            return Err(Error::new(
                ErrorKind::RegionOutOfBounds,
                format!("region {self:?} is empty"),
            ));
        }
        if self.right() > u64::from(width) || self.bottom() > u64::from(height) {
            return Err(Error::new(
                ErrorKind::RegionOutOfBounds,
                format!("region {self:?} is not inside the {width} x {height} image"),
            ));
        }
        Ok(())
    }
}

/// How a plane is cut into tiles: fixed-size tiles from the top-left corner, the last
/// column and row clipped to the plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileGrid {
    /// The plane's width in pixels.
    pub width: u32,
    /// The plane's height in pixels.
    pub height: u32,
    /// The width of a full tile.
    pub tile_width: u32,
    /// The height of a full tile.
    pub tile_height: u32,
}

impl TileGrid {
    /// The grid of a `width` x `height` plane; `INVALID_ARGUMENT` if any size is 0.
    pub fn new(width: u32, height: u32, tile_width: u32, tile_height: u32) -> Result<Self> {
        if width == 0 || height == 0 || tile_width == 0 || tile_height == 0 {
            return Err(Error::invalid_argument(format!(
                "plane {width} x {height} with tiles {tile_width} x {tile_height}: \
                 every size must be at least 1"
            )));
        }
        Ok(TileGrid {
            width,
            height,
            tile_width,
            tile_height,
        })
    }

    /// The number of tile columns, `ceil(width / tile_width)`.
    pub fn cols(&self) -> u32 {
        self.width.div_ceil(self.tile_width.max(1))
    }

    /// The number of tile rows, `ceil(height / tile_height)`.
    pub fn rows(&self) -> u32 {
        self.height.div_ceil(self.tile_height.max(1))
    }

    /// The number of tiles.
    pub fn tile_count(&self) -> u64 {
        u64::from(self.cols()) * u64::from(self.rows())
    }

    /// The pixels of the tile at `col`, `row`, clipped to the plane; `None` outside the grid.
    pub fn tile_rect(&self, col: u32, row: u32) -> Option<Rect> {
        if col >= self.cols() || row >= self.rows() {
            return None;
        }
        // col < cols, so col * tile_width < width: neither product overflows.
        let x = col.checked_mul(self.tile_width)?;
        let y = row.checked_mul(self.tile_height)?;
        Some(Rect {
            x,
            y,
            width: self.tile_width.min(self.width - x),
            height: self.tile_height.min(self.height - y),
        })
    }

    /// The tiles that `region` touches, as `(col, row)` in row-major order.
    ///
    /// `REGION_OUT_OF_BOUNDS` if the region is empty or not inside the plane.
    pub fn tiles_in(&self, region: Rect) -> Result<TilesIn> {
        region.check_inside(self.width, self.height)?;
        let tile_width = self.tile_width.max(1);
        let tile_height = self.tile_height.max(1);
        // The region is non-empty and inside the plane, so its last pixel is in u32 range.
        let last_x = region.x + (region.width - 1);
        let last_y = region.y + (region.height - 1);
        Ok(TilesIn {
            first_col: region.x / tile_width,
            last_col: last_x / tile_width,
            last_row: last_y / tile_height,
            col: region.x / tile_width,
            row: region.y / tile_height,
            done: false,
        })
    }
}

/// The tiles a region touches, row by row (from [`TileGrid::tiles_in`]).
#[derive(Debug, Clone)]
pub struct TilesIn {
    first_col: u32,
    last_col: u32,
    last_row: u32,
    /// The next tile to yield, unless `done`.
    col: u32,
    row: u32,
    done: bool,
}

impl Iterator for TilesIn {
    type Item = (u32, u32);

    fn next(&mut self) -> Option<(u32, u32)> {
        if self.done {
            return None;
        }
        let item = (self.col, self.row);
        if self.col < self.last_col {
            self.col += 1;
        } else if self.row < self.last_row {
            self.col = self.first_col;
            self.row += 1;
        } else {
            self.done = true;
        }
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            return (0, Some(0));
        }
        let width = u64::from(self.last_col - self.first_col) + 1;
        let rows_after = u64::from(self.last_row - self.row);
        // At most 2^32 x 2^32 tiles: fits u64 except for the very largest grid, where
        // saturating only makes the hint less precise.
        let remaining = rows_after
            .saturating_mul(width)
            .saturating_add(u64::from(self.last_col - self.col) + 1);
        match usize::try_from(remaining) {
            Ok(n) => (n, Some(n)),
            Err(_) => (usize::MAX, None),
        }
    }
}

impl FusedIterator for TilesIn {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_sizes_are_rejected() {
        for (w, h, tw, th) in [(0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 0, 1), (1, 1, 1, 0)] {
            let kind = TileGrid::new(w, h, tw, th).err().map(|e| e.kind());
            assert_eq!(kind, Some(ErrorKind::InvalidArgument));
        }
    }

    #[test]
    fn counts_and_clipped_edges() {
        let grid = TileGrid::new(10, 7, 4, 3).expect("grid");
        assert_eq!((grid.cols(), grid.rows(), grid.tile_count()), (3, 3, 9));
        assert_eq!(grid.tile_rect(0, 0), Some(Rect::new(0, 0, 4, 3)));
        assert_eq!(grid.tile_rect(2, 1), Some(Rect::new(8, 3, 2, 3)));
        assert_eq!(grid.tile_rect(2, 2), Some(Rect::new(8, 6, 2, 1)));
        assert_eq!(grid.tile_rect(3, 0), None);
        assert_eq!(grid.tile_rect(0, 3), None);

        let single = TileGrid::new(5, 5, 100, 100).expect("grid");
        assert_eq!(single.tile_count(), 1);
        assert_eq!(single.tile_rect(0, 0), Some(Rect::new(0, 0, 5, 5)));

        let huge = TileGrid::new(u32::MAX, u32::MAX, 1, 1).expect("grid");
        assert_eq!(huge.tile_count(), u64::from(u32::MAX) * u64::from(u32::MAX));
        assert_eq!(
            huge.tile_rect(u32::MAX - 1, u32::MAX - 1),
            Some(Rect::new(u32::MAX - 1, u32::MAX - 1, 1, 1))
        );
        let last = huge
            .tiles_in(Rect::new(u32::MAX - 2, u32::MAX - 1, 2, 1))
            .expect("region");
        assert_eq!(last.size_hint(), (2, Some(2)));
        assert_eq!(
            last.collect::<Vec<_>>(),
            [(u32::MAX - 2, u32::MAX - 1), (u32::MAX - 1, u32::MAX - 1)]
        );
    }

    #[test]
    fn tiles_partition_the_plane() {
        for (w, h, tw, th) in [(1, 1, 1, 1), (10, 7, 4, 3), (9, 9, 3, 3), (5, 13, 7, 2)] {
            let grid = TileGrid::new(w, h, tw, th).expect("grid");
            let mut covered = vec![0u32; (w * h) as usize];
            for row in 0..grid.rows() {
                for col in 0..grid.cols() {
                    let r = grid.tile_rect(col, row).expect("inside");
                    assert!(!r.is_empty());
                    for y in r.y..r.y + r.height {
                        for x in r.x..r.x + r.width {
                            covered[(y * w + x) as usize] += 1;
                        }
                    }
                }
            }
            assert!(covered.iter().all(|&n| n == 1), "{w}x{h} by {tw}x{th}");
        }
    }

    #[test]
    fn tiles_in_matches_brute_force() {
        let grid = TileGrid::new(11, 8, 3, 5).expect("grid");
        for y in 0..grid.height {
            for x in 0..grid.width {
                for height in 1..=grid.height - y {
                    for width in 1..=grid.width - x {
                        let region = Rect::new(x, y, width, height);
                        let mut expected = Vec::new();
                        for row in 0..grid.rows() {
                            for col in 0..grid.cols() {
                                let t = grid.tile_rect(col, row).expect("inside");
                                let overlaps = t.x < region.x + region.width
                                    && region.x < t.x + t.width
                                    && t.y < region.y + region.height
                                    && region.y < t.y + t.height;
                                if overlaps {
                                    expected.push((col, row));
                                }
                            }
                        }
                        let tiles = grid.tiles_in(region).expect("inside");
                        let hint = Some(expected.len());
                        assert_eq!(tiles.size_hint().1, hint, "{region:?}");
                        assert_eq!(tiles.collect::<Vec<_>>(), expected, "{region:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn regions_outside_or_empty_are_rejected() {
        let grid = TileGrid::new(10, 10, 4, 4).expect("grid");
        for region in [
            Rect::new(0, 0, 0, 5),
            Rect::new(0, 0, 5, 0),
            Rect::new(0, 0, 11, 1),
            Rect::new(9, 9, 2, 1),
            Rect::new(10, 0, 1, 1),
            Rect::new(u32::MAX, 0, 1, 1),
            Rect::new(1, 1, u32::MAX, u32::MAX),
        ] {
            let kind = grid.tiles_in(region).err().map(|e| e.kind());
            assert_eq!(kind, Some(ErrorKind::RegionOutOfBounds), "{region:?}");
        }
    }
}
