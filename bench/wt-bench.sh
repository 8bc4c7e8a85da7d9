#!/usr/bin/env bash
# Carbon's WebTransport benchmark (issue 17) against target/carbon.jar on loopback, with bench/WtLoad.java as the
# client (run from the same jar, no build step). Every session is its own QUIC connection, as Chromium opens them.
#   datagram  SESSIONS sessions on /ws, one datagram in flight each: p50/p99 round trip, echoes/s, lost
#   stream    SESSIONS sessions on /ws, a new bidirectional stream per message, one in flight each
#   fanout    SUBSCRIBERS sessions on /ws/channels/bench + 1 publisher, one unidirectional stream per message,
#             at most WINDOW messages not yet delivered to every subscriber: deliveries/s, p50/p99 latency
# and, for comparison (WS_COMPARE=1), the WebSocket echo over TLS on the same Carbon with the same number of
# connections and one message in flight each (bench/WsLoad.java --mode flood --in-flight 1).
# Prints the client's Markdown table.
#
# Usage: bench/wt-bench.sh
# Environment (defaults in brackets):
#   SESSIONS [20]  SUBSCRIBERS [20]  WINDOW [16]  DURATION [10s]  WARMUP [2s]  SIZE [64]
#   MODES [all]           datagram,stream,fanout or all
#   WS_COMPARE [1]        0 = skip the WebSocket echo comparison
#   CLIENT_THREADS [nproc] event loops of the client
#   CARBON_EXTRA          extra "key = value" lines for Carbon's config (a key given here replaces the script's)
#   CARBON_JAVA_OPTS [-XX:+UseParallelGC]
#   KEEP_WORK [0]         1 = keep the temporary folder (config, logs, raw client output)
#   PORT, TLS_PORT [18091 18454]   (TCP; HTTP/3 listens on UDP TLS_PORT)
# Needs: java 17, curl, ss (iproute2), timeout, target/carbon.jar.
set -euo pipefail
cd "$(dirname "$0")/.."

SESSIONS=${SESSIONS:-20}
SUBSCRIBERS=${SUBSCRIBERS:-20}
WINDOW=${WINDOW:-16}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
SIZE=${SIZE:-64}
MODES=${MODES:-all}
WS_COMPARE=${WS_COMPARE:-1}
CLIENT_THREADS=${CLIENT_THREADS:-$(nproc)}
CARBON_EXTRA=${CARBON_EXTRA:-}
CARBON_JAVA_OPTS=${CARBON_JAVA_OPTS:--XX:+UseParallelGC}
PORT=${PORT:-18091} TLS_PORT=${TLS_PORT:-18454}
HOST=127.0.0.1

die() { echo "wt-bench.sh: $*" >&2; exit 1; }
say() { echo "wt-bench.sh: $*" >&2; }
seconds() {
  local v=$1 n m=1
  case $v in *m) n=${v%m}; m=60 ;; *s) n=${v%s} ;; *) n=$v ;; esac
  [[ $n =~ ^[0-9]+$ ]] || die "cannot read '$v' as a duration (whole seconds or minutes: 10s, 2m)"
  echo $((n * m))
}
secs=$(seconds "$DURATION"); warm=$(seconds "$WARMUP")
for v in SESSIONS SUBSCRIBERS WINDOW SIZE CLIENT_THREADS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive whole number"
done
for c in java curl ss timeout; do command -v $c >/dev/null || die "'$c' is missing"; done
[ -f target/carbon.jar ] || die "target/carbon.jar is missing: build it first (mvn -B -q package -DskipTests)"
for p in $PORT $TLS_PORT; do
  [ -z "$(ss -Htln "sport = :$p")" ] || die "TCP port $p is already in use (set PORT / TLS_PORT)"
done
[ -z "$(ss -Huln "sport = :$TLS_PORT")" ] || die "UDP port $TLS_PORT is already in use (set TLS_PORT)"

