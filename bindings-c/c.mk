# C library targets (included by the top-level Makefile).
#
#   make test-c                 release build, then every C test (bindings-c/tests/run.sh)
#   make header-c               regenerate bindings-c/include/scanx.h with cbindgen
#   make install PREFIX=/usr/local
#                               lib/libscanx.so.0 (+ libscanx.so), lib/libscanx.a,
#                               include/scanx.h, lib/pkgconfig/scanx.pc,
#                               lib/cmake/scanx/scanxConfig{,Version}.cmake
#
# Every tool the targets need is installed if missing: the C toolchain, valgrind, cmake,
# pkg-config and libzstd-dev with apt-get, cbindgen with cargo (pinned).

.PHONY: test-c lib-c header-c c-tools install-c install

CBINDGEN_VERSION := 0.29.2
CBINDGEN ?= $(shell command -v cbindgen 2>/dev/null || echo $(HOME)/.cargo/bin/cbindgen)
C_LIB_DIR := target/c/lib
PREFIX ?= /usr/local
SCANX_VERSION = $(shell sed -n '/^\[workspace.package\]/,/^\[/ s/^version *= *"\(.*\)"/\1/p' Cargo.toml)

c-tools:
	@missing=""; \
	for tool in gcc:gcc g++:g++ valgrind:valgrind cmake:cmake pkg-config:pkg-config ld:binutils; do \
		command -v $${tool%%:*} > /dev/null 2>&1 || missing="$$missing $${tool#*:}"; \
	done; \
	[ -f /usr/include/zstd.h ] || missing="$$missing libzstd-dev"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@if ! "$(CBINDGEN)" --version 2> /dev/null | grep -qx "cbindgen $(CBINDGEN_VERSION)"; then \
		$(CARGO) install cbindgen --locked --version $(CBINDGEN_VERSION); \
	fi

## lib-c: the release build, staged in target/c/lib under its installed names (the static
## archive with every non-scanx_ symbol made local: see bindings-c/localize-static.sh)
lib-c:
ifneq ($(SKIP_BUILD),1)
	$(CARGO) build --release -p scanx-c
endif
	@mkdir -p $(C_LIB_DIR)
	cp target/release/libscanx.so $(C_LIB_DIR)/libscanx.so.0
	ln -sf libscanx.so.0 $(C_LIB_DIR)/libscanx.so
	bash bindings-c/localize-static.sh target/release/libscanx.a $(C_LIB_DIR)/libscanx.a

header-c: c-tools
	"$(CBINDGEN)" --quiet --config bindings-c/cbindgen.toml --crate scanx-c --output bindings-c/include/scanx.h

test-c: c-tools lib-c
	$(CARGO) test --release -p scanx-c
	CBINDGEN="$(CBINDGEN)" bash bindings-c/tests/run.sh

install-c: lib-c
	install -d $(PREFIX)/lib $(PREFIX)/include $(PREFIX)/lib/pkgconfig $(PREFIX)/lib/cmake/scanx
	install -m 755 $(C_LIB_DIR)/libscanx.so.0 $(PREFIX)/lib/libscanx.so.0
	ln -sf libscanx.so.0 $(PREFIX)/lib/libscanx.so
	install -m 644 $(C_LIB_DIR)/libscanx.a $(PREFIX)/lib/libscanx.a
	install -m 644 bindings-c/include/scanx.h $(PREFIX)/include/scanx.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(SCANX_VERSION)|' bindings-c/scanx.pc.in \
		> $(PREFIX)/lib/pkgconfig/scanx.pc
	install -m 644 bindings-c/cmake/scanxConfig.cmake.in $(PREFIX)/lib/cmake/scanx/scanxConfig.cmake
	sed -e 's|@VERSION@|$(SCANX_VERSION)|' bindings-c/cmake/scanxConfigVersion.cmake.in \
		> $(PREFIX)/lib/cmake/scanx/scanxConfigVersion.cmake

install: install-c
