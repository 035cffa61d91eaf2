# The exporter (exporter/): bin/ssebench-exporter, plus sysstat for its pidstat accuracy test.
GO_BINARIES  += ./exporter/cmd/ssebench-exporter
TEST_DEPS_TARGETS += deps-exporter

EXPORTER_SYSSTAT_STAMP := $(TOOLS)/stamps/exporter-sysstat

.PHONY: deps-exporter bench-exporter

deps-exporter: $(EXPORTER_SYSSTAT_STAMP) ## pidstat (Debian sysstat) for the exporter's accuracy test

# A failed install leaves no stamp (so the next make retries) and does not fail the build:
# the accuracy test then skips and says why.
$(EXPORTER_SYSSTAT_STAMP):
	@if command -v pidstat >/dev/null 2>&1; then \
	  mkdir -p $(dir $@) && touch $@; \
	elif (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sysstat) >/dev/null; then \
	  mkdir -p $(dir $@) && touch $@; \
	else \
	  echo "warning: could not install sysstat; the exporter's pidstat accuracy test will skip" >&2; \
	fi

bench-exporter: build ## the exporter's own CPU and RSS while scraped every second for 60 s
	$(ROOT)/exporter/bench/overhead.sh
