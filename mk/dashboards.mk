# Grafana dashboards (dashboards/) and the HTML report (internal/report).
#
# `make dashboards` regenerates the committed dashboard JSON; a Go test fails when it is stale.
# Headless Chromium (Debian's package) opens the report in tests and for screenshots.

CHROMIUM_STAMP := $(TOOLS)/stamps/chromium-apt
REPORT_SCREENSHOT_DIR ?= $(ROOT)/report/screenshot

.PHONY: dashboards chromium report-screenshot

dashboards: ## regenerate dashboards/grafana/dashboards/*.json from the query catalog
	$(GO) run ./dashboards/cmd/gen --dir $(ROOT)/dashboards/grafana/dashboards

chromium: $(CHROMIUM_STAMP) ## install headless Chromium (Debian package) for the report tests

$(CHROMIUM_STAMP):
	@mkdir -p $(dir $@)
	@if ! command -v chromium >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; \
	fi
	@chromium --version
	@touch $@

report-screenshot: $(CHROMIUM_STAMP) ## render a sample report and screenshot it into report/screenshot/
	SSEBENCH_REPORT_SCREENSHOT_DIR=$(REPORT_SCREENSHOT_DIR) $(GO) test -count=1 -run 'TestReportOpensInChromium' ./internal/report/
	@echo "screenshot: $(REPORT_SCREENSHOT_DIR)/report.png"

# Only the report's rendering test needs it: a benchmark run does not.
TEST_DEPS_TARGETS += chromium
