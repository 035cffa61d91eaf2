# Bun and Rust servers under servers/ (bun-http, bun-hono, rust-http, rust-hyper, rust-axum,
# rust-actix). rust-axum and rust-actix build offline from Debian trixie's packaged crates
# (mk/rust-crates.mk); rust-hyper stays on bookworm's, installed by apt.
# Every target is idempotent and cheap when nothing changed, so servers.yaml's
# `make -s server-<name>` can run before each conformance or benchmark run.

OTHER_SERVERS := server-bun-http server-bun-hono server-rust-http server-rust-hyper server-rust-axum server-rust-actix
DEPS_TARGETS  += rust-hyper-debs servers/bun-http/node_modules/.installed servers/bun-hono/node_modules/.installed
BUILD_TARGETS += $(OTHER_SERVERS)
TEST_TARGETS  += test-rust-http test-rust-hyper test-rust-actix

# The Debian packages whose crates rust-hyper builds from (offline, see its .cargo/config.toml).
RUST_HYPER_DEBS := librust-hyper-dev librust-tokio-dev
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
# An inherited CARGO_TARGET_DIR would move the binaries away from servers.yaml's paths.
CARGO_BUILD := cargo build --release --offline --locked --quiet --target-dir target

.PHONY: $(OTHER_SERVERS) test-rust-http test-rust-hyper test-rust-actix rust-hyper-debs

server-bun-http: servers/bun-http/node_modules/.installed ## bun-http: Bun from npm into its node_modules
server-bun-hono: servers/bun-hono/node_modules/.installed ## bun-hono: Bun and Hono from npm into its node_modules

# npm ci when node_modules is missing or the lockfile changed. npm may skip the bun
# package's postinstall (install-script policies); its install.js then puts the binary in place.
servers/%/node_modules/.installed: servers/%/package-lock.json servers/%/package.json
	cd servers/$* && npm ci --include=dev --no-audit --no-fund --loglevel=error
	cd servers/$* && { node_modules/.bin/bun --version >/dev/null 2>&1 || (cd node_modules/bun && node install.js); }
	cd servers/$* && node_modules/.bin/bun --version >/dev/null
	touch $@

server-rust-http: ## rust-http: std only, cargo offline
	cd servers/rust-http && $(CARGO_BUILD)

test-rust-http: ## unit tests of rust-http's hand-written HTTP parsing
	cd servers/rust-http && cargo test --offline --locked --quiet --target-dir target

server-rust-hyper: rust-hyper-debs ## rust-hyper: hyper 0.14 + tokio from Debian's packaged crates, cargo offline
	cd servers/rust-hyper && $(CARGO_BUILD)

test-rust-hyper: rust-hyper-debs ## unit tests of rust-hyper's header filtering
	cd servers/rust-hyper && cargo test --release --offline --locked --quiet --target-dir target

server-rust-axum: rust-crates-trixie ## rust-axum: axum 0.7 + hyper 1 from Debian trixie's crates (.tools/), cargo offline
	cd servers/rust-axum && $(CARGO_BUILD)

server-rust-actix: rust-crates-trixie ## rust-actix: actix-web 4 + hyper-util's client from Debian trixie's crates (.tools/), cargo offline
	cd servers/rust-actix && $(CARGO_BUILD)

test-rust-actix: rust-crates-trixie ## unit tests of rust-actix's header filtering
	cd servers/rust-actix && cargo test --release --offline --locked --quiet --target-dir target

rust-hyper-debs: ## the Debian crates rust-hyper builds from (apt-get, only when missing)
	@dpkg -s $(RUST_HYPER_DEBS) >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(RUST_HYPER_DEBS) >/dev/null; }
