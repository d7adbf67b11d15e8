#!/usr/bin/env bash
# Builds the seed corpus of every fuzz target in fuzz/corpus/<target>/.
#
# Scan files come from spec/vectors/**/*.scx when the test vectors are there; otherwise the
# library writes sample files. JSON, key, trust store and tile seeds are always generated.
# Seeds are added beside what the corpus already holds (libFuzzer keeps what it found).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
out="${1:-$here/corpus}"
vectors="$root/spec/vectors"
args=("$out")
if [ -d "$vectors" ] && [ -n "$(find "$vectors" -name '*.scx' -print -quit)" ]; then
    args+=("$vectors")
fi
cargo run --quiet --release --manifest-path "$here/Cargo.toml" --example seed_corpus -- "${args[@]}"
