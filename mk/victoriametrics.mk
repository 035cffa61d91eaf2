# VictoriaMetrics single-node, built from its Go module into $(TOOLS_BIN), for the
# long-term-store test only (internal/storecheck): `make bench` does not need it.
#
# As for Prometheus (mk/tools.mk), the stamp's NAME carries the version, so bumping it
# rebuilds, and a second `make deps-test` at the same version does nothing. `go install
# module@version` builds it in module mode of its own (VictoriaMetrics' go.mod, not ours).
# CGO_ENABLED=0 is upstream's "-pure" build (no C compiler needed). The ldflag sets the
# version string that upstream's release build stamps, so `-version` names the release.

VICTORIAMETRICS_VERSION := v1.151.0
VICTORIAMETRICS_STAMP   := $(TOOLS)/stamps/victoria-metrics-$(VICTORIAMETRICS_VERSION)
VICTORIAMETRICS_BIN     := $(TOOLS_BIN)/victoria-metrics

ifeq ($(wildcard $(VICTORIAMETRICS_BIN)),)
.PHONY: $(VICTORIAMETRICS_STAMP)
endif

.PHONY: victoriametrics
victoriametrics: $(VICTORIAMETRICS_STAMP) ## build the pinned VictoriaMetrics single-node (for internal/storecheck)

$(VICTORIAMETRICS_STAMP):
	@echo "building VictoriaMetrics $(VICTORIAMETRICS_VERSION) (first time takes about a minute)"
	@mkdir -p $(TOOLS_BIN) $(TOOLS)/stamps
	GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 GOBIN=$(TOOLS_BIN) $(GO) install \
		-ldflags "-X github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=victoria-metrics-$(shell date -u +%Y%m%d-%H%M%S)-tags-$(VICTORIAMETRICS_VERSION)-0-ggo-install" \
		github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics@$(VICTORIAMETRICS_VERSION)
	@$(VICTORIAMETRICS_BIN) -version | grep -q -- '-tags-$(VICTORIAMETRICS_VERSION)-' \
		|| { echo "$(VICTORIAMETRICS_BIN) does not report $(VICTORIAMETRICS_VERSION):" >&2; $(VICTORIAMETRICS_BIN) -version >&2; exit 1; }
	@rm -f $(TOOLS)/stamps/victoria-metrics-*
	@touch $@

TEST_DEPS_TARGETS += $(VICTORIAMETRICS_STAMP)
