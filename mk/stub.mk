# The mock LLM stub (stub/, its handler in internal/stub): the binary is bin/stub, built by `make build`.
GO_BINARIES += ./stub/cmd/stub

STUB_BENCH_COUNT ?= 5

.PHONY: run-stub bench-stub

run-stub: build ## run the mock LLM on 127.0.0.1:18080 (flags: STUB_ARGS="--profile realistic")
	$(BIN)/stub $(STUB_ARGS)

bench-stub: ## stub handler benchmarks (streams/s, allocs per stream); medians need -count=5
	$(GO) test -run '^$$' -bench . -count $(STUB_BENCH_COUNT) ./internal/stub/
