//! `unsafe` code lives in `src/ffi.rs` only: the other modules allow the `unsafe_code`
//! lint for their `#[no_mangle]` exports and must not use that to hold unsafe code.

#[test]
fn only_the_ffi_module_holds_unsafe_code() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("src is readable") {
        let path = entry.expect("entry").path();
        if path.file_name().and_then(|n| n.to_str()) == Some("ffi.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source is UTF-8");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            assert!(
                !code.contains("unsafe {")
                    && !code.contains("unsafe fn")
                    && !code.contains("unsafe impl")
                    && !code.contains("unsafe extern"),
                "{}:{}: unsafe code outside ffi.rs: {line}",
                path.display(),
                n + 1
            );
        }
        checked += 1;
    }
    assert!(
        checked >= 8,
        "expected the API modules in {}",
        dir.display()
    );
}
