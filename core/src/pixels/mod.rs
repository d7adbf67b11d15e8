//! Samples, tiles, filters and codecs. (Interim ids only; the full module replaces this.)
#![allow(missing_docs)]
use crate::error::{Error, ErrorKind, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SampleType { U8 = 1, U16 = 2, U32 = 3, F32 = 4 }
impl SampleType {
    pub fn id(self) -> u8 { self as u8 }
    pub fn from_id(id: u8) -> Result<Self> { match id { 1 => Ok(Self::U8), 2 => Ok(Self::U16), 3 => Ok(Self::U32), 4 => Ok(Self::F32), _ => Err(Error::new(ErrorKind::UnsupportedSampleType, "x")) } }
    pub fn bytes_per_sample(self) -> usize { match self { Self::U8 => 1, Self::U16 => 2, _ => 4 } }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Filter { Delta = 1, Predictor2D = 2, ByteShuffle = 3 }
impl Filter {
    pub fn id(self) -> u8 { self as u8 }
    pub fn from_id(id: u8) -> Result<Self> { match id { 1 => Ok(Self::Delta), 2 => Ok(Self::Predictor2D), 3 => Ok(Self::ByteShuffle), _ => Err(Error::new(ErrorKind::UnsupportedFilter, "x")) } }
}
pub const MAX_FILTERS: usize = 4;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec { None = 0, Deflate = 1, Zstd = 2 }
impl Codec {
    pub fn id(self) -> u8 { self as u8 }
    pub fn from_id(id: u8) -> Result<Self> { match id { 0 => Ok(Self::None), 1 => Ok(Self::Deflate), 2 => Ok(Self::Zstd), _ => Err(Error::new(ErrorKind::UnsupportedCodec, "x")) } }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileGrid { pub width: u32, pub height: u32, pub tile_width: u32, pub tile_height: u32 }
impl TileGrid {
    pub fn new(width: u32, height: u32, tile_width: u32, tile_height: u32) -> Result<Self> { if width == 0 || height == 0 || tile_width == 0 || tile_height == 0 { return Err(Error::invalid_argument("zero")); } Ok(Self { width, height, tile_width, tile_height }) }
    pub fn cols(&self) -> u32 { self.width.div_ceil(self.tile_width) }
    pub fn rows(&self) -> u32 { self.height.div_ceil(self.tile_height) }
    pub fn tile_count(&self) -> u64 { self.cols() as u64 * self.rows() as u64 }
}
