#!/usr/bin/env bash
# Runs every fuzz target for SECONDS seconds each, built with AddressSanitizer, and fails
# if any target crashes, leaks, runs out of memory or hangs.
#
#   fuzz/run.sh SECONDS [TARGET...]
#
# Before running, the seed corpus is (re)built from spec/vectors/ (see seed-corpus.sh) and
# every saved regression input is added to its target's corpus. A crash leaves its input
# in fuzz/artifacts/<target>/; minimise it with
#   cargo +nightly fuzz tmin <target> fuzz/artifacts/<target>/<file>
# and save it as fuzz/regressions/<panic|oom|timeout>/<target>-<short-name>, where
# `cargo test` replays it.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
seconds="${1:-}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
    echo "usage: $0 SECONDS [TARGET...]" >&2
    exit 2
fi
shift
cd "$here"

# cargo fuzz needs a nightly compiler for -Zsanitizer; without a nightly toolchain, the
# stable one is asked to accept nightly flags.
if cargo +nightly --version >/dev/null 2>&1; then
    cargo=(cargo +nightly)
else
    echo "no nightly toolchain: building with the stable one and RUSTC_BOOTSTRAP=1" >&2
    export RUSTC_BOOTSTRAP=1
    cargo=(cargo)
fi
if ! "${cargo[@]}" fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed: cargo install cargo-fuzz --locked" >&2
    exit 2
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(for f in fuzz_targets/*.rs; do basename "$f" .rs; done)
fi

echo "== building ${#targets[@]} fuzz targets (AddressSanitizer, debug assertions)"
"${cargo[@]}" fuzz build --debug-assertions || exit 1
triple="$(rustc -vV | sed -n 's/^host: //p')"
bin_dir="$here/target/$triple/release"

echo "== seed corpus"
./seed-corpus.sh "$here/corpus" || exit 1

failed=()
summary=()
for target in "${targets[@]}"; do
    corpus="$here/corpus/$target"
    artifacts="$here/artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    # Saved crashes go back into the corpus, so the fuzzer starts from every known
    # corner case (and proves again that each is fixed).
    find "$here/regressions" -type f -name "$target-*" -exec cp {} "$corpus/" \;
    log="$artifacts/run.log"
    echo "== $target: ${seconds}s"
    "$bin_dir/$target" "$corpus" \
        -max_total_time="$seconds" \
        -rss_limit_mb=2048 \
        -timeout=10 \
        -dict="$here/dict/scanx.dict" \
        -artifact_prefix="$artifacts/" \
        -print_final_stats=1 \
        -close_fd_mask=1 \
        >"$log" 2>&1
    status=$?
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        summary+=("$(printf '%-16s %12s executions %8s/s  FAILED (exit %d)' "$target" "${execs:-?}" "${rate:-?}" "$status")")
        echo "-- $target failed; the end of its log ($log):"
        tail -n 60 "$log"
        ls -1 "$artifacts" | grep -v '^run.log$' | sed "s|^|   artifact: $artifacts/|"
    else
        summary+=("$(printf '%-16s %12s executions %8s/s  ok' "$target" "${execs:-?}" "${rate:-?}")")
    fi
done

echo "== fuzzing summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "crashes in: ${failed[*]}"
    exit 1
fi
echo "no crashes"
