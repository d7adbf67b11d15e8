//! libscanx: the C library of the scanx format.
//!
//! A thin layer over the `scanx` crate: every format rule, digest and verification step
//! lives there. This crate turns C arguments into Rust values ([`ffi`], the only module
//! with `unsafe` code, and [`callbacks`]), runs every exported function inside one panic
//! boundary, and reports every failure as a [`status::scanx_status`] with the same
//! numbers as core's error kinds. The C conventions are in `bindings-c/README.md`; the
//! header `include/scanx.h` is generated from these sources by cbindgen.

#![allow(non_camel_case_types)]

// The core crate, under its own name for the modules of this one.
extern crate scanx_core as scanx;

// The API modules export `#[no_mangle]` functions, which the `unsafe_code` lint counts;
// they hold no `unsafe` block, fn or impl (tests/unsafe_confined.rs checks): every raw
// pointer goes through `ffi`, which alone allows unsafe code inside.
#[allow(unsafe_code)]
mod callbacks;
#[allow(unsafe_code)]
mod editor;
mod ffi;
#[allow(unsafe_code)]
mod keys;
#[allow(unsafe_code)]
mod plane;
#[allow(unsafe_code)]
mod reader;
#[allow(unsafe_code)]
mod status;
#[allow(unsafe_code)]
mod verify;
#[allow(unsafe_code)]
mod writer;

pub use callbacks::{
    scanx_read_at_fn, scanx_sign_fn, scanx_size_fn, scanx_write_fn, SCANX_READ_PAST_END,
};
pub use editor::*;
pub use keys::*;
pub use plane::*;
pub use reader::*;
pub use status::*;
pub use verify::*;
pub use writer::*;

use std::ffi::c_char;

/// Major version of this library (the `Cargo.toml` version); the ABI of one major version
/// only grows.
pub const SCANX_VERSION_MAJOR: u32 = 0;
/// Minor version of this library.
pub const SCANX_VERSION_MINOR: u32 = 1;
/// Patch version of this library.
pub const SCANX_VERSION_PATCH: u32 = 0;

const VERSION_TEXT: &std::ffi::CStr = c"0.1.0";

/// The library's version as `"MAJOR.MINOR.PATCH"` (a static string; never freed). Compare
/// with the `SCANX_VERSION_*` macros of the header a program was built with.
#[no_mangle]
#[allow(unsafe_code)]
pub extern "C" fn scanx_version() -> *const c_char {
    VERSION_TEXT.as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_constants_match_cargo_toml() {
        assert_eq!(
            SCANX_VERSION_MAJOR.to_string(),
            env!("CARGO_PKG_VERSION_MAJOR")
        );
        assert_eq!(
            SCANX_VERSION_MINOR.to_string(),
            env!("CARGO_PKG_VERSION_MINOR")
        );
        assert_eq!(
            SCANX_VERSION_PATCH.to_string(),
            env!("CARGO_PKG_VERSION_PATCH")
        );
        assert_eq!(VERSION_TEXT.to_str().ok(), Some(env!("CARGO_PKG_VERSION")));
    }
}

/// Handles are opaque to C; their Debug output names only the type.
macro_rules! opaque_debug {
    ($($t:ty),*) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($t)).finish_non_exhaustive()
            }
        }
    )*};
}
opaque_debug!(
    scanx_reader,
    scanx_report,
    scanx_trust_store,
    scanx_writer,
    scanx_editor,
    scanx_key,
    scanx_signer
);
