// Package conformance holds, in its tests, the suite every proxy under test must pass:
// `go test ./servers/conformance/` builds and starts each server of servers/servers.yaml in
// front of the real stub and checks that it relays SSE streams correctly. See README.md.
package conformance
