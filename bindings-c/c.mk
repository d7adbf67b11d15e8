# C library targets (included by the top-level Makefile).
.PHONY: test-c
test-c:
	@echo "C library: no tests yet"
