# Python package targets (included by the top-level Makefile).
.PHONY: test-python
test-python:
	@echo "Python package: no tests yet"
