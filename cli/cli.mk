# Command-line tool targets (included by the top-level Makefile).
.PHONY: test-cli demo-cli

## test-cli: the scanx CLI's unit and end-to-end tests (every subcommand, bad input, the
## conformance vectors through `scanx verify` and `scanx validate`)
test-cli:
	$(CARGO) test --release -p scanx-cli

## demo-cli: the Belgium-to-Brazil journey through the scanx CLI, output in target/demo/
demo-cli:
	$(CARGO) build --release -p scanx-cli
	bash cli/demo.sh target/release/scanx target/demo
