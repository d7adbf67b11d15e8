#!/usr/bin/env bash
# The C library's tests (run by `make test-c` after the release build): the header is
# what cbindgen makes of the sources, the version macros match Cargo.toml, the shared
# library has its soname and exports only scanx_ symbols, the static library links beside
# the host's libzstd, the C tests and examples pass natively, under valgrind and under
# AddressSanitizer, and an installed copy is found through pkg-config and CMake.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
c=bindings-c
out=target/c
lib=$out/lib
cbindgen=${CBINDGEN:-cbindgen}
mkdir -p "$out/bin" "$out/scratch"
step() { printf '== %s\n' "$*"; }

step "header is up to date"
"$cbindgen" --quiet --config $c/cbindgen.toml --crate scanx-c --output "$out/scanx.h.new"
if ! diff -u $c/include/scanx.h "$out/scanx.h.new"; then
    echo "include/scanx.h differs from what cbindgen generates: run 'make header-c'" >&2
    exit 1
fi

step "version macros match Cargo.toml"
version=$(sed -n '/^\[workspace.package\]/,/^\[/ s/^version *= *"\(.*\)"/\1/p' Cargo.toml)
IFS=. read -r major minor patch <<< "$version"
for pair in "MAJOR $major" "MINOR $minor" "PATCH $patch"; do
    set -- $pair
    grep -q "^#define SCANX_VERSION_$1 $2\$" $c/include/scanx.h ||
        { echo "SCANX_VERSION_$1 is not $2 (Cargo.toml $version)" >&2; exit 1; }
done

step "shared library: soname and exported symbols"
readelf -d $lib/libscanx.so.0 | grep -q 'SONAME.*\[libscanx.so.0\]' || { echo "soname is not libscanx.so.0" >&2; exit 1; }
others=$(nm -D --defined-only $lib/libscanx.so.0 | awk '{ print $NF }' | grep -v '^scanx_' | grep -v '^SCANX_0$' || true)
if [ -n "$others" ]; then
    echo "libscanx.so exports symbols other than scanx_*:" >&2
    echo "$others" | head -20 >&2
    exit 1
fi
exported=$(nm -D --defined-only $lib/libscanx.so.0 | grep -c ' T scanx_')
declared=$(grep -c '^enum scanx_status scanx_\|^const char \*scanx_' $c/include/scanx.h)
echo "$exported functions exported, $declared declared in the header"
[ "$exported" -eq "$declared" ] || { echo "exported and declared functions differ" >&2; exit 1; }

CFLAGS="-std=c99 -Wall -Wextra -Wpedantic -Werror -g -O1 -pthread -I$c/include"
TESTLIB="$c/tests/json.c $c/tests/sha256.c"
SHARED="-L$lib -lscanx -Wl,-rpath,$root/$lib"

step "header compiles as C++17"
g++ -std=c++17 -Wall -Wextra -Wpedantic -Werror -I$c/include -c $c/tests/header.cpp -o "$out/header.o"

step "build the C tests and examples (C99)"
gcc $CFLAGS $c/tests/test_api.c $TESTLIB $SHARED -o "$out/bin/test_api"
gcc $CFLAGS $c/tests/test_vectors.c $TESTLIB $SHARED -o "$out/bin/test_vectors"
gcc $CFLAGS $c/examples/scan_info.c $SHARED -o "$out/bin/scan_info"
gcc $CFLAGS $c/examples/scan_write.c $SHARED -o "$out/bin/scan_write"
gcc $CFLAGS $c/examples/open_verify_read.c $SHARED -o "$out/bin/open_verify_read"

run_all() { # $1: prefix command (empty, or valgrind ...), $2: binary dir
    local pre=$1 bin=$2
    rm -rf "$out/scratch" && mkdir -p "$out/scratch"
    $pre "$bin/test_api" "$root" "$root/$out/scratch"
    $pre "$bin/test_vectors" spec/vectors
    $pre "$bin/scan_write" spec/vectors/valid/dual-energy-two-views.scx \
        spec/vectors/keys/scanner.private.pem "$out/scratch/example.scx" > /dev/null
    $pre "$bin/scan_info" "$out/scratch/example.scx" spec/vectors/truststore.json \
        "$out/scratch/plane0.raw" > "$out/scratch/scan_info.txt"
    grep -q '^verification: TRUSTED' "$out/scratch/scan_info.txt"
    grep -q 'capture' "$out/scratch/scan_info.txt"
    [ "$(stat -c %s "$out/scratch/plane0.raw")" -eq $((600 * 200 * 2)) ]
    if [ -x "$bin/open_verify_read" ]; then
        $pre "$bin/open_verify_read" "$out/scratch/example.scx" spec/vectors/truststore.json > /dev/null
    fi
}

