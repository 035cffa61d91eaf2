# k6/ — the scripts for real k6. The k6 binary is not needed here: `make test` type-checks
# them with TypeScript against @types/k6, both pinned in k6/package-lock.json.

K6_DIR   := $(ROOT)/k6
K6_STAMP := $(K6_DIR)/node_modules/.npm-ci.stamp

# npm ci wipes node_modules, so the stamp inside it is always as new as the install.
$(K6_STAMP): $(K6_DIR)/package.json $(K6_DIR)/package-lock.json
	cd $(K6_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

.PHONY: test-k6
test-k6: $(K6_STAMP) ## type-check the k6 scripts (k6/*.ts) against @types/k6
	cd $(K6_DIR) && npx --no-install tsc --noEmit -p .

TEST_DEPS_TARGETS += $(K6_STAMP)
TEST_TARGETS += test-k6
