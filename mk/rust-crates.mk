# Debian 13 (trixie)'s packaged Rust crates as a project-local cargo directory source, for
# rust-axum and rust-actix (their .cargo/config.toml points at TRIXIE_REGISTRY).
#
# crates.io cannot be reached from the machines this is developed on; Debian's archive can,
# and trixie packages exactly the crates the writeup's servers use (axum 0.7.9, actix-web
# 4.9.0, hyper 1.5.2, tokio 1.43.1). Nothing of the machine's apt is touched, and nothing is
# installed: apt-get runs with its own sources list, state and cache under TRIXIE_DIR and an
# empty dpkg status (so that it computes the whole dependency closure, as on a bare trixie),
# the librust-* packages of that closure are downloaded by name and version, and
# `dpkg-deb -x` unpacks them under TRIXIE_DIR. About 350 packages, 19 MB of .debs.
#
# The archive is the machine's own Debian mirror, read from /etc/apt (the URI its sources
# use for its own release), or DEBIAN_MIRROR=http://…/debian to choose one.
#
# The stamp's name carries the suite and a hash of TRIXIE_CRATES: changing the list fetches
# again, anything else is a no-op. `make clean-rust-crates` removes it all.
# A trixie point release that moves one of Cargo.lock's versions makes `cargo --locked` fail
# with "the lock file needs to be updated": then `cargo update --offline -p <crate>` in the
# server's folder and commit its Cargo.lock.

TRIXIE_SUITE    := trixie
TRIXIE_DIR      := $(TOOLS)/debian-$(TRIXIE_SUITE)
TRIXIE_REGISTRY := $(TRIXIE_DIR)/root/usr/share/cargo/registry
# What the servers use directly; apt adds the closure (actix-web's and axum's optional
# features included, as Debian's -dev packages depend on them).
TRIXIE_CRATES   := librust-axum-dev librust-actix-web-dev librust-hyper-dev librust-hyper-util-dev \
                   librust-tokio-dev librust-tower-service-dev librust-http-body-util-dev librust-bytes-dev
TRIXIE_STAMP    := $(TRIXIE_DIR)/crates-$(TRIXIE_SUITE)-$(shell echo '$(TRIXIE_CRATES)' | md5sum | cut -c1-8).stamp

# apt-get confined to TRIXIE_DIR: its own sources list, preferences, state, cache and an
# empty dpkg status; no DEP-11 metadata (the machine's appstream hook would add it).
TRIXIE_APT = apt-get -q \
	-o Dir::Etc::sourcelist=$(TRIXIE_DIR)/etc/sources.list -o Dir::Etc::sourceparts=- \
	-o Dir::Etc::preferences=$(TRIXIE_DIR)/etc/preferences -o Dir::Etc::preferencesparts=$(TRIXIE_DIR)/etc/preferences.d \
	-o Dir::State=$(TRIXIE_DIR)/state -o Dir::State::status=$(TRIXIE_DIR)/state/status \
	-o Dir::Cache=$(TRIXIE_DIR)/cache -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
	-o Debug::NoLocking=1 -o APT::Sandbox::User=root \
	-o Acquire::Languages=none -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false

DEPS_TARGETS += rust-crates-trixie

.PHONY: rust-crates-trixie clean-rust-crates

rust-crates-trixie: $(TRIXIE_STAMP) ## Debian trixie's Rust crates as a cargo directory source in .tools/ (rust-axum, rust-actix)

