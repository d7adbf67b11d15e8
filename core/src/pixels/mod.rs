//! Samples, tiles, filters and codecs: the pixel side of the format.
//!
//! A plane is cut into tiles by a [`TileGrid`]; each tile's samples (little-endian,
//! row-major) go through a chain of [`Filter`]s and a [`Codec`], as an [`Encoding`]
//! says. Decoding checks every size and never produces more than a tile declares.

mod buffer;
mod codec;
mod encoding;
mod filter;
mod grid;
mod rice;
mod sample;
mod tile;
mod view;

pub use buffer::PixelBuffer;
pub(crate) use buffer::{grown, image_len, RowWindow, Scratch};
pub use codec::Codec;
pub use encoding::Encoding;
pub use filter::{Filter, MAX_FILTERS};
pub use grid::{Rect, TileGrid, TilesIn};
pub use sample::SampleType;
pub use tile::{
    decode_tile, decode_tile_into, encode_plane, encode_tile, extract_tile, place_tile,
};
pub(crate) use tile::{decode_tile_window, encode_owned, TileData};
pub(crate) use view::check_strided;
pub use view::PixelView;