work=$(mktemp -d /tmp/carbon-wt-bench.XXXXXX)
carbon_pid='' watchdog_pid=''
cleanup() {
  local rc=$? i
  [ -n "$watchdog_pid" ] && kill "$watchdog_pid" 2>/dev/null
  if [ -n "$carbon_pid" ] && kill -0 "$carbon_pid" 2>/dev/null; then
    kill -TERM "$carbon_pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do kill -0 "$carbon_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$carbon_pid" 2>/dev/null || true
  fi
  if [ "${KEEP_WORK:-0}" = 1 ] || [ "$rc" -ne 0 ] || [ -s "$work/warnings" ]; then
    say "config, logs and raw client output kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$work/www" "$work/log"
echo '<!doctype html><title>wt-bench</title>' >"$work/www/index.html"
extra_keys=$(printf '%s\n' "$CARBON_EXTRA" | sed -n 's/^[[:space:]]*\([A-Za-z0-9_]*\)[[:space:]]*=.*/\1/p' | tr '\n' ' ')
awk -v drop=" $extra_keys" '{ k = $1 } index(drop, " " k " ") == 0' >"$work/carbon.conf" <<CONF
server_name = $HOST
port = $PORT
use_https = true
https_port = $TLS_PORT
enable_http2 = true
enable_http3 = true
enable_websocket = true
enable_webtransport = true
self_signed_for_webtransport = true
admin_port = 0
max_threads = 0
max_connections = 2000
max_connections_per_ip = 0
rate_limit_messages = 0
websocket_queue_size = 1024
shutdown_timeout = 2s
www_path = $work/www
ssl_cert_path = $work/cert.pem
ssl_key_path = $work/key.pem
log_file = $work/log/server.log
access_log = $work/log/access.log
CONF
[ -n "$CARBON_EXTRA" ] && printf '# CARBON_EXTRA\n%s\n' "$CARBON_EXTRA" >>"$work/carbon.conf"
carbon=(env -i "PATH=$PATH" "HOME=${HOME:-/}" "LANG=${LANG:-C.UTF-8}" java)
timeout 60 "${carbon[@]}" -jar target/carbon.jar --config "$work/carbon.conf" --check >"$work/check.out" 2>&1 \
  || die "Carbon refused its config $work/carbon.conf: $(grep -v '^  ' "$work/check.out" | tail -n 5)"
grep -q 'unknown key' "$work/check.out" && die "$(grep 'unknown key' "$work/check.out")"
timeout 60 "${carbon[@]}" -jar target/carbon.jar --config "$work/carbon.conf" --gen-cert >/dev/null \
  || die "Carbon could not write a certificate to $work"
# shellcheck disable=SC2086
"${carbon[@]}" $CARBON_JAVA_OPTS -jar target/carbon.jar --config "$work/carbon.conf" </dev/null >"$work/log/stdout" 2>&1 &
carbon_pid=$!
script_pid=$$
( while kill -0 "$script_pid" 2>/dev/null; do sleep 1; done; kill -KILL "$carbon_pid" ) >/dev/null 2>&1 &
watchdog_pid=$!
for ((i = 0; i < 300; i++)); do
  curl -fs --max-time 2 -o /dev/null "http://$HOST:$PORT/" && break
  kill -0 "$carbon_pid" 2>/dev/null || die "Carbon exited during startup: $(tail -n 20 "$work/log/stdout")"
  sleep 0.1
done
for ((i = 0; i < 50; i++)); do [ -n "$(ss -Huln "sport = :$TLS_PORT")" ] && break; sleep 0.1; done
[ -n "$(ss -Huln "sport = :$TLS_PORT")" ] || die "Carbon does not listen on UDP $TLS_PORT (HTTP/3 off?)"

say "java -cp target/carbon.jar bench/WtLoad.java --port $TLS_PORT --mode $MODES ..."
rc=0
timeout -k 10 $(( (warm + secs + 30) * 3 + 60 )) java -cp target/carbon.jar bench/WtLoad.java --host $HOST \
  --port "$TLS_PORT" --mode "$MODES" --sessions "$SESSIONS" --subscribers "$SUBSCRIBERS" --window "$WINDOW" \
  --duration "${secs}s" --warmup "${warm}s" --size "$SIZE" --threads "$CLIENT_THREADS" >"$work/wt.txt" 2>&1 || rc=$?
[ $rc -eq 0 ] || { say "WARNING: WtLoad exited with $rc; see $work/wt.txt"; echo "wt: $rc" >>"$work/warnings"; }

ws=''
if [ "$WS_COMPARE" = 1 ]; then
  say "java -cp target/carbon.jar bench/WsLoad.java --url wss://$HOST:$TLS_PORT/ws --mode flood --connections $SESSIONS --in-flight 1 ..."
  rc=0
  timeout -k 10 $((warm + secs + 120)) java -cp target/carbon.jar bench/WsLoad.java --url "wss://$HOST:$TLS_PORT/ws" \
    --mode flood --connections "$SESSIONS" --in-flight 1 --binary --size "$SIZE" --duration "${secs}s" \
    --warmup "${warm}s" --threads "$CLIENT_THREADS" --quiet >"$work/ws.txt" 2>&1 || rc=$?
  [ $rc -eq 0 ] || { say "WARNING: WsLoad exited with $rc; see $work/ws.txt"; echo "ws: $rc" >>"$work/warnings"; }
  ws=$(grep '^RESULT ' "$work/ws.txt" | tail -n 1 || true)
fi
kill -0 "$carbon_pid" 2>/dev/null || die "Carbon died during the run: $(tail -n 20 "$work/log/stdout")"
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit, with uncommitted changes"
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo
echo "#### $(date -u '+%Y-%m-%d') — Carbon WebTransport over HTTP/3 on loopback"
echo
echo "- Machine: ${cpu:-unknown CPU}, $(nproc) cores (client and server share them); kernel $(uname -r); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- Carbon: commit $commit, \`$CARBON_JAVA_OPTS\`; client: bench/WtLoad.java, $CLIENT_THREADS event loops, $SIZE-byte payloads, ${warm}s warm-up then ${secs}s measured per mode"
echo
grep '^|' "$work/wt.txt" || echo "(no table: see $work/wt.txt)"
if [ -n "$ws" ]; then
  echo "| WebSocket echo (wss, for comparison) | $(field "$ws" connections) of $SESSIONS | ${secs} s | $(field "$ws" msgs_per_s) echoes/s | $(field "$ws" p50_ms) | $(field "$ws" p99_ms) | $(field "$ws" max_ms) | - | $(field "$ws" errors) |"
fi
echo
grep '^RESULT ' "$work/wt.txt" || true
[ -n "$ws" ] && echo "$ws"
true
