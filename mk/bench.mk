# Benchmarks of ssebench itself (bench/). Figures, never pass/fail. wrk is installed by
# bench-load alone: neither `make bench` nor the tests use it.
WRK_STAMP := $(TOOLS)/stamps/wrk

$(WRK_STAMP):
	@mkdir -p $(TOOLS)/stamps
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	@touch $@

LOADCOST_FLAGS ?=

.PHONY: bench-load
bench-load: build server-go-http server-go-gin server-go-fiber $(WRK_STAMP) ## load generator cost vs wrk, and the stub's headroom over the fastest Go proxy
	$(GO) run ./bench/loadcost $(LOADCOST_FLAGS)

# The noise of ssebench's own verdict: the same servers × NOISE_TRIALS interleaved trials,
# then the coefficient of variation across trials per metric and whether the ranking held.
# NOISE_FLAGS=--quick-factor=0.25 shortens every scenario (less time, more noise).
NOISE_SERVERS ?= go-http,rust-hyper
NOISE_TRIALS  ?= 5
NOISE_FLAGS   ?=

.PHONY: bench-noise
bench-noise: deps build ## across-trial CV of req/s and CPU per stream, and whether the ranking held (2 servers × 5 trials)
	id=noise-$$(date -u +%Y%m%d-%H%M%S); \
	$(BIN)/ssebench run --servers $(NOISE_SERVERS) --scenarios stress,efficiency --trials $(NOISE_TRIALS) \
		--no-report --testid $$id $(NOISE_FLAGS) && \
	$(GO) run ./bench/noise $(ROOT)/report/$$id/results.json

# Side by side, three times in a row: every server, direct and the A/A control loaded at once,
# then each CPU ratio's interval per run and whether every pair that each run separates kept
# its order in all three. DUET_FLAGS=--duet-budget=2m shortens it.
DUET_RUNS  ?= 3
DUET_FLAGS ?=

.PHONY: bench-duet
bench-duet: deps build ## every server side by side, 3 runs: each CPU ratio's interval and whether the order held
	stamp=duet-$$(date -u +%Y%m%d-%H%M%S); files=; \
	for i in $$(seq 1 $(DUET_RUNS)); do \
		$(BIN)/ssebench run --scenarios duet --no-report --testid $$stamp-r$$i $(DUET_FLAGS) || exit 1; \
		files="$$files $(ROOT)/report/$$stamp-r$$i/results.json"; \
	done; \
	$(GO) run ./bench/duet $$files

# The failure modes under load (README's "Failure modes under load"): every server and direct
# in the cancel, slow-readers (with its control) and idle-streams scenarios, 3 trials at a
# fifth of their length: about 45 min on 2 cores. FAILURE_FLAGS=--servers=go-http,nginx narrows it.
FAILURE_FLAGS ?= --trials 3 --quick-factor 0.2

.PHONY: bench-failures
bench-failures: deps build ## clients that cancel, read slowly, hold idle streams: every server, 3 trials (~45 min)
	$(BIN)/ssebench run --scenarios cancel,slow-readers,idle-streams $(FAILURE_FLAGS)

# The realistic workload (Poisson arrivals, lognormal lengths, paired across servers): the
# cost table over 3 trials and every server's capacity on goodput and on p99 TTFT, then side
# by side, as README's "What a stream costs under realistic traffic" and "Does the ranking
# depend on the traffic's shape?" were measured: about 55 min on 2 cores.
# REALISTIC_FLAGS=--servers=go-http,nginx narrows both runs.
REALISTIC_FLAGS ?=

.PHONY: bench-realistic
bench-realistic: deps build ## realistic traffic: cost table (3 trials), capacity sweep, side by side (~55 min)
	$(BIN)/ssebench run --scenarios realistic,sweep --trials 3 --sweep-start 200 --sweep-step 5s $(REALISTIC_FLAGS)
	$(BIN)/ssebench run --scenarios duet --duet-workload realistic --duet-rate 5 --duet-budget 3m $(REALISTIC_FLAGS)
