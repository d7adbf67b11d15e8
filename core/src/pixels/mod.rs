//! Samples, tiles, filters and codecs.
