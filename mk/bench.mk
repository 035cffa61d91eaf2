# Benchmarks of ssebench itself (bench/). Figures, never pass/fail.
WRK_STAMP := $(TOOLS)/stamps/wrk

$(WRK_STAMP):
	@mkdir -p $(TOOLS)/stamps
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	@touch $@

.PHONY: bench-load
bench-load: build server-go-http server-go-gin server-go-fiber $(WRK_STAMP) ## load generator cost vs wrk, and the stub's headroom over the fastest Go proxy
	$(GO) run ./bench/loadcost
