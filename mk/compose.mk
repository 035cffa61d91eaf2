# compose.yaml: validated without a Docker engine (internal/composecheck, run by `go test
# ./...`). Its tests need promtool and amtool (mk/tools.mk), and BusyBox, whose ash is the
# shell of the grafana/k6 image that runs compose/run-k6.sh. shellcheck lints that script.

COMPOSE_DEBS := busybox shellcheck
COMPOSE_SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

TEST_DEPS_TARGETS += deps-compose
TEST_TARGETS += test-compose-script

.PHONY: deps-compose test-compose-script compose-check

deps-compose: ## BusyBox and shellcheck for the compose runner script's tests (apt-get, only when missing)
	@dpkg -s $(COMPOSE_DEBS) >/dev/null 2>&1 || { \
		$(COMPOSE_SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(COMPOSE_SUDO) apt-get install -y -qq --no-install-recommends $(COMPOSE_DEBS) >/dev/null; }

test-compose-script: deps-compose ## shellcheck compose/run-k6.sh as POSIX sh (BusyBox ash runs it in the k6 image)
	shellcheck --shell=sh --severity=style $(ROOT)/compose/run-k6.sh

compose-check: deps-compose ## validate compose.yaml and everything it mounts (no Docker needed; nothing is started)
	$(GO) test -count=1 ./internal/composecheck/

# compose.yaml, compose/exporter.yml, prometheus/compose/prometheus.yml,
# prometheus/compose/server-info.yml, compose/run-k6.sh and compose/rendered/ are generated from servers/servers.yaml (compose/templates); a test
# in ./compose fails when one is stale.
.PHONY: compose-files generate

compose-files: ## regenerate the compose stack's server lists and rendered configs from servers/servers.yaml
	$(GO) run ./compose/cmd/gen

generate: compose-files dashboards ## regenerate every generated file (compose files, dashboards)
