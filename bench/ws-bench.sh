#!/usr/bin/env bash
# Carbon's WebSocket benchmark: the two scenarios of issue 5 against target/carbon.jar on loopback, with
# bench/WsLoad.java as the client (run from the same jar, no build step). Prints a Markdown table.
#   1. many connections: CONNECTIONS WebSockets on the echo endpoint, each sending a SIZE-byte message RATE
#      times a second; p50/p99/max round trip and Carbon's resident memory (goal: 10,000 at p99 < 1 ms).
#   2. flood: one connection echoing as fast as it can with IN_FLIGHT messages outstanding (goal: > 100,000
#      messages/s).
#
# Usage: bench/ws-bench.sh
# Environment (defaults in brackets):
#   CONNECTIONS [10000]   connections of scenario 1
#   RATE [0.5]            messages per second per connection in scenario 1 (0.5 = one every 2 s)
#   DURATION [30s]        measured time of each scenario (s or m)
#   WARMUP [5s]           load before each measured window, not counted
#   SIZE [64]             payload bytes
#   IN_FLIGHT [64]        scenario 2: messages outstanding on the connection
#   FLOOD_CONNECTIONS [1] scenario 2: connections
#   SCHEME [ws]           ws or wss (TLS on Carbon's https port, self-signed certificate)
#   CLIENT_THREADS [nproc] event loops of the client
#   CARBON_EXTRA          extra "key = value" lines for Carbon's config (a key given here replaces the script's)
#   CARBON_JAVA_OPTS [-XX:+UseParallelGC]   JVM options of Carbon (the same as carbon.service)
#   KEEP_WORK [0]         1 = keep the temporary folder (config, logs, raw client output)
#   PORT, TLS_PORT [18090 18453]
# Needs: java 17, curl, ss (iproute2), timeout, target/carbon.jar; about CONNECTIONS + 100 open files for the
# client and for Carbon (ulimit -n; the script raises the soft limit to the hard one).
set -euo pipefail
cd "$(dirname "$0")/.."

CONNECTIONS=${CONNECTIONS:-10000}
RATE=${RATE:-0.5}
DURATION=${DURATION:-30s}
WARMUP=${WARMUP:-5s}
SIZE=${SIZE:-64}
IN_FLIGHT=${IN_FLIGHT:-64}
FLOOD_CONNECTIONS=${FLOOD_CONNECTIONS:-1}
SCHEME=${SCHEME:-ws}
CLIENT_THREADS=${CLIENT_THREADS:-$(nproc)}
CARBON_EXTRA=${CARBON_EXTRA:-}
CARBON_JAVA_OPTS=${CARBON_JAVA_OPTS:--XX:+UseParallelGC}
PORT=${PORT:-18090} TLS_PORT=${TLS_PORT:-18453}
HOST=127.0.0.1

die() { echo "ws-bench.sh: $*" >&2; exit 1; }
say() { echo "ws-bench.sh: $*" >&2; }

seconds() { # 30s, 2m or 30 -> whole seconds
  local v=$1 n m=1
  case $v in *m) n=${v%m}; m=60 ;; *s) n=${v%s} ;; *) n=$v ;; esac
  [[ $n =~ ^[0-9]+$ ]] || die "cannot read '$v' as a duration (whole seconds or minutes: 30s, 2m)"
  echo $((n * m))
}
secs=$(seconds "$DURATION"); warm=$(seconds "$WARMUP")
[ "$secs" -ge 1 ] || die "DURATION must be at least 1s"
for v in CONNECTIONS SIZE IN_FLIGHT FLOOD_CONNECTIONS CLIENT_THREADS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive whole number"
done
[[ $RATE =~ ^[0-9]*\.?[0-9]+$ ]] || die "RATE must be a number of messages per second, e.g. 0.5"
case $SCHEME in ws) url_port=$PORT ;; wss) url_port=$TLS_PORT ;; *) die "SCHEME must be ws or wss" ;; esac

for c in java curl ss timeout; do command -v $c >/dev/null || die "'$c' is missing"; done
[ -f target/carbon.jar ] || die "target/carbon.jar is missing: build it first (mvn -B -q package -DskipTests)"

# Every connection is a file descriptor on each side. Raise the soft limit as far as the hard one allows.
need_fds=$((CONNECTIONS + 200))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need_fds" ]; then
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need_fds" ]; then
  die "open files limit is $(ulimit -n) (hard $(ulimit -Hn)): $CONNECTIONS connections need about $need_fds for the client and for Carbon. Raise the hard limit (as root: ulimit -Hn 65536; or LimitNOFILE / limits.conf) or lower CONNECTIONS"
fi
for p in $PORT $TLS_PORT; do
  [ -z "$(ss -Htln "sport = :$p")" ] || die "port $p is already in use (set PORT / TLS_PORT); nothing was measured"
done

work=$(mktemp -d /tmp/carbon-ws-bench.XXXXXX)
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

