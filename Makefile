# ssebench — top-level Makefile.
#
# Each component owns one file under mk/ and appends to the variables below,
# so that components can grow without editing this file.
#   DEPS_TARGETS       install or build what a benchmark run needs (idempotent, cached)
#   TEST_DEPS_TARGETS  what only the tests need on top (Chromium, sysstat, BusyBox, TypeScript…),
#                      so that `make bench` on a fresh machine installs none of it
#   BUILD_TARGETS  build binaries into bin/ or their own folders
#   TEST_TARGETS   extra test steps that are not `go test` (TypeScript checks, promtool, …)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

ROOT      := $(abspath .)
BIN       := $(ROOT)/bin
TOOLS     := $(ROOT)/.tools
TOOLS_BIN := $(TOOLS)/bin
GO        ?= go
# One package at a time: several packages run real servers under load and judge timings
# (end-to-end runs, the conformance suite, alert tests); side by side on 2 cores they
# would measure each other.
GOTEST_FLAGS ?= -race -count=1 -p 1 -timeout 60m
export PATH := $(TOOLS_BIN):$(BIN):$(PATH)

DEPS_TARGETS      :=
TEST_DEPS_TARGETS :=
BUILD_TARGETS     :=
TEST_TARGETS  :=
GO_BINARIES   :=   # Go main packages of the root module, built into bin/
# The version every binary prints with --version (internal/version): set here because Go's
# own VCS stamp is off where GOFLAGS has -buildvcs=false, as on this project's machines.
VERSION       ?= $(shell git -C $(ROOT) describe --tags --always --dirty 2>/dev/null || echo dev)
GO_LDFLAGS    := -X github.com/ssebench/ssebench/internal/version.Version=$(VERSION)

include $(sort $(wildcard mk/*.mk))

.PHONY: deps deps-test build test test-go bench bench-quick clean help

help: ## list targets
	@grep -hE '^[a-zA-Z0-9_.-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

deps: $(DEPS_TARGETS) ## install or build what benchmarking needs (Prometheus, Bun, the Rust crates)

deps-test: deps $(TEST_DEPS_TARGETS) ## deps, plus what only the tests need (Chromium, sysstat, BusyBox, shellcheck, TypeScript)

build: $(BUILD_TARGETS) ## build every binary
	@mkdir -p $(BIN)
	$(if $(strip $(GO_BINARIES)),$(GO) build -ldflags '$(GO_LDFLAGS)' -o $(BIN)/ $(GO_BINARIES))

test: deps-test build $(TEST_TARGETS) test-go ## build everything and run every test (what CI runs)

test-go: build ## go test -race over the root module
	$(GO) vet ./... ./servers/testdata/badproxy
	$(GO) test $(GOTEST_FLAGS) ./... ./servers/testdata/badproxy

# The headline first: every server side by side (at most 5 min), then the writeup's three
# scenarios at half length, one server after another: at most 20 min in all on 2 cores.
BENCH_FLAGS ?= --scenarios duet,baseline,stress,efficiency --quick-factor 0.5 --duet-round 10s --duet-budget 5m

bench: deps build ## the whole benchmark: every server side by side, then the writeup's scenarios; results table and report
	$(BIN)/ssebench run $(BENCH_FLAGS)

bench-quick: deps build ## the same benchmark with seconds-long scenarios and a 30-s side by side
	$(BIN)/ssebench run --quick --scenarios duet,baseline,stress,efficiency

clean: ## remove build output (keeps .tools, which is slow to rebuild)
	rm -rf $(BIN)
