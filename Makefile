# The commands the README names. Every target works on a fresh machine with the Rust
# toolchain: what else it needs (Debian packages, the Python virtualenv in .venv with
# pinned packages, cbindgen) each fragment installs itself; nothing here depends on
# anything installed by hand.

CARGO ?= cargo
FUZZ_SECONDS ?= 600

include bindings-c/c.mk
include bindings-python/python.mk
include cli/cli.mk
include bench/bench.mk

.PHONY: all build demo demo-rust test lint test-rust vectors check-vectors fuzz fuzz-smoke bench doc clean

all: build

build:
	$(CARGO) build --workspace --release

## demo: the Belgium-to-Brazil journey of a 6000 x 2000 dual-energy scan through the
## scanx command line (cli/demo.sh): captured and signed, annotated, redacted, transferred,
## verified as TRUSTED by Brazil, countersigned, exported as previews
demo: demo-cli

## demo-rust: the same story through the Rust API (core/examples/demo.rs)
demo-rust:
	$(CARGO) run --release -p scanx --example demo -- target/demo-rust

## test: formatting, lints, every Rust test, and the conformance vectors (regenerated and
## compared byte for byte, then run through every reader), then the C library, the Python
## package and the CLI, each running every vector too
test: lint test-rust test-c test-python test-cli

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --workspace --release

## vectors: regenerate spec/vectors from their recipes
vectors:
	$(CARGO) run --release -p scanx-conformance --bin make-vectors

check-vectors:
	$(CARGO) run --release -p scanx-conformance --bin make-vectors -- --check

## fuzz: every fuzz target for FUZZ_SECONDS seconds each (needs nightly and cargo-fuzz:
## `cargo install cargo-fuzz --locked`; .ci/run installs it)
fuzz:
	bash fuzz/run.sh $(FUZZ_SECONDS)

fuzz-smoke:
	bash fuzz/run.sh 60

## bench: bench/compare.py (bench/bench.mk): scanx through the Python package beside numpy,
## tifffile, h5py, zarr, pydicom, blosc2, the image codecs and c2pa, in its own virtualenv;
## writes bench/RESULTS.md. The Rust codec table is `make bench-codecs`.
bench: bench-compare

doc:
	$(CARGO) doc --workspace --no-deps

clean:
	$(CARGO) clean