$(TRIXIE_STAMP):
	@command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { \
		echo "rust-crates-trixie: needs apt-get and dpkg-deb (a Debian-based machine)" >&2; exit 1; }
	@mirror="$${DEBIAN_MIRROR:-}"; \
	if [ -z "$$mirror" ]; then \
		codename=$$(. /etc/os-release && echo "$${VERSION_CODENAME:-}"); \
		mirror=$$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v c="$$codename" ' \
			/^[ \t]*$$/ { u = "" } /^URIs:/ { u = $$2 } \
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($$i == c && u != "") { print u; exit } }'); \
	fi; \
	if [ -z "$$mirror" ]; then \
		mirror=$$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | sed 's/\[[^]]*\]//' | \
			awk -v c="$$(. /etc/os-release && echo "$${VERSION_CODENAME:-}")" '$$1 == "deb" && $$3 == c { print $$2; exit }'); \
	fi; \
	if [ -z "$$mirror" ]; then \
		echo "rust-crates-trixie: no Debian mirror found in /etc/apt; set DEBIAN_MIRROR=http://…/debian" >&2; exit 1; \
	fi; \
	echo "rust-crates-trixie: Debian $(TRIXIE_SUITE) crates from $$mirror into $(TRIXIE_DIR)"; \
	rm -rf $(TRIXIE_DIR)/etc $(TRIXIE_DIR)/state $(TRIXIE_DIR)/root.new; \
	mkdir -p $(TRIXIE_DIR)/etc/preferences.d $(TRIXIE_DIR)/state/lists/partial $(TRIXIE_DIR)/cache/archives/partial $(TRIXIE_DIR)/debs; \
	: > $(TRIXIE_DIR)/state/status; : > $(TRIXIE_DIR)/etc/preferences; \
	echo "deb [arch=$$(dpkg --print-architecture) signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $$mirror $(TRIXIE_SUITE) main" \
		> $(TRIXIE_DIR)/etc/sources.list; \
	$(TRIXIE_APT) --error-on=any update >$(TRIXIE_DIR)/update.log 2>&1 || { \
		cat $(TRIXIE_DIR)/update.log >&2; \
		echo "rust-crates-trixie: cannot reach the Debian archive ($$mirror, suite $(TRIXIE_SUITE)); rust-axum and rust-actix need it once" >&2; \
		exit 1; }; \
	$(TRIXIE_APT) -s install --no-install-recommends $(TRIXIE_CRATES) >$(TRIXIE_DIR)/closure.log 2>&1 || { \
		cat $(TRIXIE_DIR)/closure.log >&2; echo "rust-crates-trixie: apt cannot resolve $(TRIXIE_CRATES) in $(TRIXIE_SUITE)" >&2; exit 1; }; \
	awk '$$1 == "Inst" && $$2 ~ /^librust-/ { v = $$3; gsub(/[()]/, "", v); print $$2 "=" v }' \
		$(TRIXIE_DIR)/closure.log > $(TRIXIE_DIR)/closure.txt; \
	echo "rust-crates-trixie: $$(wc -l < $(TRIXIE_DIR)/closure.txt) librust-* packages"; \
	cd $(TRIXIE_DIR)/debs && xargs $(TRIXIE_APT) download < ../closure.txt >../download.log 2>&1 || { \
		tail -20 ../download.log >&2; echo "rust-crates-trixie: downloading from $$mirror failed" >&2; exit 1; }; \
	mkdir -p $(TRIXIE_DIR)/root.new; \
	while IFS== read -r pkg version; do \
		dpkg-deb -x $(TRIXIE_DIR)/debs/$${pkg}_$${version/:/%3a}_*.deb $(TRIXIE_DIR)/root.new; done < $(TRIXIE_DIR)/closure.txt; \
	rm -rf $(TRIXIE_DIR)/root.new/usr/share/doc
	@# cargo's directory sources want a .cargo-checksum.json in each crate; Debian ships one
	@# (package "Could not get crate checksum", files {}): add it where one is missing.
	@for d in $(TRIXIE_DIR)/root.new/usr/share/cargo/registry/*/; do \
		[ -f "$$d.cargo-checksum.json" ] || echo '{"files":{},"package":""}' > "$$d.cargo-checksum.json"; done
	@rm -rf $(TRIXIE_DIR)/root $(TRIXIE_DIR)/crates-*.stamp && mv $(TRIXIE_DIR)/root.new $(TRIXIE_DIR)/root
	@echo "rust-crates-trixie: $$(ls $(TRIXIE_REGISTRY) | wc -l) crates, $$(du -sh $(TRIXIE_REGISTRY) | cut -f1) in $(TRIXIE_REGISTRY)"
	@touch $@

clean-rust-crates: ## remove the trixie crate source (the next build fetches it again)
	rm -rf $(TRIXIE_DIR)
