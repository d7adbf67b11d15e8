#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scanx_fuzz::harness::read_region(data));
