//! Link arguments of the shared library: its soname, and a version script that exports only
//! the `scanx_` symbols.

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".to_owned());
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    println!("cargo:rerun-if-changed=libscanx.map");
    if target_os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libscanx.so.0");
        println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={dir}/libscanx.map");
    }
}
