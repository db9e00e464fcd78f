#!/usr/bin/env bash
# Load run of POST /v1/simulate on loopback with wrk, next to a baseline measured in the
# same run on the same server: GET /health/live (HTTP and threading only, no routing, no
# storage). Also runs /v1/simulate with sqlite synchronous=normal to show what the
# per-batch fsync costs.
#
# Usage: bench/simulate_load.sh [seconds=10] [connections=64]
# Needs: build/release/amaima (scripts/build release), wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections="${2:-64}"
binary=build/release/amaima
[ -x "$binary" ] || { echo "build first: scripts/build release" >&2; exit 1; }

work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

start_server() {
  rm -f "$work/port"
  env "$@" "$binary" serve --port 0 --data-dir "$work/data-$RANDOM" --ready-file "$work/port" \
    2>"$work/server.log" &
  pid=$!
  for _ in $(seq 1 300); do [ -s "$work/port" ] && break; sleep 0.05; done
  port=$(cat "$work/port")
}

stop_server() { kill -TERM "$pid"; wait "$pid" || true; }

run_wrk() {  # name, extra wrk args...
  local name="$1"; shift
  local out
  out=$(wrk -t1 -c"$connections" -d"${seconds}s" --latency "$@")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  local errors
  errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
  printf '%-34s %10s req/s   p50 %8s   p99 %8s  %s\n' "$name" "$rps" "$p50" "$p99" "$errors"
  echo "$rps" > "$work/$name.rps"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); wrk -t1 -c$connections -d${seconds}s on loopback"
start_server AMAIMA_OBSERVABILITY__LOG_LEVEL=warning
run_wrk health_live "http://127.0.0.1:$port/health/live"
run_wrk simulate_sync_full -s bench/simulate.lua "http://127.0.0.1:$port"
stop_server
start_server AMAIMA_OBSERVABILITY__LOG_LEVEL=warning AMAIMA_STORAGE__SQLITE_SYNCHRONOUS=normal
run_wrk simulate_sync_normal -s bench/simulate.lua "http://127.0.0.1:$port"
stop_server
awk -v a="$(cat "$work/simulate_sync_full.rps")" -v b="$(cat "$work/health_live.rps")" \
  'BEGIN {printf "ratio simulate(full)/health_live: %.2f\n", a / b}'
