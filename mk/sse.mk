# The SSE parser (internal/sse). Its tests and fuzz seeds run in `make test`;
# these targets are for a longer fuzz run and the parser's benchmarks.
SSE_FUZZTIME ?= 60s

.PHONY: fuzz-sse bench-sse

fuzz-sse: ## fuzz the SSE parser for $(SSE_FUZZTIME) (split reads vs whole stream vs reference)
	cd $(ROOT)/internal/sse && $(GO) test -run '^$$' -fuzz '^FuzzParser$$' -fuzztime $(SSE_FUZZTIME) .

bench-sse: ## SSE parser benchmarks (ns/op, MB/s, allocs/event), five runs each
	cd $(ROOT)/internal/sse && $(GO) test -run '^$$' -bench . -benchmem -count 5 .
