#!/usr/bin/env bash
# Checks /metrics with Prometheus' own linter: starts the built jar with the admin listener on, makes a few
# requests (HTTP/1.1, a 404, h2c, a WebSocket-less static site), scrapes /metrics and pipes it to
# `promtool check metrics` (Debian: apt-get install prometheus), then checks /healthz and /readyz.
# Needs target/carbon.jar (mvn package). Usage: bash .ci/metrics-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v promtool >/dev/null || { echo "promtool not found (apt-get install prometheus)" >&2; exit 1; }

# Two ports free right now (other builds on the machine may hold fixed ones).
read -r port admin < <(python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
dir=$(mktemp -d)
mkdir -p "$dir/www" "$dir/log"
printf 'hello\n' >"$dir/www/index.html"
CARBON_PORT=$port CARBON_ADMIN_PORT=$admin CARBON_ENABLE_HTTP2=true CARBON_WWW_PATH="$dir/www" \
  CARBON_LOG_FILE="$dir/log/server.log" CARBON_ACCESS_LOG="$dir/log/access.log" \
  java -jar target/carbon.jar >"$dir/out.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
ready=
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$admin/readyz" 2>/dev/null && { ready=1; break; }
  sleep 0.1
done
[ -n "$ready" ] || { echo "Carbon did not become ready:" >&2; cat "$dir/out.log" >&2; exit 1; }
curl -fsS -o /dev/null "http://127.0.0.1:$port/"
curl -fsS -o /dev/null "http://127.0.0.1:$port/"
curl -sS -o /dev/null "http://127.0.0.1:$port/missing"
curl -fsS -o /dev/null --http2-prior-knowledge "http://127.0.0.1:$port/"

test "$(curl -fsS "http://127.0.0.1:$admin/healthz")" = ok
test "$(curl -fsS "http://127.0.0.1:$admin/readyz")" = ready
type=$(curl -fsS -D - -o /dev/null "http://127.0.0.1:$admin/metrics" | tr -d '\r' \
       | awk -F': ' 'tolower($1)=="content-type" {print $2}')
test "$type" = "text/plain; version=0.0.4; charset=utf-8"
metrics=$(curl -fsS "http://127.0.0.1:$admin/metrics")
promtool check metrics <<<"$metrics"
grep -q '^carbon_http_requests_total{protocol="HTTP/1.1",status_class="2xx"} 2' <<<"$metrics"
grep -q '^carbon_http_requests_total{protocol="HTTP/1.1",status_class="4xx"} 1' <<<"$metrics"
grep -q '^carbon_http_requests_total{protocol="HTTP/2.0",status_class="2xx"} 1' <<<"$metrics"
# The admin endpoints are not on the public port.
test "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")" = 404
echo "metrics check passed"
