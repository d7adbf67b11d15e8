#!/usr/bin/env bash
# Makes the static library safe to link beside the host's own libzstd (and any other C
# library the Rust code bundles): every object of the Rust static library is linked into
# one relocatable object, in which every global symbol but the scanx_ API is made local.
# The bundled zstd's ZSTD_* symbols then cannot clash with, or be picked instead of, the
# host's. Usage: localize-static.sh IN.a OUT.a
set -euo pipefail
in=$1
out=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
nm -g --defined-only "$in" 2>/dev/null | awk '$2 == "T" && $3 ~ /^scanx_/ { print $3 }' | sort -u > "$work/keep"
if [ ! -s "$work/keep" ]; then
    echo "localize-static.sh: no scanx_ symbols in $in" >&2
    exit 1
fi
ld -r -o "$work/all.o" --whole-archive "$in"
# The embedded LLVM bitcode sections are of no use to a C linker (and confuse binutils).
objcopy --keep-global-symbols="$work/keep" --remove-section=.llvmbc --remove-section=.llvmcmd \
    "$work/all.o" "$work/scanx.o"
rm -f "$out.tmp"
ar rcs "$out.tmp" "$work/scanx.o"
mv "$out.tmp" "$out"