step "run natively"
run_all "" "$out/bin"
cat "$out/scratch/scan_info.txt" | grep -v '^metadata:' | head -12

step "the vector runner fails on a wrong expectation (control)"
rm -rf "$out/vectors-control" && cp -r spec/vectors "$out/vectors-control"
sed -i 's/"pixels_sha256": "3/"pixels_sha256": "4/' "$out/vectors-control/valid/dual-energy-two-views.json"
sed -i 's/"code": 209/"code": 210/' "$out/vectors-control/invalid/ancillary-after-indx.json"
if "$out/bin/test_vectors" "$out/vectors-control" > "$out/control.txt" 2>&1; then
    echo "the vector runner passed with wrong expectations" >&2; exit 1
fi
grep -c '^FAIL' "$out/control.txt" | grep -qx 2 || { cat "$out/control.txt" >&2; exit 1; }

step "valgrind"
run_all "valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite" "$out/bin"

step "AddressSanitizer"
mkdir -p "$out/asan"
for t in test_api test_vectors; do
    gcc $CFLAGS -fsanitize=address -fno-omit-frame-pointer $c/tests/$t.c $TESTLIB $SHARED -o "$out/asan/$t"
done
for t in scan_info scan_write; do
    gcc $CFLAGS -fsanitize=address -fno-omit-frame-pointer $c/examples/$t.c $SHARED -o "$out/asan/$t"
done
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 run_all "" "$out/asan"

step "static library beside the host's libzstd"
gcc $CFLAGS $c/tests/test_static_zstd.c $lib/libscanx.a -lzstd -ldl -lm -o "$out/bin/test_static_zstd"
"$out/bin/test_static_zstd" spec/vectors/valid/dual-energy-two-views.scx
if gcc $CFLAGS $c/tests/test_static_zstd.c target/release/libscanx.a -lzstd -ldl -lm \
    -o "$out/bin/test_static_zstd_raw" 2> /dev/null &&
    "$out/bin/test_static_zstd_raw" spec/vectors/valid/dual-energy-two-views.scx > /dev/null 2>&1; then
    echo "(control: the unprocessed archive links beside libzstd too)"
else
    echo "(control: the unprocessed archive clashes with the host's libzstd, as expected)"
fi

step "install into a temporary prefix; pkg-config and CMake"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
make --no-print-directory install-c PREFIX="$prefix" SKIP_BUILD=1 > /dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
[ "$(pkg-config --modversion scanx)" = "$version" ]
gcc $CFLAGS $c/tests/test_vectors.c $TESTLIB $(pkg-config --cflags --libs scanx) \
    -Wl,-rpath,"$prefix/lib" -o "$out/bin/vectors_pc_shared"
ldd "$out/bin/vectors_pc_shared" | grep -q "$prefix/lib/libscanx.so.0"
"$out/bin/vectors_pc_shared" spec/vectors
gcc $CFLAGS $c/tests/test_vectors.c $TESTLIB $(pkg-config --cflags scanx) \
    "$(pkg-config --variable=libdir scanx)/libscanx.a" $(pkg-config --static --libs-only-l scanx | sed 's/-lscanx//') \
    -o "$out/bin/vectors_pc_static"
! ldd "$out/bin/vectors_pc_static" | grep -q libscanx
"$out/bin/vectors_pc_static" spec/vectors
rm -rf "$out/cmake-build"
cmake -S $c/tests/cmake -B "$out/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" > "$out/cmake.log"
cmake --build "$out/cmake-build" > "$out/cmake-build.log"
"$out/cmake-build/vectors_shared" spec/vectors
"$out/cmake-build/vectors_static" spec/vectors
echo "C library: all tests passed"
