# Recording and alerting rules (prometheus/rules, generated from internal/catalog) and the
# Alertmanager configuration (prometheus/alertmanager.yml).

# Prerequisites name tools.mk's targets, not its variables: mk/*.mk are included in
# alphabetical order, so tools.mk's variables are not yet defined when this file is read.
RULES_DIR := $(ROOT)/prometheus/rules

.PHONY: rules check-rules test-rules check-alertmanager-config

rules: ## regenerate prometheus/rules/ssebench.yml from the query catalog
	$(GO) run ./prometheus/rules/gen -o $(RULES_DIR)/ssebench.yml

check-rules: prometheus-tools ## promtool check rules on the committed rule files
	$(PROMTOOL_BIN) check rules $(RULES_DIR)/*.yml

test-rules: prometheus-tools ## promtool unit tests of every recording rule chain and alert
	$(PROMTOOL_BIN) test rules $(RULES_DIR)/tests/*_test.yml

check-alertmanager-config: alertmanager-tools ## amtool check-config on prometheus/alertmanager.yml
	$(AMTOOL_BIN) check-config $(ROOT)/prometheus/alertmanager.yml

TEST_TARGETS += check-rules test-rules
TEST_TARGETS += check-alertmanager-config
