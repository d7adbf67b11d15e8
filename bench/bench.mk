# Benchmark targets (included by the top-level Makefile). Everything runs from the
# repository root. bench/compare.py runs in its own virtualenv, .venv-bench, with the
# pinned bench/requirements.txt and the scanx wheel built from this checkout; nothing in
# `make test` needs it.
BENCH_VENV ?= .venv-bench
BENCH_PY := $(abspath $(BENCH_VENV))/bin/python
BENCH_STAMP := $(BENCH_VENV)/.scanx-bench-requirements
BENCH_WHEELS := target/bench-wheels
## BENCH_ARGS: options of bench/compare.py, e.g. BENCH_ARGS="--sizes medium --runs 5 --big-stream"
BENCH_ARGS ?=

.PHONY: bench-venv bench-wheel bench-compare bench-smoke bench-codecs

$(BENCH_STAMP): bench/requirements.txt
	@python3 -c 'import venv, ensurepip' 2>/dev/null || \
		(apt-get update && apt-get install -y python3-venv)
	test -x $(BENCH_PY) || python3 -m venv $(BENCH_VENV)
	$(BENCH_PY) -m pip install -q --disable-pip-version-check -r bench/requirements.txt
	touch $@

bench-venv: $(BENCH_STAMP)

## bench-wheel: the scanx wheel (release, shared target/) installed into .venv-bench
bench-wheel: $(BENCH_STAMP)
	rm -f $(BENCH_WHEELS)/scanx-*.whl
	cd bindings-python && $(dir $(BENCH_PY))maturin build --release --quiet -i $(BENCH_PY) -o ../$(BENCH_WHEELS)
	$(BENCH_PY) -m pip install -q --disable-pip-version-check --force-reinstall --no-deps $(BENCH_WHEELS)/scanx-*.whl

## bench-compare: bench/compare.py on the small, medium and large workloads; writes bench/RESULTS.md
bench-compare: bench-wheel
	$(BENCH_PY) bench/compare.py $(BENCH_ARGS)

## bench-smoke: compare.py on the small workload, one run, report in target/ (not part of `make test`)
bench-smoke: bench-wheel
	$(BENCH_PY) bench/compare.py --quick --out target/bench-smoke.md

## bench-codecs: the Rust table of write/read/size for every codec and filter
bench-codecs:
	$(CARGO) run --release -p scanx-bench --bin codecs
