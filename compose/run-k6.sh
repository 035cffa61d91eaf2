#!/bin/sh
# One ssebench benchmark run with real k6, inside the compose network (the k6 service of
# compose.yaml runs it): every scenario against every server in turn, all under one
# testid, each k6 run pushing its metrics to Prometheus by remote write.
#
#   docker compose --profile bench run --rm k6                     # every server
#   docker compose --profile bench run --rm k6 go-http rust-axum   # only these
#
# Environment: TESTID (default: the UTC time, 20260626-120000, as `ssebench run` makes
# them), SCENARIOS (default "baseline stress"), SETTLE_SECONDS (pause after each load run
# so the last pushes and scrapes land before the next server starts, default 5),
# READY_SECONDS (how long to wait for a server's /healthz, default 120). The
# K6_PROMETHEUS_RW_* variables come from compose.yaml.
set -eu

# name:port of every server, in servers/servers.yaml's order; the ports are the PORT
# values of compose.yaml. internal/composecheck keeps all three in step.
SERVERS="go-http:8081 go-gin:8082 go-fiber:8083 bun-http:8084 bun-hono:8085 rust-http:8086 rust-hyper:8087 rust-actix:8088 rust-axum:8089"

K6_SCRIPT=/ssebench/k6/sse.ts

testid=${TESTID:-$(date -u +%Y%m%d-%H%M%S)}
scenarios=${SCENARIOS:-baseline stress}
settle=${SETTLE_SECONDS:-5}
ready=${READY_SECONDS:-120}

log() { printf '%s run-k6: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# port_of NAME prints the server's port, or fails for a name that is not a server.
port_of() {
	for entry in $SERVERS; do
		if [ "${entry%%:*}" = "$1" ]; then
			echo "${entry#*:}"
			return 0
		fi
	done
	return 1
}

# wait_ready URL polls a /healthz until it answers or READY_SECONDS pass.
wait_ready() {
	deadline=$(($(date +%s) + ready))
	until wget -q -T 2 -O /dev/null "$1" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			return 1
		fi
		sleep 1
	done
}

selected=""
if [ "$#" -gt 0 ]; then
	for name in "$@"; do
		if ! port_of "$name" >/dev/null; then
			log "unknown server \"$name\"; the servers are: $(for e in $SERVERS; do printf '%s ' "${e%%:*}"; done)"
			exit 2
		fi
		selected="$selected $name"
	done
else
	for entry in $SERVERS; do selected="$selected ${entry%%:*}"; done
fi

log "testid $testid, scenarios: $scenarios, servers:$selected"
start=$(date +%s)
failed=""
for name in $selected; do
	port=$(port_of "$name")
	target="http://$name:$port"
	if ! wait_ready "$target/healthz"; then
		log "$name: $target/healthz did not answer within ${ready}s; skipped"
		failed="$failed $name"
		continue
	fi
	for scenario in $scenarios; do
		log "$name: $scenario"
		if ! k6 run --quiet -o experimental-prometheus-rw \
			-e TARGET="$target" -e SERVER="$name" -e SCENARIO="$scenario" -e TESTID="$testid" \
			"$K6_SCRIPT"; then
			log "$name: $scenario: k6 failed"
			failed="$failed $name/$scenario"
		fi
		sleep "$settle"
	done
done
end=$(date +%s)

log "done: testid $testid"
log "Grafana: http://localhost:3000/d/ssebench-run?var-testid=$testid&from=$((start * 1000))&to=$((end * 1000))"
if [ -n "$failed" ]; then
	log "failed:$failed"
	exit 1
fi
