//! libscanx
