# Python package targets (included by the top-level Makefile). Everything runs from the
# repository root; the virtualenv is .venv there, with the pinned requirements below.
PY_VENV ?= .venv
PY := $(abspath $(PY_VENV))/bin/python
PY_STAMP := $(PY_VENV)/.scanx-requirements

.PHONY: test-python python-venv python-wheel bench-python

$(PY_STAMP): bindings-python/requirements-dev.txt
	@python3 -c 'import venv, ensurepip' 2>/dev/null || \
		(apt-get update && apt-get install -y python3-venv)
	test -x $(PY) || python3 -m venv $(PY_VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r bindings-python/requirements-dev.txt
	touch $@

python-venv: $(PY_STAMP)

## python-wheel: the abi3 wheel in target/wheels (shares target/ and its release profile)
python-wheel: $(PY_STAMP)
	rm -f target/wheels/scanx-*.whl
	cd bindings-python && $(dir $(PY))maturin build --release --quiet -i $(PY)
	$(PY) -m pip install -q --disable-pip-version-check --force-reinstall --no-deps target/wheels/scanx-*.whl

## test-python: builds the wheel, installs it, runs pytest and checks the type stubs
test-python: python-wheel
	cd bindings-python && $(PY) -m pytest -q -p no:cacheprovider tests
	cd bindings-python && $(PY) -m mypy.stubtest scanx --mypy-config-file pyproject.toml
	cd bindings-python && $(PY) -m mypy --config-file pyproject.toml python/scanx
	@ls -l target/wheels/scanx-*.whl

## bench-python: open, verify and load a 48 MB scan beside numpy.load and tifffile
bench-python: python-wheel
	$(PY) bindings-python/bench_read.py
