# Pinned Prometheus tools, built from source into $(TOOLS_BIN).
#
# Each tool set has a stamp file whose NAME carries the version, so bumping a
# version below makes the stamp "missing" and triggers a rebuild, while a second
# `make deps` at the same version does nothing.
#
# `go install` of a module at a version does not stamp version information, so
# the ldflags below set what the upstream release process (promu) sets; that is
# what makes `prometheus --version` report 3.16.0.
#
# The web UI is not embedded: its assets are produced by an npm build that is
# not part of the Go module, so the API works but the browser UI does not.

PROMETHEUS_VERSION        := 3.16.0
PROMETHEUS_MODULE_VERSION := v0.316.0
ALERTMANAGER_VERSION      := 0.35.0

TOOLS_STAMPS := $(TOOLS)/stamps
PROMETHEUS_STAMP   := $(TOOLS_STAMPS)/prometheus-$(PROMETHEUS_VERSION)
ALERTMANAGER_STAMP := $(TOOLS_STAMPS)/alertmanager-$(ALERTMANAGER_VERSION)

PROMETHEUS_BIN   := $(TOOLS_BIN)/prometheus
PROMTOOL_BIN     := $(TOOLS_BIN)/promtool
ALERTMANAGER_BIN := $(TOOLS_BIN)/alertmanager
AMTOOL_BIN       := $(TOOLS_BIN)/amtool

# $(call prom_ldflags,VERSION)
prom_ldflags = -X github.com/prometheus/common/version.Version=$(1) \
	-X github.com/prometheus/common/version.Branch=v$(1) \
	-X github.com/prometheus/common/version.Revision=go-install \
	-X github.com/prometheus/common/version.BuildUser=ssebench \
	-X github.com/prometheus/common/version.BuildDate=$(shell date -u +%Y%m%d-%H:%M:%S)

# $(call check_version,BINARY,VERSION): fail loudly when the binary reports another version.
check_version = $(1) --version 2>&1 | head -n1 | grep -q 'version $(2) ' \
	|| { echo "$(1) does not report version $(2):" >&2; $(1) --version >&2; exit 1; }

.PHONY: tools prometheus-tools alertmanager-tools check-prometheus-config

# A stamp without its binaries (someone deleted .tools/bin) must not count.
ifneq ($(words $(wildcard $(PROMETHEUS_BIN) $(PROMTOOL_BIN))),2)
.PHONY: $(PROMETHEUS_STAMP)
endif
ifneq ($(words $(wildcard $(ALERTMANAGER_BIN) $(AMTOOL_BIN))),2)
.PHONY: $(ALERTMANAGER_STAMP)
endif

tools: prometheus-tools alertmanager-tools ## build the pinned Prometheus, promtool, Alertmanager and amtool
prometheus-tools: $(PROMETHEUS_STAMP)
alertmanager-tools: $(ALERTMANAGER_STAMP)

$(PROMETHEUS_STAMP):
	@echo "building Prometheus v$(PROMETHEUS_VERSION) (first time takes 5–9 minutes)"
	@mkdir -p $(TOOLS_BIN) $(TOOLS_STAMPS)
	GOBIN=$(TOOLS_BIN) $(GO) install -ldflags '$(call prom_ldflags,$(PROMETHEUS_VERSION))' \
		github.com/prometheus/prometheus/cmd/prometheus@$(PROMETHEUS_MODULE_VERSION) \
		github.com/prometheus/prometheus/cmd/promtool@$(PROMETHEUS_MODULE_VERSION)
	@$(call check_version,$(PROMETHEUS_BIN),$(PROMETHEUS_VERSION))
	@$(call check_version,$(PROMTOOL_BIN),$(PROMETHEUS_VERSION))
	@rm -f $(TOOLS_STAMPS)/prometheus-*
	@touch $@

# Alertmanager embeds its web UI (`//go:embed app/dist`), but the module zip
# ships without the npm-built assets, so a plain `go install …@v0.35.0` fails.
# We build from a copy of the module source with a placeholder page in place
# of the UI; the API, amtool and notifications are unaffected.
ALERTMANAGER_SRC := $(TOOLS)/src/alertmanager-$(ALERTMANAGER_VERSION)

$(ALERTMANAGER_STAMP):
	@echo "building Alertmanager v$(ALERTMANAGER_VERSION) (first time takes 2–4 minutes)"
	@mkdir -p $(TOOLS_BIN) $(TOOLS_STAMPS) $(TOOLS)/src
	rm -rf $(ALERTMANAGER_SRC)
	cp -R "$$($(GO) mod download -json github.com/prometheus/alertmanager@v$(ALERTMANAGER_VERSION) \
		| sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p')" $(ALERTMANAGER_SRC)
	chmod -R u+w $(ALERTMANAGER_SRC)
	for ui in elm mantine; do \
		mkdir -p $(ALERTMANAGER_SRC)/ui/app/dist/$$ui; \
		echo '<!doctype html><title>Alertmanager</title><p>Web UI not built by ssebench; use the API or amtool.' \
			> $(ALERTMANAGER_SRC)/ui/app/dist/$$ui/index.html; \
	done
	cd $(ALERTMANAGER_SRC) && GOWORK=off GOFLAGS=-buildvcs=false GOBIN=$(TOOLS_BIN) $(GO) install \
		-ldflags '$(call prom_ldflags,$(ALERTMANAGER_VERSION))' ./cmd/alertmanager ./cmd/amtool
	@$(call check_version,$(ALERTMANAGER_BIN),$(ALERTMANAGER_VERSION))
	@rm -f $(TOOLS_STAMPS)/alertmanager-*
	@touch $@

# The base configuration must stay valid on its own (no rule files present yet
# is fine: an unmatched glob in rule_files is not an error).
check-prometheus-config: $(PROMETHEUS_STAMP)
	$(PROMTOOL_BIN) check config $(ROOT)/prometheus/prometheus.yml

DEPS_TARGETS += prometheus-tools alertmanager-tools
TEST_TARGETS += check-prometheus-config
