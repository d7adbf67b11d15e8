//! Fuzz harnesses for scanx. Every fuzz target is one function of [`harness`]; the
//! regression replay of the main test suite includes the same file, so a saved input
//! replays exactly as the fuzzer ran it.

pub mod harness;
pub mod seeds;
