// Package composecheck validates compose.yaml and the files it mounts without a Docker
// engine: the project loads and normalises with compose-go, every path it names exists,
// the server lists of servers/servers.yaml, compose.yaml, compose/run-k6.sh, the compose
// Prometheus configuration and the compose exporter configuration agree, and the
// Prometheus and Alertmanager configurations pass promtool and amtool. Nothing here
// starts a container; passing tests say the files are consistent, not that the stack ran.
package composecheck
