#!/usr/bin/env bash
# The exporter's own cost while Prometheus would scrape it: eight listening targets (idle
# copies of the exporter itself, so nothing else is needed), /metrics fetched once a second
# for DURATION seconds (default 60). Prints the exporter's CPU as % of one core — the median
# of 10-second windows (CPU time comes in 10 ms ticks, so one second alone cannot resolve
# a fraction of a percent) and the mean over the whole run — and its resident memory,
# sampled every second.
#
#   make bench-exporter          or          DURATION=20 exporter/bench/overhead.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
EXPORTER="${EXPORTER:-$ROOT/bin/ssebench-exporter}"
DURATION="${DURATION:-60}"
BASE_PORT="${BASE_PORT:-19870}"   # targets on BASE_PORT+1..+8, the measured exporter on BASE_PORT
HZ="$(getconf CLK_TCK)"

[[ -x "$EXPORTER" ]] || { echo "overhead.sh: $EXPORTER not built (run make build)" >&2; exit 1; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

targets=()
for i in 1 2 3 4 5 6 7 8; do
  port=$((BASE_PORT + i))
  "$EXPORTER" --web.listen-address="127.0.0.1:$port" --log.level=warn &
  pids+=($!)
  targets+=("--target=target$i:port=$port")
done
"$EXPORTER" --web.listen-address="127.0.0.1:$BASE_PORT" --log.level=warn "${targets[@]}" &
exporter=$!
pids+=("$exporter")

url="http://127.0.0.1:$BASE_PORT/metrics"
for _ in $(seq 100); do curl -fsS -o /dev/null "$url" 2>/dev/null && break; sleep 0.1; done
curl -fsS "$url" | grep -q '^ssebench_process_up{server="target8"} 1' \
  || { echo "overhead.sh: the exporter does not see its targets" >&2; exit 1; }

cpu_ticks() { awk '{ i = index($0, ") "); split(substr($0, i + 2), f, " "); print f[12] + f[13] }' "/proc/$exporter/stat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$exporter/status"; }

WINDOW=10
samples="$(mktemp)"; rss_samples="$(mktemp)"
start_ticks="$(cpu_ticks)"; start_ns="$(date +%s%N)"
prev_ticks="$start_ticks"; prev_ns="$start_ns"
for ((s = 1; s <= DURATION; s++)); do
  curl -fsS -o /dev/null "$url"
  sleep "$(awk -v n="$(date +%s%N)" -v s="$start_ns" -v k="$s" 'BEGIN { d = (s + k * 1e9 - n) / 1e9; print (d > 0 ? d : 0) }')"
  rss_kb >> "$rss_samples"
  if ((s % WINDOW == 0)); then
    now_ticks="$(cpu_ticks)"; now_ns="$(date +%s%N)"
    awk -v dt="$((now_ticks - prev_ticks))" -v dn="$((now_ns - prev_ns))" -v hz="$HZ" \
      'BEGIN { printf "%.4f\n", 100 * dt / hz / (dn / 1e9) }' >> "$samples"
    prev_ticks="$now_ticks"; prev_ns="$now_ns"
  fi
done
end_ticks="$(cpu_ticks)"; end_ns="$(date +%s%N)"
scrape_ms="$(curl -fsS "$url" | awk '/^ssebench_exporter_collector_duration_seconds/ { s += $2 } END { printf "%.2f", s * 1000 }')"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
cpu_median="$(median < "$samples")"
rss_median="$(median < "$rss_samples")"
rss_max="$(sort -n "$rss_samples" | tail -1)"
cpu_mean="$(awk -v dt="$((end_ticks - start_ticks))" -v dn="$((end_ns - start_ns))" -v hz="$HZ" 'BEGIN { printf "%.3f", 100 * dt / hz / (dn / 1e9) }')"
rm -f "$samples" "$rss_samples"

printf 'exporter overhead: 8 targets, scraped every 1 s for %d s (%s)\n' "$DURATION" "$(uname -r)"
printf '  CPU      median %.2f %% of one core over %d-s windows, mean %s %% over the run (goal <= 0.5 %%)\n' "$cpu_median" "$WINDOW" "$cpu_mean"
printf '  RSS      median %.1f MB, max %.1f MB (goal <= 25 MB)\n' "$(awk -v k="$rss_median" 'BEGIN { print k * 1024 / 1e6 }')" "$(awk -v k="$rss_max" 'BEGIN { print k * 1024 / 1e6 }')"
printf '  scrape   %s ms spent in the collectors on the last scrape (wall time)\n' "$scrape_ms"
