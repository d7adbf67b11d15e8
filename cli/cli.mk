# Command-line tool targets (included by the top-level Makefile).
.PHONY: test-cli
test-cli:
	@echo "CLI: no tests yet"
