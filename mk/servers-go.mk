# The three Go proxies under test (servers/go-*). Each is its own Go module, so that its
# dependencies stay out of the root module; each builds into servers/<name>/bin/<name>,
# again only when its sources changed. servers/servers.yaml calls these targets.

GO_SERVERS := go-http go-gin go-fiber

define go_server_rules
.PHONY: server-$(1)
server-$(1): $(ROOT)/servers/$(1)/bin/$(1)
	@:

$(ROOT)/servers/$(1)/bin/$(1): $$(wildcard $(ROOT)/servers/$(1)/*.go) $(ROOT)/servers/$(1)/go.mod $$(wildcard $(ROOT)/servers/$(1)/go.sum)
	cd $(ROOT)/servers/$(1) && $$(GO) build -o bin/$(1) .
endef

$(foreach s,$(GO_SERVERS),$(eval $(call go_server_rules,$(s))))

BUILD_TARGETS += $(addprefix server-,$(GO_SERVERS))

# The root module's `go vet ./...` does not reach into these modules; vet and gofmt them here.
.PHONY: test-servers-go
test-servers-go:
	@for s in $(GO_SERVERS); do \
		( cd $(ROOT)/servers/$$s && $(GO) vet ./... ) || exit 1; \
		unformatted=$$(gofmt -l $(ROOT)/servers/$$s); \
		if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi; \
	done

TEST_TARGETS += test-servers-go
