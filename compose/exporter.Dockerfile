# ssebench-exporter for compose.yaml. Build from the repository root (the module's go.mod
# is there): docker build -f compose/exporter.Dockerfile -t ssebench-exporter .
# The final image is `scratch` holding one static binary. compose.yaml runs it as root
# with CAP_SYS_PTRACE in the host's PID namespace: reading another user's /proc/<pid>/fd
# and io needs both.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
COPY exporter/ exporter/
COPY internal/sse/ internal/sse/
# go build fetches only the modules the exporter imports, not the whole go.mod.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ssebench-exporter ./exporter/cmd/ssebench-exporter

FROM scratch
COPY --from=build /out/ssebench-exporter /ssebench-exporter
# Inside a container the exporter must listen beyond loopback for Prometheus to reach it.
ENV SSEBENCH_EXPORTER_WEB_LISTEN_ADDRESS=0.0.0.0:9877
EXPOSE 9877
ENTRYPOINT ["/ssebench-exporter"]
