#!/usr/bin/env bash
# AMAIMA in front of a fast loopback upstream, against the same upstream directly and
# against nginx proxy_pass in front of it, in one run on one machine:
#   - nginx serves a fixed chat completion and a fixed 8-chunk SSE stream (the "upstream");
#   - nginx proxy_pass (a second nginx process, keep-alive to the upstream) is the reference
#     gateway;
#   - AMAIMA (release build, execution-enabled, model pinned, an API key, rate limits on)
#     authenticates, routes, records the decision, executes against the upstream, answers,
#     and records the usage and an audit row.
# Reports p50/p99 at 1 connection (added latency), requests/s at 32 connections (ratio to
# proxy_pass), time to first byte of streams (curl, sequential), and for every run the CPU
# time the serving process spent per request.
#
# Usage: bench/gateway_load.sh [seconds=10]
# Needs: build/release/amaima (scripts/build release), wrk, curl, nginx (installed if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
binary=build/release/amaima
[ -x "$binary" ] || { echo "build first: scripts/build release" >&2; exit 1; }
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends nginx-light
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d)
pids=()
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then  # show what the servers said before their logs go
    for log in "$work"/*.log; do [ -s "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }; done
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
upstream_port=$(free_port)
proxy_port=$(free_port)

completion='{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"The capital of France is Paris."},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":14,"completion_tokens":8,"total_tokens":22}}'
sse=""
chunk() { printf 'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}]}\n\n' "$1" "$2"; }
sse+=$(chunk '{"role":"assistant","content":""}' null)$'\n\n'
for word in The capital of France is Paris.; do sse+=$(chunk "{\"content\":\" $word\"}" null)$'\n\n'; done
sse+=$(chunk '{}' '"stop"')$'\n\n'
sse+=$(printf 'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":14,"completion_tokens":8,"total_tokens":22}}')$'\n\n'
sse+='data: [DONE]'$'\n\n'
escape() { python3 -c 'import sys,json; print(json.dumps(sys.stdin.read())[1:-1].replace("$","\\$"))'; }

# Two nginx processes, one worker each without a master (so that the process started is the
# one that works, and its CPU time can be read): the upstream, and the reference gateway.
write_nginx_conf() {  # name, the http block's servers (stdin): writes $work/<name>.conf
  { printf 'master_process off;\nworker_processes 1;\npid %s/%s.pid;\n' "$work" "$1"
    printf 'error_log %s/%s-error.log warn;\nevents { worker_connections 4096; }\n' "$work" "$1"
    printf 'http {\n  access_log off;\n  keepalive_requests 1000000;\n'
    cat
    printf '}\n'; } > "$work/$1.conf"
}
write_nginx_conf upstream <<NGINX
  server {
    listen 127.0.0.1:$upstream_port;
    location /v1/chat/completions {
      if (\$http_accept = "text/event-stream") { rewrite ^ /sse last; }
      default_type application/json;
      return 200 "$(printf '%s' "$completion" | escape)";
    }
    location = /sse {
      default_type text/event-stream;
      return 200 "$(printf '%s' "$sse" | escape)";
    }
  }
NGINX
write_nginx_conf proxy <<NGINX
  upstream model { server 127.0.0.1:$upstream_port; keepalive 64; }
  server {
    listen 127.0.0.1:$proxy_port;
    location / {
      proxy_pass http://model;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
NGINX
declare -A server_pid  # port -> the process serving it, for its CPU time
"$nginx_bin" -p "$work" -c "$work/upstream.conf" -g 'daemon off;' >/dev/null 2>"$work/upstream.stderr" &
pids+=($!); server_pid[$upstream_port]=$!
"$nginx_bin" -p "$work" -c "$work/proxy.conf" -g 'daemon off;' >/dev/null 2>"$work/proxy.stderr" &
pids+=($!); server_pid[$proxy_port]=$!

# Every request carries the bootstrap admin key (the same header goes to nginx, which ignores
# it). Rate limiting stays on, with limits far above what the run can reach, so that its cost
# is part of what is measured.
api_key="amk_gateway-benchmark-key-0123456789"
start_amaima() {  # name, extra env...
  local name="$1"; shift
  env AMAIMA_EXECUTION_MODE=execution-enabled AMAIMA_ADMIN_API_KEY="$api_key" \
      AMAIMA_API__RATE_LIMITING__DEFAULT_REQUESTS_PER_MINUTE=1000000000 \
      AMAIMA_API__RATE_LIMITING__DEFAULT_REQUESTS_PER_HOUR=1000000000 \
      AMAIMA_API__RATE_LIMITING__IP_REQUESTS_PER_MINUTE=1000000000 \
      AMAIMA_API__RATE_LIMITING__IP_REQUESTS_PER_HOUR=1000000000 \
      AMAIMA_PROVIDERS__OPENAI__BASE_URL="http://127.0.0.1:$upstream_port/v1" \
      AMAIMA_OBSERVABILITY__LOG_LEVEL=warning "$@" \
      "$binary" serve --port 0 --data-dir "$work/data-$name" --ready-file "$work/$name.port" \
      >"$work/$name.out" 2>"$work/$name.log" &
  pids+=($!)
  for _ in $(seq 1 300); do [ -s "$work/$name.port" ] && break; sleep 0.05; done
  server_pid[$(cat "$work/$name.port")]=$!
}
start_amaima full
start_amaima normal AMAIMA_STORAGE__SQLITE_SYNCHRONOUS=normal
amaima_port=$(cat "$work/full.port")
amaima_normal_port=$(cat "$work/normal.port")
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$proxy_port/v1/chat/completions" -d '{}' && break; sleep 0.05; done

to_us() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); print v} else if (v ~ /ms$/) {sub(/ms/,"",v); print v*1000} else if (v ~ /s$/) {sub(/s/,"",v); print v*1000000} }'; }
declare -A rps p50 p99 cpu
failures=()
ticks_per_s=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # user + system, every thread
run() {  # name, connections, port, stream(0|1)
  local out before after
  before=$(cpu_ticks "${server_pid[$3]}")
  out=$(STREAM="$4" API_KEY="$api_key" wrk -t1 -c"$2" -d"${seconds}s" --latency -s bench/chat_post.lua \
        "http://127.0.0.1:$3/v1/chat/completions")
  after=$(cpu_ticks "${server_pid[$3]}")
  rps[$1]=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  # CPU time the serving process spent per request (the gateway's own cost; wrk and the
  # upstream are not counted).
  cpu[$1]=$(awk -v t=$((after - before)) -v hz="$ticks_per_s" -v r="${rps[$1]}" -v s="$seconds" \
    'BEGIN {printf "%.1f", t * 1e6 / hz / (r * s)}')
  p50[$1]=$(echo "$out" | awk '$1=="50%" {print $2}' | to_us)
  p99[$1]=$(echo "$out" | awk '$1=="99%" {print $2}' | to_us)
  local errors; errors=$(echo "$out" | awk '/Non-2xx|Socket errors/' | tr '\n' ' ')
  if [ -n "$errors" ]; then failures+=("$1: $errors"); fi
  printf '%-28s c=%-3s %10s req/s   p50 %8.1f us   p99 %8.1f us   cpu %6.1f us/req  %s\n' \
    "$1" "$2" "${rps[$1]}" "${p50[$1]}" "${p99[$1]}" "${cpu[$1]}" "$errors"
}
ttfb() {  # port: median time to first byte (us) of 300 sequential streamed requests
  for _ in $(seq 1 300); do
    curl -s -o /dev/null -w '%{time_starttransfer}\n' -H 'Content-Type: application/json' \
      -H 'Accept: text/event-stream' -H "Authorization: Bearer $api_key" "http://127.0.0.1:$1/v1/chat/completions" \
      -d '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}'
  done | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int(NR/2)+1]*1000000}'
}

# Warm-up, not measured: the first seconds of a fresh server (its database files, the
# upstream connection pool, allocator caches) are not its steady state.
for port in "$proxy_port" "$amaima_port" "$amaima_normal_port"; do
  API_KEY="$api_key" wrk -t1 -c8 -d2s -s bench/chat_post.lua "http://127.0.0.1:$port/v1/chat/completions" \
    >/dev/null
done

echo "machine: $(nproc) cores; wrk -t1 -d${seconds}s on loopback; nginx $("$nginx_bin" -v 2>&1 | sed 's/.*nginx\///')"
echo "--- one connection (latency)"
run direct_1 1 "$upstream_port" 0
run proxy_pass_1 1 "$proxy_port" 0
run amaima_1 1 "$amaima_port" 0
run amaima_sync_normal_1 1 "$amaima_normal_port" 0
echo "--- 32 connections (throughput)"
run direct_32 32 "$upstream_port" 0
run proxy_pass_32 32 "$proxy_port" 0
run amaima_32 32 "$amaima_port" 0
run amaima_sync_normal_32 32 "$amaima_normal_port" 0
echo "--- streams, 32 connections"
run stream_proxy_pass_32 32 "$proxy_port" 1
run stream_amaima_32 32 "$amaima_port" 1
echo "--- streams, time to first byte (curl, 300 sequential, median)"
t_direct=$(ttfb "$upstream_port"); t_proxy=$(ttfb "$proxy_port"); t_amaima=$(ttfb "$amaima_port")
printf 'ttfb direct %s us, proxy_pass %s us, amaima %s us\n' "$t_direct" "$t_proxy" "$t_amaima"
echo "--- summary"
awk -v d="${p50[direct_1]}" -v p="${p50[proxy_pass_1]}" -v a="${p50[amaima_1]}" -v n="${p50[amaima_sync_normal_1]}" \
  'BEGIN {printf "added p50 at 1 connection: proxy_pass %.1f us, amaima %.1f us (sync=normal %.1f us)\n", p-d, a-d, n-d}'
awk -v p="${rps[proxy_pass_32]}" -v a="${rps[amaima_32]}" -v n="${rps[amaima_sync_normal_32]}" \
  -v sp="${rps[stream_proxy_pass_32]}" -v sa="${rps[stream_amaima_32]}" \
  'BEGIN {printf "throughput at 32 connections vs proxy_pass: amaima %.2f (sync=normal %.2f), streams %.2f\n", a/p, n/p, sa/sp}'
awk -v d="$t_direct" -v a="$t_amaima" 'BEGIN {printf "added time to first byte on streams: %.1f us\n", a-d}'
awk -v p="${cpu[proxy_pass_32]}" -v a="${cpu[amaima_32]}" -v sp="${cpu[stream_proxy_pass_32]}" \
  -v sa="${cpu[stream_amaima_32]}" 'BEGIN {printf "gateway CPU per request at 32 connections: proxy_pass %.1f us, amaima %.1f us (%.1fx); streams %.1f us vs %.1f us\n", p, a, a/p, sp, sa}'
if [ "${#failures[@]}" -gt 0 ]; then
  printf 'FAILED, a run had errors (its numbers do not count):\n' >&2
  printf '  %s\n' "${failures[@]}" >&2
  exit 1
fi
