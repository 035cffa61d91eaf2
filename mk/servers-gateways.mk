# Real gateways as servers under test (servers/nginx, servers/haproxy, servers/caddy,
# servers/portkey and the opt-in pitfall rows servers/nginx-defaults, servers/caddy-encode).
# Each is project-local under .tools/ (or the server's node_modules), pinned and cached:
#
#   nginx 1.22.1, HAProxy 2.6.12   Debian 12 (bookworm)'s own packages: `apt-get download` of an
#                                  exact Debian version (the machine's apt lists; no root, nothing
#                                  installed), unpacked with `dpkg-deb -x` into .tools/<name>-<version>/
#   Caddy v2.11.9                  `go install …/cmd/caddy@v2.11.9` into .tools/caddy-2.11.9/bin
#   Portkey gateway 1.15.2         npm ci in servers/portkey (with Bun 1.4.4 from npm), by
#                                  mk/servers-other.mk's servers/%/node_modules/.installed rule
#
# Stamps live in .tools/stamps/ as in mk/tools.mk: the stamp's name carries the version
# (the Debian revision for the .debs), so bumping a version below rebuilds, a second run does
# nothing, and a stamp whose binary is gone does not count. Each target checks that the
# binary reports the pinned upstream version and fails loudly otherwise.
#
# Debian's security archive keeps only the newest revision of a package: when a new
# nginx or haproxy security update lands, `apt-get download` of the pinned revision fails.
# The message says so; bump *_DEB_VERSION to what `apt-cache policy nginx haproxy` shows
# (after `apt-get update`), the upstream version stays the same within bookworm.

NGINX_VERSION       := 1.22.1
NGINX_DEB_VERSION   := 1.22.1-9+deb12u12
HAPROXY_VERSION     := 2.6.12
HAPROXY_DEB_VERSION := 2.6.12-1+deb12u4
# HAProxy's shared libraries that a bare bookworm (or this machine) may lack.
HAPROXY_LIB_DEBS    := liblua5.3-0=5.3.6-2 libopentracing-c-wrapper0=1.1.3-3+b1 libopentracing1=1.6.0-4
CADDY_VERSION       := 2.11.9

