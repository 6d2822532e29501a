# runj — build, test, demo, bench. `make help` lists the targets.
SHELL := /bin/bash
NODE_BIN := node_modules/.bin
export NODE_EXTRA_CA_CERTS :=

.PHONY: all build deps native validators typecheck bundle install uninstall test unit integration coverage conformance security validation lint abi-check demo bench clean help

all: build

help:
	@echo "make build        typecheck, compile validators, bundle the CLI, build the helper"
	@echo "make install      runj and containerd-shim-runj-v1 in \$$(PREFIX)/bin (/usr/local/bin): links into this build"
	@echo "make demo         build and run a busybox container that prints its hostname"
	@echo "make test         build and run every test (needs root for the integration tests)"
	@echo "make conformance  runj's black-box cases, containerd and podman driving runj (installs them)"
	@echo "make security     attacks and faults against runj, runc and crun, side by side (installs them)"
	@echo "make validation   the OCI runtime-tools suite against runj, runc and crun"
	@echo "make bench        time runj against runc and crun"
	@echo "make coverage     src/runtime line coverage from unit tests alone (fake backend)"
	@echo "make lint         typecheck, lint, import layers and cycles (TS and C), FreeBSD ABI check, FreeBSD C code compiled here"
	@echo "make abi-check    FreeBSD ABI numbers against the Rust libc crate and Go x/sys/unix"

# Installs what a fresh Debian machine lacks (idempotent; quiet when all is there).
deps:
	@bash scripts/deps.sh

# npm ci installs exactly the lock file (it fails rather than re-resolve when
# package.json and the lock disagree) and removes node_modules first, so this
# runs only when node_modules is missing or older than the lock; the touch
# marks it fresh.
node_modules: package-lock.json
	npm ci --no-audit --no-fund
	@touch node_modules

native:
	$(MAKE) -s -C native

src/generated/validators.js: node_modules $(wildcard spec-schemas/*.json) build/compile-schemas.mjs
	node build/compile-schemas.mjs

validators: src/generated/validators.js

typecheck: validators
	$(NODE_BIN)/tsc -p .

bundle: validators native
	node build/bundle.mjs

build: node_modules native validators typecheck bundle
	@install -m 755 native/containerd-shim-runj-v1 dist/containerd-shim-runj-v1

# runj and the containerd shim, by the names containerd and people call them:
# containerd turns a runtime name into `containerd-shim-<last two dot-separated
# parts>` looked up on PATH, so wtf.sbk.runj.v1 and io.containerd.runj.v1 both
# run containerd-shim-runj-v1. Symbolic links into this tree: the bundles load
# dist/validators.cjs, node_modules/koffi and native/runj-helper from beside
# themselves (Node resolves a linked script to its real path).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
install: build
	install -d $(DESTDIR)$(BINDIR)
	ln -sf $(CURDIR)/dist/runj.cjs $(DESTDIR)$(BINDIR)/runj
	ln -sf $(CURDIR)/dist/containerd-shim-runj-v1 $(DESTDIR)$(BINDIR)/containerd-shim-runj-v1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/runj $(DESTDIR)$(BINDIR)/containerd-shim-runj-v1

test: deps build
	$(NODE_BIN)/vitest run
	node conformance/schema-fixtures.mjs

unit: build
	$(NODE_BIN)/vitest run test/unit

integration: build
	$(NODE_BIN)/vitest run test/integration

# Line coverage of src/runtime from the unit tests alone (the fake backend,
# no root); fails under the thresholds in vitest.config.ts.
coverage: build
	$(NODE_BIN)/vitest run test/unit --coverage

# runj's own black-box cases, then real clients: containerd (ctr + the runc v2
# shim) and podman (conmon). Each script takes another runtime as an argument.
conformance: deps build
	bash conformance/cases/run.sh
	bash conformance/containerd.sh
	bash conformance/podman.sh

# Attacks from a container or a bundle, and faults (races, kill -9, hung
# hooks, odd config files), against runj, runc and crun in one run; fails
# when any succeeds against runj (SECURITY_SCALE=0.2 for a quick look).
security: deps build
	bash conformance/security/run.sh

# The OCI runtime-tools validation suite against runj, runc and crun (a report:
# builds the suite from Debian's source with golang-go; takes ~10 minutes).
validation: deps build
	bash conformance/runtime-tools/run.sh

# layers.mjs: src imports only downwards through its layers (cli > demo >
# runtime > platform > backend > plan > core), without cycles; c-cycles.mjs:
# no two files of the Linux helper use each other.
lint: validators abi-check
	$(MAKE) -s -C native freebsd-check
	node scripts/layers.mjs src
	$(MAKE) -s -C native all objects
	node scripts/c-cycles.mjs native/obj
	$(NODE_BIN)/tsc -p .
	$(NODE_BIN)/biome check src test build scripts

# Every FreeBSD struct offset, constant and prototype of src/platform/freebsd/abi.ts
# against two independent sources (installed by scripts/deps.sh).
abi-check:
	@bash scripts/deps.sh
	node scripts/abi-check.mjs

demo: deps build
	@bash scripts/demo.sh

bench: deps build
	node bench/bench.mjs

clean:
	rm -rf dist src/generated
	$(MAKE) -s -C native clean
