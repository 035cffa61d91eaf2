# Recording and alerting rules (prometheus/rules, generated from internal/catalog) and the
# Alertmanager configuration (prometheus/alertmanager.yml).

RULES_DIR := $(ROOT)/prometheus/rules

.PHONY: rules check-rules test-rules check-alertmanager-config

rules: ## regenerate prometheus/rules/ssebench.yml from the query catalog
	$(GO) run ./prometheus/rules/gen -o $(RULES_DIR)/ssebench.yml

check-rules: $(PROMETHEUS_STAMP) ## promtool check rules on the committed rule files
	$(PROMTOOL_BIN) check rules $(RULES_DIR)/*.yml

test-rules: $(PROMETHEUS_STAMP) ## promtool unit tests of every recording rule chain and alert
	$(PROMTOOL_BIN) test rules $(RULES_DIR)/tests/*_test.yml

check-alertmanager-config: $(ALERTMANAGER_STAMP) ## amtool check-config on prometheus/alertmanager.yml
	$(AMTOOL_BIN) check-config $(ROOT)/prometheus/alertmanager.yml

TEST_TARGETS += check-rules test-rules
TEST_TARGETS += check-alertmanager-config