# Carbon with WebSocket on, room for the connections, its own files. A key in CARBON_EXTRA replaces the line.
mkdir -p "$work/www" "$work/log"
echo '<!doctype html><title>ws-bench</title>' >"$work/www/index.html"
extra_keys=$(printf '%s\n' "$CARBON_EXTRA" | sed -n 's/^[[:space:]]*\([A-Za-z0-9_]*\)[[:space:]]*=.*/\1/p' | tr '\n' ' ')
awk -v drop=" $extra_keys" '{ k = $1 } index(drop, " " k " ") == 0' >"$work/carbon.conf" <<CONF
server_name = $HOST
port = $PORT
use_https = true
https_port = $TLS_PORT
enable_http2 = true
enable_websocket = true
max_threads = 0
max_connections = $((CONNECTIONS + 1000))
max_connections_per_ip = 0
websocket_max_connections = $((CONNECTIONS + 1000))
shutdown_timeout = 2s
www_path = $work/www
ssl_cert_path = $work/cert.pem
ssl_key_path = $work/key.pem
log_file = $work/log/server.log
access_log = $work/log/access.log
CONF
[ -n "$CARBON_EXTRA" ] && printf '# CARBON_EXTRA\n%s\n' "$CARBON_EXTRA" >>"$work/carbon.conf"
# A clean environment: Carbon's PORT and CARBON_<KEY> variables would win over the file.
carbon=(env -i "PATH=$PATH" "HOME=${HOME:-/}" "LANG=${LANG:-C.UTF-8}" java)
timeout 60 "${carbon[@]}" -jar target/carbon.jar --config "$work/carbon.conf" --check >"$work/check.out" 2>&1 \
  || die "Carbon refused its config $work/carbon.conf: $(grep -v '^  ' "$work/check.out" | tail -n 5)"
grep -q 'unknown key' "$work/check.out" && die "$(grep 'unknown key' "$work/check.out")"
timeout 60 "${carbon[@]}" -jar target/carbon.jar --config "$work/carbon.conf" --gen-cert >/dev/null \
  || die "Carbon could not write a certificate to $work"
# shellcheck disable=SC2086 # CARBON_JAVA_OPTS is a list of options
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
code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://$HOST:$PORT/ws" || true)
[ "$code" = 426 ] || die "GET /ws answered $code, not 426: is the WebSocket echo endpoint on (enable_websocket)?"

rss_mib() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$carbon_pid/status"; }
hwm_mib() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$carbon_pid/status"; }
rss_idle=$(rss_mib)

# Runs the client; its RESULT line goes to stdout, everything it printed to $work/<name>.txt.
client() { # name ramp-timeout-seconds [WsLoad options]
  local name=$1 ramp=$2 rc=0
  shift 2
  say "$name: java bench/WsLoad.java $*"
  timeout -k 10 $((ramp + warm + secs + 90)) java -cp target/carbon.jar bench/WsLoad.java \
    --url "$SCHEME://$HOST:$url_port/ws" --threads "$CLIENT_THREADS" --size "$SIZE" --duration "${secs}s" \
    --warmup "${warm}s" --ramp-timeout "${ramp}s" --interval 5s "$@" >"$work/$name.txt" 2>&1 || rc=$?
  [ $rc -eq 0 ] || say "WARNING: the client exited with $rc on $name (1 = errors or fewer connections, 124 = timed out); see $work/$name.txt"
  [ $rc -eq 0 ] || echo "$name: client exit status $rc" >>"$work/warnings"
  grep '^RESULT ' "$work/$name.txt" | tail -n 1 || echo "RESULT none=1"
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

ramp_secs=$((CONNECTIONS / 500 + 60))
many=$(client many "$ramp_secs" --connections "$CONNECTIONS" --rate "$RATE")
rss_many=$(rss_mib); hwm_many=$(hwm_mib)
# Let the closed connections go before the flood.
sleep 2
flood=$(client flood 30 --mode flood --connections "$FLOOD_CONNECTIONS" --in-flight "$IN_FLIGHT")
rss_flood=$(rss_mib); hwm_flood=$(hwm_mib)
kill -0 "$carbon_pid" 2>/dev/null || die "Carbon died during the run: $(tail -n 20 "$work/log/stdout")"

mark() { awk -v v="$1" -v g="$2" -v op="$3" 'BEGIN { if (v == "") print "?"; else if (op == "<" ? v < g : v > g) print "✓"; else print "✗" }'; }
p99=$(field "$many" p99_ms); flood_rate=$(field "$flood" msgs_per_s)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && commit="$commit, with uncommitted changes"
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo
echo "### $(date -u '+%Y-%m-%d') — Carbon WebSocket, $SCHEME:// on loopback"
echo
echo "- Machine: ${cpu:-unknown CPU}, $(nproc) cores (client and server share them); kernel $(uname -r); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- Carbon: commit $commit, \`$CARBON_JAVA_OPTS\`; client: bench/WsLoad.java, $CLIENT_THREADS event loops, $SIZE-byte text messages, ${warm}s warm-up then ${secs}s measured"
echo "- Carbon RSS when idle: $rss_idle MiB"
echo
echo "| scenario | connections (open / asked) | messages/s | p50 ms | p99 ms | max ms | errors | Carbon RSS MiB (end / peak) | goal |"
echo "|---|---|---|---|---|---|---|---|---|"
echo "| $CONNECTIONS connections, $RATE msg/s each | $(field "$many" connections) / $CONNECTIONS | $(field "$many" msgs_per_s) | $(field "$many" p50_ms) | $p99 | $(field "$many" max_ms) | $(field "$many" errors) | $rss_many / $hwm_many | p99 < 1 ms $(mark "$p99" 1 '<') |"
echo "| flood, $FLOOD_CONNECTIONS connection(s), $IN_FLIGHT in flight | $(field "$flood" connections) / $FLOOD_CONNECTIONS | $flood_rate | $(field "$flood" p50_ms) | $(field "$flood" p99_ms) | $(field "$flood" max_ms) | $(field "$flood" errors) | $rss_flood / $hwm_flood | > 100000 msg/s $(mark "$flood_rate" 100000 '>') |"
echo
echo "Commands: \`java -cp target/carbon.jar bench/WsLoad.java --url $SCHEME://$HOST:$url_port/ws --connections $CONNECTIONS --rate $RATE --duration ${secs}s --warmup ${warm}s --size $SIZE\` and \`... --mode flood --connections $FLOOD_CONNECTIONS --in-flight $IN_FLIGHT\`."