NGINX_DIR   := $(TOOLS)/nginx-$(NGINX_VERSION)
HAPROXY_DIR := $(TOOLS)/haproxy-$(HAPROXY_VERSION)
CADDY_DIR   := $(TOOLS)/caddy-$(CADDY_VERSION)
NGINX_BIN   := $(NGINX_DIR)/usr/sbin/nginx
HAPROXY_BIN := $(HAPROXY_DIR)/usr/sbin/haproxy
CADDY_BIN   := $(CADDY_DIR)/bin/caddy
# servers.yaml's env for haproxy points here too (${ROOT}/.tools/haproxy-2.6.12/usr/lib/x86_64-linux-gnu).
HAPROXY_LIBDIR = $(HAPROXY_DIR)/usr/lib/$(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

GATEWAY_STAMPS := $(TOOLS)/stamps
NGINX_STAMP    := $(GATEWAY_STAMPS)/nginx-$(NGINX_DEB_VERSION)
HAPROXY_STAMP  := $(GATEWAY_STAMPS)/haproxy-$(HAPROXY_DEB_VERSION)
CADDY_STAMP    := $(GATEWAY_STAMPS)/caddy-$(CADDY_VERSION)

GATEWAY_TARGETS := server-nginx server-haproxy server-caddy server-portkey
# Each cached no-op run takes well under a second (a stamp, or the .installed file).
BUILD_TARGETS   += $(GATEWAY_TARGETS)

.PHONY: $(GATEWAY_TARGETS)

# A stamp without its binary must not count.
ifeq ($(wildcard $(NGINX_BIN)),)
.PHONY: $(NGINX_STAMP)
endif
ifeq ($(wildcard $(HAPROXY_BIN)),)
.PHONY: $(HAPROXY_STAMP)
endif
ifeq ($(wildcard $(CADDY_BIN)),)
.PHONY: $(CADDY_STAMP)
endif

server-nginx: $(NGINX_STAMP) ## nginx 1.22.1 from Debian bookworm's .debs into .tools/ (servers/nginx, nginx-defaults)
server-haproxy: $(HAPROXY_STAMP) ## HAProxy 2.6.12 from Debian bookworm's .debs into .tools/ (servers/haproxy)
server-caddy: $(CADDY_STAMP) ## Caddy v2.11.9 built with go install into .tools/ (servers/caddy, caddy-encode)
server-portkey: servers/portkey/node_modules/.installed ## Portkey AI gateway 1.15.2 and Bun 1.4.4 from npm into its node_modules

# $(call deb_fetch,DIR,PACKAGE=VERSION …): download the exact .debs into DIR/debs (the
# machine's apt lists, no root) and unpack them into DIR/root.new, then DIR. When the pinned
# revision is gone from the archive (a newer security update replaced it), the release's
# current revision is taken with a warning: the binary's upstream version is checked after.
define deb_fetch
	@command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { \
		echo "$(notdir $(1)): needs apt-get and dpkg-deb (a Debian-based machine)" >&2; exit 1; }
	rm -rf $(1).new && mkdir -p $(1).new/debs $(GATEWAY_STAMPS)
	cd $(1).new/debs && { apt-get -q download $(2) >../download.log 2>&1 || { \
		echo "$(notdir $(1)): apt-get cannot download the pinned $(2); trying the release's current revision" >&2; \
		echo "  (Debian's security archive keeps only the newest: bump the *_DEB_VERSION in mk/servers-gateways.mk" >&2; \
		echo "  to what apt-cache policy shows; the upstream version is still checked below)" >&2; \
		apt-get -q download $(foreach p,$(2),$(firstword $(subst =, ,$(p)))) >>../download.log 2>&1; }; } || { \
		cat $(1).new/download.log >&2; \
		echo "$(notdir $(1)): apt-get cannot download $(2): are the apt lists old (apt-get update)?" >&2; \
		exit 1; }
	for deb in $(1).new/debs/*.deb; do dpkg-deb -x "$$deb" $(1).new; done
	rm -rf $(1).new/usr/share/doc $(1).new/usr/share/man
	rm -rf $(1) && mv $(1).new $(1)
endef

$(NGINX_STAMP):
	@echo "server-nginx: nginx $(NGINX_DEB_VERSION) (Debian bookworm) into $(NGINX_DIR)"
	$(call deb_fetch,$(NGINX_DIR),nginx=$(NGINX_DEB_VERSION) nginx-common=$(NGINX_DEB_VERSION))
	@$(NGINX_BIN) -v 2>&1 | grep -qx 'nginx version: nginx/$(NGINX_VERSION)' \
		|| { echo "$(NGINX_BIN) does not report version $(NGINX_VERSION):" >&2; $(NGINX_BIN) -v; exit 1; }
	@rm -f $(GATEWAY_STAMPS)/nginx-*
	@touch $@

$(HAPROXY_STAMP):
	@echo "server-haproxy: HAProxy $(HAPROXY_DEB_VERSION) (Debian bookworm) into $(HAPROXY_DIR)"
	$(call deb_fetch,$(HAPROXY_DIR),haproxy=$(HAPROXY_DEB_VERSION) $(HAPROXY_LIB_DEBS))
	@LD_LIBRARY_PATH=$(HAPROXY_LIBDIR) $(HAPROXY_BIN) -v 2>&1 | head -n1 | grep -q '^HAProxy version $(HAPROXY_VERSION)-' \
		|| { echo "$(HAPROXY_BIN) does not report version $(HAPROXY_VERSION):" >&2; \
			LD_LIBRARY_PATH=$(HAPROXY_LIBDIR) $(HAPROXY_BIN) -v; exit 1; }
	@rm -f $(GATEWAY_STAMPS)/haproxy-*
	@touch $@

# A cold build (module download, then compiling some 500 packages) takes about 2 minutes here.
# Installed this way Caddy is the main module, not a dependency, and `caddy version` would
# say "unknown" (it looks for itself among the dependencies); CustomVersion gives it the
# version the release binaries print, and `go version -m` checks the module really is it.
$(CADDY_STAMP):
	@echo "server-caddy: Caddy v$(CADDY_VERSION) into $(CADDY_DIR) (first time takes minutes)"
	@mkdir -p $(CADDY_DIR)/bin $(GATEWAY_STAMPS)
	GOBIN=$(CADDY_DIR)/bin $(GO) install -ldflags '-X github.com/caddyserver/caddy/v2.CustomVersion=v$(CADDY_VERSION)' \
		github.com/caddyserver/caddy/v2/cmd/caddy@v$(CADDY_VERSION)
	@$(GO) version -m $(CADDY_BIN) | grep -Eq '^[[:space:]]+mod[[:space:]]+github.com/caddyserver/caddy/v2[[:space:]]+v$(CADDY_VERSION)[[:space:]]' \
		&& $(CADDY_BIN) version 2>&1 | grep -qx 'v$(CADDY_VERSION)' \
		|| { echo "$(CADDY_BIN) does not report version v$(CADDY_VERSION):" >&2; \
			$(CADDY_BIN) version >&2; $(GO) version -m $(CADDY_BIN) | sed -n 2,3p >&2; exit 1; }
	@rm -f $(GATEWAY_STAMPS)/caddy-*
	@touch $@
